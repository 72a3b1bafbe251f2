""""Ort einrichten" in a real browser (Debian chromium through Playwright, app served by
waitress): check the OSM file, place the depot by a click on the map of its roads, create the
town."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select
from waitress import create_server

from greentour.settings import REPO_ROOT
from greentour.store import make_engine, system_session, tenant_session
from greentour.store.models import Depot, Tenant
from web.serve import cli

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FIXTURE = (REPO_ROOT / "tests" / "greentour" / "town" / "fixtures"
           / "heidelberg-weststadt_2024-09-08.osm.pbf")
LAUF = REPO_ROOT / "data" / "tenants" / "lauf.toml"


@pytest.fixture
def served(app, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Lauf with an admin "chef", the app served on 127.0.0.1:<free port>."""
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("GREENTOUR_DATA_DIR", str(empty))
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--tenant-file", str(LAUF)]).exit_code == 0
    made = runner.invoke(cli, ["user", "create", "--tenant", "lauf", "chef", "--role", "admin"],
                         env={"GREENTOUR_NEW_PASSWORD": "admin-Passwort"})
    assert made.exit_code == 0, made.output
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


def test_depot_placed_on_the_map_of_the_osm_file(served: str, db_url: str) -> None:
    """The admin checks the OSM file, sees its roads and extent, clicks the depot into the map
    and creates the town; the stored depot is the clicked point, inside the extent."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(served + "/auth/login")
        page.fill('input[name="username"]', "chef")
        page.fill('input[name="password"]', "admin-Passwort")
        page.click('button[type="submit"]')
        page.goto(served + "/verwaltung/ort-einrichten")
        page.fill('input[name="name"]', "Heidelberg-Weststadt (Test)")
        page.fill('input[name="slug"]', "hd")
        page.fill('input[name="land"]', "BW")
        page.fill('input[name="osm_path"]', str(FIXTURE))
        page.click('button[value="check"]')
        expect(page.locator("#town-map")).to_be_visible()
        expect(page.get_by_text("befahrbare Wege")).to_be_visible()
        expect(page.locator("#town-map path").first).to_be_attached()  # roads drawn
        box = page.locator("#town-map").bounding_box()
        page.locator("#town-map").click(position={"x": box["width"] / 2 + 7,
                                                  "y": box["height"] / 2 - 5})
        depot = page.input_value('input[name="depot"]')
        lon, lat = (float(v) for v in depot.split(","))
        page.fill('input[name="admin_username"]', "hd-admin")
        page.fill('input[name="admin_password"]', "hd-Passwort-1")
        page.click('button[type="submit"]:not([value="check"])')
        expect(page.get_by_role("heading", name="Eingerichtet")).to_be_visible()
        browser.close()
    engine = make_engine(db_url)
    with system_session(engine) as s:
        hd = s.scalar(select(Tenant).where(Tenant.slug == "hd"))
    with tenant_session(engine, hd.id) as s:
        stored = s.scalar(select(Depot))
        assert (round(stored.lon, 6), round(stored.lat, 6)) == (lon, lat)
    engine.dispose()
    assert 8.6726 <= lon <= 8.6928 and 49.3969 <= lat <= 49.4091
