"""Setting up a town of its own (issue 18): ``greentour tenant create`` on a small OSM file that is
not Lauf, through import, forecast, demand, plan, the crew tour and an export; the default cycles;
users from the CLI; bad input refused at once; the demo from an empty data folder."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from greentour.settings import REPO_ROOT
from greentour.store import make_engine, system_session, tenant_session
from greentour.store.models import Task, Tenant, Tour
from greentour.store.models_demand import TenantCycle
from tests.web.test_api_crew import bearer, login
from web.serve import cli

FIXTURE = Path(__file__).parent / "fixtures" / "heidelberg-weststadt_2024-09-08.osm.pbf"
DEPOT = "way/24794024"  # "Parkplätze Landfriedgelände" stands in for a Bauhof
YARD = "way/158368925"  # a car park standing in for a green-waste yard
DAY = dt.date(2026, 6, 15)  # a Monday inside the shipped weather record
LAUF = REPO_ROOT / "data" / "tenants" / "lauf.toml"


def _repo_fingerprint() -> dict[str, str]:
    """Hashes of the repository's data files (a town set-up must not edit any)."""
    return {str(p.relative_to(REPO_ROOT)): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted((REPO_ROOT / "data").rglob("*")) if p.is_file()}


@pytest.fixture
def town_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """CLI environment: per-test database and instance, an EMPTY data folder (nothing from
    ../shared), a short solver search."""
    empty = tmp_path / "empty-data"
    empty.mkdir()
    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("GREENTOUR_DATABASE_URL", db_url)
    monkeypatch.setenv("GREENTOUR_DATA_DIR", str(empty))
    monkeypatch.setenv("GREENTOUR_PLAN_SOLUTION_LIMIT", "5")
    monkeypatch.delenv("GREENTOUR_PLAN_DAY", raising=False)
    return tmp_path


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, list(args), env=env)
    return result


def create_args(*extra: str) -> list[str]:
    return ["tenant", "create", "--name", "Heidelberg-Weststadt (Test)", "--slug", "hd",
            "--land", "BW", "--population", "160000", *extra]


