"""Records of the duty of care (Verkehrssicherungspflicht, see docs/duty.md).

* :class:`InspectionRecord` — one inspection protocol (playground, tree, clearance) as evidence:
  append-only (a correction is a new record that names the old one in ``corrects_id``), numbered
  per town (``seq``) and hash-chained (``record_hash`` = SHA-256 over ``prev_hash`` and the
  record's canonical content, see :mod:`greentour.duty.chain`), signed by the inspector's account
  or staff entry and the device it was entered on. Idempotent by ``client_uuid`` (tablets).
* :class:`DutyChainHead` — the last sequence number and hash of a town's chain, so that deleting
  the newest record is detected too.
* :class:`InspectionFollowUp` — the order (task) a finding created; a link, not evidence, so it is
  kept apart from the hashed record.
* :class:`StormRound` — an inspection round after (or before) a storm and the orders it made.
* :class:`InspectionPhoto` — the photo of a finding, accepted only when its SHA-256 is the one the
  hashed record names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from greentour.store.base import Base, TenantScoped, utcnow


class InspectionRecord(TenantScoped, Base):
    """One inspection protocol; never updated or deleted by the application."""

    __tablename__ = "inspection_record"
    __table_args__ = (
        UniqueConstraint("tenant_id", "seq"),
        UniqueConstraint("tenant_id", "client_uuid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    """Position in the town's chain, 1, 2, 3, ... without gaps."""
    client_uuid: Mapped[str] = mapped_column(String(64))
    site_id: Mapped[int] = mapped_column(Integer, index=True)
    """The inspected site (no foreign key: evidence outlives a deleted site)."""
    site_name: Mapped[str] = mapped_column(String(300), default="")
    inspection_type: Mapped[str] = mapped_column(String(40))
    item: Mapped[str] = mapped_column(String(200), default="")
    """Equipment item (playground) or tree number; "" for the whole site."""
    inspected_on: Mapped[dt.date] = mapped_column(Date, index=True)
    """The local day of the inspection."""
    device_time: Mapped[dt.datetime | None] = mapped_column()
    inspector_user_id: Mapped[int | None] = mapped_column(Integer)
    inspector_staff_id: Mapped[int | None] = mapped_column(Integer)
    inspector_name: Mapped[str] = mapped_column(String(200), default="")
    device_token_id: Mapped[int | None] = mapped_column(Integer)
    device_name: Mapped[str] = mapped_column(String(120), default="")
    checklist_json: Mapped[list[Any]] = mapped_column(default=list)
    """[{"key", "label", "result": "ok" | "defect" | "n/a", "note"}]"""
    findings_json: Mapped[list[Any]] = mapped_column(default=list)
    """[{"severity", "text", "measure", "deadline", "photo_sha256"}]"""
    condition_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Trees: {"phase", "condition", ...} (FLL); the next inspection's interval follows."""
    note: Mapped[str] = mapped_column(Text, default="")
    corrects_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection_record.id"), index=True
    )
    correction_reason: Mapped[str] = mapped_column(String(500), default="")
    task_id: Mapped[int | None] = mapped_column(Integer)
    """The planned task the inspection fulfilled, if any (link only)."""
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64))


class DutyChainHead(TenantScoped, Base):
    """The newest record of a town's chain (one row per town)."""

    __tablename__ = "duty_chain_head"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class InspectionFollowUp(TenantScoped, Base):
    """The order a finding of a record created (finding = index in ``findings_json``)."""

    __tablename__ = "inspection_follow_up"
    __table_args__ = (UniqueConstraint("record_id", "finding_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("inspection_record.id"), index=True)
    finding_index: Mapped[int] = mapped_column(Integer)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    deadline: Mapped[dt.date] = mapped_column(Date)


class StormRound(TenantScoped, Base):
    """An inspection round after an observed storm or before a forecast one."""

    __tablename__ = "storm_round"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "first_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    """``after`` (observed gust days) or ``before`` (MOSMIX forecast)."""
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    max_gust_ms: Mapped[float] = mapped_column(Float)
    threshold_ms: Mapped[float] = mapped_column(Float)
    task_ids: Mapped[list[int]] = mapped_column(default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class InspectionPhoto(TenantScoped, Base):
    """A finding's photo: the record's finding names its SHA-256, the upload must match it.

    The stored file is the privacy-cleaned copy (no metadata, at most 2048 px); ``sha256`` is the
    hash of the photo as taken, which the hashed record holds.
    """

    __tablename__ = "inspection_photo"
    __table_args__ = (UniqueConstraint("record_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("inspection_record.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    photo_path: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
