"""Who is calling the API: a crew device (Bearer token), a planner (login session) or TTN.

Each helper binds the request to the caller's tenant (:func:`web.use_tenant`) before any data is
read, so the per-request session (:func:`web.tenant_db`) can only see that tenant's rows.
"""

from __future__ import annotations

from typing import Any

from flask import g, request
from sqlalchemy.orm import Session

from greentour.crew import tokens
from greentour.crew.privacy import PrivacySettings
from greentour.crew.sensors import SECRET_HEADER, check_secret, tenant_id_of_secret
from greentour.errors import Forbidden, Unauthorized
from greentour.store.models import Tenant
from greentour.tenant_config import tenant_config
from web.db import tenant_db, use_tenant
from web.http_auth import bearer_token

DEVICE_SCHEME = "DeviceToken"
PLANNER_SCHEME = "PlannerSession"
TTN_SCHEME = "TtnSecret"

SECURITY_SCHEMES: dict[str, Any] = {
    DEVICE_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "description": "Geräte-Token einer Kolonne (vom QR-Code der Disposition).",
    },
    PLANNER_SCHEME: {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "Anmeldung im Planer (/auth/login); ändernde Aufrufe senden X-CSRFToken.",
    },
    TTN_SCHEME: {
        "type": "apiKey",
        "in": "header",
        "name": SECRET_HEADER,
        "description": "Geheimnis des TTN-Webhooks (von der Disposition erzeugt).",
    },
}


def _bearer() -> str:
    token = bearer_token(request.headers.get("Authorization", ""))
    if token is None:
        raise Unauthorized("Geräte-Token fehlt (Authorization: Bearer …)")
    return token


def current_device() -> tuple[Session, tokens.DeviceIdentity]:
    """The authenticated crew device and a tenant session of its tenant (401 otherwise).

    The token check is remembered for a few seconds (:func:`tokens.authenticate_cached`); a
    revocation still takes effect at the next request on this host.
    """
    if "crew_device" in g:
        return tenant_db(), g.crew_device
    token = _bearer()
    use_tenant(tokens.tenant_id_of(token))
    session = tenant_db()
    device = tokens.authenticate_cached(session, token)
    if session.dirty:
        session.commit()  # last_used_at (the day only, at most once a day)
    g.crew_device = device
    return session, device


#: Planner API endpoints the read-only role ``viewer`` may GET (what the planner pages show).
VIEWER_READABLE = frozenset({"api_planner.report_photo"})


def current_planner() -> tuple[Session, str]:
    """A tenant session of the logged-in planner or admin and the user's role (401/403).

    The read-only role ``viewer`` may GET the endpoints in :data:`VIEWER_READABLE` (a report
    photo the map shows it), as it may open the planner pages."""
    from flask_login import current_user

    if not current_user.is_authenticated:
        raise Unauthorized("Bitte im Planer anmelden")
    role = getattr(current_user, "role", None)
    reading = request.method in ("GET", "HEAD") and request.endpoint in VIEWER_READABLE
    if role not in ("planner", "admin") and not (reading and role == "viewer"):
        raise Forbidden("Nur Disposition und Verwaltung dürfen das")
    return tenant_db(), role


def current_webhook() -> Session:
    """A tenant session for the TTN webhook whose secret header is valid (401 otherwise)."""
    if g.get("ttn_webhook_checked"):
        return tenant_db()
    secret = request.headers.get(SECRET_HEADER, "")
    tenant_id = tenant_id_of_secret(secret)
    use_tenant(tenant_id)
    session = tenant_db()
    check_secret(session, secret)
    g.ttn_webhook_checked = True
    return session


def tenant_privacy(session: Session, tenant_id: int) -> PrivacySettings:
    """The tenant's privacy settings (retention, visibility, photo limit)."""
    tenant = session.get(Tenant, tenant_id)
    return tenant_config(tenant).privacy if tenant else PrivacySettings()
