"""Create or update a tenant from its TOML file, all in one transaction.

Re-running is idempotent: entries are matched by their ``key`` (crews by name). A new tenant gets
its cycles copied into its own records (the national default, or data/cycles_<slug>.toml when the
repository has one); later runs keep the town's edited cycles. Staff, vehicles and
machines that disappeared from the file are switched off (kept for history), crew templates that
disappeared are deleted. A bad file is refused before anything is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from greentour.demand.cycle_store import seed_cycles
from greentour.planning.shifts import hhmm, shift_problem
from greentour.settings import get_settings
from greentour.store import system_session, tenant_session
from greentour.store.models import (
    CrewDay,
    CrewTemplate,
    Depot,
    Machine,
    ReloadPoint,
    Staff,
    Tenant,
    Vehicle,
)
from greentour.task_types import TaskTypeSpec, load_task_types, sync_task_types
from greentour.tenant_config import (
    ShiftSection,
    TenantConfig,
    TenantFile,
    load_tenant_config,
    store_tenant_config,
)


@dataclass
class TenantSummary:
    """What :func:`apply_tenant_file` stored."""

    tenant_id: int
    slug: str
    name: str
    created: bool
    counts: dict[str, int] = field(default_factory=dict)


def _time(text: str | None) -> dt.time | None:
    if text is None:
        return None
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def _hours(hours: dict[str, list[tuple[str, str]]]) -> dict[str, list[list[str]]]:
    return {day: [[a, b] for a, b in windows] for day, windows in hours.items()}


def apply_tenant_file(
    engine: Engine, path: Path, task_types_file: Path | None = None
) -> TenantSummary:
    """Validate ``path`` (and the task type catalogue) and store the tenant atomically."""
    cfg = load_tenant_config(path)
    types = load_task_types(task_types_file or get_settings().task_types_file)
    return apply_tenant_config(engine, cfg, path, types)


def set_demo_clock(engine: Engine, tenant_id: int, day: dt.date | None) -> None:
    """Make ``day`` "today" for the tenant's planner, tablets and API (None: the real date)."""
    with engine.begin() as conn, system_session(conn) as s:
        s.get(Tenant, tenant_id).demo_today = day
        s.flush()


def apply_tenant_config(
    engine: Engine, cfg: TenantFile, source: Path, types: list[TaskTypeSpec]
) -> TenantSummary:
    """Store a validated tenant configuration (one transaction)."""
    with engine.begin() as conn:
        with system_session(conn) as s:
            tenant = s.scalar(select(Tenant).where(Tenant.slug == cfg.tenant.slug))
            created = tenant is None
            if tenant is None:
                tenant = Tenant(slug=cfg.tenant.slug)
                s.add(tenant)
            tenant.name = cfg.tenant.name
            tenant.land = cfg.tenant.land
            tenant.timezone = cfg.tenant.timezone
            tenant.population = cfg.tenant.population
            tenant.is_public = cfg.tenant.is_public
            store_tenant_config(tenant, cfg)
            tenant.config_file = source.name
            s.flush()
            summary = TenantSummary(tenant.id, tenant.slug, tenant.name, created)
        with tenant_session(conn, summary.tenant_id) as s:
            summary.counts = _apply_records(s, cfg)
            summary.counts["task_types"] = sync_task_types(s, types)
            summary.counts["crew_days_repaired"] = repair_crew_days(s, cfg.shifts)
            summary.counts["cycles"] = seed_cycles(s, cfg.tenant.slug)
            s.flush()
    return summary


