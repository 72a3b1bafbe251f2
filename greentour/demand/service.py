"""Demand services: generate the week's tasks, create orders, compute the capacity balance.

The site-side services (solver windows, OSM screening, site rules, planner decisions) live in
:mod:`greentour.demand.site_service`, packaging in :mod:`greentour.demand.packaging` and the
forecast signals in :mod:`greentour.demand.signals`; they are re-exported here.

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
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from greentour.demand import store_io
from greentour.demand.calendars import longest_work_minutes
from greentour.demand.capacity import (
    CrewCapacity,
    DueItem,
    WeekBalance,
    balance_week,
    parse_week,
    workdays,
)
from greentour.demand.clearance import TrafficSafety
from greentour.demand.cycle_store import has_cycles, stored_cycles
from greentour.demand.generators import GeneratorContext, GeneratorError
from greentour.demand.generators.cycle import generate_cycle_tasks
from greentour.demand.generators.deadline import generate_deadline_tasks
from greentour.demand.generators.forecast import ForecastSignal, generate_forecast_tasks
from greentour.demand.generators.order import OrderError, make_order_task
from greentour.demand.holidays_de import is_public_holiday
from greentour.demand.model import DemandTask, SiteInfo
from greentour.demand.packaging import DemandSettings, group_small_lawns, split_long_tasks
from greentour.demand.rules_config import (
    RulesConfigError,
    load_cycles,
    load_events,
)
from greentour.demand.signals import forecast_signals_for
from greentour.demand.site_service import (
    apply_site_rules,
    confirm_noise_sensitive,
    screen_sites,
    set_young_trees,
    site_calendar,
    solver_time_windows,
)
from greentour.demand.staleness import Verdict, next_occurrences, verdict
from greentour.duty import store_io as duty_store
from greentour.duty.hazards import LEAD_DAYS, clearance_signals
from greentour.duty.overview import due_inspections, overdue_by_task_type
from greentour.errors import BadInput, ConfigError, NotFound
from greentour.planning.shifts import parse_hhmm
from greentour.settings import REPO_ROOT, get_settings
from greentour.store.models import CrewDay, Site, Task, Tenant
from greentour.store.models_demand import SiteDemand, TaskDetail
from greentour.store.tenancy import session_tenant_id
from greentour.task_types import TaskTypeError
from greentour.tenant_config import ShiftSection, tenant_config
from greentour.workplace.lineup import crew_available_s, ensure_crew_days

GENERATED = ("forecast", "cycle", "deadline")

__all__ = [
    "DemandSettings",
    "apply_site_rules",
    "capacity_balance",
    "confirm_noise_sensitive",
    "create_order",
    "generate_demand",
    "generate_tasks",
    "screen_sites",
    "set_young_trees",
    "settle_past_tasks",
    "site_calendar",
    "solver_time_windows",
    "store_tasks",
]


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


def build_context(session: Session, sites: Sequence[SiteInfo], land: str,
                  as_of: dt.date | None = None) -> GeneratorContext:
    """Task types, target times, learned visits and traffic-safety flags of the tenant; with
    ``as_of`` also the overdue inspections (their tasks get urgency 1)."""
    try:
        specs = store_io.task_type_specs(session)
    except TaskTypeError as exc:
        raise ConfigError(get_settings().task_types_file, "task_type", str(exc)) from exc
    targets = store_io.target_times(session)
    visits = store_io.past_visits(session, specs, sites, targets)
    overdue = {}
    if as_of is not None:
        overdue = overdue_by_task_type(due_inspections(
            duty_store.site_refs(session), duty_store.last_inspections(session), as_of))
    return GeneratorContext(types=specs, land=land, targets=targets, visits=visits,
                            traffic=_traffic(session), overdue=overdue)


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
    settings: DemandSettings | None = None,
    data_dir: Path | None = None,
) -> tuple[list[DemandTask], list[str]]:
    """Run the four generators' automatic three and the packaging, without storing anything.

    ``settings``: the tenant's ``[demand]`` section unless given.
    """
    tenant = _tenant(session)
    config = tenant_config(tenant)
    settings = settings or config.demand
    land = tenant.land or "BY"
    start = week_start - dt.timedelta(days=week_start.weekday())
    end = start + dt.timedelta(days=6)
    as_of = as_of or start
    sites = store_io.load_sites(session)
    ctx = build_context(session, sites, land, as_of=as_of)
    notes: list[str] = []
    tasks: list[DemandTask] = []
    try:
        seasons = {c: s.season for c, s in ctx.types.items()}
        cycles_file = cycles_file or (None if has_cycles(session)
                                      else tenant_data_file("cycles", tenant.slug))
        cycles = (load_cycles(cycles_file, seasons) if cycles_file
                  else stored_cycles(session, seasons))
        if cycles:
            tasks += generate_cycle_tasks(sites, cycles, start, end, ctx)
        events_file = events_file or tenant_data_file("events", tenant.slug)
        if events_file:
            tasks += generate_deadline_tasks(sites, load_events(events_file), start, end, ctx,
                                             as_of=as_of)
    except (RulesConfigError, GeneratorError) as exc:
        raise BadInput(f"Zyklen/Termine: {exc}") from exc
    if signals is None and forecast:
        horizon = max(settings.forecast_horizon_days, (end - as_of).days)
        signals, fnotes = forecast_signals_for(session, tenant, as_of, horizon,
                                               settings.forecast_stale_days, data_dir)
        notes += fnotes
        # clearance hazards predicted by regrowth (issue 16): a clearance task before the day
        # (violations up to the week's end + the lead time: the same whatever day as_of is)
        csignals, cnotes = clearance_signals(session, as_of,
                                             max((end - as_of).days, 0) + LEAD_DAYS, data_dir)
        signals = [*signals, *csignals]
        notes += cnotes
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
    tasks = split_long_tasks(tasks, ctx, settings,
                             longest_visit_s=_longest_visit(session, config.shifts, land))
    return tasks, notes


def _longest_visit(
    session: Session, shifts: ShiftSection, land: str,
) -> Callable[[DemandTask], int | None]:
    """For a task: the longest stretch (s) a crew may work at its site in one go on some workday
    of its due window, from the site's time rules within the tenant's shifts (None: the site
    has no time rules, no limit)."""
    rows = session.scalars(select(Site).where(Site.time_rules.any())).all()
    calendars = {site.id: site_calendar(site, land) for site in rows}
    breaks = [(_minutes(parse_hhmm(a)), _minutes(parse_hhmm(b)))
              for a, b in shifts.break_windows()]

    def longest(task: DemandTask) -> int | None:
        calendar = calendars.get(task.site_id)
        if calendar is None:
            return None
        best = 0
        for day in workdays(task.due_earliest, task.due_latest, land) or [task.due_latest]:
            shift = shifts.shift_on(day)
            shift_min = None if shift is None else (_minutes(shift[0]), _minutes(shift[1]))
            best = max(best, longest_work_minutes(day, calendar, task.task_type, shift_min,
                                                  breaks))
        return best * 60

    return longest


def _minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def store_tasks(session: Session, tasks: Sequence[DemandTask], start: dt.date, end: dt.date,
                redo_after_days: int = 3) -> dict[str, int]:
    """Insert or update generated tasks by key; cancel stale open ones of the week.

    Cycle and deadline keys name their occurrence, so a done occurrence is never created again.
    Forecast keys name only type and site(s): the open forecast task is updated as the forecast
    moves; after it was done, a new one is created once the lawn is due again (a done task whose
    due window ended more than ``redo_after_days`` before the new window opens; ``[demand]``).
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
                    and t.due_latest >= dtask.due_earliest - dt.timedelta(days=redo_after_days)
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
            row.notes_en = ((row.notes_en + " " if row.notes_en else "")
                            + "no longer due (recalculated)")
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
    row.notes_en = (dtask.explanation_en or dtask.explanation)[:2000]
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
    settings = kwargs.pop("settings", None) or tenant_config(_tenant(session)).demand
    if progress:
        progress(5, "Aufgaben erzeugen")
    settled = settle_past_tasks(session, kwargs.get("as_of") or day or monday)
    tasks, notes = generate_tasks(session, monday, settings=settings, **kwargs)
    if progress:
        progress(80, "Aufgaben speichern")
    counts = store_tasks(session, tasks, monday, monday + dt.timedelta(days=6),
                         settings.redo_after_days)
    return {
        "week_start": monday.isoformat(),
        "tasks": len(tasks),
        "by_type": dict(Counter(t.task_type for t in tasks)),
        "by_generator": dict(Counter(t.generator for t in tasks)),
        **counts,
        **{f"stale_{k}": v for k, v in settled.items()},
        "notes": notes,
    }


