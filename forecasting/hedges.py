"""Hedge regrowth by degree days since the last cut, within the law on cutting seasons.

Regrowth is counted in growing degree days base 5 °C (°C·d) since the last cut; a cut is due when
the care class's ``gdd5_per_cut`` is reached. BNatSchG §39(5) Nr. 2 forbids cutting hedges back
hard from 1 March to 30 September; gentle form and maintenance cuts stay allowed. A hard
(rejuvenation) cut is therefore planned for October-February, unless the work is for traffic safety
(Verkehrssicherungspflicht), which the law exempts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from forecasting.drivers import degree_days
from forecasting.errors import ForecastInputError
from forecasting.explain import Explanation, SiteForecast, fmt_date_de, urgency_for
from forecasting.planning import analog_years


def in_protected_season(day: date) -> bool:
    """True from 1 March to 30 September (BNatSchG §39(5) Nr. 2: no hard cuts)."""
    return (day.month, day.day) >= (3, 1) and (day.month, day.day) <= (9, 30)


def next_hard_cut_day(day: date) -> date:
    """The first day on or after ``day`` on which a hard cut is allowed (1 October if protected)."""
    return date(day.year, 10, 1) if in_protected_season(day) else day


def allowed_cut(day: date, traffic_safety: bool = False) -> str:
    """``"hard_cut_allowed"`` outside the protected season or for traffic safety, else
    ``"form_cut_only"``."""
    if traffic_safety or not in_protected_season(day):
        return "hard_cut_allowed"
    return "form_cut_only"


@dataclass(frozen=True)
class GddCrossing:
    """When the degree days since a cut reach a threshold, with the analog years' spread."""

    cum: pd.Series
    """Cumulative °C·d (base 5 °C) from the day after the cut to the horizon's end."""
    gdd_now: float
    """°C·d from the cut to ``as_of``."""
    due: pd.Timestamp | None
    """First day on or after ``as_of`` the threshold is reached (None: not in the horizon)."""
    member_dues: list[pd.Timestamp]
    """The same day computed with each past year's weather for the days ahead."""

    def uncertainty(self) -> dict:
        """Count of analog years and the 10 % / 90 % quantile dates (ISO)."""
        due_q = sorted(self.member_dues)
        return {
            "analog_years": len(due_q),
            "due_p10": due_q[int(0.1 * (len(due_q) - 1))].date().isoformat() if due_q else None,
            "due_p90": due_q[int(0.9 * (len(due_q) - 1))].date().isoformat() if due_q else None,
        }


def gdd_crossing(drivers: pd.DataFrame, observed: pd.DataFrame, service: pd.Timestamp,
                 as_of: pd.Timestamp, horizon_days: int, threshold_gdd: float) -> GddCrossing:
    """The hedge model's degree-day response since ``service``: when it reaches
    ``threshold_gdd`` (°C·d, base 5 °C), from the planning drivers and, for the spread, from
    every past year's weather for the days ahead (:func:`forecasting.planning.analog_years`)."""
    horizon_end = as_of + pd.Timedelta(days=horizon_days)
    after = drivers.loc[service + pd.Timedelta(days=1) : horizon_end]
    cum = after["gdd5"].cumsum()
    gdd_now = float(cum.loc[:as_of].iloc[-1]) if len(cum.loc[:as_of]) else 0.0
    ahead = cum.loc[as_of:]
    hits = ahead[ahead >= threshold_gdd]
    due = hits.index[0] if len(hits) else None
    member_dues = []
    for member in analog_years(observed, as_of, horizon_days).values():
        gdd = np.cumsum(degree_days(member["tmean_c"].to_numpy(), 5.0)) + gdd_now
        idx = np.argmax(gdd >= threshold_gdd)
        if gdd_now >= threshold_gdd:
            member_dues.append(as_of)
        elif gdd[idx] >= threshold_gdd:
            member_dues.append(member.index[idx])
    return GddCrossing(cum, gdd_now, due, member_dues)