def test_second_town_end_to_end(town_env: Path, db_url: str, app) -> None:
    """A town that is not Lauf: created by the CLI from its own OSM file (no repository file
    edited), then import, forecast, demand, plan, crew tour and export; bins and DIN EN 1176-7
    inspections come from the national default; a user created by the CLI logs in."""
    before = _repo_fingerprint()
    result = run(*create_args("--osm", str(FIXTURE), "--depot", DEPOT, "--yard", YARD))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Ort „Heidelberg-Weststadt (Test)“ (hd) eingerichtet" in out
    assert "cycles 10" in out and "crew_templates 4" in out
    assert re.search(r"Nächste DWD-Station: \d{5} .+ \(\d+\.\d km vom Betriebshof", out)
    assert "stellvertretend DWD 00691 Bremen" in out
    tenant_file = town_env / "instance" / "tenants" / "hd.toml"
    assert tenant_file.is_file() and "ODbL" in tenant_file.read_text(encoding="utf-8")

    assert run("import-osm", "--tenant", "hd", str(FIXTURE)).exit_code == 0
    weather = run("import-weather", "--tenant", "hd")
    assert weather.exit_code == 0, weather.output
    forecast = run("forecast", "--tenant", "hd", "--date", DAY.isoformat())
    assert forecast.exit_code == 0, forecast.output
    assert "Wetter stellvertretend: DWD-Station 00691" in forecast.output
    assert "Graswachstum: Ersatzmodell" in forecast.output  # no growth series in the data dir
    demand = run("demand", "--tenant", "hd", "--week", "2026-W25")
    assert demand.exit_code == 0, demand.output
    plan = run("plan", "--tenant", "hd", "--date", DAY.isoformat(), "--publish")
    assert plan.exit_code == 0, plan.output
    planned = int(re.search(r"(\d+) Aufgaben eingeplant", plan.output).group(1))
    assert planned > 0 and "Überstunden" in plan.output and "Fahrzeit" in plan.output

    engine = make_engine(db_url)
    with system_session(engine) as s:
        hd = s.scalar(select(Tenant).where(Tenant.slug == "hd"))
    with tenant_session(engine, hd.id) as s:
        types = {code: n for code, n in s.execute(
            select(Task.task_type, func.count()).group_by(Task.task_type))}
        assert s.scalar(select(func.count()).select_from(TenantCycle)) == 10
        plan_id = s.scalar(select(Tour.plan_id))
    assert types.get("empty_bins", 0) > 0
    assert types.get("inspect_playground_visual", 0) > 0 and types.get("inspect_playground", 0) > 0

    token = run("crew-token", "--tenant", "hd", "--crew", "Kolonne 1")
    assert token.exit_code == 0, token.output
    device_token = token.output.strip().split("#token=")[1]
    client = app.test_client()
    tour = client.get(f"/api/v1/crew/tour?date={DAY.isoformat()}", headers=bearer(device_token))
    assert tour.status_code == 200, tour.get_data(as_text=True)
    body = tour.get_json()
    assert body["tenant"]["slug"] == "hd" and body["crew"]["name"].startswith("Kolonne 1 ")
    assert any(stop["kind"] == "task" for stop in body["stops"])

    geojson = town_env / "hd.geojson"
    exported = run("export", "--tenant", "hd", "--plan", str(plan_id), "--format", "geojson",
                   "--out", str(geojson))
    assert exported.exit_code == 0, exported.output
    text = geojson.read_text(encoding="utf-8")
    assert "OpenStreetMap" in text and '"Feature"' in text

    made = run("user", "create", "--tenant", "hd", "anna", "--role", "planner",
               env={"GREENTOUR_NEW_PASSWORD": "sicher-12345"})
    assert made.exit_code == 0, made.output
    login(client, "anna", "sicher-12345")
    assert client.get("/planner/").status_code == 200

    cycles = town_env / "zyklen.toml"
    assert run("tenant", "cycles", "--tenant", "hd", "--export", str(cycles)).exit_code == 0
    assert cycles.read_text(encoding="utf-8").count("[[cycle]]") == 10
    assert _repo_fingerprint() == before
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--osm", "/nicht/da.osm.pbf", "--depot", DEPOT], "OSM-Datei nicht gefunden: /nicht/da"),
        # lon/lat swapped: 49.4063,8.6756 is outside, and the message says so
        (["--osm", str(FIXTURE), "--depot", "49.4063,8.6756"],
         "Betriebshof (49.40630, 8.67560) liegt außerhalb des Gebiets der OSM-Datei"),
        (["--osm", str(FIXTURE), "--depot", "8.6756,49.4063", "--yard", "11.27,49.50"],
         "Grünabfall-Annahme 1 (11.27000, 49.50000) liegt außerhalb"),
        (["--osm", str(FIXTURE), "--depot", "way/1"], "way/1 steht nicht in der OSM-Datei"),
    ],
)
def test_tenant_create_refuses_bad_input_at_once(town_env: Path, db_url: str, args, message
                                                 ) -> None:
    """A missing OSM file, a depot or yard outside the extent (swapped axes named) or an OSM id
    not in the file: one German line, exit 1, nothing stored, no tenant file written."""
    result = run(*create_args(*args))
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Fehler: ") and message in lines[0], lines
    assert "Traceback" not in result.output
    if "49.4063,8.6756" in args:
        assert "Länge und Breite vertauscht?" in lines[0]
    engine = make_engine(db_url)
    with system_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Tenant)) == 0
    engine.dispose()
    assert not (town_env / "instance" / "tenants" / "hd.toml").exists()


def test_init_refuses_missing_osm_file_and_depot_outside(town_env: Path, db_url: str) -> None:
    """``init --tenant-file`` checks the OSM file and the depot before storing anything."""
    text = LAUF.read_text(encoding="utf-8")
    missing = town_env / "ohne-osm.toml"
    missing.write_text(text.replace('pbf = "osm/lauf-an-der-pegnitz_2020-01-15.osm.pbf"',
                                    'pbf = "osm/gibt-es-nicht.osm.pbf"'), encoding="utf-8")
    swapped = town_env / "vertauscht.toml"
    swapped.write_text(text.replace("lon = 11.278798\nlat = 49.510074",
                                    "lon = 49.510074\nlat = 11.278798", 1), encoding="utf-8")
    for path, expected in ((missing, "osm.pbf: OSM-Datei nicht gefunden"),
                           (swapped, "depots[0] (bauhof): Bauhof Lauf (49.51007, 11.27880) liegt "
                                     "außerhalb")):
        result = run("init", "--tenant-file", str(path))
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("Fehler: ") and expected in result.stderr, result.stderr
    engine = make_engine(db_url)
    with system_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Tenant)) == 0
    engine.dispose()
    assert run("init", "--tenant-file", str(LAUF)).exit_code == 0  # the real one passes