# --------------------------------------------------------------------------- stale tasks
def stale_verdicts(session: Session, today: dt.date,
                   tasks: Sequence[Task] | None = None) -> dict[int, Verdict]:
    """Task id -> verdict for the open and planned tasks that are stale on ``today`` (see
    :mod:`greentour.demand.staleness`); reads only (the map uses it to show the truth)."""
    if tasks is None:
        tasks = session.scalars(select(Task).where(Task.status.in_(("open", "planned")))).all()
    specs = store_io.task_type_specs(session)
    following = next_occurrences(tasks, ("cycle",))
    out: dict[int, Verdict] = {}
    for task in tasks:
        spec = specs.get(task.task_type)
        found = verdict(task, today, spec.in_season if spec else None, following.get(task.id))
        if found is not None:
            out[task.id] = found
    return out


def settle_past_tasks(session: Session, today: dt.date) -> dict[str, int]:
    """Close stale open tasks with their reason, carry overdue orders forward (history kept in
    the notes); returns counts ``closed`` and ``carried``. Tasks in a plan's tours keep their
    rows (a closed task simply stops being planned)."""
    tasks = session.scalars(select(Task).where(Task.status.in_(("open", "planned")))).all()
    counts: Counter[str] = Counter()
    by_id = {t.id: t for t in tasks}
    for task_id, found in stale_verdicts(session, today, tasks).items():
        task = by_id[task_id]
        task.notes = ((task.notes + " | ") if task.notes else "") + found.de
        task.notes_en = ((task.notes_en + " | ") if task.notes_en else "") + found.en
        if found.action == "close":
            task.status = "cancelled"
            counts["closed"] += 1
        else:
            task.due_earliest = today
            task.due_latest = max(today, found.carry_to or today)
            task.status = "open"
            counts["carried"] += 1
    session.flush()
    return dict(counts)


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
    names = {s.id: s.name or f"Fläche {s.id}" for s in session.scalars(select(Site))}
    # stale work of past days (closed when planning) is no due work of this week
    stale = {i for i, v in stale_verdicts(session, monday, tasks).items() if v.action == "close"}
    items = [
        DueItem(t.task_type, t.generator, float(t.urgency), t.due_earliest, t.due_latest,
                int(t.duration_s) * max(1, int(t.persons)), names.get(t.site_id, ""))
        for t in tasks if t.id not in stale
    ]
    return balance_week(items, crews, monday, land=land)
