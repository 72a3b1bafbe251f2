"""Export service: reads plans and sites of one tenant from the store and feeds the GIS writers.

``plan_layers`` maps one stored plan (tours, stops, unassigned tasks) plus the tenant's maintained
sites to :class:`~greentour.gis.records.LayerSet`; ``live_layers`` does the same for the
**published** plan of every day (the OGC API's live collections); ``export_plan`` and
``export_days`` write GeoJSON, GeoPackage or GPX. Everything is read through a tenant session, so
an export cannot contain another tenant's rows. Stable ids are the database primary keys.

What GIS sees is what the crews' tablets see: per day the published plan with the highest version
(:func:`greentour.planning.current.published_plans_by_day`, the rule of
:func:`~greentour.planning.current.published_plan`). Drafts are the planner's: the live layers
never show them (a day without a published plan has no tours), and ``export_plan`` refuses a
plan that is not published unless the caller asks for the draft (``allow_draft``, the CLI's
``--draft``). A site is ``planned`` only when a shown tour visits it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import shapely
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, selectinload

from greentour.clock import tenant_today
from greentour.crew.cache import TenantVersionedCache, store_key
from greentour.errors import BadInput, Conflict, NotFound
from greentour.gis import records as R
from greentour.gis.crs import metric_epsg_for
from greentour.gis.geojson import write_geojson
from greentour.gis.gpkg import write_gpkg
from greentour.gis.gpx import write_gpx
from greentour.planning.current import driven, published_plans_by_day
from greentour.store.models import (
    AccessPoint,
    Completion,
    Depot,
    Plan,
    ReloadPoint,
    Site,
    SiteLastService,
    Stop,
    Task,
    TaskType,
    Tenant,
    Tour,
    Unassigned,
    Vehicle,
)
from greentour.store.tenancy import system_session, tenant_session
from greentour.tenant_config import tenant_config
from greentour.workplace.labels import reason_text, site_label

FORMATS = ("geojson", "gpkg", "gpx")
#: Days one ``export_days`` may cover (a planning week is at most 7).
MAX_EXPORT_DAYS = 31
ROAD_SOURCE = "OpenStreetMap road network"


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: file, format and feature count per layer (tours for GPX)."""

    path: Path
    format: str
    counts: dict[str, int]


def _geometry(text: str | None) -> BaseGeometry | None:
    if not text:
        return None
    data = json.loads(text)
    if data.get("type") == "Feature":
        data = data["geometry"]
    return shape(data) if data else None


def _tenant(engine: Engine, tenant_id: int) -> Tenant:
    with system_session(engine) as session:
        tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound(f"Mandant #{tenant_id} gibt es nicht")
    return tenant


def road_source(tenant: Tenant) -> str:
    """Provenance text of road-derived geometry, with the OSM extract date when the tenant's
    ``[osm] extract_date`` names it."""
    osm = tenant_config(tenant).osm
    date = osm.extract_date if osm else None
    return f"{ROAD_SOURCE} (Stand {date})" if date else ROAD_SOURCE


def _new_layer_set(tenant: Tenant, title: str) -> R.LayerSet:
    epsg, extra = tenant_config(tenant).gis
    return R.LayerSet(
        title=title,
        timezone=tenant.timezone or "Europe/Berlin",
        metric_epsg=epsg,
        extra_attribution=extra,
    )


# --------------------------------------------------------------------------- sites
def _last_done(session: Session, tz: ZoneInfo) -> dict[int, dt.date]:
    """Per site the last local day any work was reported done (crew reports and the seeded
    last-service dates)."""
    last: dict[int, dt.date] = {}
    for row in session.scalars(select(SiteLastService)):
        last[row.site_id] = max(last.get(row.site_id, row.last_date), row.last_date)
    done = session.execute(
        select(Task.site_id, Completion.finished_at, Completion.server_time)
        .join(Completion, Completion.task_id == Task.id)
        .where(Completion.status == "done")
    )
    for site_id, finished_at, server_time in done:
        day = (finished_at or server_time).astimezone(tz).date()
        last[site_id] = max(last.get(site_id, day), day)
    return last


