"""The crew-day's tour as the tablet sees it: stops in order with tasks, ETAs, site geometry,
access point, notes and navigation links.

Which plan is current: a crew-day may appear in several plans (drafts, re-plans). The crew gets
its tour in the newest *published* plan covering the day (highest version, then highest id,
:func:`greentour.planning.current.published_plan`); drafts (``done`` plans the planner has not
published) never reach the tablets, and a published version without a tour for the crew-day
means no tour. Reports name the plan version they were made against; see
:mod:`greentour.crew.reports`.

The payload holds no per-person data and no report times: the crew sees the outcome per stop.
It is deterministic for the same stored state, so its hash serves as ETag.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from greentour.clock import local_date, tenant_today
from greentour.crew.cache import store_key, tour_cache
from greentour.crew.navigation import navigation_links
from greentour.crew.privacy import PHOTO_TYPES, PrivacySettings
from greentour.crew.tokens import Device
from greentour.errors import Forbidden, NotFound
from greentour.planning.current import driven, published_plan
from greentour.planning.publication import crew_changes
from greentour.store.models import (
    AccessPoint,
    Completion,
    CrewDay,
    CrewTemplate,
    Depot,
    ReloadPoint,
    Site,
    Stop,
    Task,
    TaskType,
    Tenant,
    Tour,
    Vehicle,
)
from greentour.store.models_crew import StopStart
from greentour.tenant_config import tenant_config
from greentour.workplace.labels import site_label

STOP_KIND_LABELS = {
    "task": "Arbeit",
    "reload": "Abladen / Auftanken",
    "break": "Pause",
    "depot": "Bauhof",
}
RELOAD_LABELS = {"green_waste": "Grünschnitt abladen", "water": "Wasser tanken"}
#: the same in English (``label_en``: the tablet shows it when the device speaks English)
STOP_KIND_LABELS_EN = {"task": "Work", "reload": "Unload / refill", "break": "Break",
                       "depot": "Depot"}
RELOAD_LABELS_EN = {"green_waste": "Unload green waste", "water": "Refill water"}
WEEKDAYS_DE = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def crew_day_ids_for(
    session: Session, device: Device, day: dt.date | None = None
) -> list[int]:
    """Crew-days a device token may see (on ``day`` when given)."""
    if device.crew_day_id is not None:
        crew_day = session.get(CrewDay, device.crew_day_id)
        if crew_day is None or (day is not None and crew_day.date != day):
            return []
        return [crew_day.id]
    stmt = select(CrewDay.id).where(CrewDay.template_id == device.crew_template_id)
    if day is not None:
        stmt = stmt.where(CrewDay.date == day)
    return list(session.scalars(stmt.order_by(CrewDay.id)))


def may_access_crew_day(session: Session, device: Device, crew_day_id: int) -> bool:
    """Whether the device's crew is the crew of that crew-day."""
    if device.crew_day_id is not None:
        return device.crew_day_id == crew_day_id
    crew_day = session.get(CrewDay, crew_day_id)
    return crew_day is not None and crew_day.template_id == device.crew_template_id


def current_tour(session: Session, crew_day_id: int) -> Tour | None:
    """The tour of the crew-day in the day's published plan (None: none published or no tour)."""
    crew_day = session.get(CrewDay, crew_day_id)
    if crew_day is None:
        return None
    plan = published_plan(session, crew_day.date)
    if plan is None:
        return None
    return session.scalar(
        select(Tour).where(Tour.plan_id == plan.id, Tour.crew_day_id == crew_day_id).limit(1)
    )


def current_plan_version(session: Session, crew_day_id: int) -> int | None:
    """The plan version the crew should be working with for this crew-day (None: no plan)."""
    tour = current_tour(session, crew_day_id)
    return tour.plan.version if tour is not None else None


def device_tour(session: Session, device: Device, day: dt.date) -> Tour:
    """The device's crew tour on ``day``; :class:`NotFound` when the crew has none that day."""
    for crew_day_id in crew_day_ids_for(session, device, day):
        tour = current_tour(session, crew_day_id)
        if tour is not None:
            return tour
    raise NotFound(f"Für {day.strftime('%d.%m.%Y')} ist für diese Kolonne keine Tour geplant")


def device_tour_by_id(session: Session, device: Device, tour_id: int) -> Tour:
    """A tour by id if it belongs to the device's crew.

    Another tenant's tour is invisible in the tenant session (404); another crew's tour of the
    same tenant is refused (403).
    """
    tour = session.get(Tour, tour_id)
    if tour is None:
        raise NotFound(f"Tour #{tour_id} gibt es nicht")
    if not may_access_crew_day(session, device, tour.crew_day_id):
        raise Forbidden("Diese Tour gehört zu einer anderen Kolonne")
    return tour


