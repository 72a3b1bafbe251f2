"""REST API v1, crew side: tour, scoping, tokens, idempotent reports, photos, outdated plans.

Real Flask test client on the app factory, real SQLite migrated by Alembic, data stored through
the store models (tests/crew_sample.py).
"""

from __future__ import annotations

import base64
import gzip
import io
import re
import uuid
import xml.etree.ElementTree as ET

import pytest
from crew_sample import build_crew_sample, race_identical_posts, replan
from PIL import Image
from sqlalchemy import func, select

from greentour.accounts.members import create_user
from greentour.demand import store_io
from greentour.store.models import (
    Completion,
    DeviceToken,
    Observation,
    Plan,
    SiteLastService,
    Stop,
    Task,
    Tour,
)
from greentour.store.models_crew import StopStart
from greentour.store.tenancy import tenant_session


@pytest.fixture
def sample(engine):
    return build_crew_sample(engine)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def report_body(sample, key="a1", index=0, status="done", **extra):
    body = {
        "client_uuid": str(uuid.uuid4()),
        "stop_id": sample.stop_ids[key][index],
        "task_id": sample.task_ids[key][index],
        "plan_version": 1,
        "status": status,
        "device_time": f"{sample.day.isoformat()}T08:55:00+02:00",
    }
    body.update(extra)
    return body


def count(engine, tenant_id, model) -> int:
    with tenant_session(engine, tenant_id) as session:
        return session.scalar(select(func.count()).select_from(model))


def login(client, username: str, password: str) -> str:
    """Log in through the real login form; returns the CSRF token for JSON requests."""
    page = client.get("/auth/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post(
        "/auth/login?next=/crew/",
        data={"username": username, "password": password, "csrf_token": csrf},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    page = client.get("/auth/login").get_data(as_text=True)  # login starts a new session
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def jpeg_with_gps(size_px: int = 64) -> bytes:
    image = Image.new("RGB", (size_px, size_px), (40, 140, 40))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (49.0, 30.0, 0.0)}  # GPSInfo
    exif[0x010F] = "TabletMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


# --------------------------------------------------------------------------- tour
def test_tour_lists_stops_in_order_with_tasks_geometry_and_navigation(client, sample):
    """The crew's tour has its stops in order with tasks, ETA, access point, geometry, links."""
    answer = client.get("/api/v1/crew/tour", headers=bearer(sample.tokens["a1"]))
    assert answer.status_code == 200
    tour = answer.get_json()
    assert tour["tour_id"] == sample.tour_ids["a1"]
    assert tour["crew"]["name"] == "Kolonne 1"
    assert tour["plan"]["version"] == 1
    seqs = [s["sequence"] for s in tour["stops"]]
    assert seqs == sorted(seqs)
    work = [s for s in tour["stops"] if s["kind"] == "task"]
    assert [s["id"] for s in work] == sample.stop_ids["a1"]
    first = work[0]
    assert first["tasks"][0]["label"] == "Rasen mähen"
    assert first["eta"].startswith(sample.day.isoformat())
    assert first["site"]["geometry"]["type"] == "Polygon"
    assert first["access_point"]["on_road"] is True
    assert first["navigation"]["geo_uri"].startswith("geo:49.")
    assert "openstreetmap.org" in first["navigation"]["osm_url"]
    assert "Kanten mit Freischneider" in first["notes"]
    assert "keine Arbeit Mo–Fr 12:00–13:00 (Schulpause)" in work[1]["notes"]
    assert any(s["kind"] == "break" for s in tour["stops"])
    assert tour["privacy"]["location_tracking"] is False


