"""Access to a tenant's OGC API: public tenants, HTTP Basic members, GIS tokens."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete
from werkzeug.security import generate_password_hash

from greentour.errors import BadInput, Forbidden
from greentour.gis import tokens as gis_tokens
from greentour.gis.access import (
    AuthenticationRequired,
    Credentials,
    check_access,
    make_gis_token,
)
from greentour.store import system_session, tenant_session
from greentour.store.models import Membership, User


def _basic(user: str, password: str) -> Credentials:
    return Credentials(username=user, password=password, sent=True)


def _token(token: str) -> Credentials:
    return Credentials(token=token, sent=True)


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
    assert check_access(engine, a, _basic("anna", "sicher-123")) == user.id
    with pytest.raises(AuthenticationRequired):
        check_access(engine, b, _basic("anna", "sicher-123"))
    with pytest.raises(AuthenticationRequired):
        check_access(engine, a, _basic("anna", "falsch"))
    with pytest.raises(AuthenticationRequired):
        check_access(engine, a, Credentials())


def test_removed_membership_ends_access_despite_cache(engine, member):
    """After the membership is removed, the remembered password and the token stop working."""
    a, _, user = member
    token = make_gis_token(engine, "stadt-a", "anna")
    assert check_access(engine, a, _basic("anna", "sicher-123")) == user.id
    assert check_access(engine, a, _token(token)) == user.id
    with system_session(engine) as s, s.begin():
        s.execute(delete(Membership).where(Membership.user_id == user.id))
    with pytest.raises(AuthenticationRequired):
        check_access(engine, a, _basic("anna", "sicher-123"))
    with pytest.raises(AuthenticationRequired):
        check_access(engine, a, _token(token))


def test_token_is_bound_to_its_tenant_and_must_be_stored(engine, member):
    """A made-up token of the right shape or another tenant's token is refused; non-members
    get no token."""
    a, b, _ = member
    forged = f"gtg1.{a.id}." + "A" * 43
    with pytest.raises(AuthenticationRequired):
        check_access(engine, a, _token(forged))
    good = make_gis_token(engine, "stadt-a", "anna")
    with pytest.raises(AuthenticationRequired):
        check_access(engine, b, _token(good))
    with pytest.raises(Forbidden, match="kein Mitglied"):
        make_gis_token(engine, "stadt-b", "anna")


def test_token_expires_and_can_be_revoked(engine, member):
    """A token works until its expiry and stops at once when a planner revokes it (#14)."""
    a, _, user = member
    token = make_gis_token(engine, "stadt-a", "anna", name="QGIS", valid_days=30)
    assert check_access(engine, a, _token(token)) == user.id
    with tenant_session(engine, a.id) as s, s.begin():
        listed = gis_tokens.list_gis_tokens(s)
        assert [(t.name, t.username, t.revoked) for t in listed] == [("QGIS", "anna", False)]
        later = listed[0].expires_at + dt.timedelta(seconds=1)
        assert gis_tokens.valid_token_user(s, token, now=later) is None
        assert gis_tokens.list_gis_tokens(s, now=later)[0].expired
        gis_tokens.revoke_gis_token(s, listed[0].id)
    with pytest.raises(AuthenticationRequired):
        check_access(engine, a, _token(token))
    with pytest.raises(BadInput, match="1 bis 730"):
        make_gis_token(engine, "stadt-a", "anna", valid_days=5000)


def test_public_tenant_needs_nothing(engine, make_tenant):
    """A public tenant is open without credentials."""
    public = make_tenant("offen", is_public=True)
    assert check_access(engine, public, Credentials()) is None


def test_basic_passwords_are_throttled_like_the_login_form(engine, member):
    """Guessing through OGC Basic auth is throttled too: after 5 wrong passwords for a name the
    answer is 429 even for the right password; an unknown name is refused the same way."""
    from greentour.errors import TooManyRequests

    a, _b, _user = member
    for _ in range(5):
        with pytest.raises(AuthenticationRequired):
            check_access(engine, a, _basic("anna", "falsch-geraten"), "10.1.1.1")
    with pytest.raises(TooManyRequests):
        check_access(engine, a, _basic("anna", "sicher-123"), "10.1.1.2")
    for _ in range(5):
        with pytest.raises(AuthenticationRequired):
            check_access(engine, a, _basic("niemand", "geraten"), "10.1.1.3")
    with pytest.raises(TooManyRequests):
        check_access(engine, a, _basic("niemand", "geraten"), "10.1.1.3")
