"""Login sessions and login attempts (server side; see docs/store.md and greentour/accounts).

Not tenant-scoped on purpose, like :class:`~greentour.store.models.Membership`: they are read at
login and on every request before a tenant is chosen. Only the SHA-256 of a session id is stored;
the id itself lives in the signed session cookie.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from greentour.store.base import Base, utcnow


class AuthSession(Base):
    """One login of a user in a tenant; ended by logout, password change or timeout."""

    __tablename__ = "auth_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    sid_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column()
    end_reason: Mapped[str] = mapped_column(String(40), default="")


class LoginAttempt(Base):
    """One password check: for throttling per account name and per client address."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120))
    """The name as typed (lower case, stripped): unknown names are throttled like known ones."""
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    success: Mapped[bool] = mapped_column(Boolean, default=False)