def test_users_disable_reset_and_read_only(town_env: Path, db_url: str, app) -> None:
    """Users from the CLI: a disabled user cannot log in, a reset password works, a viewer sees
    the planner pages but may not change anything."""
    assert run("init", "--tenant-file", str(LAUF)).exit_code == 0
    env = {"GREENTOUR_NEW_PASSWORD": "erstes-Passwort"}
    assert run("user", "create", "--tenant", "lauf", "vera", "--role", "viewer",
               env=env).exit_code == 0
    again = run("user", "create", "--tenant", "lauf", "vera", env=env)
    assert again.exit_code == 1 and "gibt es schon" in again.stderr
    short = run("user", "reset-password", "--tenant", "lauf", "vera", "--password", "kurz")
    assert short.exit_code == 1 and "Passwort zu kurz" in short.stderr
    client = app.test_client()
    csrf = login(client, "vera", "erstes-Passwort")
    assert client.get("/planner/").status_code == 200
    refused = client.post("/planner/api/plan", json={"day": DAY.isoformat()},
                          headers={"X-CSRFToken": csrf})
    assert refused.status_code == 403
    assert client.get("/verwaltung/").status_code == 403

    assert run("user", "disable", "--tenant", "lauf", "vera").exit_code == 0
    # the open session ends with the account: the next request is sent to the login page
    assert client.get("/planner/").status_code in (302, 401)
    fresh = app.test_client()
    page = fresh.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = fresh.post("/auth/login", data={"username": "vera", "password": "erstes-Passwort",
                                             "csrf_token": token})
    assert answer.status_code != 302
    assert run("user", "enable", "--tenant", "lauf", "vera").exit_code == 0
    before = app.test_client()
    login(before, "vera", "erstes-Passwort")
    assert before.get("/planner/").status_code == 200
    assert run("user", "reset-password", "--tenant", "lauf", "vera",
               "--password", "zweites-Passwort").exit_code == 0
    # the reset ended the session opened with the old password
    assert before.get("/planner/").status_code in (302, 401)
    assert run("user", "role", "--tenant", "lauf", "vera", "admin").exit_code == 0
    listed = run("user", "list", "--tenant", "lauf").output
    assert "vera\tadmin\taktiv" in listed
    login(app.test_client(), "vera", "zweites-Passwort")


def test_crew_token_takes_the_short_crew_name(town_env: Path) -> None:
    """The docs' ``--crew "Kolonne 1"`` finds "Kolonne 1 – Mähen Nord"; "Kolonne" alone fits
    several crews and is refused naming them."""
    assert run("init", "--tenant-file", str(LAUF)).exit_code == 0
    ok = run("crew-token", "--tenant", "lauf", "--crew", "Kolonne 1")
    assert ok.exit_code == 0 and "/crew/#token=" in ok.output
    vague = run("crew-token", "--tenant", "lauf", "--crew", "Kolonne")
    assert vague.exit_code == 1 and "passt auf mehrere Kolonnen" in vague.stderr
    assert "Kolonne 6 – Kontrolle und Wässern" in vague.stderr
    none = run("crew-token", "--tenant", "lauf", "--crew", "Kolonne 9")
    assert none.exit_code == 1 and "gibt es nicht (vorhanden: Kolonne 1 – Mähen Nord" in \
        none.stderr


