"""Error answers of the web app: JSON for API clients, the German error page for browsers.

:func:`wants_json` decides by path and ``Accept`` header; :func:`error_response` answers a status
and message in that form; :func:`init_app` maps every :class:`~greentour.errors.GreentourError`
(and numbers or days out of range) to its HTTP status.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request

from greentour.errors import GreentourError
from web import request_guard


def wants_json() -> bool:
    """True when the client expects JSON (API/OGC paths or ``Accept: application/json``)."""
    if request.path.startswith(("/api/", "/ogc/", "/crew/api")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(status: int, message: str) -> Any:
    """The error answer in the form the client wants (JSON or the German HTML page)."""
    if wants_json():
        return jsonify(error=str(status), message=message), status
    return render_template("error.html", message=message, status=status), status


def init_app(app: Flask) -> None:
    """Answer :class:`~greentour.errors.GreentourError` with its status and German message."""

    @app.errorhandler(GreentourError)
    def _greentour_error(error: GreentourError) -> Any:
        if wants_json():
            return jsonify(error=type(error).__name__, message=error.message), error.http_status
        return (
            render_template("error.html", message=error.message, status=error.http_status),
            error.http_status,
        )

    for range_error in request_guard.RANGE_ERRORS:
        app.register_error_handler(
            range_error, lambda _error: _greentour_error(request_guard.out_of_range())
        )