def test_etag_gives_304_until_a_report_changes_the_tour(client, sample):
    """If-None-Match with the current ETag answers 304; a new report changes the ETag."""
    headers = bearer(sample.tokens["a1"])
    first = client.get("/api/v1/crew/tour", headers=headers)
    etag = first.headers["ETag"]
    again = client.get("/api/v1/crew/tour", headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    client.post("/api/v1/reports", json=report_body(sample), headers=headers)
    changed = client.get("/api/v1/crew/tour", headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert changed.get_json()["stops"][1]["reports"][0]["status"] == "done"


def test_crew_cannot_read_another_crews_or_tenants_tour(client, sample):
    """Kolonne 1 gets 403 for Kolonne 2's tour and 404 for another tenant's tour."""
    headers = bearer(sample.tokens["a1"])
    own = client.get(f"/api/v1/tours/{sample.tour_ids['a1']}", headers=headers)
    assert own.status_code == 200
    other_crew = client.get(f"/api/v1/tours/{sample.tour_ids['a2']}", headers=headers)
    assert other_crew.status_code == 403
    other_tenant = client.get(f"/api/v1/tours/{sample.tour_ids['b1']}", headers=headers)
    assert other_tenant.status_code == 404
    gpx = client.get(f"/api/v1/tours/{sample.tour_ids['a2']}.gpx", headers=headers)
    assert gpx.status_code == 403


def test_each_token_sees_only_its_own_crew_tour(client, sample):
    """Three tokens of two tenants get three different tours for the same day."""
    seen = {
        key: client.get("/api/v1/crew/tour", headers=bearer(sample.tokens[key])).get_json()
        for key in ("a1", "a2", "b1")
    }
    assert {k: v["tour_id"] for k, v in seen.items()} == sample.tour_ids
    assert seen["b1"]["tenant"]["slug"] == "hersbruck"


@pytest.mark.parametrize(
    "token_key, header",
    [
        ("a1_revoked", None),
        (None, "Bearer gtc1.1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        (None, "Bearer not-a-token"),
        (None, "Basic dXNlcjpwdw=="),
        (None, ""),
    ],
)
def test_revoked_unknown_or_missing_token_gets_401(client, sample, token_key, header):
    """A revoked, unknown, malformed or missing token is answered 401 with a JSON reason."""
    value = f"Bearer {sample.tokens[token_key]}" if token_key else header
    answer = client.get("/api/v1/crew/tour", headers={"Authorization": value})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.get_json()["message"]


def test_tour_as_geojson_and_gpx(client, sample):
    """The tour is also served as RFC 7946 GeoJSON and as GPX 1.1 with the work stops."""
    headers = bearer(sample.tokens["a1"])
    geo = client.get("/api/v1/crew/tour.geojson", headers=headers)
    assert geo.status_code == 200
    assert geo.mimetype == "application/geo+json"
    doc = geo.get_json()
    layers = {f["properties"]["layer"] for f in doc["features"]}
    assert {"tours", "stops", "site_areas"} <= layers
    tour_features = [f for f in doc["features"] if f["properties"]["layer"] == "tours"]
    assert [f["properties"]["tour_id"] for f in tour_features] == [sample.tour_ids["a1"]]
    gpx = client.get("/api/v1/crew/tour.gpx", headers=headers)
    assert gpx.status_code == 200
    root = ET.fromstring(gpx.get_data())
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    names = [n.text for n in root.findall("g:rte/g:rtept/g:name", ns)]
    assert sum("Grünfläche" in n for n in names) == 3


def test_no_tour_on_a_day_without_plan_is_404(client, sample):
    """Asking for a day the crew has no tour answers 404 with a German reason."""
    answer = client.get("/api/v1/crew/tour?date=2001-01-01", headers=bearer(sample.tokens["a1"]))
    assert answer.status_code == 404
    assert "keine Tour" in answer.get_json()["message"]


# --------------------------------------------------------------------------- reports
def test_repeated_report_is_stored_once_with_the_same_answer(client, engine, sample):
    """A retried POST with the same client_uuid stores one report and repeats the answer."""
    headers = bearer(sample.tokens["a1"])
    body = report_body(sample, grass_length="long", note="Rasen sehr hoch")
    first = client.post("/api/v1/reports", json=body, headers=headers)
    second = client.post("/api/v1/reports", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers["Idempotent-Replay"] == "true"
    assert count(engine, sample.tenant_ids["lauf"], Completion) == 1


def test_same_uuid_with_other_content_is_a_conflict(client, engine, sample):
    """Re-using a UUID for a different report is refused (409) and stores nothing new."""
    headers = bearer(sample.tokens["a1"])
    body = report_body(sample)
    client.post("/api/v1/reports", json=body, headers=headers)
    clash = client.post("/api/v1/reports", json={**body, "status": "partly"}, headers=headers)
    assert clash.status_code == 409
    assert count(engine, sample.tenant_ids["lauf"], Completion) == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"status": "finished"}, "status"),
        ({"status": "not_possible", "reason": None}, "reason"),
        ({"grass_length": "huge"}, "grass_length"),
        ({"device_time": "2026-06-01T08:00:00"}, "device_time"),
        ({"device_time": "1970-01-01T00:00:00Z"}, "device_time"),
        ({"client_uuid": "12345"}, "client_uuid"),
        ({"plan_version": 0}, "plan_version"),
        ({"stop_id": None, "task_id": None}, "stop_id"),
        ({"gps": [11.2, 49.5]}, "gps"),
        ({"note": "x" * 2001}, "note"),
    ],
)
def test_invalid_report_is_refused_with_the_reason(client, engine, sample, change, field):
    """An invalid report gets 422 naming the field, and nothing is stored."""
    body = {**report_body(sample), **change}
    answer = client.post("/api/v1/reports", json=body, headers=bearer(sample.tokens["a1"]))
    assert answer.status_code == 422
    assert field in answer.get_json()["detail"]["json"]
    assert count(engine, sample.tenant_ids["lauf"], Completion) == 0