def repair_crew_days(s: Session, shifts: ShiftSection) -> int:
    """Give crew-days whose shift cannot be planned (zero-length, inverted, a break across its
    end – created from an earlier, wrong tenant file) the shift and breaks the file now sets.

    Valid crew-days, also those the planner edited, stay as they are. Returns how many were
    repaired."""
    s.flush()
    templates = {t.id: t for t in s.scalars(select(CrewTemplate))}
    breaks = shifts.break_windows()
    repaired = 0
    for crew_day in s.scalars(select(CrewDay)):
        start, end = crew_day.shift_start, crew_day.shift_end
        if start is not None and end is not None and shift_problem(
            hhmm(start), hhmm(end), crew_day.breaks_json or []
        ) is None:
            continue
        template = templates.get(crew_day.template_id)
        default = shifts.shift_on(crew_day.date)
        if template is not None and template.shift_start and template.shift_end:
            crew_day.shift_start, crew_day.shift_end = template.shift_start, template.shift_end
        elif default is not None:
            crew_day.shift_start, crew_day.shift_end = default
        else:
            continue
        crew_day.breaks_json = breaks
        repaired += 1
    return repaired


def _apply_records(s: Session, cfg: TenantConfig) -> dict[str, int]:
    depots = {d.config_key: d for d in s.scalars(select(Depot))}
    for entry in cfg.depots:
        row = depots.get(entry.key) or Depot(config_key=entry.key)
        row.name, row.lon, row.lat = entry.name, entry.lon, entry.lat
        row.opening_hours_json = _hours(entry.opening_hours)
        depots[entry.key] = row
        s.add(row)

    reloads = {r.config_key: r for r in s.scalars(select(ReloadPoint))}
    for entry in cfg.reload_points:
        row = reloads.get(entry.key) or ReloadPoint(config_key=entry.key)
        row.name, row.kind, row.lon, row.lat = entry.name, entry.kind, entry.lon, entry.lat
        row.opening_hours_json = _hours(entry.opening_hours)
        row.service_s = entry.service_s
        s.add(row)

    staff = {p.config_key: p for p in s.scalars(select(Staff))}
    for person in staff.values():
        person.active = False
    for entry in cfg.staff:
        row = staff.get(entry.key) or Staff(config_key=entry.key)
        row.name, row.qualifications, row.active = entry.name, list(entry.qualifications), True
        staff[entry.key] = row
        s.add(row)

    vehicles = {v.config_key: v for v in s.scalars(select(Vehicle))}
    for vehicle in vehicles.values():
        vehicle.active = False
    for entry in cfg.vehicles:
        row = vehicles.get(entry.key) or Vehicle(config_key=entry.key)
        row.name, row.kind, row.profile = entry.name, entry.kind, entry.profile
        row.capacity_m3, row.capacity_water_l = entry.capacity_m3, entry.capacity_water_l
        row.licence, row.seats, row.active = entry.licence, entry.seats, True
        vehicles[entry.key] = row
        s.add(row)

    machines = {m.config_key: m for m in s.scalars(select(Machine))}
    for machine in machines.values():
        machine.available = False
    for entry in cfg.machines:
        row = machines.get(entry.key) or Machine(config_key=entry.key)
        row.name, row.kind, row.heavy = entry.name, entry.kind, entry.heavy
        row.qualification, row.capacity_water_l = entry.qualification, entry.capacity_water_l
        row.available = True
        machines[entry.key] = row
        s.add(row)
    s.flush()

    templates = {t.name: t for t in s.scalars(select(CrewTemplate))}
    wanted = {crew.name for crew in cfg.crews}
    for name, template in templates.items():
        if name not in wanted:
            s.delete(template)
    default_depot = cfg.depots[0].key
    for crew in cfg.crews:
        row = templates.get(crew.name) or CrewTemplate(name=crew.name)
        row.weekdays = sorted(set(crew.weekdays))
        row.member_ids = [staff[k].id for k in crew.members]
        row.vehicle_id = vehicles[crew.vehicle].id if crew.vehicle else None
        row.machine_ids = [machines[k].id for k in crew.machines]
        row.depot_id = depots[crew.depot or default_depot].id
        row.district = crew.district
        row.shift_start, row.shift_end = _time(crew.shift_start), _time(crew.shift_end)
        s.add(row)
    return {
        "depots": len(cfg.depots),
        "reload_points": len(cfg.reload_points),
        "staff": len(cfg.staff),
        "vehicles": len(cfg.vehicles),
        "machines": len(cfg.machines),
        "crew_templates": len(cfg.crews),
    }
