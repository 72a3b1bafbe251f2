"""The planner's pages in Debian's chromium at 1366 x 768 (a Bauhof office screen): the crew
table on the map is not cut off, the depot marker lies above the water tank, focus is visible,
and axe-core finds no serious accessibility violation on map, line-up and the inventory review.

Pages are served by the Flask test client through Playwright's request routing (tests/paper.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from a11y import axe_violations, describe, serious
from paper import CHROMIUM, CHROMIUM_ARGS, ORIGIN, serve_from
from planner_scenario import DAY, login, planner_app, store_tour
from playwright.sync_api import expect, sync_playwright

REPO = Path(__file__).resolve().parents[2]
WEEK = DAY.isoformat()
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def app(planner_scenario, monkeypatch, tmp_path):
    yield from planner_app(planner_scenario, monkeypatch, tmp_path, SERVER_NAME="greentour.test")


@pytest.fixture
def page(app, planner_scenario):
    store_tour(planner_scenario.db_url, planner_scenario.tenant_id, DAY, 12)
    client = login(app.test_client())
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pg = browser.new_page(viewport={"width": 1366, "height": 768})
        serve_from(pg, client)
        yield pg
        browser.close()


def _open_map(page) -> None:
    page.goto(f"{ORIGIN}/planner/?day={WEEK}")
    page.wait_for_selector("#map-page[data-loaded]")
    expect(page.locator("#kpi-body tr")).not_to_have_count(0)


def test_crew_table_fits_the_side_panel_at_1366(page) -> None:
    """Every column of the crew table, "Überstd." and the day-sheet link included, lies inside
    the visible side panel; nothing needs a horizontal scroll."""
    _open_map(page)
    page.screenshot(path=str(REPO / "test-artifacts" / "map-1366.png"))
    box = page.evaluate("""() => {
        const side = document.querySelector('aside.side').getBoundingClientRect();
        const table = document.getElementById('kpi-table');
        const over = [...table.querySelectorAll('th')]
            .find(th => th.textContent.includes('Überstd.'));
        const link = table.querySelector('#kpi-body a');
        return {sideRight: side.right, tableRight: table.getBoundingClientRect().right,
                scroll: table.scrollWidth - table.clientWidth,
                overRight: over.getBoundingClientRect().right,
                linkRight: link.getBoundingClientRect().right,
                asideScroll: document.querySelector('aside.side').scrollWidth
                             - document.querySelector('aside.side').clientWidth};
    }""")
    assert box["tableRight"] <= box["sideRight"] + 0.5, box
    assert box["overRight"] <= box["sideRight"] and box["linkRight"] <= box["sideRight"], box
    assert box["scroll"] <= 0 and box["asideScroll"] <= 0, box


def test_depot_marker_lies_above_reload_points(page) -> None:
    """The depot (D) is drawn above the reload points (the water tank on the depot's yard)."""
    _open_map(page)
    z = page.evaluate("""() => [...document.querySelectorAll('.leaflet-marker-icon')]
        .filter(m => m.textContent === 'D' || m.textContent === 'R')
        .map(m => ({kind: m.textContent, z: parseInt(m.style.zIndex || '0', 10)}))""")
    depots = [m["z"] for m in z if m["kind"] == "D"]
    reloads = [m["z"] for m in z if m["kind"] == "R"]
    assert depots and reloads
    assert min(depots) > max(reloads)


def test_focus_is_visible(page) -> None:
    """A focused button shows a 3 px outline."""
    _open_map(page)
    page.focus("#btn-plan")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, s.outlineWidth]; }""")
    assert outline[0] != "none" and outline[1] == "3px", outline


@pytest.mark.parametrize("url", ["/planner/?day=" + WEEK, "/planner/lineup?day=" + WEEK,
                                 "/planner/inventory", "/crew/geraete",
                                 "/planner/verkehrssicherung/?day=" + WEEK])
def test_no_serious_accessibility_violations(page, url) -> None:
    """axe-core (WCAG 2.x A/AA) reports no serious or critical violation."""
    if url.startswith("/planner/?"):
        _open_map(page)
    else:
        page.goto(f"{ORIGIN}{url}")
    found = serious(axe_violations(page))
    assert not found, describe(found)


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (800, 1280)])
def test_week_board_fits_the_window(page, width, height) -> None:
    """The week board needs no sideways scrolling of the page on a 1280 px office screen (all
    five days, Friday not cut off) nor on an 800 px tablet (the unassigned work above the
    grid)."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{ORIGIN}/planner/board?week={WEEK}")
    expect(page.locator("#board-grid td.cell .task-chip")).not_to_have_count(0)
    sizes = page.evaluate("""() => ({page: document.documentElement.scrollWidth,
        grid: document.getElementById('board-grid').getBoundingClientRect().right})""")
    assert sizes["page"] <= width and sizes["grid"] <= width, sizes
