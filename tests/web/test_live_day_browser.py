"""A live day in Lauf, in a real browser (Debian's chromium through Playwright), with the app in
waitress and a real worker process (the ``server`` fixture of test_walkthrough_browser.py).

The planner plans Monday and publishes it; tablets (the real crew API with device tokens) report
two stops done and one "nicht möglich" with a photo; after one reload the planner sees all three
on the map and on the board, moves the impossible stop to Tuesday with the keyboard on the board,
publishes again, and the tablet gets the new version with what changed. Axe-core checks the
board. Screenshots: docs/screenshots/map-live.png and board-live.png when
``GREENTOUR_UPDATE_SCREENSHOTS=1`` (always in test-artifacts/walkthrough/).
"""

from __future__ import annotations

import io
import re
import uuid

import pytest
from a11y import axe_violations, describe, serious
from PIL import Image
from planner_scenario import DAY, PASSWORD, USERNAME, tablet_token
from playwright.sync_api import Page, expect, sync_playwright
from test_walkthrough_browser import CHROMIUM_ARGS, _shot, server  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]
MONDAY = DAY.isoformat()
# predicates as functions: a string expression is evaluated with eval, which the CSP forbids
MAP_READY = ("() => document.getElementById('map-page').dataset.loaded"
             " && document.body.dataset.liveLoaded && typeof GT !== 'undefined' && GT.mapView")


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 90, 40)).save(out, format="JPEG")
    return out.getvalue()


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _rgb(css: str) -> tuple[int, int, int]:
    parts = css[css.index("(") + 1:css.index(")")].split(",")
    return tuple(int(float(p)) for p in parts[:3])  # type: ignore[return-value]


