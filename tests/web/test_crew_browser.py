"""The crew view in a real browser: offline after the first load, reports arrive exactly once.

Debian's chromium driven by Playwright (no browser download) against the app served by waitress
on a free loopback port; screenshots go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from crew_sample import build_crew_sample
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select
from waitress import create_server

from greentour.crew import tokens
from greentour.store.models import Completion
from greentour.store.tenancy import tenant_session

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def served(app, engine):
    """The sample in the app's database, served by waitress on 127.0.0.1:<free port>."""
    sample = build_crew_sample(engine)
    ARTIFACTS.mkdir(exist_ok=True)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield sample, f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


def _routed_crew_view(pw, base, sample, on_report):
    """Kolonne 1's view with every report POST passing ``on_report`` (service workers blocked,
    so page routing sees every request); returns (browser, context, page, work stops)."""
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    context = browser.new_context(service_workers="block", locale="de-DE")
    page = context.new_page()
    page.route("**/api/v1/reports", on_report)
    page.goto(f"{base}/crew/#token={sample.tokens['a1']}")
    stops = page.locator("li.stop:not(.other)")
    expect(stops).to_have_count(3)
    return browser, context, page, stops


def _completions(engine, tenant_id):
    with tenant_session(engine, tenant_id) as session:
        return list(session.scalars(select(Completion).order_by(Completion.id)))


def test_offline_reports_survive_reload_and_arrive_exactly_once(served, engine):
    """Report two stops offline, reload offline (queue kept), go online: both stored once.

    Along the way: the page never asks for the device location and talks to no other host.
    """
    sample, base = served
    tenant_id = sample.tenant_ids["lauf"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 412, "height": 915}, locale="de-DE")
        # Record any use of the location API and every host the page talks to.
        context.add_init_script(
            "window.__geoCalls = 0;"
            "for (const f of ['getCurrentPosition', 'watchPosition']) {"
            "  navigator.geolocation[f] = () => { window.__geoCalls += 1; }; }"
        )
        hosts = set()
        context.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{base}/crew/#token={sample.tokens['a1']}")
        stops = page.locator("li.stop:not(.other)")
        expect(stops).to_have_count(3)
        expect(page.locator("#title")).to_have_text("Kolonne 1")
        expect(page.locator("#subtitle")).to_contain_text("3 Arbeitshalte · Planstand 1")
        expect(page.locator("#subtitle")).not_to_contain_text("nicht von heute")
        assert "#token" not in page.url  # the token leaves the address bar
        page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=15000)
        page.evaluate("greentourCrew.loadTour()")  # now through the service worker's cache
        expect(page.locator("#sync")).to_have_attribute("data-state", "ok")
        page.screenshot(path=str(ARTIFACTS / "crew_online.png"), full_page=True)

        context.set_offline(True)
        first, second = stops.nth(0), stops.nth(1)
        first.locator("[data-grass=long]").click()
        first.locator("[data-status=done]").click()
        second.locator("select.reason").select_option("Boden zu nass")
        second.locator("[data-status=not_possible]").click()
        sync = page.locator("#sync")
        expect(sync).to_have_attribute("data-pending", "2")
        expect(sync).to_have_attribute("data-state", "offline")
        expect(first.locator(".state")).to_contain_text("wartet")
        assert _completions(engine, tenant_id) == []

        page.reload()
        expect(stops).to_have_count(3)
        expect(page.locator("#sync")).to_have_attribute("data-pending", "2")
        expect(stops.nth(1).locator(".state")).to_contain_text("Nicht möglich")
        page.screenshot(path=str(ARTIFACTS / "crew_offline_after_reload.png"), full_page=True)
        assert _completions(engine, tenant_id) == []

        context.set_offline(False)
        expect(page.locator("#sync")).to_have_attribute("data-pending", "0", timeout=15000)
        expect(page.locator("#sync")).to_have_attribute("data-state", "ok")
        expect(stops.nth(0).locator(".state")).to_contain_text("Erledigt ✓")
        page.evaluate("greentourCrew.sync()")  # a further sync must not send anything again
        page.screenshot(path=str(ARTIFACTS / "crew_synced.png"), full_page=True)
        assert page.evaluate("window.__geoCalls") == 0  # no location tracking
        assert not [m for m in console if "Content Security Policy" in m]
        browser.close()
    assert hosts == {urlsplit(base).netloc}  # no map tiles, no CDN: only our own server

    stored = _completions(engine, tenant_id)
    assert [(c.stop_id, c.status) for c in stored] == [
        (sample.stop_ids["a1"][0], "done"),
        (sample.stop_ids["a1"][1], "not_possible"),
    ]
    assert stored[0].grass_length == "long"
    assert stored[1].reason == "Boden zu nass"
    assert len({c.client_uuid for c in stored}) == 2


