"""Crew reports per stop: started, done, partly, not possible – each stored exactly once.

* Every report carries a client-generated UUID. The first arrival is stored; a retry with the same
  UUID (the tablet lost the answer) gets the same answer and stores nothing. The UUID is unique per
  tenant in the database, so even two retries racing each other store one row.
* A report names the plan version the crew was working with. If the planner has re-planned since,
  the report is still stored, marked ``flagged_outdated`` and listed for the planner, never dropped.
* "started" is kept as a :class:`~greentour.store.models_crew.StopStart`; the outcomes are
  :class:`~greentour.store.models.Completion` rows whose ``started_at`` is the crew's start tap
  and ``finished_at`` the done/partly tap (device clock). Recorded per crew-day, never per person.
* Side effects of a new report (:mod:`greentour.crew.feedback`): the site's last service, the task
  status, the duration learning of #6 and the grass-length observation for the forecast (#5).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from greentour.crew import feedback
from greentour.crew.errors import InvalidReport
from greentour.crew.privacy import PrivacySettings
from greentour.crew.tokens import Device
from greentour.crew.tour import (
    crew_day_ids_for,
    current_tour,
    may_access_crew_day,
)
from greentour.errors import Conflict, Forbidden, NotFound
from greentour.records.service import late_report_note
from greentour.store import begin_write, tenant_zone
from greentour.store.base import utcnow
from greentour.store.models import Completion, CrewDay, DeviceToken, Stop, Task, Tenant, Tour
from greentour.store.models_crew import StopStart

ReportStatus = Literal["started", "done", "partly", "not_possible"]
REPORT_STATUSES: tuple[str, ...] = ("started", "done", "partly", "not_possible")
GRASS_LENGTHS: tuple[str, ...] = ("short", "medium", "long")
STATUS_DE = {
    "started": "begonnen",
    "done": "erledigt",
    "partly": "teilweise erledigt",
    "not_possible": "nicht möglich",
}
#: A device clock further than this ahead of the server is not trusted for the service date.
MAX_CLOCK_AHEAD = dt.timedelta(hours=12)
NOTE_MAX_CHARS = 2000
REASON_MAX_CHARS = 200


@dataclass(frozen=True)
class ReportInput:
    """A report as the tablet sends it (already type-checked by the API schema)."""

    client_uuid: str
    status: str
    plan_version: int
    device_time: dt.datetime
    stop_id: int | None = None
    task_id: int | None = None
    grass_length: str | None = None
    reason: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class ReportResult:
    """The stored report as the API answers it, and whether this request stored it."""

    report: dict[str, Any]
    created: bool


def normalise_uuid(value: str) -> str:
    """The canonical lower-case form of a UUID; :class:`InvalidReport` if it is none."""
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, AttributeError, TypeError):
        raise InvalidReport("client_uuid", f"„{value}“ ist keine UUID") from None


def _check(report: ReportInput) -> None:
    if report.status not in REPORT_STATUSES:
        raise InvalidReport("status", f"Status muss einer von {', '.join(REPORT_STATUSES)} sein")
    if report.grass_length is not None and report.grass_length not in GRASS_LENGTHS:
        raise InvalidReport("grass_length", "Graslänge muss short, medium oder long sein")
    if report.device_time.tzinfo is None:
        raise InvalidReport("device_time", "Gerätezeit braucht eine Zeitzone (z. B. …Z)")
    if report.status == "not_possible" and not (report.reason or "").strip():
        raise InvalidReport("reason", "Bei „nicht möglich“ muss ein Grund angegeben werden")
    if report.stop_id is None and report.task_id is None:
        raise InvalidReport("stop_id", "Halt (stop_id) oder Aufgabe (task_id) muss angegeben sein")
    if len(report.note or "") > NOTE_MAX_CHARS:
        raise InvalidReport("note", f"Notiz zu lang (höchstens {NOTE_MAX_CHARS} Zeichen)")
    if len(report.reason or "") > REASON_MAX_CHARS:
        raise InvalidReport("reason", f"Grund zu lang (höchstens {REASON_MAX_CHARS} Zeichen)")


def find_report(session: Session, client_uuid: str) -> Completion | StopStart | None:
    """The stored report with this UUID (either kind), or None."""
    found = session.scalar(select(Completion).where(Completion.client_uuid == client_uuid))
    if found is not None:
        return found
    return session.scalar(select(StopStart).where(StopStart.client_uuid == client_uuid))


def report_dict(
    session: Session, record: Completion | StopStart, *, with_times: bool = True
) -> dict[str, Any]:
    """A stored report as JSON; ``with_times=False`` leaves out every per-stop time."""
    is_start = isinstance(record, StopStart)
    current = current_tour(session, record.crew_day_id)
    out: dict[str, Any] = {
        "client_uuid": record.client_uuid,
        "status": "started" if is_start else record.status,
        "crew_day_id": record.crew_day_id,
        "stop_id": record.stop_id,
        "task_id": record.task_id,
        "plan_version": record.plan_version,
        "current_plan_version": current.plan.version if current is not None else None,
        "flagged_outdated": record.flagged_outdated,
        "grass_length": None if is_start else record.grass_length,
        "reason": None if is_start else record.reason,
        "note": "" if is_start else record.note,
        "has_photo": False if is_start else record.photo_path is not None,
    }
    if with_times:
        out["device_time"] = _iso(record.device_time)
        out["server_time"] = _iso(record.server_time)
        if not is_start:
            out["started_at"] = _iso(record.started_at)
            out["finished_at"] = _iso(record.finished_at)
    return out


def _iso(value: dt.datetime | None) -> str | None:
    """UTC ISO 8601 (the same text before and after the database round trip)."""
    return value.astimezone(dt.UTC).isoformat(timespec="seconds") if value is not None else None


def _same_report(record: Completion | StopStart, report: ReportInput) -> bool:
    status = "started" if isinstance(record, StopStart) else record.status
    return (
        status == report.status
        and (report.stop_id is None or record.stop_id == report.stop_id)
        and (report.task_id is None or record.task_id == report.task_id)
    )


def _resolve_target(
    session: Session, device: DeviceToken, report: ReportInput, tenant: Tenant
) -> tuple[int, Stop | None, Task | None]:
    """(crew-day id, stop, task) the report is about, checked against the device's crew."""
    stop = session.get(Stop, report.stop_id) if report.stop_id is not None else None
    if report.stop_id is not None and stop is None and report.task_id is None:
        raise InvalidReport("stop_id", f"Halt #{report.stop_id} gibt es nicht")
    task = session.get(Task, report.task_id) if report.task_id is not None else None
    if report.task_id is not None and task is None:
        raise InvalidReport("task_id", f"Aufgabe #{report.task_id} gibt es nicht")
    if stop is not None:
        crew_day_id = stop.tour.crew_day_id
        if not may_access_crew_day(session, device, crew_day_id):
            raise Forbidden("Dieser Halt gehört zu einer anderen Kolonne")
        if stop.kind != "task" or stop.task_id is None:
            raise InvalidReport("stop_id", "Meldungen gibt es nur für Arbeitshalte")
        if task is not None and stop.task_id != task.id:
            raise InvalidReport("task_id", f"Aufgabe #{task.id} gehört nicht zu Halt #{stop.id}")
        return crew_day_id, stop, stop.task
    # The stop is gone (an old plan version was deleted) or the tablet named only the task: the
    # task must be on this crew's tour in some stored plan version, else the report is forged.
    if task is None:
        raise InvalidReport("stop_id", f"Halt #{report.stop_id} gibt es nicht")
    crew_days = crew_days_with_task(session, device, task.id)
    if not crew_days:
        raise Forbidden(f"Aufgabe #{task.id} steht auf keiner Tour dieser Kolonne")
    day = report.device_time.astimezone(tenant_zone(tenant)).date()
    on_day = [cd_id for cd_id, cd_date in crew_days if cd_date == day]
    return (on_day or [cd_id for cd_id, _ in crew_days])[-1], None, task


