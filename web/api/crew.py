"""Crew endpoints of the REST API v1 (device token): the tour, reports, photos; the TTN webhook.

Each view parses, calls one service of :mod:`greentour.crew` and answers.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from apiflask import APIBlueprint
from flask import Response, current_app, request

from greentour.crew import formats, photos, reports, sensors, tour
from greentour.duty import service as duty
from greentour.store.models import Tour
from web.api import schemas as S
from web.api.auth import (
    DEVICE_SCHEME,
    TTN_SCHEME,
    current_device,
    current_webhook,
    tenant_privacy,
)
from web.api.errors import register_error_handlers
from web.db import get_engine

bp = APIBlueprint("api_crew", __name__, url_prefix="/api/v1", tag="Kolonne")
register_error_handlers(bp)

#: Bytes a multipart envelope adds around the photo.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    response = Response(body, status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _tour_response(document: tour.TourDocument) -> Response:
    """200 with the document (gzip-coded when the client accepts it) or 304 on a match."""
    gzipped = bool(document.gzip_body) and request.accept_encodings["gzip"] > 0
    headers = {
        "ETag": document.gzip_etag if gzipped else document.etag,
        "Cache-Control": "private, no-cache",
        "Vary": "Authorization, Accept-Encoding",
    }
    if document.matches(request.if_none_match):
        response = Response(status=304)
    elif gzipped:
        response = Response(document.gzip_body, mimetype="application/json")
        headers["Content-Encoding"] = "gzip"
    else:
        response = Response(document.body, mimetype="application/json")
    for key, value in headers.items():
        response.headers[key] = value
    return response


def _day(session: Any, device: Any, date: dt.date | None) -> dt.date:
    return date or tour.device_today(session, device)


def _device_tour(date: dt.date | None) -> tuple[Any, Any, Tour]:
    session, device = current_device()
    return session, device, tour.device_tour(session, device, _day(session, device, date))


# --------------------------------------------------------------------------- tour
@bp.get("/crew/tour")
@bp.input(S.DateQuery, location="query", arg_name="query")
@bp.output(S.TourOut, description="Die Tour der Kolonne (ETag; mit If-None-Match → 304)")
@bp.doc(
    summary="Tour des Tages",
    description="Halte in Reihenfolge mit Aufgaben, geplanter Ankunft, Zufahrtspunkt, "
    "Flächengeometrie, Hinweisen und Navigationslinks. Antwortet 304, wenn If-None-Match "
    "den aktuellen ETag enthält.",
    security=DEVICE_SCHEME,
    responses={304: "Unverändert", 404: "Keine Tour an diesem Tag"},
)
def crew_tour(query: dict[str, Any]) -> Response:
    session, device = current_device()
    day = _day(session, device, query["date"])
    return _tour_response(tour.device_tour_document(session, device, day))


@bp.get("/crew/tour.geojson")
@bp.input(S.DateQuery, location="query", arg_name="query")
@bp.doc(
    summary="Tour des Tages als GeoJSON",
    security=DEVICE_SCHEME,
    responses={200: "RFC-7946-FeatureCollection (Tour, Halte, Flächen)", 404: "Keine Tour"},
)
def crew_tour_geojson(query: dict[str, Any]) -> Response:
    _session, device, found = _device_tour(query["date"])
    doc = formats.tour_geojson(get_engine(), device.tenant_id, found.plan_id, found.id)
    return Response(json.dumps(doc, ensure_ascii=False), mimetype="application/geo+json")


@bp.get("/crew/tour.gpx")
@bp.input(S.DateQuery, location="query", arg_name="query")
@bp.doc(
    summary="Tour des Tages als GPX 1.1",
    security=DEVICE_SCHEME,
    responses={200: "GPX mit Route (Halte) und Track (Straßen)", 404: "Keine Tour"},
)
def crew_tour_gpx(query: dict[str, Any]) -> Response:
    _session, device, found = _device_tour(query["date"])
    body = formats.tour_gpx(get_engine(), device.tenant_id, found.plan_id, found.id)
    return Response(body, mimetype="application/gpx+xml")


@bp.get("/tours/<int:tour_id>")
@bp.output(S.TourOut)
@bp.doc(
    summary="Eine Tour der eigenen Kolonne",
    security=DEVICE_SCHEME,
    responses={304: "Unverändert", 403: "Tour einer anderen Kolonne", 404: "Tour unbekannt"},
)
def tour_by_id(tour_id: int) -> Response:
    session, device = current_device()
    return _tour_response(tour.tour_document_by_id(session, device, tour_id))


@bp.get("/tours/<int:tour_id>.geojson")
@bp.doc(
    summary="Eine Tour als GeoJSON",
    security=DEVICE_SCHEME,
    responses={200: "RFC-7946-FeatureCollection", 403: "andere Kolonne", 404: "unbekannt"},
)
def tour_by_id_geojson(tour_id: int) -> Response:
    session, device = current_device()
    found = tour.device_tour_by_id(session, device, tour_id)
    doc = formats.tour_geojson(get_engine(), device.tenant_id, found.plan_id, found.id)
    return Response(json.dumps(doc, ensure_ascii=False), mimetype="application/geo+json")


@bp.get("/tours/<int:tour_id>.gpx")
@bp.doc(
    summary="Eine Tour als GPX 1.1",
    security=DEVICE_SCHEME,
    responses={200: "GPX 1.1", 403: "andere Kolonne", 404: "unbekannt"},
)
def tour_by_id_gpx(tour_id: int) -> Response:
    session, device = current_device()
    found = tour.device_tour_by_id(session, device, tour_id)
    body = formats.tour_gpx(get_engine(), device.tenant_id, found.plan_id, found.id)
    return Response(body, mimetype="application/gpx+xml")


# --------------------------------------------------------------------------- reports
@bp.post("/reports")
@bp.input(S.ReportIn, location="json", arg_name="body")
@bp.output(S.ReportOut, status_code=201, description="Meldung gespeichert")
@bp.doc(
    summary="Meldung zu einem Halt",
    description="begonnen, erledigt, teilweise oder nicht möglich (mit Grund). Idempotent über "
    "client_uuid: eine wiederholte Meldung wird einmal gespeichert und bekommt dieselbe Antwort "
    "(Kopfzeile Idempotent-Replay: true). Eine Meldung gegen einen älteren Planstand wird "
    "gespeichert und für die Disposition markiert (flagged_outdated).",
    security=DEVICE_SCHEME,
    responses={403: "Halt einer anderen Kolonne", 409: "UUID mit anderem Inhalt schon gespeichert"},
)
def post_report(body: dict[str, Any]) -> Response:
    session, device = current_device()
    result = reports.submit_report(
        session,
        device,
        reports.ReportInput(
            client_uuid=str(body["client_uuid"]),
            status=body["status"],
            plan_version=body["plan_version"],
            device_time=body["device_time"],
            stop_id=body["stop_id"],
            task_id=body["task_id"],
            grass_length=body["grass_length"],
            reason=body["reason"],
            note=body["note"],
        ),
        tenant_privacy(session, device.tenant_id),
    )
    session.commit()
    headers = {} if result.created else {"Idempotent-Replay": "true"}
    return _json(result.report, status=201, headers=headers)


@bp.get("/inspection-types")
@bp.doc(
    summary="Kontrollarten mit Checklisten",
    description="Spielplatz (DIN EN 1176-7), Baum (FLL), Lichtraumprofil: die Prüfpunkte, die "
    "das Tablet offline abarbeitet.",
    security=DEVICE_SCHEME,
)
def get_inspection_types() -> Response:
    current_device()
    return _json({"inspection_types": duty.inspection_types_doc()},
                 headers={"Cache-Control": "private, max-age=3600"})


@bp.post("/inspections")
@bp.input(S.InspectionIn, location="json", arg_name="body")
@bp.doc(
    summary="Kontrollprotokoll (Verkehrssicherung)",
    description="Eine auf dem Tablet (auch offline) abgearbeitete Checkliste mit Befunden. "
    "Idempotent über client_uuid (Kopfzeile Idempotent-Replay: true bei Wiederholung); jeder "
    "Befund erzeugt seinen Folgeauftrag mit Frist. Protokolle sind unveränderlich und "
    "hash-verkettet; signiert mit dem Namen der Prüferin und dem Gerät.",
    security=DEVICE_SCHEME,
    responses={409: "UUID mit anderem Inhalt schon gespeichert"},
)
def post_inspection(body: dict[str, Any]) -> Response:
    session, device = current_device()
    record, created = duty.record_from_device(session, device.id, body)
    session.commit()
    headers = {} if created else {"Idempotent-Replay": "true"}
    return _json(record, status=201, headers=headers)


def photo_body_limit() -> int:
    """Largest photo upload of the request's tenant (bytes, with the multipart envelope)."""
    session, device = current_device()
    return tenant_privacy(session, device.tenant_id).photo_max_bytes + MULTIPART_OVERHEAD_BYTES


