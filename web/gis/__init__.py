"""GIS blueprint: the tenant's live OGC API - Features under ``/ogc/<tenant>/`` and plan
downloads (GeoJSON, GeoPackage, GPX) under ``/gis/``.

Views are thin: build the framework-free request, check access, call one core function of
:mod:`greentour.gis.ogc` and copy its response. See docs/gis.md.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from greentour.clock import tenant_today
from greentour.errors import BadInput, GreentourError
from greentour.gis import ogc
from greentour.gis import tokens as gis_tokens
from greentour.gis.access import AuthenticationRequired, ogc_service
from greentour.gis.export import MAX_EXPORT_DAYS, export_days, export_plan
from greentour.gis.geojson import MEDIA_TYPE as GEOJSON_MEDIA_TYPE
from greentour.gis.gpx import MEDIA_TYPE as GPX_MEDIA_TYPE
from greentour.gis.ogc_query import MAX_LIMIT
from greentour.input_checks import check_day
from greentour.store import session_tenant
from web.auth import planner_required
from web.db import get_engine, tenant_db
from web.http_auth import TOKEN_HEADER, gis_credentials

bp = Blueprint("gis", __name__, template_folder="templates")

_MEDIA = {"geojson": GEOJSON_MEDIA_TYPE, "gpkg": "application/geopackage+sqlite3",
          "gpx": GPX_MEDIA_TYPE}


def _flask_response(answer: ogc.ApiResponse) -> Response:
    response = Response(answer.content, status=answer.status)
    for name, value in answer.headers.items():
        response.headers[name] = value
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    return response


def _ogc(tenant: str, call: Callable[..., ogc.ApiResponse], *args: Any) -> Response:
    """Access check, then one core call; errors become OGC exception documents."""
    base_url = url_for("gis.landing", tenant=tenant, _external=True).rstrip("/")
    req = ogc.ApiRequest(base_url=base_url, args=request.args.to_dict(flat=False))
    try:
        service = ogc_service(
            get_engine(), tenant, gis_credentials(request.headers),
            max_limit=int(current_app.config.get("GREENTOUR_OGC_MAX_LIMIT", MAX_LIMIT)),
            address=request.remote_addr or "",
        )
    except AuthenticationRequired as exc:
        response = _flask_response(ogc.error_response(exc))
        response.headers["WWW-Authenticate"] = f'Basic realm="greentour {tenant}", charset="UTF-8"'
        return response
    except GreentourError as exc:
        return _flask_response(ogc.error_response(exc))
    return _flask_response(call(service, req, *args))


@bp.get("/ogc/<tenant>")
@bp.get("/ogc/<tenant>/")
def landing(tenant: str) -> Response:
    """OGC API landing page of a tenant."""
    return _ogc(tenant, ogc.landing)


@bp.get("/ogc/<tenant>/conformance")
def conformance(tenant: str) -> Response:
    """Conformance classes."""
    return _ogc(tenant, ogc.conformance)


@bp.get("/ogc/<tenant>/collections")
def collections(tenant: str) -> Response:
    """All collections."""
    return _ogc(tenant, ogc.collections)


@bp.get("/ogc/<tenant>/collections/<collection_id>")
def collection(tenant: str, collection_id: str) -> Response:
    """One collection."""
    return _ogc(tenant, ogc.collection, collection_id)


@bp.get("/ogc/<tenant>/collections/<collection_id>/items")
def items(tenant: str, collection_id: str) -> Response:
    """Features of a collection (paged)."""
    return _ogc(tenant, ogc.items, collection_id)


@bp.get("/ogc/<tenant>/collections/<collection_id>/items/<feature_id>")
def item(tenant: str, collection_id: str, feature_id: str) -> Response:
    """One feature."""
    return _ogc(tenant, ogc.item, collection_id, feature_id)


@bp.get("/ogc/<tenant>/openapi")
def openapi(tenant: str) -> Response:
    """OpenAPI 3.0 description (service-desc)."""
    return _ogc(tenant, ogc.openapi)


@bp.get("/ogc/<tenant>/docs")
def docs(tenant: str) -> Response:
    """HTML documentation (service-doc)."""
    return _ogc(tenant, ogc.service_doc)


@bp.get("/ogc/<tenant>/styles/<name>")
def style(tenant: str, name: str) -> Response:
    """A QGIS style (QML) linked from a collection."""
    return _ogc(tenant, ogc.style, name)


# --------------------------------------------------------------------------- planner downloads
def _download(write: Callable[[Path], Any], fmt: str, name: str) -> Response:
    """The file ``write(path)`` produces, as an attachment called ``name``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"export.{fmt}"
        write(out)
        content = out.read_bytes()
    return Response(content, mimetype=_MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _format(fmt: str) -> str:
    if fmt not in _MEDIA:
        raise BadInput(f"Unbekanntes Format „{fmt}“; möglich: {', '.join(_MEDIA)}")
    return fmt


@bp.get("/gis/export/plan/<int:plan_id>.<fmt>")
@planner_required
def export(plan_id: int, fmt: str) -> Response:
    """Download a published plan as GeoJSON, GeoPackage or GPX (``?tour=ID`` for one crew-day's
    GPX; a draft only with ``?draft=1``, else 409)."""
    fmt = _format(fmt)
    tour = request.args.get("tour", type=int)
    draft = request.args.get("draft") == "1"
    name = f"greentour-plan-{plan_id}{'-tour-' + str(tour) if tour else ''}.{fmt}"
    return _download(lambda out: export_plan(get_engine(), current_user.tenant_id, plan_id, fmt,
                                             out, tour_id=tour, allow_draft=draft), fmt, name)


@bp.get("/gis/export/days")
@planner_required
def export_published_days() -> Response:
    """Download what the tablets show on days: ``?day=YYYY-MM-DD&days=N&format=gpkg`` (the
    published plan of each day, with the town's sites)."""
    fmt = _format(request.args.get("format", "gpkg"))
    raw = request.args.get("day", "")
    try:
        first = check_day(dt.date.fromisoformat(raw), "day")
    except ValueError as exc:
        raise BadInput(f"Datum „{raw}“ ist ungültig (JJJJ-MM-TT)") from exc
    days = request.args.get("days", "1")
    if not days.isdigit():
        raise BadInput(f"Anzahl Tage „{days}“ ist keine Zahl")
    name = f"greentour-touren-{first.isoformat()}-{int(days)}-tage.{fmt}"
    return _download(lambda out: export_days(get_engine(), current_user.tenant_id, first,
                                             int(days), fmt, out), fmt, name)


def _token_page(issued: str | None = None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "gis/tokens.html",
        tokens=gis_tokens.list_gis_tokens(tenant_db()),
        ogc_url=url_for("gis.landing", tenant=_tenant_slug(), _external=True),
        header=TOKEN_HEADER, issued=issued, username=current_user.account.username,
        default_days=gis_tokens.DEFAULT_VALID_DAYS, max_days=gis_tokens.MAX_VALID_DAYS,
        today=tenant_today(session_tenant(tenant_db())), max_export_days=MAX_EXPORT_DAYS,
    ), status


def _tenant_slug() -> str:
    return session_tenant(tenant_db()).slug


@bp.get("/gis/token")
@planner_required
def token() -> tuple[str, int]:
    """The GIS tokens of the town (user, expiry, last use) and the OGC API address for QGIS."""
    return _token_page()


@bp.post("/gis/token")
@planner_required
def create_token() -> tuple[str, int]:
    """A new GIS token for the logged-in user, shown once."""
    days = request.form.get("valid_days", "").strip()
    if days and not days.isdigit():
        raise BadInput(f"Gültigkeit „{days}“ ist keine Zahl von Tagen")
    session = tenant_db()
    issued = gis_tokens.issue_gis_token(
        session, current_user.tenant_id, current_user.account.user_id,
        request.form.get("name", ""), int(days) if days else None,
    )
    session.commit()
    return _token_page(issued.token, 201)


@bp.post("/gis/token/<int:token_id>/widerrufen")
@planner_required
def revoke_token(token_id: int) -> Any:
    """Revoke a GIS token: QGIS gets 401 at its next request."""
    session = tenant_db()
    record = gis_tokens.revoke_gis_token(session, token_id)
    session.commit()
    flash(_("GIS-Token „%(name)s“ widerrufen.", name=record.name or record.id), "info")
    return redirect(url_for("gis.token"))


def init_app(app: Flask) -> None:
    """Register the GIS blueprint (the token page's forms carry the app's CSRF token)."""
    app.register_blueprint(bp)
