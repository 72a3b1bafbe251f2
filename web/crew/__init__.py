"""The crew's web view: a mobile-first, German, offline-capable page for the tablet in the vehicle.

The page is a static app shell (no server-side data in the HTML, so the service worker can cache it
for every device); the tour and the reports travel through the REST API v1 (``web.api``) with the
device token as Bearer token. The token reaches the device through the planner's QR code as the URL
fragment ``/crew/#token=...`` (a fragment is never sent to the server nor written to its logs).

Service workers only run in a secure context: HTTPS, or ``localhost``/``127.0.0.1`` for
development. See docs/crew-api.md.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Response, render_template, request, send_from_directory, url_for

from web.crew import devices  # noqa: F401 - adds the /crew/geraete routes to bp
from web.crew.blueprint import STATIC_DIR, bp

#: Only our own server: no CDN, no tile server, no third-party scripts; Leaflet positions its
#: vector layers with inline styles, photos are previewed from blob: URLs.
CREW_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; worker-src 'self'; "
    "manifest-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)

#: Files the service worker keeps for offline use, relative to the crew static folder.
SHELL_STATIC = ("crew.css", "i18n.js", "crew.js", "icon.svg")
LEAFLET_FILES = ("leaflet.js", "leaflet.css")


def _leaflet_dir() -> Path:
    import xstatic.pkg.leaflet as leaflet

    return Path(leaflet.BASE_DIR)


@lru_cache(maxsize=1)
def _shell_version() -> str:
    """A hash over the shell files and template: a new version makes the service worker update."""
    digest = hashlib.sha256()
    for name in SHELL_STATIC:
        digest.update((STATIC_DIR / name).read_bytes())
    for name in ("index.html", "sw.js"):
        digest.update((Path(__file__).parent / "templates" / "crew" / name).read_bytes())
    return digest.hexdigest()[:16]


def _shell_urls() -> list[str]:
    urls = [url_for("crew.index"), url_for("crew.manifest")]
    urls += [url_for("crew.static", filename=name) for name in SHELL_STATIC]
    urls += [url_for("crew.leaflet", filename=name) for name in LEAFLET_FILES]
    return urls


@bp.get("/")
def index() -> Response:
    """The app shell (same HTML for every device; the tour is loaded by JavaScript)."""
    api_base = request.script_root + "/api/v1"
    response = Response(
        render_template("crew/index.html", version=_shell_version(), api_base=api_base),
        mimetype="text/html",
    )
    response.headers["Content-Security-Policy"] = CREW_CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, served from /crew/ so that its scope covers the crew view."""
    body = render_template("crew/sw.js", version=_shell_version(), shell_urls=_shell_urls())
    response = Response(body, mimetype="application/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    """Web app manifest: the crew view can be added to the tablet's home screen."""
    body = render_template("crew/manifest.webmanifest")
    return Response(body, mimetype="application/manifest+json")


@bp.get("/vendor/leaflet/<path:filename>")
def leaflet(filename: str) -> Response:
    """Leaflet from the XStatic-Leaflet package (vector layers only; no tiles are loaded)."""
    return send_from_directory(_leaflet_dir(), filename, max_age=3600)


def init_app(app) -> None:  # noqa: ANN001 - Flask app
    """Register the crew view (and the planner's tablet page, :mod:`web.crew.devices`)."""
    app.register_blueprint(bp)
