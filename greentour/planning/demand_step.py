"""The demand side of planning, through the demand service (:mod:`greentour.demand.service`).

``generate`` runs the task generators for the week of a day before "Planen"; ``balance`` gives
the capacity balance (due against available person-hours) of that week from the stored tasks
and crew-days, so the line-up page shows at once what an absence does to the week.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from greentour.demand.service import capacity_balance, generate_demand
from greentour.errors import GreentourError


def week_start(day: dt.date) -> dt.date:
    """Monday of the week of ``day``."""
    return day - dt.timedelta(days=day.weekday())


def generate(session: Session, day: dt.date) -> dict[str, Any]:
    """Run the task generators for the week of ``day``; returns their summary (counts)."""
    try:
        with session.begin_nested():
            result = generate_demand(session, week_start=week_start(day))
    except (GreentourError, SQLAlchemyError, ValueError) as exc:
        # the stored tasks can still be planned; the planner sees why the demand is missing
        message = exc.message if isinstance(exc, GreentourError) else str(exc).splitlines()[0]
        return {"error": f"Bedarf konnte nicht ermittelt werden: {message}"}
    if isinstance(result, dict):
        return result
    return {"result": str(result)}


def balance(session: Session, day: dt.date) -> dict[str, Any]:
    """Capacity balance of the week of ``day`` as a JSON-ready dict (hours, per day, status)."""
    return capacity_balance(session, None, week_start(day)).as_dict()
