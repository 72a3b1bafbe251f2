"""Request and response schemas of the REST API v1 (marshmallow via APIFlask).

The OpenAPI document at /api/v1/openapi.json is generated from these classes and the view
decorators; nothing in it is written by hand. Field descriptions are German first.
"""

from __future__ import annotations

import datetime as dt

from apiflask import Schema, fields
from apiflask.validators import Length, OneOf, Range
from marshmallow import ValidationError, validates, validates_schema

from greentour.crew.reports import GRASS_LENGTHS, REPORT_STATUSES
from greentour.input_checks import DAY_MAX, DAY_MIN, ID_MAX

#: Ids are positive 32-bit integers (larger values cannot exist and are refused with 422).
ID_RANGE = Range(min=1, max=ID_MAX)
#: Days a query may name (:mod:`greentour.input_checks`).
DAY_RANGE = Range(min=DAY_MIN, max=DAY_MAX)
#: Device times outside this span are refused (a tablet clock reset to 1970 is an error).
DEVICE_TIME_MIN = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
DEVICE_TIME_MAX = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


class DateQuery(Schema):
    date = fields.Date(
        load_default=None,
        validate=DAY_RANGE,
        metadata={"description": "Tag (YYYY-MM-DD); Standard: heute in der Zeitzone des Mandanten"},
    )


class TourIdPath(Schema):
    tour_id = fields.Integer(required=True, validate=ID_RANGE)


# --------------------------------------------------------------------------- tour
class NavigationOut(Schema):
    geo_uri = fields.String(metadata={"description": "geo:-URI (RFC 5870) für die Karten-App"})
    osm_url = fields.String(metadata={"description": "Link auf openstreetmap.org"})


class PointOut(Schema):
    lon = fields.Float()
    lat = fields.Float()
    on_road = fields.Boolean(metadata={"description": "Zufahrtspunkt liegt am Straßennetz"})


class SiteOut(Schema):
    id = fields.Integer(allow_none=True)
    name = fields.String()
    name_en = fields.String(
        metadata={"description": "Name der Fläche auf Englisch (wo er erzeugt ist)"})
    category = fields.String()
    area_m2 = fields.Float(allow_none=True)
    length_m = fields.Float(allow_none=True)
    tree_count = fields.Integer(allow_none=True)
    geometry = fields.Dict(allow_none=True, metadata={"description": "GeoJSON-Geometrie (WGS84)"})


class TaskOut(Schema):
    id = fields.Integer()
    type = fields.String(metadata={"description": "Code der Aufgabenart, z. B. mow"})
    label = fields.String(metadata={"description": "Bezeichnung der Aufgabenart (deutsch)"})
    label_en = fields.String(metadata={"description": "Bezeichnung der Aufgabenart (englisch)"})
    duration_s = fields.Integer()
    persons = fields.Integer()


class StopReportOut(Schema):
    client_uuid = fields.String()
    status = fields.String()
    grass_length = fields.String(allow_none=True)
    outdated = fields.Boolean()
    has_photo = fields.Boolean()


class StopOut(Schema):
    id = fields.Integer()
    sequence = fields.Integer()
    kind = fields.String(metadata={"description": "task, reload, break oder depot"})
    label = fields.String()
    label_en = fields.String(metadata={"description": "Art des Halts (englisch)"})
    eta = fields.String(allow_none=True, metadata={"description": "geplante Ankunft (ISO 8601)"})
    service_start = fields.String(allow_none=True)
    service_end = fields.String(allow_none=True)
    duration_s = fields.Integer(allow_none=True)
    leg_distance_m = fields.Float(allow_none=True)
    leg_duration_s = fields.Integer(allow_none=True)
    leg_geometry = fields.Dict(
        allow_none=True,
        metadata={"description": "Anfahrt entlang der Straßen (GeoJSON LineString)"},
    )
    tasks = fields.List(fields.Nested(TaskOut))
    site = fields.Nested(SiteOut, allow_none=True)
    access_point = fields.Nested(PointOut, allow_none=True)
    navigation = fields.Nested(NavigationOut, allow_none=True)
    notes = fields.String()
    notes_en = fields.String(metadata={"description": "Hinweise mit englischen Zeitregeln"})
    reports = fields.List(fields.Nested(StopReportOut))


class CrewOut(Schema):
    name = fields.String()
    crew_day_id = fields.Integer()
    crew_day_name = fields.String()
    vehicle = fields.String(allow_none=True)
    persons = fields.Integer()


class PlanOut(Schema):
    id = fields.Integer()
    version = fields.Integer()
    status = fields.String()
    published_at = fields.String(allow_none=True, metadata={
        "description": "when the planner published this version (local time, ISO 8601)"})
    changes = fields.Dict(allow_none=True, metadata={
        "description": "what this publication changed for the crew-day: added, removed (with "
                       "'to': where the stop went), moved (order), retimed (old/new start); "
                       "null when nothing changed"})