def crew_days_with_task(
    session: Session, device: Device, task_id: int
) -> list[tuple[int, dt.date]]:
    """(crew-day id, date) of the device's crew whose tour holds the task in any plan version."""
    allowed = crew_day_ids_for(session, device)
    if not allowed:
        return []
    stmt = (
        select(CrewDay.id, CrewDay.date)
        .join(Tour, Tour.crew_day_id == CrewDay.id)
        .join(Stop, Stop.tour_id == Tour.id)
        .where(Stop.task_id == task_id, CrewDay.id.in_(allowed))
        .distinct()
        .order_by(CrewDay.id)
    )
    return [(row[0], row[1]) for row in session.execute(stmt)]


def submit_report(
    session: Session,
    device: DeviceToken,
    report: ReportInput,
    privacy: PrivacySettings,
    now: dt.datetime | None = None,
) -> ReportResult:
    """Store a report once (idempotent on its UUID) and apply its effects on first arrival.

    Runs inside the caller's transaction; a duplicate that loses a race is answered from the
    winner's row (savepoint), never stored twice.
    """
    now = now or utcnow()
    client_uuid = normalise_uuid(report.client_uuid)
    report = replace(report, client_uuid=client_uuid)
    _check(report)
    begin_write(session)
    existing = find_report(session, client_uuid)
    if existing is not None:
        return _replay(session, device, existing, report)

    tenant = session.get(Tenant, device.tenant_id)
    crew_day_id, stop, task = _resolve_target(session, device, report, tenant)
    current = current_tour(session, crew_day_id)
    flagged = stop is None or (
        current is not None
        and (report.plan_version != current.plan.version or stop.tour_id != current.id)
    )
    common = {
        "tenant_id": device.tenant_id,
        "crew_day_id": crew_day_id,
        "stop_id": stop.id if stop is not None else None,
        "task_id": task.id if task is not None else None,
        "plan_version": report.plan_version,
        "client_uuid": client_uuid,
        "device_time": report.device_time,
        "server_time": now,
        "flagged_outdated": flagged,
    }
    record: Completion | StopStart
    if report.status == "started":
        record = StopStart(**common)
    else:
        started = _last_start(session, crew_day_id, common["stop_id"], common["task_id"])
        record = Completion(
            **common,
            status=report.status,
            reason=(report.reason or "").strip() or None,
            note=(report.note or "").strip(),
            grass_length=report.grass_length,
            started_at=started,
            finished_at=report.device_time if report.status in ("done", "partly") else None,
        )
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        existing = find_report(session, client_uuid)
        if existing is None:
            raise
        return _replay(session, device, existing, report)
    if isinstance(record, Completion) and task is not None:
        service_day = _service_day(report.device_time, now, tenant)
        feedback.apply_completion(
            session, record, task, session.get(CrewDay, crew_day_id), service_day
        )
    answer = report_dict(session, record)
    # a report of a day the planner closed is kept but books nothing (work records, #17)
    note = late_report_note(session, crew_day_id)
    if note:
        answer["booking_note"] = note
    return ReportResult(answer, created=True)


