"""Demand services: generate the week's tasks, create orders, compute the capacity balance.

These are the use cases the CLI (``greentour demand``), the web map, the planner's "Planen" step
and the API call. Every function takes a tenant session (:func:`greentour.store.tenant_session`)
and leaves committing to the caller's transaction.

``generate_demand`` is idempotent: every generated task has a key (generator, type, site(s),
occurrence) kept in :class:`~greentour.store.models_demand.TaskDetail`; a second run updates the
open tasks instead of duplicating them, never touches tasks that are done or cancelled, and
cancels open generated tasks of the week that the generators no longer produce (a lawn that is
not due any more after rain-free days). Orders are never touched by it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from greentour.demand import forecast_input, store_io
from greentour.demand.calendars import SiteCalendar, allowed_windows, rules_from_records
from greentour.demand.capacity import (
    CrewCapacity,
    DueItem,
    WeekBalance,
    balance_week,
    parse_week,
)
from greentour.demand.clearance import TrafficSafety, noise_suggestion
from greentour.demand.durations import DurationEstimate
from greentour.demand.generators import GeneratorContext, GeneratorError
from greentour.demand.generators.cycle import generate_cycle_tasks
from greentour.demand.generators.deadline import generate_deadline_tasks
from greentour.demand.generators.forecast import ForecastSignal, generate_forecast_tasks
from greentour.demand.generators.order import OrderError, make_order_task
from greentour.demand.holidays_de import is_public_holiday, is_workday
from greentour.demand.model import DemandTask, SiteInfo
from greentour.demand.packages import Lawn, group_lawns, split_task
from greentour.demand.rules_config import (
    RulesConfigError,
    load_cycles,
    load_events,
    load_site_rules,
)
from greentour.demand.task_types import TaskTypeError, TaskTypeSpec
from greentour.errors import BadInput, ConfigError, NotFound
from greentour.settings import REPO_ROOT, get_settings
from greentour.store.models import Site, SiteLastService, SiteTimeRule, Task, Tenant
from greentour.store.models_demand import SiteDemand, TaskDetail
from greentour.store.tenancy import session_tenant_id

GENERATED = ("forecast", "cycle", "deadline")
MOW_TYPES = re.compile(r"^mow(_|$)")
ISO_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class DemandSettings:
    """Tunables of the demand step (defaults for a small town's Bauhof)."""

    walk_distance_m: float = 150.0
    """Small lawns closer than this on foot are served in one stop."""
    detour_factor: float = 1.3
    small_area_m2: float = 1500.0
    """Lawns below this area are candidates for grouping."""
    max_package_s: int = 6 * 3600
    """Longest work package: an 8 h 15 min working day minus travel, unloading and slack."""
    horizon_days: int = 7


# --------------------------------------------------------------------------- helpers
def _tenant(session: Session, tenant: Tenant | str | int | None = None) -> Tenant:
    tenant_id = session_tenant_id(session)
    if tenant_id is None:
        raise BadInput("Die Bedarfsrechnung braucht eine Mandanten-Sitzung")
    row = session.get(Tenant, tenant_id)
    if row is None:
        raise NotFound("Mandant nicht gefunden")
    if isinstance(tenant, Tenant) and tenant.id != row.id or (
        isinstance(tenant, str) and tenant != row.slug
    ) or (isinstance(tenant, int) and tenant != row.id):
        raise BadInput(f"Sitzung gehört zu Mandant {row.slug!r}, nicht zu {tenant!r}")
    return row


def tenant_data_file(kind: str, slug: str) -> Path | None:
    """``data/<kind>_<slug>.toml`` of the repository (cycles, events) if it exists."""
    path = REPO_ROOT / "data" / f"{kind}_{slug}.toml"
    return path if path.is_file() else None


def _week(week: str | dt.date) -> dt.date:
    if isinstance(week, dt.date):
        return week - dt.timedelta(days=week.weekday())
    try:
        return parse_week(week)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc


def _traffic(session: Session) -> dict[int, TrafficSafety]:
    return {
        d.site_id: TrafficSafety(d.traffic_safety, d.traffic_reason, d.clearance_height_m)
        for d in session.scalars(select(SiteDemand))
        if d.traffic_safety
    }


def build_context(session: Session, sites: Sequence[SiteInfo], land: str) -> GeneratorContext:
    """Task types, target times, learned visits and traffic-safety flags of the tenant."""
    try:
        specs = store_io.task_type_specs(session)
    except TaskTypeError as exc:
        raise ConfigError(get_settings().task_types_file, "task_type", str(exc)) from exc
    targets = store_io.target_times(session)
    visits = store_io.past_visits(session, specs, sites, targets)
    return GeneratorContext(types=specs, land=land, targets=targets, visits=visits,
                            traffic=_traffic(session))


def _last_services(session: Session, prefix: str) -> dict[int, dt.date]:
    out: dict[int, dt.date] = {}
    for row in session.scalars(select(SiteLastService)):
        if row.task_type.startswith(prefix):
            out[row.site_id] = max(out.get(row.site_id, row.last_date), row.last_date)
    return out


def forecast_signals_for(
    session: Session, tenant: Tenant, sites: Sequence[SiteInfo], as_of: dt.date,
    horizon_days: int, data_dir: Path | None = None,
) -> tuple[list[ForecastSignal], list[str]]:
    """Run the forecasts for the tenant's sites (see :mod:`greentour.demand.forecast_input`).

    Weather: the observations stored by ``greentour import-weather`` when there are any (the
    same frame the forecast service uses), else the DWD files named in the tenant configuration.
    """
    from greentour.forecast_service import load_weather

    notes: list[str] = []
    config = tenant.config_json or {}
    weather_cfg = config.get("weather") or {}
    data_dir = data_dir or get_settings().data_dir
    if data_dir is None:
        return [], ["Kein Datenordner konfiguriert: keine Prognose-Aufgaben"]
    growth = data_dir / "growth" / "teagasc_grass10_weekly.csv"
    valentia = data_dir / "weather" / "meteireann_valentia_2019_modvege_input.csv"
    if not growth.is_file() or not valentia.is_file():
        return [], ["Wachstumsdaten für das Graswachstumsmodell fehlen: keine Prognose-Aufgaben"]
    depot = (config.get("depots") or [{}])[0]
    lat = float(depot.get("lat", 50.0))
    lon = float(depot.get("lon", 10.0))
    common = {"care_file": REPO_ROOT / "data" / "care_classes.toml", "grass10_csv": growth,
              "valentia_csv": valentia, "as_of": as_of, "horizon_days": horizon_days,
              "lat": lat, "lon": lon}
    try:
        inputs = forecast_input.inputs_from_frame(weather=load_weather(session, tenant), **common)
        source = "gespeicherte Wetterdaten"
    except NotFound:
        files = [data_dir / f for f in weather_cfg.get("files", [])]
        if not files or not all(f.is_file() for f in files):
            return [], ["Keine Wetterdaten gespeichert oder konfiguriert: keine Prognose-Aufgaben"]
        inputs = forecast_input.inputs_from_files(weather_files=files, **common)
        source = "Wetterdateien der Mandantenkonfiguration"
    last_weather = inputs.weather.index.max().date()
    if last_weather < as_of:
        return [], [f"Wetterdaten enden am {last_weather:%d.%m.%Y}, vor dem Stichtag "
                    f"{as_of:%d.%m.%Y}: keine Prognose-Aufgaben"]
    signals = forecast_input.lawn_signals(sites, inputs, _last_services(session, "mow"))
    signals += forecast_input.hedge_signals(sites, inputs, _last_services(session, "hedge"))
    demands = {d.site_id: d for d in session.scalars(select(SiteDemand))}
    planted = {
        sid: d.young_trees_planted for sid, d in demands.items()
        if d.young_trees and d.young_trees_planted
    }
    signals += forecast_input.young_tree_signals(
        sites, inputs, planted, _last_services(session, "water"))
    notes.append(f"Prognose mit Wetter bis {last_weather:%d.%m.%Y} "
                 f"({weather_cfg.get('station_name', 'Station')}; {source})")
    return signals, notes


# --------------------------------------------------------------------------- packages
def _variable_s(task: DemandTask, spec: TaskTypeSpec) -> int:
    return max(0, task.duration_s - spec.setup_s)


def group_small_lawns(
    tasks: Sequence[DemandTask], sites: dict[int, SiteInfo], ctx: GeneratorContext,
    settings: DemandSettings,
) -> list[DemandTask]:
    """Merge small mowing tasks within walking distance whose due windows overlap."""
    keep: list[DemandTask] = []
    buckets: dict[tuple[str, str], list[DemandTask]] = defaultdict(list)
    for task in tasks:
        site = sites.get(task.site_id)
        if (MOW_TYPES.match(task.task_type) and task.generator in ("forecast", "cycle")
                and site is not None and (site.area_m2 or 0) < settings.small_area_m2):
            buckets[(task.generator, task.task_type)].append(task)
        else:
            keep.append(task)
    for (_generator, code), members in sorted(buckets.items()):
        spec = ctx.spec(code)
        by_site = {t.site_id: t for t in members}
        lawns = [Lawn(t.site_id, sites[t.site_id].geometry, _variable_s(t, spec), t.quantity)
                 for t in members]
        groups = group_lawns(lawns, setup_s=spec.setup_s,
                             walk_distance_m=settings.walk_distance_m,
                             detour_factor=settings.detour_factor,
                             max_package_s=settings.max_package_s)
        for group in groups:
            parts = [by_site[sid] for sid in group.site_ids]
            for chunk in _overlapping(parts):
                if len(chunk) == 1:
                    keep.append(chunk[0])
                    continue
                keep.append(_merge(chunk, spec, sites, group.walk_s, group.max_pair_distance_m))
    return keep


def _overlapping(tasks: list[DemandTask]) -> list[list[DemandTask]]:
    """Split tasks into runs whose due windows share at least one day (greedy by latest day)."""
    out: list[list[DemandTask]] = []
    for task in sorted(tasks, key=lambda t: (t.due_latest, t.site_id)):
        if out:
            lo = max(t.due_earliest for t in out[-1] + [task])
            hi = min(t.due_latest for t in out[-1] + [task])
            if lo <= hi:
                out[-1].append(task)
                continue
        out.append([task])
    return out


def _merge(chunk: list[DemandTask], spec: TaskTypeSpec, sites: dict[int, SiteInfo],
           walk_s: int, max_pair_m: float) -> DemandTask:
    anchor = max(chunk, key=lambda t: (t.quantity, -t.site_id))
    ids = tuple(sorted(t.site_id for t in chunk))
    variable = sum(_variable_s(t, spec) for t in chunk)
    duration = spec.setup_s + variable + walk_s
    earliest = max(t.due_earliest for t in chunk)
    latest = min(t.due_latest for t in chunk)
    names = ", ".join(sites[i].name or f"Fläche {i}" for i in ids)
    sources = {t.estimate.source for t in chunk}
    estimate = DurationEstimate(
        duration_s=duration, persons=spec.persons,
        source="learned" if sources == {"learned"} else "formula",
        base_s=duration, n_visits=min(t.estimate.n_visits for t in chunk),
    )
    key = f"{anchor.generator}:{spec.code}:group:{'-'.join(map(str, ids))}"
    if anchor.generator != "forecast":
        key += f":{earliest.isoformat()}"
    return anchor.with_(
        key=key, due_earliest=earliest, due_latest=latest,
        urgency=max(t.urgency for t in chunk), quantity=sum(t.quantity for t in chunk),
        estimate=estimate, load_m3=round(sum(t.load_m3 for t in chunk), 3),
        explanation=(f"Gruppe aus {len(chunk)} kleinen Flächen in Gehweite "
                     f"(max. {max_pair_m:.0f} m): {names}; {anchor.explanation}"),
        member_site_ids=ids,
    )


def _add_workdays(day: dt.date, n: int, land: str) -> dt.date:
    while n > 0:
        day += dt.timedelta(days=1)
        if is_workday(day, land):
            n -= 1
    return day


def split_long_tasks(
    tasks: Sequence[DemandTask], ctx: GeneratorContext, settings: DemandSettings,
) -> list[DemandTask]:
    """Split tasks longer than a package into linked parts on consecutive workdays."""
    out: list[DemandTask] = []
    for task in tasks:
        spec = ctx.spec(task.task_type)
        if task.duration_s <= settings.max_package_s:
            out.append(task)
            continue
        parts = split_task(quantity=task.quantity, variable_s=_variable_s(task, spec),
                           setup_s=spec.setup_s, max_package_s=settings.max_package_s)
        for part in parts:
            # consecutive workdays, but never past the whole task's latest day
            earliest = min(_add_workdays(task.due_earliest, part.day_offset, ctx.land),
                           task.due_latest)
            est = task.estimate
            out.append(task.with_(
                key=f"{task.key}#{part.index}/{part.count}",
                due_earliest=earliest, due_latest=task.due_latest,
                quantity=part.quantity,
                estimate=DurationEstimate(part.duration_s, est.persons, est.source,
                                          est.base_s, est.n_visits, est.factor),
                load_m3=round(task.load_m3 / part.count, 3),
                water_l=round(task.water_l / part.count, 1),
                explanation=f"Teilfläche {part.index}/{part.count}; {task.explanation}",
                package_index=part.index, package_count=part.count, link_group=task.key,
            ))
    return out


# --------------------------------------------------------------------------- generate
def generate_tasks(
    session: Session,
    week_start: dt.date,
    *,
    as_of: dt.date | None = None,
    signals: Sequence[ForecastSignal] | None = None,
    forecast: bool = True,
    cycles_file: Path | None = None,
    events_file: Path | None = None,
    settings: DemandSettings = DemandSettings(),
    data_dir: Path | None = None,
) -> tuple[list[DemandTask], list[str]]:
    """Run the four generators' automatic three and the packaging, without storing anything."""
    tenant = _tenant(session)
    land = tenant.land or "BY"
    start = week_start - dt.timedelta(days=week_start.weekday())
    end = start + dt.timedelta(days=6)
    as_of = as_of or start
    sites = store_io.load_sites(session)
    ctx = build_context(session, sites, land)
    notes: list[str] = []
    tasks: list[DemandTask] = []
    try:
        cycles_file = cycles_file or tenant_data_file("cycles", tenant.slug)
        if cycles_file:
            seasons = {c: s.season for c, s in ctx.types.items()}
            tasks += generate_cycle_tasks(sites, load_cycles(cycles_file, seasons), start, end,
                                          ctx)
        events_file = events_file or tenant_data_file("events", tenant.slug)
        if events_file:
            tasks += generate_deadline_tasks(sites, load_events(events_file), start, end, ctx,
                                             as_of=as_of)
    except (RulesConfigError, GeneratorError) as exc:
        raise BadInput(f"Zyklen/Termine: {exc}") from exc
    if signals is None and forecast:
        horizon = max(settings.horizon_days, (end - as_of).days)
        signals, fnotes = forecast_signals_for(session, tenant, sites, as_of, horizon, data_dir)
        notes += fnotes
    if signals:
        fixed = {(t.site_id, t.task_type, t.due_earliest, t.due_latest) for t in tasks}
        for ftask in generate_forecast_tasks(sites, signals, start, end, ctx):
            # a pitch mown for Saturday's match by the deadline needs no extra forecast cut
            if any(sid == ftask.site_id and code == ftask.task_type and lo <= ftask.due_latest
                   and hi >= ftask.due_earliest for sid, code, lo, hi in fixed):
                continue
            tasks.append(ftask)
    by_id = {s.id: s for s in sites}
    tasks = group_small_lawns(tasks, by_id, ctx, settings)
    tasks = split_long_tasks(tasks, ctx, settings)
    return tasks, notes


def store_tasks(session: Session, tasks: Sequence[DemandTask], start: dt.date, end: dt.date
                ) -> dict[str, int]:
    """Insert or update generated tasks by key; cancel stale open ones of the week.

    Cycle and deadline keys name their occurrence, so a done occurrence is never created again.
    Forecast keys name only type and site(s): the open forecast task is updated as the forecast
    moves; after it was done, a new one is created once the lawn is due again (a done task whose
    due window ended more than 3 days before the new window opens).
    """
    open_by_key: dict[str, tuple[TaskDetail, Task]] = {}
    closed_by_key: dict[str, list[Task]] = defaultdict(list)
    for detail, task in session.execute(
        select(TaskDetail, Task).join(Task, TaskDetail.task_id == Task.id)
        .where(Task.generator.in_(GENERATED))
    ).all():
        if task.status in ("open", "planned"):
            open_by_key[detail.key] = (detail, task)
        else:
            closed_by_key[detail.key].append(task)
    counts: Counter[str] = Counter()
    produced = set()
    for dtask in tasks:
        produced.add(dtask.key)
        found = open_by_key.get(dtask.key)
        if found is not None:
            detail, row = found
            counts["updated"] += 1
        else:
            closed = closed_by_key.get(dtask.key, [])
            if closed and (dtask.generator != "forecast" or any(
                    t.status == "done"
                    and t.due_latest >= dtask.due_earliest - dt.timedelta(days=3)
                    for t in closed)):
                counts["kept_done"] += 1
                continue
            row = Task(site_id=dtask.site_id, task_type=dtask.task_type,
                       generator=dtask.generator)
            detail = TaskDetail(key=dtask.key)
            session.add(row)
            counts["created"] += 1
        _fill(row, detail, dtask)
        if detail.task_id is None:
            session.flush()
            detail.task_id = row.id
            session.add(detail)
    for key, (_detail, row) in open_by_key.items():
        if (key not in produced and row.status == "open"
                and row.due_earliest <= end and row.due_latest >= start):
            row.status = "cancelled"
            row.notes = (row.notes + " " if row.notes else "") + "nicht mehr fällig (neu berechnet)"
            counts["cancelled"] += 1
    session.flush()
    return dict(counts)


def _fill(row: Task, detail: TaskDetail, dtask: DemandTask) -> None:
    row.site_id = dtask.site_id
    row.task_type = dtask.task_type
    row.generator = dtask.generator
    row.due_earliest = dtask.due_earliest
    row.due_latest = dtask.due_latest
    row.urgency = dtask.urgency
    row.duration_s = dtask.duration_s
    row.duration_source = dtask.estimate.label("de")
    row.persons = dtask.estimate.persons
    row.load_m3 = dtask.load_m3
    row.water_l = dtask.water_l
    row.priority = dtask.priority
    row.notes = dtask.explanation[:2000]
    row.package_index = dtask.package_index
    row.package_of = dtask.package_count
    detail.quantity = dtask.quantity
    detail.quantity_unit = dtask.quantity_unit
    detail.explanation = dtask.explanation
    detail.traffic_safety = dtask.traffic_safety
    detail.member_site_ids = list(dtask.member_site_ids)
    detail.link_group = dtask.link_group
    detail.package_count = dtask.package_count
    detail.source = dtask.estimate.source
    detail.base_s = dtask.estimate.base_s
    detail.n_visits = dtask.estimate.n_visits


def generate_demand(
    session: Session,
    week_start: dt.date | None = None,
    *,
    day: dt.date | None = None,
    progress: Callable[[int, str], Any] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Generate and store the tasks due in the week of ``week_start`` (or ``day``).

    Returns a summary: counts created/updated/cancelled, tasks by type and generator, notes.
    """
    monday = week_start or day
    if monday is None:
        raise BadInput("Woche oder Tag fehlt")
    monday = monday - dt.timedelta(days=monday.weekday())
    if progress:
        progress(5, "Aufgaben erzeugen")
    tasks, notes = generate_tasks(session, monday, **kwargs)
    if progress:
        progress(80, "Aufgaben speichern")
    counts = store_tasks(session, tasks, monday, monday + dt.timedelta(days=6))
    return {
        "week_start": monday.isoformat(),
        "tasks": len(tasks),
        "by_type": dict(Counter(t.task_type for t in tasks)),
        "by_generator": dict(Counter(t.generator for t in tasks)),
        **counts,
        "notes": notes,
    }


# --------------------------------------------------------------------------- orders
def create_order(
    session: Session,
    tenant: Tenant | str | int | None,
    site_id: int,
    task_type: str,
    *,
    due_latest: dt.date | None = None,
    priority: int = 1,
    persons: int | None = None,
    hours: float | None = None,
    description: str = "",
    today: dt.date | None = None,
) -> Task:
    """Store an ad-hoc order (storm damage, citizen report) as a task; returns the task row."""
    row_tenant = _tenant(session, tenant)
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound(f"Fläche {site_id} nicht gefunden")
    demand = session.scalar(select(SiteDemand).where(SiteDemand.site_id == site_id))
    info = store_io.site_info(site, demand)
    ctx = build_context(session, [info], row_tenant.land or "BY")
    try:
        dtask = make_order_task(info, task_type, ctx, today=today or dt.date.today(),
                                due_latest=due_latest, priority=priority, persons=persons,
                                hours=hours, description=description)
    except (OrderError, GeneratorError) as exc:
        raise BadInput(str(exc)) from exc
    row = Task(site_id=site.id, task_type=task_type, generator="order")
    detail = TaskDetail(key=dtask.key)
    _fill(row, detail, dtask)
    session.add(row)
    session.flush()
    detail.task_id = row.id
    session.add(detail)
    session.flush()
    return row


# --------------------------------------------------------------------------- balance
def capacity_balance(
    session: Session, tenant: Tenant | str | int | None, week: str | dt.date,
    *, create_crew_days: bool = True,
) -> WeekBalance:
    """Due person-hours of the stored open tasks against the crew-days of the week.

    Crew-days that do not exist yet are generated from the weekly templates minus absences
    (as the planner's morning line-up does) when ``create_crew_days``; crew-days on Sundays and
    public holidays of the Land add no capacity (the Bauhof does not work then).
    """
    from greentour.planning.lineup import crew_available_s, ensure_crew_days
    from greentour.store.models import CrewDay

    row_tenant = _tenant(session, tenant)
    land = row_tenant.land or "BY"
    monday = _week(week)
    sunday = monday + dt.timedelta(days=6)
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    crews: list[CrewCapacity] = []
    for d in days:
        if d.weekday() == 6 or is_public_holiday(d, land):
            continue
        rows = (ensure_crew_days(session, d) if create_crew_days else
                session.scalars(select(CrewDay).where(CrewDay.date == d)).all())
        for cd in rows:
            if cd.member_ids:
                crews.append(CrewCapacity(d, len(cd.member_ids), crew_available_s(cd)))
    tasks = session.scalars(
        select(Task).where(Task.status.in_(("open", "planned")), Task.due_earliest <= sunday)
    ).all()
    items = [
        DueItem(t.task_type, t.generator, float(t.urgency), t.due_earliest, t.due_latest,
                int(t.duration_s) * max(1, int(t.persons)))
        for t in tasks
    ]
    return balance_week(items, crews, monday, land=land)


# --------------------------------------------------------------------------- calendars
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
    from greentour.demand._osm_context import read_osm_context

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


def confirm_noise_sensitive(session: Session, site_id: int, sensitive: bool) -> Site:
    """The planner confirms or rejects the noise-sensitivity of a site."""
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound(f"Fläche {site_id} nicht gefunden")
    row = session.scalar(select(SiteDemand).where(SiteDemand.site_id == site_id))
    if row is None:
        row = SiteDemand(site_id=site_id)
        session.add(row)
    row.noise_confirmed = bool(sensitive)
    site.noise_sensitive = bool(sensitive)
    session.flush()
    return site


def set_young_trees(session: Session, site_id: int, count: int, planted: dt.date) -> SiteDemand:
    """Record young trees at a site (the forecast waters them in their first years)."""
    if count < 1:
        raise BadInput("Anzahl Jungbäume muss mindestens 1 sein")
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound(f"Fläche {site_id} nicht gefunden")
    row = session.scalar(select(SiteDemand).where(SiteDemand.site_id == site_id))
    if row is None:
        row = SiteDemand(site_id=site_id)
        session.add(row)
    row.young_trees = count
    row.young_trees_planted = planted
    session.flush()
    return row