class TourOut(Schema):
    tour_id = fields.Integer()
    tenant = fields.Dict()
    crew = fields.Nested(CrewOut)
    date = fields.String()
    timezone = fields.String(metadata={"description": "Zeitzone des Mandanten (IANA)"})
    demo_today = fields.String(
        allow_none=True,
        metadata={"description": "Demo-Uhr: dieses Datum gilt als heute (sonst null)"},
    )
    shift = fields.Dict()
    plan = fields.Nested(PlanOut)
    depot = fields.Dict(allow_none=True)
    stops = fields.List(fields.Nested(StopOut))
    distance_m = fields.Float(
        metadata={"description": "Fahrstrecke der Tour in m, Rückfahrt zum Bauhof eingeschlossen"}
    )
    drive_s = fields.Integer(
        metadata={"description": "Fahrzeit der Tour in s, Rückfahrt zum Bauhof eingeschlossen"}
    )
    back_at_depot = fields.String(
        allow_none=True, metadata={"description": "geplante Rückkehr zum Bauhof (ISO 8601)"}
    )
    limits = fields.Dict(metadata={"description": "photo_max_bytes, photo_types"})
    privacy = fields.Dict()
    attribution = fields.String()


# --------------------------------------------------------------------------- reports
class ReportIn(Schema):
    client_uuid = fields.UUID(
        required=True,
        metadata={"description": "Vom Gerät erzeugte UUID; Wiederholungen zählen einmal"},
    )
    stop_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    task_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    plan_version = fields.Integer(
        required=True,
        validate=ID_RANGE,
        metadata={"description": "Planstand, mit dem die Kolonne gearbeitet hat"},
    )
    status = fields.String(required=True, validate=OneOf(REPORT_STATUSES))
    grass_length = fields.String(load_default=None, allow_none=True, validate=OneOf(GRASS_LENGTHS))
    reason = fields.String(load_default=None, allow_none=True, validate=Length(max=200))
    note = fields.String(load_default=None, allow_none=True, validate=Length(max=2000))
    device_time = fields.AwareDateTime(
        required=True, metadata={"description": "Uhrzeit des Geräts mit Zeitzone (ISO 8601)"}
    )

    @validates("device_time")
    def _device_time_span(self, value: dt.datetime, **_kwargs: object) -> None:
        if not DEVICE_TIME_MIN <= value <= DEVICE_TIME_MAX:
            raise ValidationError("Gerätezeit muss zwischen 2000 und 2100 liegen")

    @validates_schema
    def _reason_needed(self, data: dict, **_kwargs: object) -> None:
        if data.get("status") == "not_possible" and not (data.get("reason") or "").strip():
            raise ValidationError(
                "Bei „nicht möglich“ muss ein Grund angegeben werden", field_name="reason"
            )
        if data.get("stop_id") is None and data.get("task_id") is None:
            raise ValidationError("stop_id oder task_id angeben", field_name="stop_id")


class ReportOut(Schema):
    client_uuid = fields.String()
    status = fields.String()
    crew_day_id = fields.Integer()
    stop_id = fields.Integer(allow_none=True)
    task_id = fields.Integer(allow_none=True)
    plan_version = fields.Integer(allow_none=True)
    current_plan_version = fields.Integer(allow_none=True)
    flagged_outdated = fields.Boolean(
        metadata={
            "description": "Meldung gegen einen älteren Planstand – der Disposition angezeigt"
        }
    )
    grass_length = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    note = fields.String()
    has_photo = fields.Boolean()
    device_time = fields.String(allow_none=True)
    server_time = fields.String(allow_none=True)
    started_at = fields.String(allow_none=True)
    finished_at = fields.String(allow_none=True)
    crew = fields.String(allow_none=True)
    booking_note = fields.String(
        metadata={"description": "Nur bei Meldungen zu einem abgeschlossenen Tag: gespeichert, "
                                 "ändert aber die Buchungen nicht (Leistungserfassung)"}
    )


class ReportUuidPath(Schema):
    client_uuid = fields.UUID(required=True)


class PhotoIn(Schema):
    photo = fields.File(
        required=True,
        metadata={
            "description": "JPEG, PNG oder WebP; Größe siehe limits.photo_max_bytes. "
            "Bitte keine Personen fotografieren."
        },
    )


class PhotoOut(Schema):
    client_uuid = fields.String()
    stored = fields.Boolean(metadata={"description": "false: Foto war schon gespeichert"})


class ReportListQuery(Schema):
    date = fields.Date(load_default=None, validate=DAY_RANGE)
    crew_day_id = fields.Integer(load_default=None, validate=ID_RANGE)
    flagged = fields.Boolean(
        load_default=False, metadata={"description": "nur Meldungen gegen einen älteren Planstand"}
    )


class PhotoQuery(Schema):
    size = fields.String(
        load_default="full",
        validate=OneOf(["full", "thumb"]),
        metadata={"description": "full (höchstens 2048 px) oder thumb (höchstens 320 px)"},
    )


