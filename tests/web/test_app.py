"""The Flask app factory: start page, blueprint registration, store per request, errors."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from greentour.errors import Forbidden, NotFound
from greentour.store import models, tenant_session
from web import BLUEPRINTS, create_app
from web.db import tenant_db, use_tenant


def _minimal(db_url: str, **extra: object) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "GREENTOUR_DATABASE_URL": db_url,
            "GREENTOUR_AUTO_MIGRATE": False,
            "GREENTOUR_BLUEPRINTS": [],
            **extra,
        }
    )


def test_start_page_answers_in_german(client) -> None:
    """The full app (all blueprints) answers GET / (after a login redirect) with a German page."""
    response = client.get("/", follow_redirects=True)
    assert response.status_code == 200
    assert 'lang="de"' in response.get_data(as_text=True)


def test_factory_registers_listed_blueprints(app) -> None:
    """Every part in BLUEPRINTS is an imported module with init_app, and its blueprint is on
    the app; a name outside the list is refused (no silent skip)."""
    assert list(BLUEPRINTS)[0] == "web.auth"
    assert all(callable(module.init_app) for module in BLUEPRINTS.values())
    assert {"auth", "planner", "crew", "gis", "admin"} <= set(app.blueprints)
    with pytest.raises(KeyError):
        _minimal("sqlite://", GREENTOUR_BLUEPRINTS=["web.no_such_blueprint"])


def test_start_page_alone_and_auto_migration(tmp_path, monkeypatch) -> None:
    """A fresh SQLite URL is migrated at app start and the start page shows the product name."""
    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(tmp_path / "inst"))
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    flask_app = _minimal(url, GREENTOUR_AUTO_MIGRATE=True)
    response = flask_app.test_client().get("/")
    assert response.status_code == 200
    assert "Willkommen bei greentour" in response.get_data(as_text=True)
    from sqlalchemy import inspect

    assert "site" in inspect(flask_app.extensions["greentour_engine"]).get_table_names()


def test_greentour_error_becomes_http_status(db_url) -> None:
    """A GreentourError raised in a view becomes its HTTP status with the planner message."""
    flask_app = _minimal(db_url)

    @flask_app.get("/boom")
    def boom() -> str:
        raise NotFound("Fläche 7 gibt es nicht")

    @flask_app.get("/api/boom")
    def api_boom() -> str:
        raise NotFound("Fläche 7 gibt es nicht")

    client = flask_app.test_client()
    html = client.get("/boom")
    assert html.status_code == 404 and "Fläche 7 gibt es nicht" in html.get_data(as_text=True)
    js = client.get("/api/boom")
    assert js.status_code == 404 and js.get_json()["message"] == "Fläche 7 gibt es nicht"


def test_tenant_db_requires_login_and_scopes(db_url, engine, make_tenant) -> None:
    """tenant_db() refuses anonymous requests and is scoped to the logged-in tenant."""
    a = make_tenant("a")
    b = make_tenant("b")
    for tid, name in ((a.id, "A"), (b.id, "B")):
        with tenant_session(engine, tid) as s, s.begin():
            s.add(models.Staff(name=name))
    flask_app = _minimal(db_url)
    with flask_app.test_request_context("/"), pytest.raises(Forbidden, match="anmelden"):
        tenant_db()
    with flask_app.test_request_context("/"):
        use_tenant(b.id)
        assert tenant_db().scalars(select(models.Staff.name)).all() == ["B"]
