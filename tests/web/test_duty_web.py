"""Duty of care over HTTP: the tablet's inspection API (idempotent), the planner's pages.

Real Flask test client, real SQLite migrated by Alembic, the crew sample of tests/crew_sample.py.
"""

from __future__ import annotations

import io
import uuid

import pytest
from crew_sample import build_crew_sample
from pypdf import PdfReader
from sqlalchemy import func, select
from test_api_crew import bearer, login

from greentour.accounts.members import create_user
from greentour.store.models_duty import InspectionRecord
from greentour.store.tenancy import tenant_session

CHECK = [{"key": k, "result": "ok"} for k in
         ("surfacing", "broken_parts", "sharp_edges", "glass_litter", "vandalism")]


@pytest.fixture
def sample(engine):
    return build_crew_sample(engine)


def _body(sample, key: str) -> dict:
    return {"client_uuid": key, "site_id": sample.site_ids["a1"][0],
            "inspection_type": "playground_visual", "inspected_on": sample.day.isoformat(),
            "item": "Schaukel", "inspector_name": "Erika Prüf", "checklist": CHECK,
            "device_time": f"{sample.day.isoformat()}T09:10:00+02:00"}


def test_a_checklist_completed_offline_arrives_once(client, engine, sample) -> None:
    """The tablet's queue sends the same inspection again after a lost answer: stored once,
    signed with the device; the checklists come from the API for offline use."""
    headers = bearer(sample.tokens["a1"])
    types = client.get("/api/v1/inspection-types", headers=headers)
    assert types.status_code == 200
    codes = {t["code"] for t in types.get_json()["inspection_types"]}
    assert {"playground_visual", "playground_operational", "playground_annual", "tree_regular",
            "tree_extra", "clearance"} <= codes
    key = str(uuid.uuid4())
    first = client.post("/api/v1/inspections", json=_body(sample, key), headers=headers)
    again = client.post("/api/v1/inspections", json=_body(sample, key), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers.get("Idempotent-Replay") == "true"
    assert first.get_json()["record_hash"] == again.get_json()["record_hash"]
    assert first.get_json()["device_token_id"] == sample.token_ids["a1"]
    with tenant_session(engine, sample.tenant_ids["lauf"]) as s:
        assert s.scalar(select(func.count()).select_from(InspectionRecord)) == 1
    bad = dict(_body(sample, str(uuid.uuid4())), checklist=CHECK[:2])
    answer = client.post("/api/v1/inspections", json=bad, headers=headers)
    assert answer.status_code == 400 and "nicht beantwortet" in answer.get_data(as_text=True)
    assert client.post("/api/v1/inspections", json=_body(sample, key)).status_code == 401


def test_planner_pages_overview_pdf_and_export(client, engine, sample) -> None:
    """Overview page, protocol PDF and insurer CSV for the logged-in planner."""
    headers = bearer(sample.tokens["a1"])
    client.post("/api/v1/inspections", json=_body(sample, str(uuid.uuid4())), headers=headers)
    create_user(engine, sample.tenant_ids["lauf"], "dispo", "geheim-genug-123", role="planner")
    login(client, "dispo", "geheim-genug-123")
    day = sample.day.isoformat()
    page = client.get(f"/planner/verkehrssicherung/?day={day}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Kontrollen (überfällige zuerst)" in html and "Unverändert: 1 Protokolle" in html
    assert "noch nicht gelernt" in html
    site = sample.site_ids["a1"][0]
    pdf = client.get(f"/planner/verkehrssicherung/protokoll.pdf?site={site}&from={day}&to={day}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "Nr. 1" in text and "Erika Prüf" in text
    csv = client.get(f"/planner/verkehrssicherung/versicherung.csv?from={day}&to={day}")
    assert csv.status_code == 200 and "Schaukel" in csv.get_data(as_text=True)
    wrong = client.get("/planner/verkehrssicherung/protokoll.pdf?site=x")
    assert wrong.status_code == 400
    client.get("/auth/lang/en")
    pdf = client.get(f"/planner/verkehrssicherung/protokoll.pdf?site={site}&from={day}&to={day}")
    english = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "Inspection record" in english and "Inspector: Erika Prüf" in english
    assert "[OK] Impact surfacing present" in english


def test_hazard_layer_and_english_page(client, engine, sample) -> None:
    """The map layer is GeoJSON of the predicted violations; the page speaks English on request;
    a town without weather is told why on the page and by a 404 on the layer."""
    from greentour.store.models import Tenant
    from greentour.store.models_demand import SiteDemand
    from greentour.store.tenancy import system_session

    tenant_id = sample.tenant_ids["lauf"]
    create_user(engine, tenant_id, "dispo", "geheim-genug-123", role="planner")
    login(client, "dispo", "geheim-genug-123")
    url = "/planner/verkehrssicherung/gefahren.geojson?day=2026-06-01"
    missing = client.get(url)
    assert missing.status_code == 404 and "Wetterdaten" in missing.get_data(as_text=True)
    page = client.get("/planner/verkehrssicherung/?day=2026-06-01").get_data(as_text=True)
    assert "Wetterdaten" in page
    with system_session(engine) as s, s.begin():
        s.get(Tenant, tenant_id).config_json = {"weather": {
            "source": "dwd_kl_daily", "station_id": "00691",
            "files": ["weather/produkt_klima_tag_20241226_20260628_00691.txt"],
            "history_files": ["weather/produkt_klima_tag_20210101_20231231_01078.txt"]}}
    with tenant_session(engine, tenant_id) as s, s.begin():
        s.add(SiteDemand(site_id=sample.site_ids["a1"][0], traffic_safety=True,
                         traffic_reason="Sichtdreieck an Einmündung: über 0.80 m freihalten",
                         clearance_height_m=0.8))
    layer = client.get(url)
    assert layer.status_code == 200 and layer.mimetype == "application/geo+json"
    features = layer.get_json()["features"]
    assert [f["properties"]["profile"] for f in features] == ["sight_triangle"]
    assert features[0]["geometry"]["type"] == "Polygon"
    assert features[0]["properties"]["violation_date"] >= "2026-06-01"
    client.get("/auth/lang/en")
    english = client.get("/planner/verkehrssicherung/?day=2026-06-01").get_data(as_text=True)
    assert "Inspections (overdue first)" in english and "Duty of care" in english
    map_page = client.get("/planner/?day=2026-06-01").get_data(as_text=True)
    assert "gefahren.geojson" in map_page and "hazards.js" in map_page


def test_a_findings_photo_is_taken_only_when_the_record_names_its_hash(client, engine, sample,
                                                                        tmp_path) -> None:
    """The record names the photo's SHA-256; another picture is refused (409), the right one is
    stored without its GPS metadata, once; the protocol PDF says it is kept."""
    import hashlib

    from test_api_crew import jpeg_with_gps

    photo = jpeg_with_gps(96)
    other = jpeg_with_gps(64)
    sha = hashlib.sha256(photo).hexdigest()
    headers = bearer(sample.tokens["a1"])
    key = str(uuid.uuid4())
    body = dict(_body(sample, key), findings=[
        {"severity": "medium", "text": "Sitz gesplittert", "measure": "repair",
         "photo_sha256": sha}])
    assert client.post("/api/v1/inspections", json=body, headers=headers).status_code == 201
    url = f"/api/v1/inspections/{key}/photo"
    wrong = client.post(url, data={"photo": (io.BytesIO(other), "x.jpg")}, headers=headers)
    assert wrong.status_code == 409 and "keinem Befund" in wrong.get_data(as_text=True)
    first = client.post(url, data={"photo": (io.BytesIO(photo), "a.jpg")}, headers=headers)
    again = client.post(url, data={"photo": (io.BytesIO(photo), "a.jpg")}, headers=headers)
    assert (first.status_code, first.get_json()["stored"]) == (201, True)
    assert again.get_json()["stored"] is False
    other_crew = client.post(url, data={"photo": (io.BytesIO(photo), "a.jpg")},
                             headers=bearer(sample.tokens["a2"]))
    assert other_crew.status_code == 403
    from greentour.store.models_duty import InspectionPhoto

    with tenant_session(engine, sample.tenant_ids["lauf"]) as s:
        rows = s.scalars(select(InspectionPhoto)).all()
    assert len(rows) == 1 and rows[0].sha256 == sha
    instance = client.application.extensions["greentour_settings"].instance_dir
    from PIL import Image

    with Image.open(instance / rows[0].photo_path) as stored:
        assert 0x8825 not in stored.getexif()  # no GPS kept
    create_user(engine, sample.tenant_ids["lauf"], "dispo", "geheim-genug-123", role="planner")
    login(client, "dispo", "geheim-genug-123")
    day = sample.day.isoformat()
    site = sample.site_ids["a1"][0]
    pdf = client.get(f"/planner/verkehrssicherung/protokoll.pdf?site={site}&from={day}&to={day}")
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert f"Foto SHA-256 {sha}" in text.replace("\n", "") and "gespeichert" in text
