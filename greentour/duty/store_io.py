"""All database reads and writes of the duty of care (the only I/O module of greentour.duty).

Records are only ever added (:func:`append_record`); nothing here updates or deletes one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from greentour.duty.chain import GENESIS, HASHED_FIELDS
from greentour.duty.overview import LastInspection, SiteRef
from greentour.store import begin_write
from greentour.store.models import DeviceToken, Site, SiteLastService, Staff, Task, Tenant
from greentour.store.models_demand import SiteDemand
from greentour.store.models_duty import (
    DutyChainHead,
    InspectionFollowUp,
    InspectionPhoto,
    InspectionRecord,
    StormRound,
)
from greentour.workplace.labels import site_label


def lock_head(session: Session) -> DutyChainHead:
    """The town's chain head, locked for appending (SQLite write lock, PostgreSQL row lock)."""
    begin_write(session)
    head = session.scalar(select(DutyChainHead).with_for_update())
    if head is not None:
        return head
    try:  # the town's first record: two first records may race to create the head
        with session.begin_nested():
            session.add(DutyChainHead(last_seq=0, last_hash=GENESIS))
    except IntegrityError:
        pass  # the other one created it; wait for its lock below
    return session.scalar(select(DutyChainHead).with_for_update())


def head(session: Session) -> DutyChainHead | None:
    """The town's chain head (None: no record yet)."""
    return session.scalar(select(DutyChainHead))


def append_record(session: Session, head_row: DutyChainHead, row: InspectionRecord) -> None:
    """Add a hashed record and move the head to it (caller holds :func:`lock_head`)."""
    session.add(row)
    session.flush()
    head_row.last_seq = row.seq
    head_row.last_hash = row.record_hash
    head_row.updated_at = dt.datetime.now(dt.UTC)
    session.flush()


def record_by_uuid(session: Session, client_uuid: str) -> InspectionRecord | None:
    """The record with this client UUID."""
    return session.scalar(select(InspectionRecord).where(
        InspectionRecord.client_uuid == client_uuid))


def record_by_id(session: Session, record_id: int) -> InspectionRecord | None:
    """The record with this id."""
    return session.get(InspectionRecord, record_id)


def records(session: Session, site_id: int | None = None, first: dt.date | None = None,
            last: dt.date | None = None) -> list[InspectionRecord]:
    """Records (optionally of one site and a period of inspection days) in chain order."""
    stmt = select(InspectionRecord)
    if site_id is not None:
        stmt = stmt.where(InspectionRecord.site_id == site_id)
    if first is not None:
        stmt = stmt.where(InspectionRecord.inspected_on >= first)
    if last is not None:
        stmt = stmt.where(InspectionRecord.inspected_on <= last)
    return list(session.scalars(stmt.order_by(InspectionRecord.seq)))


def chain_rows(session: Session) -> list[dict[str, Any]]:
    """Every record as a plain mapping of its hashed fields and hashes (for verification)."""
    out = []
    for row in session.scalars(select(InspectionRecord).order_by(InspectionRecord.seq)):
        item = {name: getattr(row, name) for name in HASHED_FIELDS}
        item.update(prev_hash=row.prev_hash, record_hash=row.record_hash)
        out.append(item)
    return out


def corrected_ids(session: Session) -> dict[int, int]:
    """old record id → id of the newest record correcting it."""
    out: dict[int, int] = {}
    stmt = select(InspectionRecord.id, InspectionRecord.corrects_id).where(
        InspectionRecord.corrects_id.is_not(None)).order_by(InspectionRecord.seq)
    for rid, old in session.execute(stmt):
        out[old] = rid
    return out


def add_follow_up(session: Session, record: InspectionRecord, index: int, task: Task | None,
                  deadline: dt.date) -> InspectionFollowUp:
    """Link a finding to the order it created."""
    row = InspectionFollowUp(record_id=record.id, finding_index=index,
                             task_id=task.id if task is not None else None, deadline=deadline)
    session.add(row)
    session.flush()
    return row


def follow_ups(session: Session, record_ids: Sequence[int]) -> list[InspectionFollowUp]:
    """Follow-ups of the given records."""
    if not record_ids:
        return []
    return list(session.scalars(select(InspectionFollowUp).where(
        InspectionFollowUp.record_id.in_(list(record_ids)))))


