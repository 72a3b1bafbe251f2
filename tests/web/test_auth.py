"""Login, roles, tenant from membership, secure cookies, CSRF and the language switch."""

from __future__ import annotations

import re

import pytest
from planner_scenario import PASSWORD, USERNAME
from sqlalchemy import select

from greentour.accounts.members import authenticate, create_user
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


# ---------------------------------------------------------------- sessions and logins (issue 14)
def _logout(client) -> None:
    html = client.get("/planner/").get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": _token(html)})


def test_saved_cookie_stops_working_after_logout(app) -> None:
    """Logout ends the session on the server: a cookie saved before logging out is refused."""
    client = app.test_client()
    login(client)
    saved = client.get_cookie("session").value
    _logout(client)
    thief = app.test_client()
    thief.set_cookie("session", saved)
    response = thief.get("/planner/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_password_change_ends_every_session_of_the_user(app, planner_scenario) -> None:
    """set_password ends all sessions (other browsers too); the new password works, the old not."""
    from greentour.accounts.service import set_password

    first, second = app.test_client(), app.test_client()
    login(first)
    login(second)
    assert first.get("/planner/").status_code == 200
    engine = app.extensions["greentour_engine"]
    with system_session(engine) as s:
        user_id = s.scalar(select(models.User.id).where(models.User.username == USERNAME))
    assert set_password(engine, user_id, "Neues-Passwort-Sommer-2026") == 2
    for client in (first, second):
        assert client.get("/planner/").status_code == 302
    assert login(app.test_client()).status_code == 401
    assert login(app.test_client(), password="Neues-Passwort-Sommer-2026").status_code == 302


def test_idle_and_absolute_timeouts_end_the_session(planner_scenario, monkeypatch,
                                                    tmp_path) -> None:
    """A session unused longer than the idle time, or older than the absolute limit, is over;
    the cookie's signature itself expires with the absolute limit (not after 31 days)."""
    import datetime as dt

    from greentour.store.models_accounts import AuthSession

    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("GREENTOUR_BASEMAP", "none")
    flask_app = _app(planner_scenario.db_url)
    assert flask_app.permanent_session_lifetime == dt.timedelta(hours=12)
    engine = flask_app.extensions["greentour_engine"]

    def age(client, **delta: float) -> None:
        with system_session(engine) as s, s.begin():
            row = s.scalars(select(AuthSession).order_by(AuthSession.id.desc())).first()
            row.last_seen_at -= dt.timedelta(**delta)
            if "hours" in delta:
                row.created_at -= dt.timedelta(**delta)

    client = flask_app.test_client()
    login(client)
    age(client, minutes=20)
    assert client.get("/planner/").status_code == 200  # 20 min idle: still logged in
    age(client, minutes=31)
    assert client.get("/planner/").status_code == 302  # 31 min idle: logged out
    client = flask_app.test_client()
    login(client)
    with system_session(engine) as s, s.begin():  # busy all day, but logged in 12 h 1 min ago
        row = s.scalars(select(AuthSession).order_by(AuthSession.id.desc())).first()
        row.created_at -= dt.timedelta(hours=12, minutes=1)
    assert client.get("/planner/").status_code == 302
    engine.dispose()


def test_login_throttled_per_account_and_per_address(app) -> None:
    """After 5 wrong passwords the account answers 429 (even to the right password); one
    address trying 20 different names is throttled too; other addresses still log in."""
    client = app.test_client()
    for _ in range(5):
        assert login(client, password="falsch-falsch-falsch").status_code == 401
    response = login(client)
    assert response.status_code == 429 and "Zu viele" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    assert client.get("/planner/").status_code == 302
    # another address: the account is throttled for everyone (no password check at all)
    other = app.test_client()
    token = _token(other.get("/auth/login").get_data(as_text=True))
    response = other.post("/auth/login", data={"username": USERNAME, "password": PASSWORD,
                                               "csrf_token": token},
                          environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert response.status_code == 429
    # one address spraying many names
    sprayer = app.test_client()
    token = _token(sprayer.get("/auth/login").get_data(as_text=True))
    codes = [
        sprayer.post("/auth/login", data={"username": f"name{i}", "password": "x" * 12,
                                          "csrf_token": token},
                     environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code
        for i in range(21)
    ]
    assert codes[:20] == [401] * 20 and codes[20] == 429


def test_unknown_and_known_names_cost_the_same_hash_work(planner_scenario, monkeypatch) -> None:
    """An unknown name is checked against one dummy hash, a known one against its own hash: one
    scrypt check each, no extra hash generation (which made unknown names 50 % slower)."""
    import werkzeug.security as ws

    import greentour.accounts.passwords as pw

    calls = {"check": 0, "generate": 0}
    real_check, real_generate = ws.check_password_hash, ws.generate_password_hash

    def counting_check(*args, **kwargs):
        calls["check"] += 1
        return real_check(*args, **kwargs)

    def counting_generate(*args, **kwargs):
        calls["generate"] += 1
        return real_generate(*args, **kwargs)

    monkeypatch.setattr(pw, "check_password_hash", counting_check)
    monkeypatch.setattr(pw, "generate_password_hash", counting_generate)
    engine = make_engine(planner_scenario.db_url)
    seen = []
    for name in (USERNAME, "gibt-es-nicht"):
        calls.update(check=0, generate=0)
        with pytest.raises(Exception, match="Name oder Passwort falsch"):
            authenticate(engine, name, "falsch-falsch-falsch")
        seen.append(dict(calls))
    engine.dispose()
    assert seen == [{"check": 1, "generate": 0}, {"check": 1, "generate": 0}]


@pytest.mark.parametrize("password, reason", [
    ("12345678", "zu kurz"),
    ("kurz-1234", "zu kurz"),
    ("123456789012", "leicht zu erraten"),
    ("111122223333", "leicht zu erraten"),
    ("Passwort2026!", "gehackter"),
    ("qwertzuiop1234", "gehackter"),
    ("aaaaaaaaaaaaaaa", "wiederholten"),
    ("chefin-im-bauhof", "Benutzernamen"),
    ("x" * 129 + "yz", "zu lang"),
])
def test_password_policy_refuses_short_breached_and_trivial(planner_scenario, password,
                                                           reason) -> None:
    """Length >= 12, not on the breached list (zxcvbn's list), not the name: German reasons."""
    from greentour.errors import BadInput

    engine = make_engine(planner_scenario.db_url)
    with pytest.raises(BadInput, match=reason):
        create_user(engine, 1, "chefin", password)
    engine.dispose()


def test_long_unlisted_password_with_spaces_is_accepted(planner_scenario) -> None:
    """A passphrase of common words with spaces passes the policy."""
    engine = make_engine(planner_scenario.db_url)
    create_user(engine, 1, "chefin", "grüne Wiese am Bauhof")
    assert authenticate(engine, "chefin", "grüne Wiese am Bauhof").username == "chefin"
    engine.dispose()


def test_security_headers_on_every_page(app) -> None:
    """Login page, planner pages, the crew tablet page, API docs, JSON, 404 and static files all
    carry CSP (frame-ancestors 'none'), nosniff and a Referrer-Policy."""
    client = app.test_client()
    login(client)
    for path in ("/auth/login", "/planner/", "/planner/board", "/planner/lineup", "/crew/",
                 "/api/v1/docs", "/api/v1/openapi.json", "/gibt-es-nicht",
                 "/planner/static/common.js", "/gis/token"):
        response = client.get(path)
        csp = response.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, path
        assert "'unsafe-eval'" not in csp and "'unsafe-inline'" not in csp.split("style-src")[0]
        assert "object-src 'none'" in csp or path == "/crew/", path  # crew: default-src 'self'
        assert response.headers.get("X-Content-Type-Options") == "nosniff", path
        assert response.headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), path
        assert response.headers.get("X-Frame-Options") == "DENY", path


def test_csrf_failure_and_other_errors_answer_with_a_german_page(app) -> None:
    """A form sent without a valid CSRF token gets the German error page, not Werkzeug's English
    one; so do 404 and 405; JSON clients get JSON."""
    client = app.test_client()
    response = client.post("/auth/login", data={"username": USERNAME, "password": PASSWORD,
                                                "csrf_token": "verfallen"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Sicherheitsprüfung fehlgeschlagen" in html and "Bad Request" not in html
    assert "The CSRF token" not in html
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404 and "Diese Seite gibt es nicht" in response.get_data(
        as_text=True)
    response = client.get("/auth/logout")
    assert response.status_code == 405 and "nicht möglich" in response.get_data(as_text=True)
    response = client.get("/gibt-es-nicht", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.get_json()["message"]
    client.get("/auth/lang/en")  # English through the catalogue
    response = client.post("/auth/login", data={"csrf_token": "verfallen"})
    assert "Security check failed" in response.get_data(as_text=True)


def test_demo_never_changes_an_existing_password(tmp_path, monkeypatch) -> None:
    """`greentour demo --quick --password ...` on an instance whose admin exists keeps the old
    password; a too short password for a new admin is refused with one German line."""
    from click.testing import CliRunner

    from web.serve import cli

    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(tmp_path / "instance"))
    runner = CliRunner()
    result = runner.invoke(cli, ["demo", "--quick", "--no-serve", "--password", "a"])
    assert result.exit_code == 1 and "Fehler: Passwort zu kurz" in result.output
    first = runner.invoke(cli, ["demo", "--quick", "--no-serve",
                                "--password", "Erstes-Demo-Passwort"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(cli, ["demo", "--quick", "--no-serve", "--password", "a"])
    assert again.exit_code == 0, again.output
    assert "Passwort unverändert" in again.output
    engine = make_engine(f"sqlite:///{tmp_path / 'instance' / 'greentour.sqlite'}")
    assert authenticate(engine, "admin", "Erstes-Demo-Passwort").username == "admin"
    engine.dispose()


def test_unreachable_database_answers_503_with_retry_after(tmp_path, monkeypatch) -> None:
    """A PostgreSQL server that is down (restarting) gives 503 + Retry-After, not 500, so the
    tablet retries its report later."""
    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(tmp_path / "instance"))
    url = f"postgresql+psycopg://postgres@/postgres?host={tmp_path}&port=1"  # nobody listens
    flask_app = _app(url)
    client = flask_app.test_client()
    token = "gtc1.1." + "a" * 43
    response = client.get("/api/v1/crew/tour", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert "Datenbank" in response.get_json()["message"]
    response = client.get("/planner/", headers={"Accept": "text/html"})
    assert response.status_code in (302, 503)
    flask_app.extensions["greentour_engine"].dispose()


def test_behind_a_trusted_proxy_addresses_are_throttled_apart(planner_scenario, monkeypatch,
                                                              tmp_path) -> None:
    """With GREENTOUR_TRUSTED_PROXIES=1 the X-Forwarded-For address counts, so one sprayer
    behind the HTTPS proxy does not lock out every other user coming through it."""
    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("GREENTOUR_TRUSTED_PROXIES", "1")
    flask_app = _app(planner_scenario.db_url)
    client = flask_app.test_client()
    token = _token(client.get("/auth/login").get_data(as_text=True))

    def attempt(name: str, password: str, forwarded: str) -> int:
        return client.post("/auth/login", data={"username": name, "password": password,
                                                "csrf_token": token},
                           headers={"X-Forwarded-For": forwarded}).status_code

    assert [attempt(f"name{i}", "x" * 12, "203.0.113.5") for i in range(21)][-1] == 429
    assert attempt(USERNAME, PASSWORD, "198.51.100.7") == 302  # another user, same proxy
    flask_app.extensions["greentour_engine"].dispose()


def test_no_template_has_an_inline_script_or_handler_the_csp_would_block() -> None:
    """Every inline ``<script>`` carries the request's nonce and no element has an inline
    event handler: the CSP (web/security.py) blocks both, and a page would silently lose its
    behaviour (the "Ort einrichten" map and the inventory's select-all did after a merge)."""
    import re
    from pathlib import Path

    import web

    root = Path(web.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "nonce=" not in tag and "application/json" not in tag:
                offenders.append(f"{path.relative_to(root)}: {tag}")
        offenders += [f"{path.relative_to(root)}: {m}"
                      for m in re.findall(r"\son[a-z]+\s*=\s*[\"']", text)]
    assert offenders == []
