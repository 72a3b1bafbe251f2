"""The planner blueprint through the real Flask test client on the Lauf walkthrough scenario."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from planner_scenario import DAY, PASSWORD, USERNAME, planner_app
from sqlalchemy import select

from greentour.commands.handlers import HANDLERS
from greentour.jobs import run_worker
from greentour.store import make_engine, models, tenant_session

WEEK = DAY.isoformat()


def _token(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


@pytest.fixture
def app(planner_scenario, monkeypatch, tmp_path):
    monkeypatch.setenv("GREENTOUR_PLAN_SOLUTION_LIMIT", "5")
    yield from planner_app(planner_scenario, monkeypatch, tmp_path)


@pytest.fixture
def client(app):
    """A test client logged in as the scenario's planner; ``client.token`` is the CSRF token."""
    c = app.test_client()
    html = c.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    c.post("/auth/login", data={"username": USERNAME, "password": PASSWORD, "csrf_token": token})
    c.token = _token(c.get("/planner/").get_data(as_text=True))
    return c


def test_anonymous_users_are_sent_to_the_login(app) -> None:
    """Every planner page needs a login."""
    c = app.test_client()
    for url in ("/planner/", "/planner/board", "/planner/lineup", "/planner/api/map"):
        response = c.get(url)
        assert response.status_code in (302, 401)
        if response.status_code == 302:
            assert "/auth/login" in response.headers["Location"]


def test_pages_render_in_german(client) -> None:
    """Map, board, line-up, prints and inventory answer 200 with German labels."""
    expected = {
        "/planner/": "Länger optimieren",
        f"/planner/board?week={WEEK}": "Plantafel",
        f"/planner/lineup?day={WEEK}": "Kapazitätsbilanz der Woche",
        f"/planner/print?day={WEEK}": "Wochenplan für die Wand",
        "/planner/inventory": "Flächen prüfen",
    }
    for url, label in expected.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert label in response.get_data(as_text=True), url


def test_leaflet_is_served_by_the_app(client) -> None:
    """Leaflet comes from the XStatic package through the app, no CDN."""
    html = client.get("/planner/").get_data(as_text=True)
    assert "unpkg" not in html and "cdn" not in html.lower()
    assert client.get("/planner/vendor/leaflet/leaflet.js").status_code == 200


def test_osm_names_are_escaped(client, planner_scenario) -> None:
    """A site named with HTML (OSM names are untrusted) is shown as text, never as markup."""
    engine = make_engine(planner_scenario.db_url)
    with tenant_session(engine, planner_scenario.tenant_id) as s, s.begin():
        site = s.scalar(select(models.Site).where(models.Site.status == "candidate"))
        site.name = '<img src=x onerror="alert(1)">'
    engine.dispose()
    html = client.get("/planner/inventory").get_data(as_text=True)
    assert '<img src=x onerror="alert(1)">' not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    js = client.get("/planner/static/map.js").get_data(as_text=True)
    assert "innerHTML" not in js


def test_absence_changes_the_capacity_balance(client) -> None:
    """Reporting someone sick lowers Monday's available person-hours on the line-up page."""
    def available() -> float:
        html = client.get(f"/planner/lineup?day={WEEK}").get_data(as_text=True)
        text = re.search(rf'data-date="{WEEK}">([0-9.,]+)<', html).group(1)
        return float(text.replace(".", "").replace(",", "."))  # German: 1.234,5

    before = available()
    html = client.get(f"/planner/lineup?day={WEEK}").get_data(as_text=True)
    staff_id = re.search(r'<option value="(\d+)">Matthias Klein</option>', html).group(1)
    response = client.post(f"/planner/lineup/absence?day={WEEK}",
                           data={"staff_id": staff_id, "until": WEEK, "reason": "krank",
                                 "csrf_token": client.token})
    assert response.status_code == 302
    assert available() == pytest.approx(before - 8.25, abs=0.11)


def test_planen_runs_as_a_job_and_the_map_shows_the_result(client, app) -> None:
    """'Planen' queues a job; after the worker ran it the map JSON has tours and the job is done."""
    response = client.post("/planner/api/plan", json={"day": WEEK},
                           headers={"X-CSRFToken": client.token})
    assert response.status_code == 202
    job_url = response.get_json()["job_url"]
    assert client.get(job_url).get_json()["status"] == "queued"
    assert run_worker(app.extensions["greentour_engine"], HANDLERS, once=True) == 1
    job = client.get(job_url).get_json()
    assert job["status"] == "done" and job["progress"] == 100, job
    data = client.get(f"/planner/api/map?day={WEEK}").get_json()
    assert data["plan"]["id"] == job["result"]["plan_id"]
    assert data["tours"] and all(t["stops"] for t in data["tours"])
    assert data["unassigned"] and all(u["reasons"] for u in data["unassigned"])
    crew_day = data["tours"][0]["crew_day_id"]
    sheet = client.get(f"/planner/print/day/{crew_day}").get_data(as_text=True)
    assert "Tagesauftrag" in sheet and "© OpenStreetMap contributors" in sheet and "<svg" in sheet
    board = client.get(f"/planner/board?week={WEEK}").get_data(as_text=True)
    assert board.count('class="task-chip') >= len(data["tours"])
    week = client.get(f"/planner/print/week?week={WEEK}").get_data(as_text=True)
    assert "Wochenplan 15.06. – 19.06.2026" in week and 'class="print wall"' in week
    sheet = client.get(f"/planner/print/timesheet/{crew_day}").get_data(as_text=True)
    assert "Stundenzettel" in sheet and "Unterschrift" in sheet