def test_revoked_tablet_shows_blocked_and_keeps_its_reports(served, engine):
    """After the planner revokes the token the view says "Gerät gesperrt" and keeps the report."""
    sample, base = served
    tenant_id = sample.tenant_ids["lauf"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 412, "height": 915}, locale="de-DE")
        page = context.new_page()
        page.goto(f"{base}/crew/#token={sample.tokens['a1']}")
        stops = page.locator("li.stop:not(.other)")
        expect(stops).to_have_count(3)
        with tenant_session(engine, tenant_id) as session, session.begin():
            tokens.revoke_token(session, sample.token_ids["a1"])
        stops.nth(2).locator("[data-status=started]").click()
        expect(page.locator("#sync")).to_have_text("Gerät gesperrt")
        expect(page.locator("#blocked")).to_be_visible()
        assert page.evaluate("greentourCrew.queueAll().then((q) => q.length)") == 1
        page.screenshot(path=str(ARTIFACTS / "crew_blocked.png"), full_page=True)
        browser.close()
    assert _completions(engine, tenant_id) == []


def test_report_whose_answer_was_lost_is_resent_and_stored_once(served, engine):
    """The server stores a report but the answer never reaches the tablet: the retry is a replay."""
    sample, base = served
    tenant_id = sample.tenant_ids["lauf"]
    posts: list[int] = []

    def lose_first_answer(route):
        posts.append(1)
        if len(posts) == 1:
            route.fetch()  # the server receives and stores the report ...
            route.abort("connectionreset")  # ... but the tablet never sees the answer
        else:
            route.continue_()

    with sync_playwright() as pw:
        browser, _context, page, stops = _routed_crew_view(pw, base, sample, lose_first_answer)
        stops.nth(0).locator("[data-status=done]").click()
        # the failed answer looks like lost reception: the report stays queued
        expect(page.locator("#sync")).to_have_attribute("data-state", "offline")
        expect(page.locator("#sync")).to_have_attribute("data-pending", "1")
        assert len(_completions(engine, tenant_id)) == 1  # stored, but unconfirmed on the tablet
        page.evaluate("greentourCrew.sync()")  # e.g. the next "online" or resume event
        expect(page.locator("#sync")).to_have_attribute("data-pending", "0")
        browser.close()
    assert len(posts) == 2
    assert len(_completions(engine, tenant_id)) == 1


