"""Which plan and which tour are current for a day or a crew-day.

A day's current plan is the newest finished plan version covering it (plans are never edited in
place: a re-plan or a manual edit stores a new version with ``parent_id``, so undo is dropping the
newest version).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from greentour.store.models import CrewDay, Plan, Tour

FINISHED = ("done", "published")


def current_plan(session: Session, day: dt.date) -> Plan | None:
    """The newest finished plan covering ``day`` (None: not planned yet)."""
    return session.scalar(
        select(Plan)
        .where(Plan.status.in_(FINISHED), Plan.date_from <= day, Plan.date_to >= day)
        .order_by(Plan.created_at.desc(), Plan.id.desc())
        .limit(1)
    )


def current_tour(session: Session, crew_day: CrewDay) -> Tour | None:
    """The tour of ``crew_day`` in the current plan of its date (None: no tour)."""
    plan = current_plan(session, crew_day.date)
    if plan is None:
        return None
    return next((t for t in plan.tours if t.crew_day_id == crew_day.id), None)