def _add_sites(
    session: Session, layers: R.LayerSet, planned_task_ids: set[int], today: dt.date,
    extra_site_ids: set[int],
) -> None:
    """Add the tenant's maintained (or plan-referenced) sites with their need:
    ``planned`` (a task of the site is on a shown tour), ``due`` (work not on a shown tour whose
    window has begun on ``today``) or ``ok``. A task in a draft only is not planned for GIS: the
    crews do not see it; ``open_tasks`` counts the site's work not on a shown tour."""
    tz = ZoneInfo(layers.timezone)
    sites = session.scalars(select(Site).order_by(Site.id)).all()
    tasks = session.scalars(
        select(Task).where(Task.status.in_(("open", "planned")))
    ).all()
    open_by_site: dict[int, list[Task]] = {}
    for task in tasks:
        open_by_site.setdefault(task.site_id, []).append(task)
    last_done = _last_done(session, tz)
    for site in sites:
        if not (site.in_maintenance or site.status == "accepted" or site.id in extra_site_ids):
            continue
        geom = _geometry(site.geometry_geojson) or Point(site.lon, site.lat)
        pending = open_by_site.get(site.id, [])
        open_tasks = [t for t in pending if t.id not in planned_task_ids]
        if len(open_tasks) < len(pending):
            need = "planned"
        elif any(t.due_earliest <= today for t in open_tasks):
            need = "due"
        else:
            need = "ok"
        spec = R.site_layer_for(geom)
        layers.add(spec.id, R.make_feature(
            spec, site.id, geom,
            site_id=site.id, name=site_label(site), category=site.category,
            care_class=site.care_class,
            area_m2=site.area_m2, length_m=site.length_m, tree_count=site.tree_count,
            in_maintenance=site.in_maintenance, maintained_by=site.maintained_by,
            cost_centre=site.cost_centre, need=need,
            next_due=min((t.due_latest for t in pending), default=None),
            last_done=last_done.get(site.id),
            open_tasks=len(open_tasks), source=site.source, osm_type=site.osm_type,
            osm_id=site.osm_id, osm_version=site.osm_version, cadastre_ref=site.cadastre_id,
        ))


# --------------------------------------------------------------------------- tours and stops
def _line_of(parts: Iterable[BaseGeometry]) -> LineString | None:
    """One LineString through the parts in order (legs of a tour), dropping repeated joints."""
    coords: list[tuple[float, float]] = []
    for part in parts:
        if part is None or part.is_empty:
            continue
        lines = part.geoms if hasattr(part, "geoms") else [part]
        for line in lines:
            for xy in line.coords:
                xy2 = (xy[0], xy[1])
                if not coords or coords[-1] != xy2:
                    coords.append(xy2)
    return LineString(coords) if len(coords) >= 2 else None


class _Places:
    """Positions of sites (access point first), reload points and depots of one tenant."""

    def __init__(self, session: Session, road_source: str = ROAD_SOURCE) -> None:
        self.road_source = road_source
        self.access: dict[int, tuple[float, float]] = {}
        for ap in session.scalars(select(AccessPoint).order_by(AccessPoint.id)):
            if not ap.no_access:
                self.access.setdefault(ap.site_id, (ap.lon, ap.lat))
        self.reload = {r.id: r for r in session.scalars(select(ReloadPoint))}
        self.depot = {d.id: d for d in session.scalars(select(Depot))}
        self.vehicle = {v.id: v.name for v in session.scalars(select(Vehicle))}
        self.task_labels = {t.code: t.name_de for t in session.scalars(select(TaskType))}

    def stop_name(self, stop: Stop) -> str | None:
        """The stop's place as everyone names it: the site label, the reload point or depot."""
        if stop.kind == "task" and stop.task is not None:
            return site_label(stop.task.site)
        if stop.kind == "reload" and stop.reload_point_id in self.reload:
            return self.reload[stop.reload_point_id].name
        if stop.kind == "depot":
            depot = self._depot_of(stop)
            return depot.name if depot is not None else None
        return None

    def _depot_of(self, stop: Stop) -> Depot | None:
        return self.depot.get(stop.tour.crew_day.depot_id) or next(
            iter(self.depot.values()), None
        )

    def stop_position(self, stop: Stop) -> tuple[Point | None, str]:
        if stop.kind == "task" and stop.task is not None:
            site = stop.task.site
            if site.id in self.access:
                return Point(self.access[site.id]), "access point on the " + self.road_source
            return Point(site.lon, site.lat), f"site ({site.source})"
        if stop.kind == "reload" and stop.reload_point_id in self.reload:
            r = self.reload[stop.reload_point_id]
            return Point(r.lon, r.lat), "reload point"
        if stop.kind == "depot":
            depot = self._depot_of(stop)
            if depot is not None:
                return Point(depot.lon, depot.lat), "depot"
        return None, ""



