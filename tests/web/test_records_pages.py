"""The work records' pages through the real Flask client (issue 17): day-end review, correction
with reason, "abschließen" and the 409 of a closed day, the report with server-rendered SVG
charts, the CSV downloads, the cost GeoPackage read back with GDAL, the time sheet with booked
times, and person-level hours only for the role the staff council allows.

Real SQLite (the Lauf walkthrough scenario), a stored tour with real road legs, reports through
the real crew report service.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pyogrio
import pytest
from planner_scenario import DAY, login, planner_app, store_tour, tablet_token
from sqlalchemy import select

from greentour.accounts.members import ensure_user
from greentour.crew import tokens
from greentour.crew.reports import ReportInput, submit_report
from greentour.records import csv_layouts
from greentour.store import make_engine, models, session_tenant, write_session
from greentour.tenant_config import tenant_config

ADMIN, ADMIN_PW = "verwaltung", "Rathaus-Kasse-2026!"


def _report_tour(db_url: str, tenant_id: int, crew_day_id: int) -> list[int]:
    """The crew reports its first five stops: started and done at the planned times (the 2nd
    without a start tap); returns the reported task ids."""
    engine = make_engine(db_url)
    tasks = []
    with write_session(engine, tenant_id) as s:
        cd = s.get(models.CrewDay, crew_day_id)
        device = tokens.issue_token(s, tenant_id, crew_template_id=cd.template_id).record
        privacy = tenant_config(session_tenant(s)).privacy
        tour = s.scalar(select(models.Tour).where(models.Tour.crew_day_id == crew_day_id))
        stops = [x for x in sorted(tour.stops, key=lambda x: x.seq) if x.kind == "task"][:5]
        for i, stop in enumerate(stops):
            if i != 1:
                submit_report(s, device, ReportInput(str(uuid.uuid4()), "started", 1,
                                                     stop.start_at, stop_id=stop.id), privacy,
                              now=stop.start_at)
            submit_report(s, device, ReportInput(str(uuid.uuid4()), "done", 1, stop.end_at,
                                                 stop_id=stop.id), privacy, now=stop.end_at)
            tasks.append(stop.task_id)
    engine.dispose()
    return tasks


@pytest.fixture
def reported(planner_scenario):
    """The scenario with one crew's tour of 8 stops and five reported stops, plus an admin."""
    sc = planner_scenario
    crew_day_id = store_tour(sc.db_url, sc.tenant_id, DAY, n_stops=8)
    tasks = _report_tour(sc.db_url, sc.tenant_id, crew_day_id)
    engine = make_engine(sc.db_url)
    ensure_user(engine, sc.tenant_id, ADMIN, ADMIN_PW, role="admin")
    engine.dispose()
    return sc, crew_day_id, tasks


@pytest.fixture
def app(reported, monkeypatch, tmp_path):
    yield from planner_app(reported[0], monkeypatch, tmp_path)


def _post(client, url: str, data: dict):
    return client.post(url, data={"csrf_token": client.token, **data})


