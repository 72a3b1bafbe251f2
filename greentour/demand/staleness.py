"""Open tasks of past days: carried forward with their history or closed with a reason.

A task whose due window has passed without a report is either still real work (an order, a
lawn overdue by a few days in its season) or no longer meaningful (a June mowing task in
December, last month's playground inspection when this month's occurrence exists, a deadline
that passed). :func:`verdict` decides, as a pure function of the task, the day and the task
type's season; :func:`greentour.demand.service.settle_past_tasks` applies it to the store (before
the week's demand is generated and before every plan) and the map reads the same verdict, so a
stale task is never shown as overdue.

Rules (``today`` is the planning day):

* only work whose due window has ended counts (work due today or later stands as it is);
* out of season today (mowing after mid-November, watering after September, hedge shaping
  outside its window; the type's ``season_start``/``season_end``): closed, "außerhalb der
  Saison" — forecast and cycle work only; orders have no season;
* cycle work whose next occurrence of the same duty has begun: closed, "Termin verstrichen,
  nächster Termin ab …" (the later occurrence is the real work);
* deadline work past its date: closed, "Frist … verstrichen";
* forecast work overdue more than :data:`STALE_DAYS`: closed, "Prognose überholt" (the forecast
  generator creates a new task when the lawn is due again);
* cycle work overdue more than :data:`STALE_DAYS` without a later occurrence: closed, "Termin
  verstrichen am …, nicht erledigt";
* orders overdue more than :data:`STALE_DAYS`: carried forward into the current week, the
  original due day kept in the notes ("übernommen; ursprünglich fällig bis …").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal

#: a task overdue by more than this many days is stale (closed or carried forward)
STALE_DAYS = 14
#: generators whose work has a season
SEASONAL_GENERATORS = frozenset({"forecast", "cycle"})


@dataclass(frozen=True)
class Verdict:
    """What happens to a stale task: ``close`` (status cancelled) or ``carry`` (due window moved
    to ``today``..``carry_to``), with the reason in German and English."""

    action: Literal["close", "carry"]
    de: str
    en: str
    carry_to: dt.date | None = None


def _d(day: dt.date) -> str:
    return f"{day:%d.%m.%Y}"


def verdict(
    task: Any,
    today: dt.date,
    in_season: Callable[[dt.date], bool] | None = None,
    next_start: dt.date | None = None,
) -> Verdict | None:
    """The verdict on an open task on ``today`` (None: it is still real work as it stands).

    ``task`` has ``generator``, ``due_earliest``, ``due_latest``; ``in_season(day)`` is the task
    type's season (None: all year); ``next_start`` the first day of the next occurrence of the
    same duty at the same site (cycle work), if any.
    """
    generator = task.generator
    if task.due_latest >= today:
        return None
    if generator in SEASONAL_GENERATORS and in_season is not None and not in_season(today):
        return Verdict("close", f"außerhalb der Saison – geschlossen am {_d(today)}",
                       f"out of season – closed on {_d(today)}")
    overdue_days = (today - task.due_latest).days
    if generator == "cycle" and next_start is not None and next_start <= today:
        return Verdict("close", f"Termin verstrichen, nächster Termin ab {_d(next_start)}",
                       f"occurrence lapsed, next one from {_d(next_start)}")
    if generator == "deadline":
        return Verdict("close", f"Frist {_d(task.due_latest)} verstrichen",
                       f"deadline {_d(task.due_latest)} passed")
    if overdue_days <= STALE_DAYS:
        return None
    if generator == "forecast":
        return Verdict("close", f"Prognose überholt (fällig bis {_d(task.due_latest)}); neu "
                                "berechnet, wenn die Fläche wieder fällig ist",
                       f"forecast outdated (due by {_d(task.due_latest)}); computed again when "
                       "the site is due again")
    if generator == "cycle":
        return Verdict("close", f"Termin verstrichen am {_d(task.due_latest)}, nicht erledigt",
                       f"occurrence lapsed on {_d(task.due_latest)}, not done")
    return Verdict("carry", f"übernommen; ursprünglich fällig bis {_d(task.due_latest)}",
                   f"carried forward; originally due by {_d(task.due_latest)}",
                   carry_to=today + dt.timedelta(days=(4 - today.weekday()) % 7))


def next_occurrences(tasks: Sequence[Any], generators: Collection[str]) -> dict[int, dt.date]:
    """Task id -> first day of the next occurrence of the same duty (site and task type).

    Only tasks of ``generators`` (the fixed-day ones: cycle, deadline, order) count; packages of
    one split job share their first day and are no occurrences of each other.
    """
    groups: dict[tuple[int, str], list[Any]] = defaultdict(list)
    for task in tasks:
        if task.generator in generators:
            groups[(task.site_id, task.task_type)].append(task)
    out: dict[int, dt.date] = {}
    for group in groups.values():
        starts = sorted({t.due_earliest for t in group})
        for task in group:
            later = [d for d in starts if d > task.due_earliest]
            if later:
                out[task.id] = later[0]
    return out
