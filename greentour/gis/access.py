"""Who may read a tenant's OGC API: anyone for a public tenant (its public layers only),
otherwise a tenant member by user name and password or by a GIS token.

The web layer reads them from the request's headers (:mod:`web.http_auth`: HTTP Basic, QGIS's
"API Header" ``X-Greentour-Token`` or ``Authorization: Bearer``) into :class:`Credentials`. A
token is stored as a hash (:mod:`greentour.gis.tokens`), expires and can be revoked; it is
checked against the stored membership on every request, so removing the membership or
deactivating the user ends access at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass

from sqlalchemy import Engine, select

from greentour.accounts.passwords import verify_password
from greentour.accounts.service import throttle_policy
from greentour.accounts.throttle import check_allowed, record_attempt
from greentour.errors import Forbidden, GreentourError, NotFound
from greentour.gis import ogc_query as Q
from greentour.gis import tokens as gis_tokens
from greentour.gis.export import cached_live_layers
from greentour.gis.ogc import Service
from greentour.gis.tokens import issue_gis_token
from greentour.store.models import Membership, Tenant, User
from greentour.store.tenancy import get_tenant, system_session, tenant_session


@dataclass(frozen=True)
class Credentials:
    """What a GIS client sent: a token, or a user name and password.

    ``sent`` is true when the client sent any authorization at all (also one that could not be
    read): a public tenant then checks it instead of answering anonymously."""

    token: str | None = None
    username: str | None = None
    password: str = ""
    sent: bool = False


class AuthenticationRequired(GreentourError):
    """The tenant's GIS layers need a login (HTTP 401 with a Basic challenge)."""

    http_status = 401


def make_gis_token(
    engine: Engine, tenant_slug: str, username: str, name: str = "",
    valid_days: int | None = None,
) -> str:
    """A new stored GIS token for ``username`` in tenant ``tenant_slug`` (must be a member)."""
    tenant = get_tenant(engine, tenant_slug)
    with system_session(engine) as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not _is_member(session, tenant.id, user.id):
            raise Forbidden(f"{username} ist kein Mitglied von {tenant.name}")
        user_id = user.id
    with tenant_session(engine, tenant.id) as session, session.begin():
        return issue_gis_token(session, tenant.id, user_id, name, valid_days).token


def _is_member(session, tenant_id: int, user_id: int) -> bool:
    return session.scalar(
        select(Membership.id).where(Membership.tenant_id == tenant_id,
                                    Membership.user_id == user_id)
    ) is not None


def check_access(
    engine: Engine, tenant: Tenant, credentials: Credentials, address: str = ""
) -> int | None:
    """The member's user id allowed to read ``tenant``; None for an anonymous caller of a
    public tenant (who sees only its public layers).

    Basic passwords are throttled like the login form (per name and client ``address``,
    :mod:`greentour.accounts.throttle`: 429 after too many failures, before the password is
    checked) and unknown names cost the same one hash check as known ones.

    Raises :class:`AuthenticationRequired` without valid credentials (also when a caller of a
    public tenant sends wrong ones). The message never names the town."""
    token = credentials.token
    if tenant.is_public and not token and not credentials.sent:
        return None
    refused = AuthenticationRequired(
        "Diese GIS-Ebenen brauchen eine Anmeldung (Benutzername/Passwort oder GIS-Token)"
    )
    with system_session(engine) as session:
        if token:
            if gis_tokens.tenant_id_of(token) != tenant.id:
                raise refused
            with tenant_session(engine, tenant.id) as scoped, scoped.begin():
                user_id = gis_tokens.valid_token_user(scoped, token)
            user = session.get(User, user_id) if user_id is not None else None
            if user is None or not user.is_active or not _is_member(session, tenant.id, user.id):
                raise refused
            return user.id
        if credentials.username is None:
            raise refused
        username, password = credentials.username, credentials.password
        check_allowed(engine, username, address or "ogc", throttle_policy())
        user = session.scalar(select(User).where(User.username == username.strip()))
        if user is None or not user.is_active:
            verify_password(None, password)  # same time as a known name
            record_attempt(engine, username, address or "ogc", success=False)
            raise refused
        if not _password_ok(user, password):
            record_attempt(engine, username, address or "ogc", success=False)
            raise refused
        if not _is_member(session, tenant.id, user.id):
            raise refused
        return user.id


#: Recently verified (user, password hash, password) digests -> expiry (monotonic seconds).
#: QGIS sends Basic credentials with every page and map move; the scrypt check costs about
#: 0.1 s, so a correct password is remembered for a few minutes. Membership and the active
#: flag are still checked on every request; a changed password hash invalidates the entry.
_VERIFIED: dict[str, float] = {}
VERIFIED_TTL_S = 300.0
_VERIFIED_MAX = 1024


def _password_ok(user: User, password: str) -> bool:
    key = hashlib.sha256(
        f"{user.id}\0{user.password_hash}\0{password}".encode()
    ).hexdigest()
    now = time.monotonic()
    if _VERIFIED.get(key, 0.0) > now:
        return True
    if not verify_password(user.password_hash, password):
        return False
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[key] = now + VERIFIED_TTL_S
    return True


def ogc_service(
    engine: Engine, tenant_slug: str, credentials: Credentials,
    max_limit: int = Q.MAX_LIMIT, today: dt.date | None = None, address: str = "",
) -> Service:
    """The OGC API service of one tenant after the access check (404 for unknown tenants)."""
    try:
        tenant = get_tenant(engine, tenant_slug)
    except NotFound:
        raise NotFound(f"Für „{tenant_slug}“ gibt es keine GIS-Ebenen") from None
    user_id = check_access(engine, tenant, credentials, address)
    return Service(
        slug=tenant.slug, name=tenant.name, is_public=tenant.is_public,
        timezone=tenant.timezone or "Europe/Berlin",
        load=lambda: cached_live_layers(engine, tenant.id, today),
        max_limit=max_limit, anonymous=user_id is None,
    )
