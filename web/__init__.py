"""The Flask app factory (flaskr style) and the per-request store.

``create_app(test_config=None)`` builds the app: settings from ``GREENTOUR_*`` (or ``test_config``),
one SQLAlchemy engine per app in ``app.extensions["greentour_engine"]``, the parts listed in
:data:`BLUEPRINTS`, the mapping of :class:`greentour.errors.GreentourError` to HTTP answers
and a German start page.

Adding a blueprint: import its module here and add one line to :data:`BLUEPRINTS`; the module
exposes ``init_app(app)``. A missing module is an ImportError, never skipped.

Views reach the store through :mod:`web.db` (:func:`~web.db.get_engine`, and
:func:`~web.db.tenant_db`: a tenant session for the request's tenant, opened once per request
and closed at teardown).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

from flask import Flask, render_template
from sqlalchemy import Engine

from greentour.settings import get_settings
from greentour.store import make_engine, upgrade
from web import (
    admin,
    api,
    auth,
    compress,
    crew,
    db,
    duty,
    errors,
    gis,
    planner,
    records,
    request_guard,
    security,
)

#: The app's parts in registration order (auth first: it installs login, CSRF and Babel);
#: each module has ``init_app(app)``.
BLUEPRINTS: dict[str, ModuleType] = {
    "web.auth": auth,
    "web.security": security,
    "web.planner": planner,
    "web.records": records,
    "web.duty": duty,
    "web.api": api,
    "web.crew": crew,
    "web.gis": gis,
    "web.admin": admin,
    "web.compress": compress,
}


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the greentour web app.

    ``test_config`` overrides Flask config keys; ``GREENTOUR_DATABASE_URL`` selects the database
    (default: the settings' URL), ``GREENTOUR_AUTO_MIGRATE`` (default True) migrates it to the
    newest revision on start-up, ``GREENTOUR_ENGINE`` may hand in an existing engine and
    ``GREENTOUR_BLUEPRINTS`` name a subset of :data:`BLUEPRINTS` (tests of a single blueprint).
    """
    settings = get_settings()
    app = Flask(__name__, instance_path=str(settings.instance_dir), instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY=None,
        GREENTOUR_DATABASE_URL=settings.db_url,
        GREENTOUR_AUTO_MIGRATE=True,
        JSON_AS_ASCII=False,
    )
    if test_config is not None:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.flask_secret_key()
    app.extensions["greentour_settings"] = settings
    app.extensions["greentour_engine"] = _engine_for(app)

    request_guard.init_app(app)
    for module_name in app.config.get("GREENTOUR_BLUEPRINTS", list(BLUEPRINTS)):
        BLUEPRINTS[module_name].init_app(app)
    errors.init_app(app)
    _register_home(app)
    db.init_app(app)
    return app


def _engine_for(app: Flask) -> Engine:
    given = app.config.get("GREENTOUR_ENGINE")
    if isinstance(given, Engine):
        return given
    engine = make_engine(app.config["GREENTOUR_DATABASE_URL"])
    if app.config.get("GREENTOUR_AUTO_MIGRATE"):
        upgrade(engine)
    return engine


def _register_home(app: Flask) -> None:
    """A German start page at ``/`` unless a blueprint already serves ``/``."""
    if any(rule.rule == "/" for rule in app.url_map.iter_rules()):
        return

    def index() -> str:
        return render_template("index.html", endpoints=set(app.view_functions))

    app.add_url_rule("/", "index", index)
