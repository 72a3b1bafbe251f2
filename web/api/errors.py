"""JSON error answers of the REST API v1: ``{"status", "message", "detail"}``.

Every error under /api/v1 answers JSON, whatever raised it: request validation (APIFlask,
422 with the reasons per field), greentour's own errors (their HTTP status, German message),
or Werkzeug (404, 405, 413 ...). A 401 carries ``WWW-Authenticate: Bearer``.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from apiflask.exceptions import HTTPError
from flask import jsonify
from werkzeug.exceptions import HTTPException

from greentour.crew.errors import InvalidReport
from greentour.errors import GreentourError


def _answer(status: int, message: str, detail: Any = None, headers: dict | None = None) -> Any:
    response = jsonify(status=status, message=message, detail=detail or {})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    if status == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="greentour"')
    return response


def register_error_handlers(bp: APIBlueprint) -> None:
    """JSON errors for every view of ``bp``."""

    @bp.errorhandler(HTTPError)
    def _apiflask_error(error: HTTPError) -> Any:
        return _answer(error.status_code, error.message, error.detail, dict(error.headers or {}))

    @bp.errorhandler(InvalidReport)
    def _invalid_report(error: InvalidReport) -> Any:
        return _answer(422, error.message, {"json": {error.field: [error.message]}})

    @bp.errorhandler(GreentourError)
    def _greentour_error(error: GreentourError) -> Any:
        return _answer(error.http_status, error.message)

    @bp.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        return _answer(error.code or 500, error.description or error.name)
