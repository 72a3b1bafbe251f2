"""User administration: passwords (one function sets them all), roles, disabling.

Every password that is stored goes through :func:`password_hash` (the policy check and the hash),
so the web login, the demo, the CLI and the admin page follow one policy. The roles are
``admin`` (also sets up towns and users), ``planner`` and ``viewer`` (read-only).
Login itself is :func:`greentour.planning.accounts.authenticate`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select
from werkzeug.security import generate_password_hash

from greentour.errors import BadInput, NotFound
from greentour.store import system_session
from greentour.store.models import Membership, User

MIN_PASSWORD_LEN = 8
ROLES = ("admin", "planner", "viewer")
ROLE_DE = {"admin": "Verwaltung", "planner": "Disposition", "viewer": "nur lesen"}


def password_hash(password: str) -> str:
    """The salted hash of a password that meets the policy; :class:`BadInput` otherwise."""
    if len(password) < MIN_PASSWORD_LEN:
        raise BadInput(f"Passwort zu kurz: mindestens {MIN_PASSWORD_LEN} Zeichen")
    return generate_password_hash(password)


def check_role(role: str) -> str:
    """``role`` when known; :class:`BadInput` listing the roles otherwise."""
    if role not in ROLES:
        raise BadInput(f"Rolle „{role}“ unbekannt: erlaubt sind {', '.join(ROLES)}")
    return role


@dataclass(frozen=True)
class UserRow:
    """A user of a tenant as the admin sees it."""

    user_id: int
    username: str
    display_name: str
    role: str
    active: bool


def _member(session, tenant_id: int, username: str) -> tuple[User, Membership]:  # type: ignore[no-untyped-def]
    user = session.scalar(select(User).where(User.username == username.strip()))
    membership = None if user is None else session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.tenant_id == tenant_id))
    if user is None or membership is None:
        raise NotFound(f"Benutzer „{username}“ gibt es in diesem Ort nicht")
    return user, membership


def list_users(engine: Engine, tenant_id: int) -> list[UserRow]:
    """The tenant's users by name."""
    with system_session(engine) as session:
        rows = session.execute(
            select(User, Membership.role).join(Membership, Membership.user_id == User.id)
            .where(Membership.tenant_id == tenant_id).order_by(User.username)).all()
        return [UserRow(u.id, u.username, u.display_name, role, u.is_active) for u, role in rows]


def set_password(engine: Engine, tenant_id: int, username: str, password: str) -> None:
    """Give a user of the tenant a new password (reset by an admin)."""
    hashed = password_hash(password)
    with system_session(engine) as session, session.begin():
        user, _ = _member(session, tenant_id, username)
        user.password_hash = hashed


def set_active(engine: Engine, tenant_id: int, username: str, active: bool) -> None:
    """Disable (no login, existing sessions end at the next request) or enable a user."""
    with system_session(engine) as session, session.begin():
        user, _ = _member(session, tenant_id, username)
        user.is_active = active


def set_role(engine: Engine, tenant_id: int, username: str, role: str) -> None:
    """Change a user's role in the tenant."""
    check_role(role)
    with system_session(engine) as session, session.begin():
        _, membership = _member(session, tenant_id, username)
        membership.role = role