def forecast_hedge(site, drivers, observed, as_of, horizon_days, context) -> SiteForecast:
    """Due date of the next hedge cut (see module doc); ``drivers`` from the planning weather."""
    if not site.care_class:
        raise ForecastInputError(f"site {site.site_id}: a hedge needs a hedge class (low, high)")
    hedge = context.care.hedge(site.care_class)
    assumed = site.last_service is None
    service = pd.Timestamp(date(as_of.year, 1, 1)) if assumed else pd.Timestamp(site.last_service)
    if service > as_of:
        raise ForecastInputError(f"site {site.site_id}: last cut lies after {as_of.date()}")
    horizon_end = as_of + pd.Timedelta(days=horizon_days)
    crossing = gdd_crossing(drivers, observed, service, as_of, horizon_days, hedge.gdd5_per_cut)
    cum, gdd_now, due = crossing.cum, crossing.gdd_now, crossing.due
    unc = crossing.uncertainty()
    due_day = max(due.date(), as_of.date()) if due is not None else None
    notes = []
    if due_day is not None and site.hard_cut_wanted and not site.traffic_safety:
        moved = next_hard_cut_day(due_day)
        if moved != due_day:
            notes.append(
                (
                    "bnatschg_39",
                    f"Rückschnitt (Verjüngung) nach BNatSchG §39 erst ab {fmt_date_de(moved)}.",
                    f"Hard cut postponed to {moved.isoformat()} by BNatSchG §39.",
                )
            )
            due_day = moved if moved <= horizon_end.date() else None
    window = None
    if due_day is not None:
        window = (
            due_day,
            min(
                due_day + pd.Timedelta(days=hedge.window_days).to_pytimedelta(), horizon_end.date()
            ),
        )
        if window[1] < window[0]:
            window = (due_day, due_day)
    cut = allowed_cut(due_day or as_of.date(), site.traffic_safety)
    if cut == "form_cut_only":
        notes.append(
            (
                "form_cut_only",
                "1. März bis 30. September: nur schonender Form- und Pflegeschnitt "
                "(BNatSchG §39 Abs. 5 Nr. 2); auf Nester achten.",
                "1 March to 30 September: only gentle form and maintenance cuts "
                "(BNatSchG §39(5) no. 2); check for nests.",
            )
        )
    elif site.traffic_safety and due_day and in_protected_season(due_day):
        notes.append(
            (
                "traffic_safety",
                "Verkehrssicherung: Rückschnitt auch in der Schutzzeit zulässig.",
                "Traffic safety: cutting back allowed in the protected season.",
            )
        )
    if due_day is not None:
        why_de = f"Fällig am {fmt_date_de(due_day)} (Zuwachs {hedge.gdd5_per_cut:.0f} °C·Tage)."
        why_en = f"Due on {due_day.isoformat()} (regrowth {hedge.gdd5_per_cut:.0f} °C·d)."
        reason = "regrowth_reached" if due_day <= as_of.date() else "regrowth_expected"
    else:
        why_de = f"In den nächsten {horizon_days} Tagen nicht fällig."
        why_en = f"Not due within the next {horizon_days} days."
        reason = "not_due_in_horizon"
    expl = Explanation(
        reason=reason,
        text_de=(
            f"{hedge.name_de}: seit dem letzten Schnitt ({fmt_date_de(service.date())}) "
            f"{gdd_now:.0f} von {hedge.gdd5_per_cut:.0f} °C·Tagen (Basis 5 °C). {why_de}"
        ),
        text_en=(
            f"{hedge.name_en}: {gdd_now:.0f} of {hedge.gdd5_per_cut:.0f} degree days (base 5 °C) "
            f"since the last cut ({service.date().isoformat()}). {why_en}"
        ),
        drivers={"gdd5_since_cut": round(gdd_now, 0), "gdd5_per_cut": hedge.gdd5_per_cut},
        since_service={
            "last_service": service.date().isoformat(),
            "assumed": assumed,
            "gdd5": round(gdd_now, 0),
        },
        uncertainty=unc,
    )
    for code, de, en in notes:
        expl.add_note(code, de, en)
    if assumed:
        expl.add_note(
            "assumed_last_service",
            "Kein Schnitt erfasst: Zählung ab 1. Januar.",
            "No cut recorded: counting from 1 January.",
        )
    daily = pd.DataFrame(
        {
            "value": cum,
            "value_lo": cum,
            "value_hi": cum,
            "weather_source": drivers["weather_source"].reindex(cum.index),
        }
    )
    daily.index.name = "date"
    return SiteForecast(
        site_id=site.site_id,
        task="cut_hedge",
        as_of=as_of.date(),
        horizon_days=horizon_days,
        due_date=due_day,
        due_window=window,
        urgency=urgency_for(due_day, as_of.date()),
        urgency_score=gdd_now / hedge.gdd5_per_cut,
        quantity=float(cum.loc[pd.Timestamp(due_day)])
        if due_day and pd.Timestamp(due_day) in cum.index
        else None,
        quantity_unit="°C·d",
        explanation=expl,
        daily=daily,
        details={"hedge_class": hedge.key, "allowed_cut": cut},
    )