def _add_tours(
    session: Session, layers: R.LayerSet, tours: list[Tour], places: _Places
) -> set[int]:
    """Add tours and their stops; return the ids of the sites the tours visit."""
    visited: set[int] = set()
    stop_ids = [s.id for t in tours for s in t.stops]
    reported = {
        c.stop_id: c.status
        for c in session.scalars(
            select(Completion).where(Completion.stop_id.in_(stop_ids)).order_by(Completion.id)
        )
    }
    for tour in sorted(tours, key=lambda t: t.id):
        crew_day = tour.crew_day
        stops = sorted(tour.stops, key=lambda s: s.seq)
        positions = [places.stop_position(s) for s in stops]
        geom = _geometry(tour.geometry_geojson)
        source = places.road_source
        if geom is None:
            geom = _line_of(_geometry(s.leg_geometry_geojson) for s in stops)
        if geom is None:
            geom = _line_of([LineString([p for p, _ in positions if p is not None])]) if sum(
                1 for p, _ in positions if p is not None) >= 2 else None
            source = "straight lines between stops (no road geometry stored)"
        if geom is not None and geom.geom_type == "MultiLineString":
            merged = shapely.line_merge(geom)
            geom = merged if merged.geom_type == "LineString" else _line_of([geom])
        if geom is None:
            continue
        times = [t for s in stops for t in (s.arrival_at, s.start_at, s.end_at) if t]
        task_stops = [s for s in stops if s.kind == "task"]
        distance_m, drive_s = driven(tour)
        layers.add("tours", R.make_feature(
            R.TOURS, tour.id, geom,
            tour_id=tour.id, plan_id=tour.plan_id, crew_day_id=crew_day.id, crew=crew_day.name,
            vehicle=places.vehicle.get(crew_day.vehicle_id), date=crew_day.date,
            start_at=min(times) if times else None, end_at=max(times) if times else None,
            stop_count=len(task_stops),
            distance_m=distance_m, drive_s=drive_s,
            service_s=int(sum((s.end_at - s.start_at).total_seconds() for s in task_stops
                              if s.start_at and s.end_at)),
            locked=bool(tour.locked or crew_day.locked), source=source,
        ))
        for stop, (pos, pos_source) in zip(stops, positions, strict=True):
            if pos is None:
                continue
            task = stop.task
            if task is not None:
                visited.add(task.site_id)
            duration = (
                int((stop.end_at - stop.start_at).total_seconds())
                if stop.start_at and stop.end_at else None
            )
            layers.add("stops", R.make_feature(
                R.STOPS, stop.id, pos,
                stop_id=stop.id, tour_id=tour.id, plan_id=tour.plan_id, crew=crew_day.name,
                date=crew_day.date, sequence=stop.seq, kind=stop.kind, eta=stop.arrival_at,
                service_start=stop.start_at, service_end=stop.end_at, duration_s=duration,
                task_id=stop.task_id,
                task_type=task.task_type if task else stop.kind,
                site_id=task.site_id if task else None,
                site_name=places.stop_name(stop),
                status=reported.get(stop.id, "planned"), source=pos_source,
            ))
    return visited


def _reason_text(reasons: list[Any]) -> str:
    return "; ".join(reason_text(r) for r in reasons or []) or "ohne Begründung"


def _add_unassigned(layers: R.LayerSet, rows: list[Unassigned]) -> set[int]:
    site_ids: set[int] = set()
    for row in sorted(rows, key=lambda u: u.id):
        task = row.task
        site = task.site
        site_ids.add(site.id)
        layers.add("unassigned", R.make_feature(
            R.UNASSIGNED, row.id, Point(site.lon, site.lat),
            unassigned_id=row.id, plan_id=row.plan_id, task_id=task.id,
            task_type=task.task_type, site_id=site.id, site_name=site_label(site),
            reason=_reason_text(row.reasons_json), due_from=task.due_earliest,
            due_by=task.due_latest, source=f"site ({site.source})",
        ))
    return site_ids


def _tour_options():
    return (
        selectinload(Tour.crew_day),
        selectinload(Tour.stops).selectinload(Stop.task).selectinload(Task.site),
    )


# --------------------------------------------------------------------------- public services
def _task_ids(tours: Iterable[Tour]) -> set[int]:
    return {stop.task_id for tour in tours for stop in tour.stops if stop.task_id is not None}