def authenticate() -> None:
    """Check the caller before its body is read: the TTN secret or the crew device's token."""
    if request.endpoint == "api_crew.ttn_uplink":
        current_webhook()
    else:
        current_device()


@bp.post("/reports/<client_uuid>/photo")
@bp.input(S.PhotoIn, location="files", arg_name="files")
@bp.output(S.PhotoOut, status_code=201, description="Foto gespeichert")
@bp.doc(
    summary="Foto zu einer Meldung",
    description="JPEG, PNG oder WebP bis limits.photo_max_bytes. Metadaten (auch GPS) werden "
    "entfernt. Bitte keine Personen fotografieren.",
    security=DEVICE_SCHEME,
    responses={413: "Foto zu groß", 415: "Kein JPEG/PNG/WebP", 404: "Meldung unbekannt"},
)
def post_photo(client_uuid: str, files: dict[str, Any]) -> Response:
    session, device = current_device()
    completion = reports.get_completion(session, device, client_uuid)
    privacy = tenant_privacy(session, device.tenant_id)
    data = files["photo"].read(privacy.photo_max_bytes + 1)
    instance_dir = current_app.extensions["greentour_settings"].instance_dir
    stored = photos.store_photo(completion, data, instance_dir, privacy)
    session.commit()
    return _json({"client_uuid": completion.client_uuid, "stored": stored}, status=201)


