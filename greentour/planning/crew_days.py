"""Crew-days for a date range: the weekly templates minus absences, on working days.

The per-day rules (who is absent, machines in repair, shift and break times from the tenant file)
are those of the morning line-up, :func:`greentour.workplace.lineup.ensure_crew_days`; this module
adds the range and skips Sundays and public holidays of the tenant's Land (the holiday rules are
those of :mod:`greentour.demand.holidays_de`, the one place for holidays).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from greentour.demand.holidays_de import is_sunday_or_holiday
from greentour.errors import BadInput
from greentour.store import session_tenant
from greentour.store.models import CrewDay
from greentour.workplace.lineup import ensure_crew_days

MAX_RANGE_DAYS = 62


def is_working_day(day: dt.date, land: str) -> bool:
    """Not a Sunday and not a public holiday in the Land (``BY``, ``NW``, ...); Saturdays count
    (a crew template may work them)."""
    return not is_sunday_or_holiday(day, land)


def generate_crew_days(
    session: Session, date_from: dt.date, date_to: dt.date
) -> dict[dt.date, list[CrewDay]]:
    """Crew-days of every working day in ``date_from .. date_to`` (inclusive).

    Days that already have crew-days keep them (the planner may have edited them); the others are
    generated from the templates without absent people and machines in repair. ``session`` is a
    tenant session; the caller commits.
    """
    if date_to < date_from:
        raise BadInput(f"Zeitraum verkehrt: {date_from} liegt nach {date_to}")
    if (date_to - date_from).days >= MAX_RANGE_DAYS:
        raise BadInput(f"Zeitraum zu lang: höchstens {MAX_RANGE_DAYS} Tage")
    tenant = session_tenant(session)
    out: dict[dt.date, list[CrewDay]] = {}
    day = date_from
    while day <= date_to:
        if is_working_day(day, tenant.land):
            crew_days = ensure_crew_days(session, day)
            if crew_days:
                out[day] = crew_days
        day += dt.timedelta(days=1)
    return out