def _report(api, token: str, tour: dict, stop: dict, status: str, **extra) -> str:
    body = {"client_uuid": str(uuid.uuid4()), "stop_id": stop["id"],
            "task_id": stop["tasks"][0]["id"], "plan_version": tour["plan"]["version"],
            "status": status, "device_time": f"{MONDAY}T10:40:00+02:00", **extra}
    answer = api.post("/api/v1/reports", data=body,
                      headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 201, answer.text()
    return body["client_uuid"]


def _focus_ring_contrast(page: Page, selector: str) -> float:
    """Contrast of the focused element's outline against the background behind it."""
    colours = page.evaluate(
        """(sel) => {
            const node = document.querySelector(sel);
            node.focus();
            const ring = getComputedStyle(node).outlineColor;
            let bg = 'rgb(255, 255, 255)';
            for (let n = node.parentElement; n; n = n.parentElement) {
              const c = getComputedStyle(n).backgroundColor;
              if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') { bg = c; break; }
            }
            return [ring, bg, getComputedStyle(node).outlineStyle];
        }""", selector)
    assert colours[2] != "none", colours
    return _contrast(_rgb(colours[0]), _rgb(colours[1]))


def test_live_day_in_lauf(server: str, planner_scenario) -> None:  # noqa: F811
    """Plan, publish, reports, one refresh, keyboard move to Tuesday, publish, tablet sees it."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="de-DE")
        page.set_default_timeout(30_000)
        api = pw.request.new_context(base_url=server)

        page.goto(f"{server}/auth/login")
        page.fill("#username", USERNAME)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")

        # --- plan Monday: a draft the tablets do not see
        page.goto(f"{server}/planner/?day={MONDAY}")
        page.wait_for_function("() => document.getElementById('map-page').dataset.loaded")
        page.click("#btn-plan")
        expect(page.locator("#job-status")).to_contain_text("fertig", timeout=120_000)
        page.reload()
        page.wait_for_function(MAP_READY)
        expect(page.locator("#live-banner")).to_contain_text("Entwurf")
        tours = page.evaluate("GT.mapView.data.tours")
        tours = sorted(tours, key=lambda t: -len(t["stops"]))
        done_crew, other_crew = tours[0], tours[1]
        assert len(done_crew["stops"]) >= 2
        done_token = tablet_token(planner_scenario, done_crew["crew_day_id"])
        other_token = tablet_token(planner_scenario, other_crew["crew_day_id"])
        answer = api.get(f"/api/v1/crew/tour?date={MONDAY}",
                         headers={"Authorization": f"Bearer {done_token}"})
        assert answer.status == 404

        # --- publish: the change summary per crew first
        page.click("#btn-publish")
        panel = page.locator("#publish-panel")
        expect(panel).to_contain_text("Änderungen für die Kolonnen")
        expect(panel.locator(".crew-changes")).to_have_count(len(tours))
        expect(panel).to_contain_text("Erste Tour")
        page.click("#btn-publish-confirm")
        expect(page.locator("#publish-done")).to_be_visible()
        expect(page.locator("#live-banner")).not_to_contain_text("Entwurf")

        # --- the tablets report: two done, one not possible with a photo
        mine = api.get(f"/api/v1/crew/tour?date={MONDAY}",
                       headers={"Authorization": f"Bearer {done_token}"}).json()
        work = [s for s in mine["stops"] if s["kind"] == "task"]
        for stop in work[:2]:
            _report(api, done_token, mine, stop, "done", grass_length="medium")
        theirs = api.get(f"/api/v1/crew/tour?date={MONDAY}",
                         headers={"Authorization": f"Bearer {other_token}"}).json()
        blocked_stop = next(s for s in theirs["stops"] if s["kind"] == "task")
        uuid_ = _report(api, other_token, theirs, blocked_stop, "not_possible",
                        reason="Zufahrt zugeparkt", note="Bitte morgen früh")
        answer = api.post(f"/api/v1/reports/{uuid_}/photo",
                          headers={"Authorization": f"Bearer {other_token}"},
                          multipart={"photo": {"name": "zufahrt.jpg", "mimeType": "image/jpeg",
                                               "buffer": _jpeg()}})
        assert answer.status in (200, 201), answer.text()

        # --- one refresh: all three on the map
        page.reload()
        page.wait_for_function(MAP_READY)
        expect(page.locator("#live-reports > li")).to_have_count(3)
        expect(page.locator(".stop-label.state-done")).to_have_count(2)
        expect(page.locator(".stop-label.state-not_possible")).to_have_count(1)
        blocked = page.locator('#live-reports > li[data-state="not_possible"]')
        expect(blocked).to_contain_text("Zufahrt zugeparkt")
        expect(blocked.locator("img")).to_have_attribute("alt", "Foto der Kolonne: nicht möglich")
        page.wait_for_function(
            "() => [...document.querySelectorAll('#live-reports img')]"
            ".every(i => i.naturalWidth > 0)")
        thumb = page.evaluate("document.querySelector('#live-reports img').src")
        assert "/api/v1/reports/" in thumb and thumb.endswith("/photo?size=thumb")
        assert page.evaluate(
            "document.querySelector('#live-reports img').naturalWidth") <= 320
        expect(blocked.locator("button.carry")).to_have_text("In Plan übernehmen")
        expect(page.locator("#live-progress")).to_contain_text("erledigt")
        # the visited site's popup: last service today, no longer "überfällig"
        site_id = page.evaluate(
            "Object.values(GT.live.data().stops).find(s => s.state === 'done').site_id")
        page.evaluate("""(id) => GT.mapView.layers.sites.eachLayer(g => g.eachLayer(l => {
            if (l.feature.properties.id === id) l.openPopup(); }))""", site_id)
        popup = page.locator(".leaflet-popup-content")
        expect(popup).to_contain_text("15.06.2026")
        expect(popup).not_to_contain_text("überfällig")
        page.locator(".leaflet-popup-close-button").click()
        expect(page.locator(".leaflet-popup-content")).to_have_count(0)
        page.locator(".panel.live").scroll_into_view_if_needed()
        _shot(page, "map-live", full_page=False)

        # --- the board: the reports on the chips, the unassigned column
        page.goto(f"{server}/planner/board?week={MONDAY}")
        page.wait_for_function("() => document.body.dataset.liveLoaded")
        expect(page.locator('td.cell .task-chip[data-state="done"]')).to_have_count(2)
        chip = page.locator('td.cell .task-chip[data-state="not_possible"]')
        expect(chip).to_have_count(1)
        expect(chip).to_contain_text("nicht möglich: Zufahrt zugeparkt")
        expect(page.locator(".unassigned-col h2")).to_contain_text("Nicht eingeplant")
        assert page.locator(".task-chip .ti").count() == page.locator(".task-chip").count()
        photo = chip.locator("xpath=following-sibling::a[1]")
        expect(photo).to_have_class(re.compile(r"\bchip-photo\b"))
        expect(photo.locator("img")).to_have_attribute("alt", "Foto der Kolonne: nicht möglich")
        expect(chip.locator("xpath=following-sibling::button[1]")).to_have_text(
            "In Plan übernehmen")
        chip.scroll_into_view_if_needed()
        _shot(page, "board-live", full_page=False)

        # a refusal before any check is titled "Umplanung nicht möglich", never "Fehler"
        done_chip = page.locator('td.cell .task-chip[data-state="done"]').first
        done_cell = done_chip.locator("xpath=ancestor::td[1]")
        beside = page.locator(f'td.cell[data-row="{done_cell.get_attribute("data-row")}"]'
                              f'[data-col="{int(done_cell.get_attribute("data-col")) + 1}"]')
        done_cell.focus()
        done_chip.focus()
        page.keyboard.press("Space")
        page.keyboard.press("ArrowRight")
        expect(beside).to_be_focused()
        page.keyboard.press("Space")
        refused = beside.locator("#check-result")
        expect(refused).to_contain_text("Umplanung nicht möglich: Diese Aufgabe ist erledigt",
                                        timeout=30_000)
        assert "Fehler" not in refused.inner_text()
        refused.locator("button", has_text="Verwerfen").click()
        expect(page.locator("#check-result")).to_be_empty()

        # keyboard: from the top of the page, Tab reaches the grid past the navigation, the
        # page's buttons and the unassigned column (one stop each); then arrows to the chip's cell
        page.evaluate("document.activeElement && document.activeElement.blur()")
        presses = 0
        while presses < 60 and not page.evaluate(
                "document.activeElement.matches('td.cell')"):
            page.keyboard.press("Tab")
            presses += 1
        assert page.evaluate("document.activeElement.matches('td.cell')"), presses
        assert presses <= 20, presses
        assert _focus_ring_contrast(page, "td.cell[tabindex='0']") >= 3.0
        cell = chip.locator("xpath=ancestor::td[1]")
        row, col = int(cell.get_attribute("data-row")), int(cell.get_attribute("data-col"))
        at_row, at_col = page.evaluate("[document.activeElement.dataset.row,"
                                       " document.activeElement.dataset.col].map(Number)")
        for _ in range(abs(row - at_row)):
            page.keyboard.press("ArrowDown" if row > at_row else "ArrowUp")
        for _ in range(abs(col - at_col)):
            page.keyboard.press("ArrowRight" if col > at_col else "ArrowLeft")
        expect(cell).to_be_focused()
        page.keyboard.press("Tab")  # into the cell: its first chip
        while not page.evaluate("document.activeElement.dataset.state === 'not_possible'"):
            page.keyboard.press("Tab")
        assert _focus_ring_contrast(page, '.task-chip[data-state="not_possible"]') >= 3.0
        page.keyboard.press("Space")               # pick up
        expect(chip).to_have_attribute("aria-pressed", "true")
        page.keyboard.press("ArrowRight")          # Tuesday, same crew
        page.keyboard.press("Space")               # drop: checked, shown next to the cell
        target = page.locator(f'td.cell[data-row="{row}"][data-col="{col + 1}"]')
        result = target.locator("#check-result")
        expect(result).to_contain_text("Umplanung möglich")
        assert "Fehler" not in result.inner_text()
        box, cell_box = result.bounding_box(), target.bounding_box()
        assert abs(box["y"] - (cell_box["y"] + cell_box["height"])) < 40  # right below the cell
        page.keyboard.press("Tab")                 # "Übernehmen" is the next Tab stop
        expect(page.locator("#btn-apply")).to_be_focused()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_function("() => document.body.dataset.liveLoaded")
        tuesday = page.locator(f'td.cell[data-row="{row}"][data-col="{col + 1}"]')
        expect(tuesday.locator(".task-chip")).to_have_count(1)

        # the time axis per crew-day: blocks on the shift instead of the chip list
        page.click("#btn-axis")
        expect(page.locator("#btn-axis")).to_have_attribute("aria-pressed", "true")
        expect(tuesday.locator(".axis-block")).to_have_count(1)
        expect(tuesday.locator(".axis-block")).to_be_visible()
        expect(tuesday.locator(".task-chip")).to_be_hidden()
        page.click("#btn-axis")

        # accessibility of the board: no serious or critical axe violations
        found = serious(axe_violations(page))
        assert not found, describe(found)

        # --- publish again: the summary says where the stop went
        page.click("#btn-publish")
        panel = page.locator("#publish-panel")
        expect(panel).to_contain_text("Di 16.06.")
        expect(panel).to_contain_text("−")
        page.click("#btn-publish-confirm")
        expect(page.locator("#publish-done")).to_be_visible()
        new = api.get(f"/api/v1/crew/tour?date={MONDAY}",
                      headers={"Authorization": f"Bearer {other_token}"}).json()
        assert new["plan"]["version"] > theirs["plan"]["version"]
        assert new["plan"]["changes"]["removed"][0]["to"].endswith("Di 16.06.")

        # --- the crew's tablet page shows the new version and what changed
        tablet = browser.new_page(viewport={"width": 800, "height": 1280}, locale="de-DE")
        tablet.goto(f"{server}/crew/?date={MONDAY}#token={other_token}")
        expect(tablet.locator("#changes")).to_contain_text(
            f"Geändert mit Planstand {new['plan']['version']}")
        expect(tablet.locator("#changes")).to_contain_text("Di 16.06.")
        _shot(tablet, "tablet-changes", full_page=False)
        browser.close()
