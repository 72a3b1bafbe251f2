"""Security headers on every answer and German error pages (OWASP ASVS 4.0 V14.4, V7.4).

Every response gets

* ``Content-Security-Policy``: scripts only from this server (an inline script needs the
  per-request nonce, :func:`csp_nonce` in templates), no plugins, no ``<base>`` elsewhere, forms
  only to this server, ``frame-ancestors 'none'``; styles may be inline (the pages and Leaflet
  use style attributes), images from this server, ``data:``/``blob:`` (photos before upload) and
  any HTTPS tile server (the base map is configurable);
* ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` (older browsers),
  ``Referrer-Policy: same-origin`` (Flask-WTF compares the referrer over HTTPS, so same-origin
  requests keep it) and ``Cross-Origin-Opener-Policy: same-origin``. Headers a blueprint set
  itself win (the crew tablet sends a stricter CSP and ``no-referrer``).

A lost database connection (PostgreSQL restarting) answers 503 with Retry-After instead of 500,
so clients retry. HTML errors (CSRF failures, 404, 405, 413, 429, 500, ...) answer with the
German error page (English when chosen), JSON clients (``/api/``, ``/ogc/``,
``Accept: application/json``) get ``{"error", "message"}``; blueprints with their own
handlers (the crew API) keep them.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, Response, g
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.middleware.proxy_fix import ProxyFix

from greentour.errors import TooManyRequests
from greentour.settings import get_settings
from web.errors import error_response

CSP = (
    "default-src 'self'; "
    "script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob: https:; "
    "font-src 'self' data:; "
    "connect-src 'self'; "
    "worker-src 'self'; "
    "manifest-src 'self'; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def csp_nonce() -> str:
    """This request's CSP nonce (for the rare inline ``<script nonce=...>``)."""
    nonce = g.get("_csp_nonce")
    if nonce is None:
        nonce = g._csp_nonce = secrets.token_urlsafe(16)
    return nonce


def _add_headers(response: Response) -> Response:
    # a blueprint may send a stricter policy of its own (the crew tablet does): keep it
    response.headers.setdefault("Content-Security-Policy", CSP.format(nonce=csp_nonce()))
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _status_text(code: int) -> str:
    texts = {
        400: _("Die Anfrage war fehlerhaft."),
        401: _("Bitte anmelden."),
        403: _("Dafür fehlt die Berechtigung."),
        404: _("Diese Seite gibt es nicht."),
        405: _("Diese Aktion ist hier nicht möglich."),
        413: _("Die gesendeten Daten sind zu groß."),
        429: _("Zu viele Anfragen; bitte später noch einmal versuchen."),
        500: _("Interner Fehler. Bitte später noch einmal versuchen."),
    }
    return texts.get(code, _("Das hat nicht geklappt."))


def _is_disconnect(error: DBAPIError) -> bool:
    """True for "server closed the connection" / "cannot connect" errors (database restart)."""
    text = str(error.orig or error).lower()
    return any(part in text for part in (
        "server closed the connection", "connection refused", "terminating connection",
        "connection failed", "no such file or directory", "the database system is",
        "consuming input failed", "connection is closed",
    ))


def init_app(app: Flask) -> None:
    """Register the headers, the nonce helper and the error pages on ``app``.

    Behind ``GREENTOUR_TRUSTED_PROXIES`` reverse proxies the client address (login throttling
    per address) and the scheme come from their X-Forwarded-For/-Proto headers (werkzeug's
    ProxyFix); without it every user behind the proxy would share one address.
    """
    proxies = get_settings().trusted_proxies
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.after_request(_add_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.errorhandler(CSRFError)
    def _csrf_error(_error: CSRFError) -> Any:
        return error_response(400, _(
            "Sicherheitsprüfung fehlgeschlagen: Das Formular ist abgelaufen oder kam nicht von "
            "dieser Seite. Bitte die Seite neu laden und noch einmal senden."
        ))

    @app.errorhandler(TooManyRequests)
    def _too_many(error: TooManyRequests) -> Any:
        response = app.make_response(error_response(429, error.message))
        response.headers["Retry-After"] = str(error.retry_after_s)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        if error.code is None or error.code < 400:
            return error
        return error_response(error.code, _status_text(error.code))

    @app.errorhandler(DBAPIError)
    def _database_unavailable(error: DBAPIError) -> Any:
        if not error.connection_invalidated and not _is_disconnect(error):
            raise error  # a real bug: the 500 handler below answers
        response = app.make_response(error_response(503, _(
            "Datenbank vorübergehend nicht erreichbar; bitte gleich noch einmal versuchen."
        )))
        response.headers["Retry-After"] = "2"
        return response

    @app.errorhandler(InternalServerError)
    def _internal(_error: InternalServerError) -> Any:
        return error_response(500, _status_text(500))
