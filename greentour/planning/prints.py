"""Printable sheets: the crew's day sheet (Tagesauftrag), the week plan for the wall, time sheet.

Each function returns plain data for an A4 template. The day sheet carries a small map of the
tour as inline SVG geometry (computed here: the tour line and numbered stops in a local
equirectangular projection), which prints reliably without tiles, and the OSM attribution.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from greentour.errors import NotFound
from greentour.planning.board import week_board
from greentour.planning.current import current_tour, driven
from greentour.planning.labels import WEEKDAY_NAMES_DE, WEEKDAYS_DE, site_label, site_ref
from greentour.planning.lineup import ensure_crew_days
from greentour.store import session_tenant, tenant_zone
from greentour.store.models import (
    CrewDay,
    Depot,
    Machine,
    ReloadPoint,
    Staff,
    TaskType,
    Vehicle,
)

ATTRIBUTION = "Karte und Flächen: © OpenStreetMap contributors, ODbL"
SVG_W, SVG_H, SVG_PAD = 280, 220, 12


def printable_crew_days(session: Session, day: dt.date) -> list[dict[str, Any]]:
    """The day's crew-days with whether they have a tour to print."""
    out = []
    for cd in ensure_crew_days(session, day):
        tour = current_tour(session, cd)
        n = sum(1 for s in tour.stops if s.kind == "task") if tour else 0
        out.append({"id": cd.id, "name": cd.name, "stops": n, "people": len(cd.member_ids)})
    return out


def _hhmm(value: dt.datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%H:%M") if value else ""


def _rule_text(site: Any) -> list[str]:
    out = []
    for rule in site.time_rules:
        when = ",".join(WEEKDAYS_DE[d - 1] for d in rule.weekdays) if rule.weekdays else "täglich"
        verb = "gesperrt" if rule.kind == "blocked" else "nur"
        text = f"{when} {rule.start_local:%H:%M}–{rule.end_local:%H:%M} {verb}"
        if rule.reason:
            text += f" ({rule.reason})"
        out.append(text)
    if site.noise_sensitive:
        out.append("Lärmschutz: Mäher erst ab 07:00")
    return out


def _address(site: Any) -> str:
    tags = site.tags_json or {}
    street = tags.get("addr:street") or tags.get("street") or ""
    number = tags.get("addr:housenumber") or ""
    return f"{street} {number}".strip()


def day_sheet(session: Session, crew_day_id: int) -> dict[str, Any]:
    """Everything on a crew's day sheet (Tagesauftrag)."""
    cd = session.get(CrewDay, crew_day_id)
    if cd is None:
        raise NotFound(f"Kolonnentag {crew_day_id} gibt es nicht")
    tz = tenant_zone(session_tenant(session))
    people = [session.get(Staff, i) for i in cd.member_ids]
    machines = [session.get(Machine, i) for i in cd.machine_ids]
    vehicle = session.get(Vehicle, cd.vehicle_id) if cd.vehicle_id else None
    depot = session.get(Depot, cd.depot_id) if cd.depot_id else session.scalar(
        select(Depot).order_by(Depot.id).limit(1))
    types = {t.code: t for t in session.scalars(select(TaskType))}
    tour = current_tour(session, cd)
    stops: list[dict[str, Any]] = []
    line: list[list[float]] = []
    points: list[tuple[int, float, float]] = []
    leave = back = ""
    distance_m, drive_s = driven(tour) if tour is not None else (0.0, 0)
    if tour is not None:
        if tour.geometry_geojson:
            line = json.loads(tour.geometry_geojson)["coordinates"]
        n = 0
        for stop in tour.stops:
            if stop.kind == "depot":
                if stop.seq == 0:
                    leave = _hhmm(stop.start_at, tz)
                else:
                    back = _hhmm(stop.arrival_at, tz)
                continue
            if stop.kind == "break":
                stops.append({"kind": "break", "start": _hhmm(stop.start_at, tz),
                              "end": _hhmm(stop.end_at, tz)})
                continue
            if stop.kind == "reload":
                rp = session.get(ReloadPoint, stop.reload_point_id)
                stops.append({"kind": "reload", "name": rp.name if rp else "Abladen",
                              "start": _hhmm(stop.start_at, tz), "end": _hhmm(stop.end_at, tz)})
                continue
            task = stop.task
            site = task.site
            n += 1
            ttype = types.get(task.task_type)
            points.append((n, site.lon, site.lat))
            stops.append({
                "kind": "task",
                "seq": n,
                "site": site_label(site),
                "address": _address(site),
                "ref": site_ref(site),
                "task": ttype.name_de if ttype else task.task_type,
                "start": _hhmm(stop.start_at, tz),
                "end": _hhmm(stop.end_at, tz),
                "duration_min": round(task.duration_s / 60),
                "notes": task.notes,
                "rules": _rule_text(site),
                "urgent": task.generator == "order",
            })
    return {
        "crew_day_id": cd.id,
        "crew": cd.name,
        "date": cd.date,
        "date_text": f"{WEEKDAY_NAMES_DE[cd.date.weekday()]}, {cd.date:%d.%m.%Y}",
        "shift": f"{cd.shift_start:%H:%M}–{cd.shift_end:%H:%M}",
        "breaks": [f"{a}–{b}" for a, b in cd.breaks_json],
        "vehicle": vehicle.name if vehicle else "–",
        "machines": [m.name for m in machines if m is not None],
        "people": [p.name for p in people if p is not None],
        "depot": depot.name if depot else "",
        "leave": leave,
        "back": back,
        "distance_m": distance_m,
        "distance_km": f"{distance_m / 1000:.1f}".replace(".", ","),
        "drive_min": round(drive_s / 60),
        "stops": stops,
        "svg": tour_svg(line, points, (depot.lon, depot.lat) if depot else None),
        "attribution": ATTRIBUTION,
    }


def tour_svg(
    line: list[list[float]],
    points: list[tuple[int, float, float]],
    depot: tuple[float, float] | None,
) -> dict[str, Any] | None:
    """SVG geometry of a tour in a ``SVG_W`` x ``SVG_H`` box: polyline, numbered stops, depot.

    Local equirectangular projection around the centre (x scaled by cos(latitude)), north up;
    good to a few metres over a town, which is all a sketch map needs.
    """
    coords = [(x, y) for x, y in line] + [(x, y) for _, x, y in points]
    if depot:
        coords.append(depot)
    if not coords:
        return None
    lat0 = sum(y for _, y in coords) / len(coords)
    k = math.cos(math.radians(lat0))
    xs = [x * k for x, _ in coords]
    ys = [y for _, y in coords]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-4)
    scale = min(SVG_W, SVG_H) - 2 * SVG_PAD
    scale = scale / span

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (round(SVG_PAD + (lon * k - min(xs)) * scale, 1),
                round(SVG_H - SVG_PAD - (lat - min(ys)) * scale, 1))

    return {
        "width": SVG_W,
        "height": SVG_H,
        "polyline": " ".join(f"{a},{b}" for a, b in (project(x, y) for x, y in line)),
        "stops": [{"n": n, "x": project(x, y)[0], "y": project(x, y)[1]} for n, x, y in points],
        "depot": dict(zip(("x", "y"), project(*depot), strict=True)) if depot else None,
    }


def week_plan(session: Session, week_start: dt.date) -> dict[str, Any]:
    """The week plan for the wall: the week board's crews x days with the stops."""
    board = week_board(session, week_start)
    return {**board, "attribution": ATTRIBUTION,
            "title": f"Wochenplan {week_start:%d.%m.} – "
                     f"{week_start + dt.timedelta(days=4):%d.%m.%Y}"}