def test_cycles_edited_and_imported(town_env: Path, db_url: str, app) -> None:
    """The town's cycles: an edit through the admin page is checked (a bad rule stores nothing),
    a switched-off cycle makes no tasks, and a TOML import replaces them."""
    assert run("init", "--tenant-file", str(LAUF)).exit_code == 0
    env = {"GREENTOUR_NEW_PASSWORD": "admin-Passwort"}
    assert run("user", "create", "--tenant", "lauf", "chef", "--role", "admin",
               env=env).exit_code == 0
    engine = make_engine(db_url)
    with tenant_session(engine, 1) as s:
        bins = s.scalars(select(TenantCycle).where(TenantCycle.task_type == "empty_bins")).all()
        first = bins[0]
        first_id, first_name, first_rule = first.id, first.name, dict(first.rule_json)
        assert len(s.scalars(select(TenantCycle)).all()) > 5  # Lauf's own file, copied
    client = app.test_client()
    csrf = login(client, "chef", "admin-Passwort")
    page = client.get("/verwaltung/")
    assert page.status_code == 200 and first_name in page.get_data(as_text=True)
    bad = client.post(f"/verwaltung/zyklen/{first_id}", data={
        "csrf_token": csrf, "name": first_name, "task_type": "empty_bins", "urgency": "0.7",
        "sites": "{}", "rule": '{ freq = "SOMETIMES" }', "active": "on"})
    assert bad.status_code == 400 and "Zyklus" in bad.get_data(as_text=True)
    with tenant_session(engine, 1) as s:
        assert s.get(TenantCycle, first_id).rule_json == first_rule
    off = client.post(f"/verwaltung/zyklen/{first_id}", data={
        "csrf_token": csrf, "name": first_name + " (geändert)", "task_type": "empty_bins",
        "urgency": "0,5", "sites": '{ categories = ["park"] }',
        "rule": '{ freq = "WEEKLY", byweekday = ["MO"] }'})
    assert off.status_code == 302
    with tenant_session(engine, 1) as s:
        row = s.get(TenantCycle, first_id)
        assert (row.active, row.urgency, row.sites_json, row.source) == (
            False, 0.5, {"categories": ["park"]}, "UI")
    exported = client.get("/verwaltung/zyklen.toml")
    assert exported.status_code == 200 and "(geändert)" in exported.get_data(as_text=True)
    assert "active = false" in exported.get_data(as_text=True)
    own = town_env / "eigene.toml"
    own.write_text((REPO_ROOT / "data" / "cycles_default.toml").read_text(encoding="utf-8"),
                   encoding="utf-8")
    result = run("tenant", "cycles", "--tenant", "lauf", "--import", str(own))
    assert result.exit_code == 0 and "10 Zyklen" in result.output
    engine.dispose()


def test_demo_from_an_empty_data_folder_shows_the_tour_on_the_tablet(town_env: Path, app,
                                                                     db_url: str) -> None:
    """``greentour demo`` with GREENTOUR_DATA_DIR pointed at an empty folder (a bare clone):
    the shipped sample gives a plan, and the tablet API without a date shows that day's tour
    (the demo clock makes the demo day "today")."""
    result = run("demo", "--no-serve", "--date", DAY.isoformat(),
                 "--password", "Linde-Amsel-Brunnen")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "data/sample" in out and "ODbL" in out
    assert re.search(r"OSM-Import: \d+ Flächen in Pflege", out), out
    assert re.search(r"Plan #\d+: \d+ Touren, [1-9]\d* Aufgaben eingeplant", out), out
    assert "! " not in out  # no step failed
    token = run("crew-token", "--tenant", "lauf", "--crew", "Kolonne 1")
    assert token.exit_code == 0, token.output
    device = token.output.strip().split("#token=")[1]
    client = app.test_client()
    answer = client.get("/api/v1/crew/tour", headers=bearer(device))  # no date: "today"
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["date"] == DAY.isoformat() == body["demo_today"]
    assert any(stop["kind"] == "task" for stop in body["stops"])
    login(client, "admin", "Linde-Amsel-Brunnen")
    page = client.get("/planner/").get_data(as_text=True)
    assert DAY.isoformat() in page
    with system_session(make_engine(db_url)) as s:
        assert s.scalar(select(Tenant.demo_today)) == DAY
    forecast = run("forecast", "--tenant", "lauf")  # no date: the demo clock's day
    assert forecast.exit_code == 0 and f"Prognose ab {DAY:%d.%m.%Y}" in forecast.output
    json.dumps(body)  # the document is plain JSON