def test_malformed_json_is_a_bad_request(client, sample):
    """A body that is not JSON at all is answered 400 (not a server error)."""
    answer = client.post(
        "/api/v1/reports",
        data=b"{not json",
        headers={**bearer(sample.tokens["a1"]), "Content-Type": "application/json"},
    )
    assert answer.status_code == 400


def test_report_on_a_stop_of_another_crew_is_forbidden(client, engine, sample):
    """Kolonne 1 cannot report on Kolonne 2's stop (403); a wrong task for a stop is 422."""
    headers = bearer(sample.tokens["a1"])
    foreign = report_body(sample, key="a2")
    assert client.post("/api/v1/reports", json=foreign, headers=headers).status_code == 403
    mismatch = report_body(sample, task_id=sample.task_ids["a1"][2])
    answer = client.post("/api/v1/reports", json=mismatch, headers=headers)
    assert answer.status_code == 422
    assert "task_id" in answer.get_json()["detail"]["json"]
    assert count(engine, sample.tenant_ids["lauf"], Completion) == 0


def test_report_on_a_missing_stop_with_another_crews_task_is_forbidden(client, engine, sample):
    """A made-up stop plus a task of another crew is refused (403) and changes nothing (#14)."""
    tenant_id = sample.tenant_ids["lauf"]
    forged = report_body(sample, stop_id=999_999, task_id=sample.task_ids["a2"][0],
                         grass_length="long")
    answer = client.post("/api/v1/reports", json=forged, headers=bearer(sample.tokens["a1"]))
    assert answer.status_code == 403
    assert "keiner Tour dieser Kolonne" in answer.get_json()["message"]
    only_task = {**forged, "client_uuid": str(uuid.uuid4())}
    del only_task["stop_id"]
    answer = client.post("/api/v1/reports", json=only_task, headers=bearer(sample.tokens["a1"]))
    assert answer.status_code == 403
    assert count(engine, tenant_id, Completion) == 0
    assert count(engine, tenant_id, SiteLastService) == 0
    assert count(engine, tenant_id, Observation) == 0
    with tenant_session(engine, tenant_id) as session:
        assert session.get(Task, sample.task_ids["a2"][0]).status == "planned"


def test_report_on_a_task_only_an_older_tour_version_held_is_kept_and_flagged(
    client, engine, sample
):
    """The stop is gone and the task left the current tour: still the crew's, stored flagged."""
    replan(engine, sample)
    moved_task = sample.task_ids["a1"][2]
    with tenant_session(engine, sample.tenant_ids["lauf"]) as session, session.begin():
        current = session.scalar(
            select(Stop).join(Tour).join(Plan).where(Plan.version == 2, Stop.task_id == moved_task)
        )
        session.delete(current)
    body = report_body(sample, index=2, stop_id=999_999)
    answer = client.post("/api/v1/reports", json=body, headers=bearer(sample.tokens["a1"]))
    assert answer.status_code == 201, answer.get_json()
    stored = answer.get_json()
    assert stored["flagged_outdated"] is True and stored["stop_id"] is None
    assert stored["crew_day_id"] == sample.crew_day_ids["a1"]


def test_replayed_uuid_answers_only_to_the_crew_that_sent_it(client, engine, sample):
    """Another crew re-sending a stored report's UUID gets 403 without the report or its times."""
    body = report_body(sample)
    first = client.post("/api/v1/reports", json=body, headers=bearer(sample.tokens["a1"]))
    assert first.status_code == 201
    for other in (body, {**body, "stop_id": sample.stop_ids["a2"][0],
                         "task_id": sample.task_ids["a2"][0]}):
        answer = client.post("/api/v1/reports", json=other, headers=bearer(sample.tokens["a2"]))
        assert answer.status_code == 403
        text = answer.get_data(as_text=True)
        assert "device_time" not in text and "08:55" not in text and "06:55" not in text
    assert count(engine, sample.tenant_ids["lauf"], Completion) == 1


