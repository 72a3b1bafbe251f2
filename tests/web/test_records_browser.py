"""The day-end review and the report in a real browser (Debian's chromium through Playwright),
with the app in waitress (the ``server`` fixture of test_walkthrough_browser.py).

The crew of Kolonne 1 has reported Monday; the planner opens "Leistungen", corrects one stop
with a reason, closes the day, and opens the month's report: the charts are SVG drawn on the
server and show bars, the Content-Security-Policy blocks nothing, axe-core finds no serious
accessibility violation. Screenshots: docs/screenshots/records-day.png and records-report.png
when ``GREENTOUR_UPDATE_SCREENSHOTS=1`` (always in test-artifacts/walkthrough/).
"""

from __future__ import annotations

import pytest
from a11y import axe_violations, describe, serious
from planner_scenario import DAY, PASSWORD, USERNAME, store_tour
from playwright.sync_api import expect, sync_playwright
from test_records_pages import _report_tour
from test_walkthrough_browser import CHROMIUM_ARGS, _shot, server  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def reported(planner_scenario):
    """Kolonne 1's tour of 8 stops on Monday, five of them reported (before the server starts)."""
    crew_day_id = store_tour(planner_scenario.db_url, planner_scenario.tenant_id, DAY, n_stops=8)
    _report_tour(planner_scenario.db_url, planner_scenario.tenant_id, crew_day_id)
    return crew_day_id


def test_review_correct_close_and_report_in_the_browser(reported, server) -> None:  # noqa: F811
    """Correct a stop, close the day, see the SVG charts; no CSP message, no serious axe
    violation on either page."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="de-DE")
        page.set_default_timeout(30_000)
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{server}/auth/login")
        page.fill("input[name=username]", USERNAME)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.get_by_role("link", name="Leistungen").click()
        page.goto(f"{server}/records/day?day={DAY.isoformat()}")
        crew = page.locator(f"#crew-{reported}")
        expect(crew).to_contain_text("Kolonne 1")
        first = crew.locator("form.inline").first
        first.locator("input[name=value]").fill("33")
        first.locator("input[name=reason]").fill("Beginn zu spät angetippt")
        first.get_by_role("button", name="Korrigieren").click()
        expect(page.locator("#corrections + table")).to_contain_text("Beginn zu spät angetippt")
        _shot(page, "records-day")
        page.get_by_role("button", name="Abschließen").click()
        expect(page.locator("#state")).to_contain_text("abgeschlossen")
        page.goto(f"{server}/records/report?period={DAY:%Y-%m}")
        bars = page.locator("figure.chart svg rect")
        expect(bars.first).to_be_visible()
        widths = [float(bars.nth(i).get_attribute("width")) for i in range(bars.count())]
        assert max(widths) > 100
        _shot(page, "records-report")
        for url in (f"{server}/records/day?day={DAY.isoformat()}",
                    f"{server}/records/report?period={DAY:%Y-%m}"):
            page.goto(url)
            found = serious(axe_violations(page))
            assert not found, f"{url}: {describe(found)}"
        browser.close()
    blocked = [m for m in console if "Content Security Policy" in m or "Refused" in m]
    assert not blocked, blocked