def test_ort_einrichten_page_creates_a_town_with_its_first_admin(town_env: Path, db_url: str,
                                                                 app) -> None:
    """The admin page "Ort einrichten": an uploaded OSM file and a depot by OSM id give a town
    whose first admin logs in; a depot outside the extent is refused (400) and stores nothing."""
    assert run("init", "--tenant-file", str(LAUF)).exit_code == 0
    assert run("user", "create", "--tenant", "lauf", "chef", "--role", "admin",
               env={"GREENTOUR_NEW_PASSWORD": "admin-Passwort"}).exit_code == 0
    client = app.test_client()
    csrf = login(client, "chef", "admin-Passwort")
    assert "Ort einrichten" in client.get("/verwaltung/ort-einrichten").get_data(as_text=True)
    form = {"csrf_token": csrf, "name": "Heidelberg-Weststadt (Test)", "slug": "hd",
            "land": "BW", "depot": "8.6756,49.4063", "yards": YARD, "template": "bauhof_klein",
            "admin_username": "hd-admin", "admin_password": "hd-Passwort-1",
            "osm_path": str(FIXTURE)}
    outside = client.post("/verwaltung/ort-einrichten", data={**form, "depot": "8.60,49.40"})
    assert outside.status_code == 400
    assert "liegt außerhalb des Gebiets der OSM-Datei" in outside.get_data(as_text=True)
    with FIXTURE.open("rb") as fh:
        made = client.post("/verwaltung/ort-einrichten", data={
            **form, "osm_path": "", "depot": DEPOT,
            "osm_upload": (fh, "weststadt.osm.pbf")}, content_type="multipart/form-data")
    page = made.get_data(as_text=True)
    assert made.status_code == 201, page
    assert "Nächste DWD-Station" in page and "Stationsliste unvollständig" in page
    engine = make_engine(db_url)
    with system_session(engine) as s:
        assert s.scalars(select(Tenant.slug).order_by(Tenant.slug)).all() == ["hd", "lauf"]
        hd_id = s.scalar(select(Tenant.id).where(Tenant.slug == "hd"))
    with tenant_session(engine, hd_id) as s:
        assert s.scalar(select(func.count()).select_from(TenantCycle)) == 10
    engine.dispose()
    assert (town_env / "instance" / "osm" / "hd-weststadt.osm.pbf").is_file()
    other = app.test_client()
    login(other, "hd-admin", "hd-Passwort-1")
    assert "Heidelberg-Weststadt (Test)" in other.get("/verwaltung/").get_data(as_text=True)


def test_nearest_station_from_the_shipped_list() -> None:
    """The shipped DWD list proposes Nürnberg-Netzstall for the Lauf Bauhof (about 9.5 km) and
    Mannheim for the Heidelberg fixture's depot; every listed station lies in Germany."""
    from greentour.town.stations import load_stations, nearest_station

    station, km = nearest_station(49.510074, 11.278798)
    assert (station.station_id, round(km)) == ("03667", 10)
    station, km = nearest_station(49.4063, 8.6756)
    assert station.station_id == "05906" and 10 < km < 20
    stations = load_stations()
    assert len(stations) == len({s.station_id for s in stations}) == 564
    assert all(47.2 < s.lat < 55.1 and 5.8 < s.lon < 15.1 for s in stations)


def test_task_catalogue_is_the_towns_own(town_env: Path, db_url: str, app) -> None:
    """The town changes a task type on the admin page (checked: a bad season stores nothing);
    re-running init keeps the town's value; the catalogue exports to TOML that loads again."""
    from greentour.store.models import TaskType
    from greentour.task_types import load_task_types

    assert run("init", "--tenant-file", str(LAUF)).exit_code == 0
    assert run("user", "create", "--tenant", "lauf", "chef", "--role", "admin",
               env={"GREENTOUR_NEW_PASSWORD": "admin-Passwort"}).exit_code == 0
    client = app.test_client()
    csrf = login(client, "chef", "admin-Passwort")
    form = {"csrf_token": csrf, "productivity": "30", "setup_min": "5", "persons": "1",
            "season_start": "04-01", "season_end": ""}
    bad = client.post("/verwaltung/aufgabenarten/empty_bins", data=form)
    assert bad.status_code == 400 and "empty_bins" in bad.get_data(as_text=True)
    ok = client.post("/verwaltung/aufgabenarten/empty_bins",
                     data={**form, "season_end": "10-31"})
    assert ok.status_code == 302
    assert run("init", "--tenant-file", str(LAUF)).exit_code == 0  # the file does not win
    engine = make_engine(db_url)
    with tenant_session(engine, 1) as s:
        row = s.scalar(select(TaskType).where(TaskType.code == "empty_bins"))
        assert (row.productivity, row.setup_s, row.persons, row.season_start, row.season_end) \
            == (30.0, 300, 1, "04-01", "10-31")
        assert row.edited_at is not None
    engine.dispose()
    out = town_env / "katalog.toml"
    assert run("tenant", "catalogue", "--tenant", "lauf", "--export", str(out)).exit_code == 0
    specs = {s.code: s for s in load_task_types(out)}
    assert len(specs) == 21 and specs["empty_bins"].productivity == 30.0
    page = client.get("/verwaltung/aufgabenarten.toml").get_data(as_text=True)
    assert "productivity = 30.0" in page


