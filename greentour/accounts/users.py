"""User administration of a town: list, reset a password, disable/enable, change the role.

The roles are ``admin`` (also sets up towns and users), ``planner`` and ``viewer`` (read-only).
A reset password goes through :func:`greentour.accounts.service.set_password` (policy, hash, end
the user's sessions); disabling a user ends their sessions too, so a disabled planner's open
browser is logged out at its next request. The admin page and the ``greentour user`` CLI call
these functions; login itself is :func:`greentour.accounts.service.login`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from greentour.accounts import service
from greentour.accounts.passwords import check_password_policy, hash_password
from greentour.accounts.roles import ROLE_DE, ROLES, check_role
from greentour.accounts.sessions import end_user_sessions
from greentour.errors import NotFound
from greentour.store import system_session
from greentour.store.models import Membership, User

__all__ = ["ROLES", "ROLE_DE", "UserRow", "check_role", "list_users", "password_hash",
           "set_active", "set_password", "set_role"]

def password_hash(password: str, username: str = "") -> str:
    """The salted hash of a password that meets the policy; :class:`BadInput` otherwise."""
    check_password_policy(password, username)
    return hash_password(password)


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


def _user_id(engine: Engine, tenant_id: int, username: str) -> int:
    with system_session(engine) as session:
        user, _ = _member(session, tenant_id, username)
        return user.id


def list_users(engine: Engine, tenant_id: int) -> list[UserRow]:
    """The tenant's users by name."""
    with system_session(engine) as session:
        rows = session.execute(
            select(User, Membership.role).join(Membership, Membership.user_id == User.id)
            .where(Membership.tenant_id == tenant_id).order_by(User.username)).all()
        return [UserRow(u.id, u.username, u.display_name, role, u.is_active) for u, role in rows]


def set_password(engine: Engine, tenant_id: int, username: str, password: str) -> int:
    """Give a user of the tenant a new password (reset by an admin); their sessions end.

    Returns the number of sessions ended.
    """
    return service.set_password(engine, _user_id(engine, tenant_id, username), password)


def set_active(engine: Engine, tenant_id: int, username: str, active: bool) -> None:
    """Disable (no login, open sessions end) or enable a user."""
    with system_session(engine) as session, session.begin():
        user, _ = _member(session, tenant_id, username)
        user.is_active = active
        user_id = user.id
    if not active:
        end_user_sessions(engine, user_id, "disabled")


def set_role(engine: Engine, tenant_id: int, username: str, role: str) -> None:
    """Change a user's role in the tenant."""
    check_role(role)
    with system_session(engine) as session, session.begin():
        _, membership = _member(session, tenant_id, username)
        membership.role = role
