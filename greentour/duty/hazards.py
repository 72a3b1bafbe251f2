"""Predicted clearance hazards of the town and the clearance tasks they ask for (use cases).

For every site the traffic-safety screening flagged (:mod:`greentour.demand.clearance`), the
regrowth since its last clearance or hedge cut gives the day each profile it touches will be
violated (:func:`forecasting.clearance.predict_violation`, the hedge model's degree-day
response). The demand generators get one clearance task per site, due in the
``LEAD_DAYS`` before the earliest violation, ranked by road class (faster roads first: the class
stands for the design speed, OSM centrelines carry no reliable ``maxspeed``). Kept apart from
:mod:`greentour.duty.service` because the demand service imports it (the service imports demand
for its orders).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from forecasting import (
    ForecastInputError,
    add_drivers,
    load_care_classes,
    planning_weather,
    predict_violation,
)
from greentour.demand.generators.forecast import ForecastSignal
from greentour.duty import store_io
from greentour.errors import BadInput, GreentourError
from greentour.forecast.inputs import CARE_CLASSES_FILE
from greentour.forecast.weather import tenant_weather
from greentour.store import session_tenant
from greentour.tenant_config import tenant_config
from greentour.workplace.labels import site_label

CLEARANCE_TASKS = ("clearance_cut", "clearance_prune", "hedge_cut", "hedge_hard_cut")
"""Task types whose completion resets the regrowth of a clearance profile."""
LEAD_DAYS = 14
"""A clearance task is due in the two weeks before the predicted violation."""
ROAD_URGENCY = {
    "motorway": 1.0, "trunk": 1.0, "primary": 0.97, "secondary": 0.95, "tertiary": 0.93,
    "unclassified": 0.9, "residential": 0.9, "living_street": 0.85, "service": 0.85,
}
"""Urgency of a clearance task by the road class beside it (faster classes first); paths 0.8."""
PROFILE_RANK = {"carriageway": 0, "sight_triangle": 1, "path": 2}
TREE_CATEGORIES = ("tree", "tree_row", "tree_group")


def _last_cuts(session: Session) -> dict[int, dt.date]:
    out: dict[int, dt.date] = {}
    for site_id, task_type, last_date in store_io.last_services(session):
        if task_type in CLEARANCE_TASKS:
            out[site_id] = max(out.get(site_id, last_date), last_date)
    return out


def profiles(reason: str, clearance_height_m: float | None) -> list[str]:
    """The profiles a screening result touches (from its reason text and clearance height)."""
    out = []
    if "Fahrbahn" in reason or (clearance_height_m or 0) >= 4.5:
        out.append("carriageway")
    elif "Geh-/Radweg" in reason:
        out.append("path")
    if "Sichtdreieck" in reason:
        out.append("sight_triangle")
    return out


def road_class(reason: str) -> str | None:
    """The OSM highway class named in a screening reason ("… Fahrbahn (secondary): …")."""
    match = re.search(r"\(([a-z_]+)\)", reason)
    return match.group(1) if match else None


def clearance_hazards(session: Session, as_of: dt.date, horizon_days: int = 28,
                      data_dir: Path | None = None, weather: pd.DataFrame | None = None,
                      candidates: bool = False, lang: str = "de") -> list[dict[str, Any]]:
    """Predicted clearance and sight-triangle violations of the screened hedges and trees.

    Every maintained site the traffic-safety screening flagged: regrowth since its last
    clearance or hedge cut (none recorded: 1 January, said so) → the violation day of each
    profile it touches, with its 10-90 % spread; sorted by day, carriageways before sight
    triangles before paths. ``candidates``: also OSM candidates nobody confirmed yet; site
    labels in ``lang`` (the explanation ``text`` is German).
    """
    tenant = session_tenant(session)
    duty = tenant_config(tenant).duty
    if weather is None:
        weather, _source = tenant_weather(session, tenant, as_of, data_dir)
    try:
        plan = planning_weather(weather, as_of, horizon_days, allow_stale_days=7)
    except ForecastInputError as exc:
        raise BadInput(f"Wetterdaten reichen nicht für die Vorhersage: {exc}") from None
    care = load_care_classes(CARE_CLASSES_FILE)
    demands = store_io.site_demands(session)
    cuts = _last_cuts(session)
    out: list[dict[str, Any]] = []
    drivers_by_lat: dict[int, pd.DataFrame] = {}
    sites = store_io.all_sites(session) if candidates else store_io.maintained_sites(session)
    for site in sites:
        demand = demands.get(site.id)
        if demand is None or not demand.traffic_safety:
            continue
        reason = demand.traffic_reason or ""
        touched = profiles(reason, demand.clearance_height_m)
        if not touched:
            continue
        key = round(site.lat * 20)
        if key not in drivers_by_lat:
            drivers_by_lat[key] = add_drivers(plan, site.lat, 300.0)
        hedge_key = (site.regime or "hedge_high").removeprefix("hedge_")
        hedge = care.hedges.get(hedge_key) or care.hedge("high")
        last_cut = cuts.get(site.id)
        assumed = last_cut is None or last_cut > as_of
        start = dt.date(as_of.year, 1, 1) if assumed else last_cut
        for profile in touched:
            hazard = predict_violation(
                drivers_by_lat[key], weather, start, as_of, horizon_days, hedge.gdd5_per_cut,
                profile, margin_m=duty.margin_m(profile),
                regrowth_per_cut_m=duty.regrowth_per_cut_m)
            highway = road_class(reason) if profile != "path" else None
            out.append({
                "site_id": site.id, "site_name": site_label(site, lang),
                "category": site.category, "lon": site.lon, "lat": site.lat,
                "geometry": site.geometry_geojson, "profile": profile, "road_class": highway,
                "last_cut": start.isoformat(), "last_cut_assumed": assumed,
                "violation_date": hazard.violation_date.isoformat()
                if hazard.violation_date else None,
                "violation_p10": hazard.violation_p10.isoformat() if hazard.violation_p10 else None,
                "violation_p90": hazard.violation_p90.isoformat() if hazard.violation_p90 else None,
                "violated": hazard.violated, "regrowth_m": hazard.regrowth_now_m,
                "margin_m": hazard.margin_m, "gdd_now": hazard.gdd_now,
                "gdd_to_violation": hazard.gdd_to_violation, "analog_years": hazard.analog_years,
                "urgency": ROAD_URGENCY.get(highway or "", 0.8),
                "text": hazard.text_de() + (" (kein Schnitt erfasst: ab 1. Januar gezählt)"
                                            if assumed else ""),
                "text_en": hazard.text_en() + (" (no cut recorded: counted from 1 January)"
                                               if assumed else ""),
            })
    out.sort(key=lambda h: (h["violation_date"] or "9999", PROFILE_RANK[h["profile"]],
                            -h["urgency"], h["site_name"]))
    return out


def clearance_signals(session: Session, as_of: dt.date, horizon_days: int,
                      data_dir: Path | None = None) -> tuple[list[ForecastSignal], list[str]]:
    """One clearance signal per flagged site whose profile is violated within the horizon:
    due in the ``LEAD_DAYS`` before the earliest violation (today when already violated), for
    the demand generators; and a note when no prediction is possible (no weather)."""
    try:
        hazards = clearance_hazards(session, as_of, horizon_days, data_dir)
    except GreentourError as exc:  # no weather: cycles, deadlines and orders go on
        return [], [f"Lichtraumprofil: keine Vorhersage ({exc.message})"]
    first: dict[int, dict[str, Any]] = {}
    for h in hazards:
        if h["violation_date"] and h["site_id"] not in first:
            first[h["site_id"]] = h
    signals = []
    for site_id, h in first.items():
        violation = dt.date.fromisoformat(h["violation_date"])
        latest = max(as_of, violation - dt.timedelta(days=1))
        earliest = max(as_of, violation - dt.timedelta(days=LEAD_DAYS))
        kind = "clearance_tree" if h["category"] in TREE_CATEGORIES else "clearance_hedge"
        signals.append(ForecastSignal(
            site_id=site_id, kind=kind, due_earliest=earliest, due_latest=latest,
            urgency=h["urgency"] if not h["violated"] else 1.0,
            explanation=f"Verkehrssicherung: {h['text']}",
            explanation_en=f"Traffic safety: {h['text_en']}"))
    return signals, []
