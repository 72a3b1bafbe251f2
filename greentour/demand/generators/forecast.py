"""The ``forecast`` generator: mowing, hedge regrowth and young-tree watering from forecast signals.

The signals are the forecast service's stored per-site forecasts (issue #5, mapped by
:mod:`greentour.demand.signals`): per site and kind a due window, an urgency, an explanation
("grass at 68 mm, trigger 45 mm on 17.06.") and the days heavy mowers must stay off soaked
ground. This module turns a signal into a task of the right type: mowing by the forecast's care
class, a form cut for hedges (a hard cut is never generated from a forecast: BNatSchG §39 (5)
allows it only October-February and it is planned as a deadline or an order), watering with
the signal's water amount.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from greentour.demand.generators import GeneratorContext
from greentour.demand.model import MOW_CARE_CLASSES, DemandTask, SiteInfo

KIND_TYPES = {"hedge": "hedge_cut", "water": "water_trees", "clearance_hedge": "clearance_cut",
              "clearance_tree": "clearance_prune"}
"""Signal kind → task type (clearance kinds: greentour.duty.hazards, before a predicted
violation of a clearance profile or sight triangle)."""


@dataclass(frozen=True)
class ForecastSignal:
    """One forecast result for one site (kinds: ``mow``, ``hedge``, ``water``,
    ``clearance_hedge``, ``clearance_tree``)."""

    site_id: int
    kind: str
    due_earliest: dt.date
    due_latest: dt.date
    urgency: float
    explanation: str = ""
    explanation_en: str = ""
    water_l_per_tree: float | None = None
    workable: bool = True
    """False when no day of the window is workable (the task is still due, urgency kept)."""
    unworkable_days: tuple[dt.date, ...] = ()
    """Days heavy machines must stay off the ground (soaked after heavy rain)."""
    care_class: str | None = None
    """Mowing: the lawn regime the forecast used (chooses the mowing task type)."""


def task_type_for(signal: ForecastSignal, site: SiteInfo) -> str | None:
    """The task type code a signal asks for at a site (None: nothing to do there)."""
    if signal.kind == "mow":
        return MOW_CARE_CLASSES.get(signal.care_class or "") or site.mow_type
    return KIND_TYPES.get(signal.kind)


def generate_forecast_tasks(
    sites: Sequence[SiteInfo],
    signals: Iterable[ForecastSignal],
    start: dt.date,
    end: dt.date,
    ctx: GeneratorContext,
) -> list[DemandTask]:
    """Tasks for every signal whose due window meets [start, end] at a maintained site."""
    by_id = {s.id: s for s in sites if s.maintained}
    out: list[DemandTask] = []
    for signal in signals:
        site = by_id.get(signal.site_id)
        if site is None or signal.due_earliest > end or signal.due_latest < start:
            continue
        code = task_type_for(signal, site)
        if code is None or code not in ctx.types:
            continue
        spec = ctx.spec(code)
        if not spec.in_season(signal.due_earliest) and not spec.in_season(signal.due_latest):
            continue
        note = signal.explanation or f"Prognose ({signal.kind})"
        note_en = signal.explanation_en or f"Forecast ({signal.kind})"
        earliest = signal.due_earliest
        if spec.params.get("heavy") and signal.unworkable_days:
            # heavy mowers wait for the first day the ground carries them
            blocked = set(signal.unworkable_days)
            day = earliest
            while day <= signal.due_latest and day in blocked:
                day += dt.timedelta(days=1)
            if day <= signal.due_latest:
                if day > earliest:
                    wet_until = day - dt.timedelta(days=1)
                    note += f"; Boden bis {wet_until:%d.%m.} zu nass für schwere Mäher"
                    note_en += (f"; ground too wet for heavy mowers until "
                                f"{wet_until:%d/%m}")
                earliest = day
            else:
                note += "; Boden im ganzen Fenster zu nass für schwere Mäher"
                note_en += "; ground too wet for heavy mowers in the whole window"
        elif not signal.workable:
            note += "; Boden derzeit nicht befahrbar"
            note_en += "; ground not passable at present"
        task = ctx.task(site, code, "forecast", (earliest, signal.due_latest),
                        signal.urgency, note, explanation_en=note_en)
        if code == "water_trees" and signal.water_l_per_tree:
            trees = task.quantity
            task = task.with_(water_l=round(trees * signal.water_l_per_tree, 1))
        # one open forecast task per site and type: the key carries no date (see service)
        out.append(task.with_(key=f"forecast:{code}:{site.id}"))
    return out
