"""Domain records of greentour (SQLAlchemy 2 typed declarative).

Names follow ../DESIGN "Domain". Every table except ``tenant``, ``app_user`` and ``membership``
is tenant-owned (:class:`~greentour.store.base.TenantScoped`) and therefore only reachable through a
tenant session. Units are in the column names; local wall-clock times are ``datetime.time`` in the
tenant's time zone, instants are aware UTC datetimes, days are ``datetime.date``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greentour.store.base import Base, TenantScoped, choice, utcnow

Role = Literal["planner", "admin", "viewer"]
"""viewer: read-only (sees the planner pages, changes nothing)."""
SiteSource = Literal["cadastre", "osm", "manual"]
OsmType = Literal["node", "way", "relation"]
SiteStatus = Literal["candidate", "accepted", "rejected"]
MaintainedBy = Literal["own", "contractor", "other_authority"]
RuleKind = Literal["blocked", "allowed"]
Generator = Literal["forecast", "cycle", "deadline", "order"]
TaskStatus = Literal["open", "planned", "done", "cancelled"]
LoadKind = Literal["none", "green_waste", "water"]
ReloadKind = Literal["green_waste", "water"]
PlanStatus = Literal["draft", "solving", "done", "failed", "published"]
StopKind = Literal["task", "reload", "break", "depot"]
ObservationKind = Literal["weather", "sensor"]
CompletionStatus = Literal["done", "partly", "not_possible"]
GrassLength = Literal["short", "medium", "long"]
JobStatus = Literal["queued", "running", "done", "failed"]


# --------------------------------------------------------------------------- tenants and users
class Tenant(Base):
    """A municipality (town) served by the instance; owns all other records."""

    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    land: Mapped[str] = mapped_column(String(2), default="BY")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    population: Mapped[int | None] = mapped_column(Integer)
    config_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """The validated tenant TOML (as loaded) for settings read at planning time."""
    config_file: Mapped[str | None] = mapped_column(String(500))
    demo_today: Mapped[dt.date | None] = mapped_column(Date)
    """Demo clock: when set, this date is "today" for the planner, the tablets and the API
    (``greentour demo`` sets it to the demo's planning day); None: the real date."""
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class User(Base):
    """A person who logs into the web app; access to tenants through :class:`Membership`."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(8), default="de")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")


class Membership(Base):
    """A user's role in one tenant.

    Not tenant-scoped on purpose: it *is* the access list, read at login before a tenant is chosen.
    """

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = choice("role", Role, default="planner")

    user: Mapped[User] = relationship(back_populates="memberships")
    tenant: Mapped[Tenant] = relationship()


# --------------------------------------------------------------------------- sites
class Site(TenantScoped, Base):
    """A green space (Grünfläche): polygon, line (hedge) or point (tree, bin)."""

    __tablename__ = "site"
    __table_args__ = (UniqueConstraint("tenant_id", "osm_type", "osm_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), default="")
    category: Mapped[str] = mapped_column(String(40), index=True)
    """park, cemetery, playground, sports_pitch, verge, hedge, meadow, tree_group, ..."""
    geometry_geojson: Mapped[str] = mapped_column(Text)
    """GeoJSON geometry in WGS84 lon/lat."""
    geometry_type: Mapped[str] = mapped_column(String(20))
    area_m2: Mapped[float | None] = mapped_column(Float)
    length_m: Mapped[float | None] = mapped_column(Float)
    tree_count: Mapped[int | None] = mapped_column(Integer)
    lon: Mapped[float] = mapped_column(Float)
    """Representative point inside the geometry, WGS84."""
    lat: Mapped[float] = mapped_column(Float)
    care_class: Mapped[str | None] = mapped_column(String(40))
    regime: Mapped[str | None] = mapped_column(String(40))
    cost_centre: Mapped[str | None] = mapped_column(String(40))
    district: Mapped[str | None] = mapped_column(String(80))
    noise_sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[SiteSource] = choice("site_source", SiteSource, default="manual")
    osm_type: Mapped[OsmType | None] = choice("osm_type", OsmType, nullable=True)
    osm_id: Mapped[int | None] = mapped_column(BigInteger)
    osm_version: Mapped[int | None] = mapped_column(Integer)
    cadastre_id: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[SiteStatus] = choice("site_status", SiteStatus, default="candidate")
    in_maintenance: Mapped[bool] = mapped_column(Boolean, default=False)
    maintained_by: Mapped[MaintainedBy] = choice("maintained_by", MaintainedBy, default="own")
    tags_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    street: Mapped[str | None] = mapped_column(String(200))
    """The street the crew stops on (OSM name of the access edge or the nearest named road),
    set at import: "" = looked up, none near; None = never looked up (named from the graph)."""
    import_status: Mapped[str | None] = mapped_column(String(20))
    """The status the last import gave; a different ``status`` was the planner's and is kept."""
    source_file: Mapped[str | None] = mapped_column(String(300))
    """The file of the last import that wrote this site."""
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("site.id", ondelete="SET NULL"), index=True
    )
    """The cadastre site that covers this OSM site (kept as provenance, out of maintenance)."""
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    time_rules: Mapped[list[SiteTimeRule]] = relationship(
        back_populates="site", cascade="all, delete-orphan"
    )
    target_times: Mapped[list[SiteTargetTime]] = relationship(
        back_populates="site", cascade="all, delete-orphan"
    )
    access_points: Mapped[list[AccessPoint]] = relationship(
        back_populates="site", cascade="all, delete-orphan"
    )
    last_services: Mapped[list[SiteLastService]] = relationship(
        back_populates="site", cascade="all, delete-orphan"
    )
    tasks: Mapped[list[Task]] = relationship(back_populates="site")