def test_admin_pages_speak_english(town_env: Path, app) -> None:
    """The administration pages come in English through the Babel catalogue."""
    assert run("init", "--tenant-file", str(LAUF)).exit_code == 0
    assert run("user", "create", "--tenant", "lauf", "chef", "--role", "admin",
               env={"GREENTOUR_NEW_PASSWORD": "admin-Passwort"}).exit_code == 0
    client = app.test_client()
    login(client, "chef", "admin-Passwort")
    german = client.get("/verwaltung/").get_data(as_text=True)
    assert "Aufgabenarten" in german and "Verwaltung" in german
    client.get("/auth/lang/en")
    english = client.get("/verwaltung/").get_data(as_text=True)
    assert "Task types" in english and "Administration" in english and "Planning" in english
    assert "Set up a town" in client.get("/verwaltung/ort-einrichten").get_data(as_text=True)


def test_tenant_create_refuses_unreadable_and_roadless_osm_files(town_env: Path, db_url: str
                                                                 ) -> None:
    """A corrupt OSM file and one without drivable roads are refused with the reason."""
    corrupt = town_env / "kaputt.osm.pbf"
    corrupt.write_bytes(b"\x00\x00\x00\x0dthis is not a pbf file at all")
    roadless = town_env / "ohne-strassen.osm"
    roadless.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n'
        '<node id="1" version="1" lat="49.40" lon="8.68"><tag k="leisure" v="park"/></node>\n'
        '<node id="2" version="1" lat="49.41" lon="8.69"/>\n<node id="3" version="1" '
        'lat="49.40" lon="8.69"/>\n<way id="10" version="1"><nd ref="2"/><nd ref="3"/>'
        '<tag k="waterway" v="stream"/></way>\n</osm>\n', encoding="utf-8")
    for path, reason in ((corrupt, "nicht lesbar"), (roadless, "keine befahrbaren Straßen")):
        result = run(*create_args("--osm", str(path), "--depot", "8.68,49.40"))
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("Fehler: OSM-Datei") and reason in result.stderr
        assert "Traceback" not in result.output
    engine = make_engine(db_url)
    with system_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Tenant)) == 0
    engine.dispose()


def test_tenant_create_with_own_weather_file(town_env: Path) -> None:
    """A town's own DWD file is named in its tenant file; a station other than the nearest is
    stated as a stand-in; a missing weather file is refused."""
    bremen = REPO_ROOT / "data" / "sample" / "weather" / \
        "produkt_klima_tag_20241226_20260628_00691.txt"
    missing = run(*create_args("--osm", str(FIXTURE), "--depot", DEPOT, "--weather-file",
                               str(town_env / "gibt-es-nicht.txt")))
    assert missing.exit_code == 1 and "Wetterdatei nicht gefunden" in missing.stderr
    made = run(*create_args("--osm", str(FIXTURE), "--depot", DEPOT, "--weather-file",
                            str(bremen)))
    assert made.exit_code == 0, made.output
    assert "stellvertretend DWD 00691 Bremen" in made.output
    text = (town_env / "instance" / "tenants" / "hd.toml").read_text(encoding="utf-8")
    assert 'station_id = "00691"' in text and "stands_in = true" in text
    assert 'nearest_station_id = "05906"' in text and str(bremen) in text