def test_report_against_an_old_plan_version_is_kept_and_flagged(client, engine, sample):
    """After a re-plan a report naming version 1 is stored, flagged, and listed for the planner."""
    replan(engine, sample)
    body = report_body(sample, status="partly", reason="Boden zu nass")
    answer = client.post("/api/v1/reports", json=body, headers=bearer(sample.tokens["a1"]))
    assert answer.status_code == 201
    stored = answer.get_json()
    assert stored["flagged_outdated"] is True
    assert stored["plan_version"] == 1 and stored["current_plan_version"] == 2
    assert count(engine, sample.tenant_ids["lauf"], Completion) == 1
    tour = client.get("/api/v1/crew/tour", headers=bearer(sample.tokens["a1"])).get_json()
    assert tour["plan"]["version"] == 2

    create_user(engine, sample.tenant_ids["lauf"], "dispo", "geheim-genug-123", role="planner")
    login(client, "dispo", "geheim-genug-123")
    listed = client.get("/api/v1/reports?flagged=true").get_json()
    assert [r["client_uuid"] for r in listed["reports"]] == [body["client_uuid"]]
    assert listed["reports"][0]["crew"] == "Kolonne 1"


def test_current_plan_report_is_not_flagged(client, sample):
    """A report against the current plan version is not flagged."""
    answer = client.post(
        "/api/v1/reports", json=report_body(sample), headers=bearer(sample.tokens["a1"])
    )
    assert answer.get_json()["flagged_outdated"] is False


def test_done_report_feeds_last_service_task_status_duration_and_observation(
    client, engine, sample
):
    """started + done give start/end for learning, the last service, task done and grass length."""
    headers = bearer(sample.tokens["a1"])
    started = report_body(sample, status="started", device_time=f"{sample.day}T08:02:00+02:00")
    assert client.post("/api/v1/reports", json=started, headers=headers).status_code == 201
    done = report_body(sample, grass_length="medium", device_time=f"{sample.day}T09:12:00+02:00")
    answer = client.post("/api/v1/reports", json=done, headers=headers).get_json()
    assert answer["started_at"].startswith(f"{sample.day}T06:02:00")  # UTC
    tenant_id = sample.tenant_ids["lauf"]
    with tenant_session(engine, tenant_id) as session:
        completion = session.scalar(select(Completion))
        minutes = (completion.finished_at - completion.started_at).total_seconds() / 60
        assert minutes == 70
        last = session.scalar(select(SiteLastService))
        assert (last.site_id, last.task_type, last.last_date) == (
            sample.site_ids["a1"][0],
            "mow",
            sample.day,
        )
        assert session.get(Task, sample.task_ids["a1"][0]).status == "done"
        observation = session.scalar(select(Observation).where(Observation.source == "crew_report"))
        assert observation.values_json["grass_length"] == "medium"
        assert observation.site_id == sample.site_ids["a1"][0]
        assert observation.observed_at.hour in (10, 11)  # 12:00 local: the day, not the minute
        assert session.scalar(select(func.count()).select_from(StopStart)) == 1
        # the demand side (#6) learns from exactly these rows
        specs = store_io.task_type_specs(session)
        visits = store_io.past_visits(
            session, specs, store_io.load_sites(session), store_io.target_times(session)
        )
        assert [(v.duration_s, v.persons) for v in visits[(sample.site_ids["a1"][0], "mow")]] == [
            (70 * 60, 3)
        ]


