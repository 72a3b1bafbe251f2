"""Access to a tenant's OGC API: public tenants, HTTP Basic members, GIS tokens."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import delete
from werkzeug.security import generate_password_hash

from greentour.errors import Forbidden
from greentour.gis.access import AuthenticationRequired, check_access, make_gis_token
from greentour.store import system_session
from greentour.store.models import Membership, User

SECRET = "access-secret"


def _basic(user: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


@pytest.fixture
def member(engine, make_tenant):
    """Tenant "stadt-a" with member "anna" (password "sicher-123"), and tenant "stadt-b"."""
    a = make_tenant("stadt-a")
    b = make_tenant("stadt-b")
    with system_session(engine) as s, s.begin():
        user = User(username="anna", password_hash=generate_password_hash("sicher-123"))
        s.add(user)
        s.flush()
        s.add(Membership(tenant_id=a.id, user_id=user.id))
    return a, b, user


def test_member_passes_with_basic_and_other_tenant_refuses(engine, member):
    """A member's password opens her tenant, not another tenant."""
    a, b, user = member
    assert check_access(engine, a, _basic("anna", "sicher-123"), SECRET) == user.id
    with pytest.raises(AuthenticationRequired):
        check_access(engine, b, _basic("anna", "sicher-123"), SECRET)
    with pytest.raises(AuthenticationRequired):
        check_access(engine, a, _basic("anna", "falsch"), SECRET)
    with pytest.raises(AuthenticationRequired):
        check_access(engine, a, {}, SECRET)


def test_removed_membership_ends_access_despite_cache(engine, member):
    """After the membership is removed, the remembered password and the token stop working."""
    a, _, user = member
    token = make_gis_token(engine, SECRET, "stadt-a", "anna")
    assert check_access(engine, a, _basic("anna", "sicher-123"), SECRET) == user.id
    assert check_access(engine, a, {"X-Greentour-Token": token}, SECRET) == user.id
    with system_session(engine) as s, s.begin():
        s.execute(delete(Membership).where(Membership.user_id == user.id))
    with pytest.raises(AuthenticationRequired):
        check_access(engine, a, _basic("anna", "sicher-123"), SECRET)
    with pytest.raises(AuthenticationRequired):
        check_access(engine, a, {"X-Greentour-Token": token}, SECRET)


def test_token_is_bound_to_tenant_and_secret(engine, member):
    """A token signed with another secret or for another tenant is refused; non-members get
    no token."""
    a, b, _ = member
    token = make_gis_token(engine, "other-secret", "stadt-a", "anna")
    with pytest.raises(AuthenticationRequired):
        check_access(engine, a, {"X-Greentour-Token": token}, SECRET)
    good = make_gis_token(engine, SECRET, "stadt-a", "anna")
    with pytest.raises(AuthenticationRequired):
        check_access(engine, b, {"Authorization": f"Bearer {good}"}, SECRET)
    with pytest.raises(Forbidden, match="kein Mitglied"):
        make_gis_token(engine, SECRET, "stadt-b", "anna")


def test_public_tenant_needs_nothing(engine, make_tenant):
    """A public tenant is open without credentials."""
    public = make_tenant("offen", is_public=True)
    assert check_access(engine, public, {}, SECRET) is None


def test_basic_passwords_are_throttled_like_the_login_form(engine, member):
    """Guessing through OGC Basic auth is throttled too: after 5 wrong passwords for a name the
    answer is 429 even for the right password; an unknown name is refused the same way."""
    from greentour.errors import TooManyRequests

    a, _b, _user = member
    for _ in range(5):
        with pytest.raises(AuthenticationRequired):
            check_access(engine, a, _basic("anna", "falsch-geraten"), SECRET, "10.1.1.1")
    with pytest.raises(TooManyRequests):
        check_access(engine, a, _basic("anna", "sicher-123"), SECRET, "10.1.1.2")
    for _ in range(5):
        with pytest.raises(AuthenticationRequired):
            check_access(engine, a, _basic("niemand", "geraten"), SECRET, "10.1.1.3")
    with pytest.raises(TooManyRequests):
        check_access(engine, a, _basic("niemand", "geraten"), SECRET, "10.1.1.3")