def plan_layers(
    engine: Engine, tenant_id: int, plan_id: int, allow_draft: bool = False
) -> R.LayerSet:
    """The GIS layers of one plan: its tours, stops and unassigned tasks plus the tenant's sites.

    A plan that is not published (a draft the crews do not see) is refused with
    :class:`Conflict` unless ``allow_draft``."""
    tenant = _tenant(engine, tenant_id)
    with tenant_session(engine, tenant_id) as session:
        plan = session.get(Plan, plan_id)
        if plan is None:
            raise NotFound(f"Plan #{plan_id} gibt es für {tenant.name} nicht")
        if plan.status != "published" and not allow_draft:
            raise Conflict(
                f"Plan #{plan_id} ist nicht veröffentlicht (ein Entwurf der Disposition): die "
                "Kolonnen sehen ihn nicht. Erst veröffentlichen, oder den Entwurf ausdrücklich "
                "exportieren (greentour export --draft)",
                en=f"Plan #{plan_id} is not published (a draft of the planner): the crews do "
                   "not see it. Publish it first, or export the draft explicitly "
                   "(greentour export --draft)",
            )
        draft = "" if plan.status == "published" else ", Entwurf"
        layers = _new_layer_set(
            tenant, f"{tenant.name} – Plan {plan.id} ({plan.date_from:%d.%m.%Y}"
                    f"–{plan.date_to:%d.%m.%Y}{draft})"
        )
        tours = list(session.scalars(
            select(Tour).where(Tour.plan_id == plan.id).options(*_tour_options())
        ))
        places = _Places(session, road_source(tenant))
        layers.task_labels = places.task_labels
        visited = _add_tours(session, layers, tours, places)
        unassigned = list(session.scalars(
            select(Unassigned).where(Unassigned.plan_id == plan.id)
            .options(selectinload(Unassigned.task).selectinload(Task.site))
        ))
        extra = _add_unassigned(layers, unassigned)
        _add_sites(session, layers, _task_ids(tours), plan.date_from, visited | extra)
    if layers.metric_epsg is None:
        layers.metric_epsg = metric_epsg_for(f.geometry for _, f in layers.all_features())
    return layers


def live_plan_ids(session: Session) -> dict[dt.date, int]:
    """For each day, the plan the crews' tablets show: the published plan with the highest
    version covering it. Days with drafts only are missing (drafts are the planner's)."""
    return published_plans_by_day(session)


def live_layers(
    engine: Engine, tenant_id: int, today: dt.date | None = None,
    days: Collection[dt.date] | None = None, title: str | None = None,
) -> R.LayerSet:
    """The tenant's live GIS layers: maintained sites with their need on ``today`` (default: the
    tenant's today, the demo clock in the demo), and the tours, stops and unassigned tasks of
    the published plan of every day (see :func:`live_plan_ids`), or only of ``days``.

    An unassigned task is listed once (from the newest published plan that left it out) and not
    at all when a shown tour serves it."""
    tenant = _tenant(engine, tenant_id)
    today = today or tenant_today(tenant)
    layers = _new_layer_set(tenant, title or f"{tenant.name} – greentour")
    with tenant_session(engine, tenant_id) as session:
        winners = live_plan_ids(session)
        if days is not None:
            winners = {day: plan_id for day, plan_id in winners.items() if day in days}
        plan_ids = set(winners.values())
        tours = [
            t for t in session.scalars(
                select(Tour).where(Tour.plan_id.in_(plan_ids)).options(*_tour_options())
            )
            if winners.get(t.crew_day.date) == t.plan_id
        ]
        places = _Places(session, road_source(tenant))
        layers.task_labels = places.task_labels
        visited = _add_tours(session, layers, tours, places)
        on_tours = _task_ids(tours)
        newest: dict[int, Unassigned] = {}
        for row in session.scalars(
            select(Unassigned).where(Unassigned.plan_id.in_(plan_ids))
            .options(selectinload(Unassigned.task).selectinload(Task.site))
            .order_by(Unassigned.plan_id, Unassigned.id)
        ):
            if row.task_id not in on_tours:
                newest[row.task_id] = row
        extra = _add_unassigned(layers, list(newest.values()))
        _add_sites(session, layers, on_tours, today, visited | extra)
    if layers.metric_epsg is None:
        layers.metric_epsg = metric_epsg_for(f.geometry for _, f in layers.all_features())
    return layers