def test_board_check_refuses_with_violation_in_planner_language(client, app) -> None:
    """Dragging a playground inspection to a mowing crew is refused with the reason."""
    client.post("/planner/api/plan", json={"day": WEEK}, headers={"X-CSRFToken": client.token})
    run_worker(app.extensions["greentour_engine"], HANDLERS, once=True)
    data = client.get(f"/planner/api/map?day={WEEK}").get_json()
    inspection = next(s for t in data["tours"] for s in t["stops"]
                      if s["task"] == "inspect_playground")
    mow_crew = next(t for t in data["tours"] if t["crew"].startswith("Kolonne 1"))
    response = client.post("/planner/api/board/check",
                           json={"task_id": inspection["task_id"],
                                 "crew_day_id": mow_crew["crew_day_id"]},
                           headers={"X-CSRFToken": client.token})
    result = response.get_json()
    assert response.status_code == 200 and result["feasible"] is False
    assert result["violations"]
    response = client.post("/planner/api/board/move",
                           json={"task_id": inspection["task_id"],
                                 "crew_day_id": mow_crew["crew_day_id"]},
                           headers={"X-CSRFToken": client.token})
    assert response.status_code == 409 and "nicht möglich" in response.get_json()["error"]


def test_inventory_review_accepts_candidates_in_bulk(client, planner_scenario) -> None:
    """Selected candidate sites are accepted into maintenance in one request."""
    html = client.get("/planner/inventory").get_data(as_text=True)
    ids = re.findall(r'name="site_id" value="(\d+)"', html)[:2]
    response = client.post("/planner/inventory", data={"site_id": ids, "decision": "accept",
                                                       "csrf_token": client.token})
    assert response.status_code == 302
    engine = make_engine(planner_scenario.db_url)
    with tenant_session(engine, planner_scenario.tenant_id) as s:
        sites = [s.get(models.Site, int(i)) for i in ids]
        assert all(x.status == "accepted" and x.in_maintenance for x in sites)
    engine.dispose()


def test_week_plan_fills_the_board_for_every_workday(client, app) -> None:
    """'Woche planen' plans Monday to Friday in one job; each day's cells then hold tours."""
    response = client.post("/planner/api/plan", json={"day": WEEK, "days": 5},
                           headers={"X-CSRFToken": client.token})
    assert response.status_code == 202
    run_worker(app.extensions["greentour_engine"], HANDLERS, once=True)
    job = client.get(response.get_json()["job_url"]).get_json()
    assert job["status"] == "done", job
    for offset in range(5):
        day = DAY + dt.timedelta(days=offset)
        data = client.get(f"/planner/api/map?day={day.isoformat()}").get_json()
        assert data["plan"]["id"] == job["result"]["plan_id"]
    response = client.post("/planner/api/plan", json={"day": WEEK, "days": 9},
                           headers={"X-CSRFToken": client.token})
    assert response.status_code == 400 and "1 bis 7 Tage" in response.get_json()["error"]


def test_plan_check_panel_shows_the_stored_check_and_rechecks(client, app) -> None:
    """The map page has the 'Plan prüfen' panel; the map JSON carries the stored plan's check
    (a list: every plan is checked when stored); 'Neu prüfen' recomputes it; no reason or
    finding shows a euro figure; an unknown plan is a German 404."""
    assert "Plan prüfen" in client.get("/planner/").get_data(as_text=True)
    client.post("/planner/api/plan", json={"day": WEEK}, headers={"X-CSRFToken": client.token})
    assert run_worker(app.extensions["greentour_engine"], HANDLERS, once=True) == 1
    data = client.get(f"/planner/api/map?day={WEEK}").get_json()
    stored = data["plan"]["check"]
    assert isinstance(stored, list)
    assert data["balance"]["week_status"] in ("ok", "knapp", "überlastet")
    assert all(set(f) == {"kind", "text", "task_id", "crew_day_id"} for f in stored)
    response = client.post(f"/planner/api/plan/{data['plan']['id']}/check", json={},
                           headers={"X-CSRFToken": client.token})
    assert response.status_code == 200
    again = response.get_json()["check"]
    assert isinstance(again, list)
    texts = [f["text"] for f in stored + again] + [
        r for u in data["unassigned"] for r in u["reasons"]]
    assert all("€" not in t and "EUR" not in t for t in texts)
    assert client.get(f"/planner/api/map?day={WEEK}").get_json()["plan"]["check"] == again
    missing = client.post("/planner/api/plan/9999/check", json={},
                          headers={"X-CSRFToken": client.token})
    assert missing.status_code == 404 and "Plan 9999 gibt es nicht" in missing.get_json()["error"]
