"""The work records' one store module: every read and write of the records goes through here.

Reads the crew-days, the crews' reports, tasks, sites, people, machines and vehicles (in batches:
one query per kind of row); writes corrections (append-only), closed days and their frozen
bookings, re-openings (the closing into the history, its bookings marked superseded). Runs in
the caller's tenant session. It imports only the store (no planning, no crew modules), so that
planning may ask :func:`ensure_open` / :func:`closed_among` before it changes a day (the tours
come through :func:`greentour.planning.current.worked_tours`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from greentour.errors import Conflict
from greentour.records.booking import Line
from greentour.store import session_tenant
from greentour.store.models import (
    Completion,
    CrewDay,
    Site,
    Staff,
    Task,
    TaskType,
    Tenant,
)
from greentour.store.models_records import (
    Booking,
    BookingCorrection,
    RecordDay,
    RecordDayReopening,
)

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


def crew_days_of(session: Session, days: Iterable[dt.date]) -> list[CrewDay]:
    """The stored crew-days of ``days`` (one query; by date and name)."""
    wanted = sorted(set(days))
    if not wanted:
        return []
    return list(session.scalars(select(CrewDay).where(CrewDay.date.in_(wanted))
                                .order_by(CrewDay.date, CrewDay.name, CrewDay.id)))


def tasks_with_sites(session: Session, task_ids: Iterable[int]) -> dict[int, Task]:
    """Tasks by id with their sites and the sites' access points (for the site labels), in
    three queries whatever the number of tasks."""
    ids = list(set(task_ids))
    if not ids:
        return {}
    stmt = select(Task).where(Task.id.in_(ids)).options(
        selectinload(Task.site).selectinload(Site.access_points))
    return {t.id: t for t in session.scalars(stmt)}


def task_types(session: Session) -> dict[str, TaskType]:
    return {t.code: t for t in session.scalars(select(TaskType))}


def by_id(session: Session, model: type, ids: Iterable[int]) -> dict[int, Any]:
    """Rows of ``model`` (Staff, Machine, Vehicle) by id, one query."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {r.id: r for r in session.scalars(select(model).where(model.id.in_(wanted)))}




def all_staff(session: Session) -> list[Staff]:
    return list(session.scalars(select(Staff).order_by(Staff.name)))






def sites(session: Session, ids: Iterable[int] | None = None) -> list[Site]:
    stmt = select(Site).order_by(Site.id)
    if ids is not None:
        stmt = stmt.where(Site.id.in_(list(ids)))
    return list(session.scalars(stmt))


# --------------------------------------------------------------------------- corrections
def corrections_on(session: Session, day: dt.date) -> list[BookingCorrection]:
    """The day's corrections, oldest first (a later one of the same figure supersedes)."""
    return corrections_of(session, [day])


def corrections_of(session: Session, days: Iterable[dt.date]) -> list[BookingCorrection]:
    """The corrections of ``days``, oldest first, one query."""
    wanted = sorted(set(days))
    if not wanted:
        return []
    return list(session.scalars(select(BookingCorrection)
                                .where(BookingCorrection.date.in_(wanted))
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
    """The frozen bookings of the closed days in ``first``..``last`` (not the superseded
    bookings of a closing that was re-opened)."""
    columns = [getattr(Booking, f) for f in LINE_FIELDS]
    stmt = (select(*columns).where(Booking.date >= first, Booking.date <= last,
                                   Booking.reopening_id.is_(None))
            .order_by(Booking.date, Booking.id))
    return [Line(*row) for row in session.execute(stmt)]


def store_reopened(session: Session, record: RecordDay, *, by_user: str,
                   reason: str) -> RecordDayReopening:
    """Re-open the closed day of ``record``: the closing goes into the history (who closed,
    when, the totals; who re-opens, when, why), its bookings stay as superseded rows."""
    reopening = RecordDayReopening(date=record.date, closed_at=record.closed_at,
                                   closed_by=record.closed_by, rule=record.rule,
                                   summary_json=dict(record.summary_json or {}),
                                   reopened_by=by_user, reason=reason)
    session.add(reopening)
    session.flush()
    session.execute(update(Booking).where(Booking.date == record.date,
                                          Booking.reopening_id.is_(None))
                    .values(reopening_id=reopening.id))
    session.delete(record)
    session.flush()
    return reopening


def reopenings_on(session: Session, day: dt.date) -> list[RecordDayReopening]:
    """The re-openings of ``day``, oldest first."""
    return list(session.scalars(select(RecordDayReopening)
                                .where(RecordDayReopening.date == day)
                                .order_by(RecordDayReopening.reopened_at,
                                          RecordDayReopening.id)))


def superseded_count(session: Session, reopening_id: int) -> int:
    """How many booking lines a re-opening superseded (kept as history)."""
    return len(session.scalars(select(Booking.id)
                               .where(Booking.reopening_id == reopening_id)).all())


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
        raise Conflict(closed_message(day), en=closed_message_en(day))


def closed_message_en(day: dt.date) -> str:
    """The English refusal for any change of a closed day."""
    return f"{day:%d/%m/%Y} is closed; its bookings are read-only (no more corrections)."


def closed_among(session: Session, days: Iterable[dt.date]) -> set[dt.date]:
    """The closed days among ``days`` (one query)."""
    wanted = set(days)
    if not wanted:
        return set()
    return set(closed_days(session, min(wanted), max(wanted))) & wanted


def ensure_any_open(session: Session, days: Iterable[dt.date]) -> None:
    """Refuse (409) a plan request whose days are all closed: nothing there may change."""
    wanted = sorted(set(days))
    closed = closed_among(session, wanted)
    if wanted and closed == set(wanted):
        raise Conflict(closed_message(wanted[0]), en=closed_message_en(wanted[0]))
