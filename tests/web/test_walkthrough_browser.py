"""Monday 06:45 in Lauf, in a real browser (Debian's chromium through Playwright).

Two people are sick, the aerial lift is in repair, a storm order comes in (a fallen tree across a
path in the town park). The planner logs in, edits the line-up, sees the capacity balance change,
plans (a job run by a real ``greentour worker``), finds the storm order in a tour and the displaced
work with reasons, drags stops on the week board (one move refused with the violation, one
re-timed and applied) and prints a day sheet. The app runs in waitress in a subprocess on a free
loopback port. Screenshots go to test-artifacts/ (and to docs/screenshots/ when
``GREENTOUR_UPDATE_SCREENSHOTS=1``).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from planner_scenario import DAY, PASSWORD, TOWN_PARK, USERNAME
from playwright.sync_api import Page, expect, sync_playwright

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "walkthrough"
DOCS_SHOTS = REPO / "docs" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
WEEK = DAY.isoformat()
WEDNESDAY = "2026-06-17"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_http(url: str, timeout_s: float = 60.0) -> None:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status < 500:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server at {url} did not answer within {timeout_s} s")


@pytest.fixture
def server(planner_scenario, tmp_path):
    """The app in waitress plus one worker, on a copy of the scenario; yields the base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "GREENTOUR_DATABASE_URL": planner_scenario.db_url,
        "GREENTOUR_INSTANCE_DIR": str(tmp_path / "instance"),
        "GREENTOUR_BASEMAP": "none",          # no tile requests from the test
        "GREENTOUR_PLAN_TIME_LIMIT_S": "4",   # a small, fast plan
        "GREENTOUR_INSECURE_COOKIES": "1",    # plain HTTP on loopback
        "GREENTOUR_WORKER_POLL_S": "0.3",
    }
    web = subprocess.Popen(
        [sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={port}",
         "--threads=4", "--call", "web:create_app"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    worker = subprocess.Popen(
        [sys.executable, "-c", "from greentour.cli import main; main()", "worker"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/auth/login")
        yield f"http://127.0.0.1:{port}"
    finally:
        for proc in (web, worker):
            proc.terminate()
        for proc in (web, worker):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _shot(page: Page, name: str, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    if os.environ.get("GREENTOUR_UPDATE_SCREENSHOTS") == "1":
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SHOTS / path.name)


def _monday_available(page: Page) -> float:
    return _german_number(page.locator(f'#capacity-balance td[data-date="{WEEK}"]').inner_text())


def _german_number(text: str) -> float:
    """ "1.234,5" -> 1234.5 (the pages write numbers in German)."""
    return float(text.replace(".", "").replace(",", "."))


def test_monday_0645_in_lauf(server: str) -> None:
    """The whole morning: line-up, balance, plan, storm order, unassigned, checked move, print."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 950}, locale="de-DE")
        page.set_default_timeout(30_000)
        console: list[str] = []  # the Content-Security-Policy must not block anything we ship
        page.on("console", lambda message: console.append(message.text))

        # --- log in (German by default)
        page.goto(f"{server}/auth/login")
        expect(page.locator("h1")).to_have_text("Anmelden")
        page.fill("#username", USERNAME)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator("#btn-plan")).to_have_text("Planen")

        # --- line-up: two sick, the lift in repair, re-form crew 3, the storm order
        page.goto(f"{server}/planner/lineup?day={WEEK}")
        expect(page.locator("h1")).to_contain_text("Tagesbesetzung")
        before_h = _monday_available(page)
        form = page.locator("#form-absence")
        form.locator("select[name=staff_id]").select_option(label="Matthias Klein")
        form.locator("input[name=until]").fill(WEDNESDAY)
        form.locator("button").click()
        form = page.locator("#form-absence")
        form.locator("select[name=staff_id]").select_option(label="Josef Bauer")
        form.locator("button").click()
        after_h = _monday_available(page)
        assert after_h == pytest.approx(before_h - 2 * 8.25, abs=0.11)
        expect(page.locator(".badge.absent")).to_have_count(2)

        form = page.locator("#form-repair")
        form.locator("select[name=machine_id]").select_option(label="Hubsteiger (Anhänger)")
        form.locator("input[name=until]").fill(WEDNESDAY)
        form.locator("button").click()
        expect(page.locator(".badge.err", has_text="Hubsteiger")).to_be_visible()

        form = page.locator("#form-move-person")
        form.locator("select[name=staff_id]").select_option(label="Lukas Neumann")
        form.locator("select[name=crew_day_id]").select_option(label="Kolonne 3 – Wiesen")
        form.locator("button").click()
        crew3 = page.locator(".crew", has_text="Kolonne 3 – Wiesen")
        expect(crew3).to_contain_text("Lukas Neumann")
        expect(crew3).to_contain_text("Markus Fischer")
        # storm work (catalogue type storm_damage) needs the chipper: it goes with Neumann
        form = page.locator("#form-move-machine")
        form.locator("select[name=machine_id]").select_option(
            label="Häcksler (Kolonne 5 – Baumpflege)")
        form.locator("select[name=crew_day_id]").select_option(label="Kolonne 3 – Wiesen")
        form.locator("button").click()
        expect(page.locator(".crew", has_text="Kolonne 3 – Wiesen")).to_contain_text("Häcksler")

        form = page.locator("#form-order")
        form.locator("select[name=site_id]").select_option(label=TOWN_PARK)
        form.locator("select[name=task_type]").select_option(
            label="Sturmschaden beseitigen")
        form.locator("input[name=duration_min]").fill("90")
        form.locator("input[name=note]").fill("Baum liegt quer über dem Fußweg")
        form.locator("button").click()
        expect(page.locator(".flash.info")).to_contain_text("Dringender Auftrag angelegt")
        # the order adds due hours to Monday: the balance changed again
        due = page.locator("#capacity-balance tbody tr").first.locator("td").first
        assert _german_number(due.inner_text()) > 0
        _shot(page, "lineup")

        # --- plan: a job with progress, the result without reloading the page
        page.goto(f"{server}/planner/?day={WEEK}")
        page.wait_for_function("() => document.getElementById('map-page').dataset.loaded")
        page.click("#btn-plan")
        expect(page.locator("#job-status")).to_contain_text("fertig", timeout=120_000)
        expect(page.locator("#kpi-body tr")).not_to_have_count(0)
        storm = page.locator("#tour-list li.urgent", has_text=TOWN_PARK)
        expect(storm).to_have_count(1)
        unassigned = page.locator("#unassigned-list")
        expect(unassigned).to_contain_text("Salvator-Friedhof")
        expect(unassigned.locator(".reason").first).not_to_be_empty()
        assert re.search(r"Keine Kolonne|Hubsteiger|aerial", unassigned.inner_text())
        page.locator("path.site").first.dispatch_event("click")
        popup = page.locator(".leaflet-popup-content")
        expect(popup).to_contain_text("Pflegeklasse")
        expect(popup).to_contain_text("Dauer")
        page.locator(".leaflet-popup-close-button").click()
        page.locator("#tour-list details").first.evaluate("d => d.open = true")
        page.wait_for_timeout(500)  # let Leaflet finish drawing the vectors
        _shot(page, "map", full_page=False)
        crew_day_id = storm.locator("xpath=ancestor::details").get_attribute("data-crew-day-id")

        # --- week board: one move refused with the violation, one re-timed and applied
        page.set_viewport_size({"width": 1500, "height": 3600})  # drag without scrolling
        page.goto(f"{server}/planner/board?week={WEEK}")
        expect(page.locator("h1")).to_contain_text("Plantafel")
        inspection = page.locator('td.cell .task-chip[data-task-type="inspect_playground"]').first
        mow_row = page.locator("tr", has_text="Kolonne 1 – Mähen Nord")
        monday_cell = mow_row.locator('td.cell').first
        inspection.drag_to(monday_cell)
        result = page.locator("#check-result")
        expect(result).to_contain_text("Umplanung nicht möglich")
        expect(result.locator(".violations li").first).not_to_be_empty()
        expect(result.locator("tr.moved")).to_contain_text("Spielplatz operative Inspektion")
        _shot(page, "board-refused")
        result.locator("button", has_text="Verwerfen").click()
        expect(result).to_be_empty()
        # the same check with the keyboard: Enter on the task, Enter on the target cell
        inspection.focus()
        page.keyboard.press("Enter")
        expect(inspection).to_have_attribute("aria-pressed", "true")
        monday_cell.focus()
        page.keyboard.press("Enter")
        expect(result).to_contain_text("Umplanung nicht möglich")
        result.locator("button", has_text="Verwerfen").click()

        # a mowing stop of crew 2 to crew 1 on Tuesday (crew 1 has every machine crew 2 has)
        chip = page.locator("tr", has_text="Kolonne 2 – Mähen Süd").locator(
            "td.cell").first.locator(".task-chip").last
        chip_text = chip.get_attribute("data-site")
        target = mow_row.locator("td.cell").nth(1)
        chip.drag_to(target)
        expect(result).to_contain_text("Umplanung")
        expect(result.locator("tbody tr")).not_to_have_count(0)
        if "Umplanung möglich" in result.inner_text():
            expect(result.locator("tr.moved")).to_have_count(1)
            result.locator("#btn-apply").click()
            page.wait_for_load_state("load")
            expect(mow_row.locator("td.cell").nth(1)).to_contain_text(chip_text)
            expect(page.locator("button", has_text="Rückgängig")).to_be_enabled()
        else:
            expect(result.locator(".violations li").first).not_to_be_empty()
        page.set_viewport_size({"width": 1500, "height": 1000})
        _shot(page, "board", full_page=False)

        # --- print the day sheet of the crew with the storm order
        page.set_viewport_size({"width": 1000, "height": 1400})
        page.goto(f"{server}/planner/print/day/{crew_day_id}")
        expect(page.locator("h1")).to_contain_text("Tagesauftrag")
        storm_row = page.locator("tr.stop", has_text="Sturmschaden")
        expect(storm_row).to_contain_text(TOWN_PARK)
        expect(storm_row).to_contain_text("dringend")
        expect(page.locator("svg.minimap polyline")).to_have_count(1)
        expect(page.locator(".attribution")).to_contain_text("© OpenStreetMap contributors")
        page.emulate_media(media="print")
        _shot(page, "day-sheet")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pdf = ARTIFACTS / "tagesauftrag.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
        assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
        assert not [m for m in console if "Content Security Policy" in m], console
        browser.close()
