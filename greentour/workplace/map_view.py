"""What the planner map shows for a day: need per site, depots, tours, KPIs, unassigned, balance.

Need classes of a site (from its open tasks, relative to the day): ``overdue`` (a due window ended
before the day), ``due`` (the day lies in a due window), ``soon`` (a window opens within 7 days),
``not_due``; OSM candidates not yet confirmed are ``candidate`` (drawn grey). All names and tags
from OSM are returned as plain strings; the page inserts them as text, never as HTML.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from greentour.demand.service import stale_verdicts
from greentour.planning import demand_step, travel
from greentour.planning.current import current_plan
from greentour.planning.plan_check import stored_check
from greentour.settings import get_settings
from greentour.store import session_tenant, tenant_zone
from greentour.store.models import (
    CrewDay,
    Depot,
    ReloadPoint,
    Site,
    SiteLastService,
    Task,
    TaskType,
)
from greentour.workplace.labels import (
    category_label,
    day_text,
    reason_text,
    site_label,
    weekday_short,
)

SOON_DAYS = 7
NEED_LABELS = {
    "overdue": ("überfällig", "overdue"),
    "due": ("fällig", "due"),
    "soon": ("bald fällig", "due soon"),
    "not_due": ("nicht fällig", "not due"),
    "candidate": ("Kandidat (nicht bestätigt)", "candidate (not confirmed)"),
}
GENERATOR_LABELS = {
    "forecast": ("aus der Wachstumsprognose", "from the growth forecast"),
    "cycle": ("regelmäßig nach Zyklus", "recurring cycle"),
    "deadline": ("Termin", "deadline"),
    "order": ("Auftrag", "order"),
}
CREW_COLOURS = ("#1565c0", "#6a1b9a", "#00838f", "#ad1457", "#4e342e", "#283593", "#558b2f",
                "#d84315")

#: base layers; basemap.de (BKG) is the default for German users
BASEMAPS: dict[str, dict[str, Any] | None] = {
    "basemapde": {
        "url": "https://sgx.geodatenzentrum.de/wmts_basemapde/tile/1.0.0/"
               "de_basemapde_web_raster_farbe/default/GLOBAL_WEBMERCATOR/{z}/{y}/{x}.png",
        # the licence keeps its German name; the rest follows the UI language (base_layer)
        "attribution": "© basemap.de / BKG (Datenlizenz Deutschland – Namensnennung 2.0, "
                       "dl-de/by-2-0); {ours}: © OpenStreetMap contributors, ODbL",
        "max_zoom": 19,
    },
    "osm": {
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attribution": "© OpenStreetMap contributors, ODbL",
        "max_zoom": 19,
    },
    "none": None,
}


def base_layer_named(name: str, lang: str = "de") -> dict[str, Any] | None:
    """One of :data:`BASEMAPS` with its attribution in ``lang``."""
    layer = BASEMAPS[name]
    if layer is None:
        return None
    ours = "Sites, roads and tours" if lang == "en" else "Flächen, Straßen und Touren"
    return {**layer, "attribution": layer["attribution"].format(ours=ours)}


def base_layer(lang: str = "de") -> dict[str, Any] | None:
    """The configured base layer (``GREENTOUR_BASEMAP``: basemapde, osm, none or a URL template),
    its attribution in ``lang``.

    Tiles are only loaded by the browser while the planner looks at the map (never prefetched).
    """
    settings = get_settings()
    choice = settings.basemap.strip()
    if choice in BASEMAPS:
        return base_layer_named(choice, lang)
    if choice.startswith("https://") and "{z}" in choice:
        return {"url": choice, "attribution": settings.basemap_attribution, "max_zoom": 19}
    return base_layer_named("basemapde", lang)


def _lang_index(lang: str) -> int:
    return 1 if lang == "en" else 0


def need_of(tasks: list[Task], day: dt.date, carried: frozenset[int] = frozenset()) -> str:
    """The need class of a site on ``day`` from its open tasks (stale ones already left out;
    ``carried``: overdue orders carried into this week, due rather than overdue)."""
    if any(t.due_latest < day and t.id not in carried for t in tasks):
        return "overdue"
    if any(t.due_earliest <= day <= t.due_latest or t.id in carried for t in tasks):
        return "due"
    if any(t.due_earliest <= day + dt.timedelta(days=SOON_DAYS) for t in tasks):
        return "soon"
    return "not_due"


def _fmt_date(value: dt.date | None, lang: str = "de") -> str | None:
    return day_text(value, lang, "date") if value else None


#: where a task's duration came from, as stored (``duration_source``) -> German / English
DURATION_SOURCES = {
    "formula": ("Formel", "formula"),
    "Formel": ("Formel", "formula"),
    "Formel (Fläche × Leistung)": ("Formel (Fläche × Leistung)", "formula (area × rate)"),
    "Sollzeit": ("Sollzeit", "target time"),
    "target": ("Sollzeit", "target time"),
    "learned": ("gelernt", "learned"),
    "manual": ("Planer", "planner"),
}


def last_service_label(
    service: SiteLastService | None, lang: str = "de", labels: dict[str, str] | None = None
) -> str | None:
    """``"15.06.2026 (Rasen mähen)"``: the site's last service as the popup shows it
    (``labels``: task type code -> name in ``lang``)."""
    if service is None:
        return None
    name = (labels or {}).get(service.task_type, service.task_type.replace("_", " "))
    return f"{_fmt_date(service.last_date, lang)} ({name})"


def _provenance(site: Site, lang: str = "de") -> str:
    if site.source == "osm" and site.osm_id:
        return f"OSM {site.osm_type}/{site.osm_id} v{site.osm_version or '?'}"
    if site.source == "cadastre":
        return f"{'Cadastre' if lang == 'en' else 'Kataster'} {site.cadastre_id or ''}".strip()
    return "manual" if lang == "en" else "manuell"


#: decimals of coordinates sent to the map (6: about 0.1 m, far below what a screen shows)
COORD_DECIMALS = 6


def _round_coords(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, COORD_DECIMALS)
    if isinstance(value, list):
        return [_round_coords(v) for v in value]
    return value


def _geometry(site: Site) -> dict[str, Any]:
    try:
        geometry = json.loads(site.geometry_geojson)
    except (TypeError, ValueError):
        geometry = {"type": "Point", "coordinates": [site.lon, site.lat]}
    if "coordinates" in geometry:
        geometry["coordinates"] = _round_coords(geometry["coordinates"])
    return geometry


def candidates_geojson(session: Session, lang: str = "de") -> dict[str, Any]:
    """OSM candidates not yet confirmed (grey on the map, loaded on demand): id, label, category
    and provenance only."""
    features = []
    for site in session.scalars(
        select(Site).where(Site.status == "candidate").order_by(Site.id)
    ):
        props = {"id": site.id, "label": site_label(site, lang),
                 "category_label": category_label(site.category, lang), "need": "candidate",
                 "need_label": NEED_LABELS["candidate"][_lang_index(lang)],
                 "provenance": _provenance(site, lang)}
        features.append({"type": "Feature", "geometry": _geometry(site), "properties": props})
    return {"type": "FeatureCollection", "features": features}


def sites_geojson(session: Session, day: dt.date, lang: str = "de") -> dict[str, Any]:
    """The maintained (accepted) sites with their need class and popup facts (GeoJSON, WGS84);
    candidates come from :func:`candidates_geojson` when the planner asks for them."""
    li = _lang_index(lang)
    open_tasks: dict[int, list[Task]] = {}
    rows = session.scalars(select(Task).where(Task.status.in_(("open", "planned")))).all()
    # a stale task (a June mowing task in December) is no need: it is closed when planning
    stale = stale_verdicts(session, day, rows)
    carried = frozenset(i for i, v in stale.items() if v.action == "carry")
    for task in rows:
        if task.id not in stale or task.id in carried:
            open_tasks.setdefault(task.site_id, []).append(task)
    labels = {t.code: (t.name_en if lang == "en" else t.name_de)
              for t in session.scalars(select(TaskType))}
    last: dict[int, SiteLastService] = {}
    for row in session.scalars(select(SiteLastService)):
        if row.site_id not in last or row.last_date > last[row.site_id].last_date:
            last[row.site_id] = row
    features = []
    for site in session.scalars(
        select(Site).where(Site.status == "accepted").order_by(Site.id)
    ):
        tasks = sorted(open_tasks.get(site.id, []), key=lambda t: (t.due_latest, t.id))
        need = "candidate" if site.status == "candidate" else need_of(tasks, day, carried)
        first = tasks[0] if tasks else None
        service = last.get(site.id)
        props = {
            "id": site.id,
            "name": site.name,
            "label": site_label(site, lang),
            "category": site.category,
            "category_label": category_label(site.category, lang),
            "need": need,
            "need_label": NEED_LABELS[need][li],
            "care_class": site.care_class,
            "last_service": last_service_label(service, lang, labels),
            "forecast": (f"{labels.get(first.task_type, first.task_type)} "
                         f"({GENERATOR_LABELS.get(first.generator, ('', ''))[li]})"
                         if first else None),
            "why": task_why(first, lang) if first else None,
            "due_window": (f"{_fmt_date(first.due_earliest, lang)} – "
                           f"{_fmt_date(first.due_latest, lang)}" if first else None),
            "duration_min": round(first.duration_s / 60) if first else None,
            "duration_source": duration_source_label(first.duration_source, lang)
            if first else None,
            "provenance": _provenance(site, lang),
            "area_m2": round(site.area_m2) if site.area_m2 else None,
        }
        features.append({"type": "Feature", "geometry": _geometry(site), "properties": props})
    return {"type": "FeatureCollection", "features": features}


def task_why(task: Task, lang: str = "de") -> str | None:
    """Why the task is due in ``lang`` (the generator's German or English explanation; tasks
    stored before the English text existed show the German one)."""
    text = (task.notes_en or task.notes) if lang == "en" else task.notes
    return text or None


def duration_source_label(source: str | None, lang: str = "de") -> str | None:
    """``formula`` -> ``Formel``; "gelernt aus 5 Einsätzen" and other prose as it is."""
    if not source:
        return None
    pair = DURATION_SOURCES.get(source)
    if pair:
        return pair[_lang_index(lang)]
    learned = re.fullmatch(r"gelernt aus (\d+) Besuch(?:en)?", source)
    if learned and lang == "en":  # stored in German by the demand step (DurationEstimate.label)
        n = int(learned.group(1))
        return f"learned from {n} visit{'s' if n != 1 else ''}"
    return source.replace("_", " ")


def places(session: Session, lang: str = "de") -> list[dict[str, Any]]:
    """Depots and reload points with their opening hours as text."""
    li = _lang_index(lang)
    out = []
    for depot in session.scalars(select(Depot).order_by(Depot.id)):
        out.append({"kind": "depot", "kind_label": ("Betriebshof", "Depot")[li],
                    "name": depot.name, "lon": depot.lon, "lat": depot.lat,
                    "hours": _hours(depot.opening_hours_json, lang)})
    for rp in session.scalars(select(ReloadPoint).order_by(ReloadPoint.id)):
        label = {"green_waste": ("Grüngut abladen", "unload green waste"),
                 "water": ("Wasser tanken", "refill water")}.get(rp.kind, (rp.kind, rp.kind))[li]
        out.append({"kind": "reload", "kind_label": label, "name": rp.name, "lon": rp.lon,
                    "lat": rp.lat, "hours": _hours(rp.opening_hours_json, lang)})
    return out


_DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _hours(hours: dict[str, Any], lang: str = "de") -> str:
    """Opening hours ``{"mon": [["06:00", "16:00"]], ...}`` as "Mo–Fr 06:00–16:00; Sa 08:00–12:00"
    (days with the same windows joined, weekday names in ``lang``)."""
    groups: list[tuple[list[int], str]] = []
    for key, windows in (hours or {}).items():
        text = ", ".join(f"{a}–{b}" for a, b in windows)
        day = _DAY_KEYS.index(key[:3].lower()) + 1 if key[:3].lower() in _DAY_KEYS else None
        if day is None:
            groups.append(([], f"{key}: {text}"))
        elif groups and groups[-1][0] and groups[-1][1] == text and groups[-1][0][-1] == day - 1:
            groups[-1][0].append(day)
        else:
            groups.append(([day], text))
    parts = []
    for days, text in groups:
        if not days:
            parts.append(text)
            continue
        first, last = weekday_short(days[0], lang), weekday_short(days[-1], lang)
        parts.append(f"{first if len(days) == 1 else f'{first}–{last}'} {text}")
    return "; ".join(parts)


def local_iso(value: dt.datetime | None, tz: ZoneInfo) -> str | None:
    """An instant as local ISO time (what the page shows as HH:MM)."""
    return value.astimezone(tz).isoformat() if value else None


def tours(
    session: Session, day: dt.date, print_url: Callable[[int], str] | None = None,
    lang: str = "de",
) -> tuple[dict[str, Any] | None, list[dict[str, Any]], list[dict[str, Any]]]:
    """The day's current plan summary, its tours (with stops and KPIs) and unassigned tasks."""
    plan = current_plan(session, day)
    if plan is None:
        return None, [], []
    tz = tenant_zone(session_tenant(session))
    crew_days = {cd.id: cd for cd in session.scalars(select(CrewDay).where(CrewDay.date == day))}
    labels = {t.code: (t.name_en if lang == "en" else t.name_de)
              for t in session.scalars(select(TaskType))}
    out = []
    for index, tour in enumerate(sorted(plan.tours, key=lambda t: t.crew_day_id)):
        cd = crew_days.get(tour.crew_day_id)
        if cd is None:
            continue
        coords = json.loads(tour.geometry_geojson)["coordinates"] if tour.geometry_geojson else []
        stops = []
        n = 0
        for stop in tour.stops:
            if stop.kind != "task" or stop.task is None:
                continue
            n += 1
            site = stop.task.site
            stops.append({
                "seq": n, "stop_id": stop.id, "task_id": stop.task_id,
                "site": site_label(site, lang), "task": stop.task.task_type,
                "task_label": labels.get(stop.task.task_type, stop.task.task_type),
                "urgent": stop.task.generator == "order",
                "lon": site.lon, "lat": site.lat,
                "start": local_iso(stop.start_at, tz), "end": local_iso(stop.end_at, tz),
            })
        k = tour.kpis_json or {}
        out.append({
            "tour_id": tour.id, "crew_day_id": cd.id, "crew": cd.name,
            "color": CREW_COLOURS[index % len(CREW_COLOURS)],
            "coords": _round_coords(coords), "stops": stops, "locked": cd.locked,
            "kpi": {key: k.get(key, 0) for key in
                    ("drive_s", "work_s", "distance_m", "utilisation", "overtime_s")},
            "print_url": print_url(cd.id) if print_url else None,
        })
    unassigned = unassigned_items(plan, lang, labels)
    check = stored_check(plan)
    created = plan.created_at.astimezone(tz) if plan.created_at.tzinfo else plan.created_at
    summary = {"id": plan.id, "version": plan.version,
               "created": f"{day_text(created.date(), lang, 'date')} {created:%H:%M}",
               "mode": (plan.solver_params_json or {}).get("mode", ""),
               "check": None if check is None else [f.for_view(lang) for f in check]}
    return summary, out, unassigned