@bp.post("/inspections/<client_uuid>/photo")
@bp.input(S.PhotoIn, location="files", arg_name="files")
@bp.doc(
    summary="Foto zu einem Befund eines Kontrollprotokolls",
    description="Nach dem Protokoll senden. Angenommen nur, wenn der SHA-256 des Fotos der ist, "
    "den ein Befund des (hash-verketteten) Protokolls nennt; Metadaten (auch GPS) werden "
    "entfernt. Idempotent je Protokoll und Foto.",
    security=DEVICE_SCHEME,
    responses={409: "Foto gehört zu keinem Befund", 413: "Foto zu groß",
               415: "Kein JPEG/PNG/WebP", 404: "Protokoll unbekannt"},
)
def post_inspection_photo(client_uuid: str, files: dict[str, Any]) -> Response:
    session, device = current_device()
    privacy = tenant_privacy(session, device.tenant_id)
    data = files["photo"].read(privacy.photo_max_bytes + 1)
    instance_dir = current_app.extensions["greentour_settings"].instance_dir
    answer, _created = duty.attach_photo(session, device.id, client_uuid, data, instance_dir,
                                         privacy)
    session.commit()
    return _json(answer, status=201)


# --------------------------------------------------------------------------- sensors
@bp.post("/sensors/ttn")
@bp.input(S.TtnUplinkIn, location="json", arg_name="body")
@bp.output(S.ObservationOut, status_code=201, description="Messwert gespeichert")
@bp.doc(
    summary="TTN-Webhook für LoRaWAN-Bodenfeuchtesensoren (Dragino LSE01)",
    description="The Things Stack v3 Uplink-Nachricht. Unplausible Werte werden mit Grund als "
    "abgelehnt gespeichert; eine Wiederholung desselben Uplinks wird einmal gespeichert.",
    security=TTN_SCHEME,
    responses={422: "Keine TTN-Uplink-Nachricht"},
)
def ttn_uplink(body: dict[str, Any]) -> Response:
    session = current_webhook()
    result = sensors.ingest_uplink(session, request.get_json(silent=True))
    session.commit()
    headers = {} if result.created else {"Idempotent-Replay": "true"}
    return _json(sensors.observation_dict(result.observation), status=201, headers=headers)
