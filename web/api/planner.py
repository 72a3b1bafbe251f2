"""Planner endpoints of the REST API v1 (login session): device tokens, reports, sensor set-up."""

from __future__ import annotations

import base64
from typing import Any

from apiflask import APIBlueprint
from flask import Response, current_app, request
from flask_login import current_user

from greentour.crew import photos, reports, sensors, tokens
from greentour.store.models import DeviceToken
from web.api import schemas as S
from web.api.auth import PLANNER_SCHEME, current_planner, tenant_privacy
from web.api.errors import register_error_handlers

bp = APIBlueprint("api_planner", __name__, url_prefix="/api/v1", tag="Disposition")
register_error_handlers(bp)


def _iso(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def _token_dict(session: Any, record: DeviceToken) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "crew": tokens.crew_name(session, record),
        "crew_template_id": record.crew_template_id,
        "crew_day_id": record.crew_day_id,
        "created_at": _iso(record.created_at),
        "expires_at": _iso(record.expires_at),
        "last_used_at": _iso(record.last_used_at),
        "revoked": record.revoked,
    }


@bp.get("/device-tokens")
@bp.output(S.TokenListOut)
@bp.doc(summary="Geräte-Tokens der Kolonnen", security=PLANNER_SCHEME)
def list_device_tokens() -> dict[str, Any]:
    session, _role = current_planner()
    return {"tokens": [_token_dict(session, t) for t in tokens.list_tokens(session)]}


@bp.post("/device-tokens")
@bp.input(S.TokenIn, location="json", arg_name="body")
@bp.output(S.IssuedTokenOut, status_code=201)
@bp.doc(
    summary="Geräte-Token für eine Kolonne erzeugen (mit QR-Code)",
    description="Das Token ist nur in dieser Antwort lesbar (gespeichert wird sein Hash). Der "
    "QR-Code enthält die Adresse der Kolonnenansicht mit dem Token im URL-Fragment.",
    security=PLANNER_SCHEME,
    responses={404: "Kolonne unbekannt"},
)
def create_device_token(body: dict[str, Any]) -> dict[str, Any]:
    session, _role = current_planner()
    template_id = body["crew_template_id"]
    if body["crew_name"] is not None:
        template_id = tokens.find_template(session, template_id=None, name=body["crew_name"]).id
    issued = tokens.issue_token(
        session,
        current_user.tenant_id,
        crew_template_id=template_id,
        crew_day_id=body["crew_day_id"],
        name=body["name"],
        valid_days=body["valid_days"],
    )
    out = _token_dict(session, issued.record)
    session.commit()
    url = tokens.crew_url(request.host_url + request.script_root.lstrip("/"), issued.token)
    out.update(
        token=issued.token,
        crew_url=url,
        qr_svg=tokens.qr_svg(url),
        qr_png_base64=base64.b64encode(tokens.qr_png(url)).decode("ascii"),
    )
    return out


@bp.post("/device-tokens/<int:token_id>/revoke")
@bp.output(S.RevokedTokenOut)
@bp.doc(summary="Geräte-Token widerrufen", security=PLANNER_SCHEME, responses={404: "unbekannt"})
def revoke_device_token(token_id: int) -> dict[str, Any]:
    session, _role = current_planner()
    record = tokens.revoke_token(session, token_id)
    out = _token_dict(session, record)
    session.commit()
    return out


@bp.get("/reports")
@bp.input(S.ReportListQuery, location="query", arg_name="query")
@bp.output(S.ReportListOut)
@bp.doc(
    summary="Meldungen der Kolonnen (je Tagesbesetzung)",
    description="flagged=true zeigt nur Meldungen gegen einen älteren Planstand. Zeiten je Halt "
    "nur für die Rollen in privacy.stop_times_visible_to (Standard: admin).",
    security=PLANNER_SCHEME,
)
def list_reports(query: dict[str, Any]) -> dict[str, Any]:
    session, role = current_planner()
    visible = tenant_privacy(session, current_user.tenant_id).may_see_stop_times(role)
    items = reports.list_reports(
        session,
        day=query["date"],
        crew_day_id=query["crew_day_id"],
        flagged_only=query["flagged"],
        with_times=visible,
    )
    return {"reports": items, "stop_times_visible": visible}


@bp.get("/reports/<client_uuid>/photo")
@bp.input(S.PhotoQuery, location="query", arg_name="query")
@bp.doc(
    summary="Foto einer Meldung ansehen (Disposition)",
    description="Das gespeicherte Foto (ohne Metadaten, höchstens 2048 px) oder mit "
    "size=thumb ein Vorschaubild von höchstens 320 px für Karte und Wochentafel. Die einzige "
    "Adresse der Fotos: Karte und Wochentafel verlinken hierher. Auch für die Rolle viewer "
    "(nur lesen).",
    security=PLANNER_SCHEME,
    responses={200: "JPEG, PNG oder WebP", 404: "Meldung ohne Foto"},
)
def report_photo(client_uuid: str, query: dict[str, Any]) -> Response:
    session, _role = current_planner()
    data, media_type = photos.photo_for_planner(
        session,
        current_app.extensions["greentour_settings"].instance_dir,
        reports.normalise_uuid(client_uuid),
        thumbnail=query["size"] == "thumb",
    )
    response = Response(data, mimetype=media_type)
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/sensors/webhooks")
@bp.input(S.WebhookIn, location="json", arg_name="body")
@bp.output(S.WebhookOut, status_code=201)
@bp.doc(summary="Geheimnis für den TTN-Webhook erzeugen", security=PLANNER_SCHEME)
def create_webhook(body: dict[str, Any]) -> dict[str, Any]:
    session, _role = current_planner()
    secret, record = sensors.create_webhook_secret(session, current_user.tenant_id, body["name"])
    session.commit()
    return {
        "id": record.id,
        "name": record.name,
        "url": request.host_url.rstrip("/") + request.script_root + "/api/v1/sensors/ttn",
        "header": sensors.SECRET_HEADER,
        "secret": secret,
    }


@bp.put("/sensors/devices/<device_id>")
@bp.input(S.SensorDeviceIn, location="json", arg_name="body")
@bp.output(S.SensorDeviceOut)
@bp.doc(
    summary="Sensor einer Fläche (Jungbaum) zuordnen",
    security=PLANNER_SCHEME,
    responses={404: "Fläche unbekannt"},
)
def put_sensor_device(device_id: str, body: dict[str, Any]) -> dict[str, Any]:
    session, _role = current_planner()
    record = sensors.assign_device(session, device_id[:120], body["site_id"], body["note"])
    out = {"device_id": record.device_id, "site_id": record.site_id, "note": record.note}
    session.commit()
    return out