def site(session: Session, site_id: int) -> Site | None:
    """A site of the town."""
    return session.get(Site, site_id)


def maintained_sites(session: Session) -> list[Site]:
    """Sites our own crews maintain (accepted, in maintenance)."""
    stmt = select(Site).where(Site.in_maintenance.is_(True), Site.maintained_by == "own")
    return list(session.scalars(stmt.order_by(Site.id)))


def site_demands(session: Session) -> dict[int, SiteDemand]:
    """Traffic-safety screening per site."""
    return {d.site_id: d for d in session.scalars(select(SiteDemand))}


def staff(session: Session, staff_id: int) -> Staff | None:
    """A staff member of the town."""
    return session.get(Staff, staff_id)


def tenant(session: Session, tenant_id: int) -> Tenant | None:
    """The tenant row."""
    return session.get(Tenant, tenant_id)


def storm_round(session: Session, kind: str, first_day: dt.date) -> StormRound | None:
    """The stored round of this kind starting on ``first_day``."""
    return session.scalar(select(StormRound).where(StormRound.kind == kind,
                                                   StormRound.first_day == first_day))


def add_storm_round(session: Session, row: StormRound) -> StormRound:
    """Store a round."""
    session.add(row)
    session.flush()
    return row


def storm_rounds(session: Session) -> list[StormRound]:
    """Every stored round, newest first."""
    return list(session.scalars(select(StormRound).order_by(StormRound.first_day.desc())))


def open_tasks(session: Session, task_type: str) -> list[Task]:
    """Open (not done, not cancelled) tasks of a type."""
    stmt = select(Task).where(Task.task_type == task_type,
                              Task.status.not_in(("done", "cancelled")))
    return list(session.scalars(stmt))


def last_inspections(session: Session) -> dict[tuple[int, str], LastInspection]:
    """(site id, inspection type) → newest valid record (a corrected record gives way to its
    correction, which carries the corrected facts)."""
    superseded = set(corrected_ids(session))
    out: dict[tuple[int, str], LastInspection] = {}
    stmt = select(InspectionRecord).order_by(InspectionRecord.seq)
    for row in session.scalars(stmt):
        if row.id in superseded:
            continue
        key = (row.site_id, row.inspection_type)
        prev = out.get(key)
        if prev is None or row.inspected_on >= prev.on:
            out[key] = LastInspection(row.inspected_on, dict(row.condition_json or {}), row.seq)
    return out


def site_refs(session: Session, lang: str = "de") -> list[SiteRef]:
    """The maintained sites as the overview sees them (labels in ``lang``)."""
    demands = site_demands(session)
    return [SiteRef(s.id, site_label(s, lang), s.category,
                    bool(demands.get(s.id) and demands[s.id].traffic_safety))
            for s in maintained_sites(session)]


def last_services(session: Session) -> list[tuple[int, str, dt.date]]:
    """(site id, task type, last day done) of every recorded service."""
    return [(r.site_id, r.task_type, r.last_date) for r in session.scalars(select(SiteLastService))]


def device_name(session: Session, token_id: int) -> str:
    """The name a planner gave the device token ("" when gone)."""
    row = session.get(DeviceToken, token_id)
    return row.name if row is not None else ""


def all_sites(session: Session) -> list[Site]:
    """Every site of the town, candidates too."""
    return list(session.scalars(select(Site).order_by(Site.id)))


def photo(session: Session, record_id: int, sha256: str) -> InspectionPhoto | None:
    """The stored photo of a record with this SHA-256."""
    return session.scalar(select(InspectionPhoto).where(InspectionPhoto.record_id == record_id,
                                                        InspectionPhoto.sha256 == sha256))


def add_photo(session: Session, row: InspectionPhoto) -> InspectionPhoto:
    """Store a photo link."""
    session.add(row)
    session.flush()
    return row


def photo_hashes(session: Session, record_ids: Sequence[int]) -> set[tuple[int, str]]:
    """(record id, SHA-256) of every stored photo of the given records."""
    if not record_ids:
        return set()
    stmt = select(InspectionPhoto.record_id, InspectionPhoto.sha256).where(
        InspectionPhoto.record_id.in_(list(record_ids)))
    return {(r, h) for r, h in session.execute(stmt)}
