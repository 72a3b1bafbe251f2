"""Records of the work records (Leistungserfassung, see docs/records.md).

* :class:`RecordDay`: a day the planner closed after the day-end review ("abschließen"); a closed
  day is read-only: no corrections, and late crew reports are kept but change no booking.
* :class:`BookingCorrection`: a planner's correction of one figure of a crew-day (the work
  minutes at a stop, the vehicle kilometres, the people present) with its reason. Append-only:
  a later correction of the same figure supersedes the earlier one, both stay as history.
* :class:`Booking`: the frozen bookings of a closed day (person-hours, machine-hours and
  vehicle-km to cost centre, cost object and order). Open days are computed from the reports
  whenever they are read, so they never go stale.

Quantities are integers in base units: seconds for hours, metres for kilometres; amounts are
euro cents.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from greentour.store.base import Base, TenantScoped, choice, utcnow

CorrectionKind = Literal["work_min", "vehicle_km", "members"]
ResourceKind = Literal["person", "machine", "vehicle"]
BookingShare = Literal["work", "drive", "setup"]


class RecordDay(TenantScoped, Base):
    """A day closed after the day-end review (one row per tenant and date)."""

    __tablename__ = "record_day"
    __table_args__ = (UniqueConstraint("tenant_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    closed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_by: Mapped[str] = mapped_column(String(120), default="")
    rule: Mapped[str] = mapped_column(String(20), default="per_stop")
    """The distribution rule the bookings were computed with (per_stop / by_work_time)."""
    summary_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Totals at closing (person, machine seconds, metres, cents) for a quick check."""


class BookingCorrection(TenantScoped, Base):
    """A planner's correction of one figure of a crew-day, with reason (append-only)."""

    __tablename__ = "booking_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    crew_day_id: Mapped[int] = mapped_column(
        ForeignKey("crew_day.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    kind: Mapped[CorrectionKind] = choice("correction_kind", CorrectionKind)
    value_json: Mapped[str] = mapped_column(Text)
    """The new value as JSON text: minutes (int), kilometres (number) or staff ids (list)."""
    before_json: Mapped[str] = mapped_column(Text, default="null")
    """The value before this correction (as the computation had it), JSON text."""
    reason: Mapped[str] = mapped_column(String(300))
    by_user: Mapped[str] = mapped_column(String(120), default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Booking(TenantScoped, Base):
    """One frozen booking line of a closed day."""

    __tablename__ = "booking"

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    crew_day_id: Mapped[int | None] = mapped_column(
        ForeignKey("crew_day.id", ondelete="SET NULL"), index=True
    )
    crew: Mapped[str] = mapped_column(String(120), default="")
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"))
    site_name: Mapped[str] = mapped_column(String(300), default="")
    task_type: Mapped[str] = mapped_column(String(40), default="")
    cost_centre: Mapped[str] = mapped_column(String(40))
    cost_object: Mapped[str] = mapped_column(String(80), default="")
    order_ref: Mapped[str] = mapped_column(String(80), default="")
    resource_kind: Mapped[ResourceKind] = choice("resource_kind", ResourceKind)
    resource_id: Mapped[int | None] = mapped_column(Integer)
    resource_name: Mapped[str] = mapped_column(String(200), default="")
    resource_group: Mapped[str] = mapped_column(String(80), default="")
    share: Mapped[BookingShare] = choice("booking_share", BookingShare)
    quantity: Mapped[int] = mapped_column(BigInteger)
    """Seconds (person, machine) or metres (vehicle)."""
    rate_ct: Mapped[int] = mapped_column(Integer, default=0)
    """Cents per hour (person, machine) or per kilometre (vehicle)."""
    amount_ct: Mapped[int] = mapped_column(BigInteger, default=0)
    area_m2: Mapped[float] = mapped_column(Float, default=0.0)
    """Area of the site worked (work lines of a person only, else 0), for m² per hour."""
