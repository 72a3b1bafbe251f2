"""Site-side demand services: calendars for the solver, OSM screening, planner decisions.

* :func:`solver_time_windows` — a stored task and its site's calendar as windows on the solver's
  time axis (used by the planner's problem builder);
* :func:`screen_sites` — traffic-safety and noise screening from the town's OSM file;
* :func:`apply_site_rules` — time rules from a TOML file (funerals, school hours);
* :func:`confirm_noise_sensitive`, :func:`set_young_trees` — the planner's entries.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from greentour.demand import store_io
from greentour.demand._osm_context import read_osm_context
from greentour.demand.calendars import SiteCalendar, allowed_windows, rules_from_records
from greentour.demand.clearance import noise_suggestion
from greentour.demand.rules_config import RulesConfigError, load_site_rules
from greentour.errors import BadInput, NotFound
from greentour.store.models import Site, SiteTimeRule, Task
from greentour.store.models_demand import SiteDemand

ISO_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def site_calendar(site: Site, land: str) -> SiteCalendar:
    """The site's stored time rules and noise flag as a calendar."""
    records = [
        {
            "kind": r.kind,
            "start": f"{r.start_local:%H:%M}",
            "end": "24:00" if r.end_local == dt.time(0, 0) else f"{r.end_local:%H:%M}",
            "weekdays": [ISO_CODES[d - 1] for d in (r.weekdays or [])] or None,
            "valid_from": r.valid_from,
            "valid_to": r.valid_to,
            "label": r.reason,
        }
        for r in site.time_rules
    ]
    return SiteCalendar(rules=rules_from_records(records), noise_sensitive=bool(
        site.noise_sensitive), land=land)


def solver_time_windows(
    task: Task, days: Sequence[dt.date], axis: Any, land: str, noise_class: str = "none",
) -> list[tuple[int, int]]:
    """Absolute windows (seconds on the solver's time axis) in which the task may be served.

    One list over all ``days`` from the task's earliest due day on: the site's allowed windows
    (school hours, funerals, market days) and, at noise-sensitive sites, the 32. BImSchV hours
    of the task type's noise class. ``axis`` is a :class:`routing.timeaxis.TimeAxis`; the pairs
    become :class:`routing.problem.TimeWindow` objects.
    """
    calendar = site_calendar(task.site, land)
    out: list[tuple[int, int]] = []
    for day in days:
        if day < task.due_earliest:
            continue
        for start, end in allowed_windows(day, calendar, task.task_type, noise_class):
            out.append((axis.to_seconds(start), axis.to_seconds(end)))
    return out


# --------------------------------------------------------------------------- site screening
def screen_sites(session: Session, osm_file: Path, residential_buffer_m: float = 50.0
                 ) -> dict[str, int]:
    """Traffic-safety and noise screening of all sites from the town's OSM file.

    Hedges and trees within the clearance profile or a sight triangle get a traffic-safety
    flag; every site near a residential area gets a noise-sensitivity *suggestion*. The site's
    effective ``noise_sensitive`` flag follows the planner's confirmation when there is one,
    else the suggestion (the stricter rule until the planner decides).
    """
    context = read_osm_context(osm_file)
    demands = {d.site_id: d for d in session.scalars(select(SiteDemand))}
    counts = Counter()
    for site in session.scalars(select(Site)):
        info = store_io.site_info(site)
        row = demands.get(site.id) or SiteDemand(site_id=site.id)
        suggested = noise_suggestion(info.geometry, context.residential, residential_buffer_m)
        row.noise_suggested = suggested
        row.noise_reason = (f"Wohngebiet (OSM landuse=residential) im Umkreis von "
                            f"{residential_buffer_m:.0f} m" if suggested else "")
        kind = {"hedge": "hedge", "tree": "tree", "tree_group": "tree", "tree_row": "tree"}.get(
            site.category)
        if kind:
            safety = context.roads.screen(info.geometry, kind)
            row.traffic_safety = safety.priority
            row.traffic_reason = safety.reason
            row.clearance_height_m = safety.clearance_height_m
            counts["traffic_safety"] += int(safety.priority)
        row.screened_at = dt.datetime.now(dt.UTC)
        session.add(row)
        site.noise_sensitive = (row.noise_confirmed if row.noise_confirmed is not None
                                else suggested)
        counts["noise_suggested"] += int(suggested)
        counts["sites"] += 1
    session.flush()
    return dict(counts)


def apply_site_rules(session: Session, path: Path) -> dict[str, int]:
    """Store the time rules of a site-rules file at every selected site (idempotent by reason).

    Rules are applied to all sites the selector matches, candidates included (a candidate
    accepted later keeps its rules). Existing rules of a site with the same reason are replaced.
    """
    try:
        entries = load_site_rules(path)
    except RulesConfigError as exc:
        raise BadInput(str(exc)) from exc
    sites = store_io.load_sites(session, maintained_only=False)
    rows = {s.id: s for s in session.scalars(select(Site))}
    counts: Counter[str] = Counter()
    for entry in entries:
        for info in sites:
            if not entry.sites.matches(info):
                continue
            site = rows[info.id]
            for old in [r for r in site.time_rules if r.reason == entry.reason]:
                site.time_rules.remove(old)
                counts["replaced"] += 1
            site.time_rules.append(SiteTimeRule(
                kind=entry.kind, weekdays=list(entry.weekdays), start_local=entry.start,
                end_local=entry.end, valid_from=entry.valid_from, valid_to=entry.valid_to,
                reason=entry.reason,
            ))
            counts["rules"] += 1
    session.flush()
    return dict(counts)


def _site_and_demand(session: Session, site_id: int) -> tuple[Site, SiteDemand]:
    """The site and its demand record (created when missing); NotFound for an unknown site."""
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound(f"Fläche {site_id} nicht gefunden")
    row = session.scalar(select(SiteDemand).where(SiteDemand.site_id == site_id))
    if row is None:
        row = SiteDemand(site_id=site_id)
        session.add(row)
    return site, row


def confirm_noise_sensitive(session: Session, site_id: int, sensitive: bool) -> Site:
    """The planner confirms or rejects the noise-sensitivity of a site."""
    site, row = _site_and_demand(session, site_id)
    row.noise_confirmed = bool(sensitive)
    site.noise_sensitive = bool(sensitive)
    session.flush()
    return site


def set_young_trees(session: Session, site_id: int, count: int, planted: dt.date) -> SiteDemand:
    """Record young trees at a site (the forecast waters them in their first years)."""
    if count < 1:
        raise BadInput("Anzahl Jungbäume muss mindestens 1 sein")
    _site, row = _site_and_demand(session, site_id)
    row.young_trees = count
    row.young_trees_planted = planted
    session.flush()
    return row