def layers_fingerprint(session: Session) -> tuple[Any, ...]:
    """What the live layers depend on, in one query: plans (a new version, a status change or
    a deleted edit), reports, sites and tasks. Equal fingerprints mean equal layers."""
    def stats(*columns: Any) -> Any:
        return select(*columns).scalar_subquery()

    row = session.execute(select(
        stats(func.count(Plan.id)), stats(func.max(Plan.id)),
        stats(func.count(Plan.id).filter(Plan.status == "published")),
        stats(func.count(Completion.id)), stats(func.max(Completion.id)),
        stats(func.count(Site.id)), stats(func.max(Site.updated_at)),
        stats(func.count(Task.id)), stats(func.max(Task.id)),
        stats(func.count(Task.id).filter(Task.status == "done")),
    )).one()
    return tuple(row)


#: Live layers per tenant, day and :func:`layers_fingerprint`; a change the fingerprint does not
#: see (a task's due date edited in place) reaches GIS clients within LAYER_TTL_S seconds.
LAYER_TTL_S = 300.0
layer_cache = TenantVersionedCache(ttl_s=LAYER_TTL_S, max_entries=64)


def cached_live_layers(engine: Engine, tenant_id: int, today: dt.date | None = None) -> R.LayerSet:
    """:func:`live_layers`, rebuilt only when the plan, reports, sites or tasks changed.

    The answer is shared between requests: callers must not change it."""
    today = today or tenant_today(_tenant(engine, tenant_id))
    with tenant_session(engine, tenant_id) as session:
        key = (store_key(session), today, layers_fingerprint(session))
    return layer_cache.get_or_build(tenant_id, key, lambda: live_layers(engine, tenant_id, today))


def _write(
    layers: R.LayerSet, fmt: str, out: Path | str, tour_id: int | None,
    layer_ids: list[str] | None,
) -> ExportResult:
    """Write ``layers`` as ``fmt`` to ``out`` through a temporary name (no half file)."""
    out = Path(out)
    tmp = out.with_name(f".{out.stem}.part{out.suffix}")
    try:
        if fmt == "geojson":
            write_geojson(layers, tmp, layer_ids)
            chosen = layer_ids or [s.id for s in R.LAYER_SPECS]
            counts = {i: len(layers.layer(i).features) for i in chosen}
        elif fmt == "gpkg":
            counts = write_gpkg(layers, tmp)
        else:
            counts = {"tours": write_gpx(layers, tmp, [tour_id] if tour_id else None)}
    except ValueError as exc:
        tmp.unlink(missing_ok=True)
        raise BadInput(str(exc)) from exc
    tmp.replace(out)
    return ExportResult(out, fmt, counts)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise BadInput(f"Unbekanntes Format „{fmt}“; möglich: {', '.join(FORMATS)}")


def export_plan(
    engine: Engine, tenant_id: int, plan_id: int, fmt: str, out: Path | str,
    tour_id: int | None = None, layer_ids: list[str] | None = None, allow_draft: bool = False,
) -> ExportResult:
    """Write plan ``plan_id`` as ``fmt`` (geojson, gpkg or gpx) to ``out``.

    ``tour_id`` limits GPX to one crew-day; ``layer_ids`` limits GeoJSON to some layers. A plan
    that is not published is refused (409) unless ``allow_draft``. The file is written to a
    temporary name first and renamed, so a failed export leaves no half file."""
    _check_format(fmt)
    return _write(plan_layers(engine, tenant_id, plan_id, allow_draft), fmt, out, tour_id,
                  layer_ids)


def export_days(
    engine: Engine, tenant_id: int, first: dt.date, count: int, fmt: str, out: Path | str,
    tour_id: int | None = None, layer_ids: list[str] | None = None,
) -> ExportResult:
    """Write what the crews' tablets show on ``count`` days from ``first``: per day the
    published plan's tours, stops and unassigned tasks, with the tenant's sites (need as of
    ``first``). 404 when none of the days has a published plan."""
    _check_format(fmt)
    if not 1 <= count <= MAX_EXPORT_DAYS:
        raise BadInput(f"Zwischen 1 und {MAX_EXPORT_DAYS} Tage, nicht {count}")
    days = [first + dt.timedelta(days=i) for i in range(count)]
    tenant = _tenant(engine, tenant_id)
    with tenant_session(engine, tenant_id) as session:
        published = set(live_plan_ids(session)) & set(days)
    span = f"{first:%d.%m.%Y}" + (f"–{days[-1]:%d.%m.%Y}" if count > 1 else "")
    if not published:
        raise NotFound(f"Für {span} ist bei {tenant.name} kein Plan veröffentlicht",
                       en=f"{tenant.name} has no published plan for {span}")
    layers = live_layers(engine, tenant_id, today=first, days=days,
                         title=f"{tenant.name} – veröffentlichte Touren {span}")
    return _write(layers, fmt, out, tour_id, layer_ids)
