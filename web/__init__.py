"""The Flask app factory (flaskr style) and the per-request store.

``create_app(test_config=None)`` builds the app: settings from ``GREENTOUR_*`` (or ``test_config``),
one SQLAlchemy engine per app in ``app.extensions["greentour_engine"]``, the blueprints listed in
:data:`BLUEPRINT_MODULES`, the mapping of :class:`greentour.errors.GreentourError` to HTTP answers
and a German start page.

Adding a blueprint: append one line with its module to :data:`BLUEPRINT_MODULES`. The module
exposes ``init_app(app)`` (preferred, may register extensions too) or a ``bp`` Blueprint. Modules
that do not exist yet are skipped, so the list may name blueprints still being written.

Views reach the store through :func:`get_engine` and :func:`tenant_db` (a tenant session for the
logged-in user's tenant, opened once per request and closed at teardown).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Mapping
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask import session as flask_session
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from greentour.errors import Forbidden, GreentourError
from greentour.settings import get_settings
from web import request_guard

#: Blueprint modules in registration order (auth first: it installs login, CSRF and Babel).
BLUEPRINT_MODULES: list[str] = [
    "web.auth",
    "web.security",
    "web.planner",
    "web.records",
    "web.duty",
    "web.api",
    "web.crew",
    "web.gis",
    "web.admin",
    "web.compress",
]


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the greentour web app.

    ``test_config`` overrides Flask config keys; ``GREENTOUR_DATABASE_URL`` selects the database
    (default: the settings' URL), ``GREENTOUR_AUTO_MIGRATE`` (default True) migrates it to the
    newest revision on start-up, ``GREENTOUR_ENGINE`` may hand in an existing engine and
    ``GREENTOUR_BLUEPRINTS`` replace :data:`BLUEPRINT_MODULES` (tests of a single blueprint).
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
    for module_name in app.config.get("GREENTOUR_BLUEPRINTS", BLUEPRINT_MODULES):
        _register(app, module_name)
    _register_errors(app)
    _register_home(app)
    app.teardown_appcontext(_close_tenant_db)
    return app


def _engine_for(app: Flask) -> Engine:
    from greentour.store import make_engine, upgrade

    given = app.config.get("GREENTOUR_ENGINE")
    if isinstance(given, Engine):
        return given
    engine = make_engine(app.config["GREENTOUR_DATABASE_URL"])
    if app.config.get("GREENTOUR_AUTO_MIGRATE"):
        upgrade(engine)
    return engine


def _register(app: Flask, module_name: str) -> None:
    if importlib.util.find_spec(module_name) is None:
        return
    module = importlib.import_module(module_name)
    init = getattr(module, "init_app", None)
    if callable(init):
        init(app)
        return
    bp = getattr(module, "bp", None)
    if bp is not None:
        app.register_blueprint(bp)


def get_engine() -> Engine:
    """The engine of the current app."""
    from flask import current_app

    return current_app.extensions["greentour_engine"]


def use_tenant(tenant_id: int) -> None:
    """Bind this request to a tenant without a login (token-authenticated APIs call this)."""
    g.greentour_tenant_id = tenant_id


def current_tenant_id() -> int | None:
    """The request's tenant: set by :func:`use_tenant`, else the logged-in user's (or None)."""
    bound = g.get("greentour_tenant_id")
    if isinstance(bound, int):
        return bound
    try:
        from flask_login import current_user
    except ImportError:  # pragma: no cover - flask-login is a dependency
        return None
    tenant_id = getattr(current_user, "tenant_id", None)
    return tenant_id if isinstance(tenant_id, int) else None


def tenant_db() -> Session:
    """A tenant session for the logged-in user's tenant, one per request.

    Raises :class:`Forbidden` when nobody is logged in, so tenant data never leaks to anonymous
    requests.
    """
    from greentour.store import tenant_session

    session = g.get("_greentour_tenant_db")
    if session is None:
        tenant_id = current_tenant_id()
        if tenant_id is None:
            raise Forbidden("Bitte anmelden")
        session = tenant_session(get_engine(), tenant_id)
        g._greentour_tenant_db = session
    return session


def _close_tenant_db(_exc: BaseException | None) -> None:
    session = g.pop("_greentour_tenant_db", None)
    if session is not None:
        session.close()


def wants_json() -> bool:
    """True when the client expects JSON (API/OGC paths or ``Accept: application/json``)."""
    if request.path.startswith(("/api/", "/ogc/", "/crew/api")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _ui_language() -> str:
    """The language the user chose in the planner (``de`` unless ``en`` was chosen)."""
    return "en" if flask_session.get("lang") == "en" else "de"


def _register_errors(app: Flask) -> None:
    @app.errorhandler(GreentourError)
    def _greentour_error(error: GreentourError) -> Any:
        message = error.text(_ui_language())
        if wants_json():
            return jsonify(error=type(error).__name__, message=message), error.http_status
        return (
            render_template("error.html", message=message, status=error.http_status),
            error.http_status,
        )

    for range_error in request_guard.RANGE_ERRORS:
        app.register_error_handler(
            range_error, lambda _error: _greentour_error(request_guard.out_of_range())
        )


def _register_home(app: Flask) -> None:
    """A German start page at ``/`` unless a blueprint already serves ``/``."""
    if any(rule.rule == "/" for rule in app.url_map.iter_rules()):
        return

    def index() -> str:
        return render_template("index.html", endpoints=set(app.view_functions))

    app.add_url_rule("/", "index", index)
