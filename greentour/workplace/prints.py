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

from greentour.crew.tokens import qr_svg
from greentour.errors import NotFound
from greentour.planning.current import current_tour, driven
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
from greentour.workplace.board import week_board
from greentour.workplace.labels import (
    day_text,
    number_text,
    site_label,
    site_ref,
    weekday_short,
)
from greentour.workplace.lineup import ensure_crew_days

#: the OSM attribution of every print, German and English
ATTRIBUTION = ("Karte und Flächen: © OpenStreetMap contributors, ODbL",
               "Map and sites: © OpenStreetMap contributors, ODbL")
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


#: the longest hint printed per stop (characters); the rest is on the tablet behind the QR code
HINT_MAX_CHARS = 70


def _weekday_span(days: list[int], lang: str) -> str:
    """[1, 2, 3, 4, 5] -> "Mo–Fr"; [1, 3] -> "Mo, Mi"."""
    days = sorted(days)
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return f"{weekday_short(days[0], lang)}–{weekday_short(days[-1], lang)}"
    return ", ".join(weekday_short(d, lang) for d in days)


def _rule_text(site: Any, lang: str = "de", noisy: bool = True) -> list[str]:
    """Short site rules: "Mo–Fr 10:00–12:00 gesperrt (Beerdigungen)", "Lärmschutz: Mäher ab
    07:00" (the noise rule only for ``noisy`` work: a task type with a noise class)."""
    en = lang == "en"
    out = []
    for rule in site.time_rules:
        when = _weekday_span(rule.weekdays, lang) if rule.weekdays else (
            "daily" if en else "täglich")
        if rule.kind == "blocked":
            verb = "closed" if en else "gesperrt"
        else:
            verb = "only" if en else "nur"
        text = f"{when} {rule.start_local:%H:%M}–{rule.end_local:%H:%M} {verb}"
        if rule.reason:
            text += f" ({rule.reason})"
        out.append(text)
    if site.noise_sensitive and noisy:
        out.append("Noise: mowers from 07:00" if en else "Lärmschutz: Mäher ab 07:00")
    return out


def short_hint(task: Any, site: Any, lang: str = "de", noisy: bool = True) -> str:
    """The one-line hint of a stop on paper: the order's note (what the planner wrote for urgent
    or manual work) and the site's rules, cut at :data:`HINT_MAX_CHARS`. Explanations of the
    forecast or the cycle ("90 %-Quantil", "DIN EN 1176-7 …") stay on the tablet."""
    parts = []
    if task.generator == "order" and task.notes:
        parts.append(" ".join(task.notes.split()))
    parts += _rule_text(site, lang, noisy)
    text = "; ".join(parts)
    if len(text) > HINT_MAX_CHARS:
        text = text[: HINT_MAX_CHARS - 1].rstrip(" ;,") + "…"
    return text


def _noisy(ttype: TaskType | None) -> bool:
    """Whether the task type's machines fall under the noise rules (32. BImSchV)."""
    return ttype is not None and ttype.noise_class not in (None, "", "none")


def _address(site: Any) -> str:
    tags = site.tags_json or {}
    street = tags.get("addr:street") or tags.get("street") or ""
    number = tags.get("addr:housenumber") or ""
    return f"{street} {number}".strip()


def stop_url(crew_base_url: str, seq: int) -> str:
    """The tablet's view of stop ``seq`` of the crew's tour (the tablet keeps its own token)."""
    return f"{crew_base_url.rstrip('/')}/#stop={seq}"