def test_refused_report_is_shown_and_the_rest_of_the_queue_still_goes_out(served, engine):
    """A 4xx report is shown "abgelehnt" with its reason and never resent; a 5xx one waits; the
    other stops' reports are sent in the same round (one bad report no longer blocks the queue).

    The 5xx comes from a busy proxy in front of the server (Playwright answers 503 once for the
    second stop's report without passing it on); the 422 comes from the real server.
    """
    sample, base = served
    tenant_id = sample.tenant_ids["lauf"]
    busy_once: list[str] = []
    sent: list[int] = []  # stop indexes of the report POSTs in the order the tablet sent them
    online: list[bool] = []

    def proxy_busy_for_second_stop(route):
        body = route.request.post_data or ""
        if not online:  # the tablet tried while offline: the request never leaves it
            route.abort("internetdisconnected")
            return
        sent.append(next(i for i, stop_id in enumerate(sample.stop_ids["a1"])
                         if f'"stop_id":{stop_id},' in body))
        if sent[-1] == 1 and not busy_once:
            busy_once.append(body)
            route.fulfill(status=503, content_type="text/html", body="<h1>503</h1>")
        else:
            route.continue_()

    with sync_playwright() as pw:
        browser, context, page, stops = _routed_crew_view(
            pw, base, sample, proxy_busy_for_second_stop
        )
        context.set_offline(True)
        stops.nth(0).locator("textarea.note").fill("Ast\x00bruch")
        for index in range(3):
            stops.nth(index).locator("[data-status=done]").click()
        expect(page.locator("#sync")).to_have_attribute("data-pending", "3")
        online.append(True)
        context.set_offline(False)  # the "online" event sends the queue: one round
        first_state = stops.nth(0).locator(".state")
        expect(first_state).to_contain_text("Erledigt – abgelehnt", timeout=15000)
        expect(first_state).to_contain_text("note")
        expect(stops.nth(2).locator(".state")).to_contain_text("Erledigt ✓")
        expect(page.locator("#sync")).to_have_attribute("data-rejected", "1")
        expect(page.locator("#notice")).to_contain_text("Vom Server abgelehnte Meldungen")
        page.screenshot(path=str(ARTIFACTS / "crew_refused_report.png"), full_page=True)
        # the busy answer for stop 2 did not stop the round: stop 3 went out right after it
        assert sent[:3] == [0, 1, 2]

        page.evaluate("greentourCrew.sync()")  # a later round: the busy proxy lets it through
        expect(stops.nth(1).locator(".state")).to_contain_text("Erledigt ✓", timeout=15000)
        expect(page.locator("#sync")).to_have_attribute("data-pending", "0")
        expect(first_state).to_contain_text("abgelehnt")
        browser.close()
    assert len(busy_once) == 1
    assert sent.count(0) == 1  # the refused report is never resent
    assert sorted(c.stop_id for c in _completions(engine, tenant_id)) == sorted(
        sample.stop_ids["a1"][1:]
    )


def test_interactive_api_docs_render_every_operation(served):
    """Swagger UI at /api/v1/docs renders the generated document (grouped by blueprint tag)."""
    _sample, base = served
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{base}/api/v1/docs")
        page.wait_for_selector(".opblock", timeout=15000)
        assert not [m for m in console if "Content Security Policy" in m], console
        assert page.locator(".opblock").count() >= 12
        tags = page.locator(".opblock-tag").all_inner_texts()
        assert any("Kolonne" in t for t in tags) and any("Disposition" in t for t in tags)
        page.screenshot(path=str(ARTIFACTS / "api_docs.png"))
        browser.close()


def test_view_speaks_english_on_an_english_device(served):
    """German first, English second: an en-US device gets English texts, reasons stay German."""
    sample, base = served
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(locale="en-US").new_page()
        page.goto(f"{base}/crew/")
        expect(page.locator("#setup h2")).to_have_text("Device not set up")
        page.goto(f"{base}/crew/#token={sample.tokens['a1']}")
        stop = page.locator("li.stop:not(.other)").first
        expect(stop.locator("[data-status=done]")).to_have_text("Done")
        expect(page.locator("#subtitle")).to_contain_text("3 work stops · plan version 1")
        option = stop.locator("select.reason option").nth(2)
        assert option.inner_text() == "Ground too wet"
        assert option.get_attribute("value") == "Boden zu nass"
        browser.close()


def test_photo_taken_offline_is_uploaded_with_its_report(served, engine, app):
    """A photo chosen offline waits in IndexedDB and is uploaded after its report."""
    import io

    from PIL import Image

    sample, base = served
    tenant_id = sample.tenant_ids["lauf"]
    jpeg = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 160, 60)).save(jpeg, format="JPEG")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="de-DE")
        page = context.new_page()
        page.goto(f"{base}/crew/#token={sample.tokens['a1']}")
        stop = page.locator("li.stop:not(.other)").nth(2)
        expect(stop).to_be_visible()
        context.set_offline(True)
        stop.locator("input.photo").set_input_files(
            {"name": "schaden.jpg", "mimeType": "image/jpeg", "buffer": jpeg.getvalue()}
        )
        stop.locator("select.reason").select_option("Maschine defekt")
        stop.locator("[data-status=partly]").click()
        expect(page.locator("#sync")).to_have_attribute("data-pending", "1")
        context.set_offline(False)
        expect(page.locator("#sync")).to_have_attribute("data-pending", "0", timeout=15000)
        browser.close()
    stored = _completions(engine, tenant_id)
    assert [(c.status, c.reason) for c in stored] == [("partly", "Maschine defekt")]
    photo = app.extensions["greentour_settings"].instance_dir / stored[0].photo_path
    with Image.open(photo) as image:
        assert image.size == (320, 240)