def test_review_correct_close_and_409(app, reported) -> None:
    """The planner reviews Monday, a correction without reason is refused (400), with reason it
    is kept in the history; after "Abschließen" a correction and a second close are 409 with the
    German message, and the page says the day is closed."""
    _, crew_day_id, tasks = reported
    client = login(app.test_client())
    page = client.get(f"/records/day?day={DAY}").get_data(as_text=True)
    assert "Tagesabschluss" in page and "Buchungen je Kostenstelle" in page
    assert "kein „Begonnen“ gemeldet" in page          # the stop without a start tap
    assert "Stunden je Person" not in page              # planner: per crew-day only
    assert 'name="kind" value="work_min"' in page
    no_reason = _post(client, "/records/day/correct", {
        "day": DAY.isoformat(), "crew_day_id": crew_day_id, "task_id": tasks[0],
        "kind": "work_min", "value": "25", "reason": "  "})
    assert no_reason.status_code == 400
    assert "Grund" in no_reason.get_data(as_text=True)
    ok = _post(client, "/records/day/correct", {
        "day": DAY.isoformat(), "crew_day_id": crew_day_id, "task_id": tasks[0],
        "kind": "work_min", "value": "25", "reason": "Tablet zu spät angetippt"})
    assert ok.status_code == 302
    page = client.get(f"/records/day?day={DAY}").get_data(as_text=True)
    assert "Tablet zu spät angetippt" in page and "disponentin" in page
    closed = _post(client, "/records/day/close", {"day": DAY.isoformat()})
    assert closed.status_code == 302
    page = client.get(f"/records/day?day={DAY}").get_data(as_text=True)
    assert "abgeschlossen" in page and 'name="kind" value="work_min"' not in page
    again = _post(client, "/records/day/correct", {
        "day": DAY.isoformat(), "crew_day_id": crew_day_id, "kind": "vehicle_km",
        "value": "12,5", "reason": "Tacho"})
    assert again.status_code == 409
    assert "ist abgeschlossen; die Buchungen sind schreibgeschützt" in again.get_data(
        as_text=True)
    json_again = client.post("/records/day/close", data={"csrf_token": client.token,
                                                          "day": DAY.isoformat()},
                             headers={"Accept": "application/json"})
    assert json_again.status_code == 409 and "abgeschlossen" in json_again.get_json()["message"]
    # the line-up of a closed day is read-only too
    engine = make_engine(reported[0].db_url)
    with write_session(engine, reported[0].tenant_id) as s:
        member = s.get(models.CrewDay, crew_day_id).member_ids[0]
    engine.dispose()
    moved = client.post("/planner/lineup/person", data={
        "csrf_token": client.token, "day": DAY.isoformat(), "staff_id": member,
        "crew_day_id": ""}, follow_redirects=True)   # planner forms flash the refusal
    assert "ist abgeschlossen; die Buchungen sind schreibgeschützt" in moved.get_data(
        as_text=True)
    engine = make_engine(reported[0].db_url)
    with write_session(engine, reported[0].tenant_id) as s:
        assert member in s.get(models.CrewDay, crew_day_id).member_ids
    engine.dispose()
    # a late report through the crew API: stored (201), says it books nothing, listed
    sc = reported[0]
    token = tablet_token(sc, crew_day_id)
    engine = make_engine(sc.db_url)
    with write_session(engine, sc.tenant_id) as s:
        stop = s.scalar(select(models.Stop).where(models.Stop.task_id == tasks[2]))
        stop_id = stop.id
    engine.dispose()
    late = app.test_client().post("/api/v1/reports", json={
        "client_uuid": str(uuid.uuid4()), "stop_id": stop_id, "plan_version": 1,
        "status": "partly", "device_time": f"{DAY}T14:00:00+02:00"},
        headers={"Authorization": f"Bearer {token}"})
    assert late.status_code == 201, late.get_data(as_text=True)
    assert "ändert die Buchungen aber nicht" in late.get_json()["booking_note"]
    page = client.get(f"/records/day?day={DAY}").get_data(as_text=True)
    assert "Nach dem Abschluss eingegangen" in page


def test_bad_input_is_a_german_4xx(app, reported) -> None:
    """Unknown kind, minutes out of range, a crew-day of another day, a bad period: 4xx with
    the reason, nothing stored."""
    _, crew_day_id, tasks = reported
    client = login(app.test_client())
    base = {"day": DAY.isoformat(), "crew_day_id": crew_day_id, "task_id": tasks[0],
            "reason": "x"}
    assert _post(client, "/records/day/correct", {**base, "kind": "stunden", "value": "1"}
                 ).status_code == 400
    too_long = _post(client, "/records/day/correct", {**base, "kind": "work_min",
                                                      "value": "5000"})
    assert too_long.status_code == 400 and "1440" in too_long.get_data(as_text=True)
    other_day = _post(client, "/records/day/correct", {
        **base, "day": (DAY + dt.timedelta(days=1)).isoformat(), "kind": "work_min",
        "value": "5"})
    assert other_day.status_code == 404
    assert client.get("/records/report?period=2026-13").status_code == 400
    page = client.get(f"/records/day?day={DAY}").get_data(as_text=True)
    assert "Keine Korrekturen." in page