def local_today(tenant: Tenant, now: dt.datetime | None = None) -> dt.date:
    """Today for the tenant: its demo clock, else the date in its time zone."""
    return tenant_today(tenant, now)


def device_today(session: Session, device: Device) -> dt.date:
    """Today for the device's tenant (zone and demo clock cached like the tour documents)."""
    zone, demo_today = tour_cache.get_or_build(
        device.tenant_id,
        (store_key(session), "today"),
        lambda: _zone_and_clock(session.get(Tenant, device.tenant_id)),
    )
    return demo_today or local_date(zone)


def _zone_and_clock(tenant: Tenant) -> tuple[str, dt.date | None]:
    return tenant.timezone or "Europe/Berlin", tenant.demo_today


# --------------------------------------------------------------------------- payload
def _iso(value: dt.datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat(timespec="seconds") if value is not None else None


def _geometry(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _access_point(site: Site, profile: str | None) -> AccessPoint | None:
    usable = [ap for ap in site.access_points if not ap.no_access]
    for ap in usable:
        if profile is not None and ap.profile == profile:
            return ap
    for ap in usable:
        if ap.profile is None:
            return ap
    return usable[0] if usable else None


def weekday_span_de(weekdays: list[int]) -> str:
    """ISO weekdays as German short names with runs joined: [1, 2, 3, 4, 5, 7] → "Mo–Fr, So"."""
    days = sorted({d for d in weekdays if 1 <= d <= 7})
    runs: list[list[int]] = []
    for d in days:
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{WEEKDAYS_DE[run[0] - 1]}–{WEEKDAYS_DE[run[-1] - 1]}")
        else:
            parts.extend(WEEKDAYS_DE[d - 1] for d in run)
    return ", ".join(parts)


def _rule_text(rule: Any, lang: str = "de") -> str:
    days = weekday_span_de(rule.weekdays)
    if lang == "en":
        for de, en in zip(WEEKDAYS_DE, WEEKDAYS_EN, strict=True):
            days = days.replace(de, en)
    span = f"{rule.start_local.strftime('%H:%M')}–{rule.end_local.strftime('%H:%M')}"
    if lang == "en":
        verb = "no work" if rule.kind == "blocked" else "only"
    else:
        verb = "keine Arbeit" if rule.kind == "blocked" else "nur"
    reason = f" ({rule.reason})" if rule.reason else ""
    return f"{verb} {days} {span}{reason}".replace("  ", " ")


def _reports_by_stop(
    session: Session, crew_day_id: int, stop_ids: list[int]
) -> dict[int, list[dict[str, Any]]]:
    """The crew-day's reports per stop id, oldest first: outcome only, no times."""
    out: dict[int, list[tuple[dt.datetime, dict[str, Any]]]] = {}
    if not stop_ids:
        return {}
    starts = session.scalars(
        select(StopStart).where(
            StopStart.crew_day_id == crew_day_id, StopStart.stop_id.in_(stop_ids)
        )
    )
    for s in starts:
        out.setdefault(s.stop_id, []).append(
            (
                s.server_time,
                {
                    "client_uuid": s.client_uuid,
                    "status": "started",
                    "grass_length": None,
                    "outdated": s.flagged_outdated,
                },
            )
        )
    completions = session.scalars(
        select(Completion).where(
            Completion.crew_day_id == crew_day_id, Completion.stop_id.in_(stop_ids)
        )
    )
    for c in completions:
        out.setdefault(c.stop_id, []).append(
            (
                c.server_time,
                {
                    "client_uuid": c.client_uuid,
                    "status": c.status,
                    "grass_length": c.grass_length,
                    "outdated": c.flagged_outdated,
                    "has_photo": c.photo_path is not None,
                },
            )
        )
    return {
        stop_id: [item for _, item in sorted(items, key=lambda x: (x[0], x[1]["client_uuid"]))]
        for stop_id, items in out.items()
    }


def tour_payload(session: Session, tour: Tour, privacy: PrivacySettings) -> dict[str, Any]:
    """The JSON document of a tour for the crew (see docs/crew-api.md for every field)."""
    tenant = session.get(Tenant, tour.tenant_id)
    tz = ZoneInfo(tenant.timezone or "Europe/Berlin")
    crew_day = session.get(CrewDay, tour.crew_day_id)
    plan = tour.plan
    vehicle = session.get(Vehicle, crew_day.vehicle_id) if crew_day.vehicle_id else None
    profile = vehicle.profile if vehicle else None
    template = session.get(CrewTemplate, crew_day.template_id) if crew_day.template_id else None
    depot = session.get(Depot, crew_day.depot_id) if crew_day.depot_id else None

    stops = list(
        session.scalars(
            select(Stop)
            .where(Stop.tour_id == tour.id)
            .options(
                selectinload(Stop.task).selectinload(Task.site).selectinload(Site.access_points),
                selectinload(Stop.task).selectinload(Task.site).selectinload(Site.time_rules),
            )
            .order_by(Stop.seq, Stop.id)
        )
    )
    type_names = {t.code: (t.name_de, t.name_en) for t in session.scalars(select(TaskType))}
    reload_ids = {s.reload_point_id for s in stops if s.reload_point_id is not None}
    reloads = (
        {
            r.id: r
            for r in session.scalars(select(ReloadPoint).where(ReloadPoint.id.in_(reload_ids)))
        }
        if reload_ids
        else {}
    )
    reports = _reports_by_stop(session, crew_day.id, [s.id for s in stops])

    out_stops = []
    for stop in stops:
        out_stops.append(
            _stop_payload(stop, tz, profile, type_names, reloads, depot, reports.get(stop.id, []))
        )
    distance_m, drive_s = driven(tour)
    back = stops[-1] if stops and stops[-1].kind == "depot" else None
    return {
        "tour_id": tour.id,
        "tenant": {"slug": tenant.slug, "name": tenant.name},
        "crew": {
            "name": template.name if template else crew_day.name,
            "crew_day_id": crew_day.id,
            "crew_day_name": crew_day.name,
            "vehicle": vehicle.name if vehicle else None,
            "persons": len(crew_day.member_ids or []),
        },
        "date": crew_day.date.isoformat(),
        "timezone": tz.key,
        "demo_today": tenant.demo_today.isoformat() if tenant.demo_today else None,
        "shift": {
            "start": crew_day.shift_start.strftime("%H:%M"),
            "end": crew_day.shift_end.strftime("%H:%M"),
            "breaks": crew_day.breaks_json or [],
        },
        "plan": {"id": plan.id, "version": plan.version, "status": plan.status,
                 "published_at": _iso(plan.published_at, tz),
                 "changes": crew_changes(plan, crew_day.id)},
        "depot": (
            {
                "name": depot.name,
                "lon": depot.lon,
                "lat": depot.lat,
                "navigation": navigation_links(depot.lat, depot.lon, depot.name),
            }
            if depot
            else None
        ),
        "stops": out_stops,
        "distance_m": distance_m,
        "drive_s": drive_s,
        "back_at_depot": _iso(back.arrival_at, tz) if back is not None else None,
        "limits": {"photo_max_bytes": privacy.photo_max_bytes, "photo_types": list(PHOTO_TYPES)},
        "privacy": {
            "location_tracking": False,
            "recorded_per": "crew_day",
        },
        "attribution": "© OpenStreetMap contributors, ODbL",
    }


def _stop_payload(
    stop: Stop,
    tz: ZoneInfo,
    profile: str | None,
    type_names: dict[str, tuple[str, str]],
    reloads: dict[int, ReloadPoint],
    depot: Depot | None,
    reports: list[dict[str, Any]],
) -> dict[str, Any]:
    task = stop.task
    site = task.site if task is not None else None
    duration_s = None
    if stop.start_at and stop.end_at:
        duration_s = int((stop.end_at - stop.start_at).total_seconds())
    elif task is not None:
        duration_s = task.duration_s
    item: dict[str, Any] = {
        "id": stop.id,
        "sequence": stop.seq,
        "kind": stop.kind,
        "label": STOP_KIND_LABELS.get(stop.kind, stop.kind),
        "label_en": STOP_KIND_LABELS_EN.get(stop.kind, stop.kind),
        "eta": _iso(stop.arrival_at, tz),
        "service_start": _iso(stop.start_at, tz),
        "service_end": _iso(stop.end_at, tz),
        "duration_s": duration_s,
        "leg_distance_m": stop.leg_distance_m,
        "leg_duration_s": stop.leg_duration_s,
        "leg_geometry": _geometry(stop.leg_geometry_geojson),
        "tasks": [],
        "site": None,
        "access_point": None,
        "navigation": None,
        "notes": "",
        "notes_en": "",
        "reports": reports,
    }
    point: tuple[float, float, str] | None = None
    if task is not None:
        item["tasks"] = [
            {
                "id": task.id,
                "type": task.task_type,
                "label": type_names.get(task.task_type, (task.task_type,) * 2)[0],
                "label_en": type_names.get(task.task_type, (task.task_type,) * 2)[1],
                "duration_s": task.duration_s,
                "persons": task.persons,
            }
        ]
        notes = [task.notes] if task.notes else []
        notes_en = [task.notes_en or task.notes] if task.notes else []
        if site is not None:
            notes += [_rule_text(rule) for rule in site.time_rules]
            notes_en += [_rule_text(rule, "en") for rule in site.time_rules]
            item["site"] = {
                "id": site.id,
                "name": site_label(site),
                "name_en": site_label(site, "en"),
                "category": site.category,
                "area_m2": site.area_m2,
                "length_m": site.length_m,
                "tree_count": site.tree_count,
                "geometry": _geometry(site.geometry_geojson),
            }
            ap = _access_point(site, profile)
            lon, lat = (ap.lon, ap.lat) if ap else (site.lon, site.lat)
            item["access_point"] = {"lon": lon, "lat": lat, "on_road": ap is not None}
            point = (lat, lon, item["site"]["name"])
        item["notes"] = " · ".join(n for n in notes if n)
        item["notes_en"] = " · ".join(n for n in notes_en if n)
    elif stop.reload_point_id is not None and stop.reload_point_id in reloads:
        reload = reloads[stop.reload_point_id]
        item["label"] = RELOAD_LABELS.get(reload.kind, item["label"])
        item["label_en"] = RELOAD_LABELS_EN.get(reload.kind, item["label_en"])
        item["site"] = {"id": None, "name": reload.name, "category": reload.kind, "geometry": None}
        item["access_point"] = {"lon": reload.lon, "lat": reload.lat, "on_road": True}
        point = (reload.lat, reload.lon, reload.name)
    elif stop.kind == "depot" and depot is not None:
        item["site"] = {"id": None, "name": depot.name, "category": "depot", "geometry": None}
        item["access_point"] = {"lon": depot.lon, "lat": depot.lat, "on_road": True}
        point = (depot.lat, depot.lon, depot.name)
    else:
        item["site"] = {"id": None, "name": item["label"], "category": stop.kind, "geometry": None}
    if point is not None:
        item["navigation"] = navigation_links(*point)
    return item


def body_etag(body: bytes) -> str:
    """A strong ETag: SHA-256 of the serialised document (quoted, 32 hex digits)."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def payload_etag(payload: dict[str, Any]) -> str:
    """The ETag of a payload as :func:`tour_document` serialises it."""
    return body_etag(serialise(payload))


def serialise(payload: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON (the order of keys is the payload's, which is deterministic)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class TourDocument:
    """A tour as sent to the tablet: serialised JSON, its ETag and the gzip-coded variant.

    The gzip variant is compressed once per build (about 7× smaller: less mobile data in parks
    with poor reception) and has its own ETag, as a strong validator must differ per coding.
    """

    tour_id: int
    body: bytes
    etag: str
    gzip_body: bytes = b""

    @property
    def gzip_etag(self) -> str:
        """The ETag of the gzip-coded variant (the document's ETag with ``-gzip``)."""
        return self.etag[:-1] + '-gzip"'

    def matches(self, tags: Any) -> bool:
        """Whether an If-None-Match set names this document (in either coding)."""
        return self.etag.strip('"') in tags or self.gzip_etag.strip('"') in tags


def tour_document(session: Session, tour: Tour) -> TourDocument:
    """Build the tablet's document of ``tour`` (uncached)."""
    tenant = session.get(Tenant, tour.tenant_id)
    body = serialise(tour_payload(session, tour, tenant_config(tenant).privacy))
    return TourDocument(tour.id, body, body_etag(body), gzip.compress(body, 6, mtime=0))


def device_tour_document(session: Session, device: Device, day: dt.date) -> TourDocument:
    """The device crew's tour document for ``day``, from the short-lived cache when valid."""
    return tour_cache.get_or_build(
        device.tenant_id,
        (store_key(session), "device", device.id, day),
        lambda: tour_document(session, device_tour(session, device, day)),
    )


def tour_document_by_id(session: Session, device: Device, tour_id: int) -> TourDocument:
    """A tour document by id after the crew check (403/404), cached like the day's tour."""
    found = device_tour_by_id(session, device, tour_id)
    return tour_cache.get_or_build(
        device.tenant_id,
        (store_key(session), "tour", found.id),
        lambda: tour_document(session, found),
    )