class ReportListOut(Schema):
    reports = fields.List(fields.Nested(ReportOut))
    stop_times_visible = fields.Boolean(
        metadata={"description": "Zeiten je Halt sichtbar (Rolle laut Mandanteneinstellung)"}
    )


# --------------------------------------------------------------------------- device tokens
class TokenIn(Schema):
    crew_template_id = fields.Integer(load_default=None, validate=ID_RANGE)
    crew_name = fields.String(load_default=None, validate=Length(min=1, max=120))
    crew_day_id = fields.Integer(load_default=None, validate=ID_RANGE)
    name = fields.String(load_default="", validate=Length(max=120))
    valid_days = fields.Integer(load_default=None, validate=Range(min=1, max=3660))

    @validates_schema
    def _one_crew(self, data: dict, **_kwargs: object) -> None:
        given = [
            k for k in ("crew_template_id", "crew_name", "crew_day_id") if data.get(k) is not None
        ]
        if len(given) != 1:
            raise ValidationError(
                "Genau eines von crew_template_id, crew_name oder crew_day_id angeben",
                field_name="crew_template_id",
            )


class TokenOut(Schema):
    id = fields.Integer()
    name = fields.String()
    crew = fields.String()
    crew_template_id = fields.Integer(allow_none=True)
    crew_day_id = fields.Integer(allow_none=True)
    created_at = fields.String()
    expires_at = fields.String(allow_none=True)
    last_used_at = fields.String(allow_none=True)
    revoked = fields.Boolean()


class IssuedTokenOut(TokenOut):
    """A token right after issuing: :class:`TokenOut` plus the secret and its QR codes."""

    token = fields.String(metadata={"description": "nur jetzt sichtbar; gespeichert wird der Hash"})
    crew_url = fields.String(metadata={"description": "URL für das Tablet (Token im Fragment)"})
    qr_svg = fields.String(metadata={"description": "QR-Code der crew_url als SVG"})
    qr_png_base64 = fields.String(metadata={"description": "QR-Code der crew_url als PNG (Base64)"})


class RevokedTokenOut(TokenOut):
    """A token after revocation (own class: APIFlask registers nested and top-level schemas
    separately, one class for both would be added to the document twice)."""


class TokenListOut(Schema):
    tokens = fields.Nested(TokenOut, many=True)


class TokenIdPath(Schema):
    token_id = fields.Integer(required=True, validate=ID_RANGE)


# --------------------------------------------------------------------------- sensors
class WebhookIn(Schema):
    name = fields.String(load_default="", validate=Length(max=120))


class WebhookOut(Schema):
    id = fields.Integer()
    name = fields.String()
    url = fields.String()
    header = fields.String()
    secret = fields.String(metadata={"description": "nur jetzt sichtbar"})


class SensorDeviceIn(Schema):
    site_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    note = fields.String(load_default="", validate=Length(max=200))


class SensorDeviceOut(Schema):
    device_id = fields.String()
    site_id = fields.Integer(allow_none=True)
    note = fields.String()


class SensorDevicePath(Schema):
    device_id = fields.String(required=True, validate=Length(min=1, max=120))


class TtnUplinkIn(Schema):
    class Meta:
        unknown = "include"

    end_device_ids = fields.Dict(metadata={"description": "TTN: Geräte-IDs (device_id, dev_eui)"})
    received_at = fields.String(metadata={"description": "TTN: Empfangszeit (ISO 8601)"})
    uplink_message = fields.Dict(metadata={"description": "TTN: f_port, frm_payload, ..."})


class ObservationOut(Schema):
    id = fields.Integer()
    device_id = fields.String(allow_none=True)
    site_id = fields.Integer(allow_none=True)
    observed_at = fields.String()
    status = fields.String(metadata={"description": "accepted oder rejected"})
    reason = fields.String(allow_none=True)
    values = fields.Dict()


class InspectionIn(Schema):
    """An inspection walked on the tablet (duty of care, docs/duty.md)."""

    client_uuid = fields.UUID(
        required=True,
        metadata={"description": "Vom Gerät erzeugte UUID; Wiederholungen zählen einmal"},
    )
    site_id = fields.Integer(required=True, validate=ID_RANGE)
    inspection_type = fields.String(required=True, validate=Length(min=1, max=40))
    inspected_on = fields.Date(required=True)
    item = fields.String(load_default="", validate=Length(max=200))
    inspector_name = fields.String(required=True, validate=Length(min=1, max=200))
    inspector_staff_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    checklist = fields.List(fields.Dict(), required=True, validate=Length(max=50))
    findings = fields.List(fields.Dict(), load_default=list, validate=Length(max=50))
    condition = fields.Dict(load_default=None, allow_none=True)
    note = fields.String(load_default="", validate=Length(max=2000))
    task_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    device_time = fields.AwareDateTime(load_default=None, allow_none=True)

    @validates("inspected_on")
    def _day_span(self, value: dt.date, **_kwargs: object) -> None:
        if not DAY_MIN <= value <= DAY_MAX:
            raise ValidationError("Kontrolltag außerhalb des zulässigen Bereichs")
