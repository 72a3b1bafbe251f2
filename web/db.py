"""The request's store: the app's engine and one tenant session per request (flaskr's ``db``).

:func:`get_engine` is the engine the app factory made (``app.extensions["greentour_engine"]``);
:func:`tenant_db` opens a tenant session for the request's tenant once and :func:`init_app`
closes it at teardown. The tenant is the logged-in user's, or the one a token-authenticated API
bound with :func:`use_tenant`. Views never open their own engines or sessions.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from flask_login import current_user
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from greentour.errors import Forbidden
from greentour.store import tenant_session


def get_engine() -> Engine:
    """The engine of the current app."""
    return current_app.extensions["greentour_engine"]


def use_tenant(tenant_id: int) -> None:
    """Bind this request to a tenant without a login (token-authenticated APIs call this)."""
    g.greentour_tenant_id = tenant_id


def current_tenant_id() -> int | None:
    """The request's tenant: set by :func:`use_tenant`, else the logged-in user's (or None)."""
    bound = g.get("greentour_tenant_id")
    if isinstance(bound, int):
        return bound
    tenant_id = getattr(current_user, "tenant_id", None)
    return tenant_id if isinstance(tenant_id, int) else None


def tenant_db() -> Session:
    """A tenant session for the request's tenant, one per request.

    Raises :class:`Forbidden` when nobody is logged in, so tenant data never leaks to anonymous
    requests.
    """
    session = g.get("_greentour_tenant_db")
    if session is None:
        tenant_id = current_tenant_id()
        if tenant_id is None:
            raise Forbidden("Bitte anmelden")
        session = tenant_session(get_engine(), tenant_id)
        g._greentour_tenant_db = session
    return session


def close_tenant_db(_exc: BaseException | None = None) -> None:
    """Close the request's tenant session (app teardown)."""
    session = g.pop("_greentour_tenant_db", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    """Close the request's tenant session at the end of every request."""
    app.teardown_appcontext(close_tenant_db)