def _replay(
    session: Session, device: Device, existing: Completion | StopStart, report: ReportInput
) -> ReportResult:
    """The stored answer to a retry, given only to the crew that sent the original."""
    if not may_access_crew_day(session, device, existing.crew_day_id):
        raise Forbidden(f"Meldung {report.client_uuid} gehört zu einer anderen Kolonne")
    if not _same_report(existing, report):
        raise Conflict(
            f"Meldung {report.client_uuid} wurde schon mit anderem Inhalt gespeichert "
            f"({STATUS_DE.get('started' if isinstance(existing, StopStart) else existing.status)})"
        )
    return ReportResult(report_dict(session, existing), created=False)


def _last_start(
    session: Session, crew_day_id: int, stop_id: int | None, task_id: int | None
) -> dt.datetime | None:
    stmt = select(StopStart.device_time).where(StopStart.crew_day_id == crew_day_id)
    if task_id is not None:
        stmt = stmt.where(StopStart.task_id == task_id)
    else:
        stmt = stmt.where(StopStart.stop_id == stop_id)
    return session.scalar(stmt.order_by(StopStart.device_time.desc()).limit(1))


def _service_day(device_time: dt.datetime, now: dt.datetime, tenant: Tenant) -> dt.date:
    """The local day the work was done: the device's clock unless it runs far ahead."""
    moment = device_time if device_time <= now + MAX_CLOCK_AHEAD else now
    return moment.astimezone(tenant_zone(tenant)).date()


# --------------------------------------------------------------------------- planner's view
def list_reports(
    session: Session,
    *,
    day: dt.date | None = None,
    crew_day_id: int | None = None,
    flagged_only: bool = False,
    with_times: bool = False,
) -> list[dict[str, Any]]:
    """Reports for the planner (per crew-day), optionally only those against an old plan.

    Per-stop times are included only with ``with_times`` (the caller checks the user's role
    against :attr:`PrivacySettings.stop_times_visible_to`).
    """
    crew_days = select(CrewDay.id)
    if day is not None:
        crew_days = crew_days.where(CrewDay.date == day)
    if crew_day_id is not None:
        crew_days = crew_days.where(CrewDay.id == crew_day_id)
    ids = list(session.scalars(crew_days))
    records: list[Completion | StopStart] = []
    for model in (StopStart, Completion):
        stmt = select(model).where(model.crew_day_id.in_(ids))
        if flagged_only:
            stmt = stmt.where(model.flagged_outdated.is_(True))
        records.extend(session.scalars(stmt))
    records.sort(key=lambda r: (r.crew_day_id, r.server_time, r.id))
    names = {c.id: c.name for c in session.scalars(select(CrewDay).where(CrewDay.id.in_(ids)))}
    out = []
    for record in records:
        item = report_dict(session, record, with_times=with_times)
        item["crew"] = names.get(record.crew_day_id)
        out.append(item)
    return out


def get_completion(session: Session, device: DeviceToken, client_uuid: str) -> Completion:
    """The device crew's outcome report with this UUID (for attaching a photo)."""
    client_uuid = normalise_uuid(client_uuid)
    record = session.scalar(select(Completion).where(Completion.client_uuid == client_uuid))
    if record is None:
        if session.scalar(select(StopStart).where(StopStart.client_uuid == client_uuid)):
            raise InvalidReport(
                "client_uuid", "Fotos gehören zu einer Abschlussmeldung, nicht zu „begonnen“"
            )
        raise NotFound(f"Meldung {client_uuid} gibt es nicht (zuerst die Meldung senden)")
    if not may_access_crew_day(session, device, record.crew_day_id):
        raise Forbidden("Diese Meldung gehört zu einer anderen Kolonne")
    return record