class SiteRevision(TenantScoped, Base):
    """Append-only record of an import changing a stored site: what it was, what it became,
    which file did it (geometry, name, category, status, links between sources)."""

    __tablename__ = "site_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(20))
    """Source of the change: osm, cadastre."""
    file: Mapped[str] = mapped_column(String(300), default="")
    change: Mapped[str] = mapped_column(String(40))
    """What changed: geometry, name, category, status, source, linked."""
    before_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    after_json: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SiteTimeRule(TenantScoped, Base):
    """When work at a site is blocked (funerals, school hours) or only allowed (training-free)."""

    __tablename__ = "site_time_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RuleKind] = choice("rule_kind", RuleKind, default="blocked")
    weekdays: Mapped[list[int]] = mapped_column(default=list)
    """ISO weekdays 1=Monday .. 7=Sunday the rule applies to."""
    start_local: Mapped[dt.time] = mapped_column(Time)
    end_local: Mapped[dt.time] = mapped_column(Time)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")

    site: Mapped[Site] = relationship(back_populates="time_rules")


class SiteTargetTime(TenantScoped, Base):
    """A planner-known target time (Sollzeit) of one task type at one site."""

    __tablename__ = "site_target_time"
    __table_args__ = (UniqueConstraint("site_id", "task_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    task_type: Mapped[str] = mapped_column(String(40))
    persons: Mapped[int] = mapped_column(Integer, default=2)
    hours: Mapped[float] = mapped_column(Float)
    """Working time on site with ``persons`` people, hours."""

    site: Mapped[Site] = relationship(back_populates="target_times")


class SiteLastService(TenantScoped, Base):
    """The last day a task type was done at a site (seed for cycle and forecast generators)."""

    __tablename__ = "site_last_service"
    __table_args__ = (UniqueConstraint("site_id", "task_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    task_type: Mapped[str] = mapped_column(String(40))
    last_date: Mapped[dt.date] = mapped_column(Date)

    site: Mapped[Site] = relationship(back_populates="last_services")


class AccessPoint(TenantScoped, Base):
    """Where a vehicle stops to serve a site: a point on a road-graph edge."""

    __tablename__ = "access_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    profile: Mapped[str | None] = mapped_column(String(40))
    """Vehicle profile of the graph the edge belongs to (None: all profiles)."""
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    edge_u: Mapped[int | None] = mapped_column(BigInteger)
    edge_v: Mapped[int | None] = mapped_column(BigInteger)
    edge_key: Mapped[int | None] = mapped_column(Integer)
    offset_m: Mapped[float | None] = mapped_column(Float)
    """Distance along the edge from ``edge_u``, metres."""
    distance_m: Mapped[float | None] = mapped_column(Float)
    """Straight distance from the site to the access point, metres."""
    no_access: Mapped[bool] = mapped_column(Boolean, default=False)

    site: Mapped[Site] = relationship(back_populates="access_points")


# --------------------------------------------------------------------------- task types and tasks
class TaskType(TenantScoped, Base):
    """A kind of work, loaded per tenant from data/task_types.toml (see docs/store.md)."""

    __tablename__ = "task_type"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name_de: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    equipment: Mapped[list[str]] = mapped_column(default=list)
    """Machine kinds needed (all of them), e.g. ["ride_on_mower"]."""
    qualifications: Mapped[list[str]] = mapped_column(default=list)
    productivity: Mapped[float | None] = mapped_column(Float)
    productivity_unit: Mapped[str] = mapped_column(String(20), default="m2_per_h")
    setup_s: Mapped[int] = mapped_column(Integer, default=0)
    persons: Mapped[int] = mapped_column(Integer, default=2)
    load_kind: Mapped[LoadKind] = choice("load_kind", LoadKind, default="none")
    load_per_unit: Mapped[float] = mapped_column(Float, default=0.0)
    """m³ green waste (or litres water) per productivity unit of work (per m², m, tree)."""
    season_start: Mapped[str | None] = mapped_column(String(5))
    """MM-DD first day of the season (None: all year)."""
    season_end: Mapped[str | None] = mapped_column(String(5))
    noise_class: Mapped[str | None] = mapped_column(String(20))
    params_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Generator-specific parameters (interval_days, regimes, ...)."""
    edited_at: Mapped[dt.datetime | None] = mapped_column()
    """When the town changed this type in the UI; such rows are no longer overwritten from the
    catalogue file (``greentour init`` / tenant set-up)."""


class Task(TenantScoped, Base):
    """One piece of work at a site with a due window; may be one package of a split site."""

    __tablename__ = "task"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    task_type: Mapped[str] = mapped_column(String(40), index=True)
    generator: Mapped[Generator] = choice("generator", Generator)
    due_earliest: Mapped[dt.date] = mapped_column(Date)
    due_latest: Mapped[dt.date] = mapped_column(Date)
    urgency: Mapped[float] = mapped_column(Float, default=0.5)
    """0 (can wait) .. 1 (must be done now)."""
    duration_s: Mapped[int] = mapped_column(Integer)
    duration_source: Mapped[str] = mapped_column(String(200), default="formula")
    persons: Mapped[int] = mapped_column(Integer, default=2)
    load_m3: Mapped[float] = mapped_column(Float, default=0.0)
    water_l: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[TaskStatus] = choice("task_status", TaskStatus, default="open")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    """Why the task is due (the generator's explanation), German."""
    notes_en: Mapped[str] = mapped_column(Text, default="")
    """The same in English (empty for tasks stored before it existed: the German is shown)."""
    package_index: Mapped[int | None] = mapped_column(Integer)
    package_of: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship(back_populates="tasks")


# --------------------------------------------------------------------------- people and machines
class Staff(TenantScoped, Base):
    """An employee of the Bauhof with qualifications (licence classes, chainsaw, ...)."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    qualifications: Mapped[list[str]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    config_key: Mapped[str | None] = mapped_column(String(80))
    """Key of the entry in the tenant TOML this row came from."""

    absences: Mapped[list[Absence]] = relationship(
        back_populates="staff", cascade="all, delete-orphan"
    )


class Absence(TenantScoped, Base):
    """A staff member is away from ``date_from`` to ``date_to`` inclusive."""

    __tablename__ = "absence"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    date_from: Mapped[dt.date] = mapped_column(Date)
    date_to: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(80), default="")

    staff: Mapped[Staff] = relationship(back_populates="absences")


class Vehicle(TenantScoped, Base):
    """A vehicle a crew drives; ``profile`` selects the road graph and speeds."""

    __tablename__ = "vehicle"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    profile: Mapped[str] = mapped_column(String(40))
    capacity_m3: Mapped[float] = mapped_column(Float, default=0.0)
    capacity_water_l: Mapped[float] = mapped_column(Float, default=0.0)
    licence: Mapped[str] = mapped_column(String(8), default="B")
    seats: Mapped[int] = mapped_column(Integer, default=3)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    config_key: Mapped[str | None] = mapped_column(String(80))


class Machine(TenantScoped, Base):
    """A machine of the Bauhof pool (mower, hedge trimmer, aerial lift, ...)."""

    __tablename__ = "machine"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    heavy: Mapped[bool] = mapped_column(Boolean, default=False)
    """Heavy machines are kept off soaked ground."""
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    repair_until: Mapped[dt.date | None] = mapped_column(Date)
    qualification: Mapped[str | None] = mapped_column(String(40))
    """Qualification needed to operate it, if any."""
    capacity_water_l: Mapped[float] = mapped_column(Float, default=0.0)
    """Tank of a water trailer, litres (0 for other machines)."""
    config_key: Mapped[str | None] = mapped_column(String(80))


class Depot(TenantScoped, Base):
    """Where crews start and end (Bauhof)."""

    __tablename__ = "depot"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    opening_hours_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """{"mon": [["06:00", "16:00"]], ...} local times."""
    config_key: Mapped[str | None] = mapped_column(String(80))


class ReloadPoint(TenantScoped, Base):
    """Where green waste is unloaded or water refilled; with opening hours."""

    __tablename__ = "reload_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[ReloadKind] = choice("reload_kind", ReloadKind)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    opening_hours_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    service_s: Mapped[int] = mapped_column(Integer, default=900)
    """Time to unload or refill, seconds."""
    config_key: Mapped[str | None] = mapped_column(String(80))


class CrewTemplate(TenantScoped, Base):
    """A weekly pattern: who works together with which vehicle and machines on which weekdays."""

    __tablename__ = "crew_template"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    weekdays: Mapped[list[int]] = mapped_column(default=list)
    """ISO weekdays 1=Monday .. 7=Sunday."""
    member_ids: Mapped[list[int]] = mapped_column(default=list)
    """Staff ids."""
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"))
    machine_ids: Mapped[list[int]] = mapped_column(default=list)
    shift_start: Mapped[dt.time | None] = mapped_column(Time)
    """Local start; None: the tenant's shift for that weekday."""
    shift_end: Mapped[dt.time | None] = mapped_column(Time)
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depot.id"))
    district: Mapped[str | None] = mapped_column(String(80))


class CrewDay(TenantScoped, Base):
    """Who works together on a date with which vehicle and machines (Tagesbesetzung)."""

    __tablename__ = "crew_day"
    __table_args__ = (UniqueConstraint("tenant_id", "date", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    name: Mapped[str] = mapped_column(String(120))
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("crew_template.id", ondelete="SET NULL")
    )
    member_ids: Mapped[list[int]] = mapped_column(default=list)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"))
    machine_ids: Mapped[list[int]] = mapped_column(default=list)
    shift_start: Mapped[dt.time] = mapped_column(Time)
    shift_end: Mapped[dt.time] = mapped_column(Time)
    breaks_json: Mapped[list[Any]] = mapped_column(default=list)
    """Fixed break windows [["09:00", "09:15"], ...] local time."""
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depot.id"))
    district: Mapped[str | None] = mapped_column(String(80))
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime | None] = mapped_column(default=utcnow, onupdate=utcnow)
    """Last change of the line-up (people, vehicle, machines, shift); a plan older than this is
    flagged on the map and the board. Locking keeps it (see :func:`planning.board.set_locked`)."""


# --------------------------------------------------------------------------- plans
class Plan(TenantScoped, Base):
    """A solver run for a day range; re-plans are new versions with ``parent_id``."""

    __tablename__ = "plan"
    __table_args__ = (
        # versions rise over overlapping plans (greentour.planning.current.next_version): two
        # plans starting on the same day never share one (two workers once stored two "v2")
        UniqueConstraint("tenant_id", "date_from", "version", name="uq_plan_tenant_day_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    date_from: Mapped[dt.date] = mapped_column(Date)
    date_to: Mapped[dt.date] = mapped_column(Date)
    input_hash: Mapped[str] = mapped_column(String(64), default="")
    solver_params_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    solver_version: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[PlanStatus] = choice("plan_status", PlanStatus, default="draft")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    kpis_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    published_at: Mapped[dt.datetime | None] = mapped_column()
    """When the planner published this version to the tablets (None: a draft)."""
    publish_summary_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """What changed per crew-day against the version published before (shown to the crews)."""

    tours: Mapped[list[Tour]] = relationship(back_populates="plan", cascade="all, delete-orphan")
    unassigned: Mapped[list[Unassigned]] = relationship(
        back_populates="plan", cascade="all, delete-orphan"
    )


class Tour(TenantScoped, Base):
    """The route of one crew-day in a plan."""

    __tablename__ = "tour"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    crew_day_id: Mapped[int] = mapped_column(ForeignKey("crew_day.id"), index=True)
    kpis_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    geometry_geojson: Mapped[str | None] = mapped_column(Text)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)

    plan: Mapped[Plan] = relationship(back_populates="tours")
    crew_day: Mapped[CrewDay] = relationship()
    stops: Mapped[list[Stop]] = relationship(
        back_populates="tour", cascade="all, delete-orphan", order_by="Stop.seq"
    )


class Stop(TenantScoped, Base):
    """One ordered stop of a tour: a task, a reload, a break or the depot."""

    __tablename__ = "stop"

    id: Mapped[int] = mapped_column(primary_key=True)
    tour_id: Mapped[int] = mapped_column(ForeignKey("tour.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[StopKind] = choice("stop_kind", StopKind, default="task")
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"), index=True)
    reload_point_id: Mapped[int | None] = mapped_column(ForeignKey("reload_point.id"))
    arrival_at: Mapped[dt.datetime | None] = mapped_column()
    start_at: Mapped[dt.datetime | None] = mapped_column()
    end_at: Mapped[dt.datetime | None] = mapped_column()
    load_m3: Mapped[float] = mapped_column(Float, default=0.0)
    """Green waste on board after the stop, m³."""
    water_l: Mapped[float] = mapped_column(Float, default=0.0)
    leg_distance_m: Mapped[float | None] = mapped_column(Float)
    leg_duration_s: Mapped[int | None] = mapped_column(Integer)
    leg_geometry_geojson: Mapped[str | None] = mapped_column(Text)
    """LineString of the road leg from the previous stop."""

    tour: Mapped[Tour] = relationship(back_populates="stops")
    task: Mapped[Task | None] = relationship()


class Unassigned(TenantScoped, Base):
    """A task a plan could not place, with the reasons."""

    __tablename__ = "unassigned"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    reasons_json: Mapped[list[Any]] = mapped_column(default=list)

    plan: Mapped[Plan] = relationship(back_populates="unassigned")
    task: Mapped[Task] = relationship()


# --------------------------------------------------------------------------- observations, reports
class Observation(TenantScoped, Base):
    """A weather day of a station or a sensor reading at a site."""

    __tablename__ = "observation"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ObservationKind] = choice("observation_kind", ObservationKind)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    station_id: Mapped[str | None] = mapped_column(String(40), index=True)
    observed_at: Mapped[dt.datetime] = mapped_column(index=True)
    values_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source: Mapped[str] = mapped_column(String(120), default="")
    rejected: Mapped[bool] = mapped_column(Boolean, default=False)
    reject_reason: Mapped[str | None] = mapped_column(String(200))


class Completion(TenantScoped, Base):
    """A crew's report on a stop; idempotent by ``client_uuid``; append-only evidence."""

    __tablename__ = "completion"
    __table_args__ = (UniqueConstraint("tenant_id", "client_uuid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    crew_day_id: Mapped[int] = mapped_column(ForeignKey("crew_day.id"), index=True)
    stop_id: Mapped[int | None] = mapped_column(ForeignKey("stop.id", ondelete="SET NULL"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"), index=True)
    plan_version: Mapped[int | None] = mapped_column(Integer)
    client_uuid: Mapped[str] = mapped_column(String(64))
    status: Mapped[CompletionStatus] = choice("completion_status", CompletionStatus)
    reason: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[dt.datetime | None] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()
    grass_length: Mapped[GrassLength | None] = choice("grass_length", GrassLength, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    photo_path: Mapped[str | None] = mapped_column(String(300))
    device_time: Mapped[dt.datetime | None] = mapped_column()
    server_time: Mapped[dt.datetime] = mapped_column(default=utcnow)
    flagged_outdated: Mapped[bool] = mapped_column(Boolean, default=False)


class DeviceToken(TenantScoped, Base):
    """A crew tablet's bearer token (only its hash is stored), scoped to a template or a day."""

    __tablename__ = "device_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    crew_template_id: Mapped[int | None] = mapped_column(
        ForeignKey("crew_template.id", ondelete="CASCADE")
    )
    crew_day_id: Mapped[int | None] = mapped_column(ForeignKey("crew_day.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column()
    last_used_at: Mapped[dt.datetime | None] = mapped_column()
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


# --------------------------------------------------------------------------- jobs
class Job(TenantScoped, Base):
    """Durable long work (import, forecast, plan) run by ``greentour worker``."""

    __tablename__ = "job"
    __table_args__ = (
        # one running job per town (fairness; greentour.jobs.claim_next)
        Index("uq_job_running_per_tenant", "tenant_id", unique=True,
              sqlite_where=text("status = 'running'"),
              postgresql_where=text("status = 'running'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    params_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[JobStatus] = choice("job_status", JobStatus, default="queued", index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    """0..100 percent."""
    message: Mapped[str] = mapped_column(Text, default="")
    result_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column()
    worker_id: Mapped[str | None] = mapped_column(String(80))
    attempts: Mapped[int] = mapped_column(Integer, default=0)


def tenant_scoped_models() -> list[type[Base]]:
    """All tenant-owned model classes, parents before children (table dependency order).

    Computed on each call so that models added by other modules are included once imported.
    """
    order = {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}
    models = [m.class_ for m in Base.registry.mappers if issubclass(m.class_, TenantScoped)]
    return sorted(models, key=lambda cls: order[cls.__table__.name])