# --------------------------------------------------------------------------- photos
def test_photo_is_stored_without_metadata(client, engine, sample, app):
    """A JPEG with GPS EXIF is accepted, stored once and written back without any EXIF."""
    headers = bearer(sample.tokens["a1"])
    body = report_body(sample)
    client.post("/api/v1/reports", json=body, headers=headers)
    url = f"/api/v1/reports/{body['client_uuid']}/photo"
    data = {"photo": (io.BytesIO(jpeg_with_gps()), "bild.jpg", "image/jpeg")}
    answer = client.post(url, data=data, headers=headers, content_type="multipart/form-data")
    assert answer.status_code == 201
    assert answer.get_json()["stored"] is True
    with tenant_session(engine, sample.tenant_ids["lauf"]) as session:
        path = session.scalar(select(Completion)).photo_path
    stored = app.extensions["greentour_settings"].instance_dir / path
    with Image.open(stored) as image:
        assert image.format == "JPEG"
        assert len(image.getexif()) == 0
    again = client.post(
        url,
        data={"photo": (io.BytesIO(jpeg_with_gps()), "bild.jpg", "image/jpeg")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert again.status_code == 201 and again.get_json()["stored"] is False


def test_oversized_photo_gets_413_and_wrong_type_415(client, engine, sample):
    """A photo above the tenant's limit is refused 413, a non-image 415; nothing is attached."""
    headers = bearer(sample.tokens["a1"])
    body = report_body(sample)
    client.post("/api/v1/reports", json=body, headers=headers)
    url = f"/api/v1/reports/{body['client_uuid']}/photo"
    big = b"\xff\xd8\xff\xe0" + b"\0" * (5 * 1024 * 1024 + 10)
    answer = client.post(
        url,
        data={"photo": (io.BytesIO(big), "gross.jpg", "image/jpeg")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert answer.status_code == 413
    assert "zu groß" in answer.get_json()["message"]
    pdf = b"%PDF-1.4 not a photo"
    answer = client.post(
        url,
        data={"photo": (io.BytesIO(pdf), "x.jpg", "image/jpeg")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert answer.status_code == 415
    with tenant_session(engine, sample.tenant_ids["lauf"]) as session:
        assert session.scalar(select(Completion)).photo_path is None


def test_photo_for_unknown_report_is_404(client, sample):
    """A photo for a report the server has not received yet is answered 404."""
    url = f"/api/v1/reports/{uuid.uuid4()}/photo"
    data = {"photo": (io.BytesIO(jpeg_with_gps()), "bild.jpg", "image/jpeg")}
    answer = client.post(
        url, data=data, headers=bearer(sample.tokens["a1"]), content_type="multipart/form-data"
    )
    assert answer.status_code == 404


# --------------------------------------------------------------------------- planner
def test_planner_creates_token_with_qr_code_and_revokes_it(client, engine, sample):
    """A planner creates a hashed crew token with QR codes; it works until it is revoked."""
    tenant_id = sample.tenant_ids["lauf"]
    create_user(engine, tenant_id, "dispo", "geheim-genug-123", role="planner")
    csrf = login(client, "dispo", "geheim-genug-123")
    created = client.post(
        "/api/v1/device-tokens",
        json={"crew_name": "Kolonne 2", "name": "Tablet 2"},
        headers={"X-CSRFToken": csrf},
    )
    assert created.status_code == 201
    issued = created.get_json()
    assert issued["crew"] == "Kolonne 2"
    assert issued["crew_url"].endswith(f"/crew/#token={issued['token']}")
    assert "<svg" in issued["qr_svg"]
    assert base64.b64decode(issued["qr_png_base64"]).startswith(b"\x89PNG")
    with tenant_session(engine, tenant_id) as session:
        hashes = [t.token_hash for t in session.scalars(select(DeviceToken))]
    assert issued["token"] not in hashes and len(hashes) == 4

    tour = client.get("/api/v1/crew/tour", headers=bearer(issued["token"]))
    assert tour.get_json()["tour_id"] == sample.tour_ids["a2"]
    revoked = client.post(
        f"/api/v1/device-tokens/{issued['id']}/revoke", headers={"X-CSRFToken": csrf}
    )
    assert revoked.status_code == 200 and revoked.get_json()["revoked"] is True
    after = client.get("/api/v1/crew/tour", headers=bearer(issued["token"]))
    assert after.status_code == 401


def test_planner_endpoints_need_a_login(client, sample):
    """Without a login the planner endpoints answer 401, and a device token does not help."""
    assert client.get("/api/v1/device-tokens").status_code == 401
    answer = client.get("/api/v1/reports", headers=bearer(sample.tokens["a1"]))
    assert answer.status_code == 401


def test_planner_cannot_revoke_another_tenants_token(client, engine, sample):
    """A planner of Lauf gets 404 for Hersbruck's token id."""
    create_user(engine, sample.tenant_ids["lauf"], "dispo", "geheim-genug-123", role="planner")
    csrf = login(client, "dispo", "geheim-genug-123")
    answer = client.post(
        f"/api/v1/device-tokens/{sample.token_ids['b1']}/revoke", headers={"X-CSRFToken": csrf}
    )
    assert answer.status_code == 404


def test_per_stop_times_are_visible_by_role(client, engine, sample):
    """By default an admin sees per-stop times of reports, a planner only the outcome."""
    client.post("/api/v1/reports", json=report_body(sample), headers=bearer(sample.tokens["a1"]))
    tenant_id = sample.tenant_ids["lauf"]
    create_user(engine, tenant_id, "dispo", "geheim-genug-123", role="planner")
    create_user(engine, tenant_id, "chefin", "geheim-genug-456", role="admin")
    login(client, "dispo", "geheim-genug-123")
    as_planner = client.get(f"/api/v1/reports?date={sample.day}").get_json()
    assert as_planner["stop_times_visible"] is False
    assert "device_time" not in as_planner["reports"][0]
    assert as_planner["reports"][0]["status"] == "done"
    login(client, "chefin", "geheim-genug-456")
    as_admin = client.get(f"/api/v1/reports?date={sample.day}").get_json()
    assert as_admin["stop_times_visible"] is True
    assert as_admin["reports"][0]["device_time"].startswith(str(sample.day))


# --------------------------------------------------------------------------- planner's page
def test_planner_page_creates_a_qr_token_and_lists_outdated_reports(client, engine, sample):
    """/crew/geraete shows a new token's QR once, revokes it, and lists outdated reports."""
    replan(engine, sample)
    client.post("/api/v1/reports", json=report_body(sample), headers=bearer(sample.tokens["a1"]))
    create_user(engine, sample.tenant_ids["lauf"], "dispo", "geheim-genug-123", role="planner")
    csrf = login(client, "dispo", "geheim-genug-123")
    page = client.get("/crew/geraete")
    assert page.status_code == 200
    assert "Kolonne 2" in page.get_data(as_text=True)
    created = client.post(
        "/crew/geraete",
        data={
            "crew_template_id": sample.template_ids["a2"],
            "name": "Tablet Süd",
            "csrf_token": csrf,
        },
    )
    html = created.get_data(as_text=True)
    assert created.status_code == 200 and "<svg" in html
    token = re.search(r"#token=([A-Za-z0-9._-]+)", html).group(1)
    assert client.get("/api/v1/crew/tour", headers=bearer(token)).status_code == 200
    flagged = html[html.index('id="flagged"') :]
    assert "Kolonne 1" in flagged and "erledigt" in flagged
    with tenant_session(engine, sample.tenant_ids["lauf"]) as session:
        token_id = session.scalar(select(DeviceToken.id).where(DeviceToken.name == "Tablet Süd"))
    revoked = client.post(f"/crew/geraete/{token_id}/widerrufen", data={"csrf_token": csrf})
    assert revoked.status_code == 302
    assert client.get("/api/v1/crew/tour", headers=bearer(token)).status_code == 401


def test_planner_page_needs_a_login(client, sample):
    """Without a login the tablet page redirects to the login form."""
    answer = client.get("/crew/geraete")
    assert answer.status_code in (302, 401)


def test_concurrent_retries_of_one_report_store_it_once(app, engine, sample):
    """Eight simultaneous POSTs of the same report (real server, threads) store one row."""
    import json

    body = json.dumps(report_body(sample, status="partly", reason="Zeit reicht nicht"))
    headers = {**bearer(sample.tokens["a1"]), "Content-Type": "application/json"}
    answers = race_identical_posts(app, "/api/v1/reports", body, headers)
    assert {status for status, _ in answers} == {201}
    assert len({text for _, text in answers}) == 1
    assert count(engine, sample.tenant_ids["lauf"], Completion) == 1


def test_tour_is_sent_gzip_coded_when_accepted_with_its_own_etag(client, sample):
    """With Accept-Encoding gzip the same document comes compressed; both ETags give 304."""
    headers = bearer(sample.tokens["a1"])
    plain = client.get("/api/v1/crew/tour", headers=headers)
    coded = client.get("/api/v1/crew/tour", headers={**headers, "Accept-Encoding": "gzip"})
    assert coded.status_code == 200 and coded.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in coded.headers["Vary"]
    assert gzip.decompress(coded.get_data()) == plain.get_data()
    assert len(coded.get_data()) < len(plain.get_data()) / 3
    assert coded.headers["ETag"] != plain.headers["ETag"]
    for etag in (plain.headers["ETag"], coded.headers["ETag"]):
        again = client.get(
            "/api/v1/crew/tour",
            headers={**headers, "Accept-Encoding": "gzip", "If-None-Match": etag},
        )
        assert again.status_code == 304
