"""Crew device tokens: created by a planner, shown as a QR code, revocable, one crew, one tenant.

A token looks like ``gtc1.<tenant id>.<43 random URL-safe characters>`` (256 bits of entropy from
:mod:`secrets`). The tenant id in clear lets the API open a tenant-scoped session before the token
is checked; the secret part is never stored: the database keeps the SHA-256 of the whole token
(a fast hash is enough for a random 256-bit secret; it cannot be guessed by brute force the way a
password can). A token is bound either to a crew template (the crew's tablet, valid every day the
crew works) or to one crew-day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import secrets
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from sqlalchemy import select
from sqlalchemy.orm import Session

from greentour.crew.cache import store_key, token_cache
from greentour.errors import BadInput, NotFound, Unauthorized
from greentour.store import session_tenant
from greentour.store.base import utcnow
from greentour.store.models import CrewDay, CrewTemplate, DeviceToken
from greentour.tenant_config import tenant_config

TOKEN_PREFIX = "gtc1"
_TOKEN_RE = re.compile(r"^gtc1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class IssuedToken:
    """A newly created token: the clear text (shown once, in the QR code) and its record."""

    token: str
    record: DeviceToken


def hash_token(token: str) -> str:
    """SHA-256 hex digest of a token (what the database stores)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def tenant_id_of(token: str) -> int:
    """The tenant id written in a token; :class:`Unauthorized` if it is not a device token."""
    match = _TOKEN_RE.match(token or "")
    if not match:
        raise Unauthorized("Kein gültiges Geräte-Token")
    return int(match.group(1))


def issue_token(
    session: Session,
    tenant_id: int,
    *,
    crew_template_id: int | None = None,
    crew_day_id: int | None = None,
    name: str = "",
    valid_days: int | None = None,
) -> IssuedToken:
    """Create a token for exactly one crew template or one crew-day of the session's tenant.

    Without ``valid_days`` it expires after the tenant's ``privacy.device_token_days`` (365)."""
    if (crew_template_id is None) == (crew_day_id is None):
        raise BadInput("Ein Geräte-Token gehört zu genau einer Kolonne oder einer Tagesbesetzung")
    if crew_template_id is not None and session.get(CrewTemplate, crew_template_id) is None:
        raise NotFound(f"Kolonne #{crew_template_id} gibt es nicht")
    if crew_day_id is not None and session.get(CrewDay, crew_day_id) is None:
        raise NotFound(f"Tagesbesetzung #{crew_day_id} gibt es nicht")
    if valid_days is not None and valid_days < 1:
        raise BadInput("Gültigkeit muss mindestens 1 Tag sein")
    if valid_days is None:
        valid_days = tenant_config(session_tenant(session)).privacy.device_token_days
    token = f"{TOKEN_PREFIX}.{tenant_id}.{secrets.token_urlsafe(32)}"
    record = DeviceToken(
        tenant_id=tenant_id,
        name=name.strip()[:120],
        crew_template_id=crew_template_id,
        crew_day_id=crew_day_id,
        token_hash=hash_token(token),
        expires_at=utcnow() + dt.timedelta(days=valid_days),
    )
    session.add(record)
    session.flush()
    return IssuedToken(token, record)


def authenticate(session: Session, token: str, now: dt.datetime | None = None) -> DeviceToken:
    """The token's record if it is known, not revoked and not expired; else :class:`Unauthorized`.

    ``session`` must be a tenant session of :func:`tenant_id_of` (token) – a token of another
    tenant is therefore simply unknown. ``last_used_at`` keeps only the day of the last use
    (00:00 UTC): enough to spot a lost tablet, too coarse to tell when a crew started work, and
    at most one write per token and day.
    """
    now = now or utcnow()
    record = session.scalar(select(DeviceToken).where(DeviceToken.token_hash == hash_token(token)))
    if record is None:
        raise Unauthorized("Geräte-Token unbekannt")
    if record.revoked:
        raise Unauthorized("Geräte-Token wurde widerrufen")
    if record.expires_at is not None and record.expires_at <= now:
        raise Unauthorized("Geräte-Token ist abgelaufen")
    day_start = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if record.last_used_at is None or record.last_used_at < day_start:
        record.last_used_at = day_start
    return record


@dataclass(frozen=True)
class DeviceIdentity:
    """What a request needs of a checked token: who it is and which crew it may see.

    Immutable, so one instance can serve many requests and threads (an ORM row cannot).
    """

    id: int
    tenant_id: int
    crew_template_id: int | None
    crew_day_id: int | None
    expires_at: dt.datetime | None


