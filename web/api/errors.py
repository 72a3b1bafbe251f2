"""JSON error answers of the REST API v1 (:func:`web.errors.json_error`: ``status``,
``message``, ``detail`` and the problem+json members).

Every error under /api/v1 answers JSON, whatever raised it: request validation (APIFlask,
422 with the reasons per field; :class:`~greentour.errors.InvalidField` the same way),
greentour's own errors (their HTTP status, German message), numbers or days out of range (422)
or Werkzeug (404, 405, 413 ...). A 401 carries ``WWW-Authenticate: Bearer``.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from apiflask.exceptions import HTTPError
from werkzeug.exceptions import HTTPException

from greentour.errors import GreentourError, InvalidField
from web.errors import json_error
from web.request_guard import RANGE_ERRORS, out_of_range


def _answer(status: int, message: str, detail: Any = None, headers: dict | None = None) -> Any:
    response = json_error(status, message, detail, headers)
    if status == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="greentour"')
    return response


def register_error_handlers(bp: APIBlueprint) -> None:
    """JSON errors for every view of ``bp``."""

    @bp.errorhandler(HTTPError)
    def _apiflask_error(error: HTTPError) -> Any:
        return _answer(error.status_code, error.message, error.detail, dict(error.headers or {}))

    @bp.errorhandler(InvalidField)
    def _invalid_field(error: InvalidField) -> Any:
        return _answer(422, error.message, {error.location: {error.field: [error.message]}})

    for range_error in RANGE_ERRORS:
        bp.register_error_handler(range_error, lambda _error: _invalid_field(out_of_range()))

    @bp.errorhandler(GreentourError)
    def _greentour_error(error: GreentourError) -> Any:
        return _answer(error.http_status, error.message)

    @bp.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        return _answer(error.code or 500, error.description or error.name)
