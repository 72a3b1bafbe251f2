"""Server-side login sessions (OWASP ASVS 4.0 V3.3): logout and password changes end them.

A login stores an :class:`~greentour.store.models_accounts.AuthSession` row and hands the caller
a random session id (256 bits) for the signed cookie; only its SHA-256 is stored. Every request
checks the row (:func:`check_session`): unknown, ended, idle longer than ``idle_s`` or older than
``max_s`` means logged out, even with a cookie saved before. ``last_seen_at`` is written at most
once a minute per session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import Engine, select, update

from greentour.store import system_session, write_connection
from greentour.store.base import utcnow
from greentour.store.models_accounts import AuthSession

#: ``last_seen_at`` is refreshed when older than this (fewer writes on busy pages).
TOUCH_EVERY_S = 60.0

_table = AuthSession.__table__


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


def open_session(engine: Engine, user_id: int, tenant_id: int) -> str:
    """Store a new login session; returns its id (for the cookie only, never stored)."""
    sid = secrets.token_urlsafe(32)
    with system_session(engine) as s, s.begin():
        s.add(AuthSession(sid_hash=_digest(sid), user_id=user_id, tenant_id=tenant_id))
    return sid


def check_session(
    engine: Engine,
    sid: str | None,
    user_id: int,
    tenant_id: int,
    *,
    idle_s: float,
    max_s: float,
    now: dt.datetime | None = None,
) -> bool:
    """True when ``sid`` is a live session of this user and tenant; ends timed-out sessions."""
    if not sid:
        return False
    now = now or utcnow()
    with system_session(engine) as s:
        row = s.scalar(select(AuthSession).where(AuthSession.sid_hash == _digest(sid)))
        if row is None or row.ended_at is not None:
            return False
        if row.user_id != user_id or row.tenant_id != tenant_id:
            return False
        created, seen = row.created_at, row.last_seen_at
    reason = ""
    if (now - created).total_seconds() > max_s:
        reason = "absolute_timeout"
    elif (now - seen).total_seconds() > idle_s:
        reason = "idle_timeout"
    if reason:
        end_session(engine, sid, reason, now=now)
        return False
    if (now - seen).total_seconds() >= TOUCH_EVERY_S:
        with write_connection(engine) as conn:
            conn.execute(update(_table).where(_table.c.sid_hash == _digest(sid))
                         .values(last_seen_at=now))
    return True


def end_session(engine: Engine, sid: str | None, reason: str = "logout",
                now: dt.datetime | None = None) -> None:
    """End one session (logout, timeout); unknown ids are ignored."""
    if not sid:
        return
    with write_connection(engine) as conn:
        conn.execute(
            update(_table)
            .where(_table.c.sid_hash == _digest(sid), _table.c.ended_at.is_(None))
            .values(ended_at=now or utcnow(), end_reason=reason)
        )


def end_user_sessions(engine: Engine, user_id: int, reason: str) -> int:
    """End every open session of a user (password change, account disabled); returns how many."""
    with write_connection(engine) as conn:
        return conn.execute(
            update(_table)
            .where(_table.c.user_id == user_id, _table.c.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason=reason)
        ).rowcount
