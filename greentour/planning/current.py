"""Which plan and which tour are current for a day or a crew-day.

A day's current plan (what the planner sees and edits) is the finished plan with the highest
version covering it, then the highest id. The crews' tablets see the day's *published* plan: the
published plan with the highest version covering it (:func:`published_plan`); newer versions are
drafts until the planner publishes them (:mod:`greentour.planning.publication`).

Plans are never edited in place: a plan, re-plan or manual edit stores a new version
(:func:`next_version`: above every plan overlapping its days) with ``parent_id``, so undo is
dropping the newest version.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from greentour.store.models import CrewDay, Plan, Tour
from greentour.store.tenancy import session_tenant_id

FINISHED = ("done", "published")

#: PostgreSQL advisory lock key for numbering plan versions (second key: the town).
_PLAN_VERSION_LOCK = 0x706C616E


def current_plan(session: Session, day: dt.date) -> Plan | None:
    """The newest finished plan covering ``day`` (None: not planned yet)."""
    return session.scalar(
        select(Plan)
        .where(Plan.status.in_(FINISHED), Plan.date_from <= day, Plan.date_to >= day)
        .order_by(Plan.version.desc(), Plan.id.desc())
        .limit(1)
    )


def published_plan(session: Session, day: dt.date) -> Plan | None:
    """The newest published plan covering ``day`` (None: nothing published for it)."""
    return session.scalar(
        select(Plan)
        .where(Plan.status == "published", Plan.date_from <= day, Plan.date_to >= day)
        .order_by(Plan.version.desc(), Plan.id.desc())
        .limit(1)
    )


def published_plans_by_day(session: Session) -> dict[dt.date, int]:
    """For every day with a published plan, the id of the plan the tablets show that day: the
    same rule as :func:`published_plan` (highest version, then highest id), in one query."""
    plans = session.execute(
        select(Plan.id, Plan.date_from, Plan.date_to)
        .where(Plan.status == "published")
        .order_by(Plan.version.desc(), Plan.id.desc())
    ).all()
    winner: dict[dt.date, int] = {}
    for plan_id, first, last in plans:
        day = first
        while day <= last:
            winner.setdefault(day, plan_id)
            day += dt.timedelta(days=1)
    return winner


def next_version(session: Session, date_from: dt.date, date_to: dt.date) -> int:
    """1 + the highest version of any plan overlapping ``date_from``..``date_to``.

    Call it in the write transaction that stores the plan. On PostgreSQL it first takes a
    transaction lock per town, so two workers storing plans at once number them one after the
    other (on SQLite the write transaction is already exclusive); the unique constraint
    ``uq_plan_tenant_day_version`` refuses any duplicate that slips through.
    """
    if session.get_bind().dialect.name == "postgresql":
        tenant_id = session_tenant_id(session)
        session.execute(text("SELECT pg_advisory_xact_lock(:k, :t)"),
                        {"k": _PLAN_VERSION_LOCK, "t": int(tenant_id or 0)})
    top = session.scalar(
        select(func.max(Plan.version)).where(Plan.date_from <= date_to, Plan.date_to >= date_from)
    )
    return (top or 0) + 1


def current_span(session: Session, plan: Plan, day: dt.date) -> tuple[dt.date, dt.date]:
    """The consecutive days around ``day`` on which ``plan`` is the current plan."""
    first = last = day
    while first > plan.date_from:
        prev = current_plan(session, first - dt.timedelta(days=1))
        if prev is None or prev.id != plan.id:
            break
        first -= dt.timedelta(days=1)
    while last < plan.date_to:
        nxt = current_plan(session, last + dt.timedelta(days=1))
        if nxt is None or nxt.id != plan.id:
            break
        last += dt.timedelta(days=1)
    return first, last


def current_tour(session: Session, crew_day: CrewDay) -> Tour | None:
    """The tour of ``crew_day`` in the current plan of its date (None: no tour)."""
    plan = current_plan(session, crew_day.date)
    if plan is None:
        return None
    return next((t for t in plan.tours if t.crew_day_id == crew_day.id), None)


def driven(tour: Tour) -> tuple[float, int]:
    """Distance (m) and drive time (s) of a stored tour, the drive back to the depot included.

    The sum of the stops' road legs; plans stored before the return leg was kept on the last
    depot stop fall back to the tour's own figures (``kpis_json``), which always counted it.
    """
    stops = sorted(tour.stops, key=lambda s: s.seq)
    distance_m = float(sum(s.leg_distance_m or 0.0 for s in stops))
    drive_s = int(sum(s.leg_duration_s or 0 for s in stops))
    kpis = tour.kpis_json or {}
    back = stops[-1] if stops else None
    if back is not None and back.kind == "depot" and back.leg_distance_m is None \
            and "distance_m" in kpis:
        return float(kpis["distance_m"]), int(kpis.get("drive_s", drive_s))
    return distance_m, drive_s
