"""Planner accounts: password check and user creation (web login, demo, admin CLI).

Passwords are stored as salted hashes (werkzeug.security, scrypt by default); the plain password is
never stored or logged. A user works in a tenant through a :class:`Membership` with role
``planner`` or ``admin``. A failed login never says whether the name or the password was wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select
from werkzeug.security import check_password_hash, generate_password_hash

from greentour.accounts import check_role, password_hash
from greentour.errors import BadInput, Conflict, Forbidden
from greentour.store import system_session
from greentour.store.models import Membership, Tenant, User


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
        if user is None or not user.is_active:
            # hash anyway so that timing does not tell whether the name exists
            check_password_hash(generate_password_hash("x"), password)
            raise refused
        if not check_password_hash(user.password_hash, password):
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
    hashed = password_hash(password)
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
            password_hash=hashed,
        )
        session.add(user)
        session.flush()
        session.add(Membership(tenant_id=tenant_id, user_id=user.id, role=role))
        return user.id


def ensure_user(
    engine: Engine, tenant_id: int, username: str, password: str, role: str = "planner"
) -> int:
    """Like :func:`create_user`, but an existing user gets the password and membership (demo)."""
    with system_session(engine) as session, session.begin():
        user = session.scalar(select(User).where(User.username == username))
        if user is not None:
            user.password_hash = password_hash(password)
            membership = session.scalar(
                select(Membership).where(
                    Membership.user_id == user.id, Membership.tenant_id == tenant_id
                )
            )
            if membership is None:
                session.add(Membership(tenant_id=tenant_id, user_id=user.id, role=role))
            return user.id
    return create_user(engine, tenant_id, username, password, role)
