"""GIS tokens: a member's access to the tenant's OGC API from QGIS, with expiry and revocation.

A token looks like ``gtg1.<tenant id>.<43 random URL-safe characters>`` (256 bits); only its
SHA-256 is stored (:class:`~greentour.store.models_gis.GisToken`), as for the crews' device
tokens (:func:`greentour.crew.tokens.hash_token`). It is issued for one member of one tenant,
expires after ``valid_days`` (default :data:`DEFAULT_VALID_DAYS`, at most
:data:`MAX_VALID_DAYS`) and can be revoked by a planner on the GIS token page; every use also
checks that the user is still an active member.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from greentour.crew.tokens import hash_token
from greentour.errors import BadInput, NotFound
from greentour.store.base import utcnow
from greentour.store.models import User
from greentour.store.models_gis import GisToken

TOKEN_PREFIX = "gtg1"
DEFAULT_VALID_DAYS = 180
MAX_VALID_DAYS = 730
_TOKEN_RE = re.compile(r"^gtg1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class IssuedGisToken:
    """A new token: the clear text (shown once) and its record."""

    token: str
    record: GisToken


@dataclass(frozen=True)
class GisTokenView:
    """A token as the planner's list shows it."""

    id: int
    name: str
    username: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked: bool
    expired: bool


def tenant_id_of(token: str) -> int | None:
    """The tenant id written in a GIS token, or None if it is none."""
    match = _TOKEN_RE.match(token or "")
    return int(match.group(1)) if match else None


def issue_gis_token(
    session: Session, tenant_id: int, user_id: int, name: str = "",
    valid_days: int | None = None,
) -> IssuedGisToken:
    """A new token of ``user_id`` for the session's tenant, valid ``valid_days`` days."""
    days = DEFAULT_VALID_DAYS if valid_days is None else valid_days
    if not 1 <= days <= MAX_VALID_DAYS:
        raise BadInput(f"Gültigkeit muss 1 bis {MAX_VALID_DAYS} Tage sein, nicht {days}")
    token = f"{TOKEN_PREFIX}.{tenant_id}.{secrets.token_urlsafe(32)}"
    record = GisToken(
        tenant_id=tenant_id, user_id=user_id, name=name.strip()[:120],
        token_hash=hash_token(token), expires_at=utcnow() + dt.timedelta(days=days),
    )
    session.add(record)
    session.flush()
    return IssuedGisToken(token, record)


def valid_token_user(session: Session, token: str, now: dt.datetime | None = None) -> int | None:
    """The user id of a known, unrevoked, unexpired token of the session's tenant, else None.

    Keeps the day of the last use (at most one write per token and day)."""
    now = now or utcnow()
    record = session.scalar(select(GisToken).where(GisToken.token_hash == hash_token(token)))
    if record is None or record.revoked or record.expires_at <= now:
        return None
    day_start = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if record.last_used_at is None or record.last_used_at < day_start:
        record.last_used_at = day_start
    return record.user_id


def list_gis_tokens(session: Session, now: dt.datetime | None = None) -> list[GisTokenView]:
    """The tenant's GIS tokens, newest first."""
    now = now or utcnow()
    rows = session.execute(
        select(GisToken, User.username).join(User, User.id == GisToken.user_id)
        .order_by(GisToken.id.desc())
    ).all()
    return [
        GisTokenView(t.id, t.name, username, t.created_at, t.expires_at, t.last_used_at,
                     t.revoked, t.expires_at <= now)
        for t, username in rows
    ]


def revoke_gis_token(session: Session, token_id: int) -> GisToken:
    """Revoke a token of the session's tenant (404 for unknown ids)."""
    record = session.get(GisToken, token_id)
    if record is None:
        raise NotFound(f"GIS-Token #{token_id} gibt es nicht")
    if not record.revoked:
        record.revoked, record.revoked_at = True, utcnow()
    session.flush()
    return record
