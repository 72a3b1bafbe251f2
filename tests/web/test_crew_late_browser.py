"""The crew tablet after the planner closed the day (issue 17), in a real browser.

A report of a closed day is stored (evidence) but no longer booked; the server says so in
``booking_note`` and the tablet shows the crew, in German or English by the device language,
kept across a reload until the crew taps "Gelesen". Debian's chromium driven by Playwright against
the app served by waitress on a loopback port (as tests/web/test_crew_browser.py).
"""

from __future__ import annotations

import threading

import pytest
from crew_sample import build_crew_sample
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select
from test_crew_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from waitress import create_server

from greentour.records import service
from greentour.store import write_session
from greentour.store.models import Completion
from greentour.store.tenancy import tenant_session

pytestmark = pytest.mark.browser


@pytest.fixture
def served_closed(app, engine):
    """The crew sample with today closed in the work records (a km correction of Kolonne 1
    makes it bookable), served by waitress on 127.0.0.1:<free port>."""
    sample = build_crew_sample(engine)
    tenant_id = sample.tenant_ids["lauf"]
    with write_session(engine, tenant_id) as s:
        service.correct(s, sample.day, sample.crew_day_ids["a1"], "vehicle_km", "12,5",
                        "Tacho", "disponentin")
    with write_session(engine, tenant_id) as s:
        service.close_day(s, sample.day, "disponentin")
    ARTIFACTS.mkdir(exist_ok=True)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield sample, f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


def _stored(engine, tenant_id: int) -> int:
    with tenant_session(engine, tenant_id) as s:
        return len(s.scalars(select(Completion)).all())


@pytest.mark.parametrize(("locale", "crew", "title", "text", "state", "ok"), [
    ("de-DE", "a1", "Nach dem Tagesabschluss angekommen", "wird aber nicht mehr gebucht",
     "nicht gebucht", "Gelesen"),
    ("en-GB", "a2", "Arrived after the day was closed", "stored but no longer booked",
     "not booked", "Got it"),
])
def test_tablet_says_a_late_report_is_stored_but_not_booked(served_closed, engine, locale, crew,
                                                             title, text, state, ok):
    """A report of the closed day: the server stores it, the tablet shows the crew that it
    arrived after closing and is not booked (card and stop), still after a reload, gone after
    the crew's tap; a report before the closing shows nothing of the kind."""
    sample, base = served_closed
    tenant_id = sample.tenant_ids["lauf"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(service_workers="block", locale=locale,
                                      viewport={"width": 412, "height": 915})
        page = context.new_page()
        page.goto(f"{base}/crew/#token={sample.tokens[crew]}")
        stops = page.locator("li.stop:not(.other)")
        expect(stops).to_have_count(3)
        late = page.locator("#late")
        expect(late).to_be_hidden()
        stops.nth(0).locator("[data-status=done]").click()
        expect(page.locator("#sync")).to_have_attribute("data-state", "ok")
        expect(late).to_be_visible()
        expect(late).to_contain_text(title)
        expect(late).to_contain_text(text)
        expect(stops.nth(0).locator(".state")).to_contain_text(state)
        expect(stops.nth(1).locator(".state")).not_to_contain_text(state)
        assert _stored(engine, tenant_id) == 1
        page.screenshot(path=str(ARTIFACTS / f"crew_late_{locale}.png"), full_page=True)
        page.reload()
        expect(stops).to_have_count(3)
        expect(late).to_be_visible()
        expect(late).to_contain_text(title)
        late.get_by_role("button", name=ok).click()
        expect(late).to_be_hidden()
        expect(stops.nth(0).locator(".state")).not_to_contain_text(state)
        assert _stored(engine, tenant_id) == 1
        browser.close()


def test_no_late_note_on_an_open_day(app, engine):
    """The same report on an open day: no card, no "nicht gebucht" beside the stop."""
    sample = build_crew_sample(engine)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(service_workers="block", locale="de-DE")
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{server.effective_port}/crew/"
                      f"#token={sample.tokens['a1']}")
            stops = page.locator("li.stop:not(.other)")
            expect(stops).to_have_count(3)
            stops.nth(0).locator("[data-status=done]").click()
            expect(page.locator("#sync")).to_have_attribute("data-state", "ok")
            expect(stops.nth(0).locator(".state")).to_contain_text("Erledigt")
            expect(page.locator("#late")).to_be_hidden()
            expect(stops.nth(0).locator(".state")).not_to_contain_text("nicht gebucht")
            browser.close()
    finally:
        server.close()
        thread.join(timeout=5)
