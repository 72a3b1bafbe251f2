"""Error answers of the web app: JSON for API clients, the German error page for browsers.

:func:`json_error` is the one JSON error answer of every blueprint (REST API, planner, app):
``application/problem+json`` with ``type``, ``title`` and ``status`` (RFC 9457), the German
``message`` (also as ``error``, which the planner's scripts read) and ``detail``: the reasons
per field of a refused request (``{"json": {"note": [...]}}``, empty otherwise; an object, as
the REST API documents it, where RFC 9457 has a text). :func:`wants_json` decides by path and
``Accept`` header; :func:`error_response` answers a status and message in the form the client
wants; :func:`init_app` maps every :class:`~greentour.errors.GreentourError` (and numbers or days
out of range) to its HTTP status.

The OGC API answers its own exception documents (:func:`greentour.gis.ogc.error_response`).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask import session as flask_session
from werkzeug.http import HTTP_STATUS_CODES

from greentour.errors import GreentourError
from web import request_guard

PROBLEM_JSON = "application/problem+json"


def json_error(
    status: int, message: str, detail: Any = None, headers: dict[str, str] | None = None
) -> Response:
    """The JSON error answer (see the module doc) with ``status`` and optional ``headers``."""
    response = jsonify(
        type="about:blank", title=HTTP_STATUS_CODES.get(status, "Error"), status=status,
        message=message, error=message, detail=detail or {},
    )
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def wants_json() -> bool:
    """True when the client expects JSON (API/OGC paths or ``Accept: application/json``)."""
    if request.path.startswith(("/api/", "/ogc/", "/crew/api")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(status: int, message: str) -> Any:
    """The error answer in the form the client wants (JSON or the German HTML page)."""
    if wants_json():
        return json_error(status, message)
    return render_template("error.html", message=message, status=status), status


def ui_language() -> str:
    """The language the user chose in the planner (``de`` unless ``en`` was chosen)."""
    return "en" if flask_session.get("lang") == "en" else "de"


def init_app(app: Flask) -> None:
    """Answer :class:`~greentour.errors.GreentourError` with its status and German message."""

    @app.errorhandler(GreentourError)
    def _greentour_error(error: GreentourError) -> Any:
        message = error.text(ui_language())
        if wants_json():
            return json_error(error.http_status, message)
        return (
            render_template("error.html", message=message, status=error.http_status),
            error.http_status,
        )

    for range_error in request_guard.RANGE_ERRORS:
        app.register_error_handler(
            range_error, lambda _error: _greentour_error(request_guard.out_of_range())
        )