#: A checked device: the stored row or its immutable cached identity (same attribute names).
Device = DeviceToken | DeviceIdentity


def authenticate_cached(
    session: Session, token: str, now: dt.datetime | None = None
) -> DeviceIdentity:
    """:func:`authenticate`, remembered for a short time (:data:`greentour.crew.cache.token_cache`).

    Only accepted tokens are remembered, under their hash. A revocation committed by this
    process, or by another process of this host, takes effect at the next request (the tenant's
    cache version / host stamp changes); one written on another host within
    :data:`greentour.crew.cache.TOKEN_TTL_S` seconds. Expiry is checked on every request.
    """
    now = now or utcnow()
    tenant_id = tenant_id_of(token)
    digest = hash_token(token)

    def check() -> DeviceIdentity:
        record = authenticate(session, token, now)
        return DeviceIdentity(
            record.id,
            record.tenant_id,
            record.crew_template_id,
            record.crew_day_id,
            record.expires_at,
        )

    identity = token_cache.get_or_build(tenant_id, (store_key(session), digest), check)
    if identity.expires_at is not None and identity.expires_at <= now:
        raise Unauthorized("Geräte-Token ist abgelaufen")
    return identity


def revoke_token(session: Session, token_id: int) -> DeviceToken:
    """Revoke a token (kept as a record, refused from now on)."""
    record = session.get(DeviceToken, token_id)
    if record is None:
        raise NotFound(f"Geräte-Token #{token_id} gibt es nicht")
    record.revoked = True
    return record


def list_tokens(session: Session) -> list[DeviceToken]:
    """All device tokens of the tenant, newest first (hashes only, never the clear token)."""
    return list(session.scalars(select(DeviceToken).order_by(DeviceToken.id.desc())))


def crew_name(session: Session, record: DeviceToken) -> str:
    """The crew a token belongs to, for display."""
    if record.crew_template_id is not None:
        template = session.get(CrewTemplate, record.crew_template_id)
        return template.name if template else f"Kolonne #{record.crew_template_id}"
    day = session.get(CrewDay, record.crew_day_id)
    return (
        f"{day.name} ({day.date.isoformat()})" if day else f"Tagesbesetzung #{record.crew_day_id}"
    )


def find_template(session: Session, *, template_id: int | None, name: str | None) -> CrewTemplate:
    """A crew template by id or by name; :class:`NotFound` with the name otherwise.

    The name may be the short form before the dash: "Kolonne 1" finds "Kolonne 1 – Mähen Nord"
    (not "Kolonne 10 – ..."); a short form that fits several crews is refused with their names.
    """
    if template_id is not None:
        template = session.get(CrewTemplate, template_id)
    else:
        wanted = (name or "").strip()
        template = session.scalar(select(CrewTemplate).where(CrewTemplate.name == wanted))
        if template is None and wanted:
            fits = [t for t in crew_templates(session)
                    if t.name.startswith(wanted + " ") or t.name.startswith(wanted + "–")]
            if len(fits) > 1:
                raise BadInput(f"„{wanted}“ passt auf mehrere Kolonnen: "
                               + ", ".join(t.name for t in fits))
            template = fits[0] if fits else None
    if template is None:
        known = ", ".join(t.name for t in crew_templates(session)) or "keine"
        raise NotFound(f"Kolonne „{name or template_id}“ gibt es nicht (vorhanden: {known})")
    return template


def crew_templates(session: Session) -> list[CrewTemplate]:
    """The tenant's crews (templates) by name, for choosing whom a token is for."""
    return list(session.scalars(select(CrewTemplate).order_by(CrewTemplate.name)))


def crew_url(base_url: str, token: str) -> str:
    """The URL a tablet opens (the token travels in the fragment, never to server logs)."""
    return f"{base_url.rstrip('/')}/crew/#token={token}"


def qr_svg(data: str, border: int = 4) -> str:
    """The QR code of ``data`` as SVG markup (for the planner's screen and print); ``border`` is
    the quiet zone in modules (4 by the standard; 1 on a printed table whose cell is white)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10,
                        border=border)
    return image.to_string(encoding="unicode")


def qr_png(data: str) -> bytes:
    """The QR code of ``data`` as PNG bytes."""
    buffer = io.BytesIO()
    qrcode.make(data, box_size=8, border=4).save(buffer, format="PNG")
    return buffer.getvalue()