def day_sheet(
    session: Session, crew_day_id: int, lang: str = "de", crew_base_url: str | None = None
) -> dict[str, Any]:
    """Everything on a crew's day sheet (Tagesauftrag), texts in ``lang``.

    ``crew_base_url`` (the tablet app, e.g. ``https://bauhof.example/crew``) adds a QR code per
    stop that opens the stop on the crew's tablet, where the details are.
    """
    cd = session.get(CrewDay, crew_day_id)
    if cd is None:
        raise NotFound(f"Kolonnentag {crew_day_id} gibt es nicht")
    en = lang == "en"
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
    work_s = 0
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
                stops.append({"kind": "reload", "name": rp.name if rp else "",
                              "start": _hhmm(stop.start_at, tz), "end": _hhmm(stop.end_at, tz)})
                continue
            task = stop.task
            site = task.site
            n += 1
            ttype = types.get(task.task_type)
            points.append((n, site.lon, site.lat))
            work_s += task.duration_s
            stops.append({
                "kind": "task",
                "seq": n,
                "site": site_label(site, lang),
                "address": _address(site),
                "ref": site_ref(site),
                "task": (ttype.name_en if en else ttype.name_de) if ttype
                else task.task_type.replace("_", " "),
                "start": _hhmm(stop.start_at, tz),
                "end": _hhmm(stop.end_at, tz),
                "duration_min": round(task.duration_s / 60),
                "hint": short_hint(task, site, lang, noisy=_noisy(ttype)),
                "urgent": task.generator == "order",
                "qr_svg": qr_svg(stop_url(crew_base_url, stop.seq), border=1)
                if crew_base_url else None,
            })
    return {
        "crew_day_id": cd.id,
        "crew": cd.name,
        "date": cd.date,
        "date_text": day_text(cd.date, lang),
        "shift": f"{cd.shift_start:%H:%M}–{cd.shift_end:%H:%M}",
        "breaks": [f"{a}–{b}" for a, b in cd.breaks_json],
        "vehicle": vehicle.name if vehicle else "–",
        "machines": [m.name for m in machines if m is not None],
        "people": [p.name for p in people if p is not None],
        "depot": depot.name if depot else "",
        "leave": leave,
        "back": back,
        "distance_m": distance_m,
        "distance_km": number_text(distance_m / 1000, lang),
        "drive_min": round(drive_s / 60),
        "work_h": number_text(work_s / 3600, lang),
        "task_count": len(points),
        "stops": stops,
        "svg": tour_svg(line, points, (depot.lon, depot.lat) if depot else None),
        "attribution": ATTRIBUTION[1 if lang == "en" else 0],
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


#: the week plan's paper budget (A4 landscape, 8 mm margins top and bottom, 6.5 pt lines):
#: height for the crews' rows after title, day header and attribution, and one line's height
WEEK_ROWS_MM = 172.0
WEEK_LINE_MM = 2.7
WEEK_ROW_EXTRA_MM = 4.0
#: width of the table (mm), of the crew column, and of one character at 6.5 pt (DejaVu Sans,
#: generous average) -- a line longer than its column is cut with "…" here, not by the browser
WEEK_TABLE_MM, WEEK_CREW_MM, WEEK_CHAR_MM = 276.0, 22.0, 1.35


def _cut(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


def week_plan(session: Session, week_start: dt.date, lang: str = "de") -> dict[str, Any]:
    """The week plan for the wall on one landscape A4 page: crews x days with the stops.

    Each cell lists as many stops ("07:10 Barth-Park – Rasen mähen") as the page has room for
    with all crews on it; the rest is counted ("+ 4 weitere"): the day sheets have them all.
    """
    board = week_board(session, week_start, lang)
    rows = board["rows"]
    per_row_mm = WEEK_ROWS_MM / max(1, len(rows))
    max_lines = max(2, int((per_row_mm - WEEK_ROW_EXTRA_MM) / WEEK_LINE_MM) - 1)
    en = lang == "en"
    max_chars = int((WEEK_TABLE_MM - WEEK_CREW_MM) / max(1, len(board["days"])) / WEEK_CHAR_MM)
    for row in rows:
        for cell in row["cells"].values():
            tasks = cell["tasks"]
            shown = tasks if len(tasks) <= max_lines else tasks[: max_lines - 1]
            cell["lines"] = [_cut(f"{t['start']} {t['site']} – {t['task_label']}", max_chars)
                             for t in shown]
            rest = len(tasks) - len(shown)
            cell["more"] = (f"+ {rest} more" if en else f"+ {rest} weitere") if rest else ""
            cell["hours_text"] = (f"{number_text(cell['planned_h'], lang)}/"
                                  f"{number_text(cell['available_h'], lang)} h")
    last = week_start + dt.timedelta(days=4)
    first = f"{week_start:%d/%m}" if en else f"{week_start:%d.%m.}"
    title = f"{'Week plan' if en else 'Wochenplan'} {first} – {day_text(last, lang, 'date')}"
    return {**board, "attribution": ATTRIBUTION[1 if en else 0], "title": title,
            "max_lines": max_lines}
