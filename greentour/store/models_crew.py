"""Records of the crew side that the core domain does not hold (see docs/crew-api.md).

:class:`StopStart` keeps a crew's "started" report at a stop. The outcome reports (done, partly,
not possible) are :class:`~greentour.store.models.Completion` rows; a "started" report is an event
of its own so that the planner sees a stop in progress and the learned durations get a start time.
Like completions it is recorded per crew-day (never per person), idempotent by ``client_uuid``
and subject to the tenant's retention period.

:class:`SensorWebhook` and :class:`SensorDevice` connect The Things Network's webhook to a
tenant and its soil sensors to sites (young trees).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from greentour.store.base import Base, TenantScoped, utcnow


class StopStart(TenantScoped, Base):
    """A crew's "started" report at a stop (client UUID unique per tenant)."""

    __tablename__ = "stop_start"
    __table_args__ = (UniqueConstraint("tenant_id", "client_uuid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    crew_day_id: Mapped[int] = mapped_column(
        ForeignKey("crew_day.id", ondelete="CASCADE"), index=True
    )
    stop_id: Mapped[int | None] = mapped_column(ForeignKey("stop.id", ondelete="SET NULL"))
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("task.id", ondelete="SET NULL"), index=True
    )
    plan_version: Mapped[int | None] = mapped_column(Integer)
    client_uuid: Mapped[str] = mapped_column(String(64))
    device_time: Mapped[dt.datetime | None] = mapped_column()
    """The tablet's clock when the crew tapped "Begonnen" (UTC)."""
    server_time: Mapped[dt.datetime] = mapped_column(default=utcnow)
    """When the server received it (UTC)."""
    flagged_outdated: Mapped[bool] = mapped_column(Boolean, default=False)


class SensorWebhook(TenantScoped, Base):
    """A shared secret for The Things Network's webhook into one tenant (only its hash is kept)."""

    __tablename__ = "sensor_webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    secret_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class SensorDevice(TenantScoped, Base):
    """Which site (young tree) a LoRaWAN sensor stands at, by its TTN device id."""

    __tablename__ = "sensor_device"
    __table_args__ = (UniqueConstraint("tenant_id", "device_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(String(120))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(200), default="")
