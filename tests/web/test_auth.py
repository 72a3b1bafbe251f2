"""Login, roles, tenant from membership, secure cookies, CSRF and the language switch."""

from __future__ import annotations

import re

import pytest
from planner_scenario import PASSWORD, USERNAME
from sqlalchemy import select

from greentour.planning.accounts import authenticate, create_user
from greentour.store import make_engine, models, system_session
from web import create_app


def _app(db_url: str, **extra: object):
    return create_app({"SECRET_KEY": "test-secret", "GREENTOUR_DATABASE_URL": db_url,
                       "GREENTOUR_AUTO_MIGRATE": False, "TESTING": True, **extra})


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, username: str = USERNAME, password: str = PASSWORD):
    token = _token(client.get("/auth/login").get_data(as_text=True))
    return client.post("/auth/login", data={"username": username, "password": password,
                                            "csrf_token": token})


@pytest.fixture
def app(planner_scenario, monkeypatch, tmp_path):
    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("GREENTOUR_BASEMAP", "none")
    flask_app = _app(planner_scenario.db_url)
    yield flask_app
    flask_app.extensions["greentour_engine"].dispose()


def test_login_page_is_german_by_default(app) -> None:
    """Without a language choice the login form speaks German."""
    html = app.test_client().get("/auth/login").get_data(as_text=True)
    assert 'lang="de"' in html and "Benutzername" in html and "Passwort" in html


def test_wrong_password_is_refused_without_saying_which_part(app) -> None:
    """A wrong password answers 401 with one message and opens no session."""
    client = app.test_client()
    response = login(client, password="falsch-falsch")
    assert response.status_code == 401
    assert "Name oder Passwort falsch" in response.get_data(as_text=True)
    assert client.get("/planner/").status_code == 302


def test_login_opens_the_planner_of_the_users_tenant(app, planner_scenario) -> None:
    """A correct login leads to the planner, which names the user's tenant."""
    client = app.test_client()
    response = login(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/planner/")
    html = client.get("/planner/").get_data(as_text=True)
    assert "Lauf (Beispiel)" in html


def test_passwords_are_stored_hashed(planner_scenario) -> None:
    """The stored password is a salted hash, never the plain text."""
    engine = make_engine(planner_scenario.db_url)
    with system_session(engine) as s:
        user = s.scalar(select(models.User).where(models.User.username == USERNAME))
    engine.dispose()
    assert PASSWORD not in user.password_hash
    assert user.password_hash.split(":")[0] in {"scrypt", "pbkdf2"}


def test_post_without_csrf_token_is_refused(app) -> None:
    """A state-changing request without the CSRF token is refused (400)."""
    client = app.test_client()
    response = client.post("/auth/login", data={"username": USERNAME, "password": PASSWORD})
    assert response.status_code == 400
    login(client)
    response = client.post("/planner/lineup/absence?day=2026-06-15", data={"staff_id": "1"})
    assert response.status_code == 400
    response = client.post("/planner/api/plan", json={"day": "2026-06-15"})
    assert response.status_code == 400


def test_session_cookie_is_httponly_lax_and_secure_outside_debug(planner_scenario) -> None:
    """Outside debug/testing the session cookie is Secure, HttpOnly and SameSite=Lax."""
    flask_app = _app(planner_scenario.db_url, TESTING=False)
    client = flask_app.test_client()
    response = login(client)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    flask_app.extensions["greentour_engine"].dispose()


def test_login_never_redirects_to_another_site(app) -> None:
    """A next parameter pointing to another host is ignored (no open redirect)."""
    client = app.test_client()
    token = _token(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login?next=https://evil.example/x",
                           data={"username": USERNAME, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"].endswith("/planner/")


def test_logout_needs_post_and_ends_the_session(app) -> None:
    """GET does not log out; POST with the token does."""
    client = app.test_client()
    login(client)
    assert client.get("/auth/logout").status_code == 405
    html = client.get("/planner/").get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": _token(html)})
    assert client.get("/planner/").status_code == 302


def test_english_switch_translates_the_ui(app) -> None:
    """/auth/lang/en switches the labels to English and back."""
    client = app.test_client()
    login(client)
    client.get("/auth/lang/en")
    html = client.get("/planner/lineup?day=2026-06-15").get_data(as_text=True)
    assert 'lang="en"' in html and "Report an absence" in html
    client.get("/auth/lang/de")
    html = client.get("/planner/lineup?day=2026-06-15").get_data(as_text=True)
    assert "Abwesenheit melden" in html


def test_membership_decides_the_tenant_and_its_data(planner_scenario) -> None:
    """A user of another tenant logs into that tenant and cannot reach Lauf's records."""
    engine = make_engine(planner_scenario.db_url)
    with system_session(engine) as s, s.begin():
        other = models.Tenant(slug="nachbar", name="Nachbarstadt")
        s.add(other)
    create_user(engine, other.id, "nachbar", "geheim-geheim")
    account = authenticate(engine, "nachbar", "geheim-geheim")
    assert account.tenant_id == other.id and account.role == "planner"
    flask_app = _app(planner_scenario.db_url)
    client = flask_app.test_client()
    login(client, "nachbar", "geheim-geheim")
    html = client.get("/planner/print/day/1").get_data(as_text=True)
    assert "Kolonne 1" not in html
    assert client.get("/planner/api/jobs/1").status_code == 404
    flask_app.extensions["greentour_engine"].dispose()
    engine.dispose()
