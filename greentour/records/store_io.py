"""The work records' one store module: every read and write of the records goes through here.

Reads the crew-days, the crews' reports, tasks, sites, people, machines and vehicles; writes
corrections (append-only), closed days and their frozen bookings. Runs in the caller's tenant
session. It imports only the store (no planning, no crew modules), so that planning may ask
:func:`ensure_open` before it changes a day (the tours come through
:func:`greentour.records.service.tour_for`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from greentour.errors import Conflict
from greentour.records.booking import Line
from greentour.store import session_tenant
from greentour.store.models import (
    Completion,
    CrewDay,
    Machine,
    Site,
    Staff,
    Task,
    TaskType,
    Tenant,
    Vehicle,
)
from greentour.store.models_records import Booking, BookingCorrection, RecordDay

LINE_FIELDS = tuple(Line.__dataclass_fields__)


def tenant(session: Session) -> Tenant:
    """The session's tenant (its configuration holds the rates)."""
    return session_tenant(session)


def crew_days_on(session: Session, day: dt.date) -> list[CrewDay]:
    """The stored crew-days of ``day`` (by name)."""
    return list(session.scalars(select(CrewDay).where(CrewDay.date == day)
                                .order_by(CrewDay.name, CrewDay.id)))


def crew_day(session: Session, crew_day_id: int) -> CrewDay | None:
    return session.get(CrewDay, crew_day_id)


def completions_for(session: Session, crew_day_ids: Iterable[int]) -> dict[int, list[Completion]]:
    """The crews' outcome reports per crew-day, in arrival order."""
    ids = list(crew_day_ids)
    out: dict[int, list[Completion]] = {i: [] for i in ids}
    if not ids:
        return out
    for c in session.scalars(select(Completion).where(Completion.crew_day_id.in_(ids))
                             .order_by(Completion.server_time, Completion.id)):
        out[c.crew_day_id].append(c)
    return out


def tasks_with_sites(session: Session, task_ids: Iterable[int]) -> dict[int, Task]:
    ids = list(set(task_ids))
    if not ids:
        return {}
    stmt = select(Task).where(Task.id.in_(ids)).options(selectinload(Task.site))
    return {t.id: t for t in session.scalars(stmt)}


def task_types(session: Session) -> dict[str, TaskType]:
    return {t.code: t for t in session.scalars(select(TaskType))}


def staff(session: Session, ids: Iterable[int]) -> list[Staff]:
    rows = {s.id: s for s in session.scalars(select(Staff).where(Staff.id.in_(list(ids))))}
    return [rows[i] for i in ids if i in rows]


def all_staff(session: Session) -> list[Staff]:
    return list(session.scalars(select(Staff).order_by(Staff.name)))


def machines(session: Session, ids: Iterable[int]) -> list[Machine]:
    rows = {m.id: m for m in session.scalars(select(Machine).where(Machine.id.in_(list(ids))))}
    return [rows[i] for i in ids if i in rows]


def vehicle(session: Session, vehicle_id: int | None) -> Vehicle | None:
    return session.get(Vehicle, vehicle_id) if vehicle_id is not None else None


def sites(session: Session, ids: Iterable[int] | None = None) -> list[Site]:
    stmt = select(Site).order_by(Site.id)
    if ids is not None:
        stmt = stmt.where(Site.id.in_(list(ids)))
    return list(session.scalars(stmt))


# --------------------------------------------------------------------------- corrections
def corrections_on(session: Session, day: dt.date) -> list[BookingCorrection]:
    """The day's corrections, oldest first (a later one of the same figure supersedes)."""
    return list(session.scalars(select(BookingCorrection).where(BookingCorrection.date == day)
                                .order_by(BookingCorrection.at, BookingCorrection.id)))


def add_correction(session: Session, *, day: dt.date, crew_day_id: int, task_id: int | None,
                   kind: str, value: Any, before: Any, reason: str,
                   by_user: str) -> BookingCorrection:
    row = BookingCorrection(date=day, crew_day_id=crew_day_id, task_id=task_id, kind=kind,
                            value_json=json.dumps(value), before_json=json.dumps(before),
                            reason=reason, by_user=by_user)
    session.add(row)
    session.flush()
    return row


# --------------------------------------------------------------------------- closed days
def record_day(session: Session, day: dt.date) -> RecordDay | None:
    return session.scalar(select(RecordDay).where(RecordDay.date == day))


def closed_days(session: Session, first: dt.date, last: dt.date) -> dict[dt.date, RecordDay]:
    stmt = select(RecordDay).where(RecordDay.date >= first, RecordDay.date <= last)
    return {r.date: r for r in session.scalars(stmt)}


def store_closed(session: Session, day: dt.date, lines: list[Line], *, by_user: str,
                 rule: str, summary: dict[str, Any]) -> RecordDay:
    """Close ``day``: its frozen bookings and the closing record, in one transaction."""
    record = RecordDay(date=day, closed_by=by_user, rule=rule, summary_json=summary)
    session.add(record)
    for ln in lines:
        session.add(Booking(**{f: getattr(ln, f) for f in LINE_FIELDS}))
    session.flush()
    return record


def stored_lines(session: Session, first: dt.date, last: dt.date) -> list[Line]:
    """The frozen bookings of the closed days in ``first``..``last``."""
    columns = [getattr(Booking, f) for f in LINE_FIELDS]
    stmt = (select(*columns).where(Booking.date >= first, Booking.date <= last)
            .order_by(Booking.date, Booking.id))
    return [Line(*row) for row in session.execute(stmt)]


def reported_days(session: Session, first: dt.date, last: dt.date) -> list[dt.date]:
    """Days in ``first``..``last`` with crew reports or corrections (the days that book)."""
    with_reports = select(CrewDay.date).join(Completion, Completion.crew_day_id == CrewDay.id) \
        .where(CrewDay.date >= first, CrewDay.date <= last)
    with_corrections = select(BookingCorrection.date).where(
        BookingCorrection.date >= first, BookingCorrection.date <= last)
    days = set(session.scalars(with_reports)) | set(session.scalars(with_corrections))
    return sorted(days)


def is_closed(session: Session, day: dt.date) -> bool:
    """Whether ``day`` was closed after the day-end review."""
    return record_day(session, day) is not None


def closed_message(day: dt.date) -> str:
    """The German refusal for any change of a closed day."""
    return (f"Der {day:%d.%m.%Y} ist abgeschlossen; die Buchungen sind schreibgeschützt "
            "(keine Korrekturen mehr).")


def ensure_open(session: Session, day: dt.date) -> None:
    """Refuse (:class:`Conflict`, HTTP 409) any change of a closed day."""
    if is_closed(session, day):
        raise Conflict(closed_message(day))
