"""Planner accounts: password check and user creation (web login, demo, admin CLI).

Passwords are stored as salted hashes (werkzeug.security, scrypt by default); the plain password is
never stored or logged. New passwords pass the policy of :mod:`greentour.accounts.passwords`
(length >= 12, not on the breached list); changing one goes through
:func:`greentour.accounts.service.set_password`. A user works in a tenant through a
:class:`Membership` with role ``admin``, ``planner`` or ``viewer``
(:mod:`greentour.accounts.roles`). A failed login never says whether the name or the password was
wrong, and takes as long for an unknown name as for a known one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from greentour.accounts.passwords import (
    MIN_LENGTH,
    check_password_policy,
    hash_password,
    verify_password,
)
from greentour.accounts.roles import check_role
from greentour.errors import BadInput, Conflict, Forbidden
from greentour.store import system_session
from greentour.store.models import Membership, Tenant, User

MIN_PASSWORD_LEN = MIN_LENGTH


@dataclass(frozen=True)
class Account:
    """Who is logged in, in which tenant, with which role."""

    user_id: int
    username: str
    display_name: str
    tenant_id: int
    tenant_name: str
    role: str
    locale: str


def _account(user: User, membership: Membership, tenant: Tenant) -> Account:
    return Account(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name or user.username,
        tenant_id=tenant.id,
        tenant_name=tenant.name,
        role=membership.role,
        locale=user.locale or "de",
    )


def authenticate(engine: Engine, username: str, password: str) -> Account:
    """The account for a correct name and password; :class:`Forbidden` otherwise.

    With several memberships the first tenant (lowest id) is chosen.
    """
    refused = Forbidden("Anmeldung fehlgeschlagen: Name oder Passwort falsch")
    with system_session(engine) as session:
        user = session.scalar(select(User).where(User.username == username.strip()))
        known = user is not None and user.is_active
        # one hash check either way, so the time does not tell whether the name exists
        if not verify_password(user.password_hash if known else None, password) or not known:
            raise refused
        membership = session.scalar(
            select(Membership).where(Membership.user_id == user.id).order_by(Membership.tenant_id)
        )
        if membership is None:
            raise Forbidden("Dieses Konto gehört zu keiner Gemeinde")
        return _account(user, membership, membership.tenant)


def load_account(engine: Engine, user_id: int, tenant_id: int) -> Account | None:
    """The account of a session cookie, or None when the user or membership is gone."""
    with system_session(engine) as session:
        user = session.get(User, user_id)
        if user is None or not user.is_active:
            return None
        membership = session.scalar(
            select(Membership).where(
                Membership.user_id == user_id, Membership.tenant_id == tenant_id
            )
        )
        if membership is None:
            return None
        return _account(user, membership, membership.tenant)


def create_user(
    engine: Engine,
    tenant_id: int,
    username: str,
    password: str,
    role: str = "planner",
    display_name: str = "",
) -> int:
    """Create a user with a hashed password and a membership in ``tenant_id``; returns its id."""
    username = username.strip()
    if not username:
        raise BadInput("Benutzername fehlt")
    check_password_policy(password, username)
    check_role(role)
    with system_session(engine) as session, session.begin():
        if session.get(Tenant, tenant_id) is None:
            raise BadInput(f"Mandant {tenant_id} gibt es nicht")
        existing = session.scalar(select(User).where(User.username == username))
        if existing is not None:
            raise Conflict(f"Benutzer „{username}“ gibt es schon")
        user = User(
            username=username,
            display_name=display_name or username,
            password_hash=hash_password(password),
        )
        session.add(user)
        session.flush()
        session.add(Membership(tenant_id=tenant_id, user_id=user.id, role=role))
        return user.id


def ensure_user(
    engine: Engine, tenant_id: int, username: str, password: str, role: str = "planner"
) -> tuple[int, bool]:
    """Like :func:`create_user`, but an existing user keeps its password and only gets the
    membership (demo). Returns the user id and whether the user was created."""
    with system_session(engine) as session, session.begin():
        user = session.scalar(select(User).where(User.username == username))
        if user is not None:
            membership = session.scalar(
                select(Membership).where(
                    Membership.user_id == user.id, Membership.tenant_id == tenant_id
                )
            )
            if membership is None:
                session.add(Membership(tenant_id=tenant_id, user_id=user.id, role=role))
            return user.id, False
    return create_user(engine, tenant_id, username, password, role), True
