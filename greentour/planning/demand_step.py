"""The demand side of planning, through the demand service (:mod:`greentour.demand.service`).

``generate`` runs the task generators for the week of a day before "Planen"; ``balance`` gives
the capacity balance (due against available person-hours) of that week. The balance is computed
with :func:`greentour.demand.capacity.balance_week` from the stored tasks and crew-days, so the
line-up page shows at once what an absence does to the week.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from greentour.demand.capacity import CrewCapacity, DueItem, balance_week
from greentour.errors import GreentourError
from greentour.planning.lineup import crew_available_s, ensure_crew_days
from greentour.store import session_tenant
from greentour.store.models import CrewDay, Task


def week_start(day: dt.date) -> dt.date:
    """Monday of the week of ``day``."""
    return day - dt.timedelta(days=day.weekday())


def _service() -> Any:
    try:
        return importlib.import_module("greentour.demand.service")
    except ModuleNotFoundError:
        return None


def generate(session: Session, day: dt.date) -> dict[str, Any]:
    """Run the task generators for the week of ``day``; returns their summary (counts)."""
    service = _service()
    func = getattr(service, "generate_demand", None) if service else None
    if func is None:
        return {"note": "demand service not available; planning the stored tasks"}
    kwargs: dict[str, Any] = {}
    params = inspect.signature(func).parameters
    if "week_start" in params:
        kwargs["week_start"] = week_start(day)
    elif "day" in params:
        kwargs["day"] = day
    try:
        with session.begin_nested():
            result = func(session, **kwargs)
    except (GreentourError, SQLAlchemyError, ValueError) as exc:
        # the stored tasks can still be planned; the planner sees why the demand is missing
        message = exc.message if isinstance(exc, GreentourError) else str(exc).splitlines()[0]
        return {"error": f"Bedarf konnte nicht ermittelt werden: {message}"}
    if isinstance(result, dict):
        return result
    return {"result": str(result)}


def balance(session: Session, day: dt.date) -> dict[str, Any]:
    """Capacity balance of the week of ``day`` as a JSON-ready dict (hours, per day, status)."""
    service = _service()
    func = getattr(service, "capacity_balance", None) if service else None
    if func is not None:
        return func(session, None, week_start(day)).as_dict()
    return _balance_here(session, day)


def _balance_here(session: Session, day: dt.date) -> dict[str, Any]:
    """The same balance computed here (used only while the demand service is missing)."""
    monday = week_start(day)
    sunday = monday + dt.timedelta(days=6)
    tenant = session_tenant(session)
    land = tenant.land or "BY"
    for offset in range(5):
        ensure_crew_days(session, monday + dt.timedelta(days=offset))
    tasks = session.scalars(
        select(Task).where(
            Task.status.in_(("open", "planned")), Task.due_earliest <= sunday
        )
    ).all()
    items = [
        DueItem(
            task_type=t.task_type,
            generator=t.generator,
            urgency=t.urgency,
            due_earliest=t.due_earliest,
            due_latest=t.due_latest,
            person_s=int(t.duration_s) * max(1, int(t.persons)),
        )
        for t in tasks
    ]
    crews = [
        CrewCapacity(date=cd.date, persons=len(cd.member_ids),
                     work_s=crew_available_s(cd))
        for cd in session.scalars(
            select(CrewDay).where(CrewDay.date >= monday, CrewDay.date <= sunday)
        )
    ]
    week = balance_week(items, crews, monday, land)
    return week.as_dict()