def test_report_has_svg_charts_and_csv_downloads(app, reported) -> None:
    """The month report: tables per cost centre, site and task type with m² per hour, two SVG
    bar charts drawn on the server (no script), CSV in both layouts; the planner's CSV names
    the crew, the admin's names the persons."""
    client = login(app.test_client())
    response = client.get("/records/report?period=2026-06")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("<svg") >= 2 and "<rect" in page
    assert "je Kostenstelle" in page and "je Fläche" in page and "m² je Stunde" in page
    assert "vorläufig" in page                         # the day is not closed yet
    assert 'id="by-person"' not in page and "nur für berechtigte Rollen" in page
    scripts = re.findall(r"<script(?![^>]*nonce)(?![^>]*application/json)[^>]*>", page)
    assert all("src=" in s for s in scripts)           # no inline script (CSP)
    csv_planner = client.get("/records/export.csv?period=2026-06&layout=greentour")
    assert csv_planner.headers["Content-Disposition"].endswith('greentour.csv"')
    rows = csv_layouts.read_greentour_csv(csv_planner.data)
    assert rows and all(r.date == DAY for r in rows)
    text = csv_planner.data.decode("utf-8-sig")
    assert "Thomas Huber" not in text and "Kolonne" in text
    ilv = client.get("/records/export.csv?period=2026-06&layout=ilv")
    assert "windows-1252" in ilv.headers["Content-Type"]
    assert csv_layouts.read_ilv_csv(ilv.data)[0]["Sender-Kostenstelle"] == "1100 Bauhof"
    assert client.get("/records/export.csv?period=2026-06&layout=sap").status_code == 400
    admin = login(app.test_client(), ADMIN, ADMIN_PW)
    text = admin.get("/records/export.csv?period=2026-06").data.decode("utf-8-sig")
    report = admin.get("/records/report?period=2026").get_data(as_text=True)
    assert 'id="by-person"' in report
    people = [n for n in ("Thomas Huber", "Stefan Maier") if n in text]
    assert people, "the admin's CSV names the persons"


def test_cost_geopackage_has_cost_per_m2_and_year(app, reported, tmp_path) -> None:
    """The GeoPackage read back with GDAL (pyogrio): sites with cost_eur_year and
    cost_eur_per_m2_year = cost / area for the sites worked on Monday."""
    client = login(app.test_client())
    response = client.get("/records/costs.gpkg?year=2026")
    assert response.status_code == 200
    path = tmp_path / "costs.gpkg"
    path.write_bytes(response.data)
    layers = [name for name, _ in pyogrio.list_layers(path)]
    assert "site_costs_areas" in layers
    frame = pyogrio.read_dataframe(path, layer="site_costs_areas")
    assert {"cost_eur_year", "cost_eur_per_m2_year", "person_h_year", "year"} <= set(frame)
    worked = frame[frame["cost_eur_year"] > 0]
    assert len(worked) >= 3
    ratio = worked["cost_eur_year"] / worked["area_m2"]
    assert (abs(ratio - worked["cost_eur_per_m2_year"]) < 1e-3).all()
    assert client.get("/records/costs.gpkg?year=1800").status_code == 400


def test_time_sheet_shows_booked_not_planned_times(app, reported, planner_scenario) -> None:
    """Once the crew reported, the time sheet shows the booked minutes per stop and the booked
    hours; a crew-day without reports still shows the planned times to write on."""
    _, crew_day_id, _ = reported
    client = login(app.test_client())
    sheet = client.get(f"/planner/print/timesheet/{crew_day_id}").get_data(as_text=True)
    assert "gebucht (vorläufig, aus den Meldungen)" in sheet
    assert re.search(r'class="booked">\d+ min<', sheet)
    assert "Gebucht je Person" in sheet and "Unterschrift" in sheet
    engine = make_engine(planner_scenario.db_url)
    with write_session(engine, planner_scenario.tenant_id) as s:
        other = s.scalar(select(models.CrewDay).where(models.CrewDay.date == DAY,
                                                      models.CrewDay.id != crew_day_id))
    engine.dispose()
    plain = client.get(f"/planner/print/timesheet/{other.id}").get_data(as_text=True)
    assert "gebucht" not in plain and "geplant" in plain


def test_english_review_page(app, reported) -> None:
    """The review speaks English through the catalogue."""
    client = login(app.test_client())
    client.get("/auth/lang/en")
    page = client.get(f"/records/day?day={DAY}").get_data(as_text=True)
    assert "Day-end review" in page and "Bookings per cost centre" in page
