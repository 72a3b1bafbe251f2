"""Limits and checks every request passes before a view reads it.

Installed by :func:`web.create_app` before any blueprint, so its hook runs first (before CSRF
reads a form). For each request, in this order:

1. **authentication** where a blueprint authenticates by header (crew devices, the TTN webhook,
   planners' API calls): :func:`authenticate_first` registers it, and a request without valid
   credentials is answered 401 before one byte of its body is read;
2. **size**: ``request.max_content_length`` per endpoint – :data:`DEFAULT_MAX_BYTES` for JSON and
   forms, more where :func:`limit_body` says so (photos); a declared larger body is answered 413
   unread, a chunked one is cut at the limit by Werkzeug (413);
3. **content**: a JSON body is parsed once with the depth limit and every key and string is
   checked, as are query, form and path values (:mod:`greentour.input_checks`): NUL characters
   and unpaired surrogates are refused with 422 naming the field, too-deep JSON with 400.

Integer URL parts accept at most a database id (:class:`BoundedIntConverter`); a larger number
matches no route (404). Numbers and days past what Python or the database can hold, anywhere,
are answered 422 (:data:`RANGE_ERRORS`, :func:`out_of_range`) instead of a server error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, request
from sqlalchemy.exc import DataError
from werkzeug.routing import IntegerConverter

from greentour.errors import InvalidField, PayloadTooLarge
from greentour.input_checks import ID_MAX, check_text, parse_json

#: Largest body of a JSON or form request (bytes).
DEFAULT_MAX_BYTES = 1024 * 1024
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
#: Errors that mean "a number or day past what Python or the database can hold".
RANGE_ERRORS: tuple[type[Exception], ...] = (OverflowError, DataError)


def out_of_range() -> InvalidField:
    """The 422 answered for a :data:`RANGE_ERRORS` error anywhere in a request."""
    return InvalidField(
        "wert", "Ein Wert liegt außerhalb des gültigen Bereichs (Zahl oder Datum zu groß)"
    )


@dataclass
class GuardRules:
    """Per-app registrations: body limits per endpoint, authenticators per blueprint."""

    limits: dict[str, Callable[[], int]] = field(default_factory=dict)
    authenticators: dict[str, Callable[[], object]] = field(default_factory=dict)


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` URL parts from 0 to :data:`greentour.input_checks.ID_MAX` (else no match)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - Werkzeug's name
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Install the converter and the request hook (call before registering blueprints)."""
    app.config.setdefault("MAX_CONTENT_LENGTH", DEFAULT_MAX_BYTES)
    app.url_map.converters["int"] = BoundedIntConverter
    app.extensions["greentour_request_guard"] = GuardRules()
    app.before_request_funcs.setdefault(None, []).insert(0, _guard)


def limit_body(app: Flask, endpoint: str, max_bytes: Callable[[], int]) -> None:
    """Allow ``endpoint`` bodies up to ``max_bytes()`` (called after authentication)."""
    app.extensions["greentour_request_guard"].limits[endpoint] = max_bytes


def authenticate_first(app: Flask, blueprint: str, authenticate: Callable[[], object]) -> None:
    """Run ``authenticate()`` for every request of ``blueprint`` before its body is read."""
    app.extensions["greentour_request_guard"].authenticators[blueprint] = authenticate


def _guard() -> None:
    rules: GuardRules = current_app.extensions["greentour_request_guard"]
    if request.url_rule is not None:
        authenticate = rules.authenticators.get(request.blueprint or "")
        if authenticate is not None:
            authenticate()
    limit_of = rules.limits.get(request.endpoint or "")
    limit = limit_of() if limit_of is not None else DEFAULT_MAX_BYTES
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(
            f"Anfrage zu groß: höchstens {_size(limit)} (gesendet {_size(request.content_length)})"
        )
    _check_content()


def _size(n_bytes: int) -> str:
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / 1048576:.1f} MB".replace(".", ",")
    return f"{n_bytes / 1024:.0f} KB"


def _check_content() -> None:
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            check_text(value, name, "path")
    for name, values in request.args.lists():
        check_text(name, name, "query")
        for value in values:
            check_text(value, name, "query")
    if request.mimetype in _FORM_TYPES:
        for name, values in request.form.lists():
            check_text(name, name, "form")
            for value in values:
                check_text(value, name, "form")
    elif request.is_json and request.content_length != 0:
        try:
            parse_json(request.get_data(cache=True))
        except ValueError:
            return  # not JSON at all: the view answers 400 as before