def unassigned_items(
    plan: Any, lang: str = "de", labels: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Unassigned tasks of a plan with their reasons in the UI language."""
    labels = labels or {}
    key = "en" if lang == "en" else "de"
    items = []
    for row in sorted(plan.unassigned, key=lambda u: (-u.task.urgency, u.task_id)):
        task = row.task
        items.append({
            "task_id": task.id,
            "site": site_label(task.site, lang),
            "task": labels.get(task.task_type, task.task_type),
            "task_type": task.task_type,
            "duration_s": task.duration_s,
            "urgency": task.urgency,
            "generator": task.generator,
            "reasons": [reason_text(r, key) for r in row.reasons_json] or ["–"],
        })
    return items


def bbox(session: Session) -> list[float] | None:
    """[west, south, east, north] of the accepted sites and depots (None: nothing stored)."""
    xs, ys = [], []
    for site in session.scalars(select(Site).where(Site.status == "accepted")):
        xs.append(site.lon)
        ys.append(site.lat)
    for depot in session.scalars(select(Depot)):
        xs.append(depot.lon)
        ys.append(depot.lat)
    if not xs:
        return None
    return [min(xs), min(ys), max(xs), max(ys)]


def map_data(
    session: Session, day: dt.date, print_url: Callable[[int], str] | None = None,
    lang: str = "de",
) -> dict[str, Any]:
    """Everything the map page draws for ``day`` (one JSON document)."""
    plan, tour_list, unassigned = tours(session, day, print_url, lang)
    week = demand_step.balance(session, day)
    today = next((d for d in week["days"] if d["date"] == day.isoformat()), None)
    balance = None
    if today is not None:
        balance = {"due_h": today["due_h"], "available_h": today["available_h"],
                   "short_h": round(max(0.0, today["due_h"] - today["available_h"]), 1),
                   "week_due_h": week["due_h"], "week_available_h": week["available_h"],
                   "status": today["status"], "week_status": week["status"],
                   "week_note": week.get("overload_en" if lang == "en" else "overload_de", "")}
    return {
        "day": day.isoformat(),
        "bbox": bbox(session),
        "base_layer": base_layer(lang),
        "sites": sites_geojson(session, day, lang),
        "places": places(session, lang),
        "plan": plan,
        "tours": tour_list,
        "unassigned": unassigned,
        "balance": balance,
        "attribution": "© OpenStreetMap contributors, ODbL",
    }


def roads_geojson(session: Session) -> dict[str, Any]:
    """The road network as vectors for the map's no-tiles fallback."""
    return travel.roads_geojson(session)
