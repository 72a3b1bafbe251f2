"""REST API v1 under /api/v1 with a generated OpenAPI document and interactive docs.

The endpoints are APIFlask blueprints (:mod:`web.api.crew` for devices and TTN,
:mod:`web.api.planner` for logged-in planners). The main app is a plain Flask app, so the
blueprints are registered twice: on the main app, which serves them, and on a private
:class:`apiflask.APIFlask` instance that only generates the OpenAPI document from the very same
view functions and schemas. Served at:

* ``/api/v1/openapi.json`` – OpenAPI 3 document (generated, never hand-written);
* ``/api/v1/docs`` – Swagger UI from the swagger-ui-bundle package (no CDN).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import apiflask.settings as apiflask_settings
from apiflask import APIFlask
from flask import Blueprint, Flask, Response, current_app, render_template, send_from_directory

from web import request_guard
from web.api import crew, planner
from web.api.auth import SECURITY_SCHEMES, current_planner
from web.auth import csrf

API_TITLE = "greentour API"
API_VERSION = "1.0.0"
API_DESCRIPTION = (
    "REST-API v1 von greentour: Touren und Meldungen der Kolonnen (Geräte-Token), "
    "Geräte-Tokens und Meldungen für die Disposition (Anmeldung), TTN-Webhook für "
    "Bodenfeuchtesensoren. Siehe docs/crew-api.md. Kartendaten © OpenStreetMap contributors, ODbL."
)
#: APIFlask reads these keys from the serving app's config in its decorators.
_APIFLASK_KEYS = (
    "VALIDATION_ERROR_STATUS_CODE",
    "VALIDATION_ERROR_DESCRIPTION",
    "BASE_RESPONSE_SCHEMA",
    "BASE_RESPONSE_DATA_KEY",
)

docs_bp = Blueprint("api_docs", __name__, url_prefix="/api/v1", template_folder="templates")


def _swagger_dir() -> Path:
    import swagger_ui_bundle

    return Path(swagger_ui_bundle.swagger_ui_path)


def _blueprints() -> list[Any]:
    return [crew.bp, planner.bp]


def build_spec_app() -> APIFlask:
    """The APIFlask instance that generates the OpenAPI document (serves nothing)."""
    spec_app = APIFlask(
        "greentour_api_spec", title=API_TITLE, version=API_VERSION, spec_path=None, docs_path=None
    )
    # OpenAPI 3.0.3: the bundled Swagger UI 4 renders 3.0 only; validators and schemathesis
    # read both.
    spec_app.config["OPENAPI_VERSION"] = "3.0.3"
    spec_app.config["SECURITY_SCHEMES"] = SECURITY_SCHEMES
    spec_app.config["INFO"] = {
        "description": API_DESCRIPTION,
        "license": {"name": "AGPL-3.0-or-later"},
    }
    for bp in _blueprints():
        spec_app.register_blueprint(bp)
    return spec_app


def openapi_document() -> dict[str, Any]:
    """The generated OpenAPI document of the current app's API."""
    spec_app: APIFlask = current_app.extensions["greentour_api_spec"]
    with spec_app.app_context():
        return spec_app._get_spec("json")  # noqa: SLF001 - APIFlask's spec builder


@docs_bp.get("/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI document."""
    return current_app.json.response(openapi_document())


@docs_bp.get("/docs")
def docs() -> str:
    """Interactive API documentation (Swagger UI, served locally)."""
    return render_template("api/docs.html")


@docs_bp.get("/docs/static/<path:filename>")
def docs_static(filename: str) -> Response:
    """Swagger UI assets from the swagger-ui-bundle package."""
    return send_from_directory(_swagger_dir(), filename, max_age=3600)


def init_app(app: Flask) -> None:
    """Register the API on the app (serving) and on the spec generator."""
    for key in _APIFLASK_KEYS:
        app.config.setdefault(key, getattr(apiflask_settings, key))
    for bp in _blueprints():
        app.register_blueprint(bp)
    app.register_blueprint(docs_bp)
    app.extensions["greentour_api_spec"] = build_spec_app()
    request_guard.authenticate_first(app, crew.bp.name, crew.authenticate)
    request_guard.authenticate_first(app, planner.bp.name, current_planner)
    request_guard.limit_body(app, "api_crew.post_photo", crew.photo_body_limit)
    request_guard.limit_body(app, "api_crew.post_inspection_photo", crew.photo_body_limit)
    # Devices and TTN authenticate with a token or secret header, not with a cookie: no CSRF.
    csrf.exempt(crew.bp)
