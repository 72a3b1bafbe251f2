"""The crew tablet walks an inspection checklist offline; the protocol arrives exactly once.

Debian's chromium driven by Playwright against the app served by waitress on a loopback port
(the fixtures of tests/web/test_crew_browser.py).
"""

from __future__ import annotations

import hashlib

import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select
from test_api_crew import jpeg_with_gps
from test_crew_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, served  # noqa: F401

from greentour.store.models import Task
from greentour.store.models_duty import InspectionFollowUp, InspectionPhoto, InspectionRecord
from greentour.store.tenancy import tenant_session

pytestmark = pytest.mark.browser
PHOTO = jpeg_with_gps(80)


def test_checklist_completed_offline_arrives_once(served, engine):  # noqa: F811
    """Offline: walk the visual playground checklist with a finding and its photo, reload offline
    (queue kept), go online: one chained record, signed by inspector and device, its follow-up
    and the photo whose SHA-256 the record names."""
    sample, base = served
    tenant_id = sample.tenant_ids["lauf"]
    with tenant_session(engine, tenant_id) as s, s.begin():
        task = s.get(Task, sample.task_ids["a1"][0])
        task.task_type = "inspect_playground_visual"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 412, "height": 915}, locale="de-DE")
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{base}/crew/#token={sample.tokens['a1']}")
        stops = page.locator("li.stop:not(.other)")
        expect(stops).to_have_count(3)
        first = stops.nth(0)
        box = first.locator(".inspection")
        expect(box).to_be_visible()
        expect(stops.nth(1).locator(".inspection")).to_be_hidden()
        page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=15000)
        page.evaluate("greentourCrew.loadTour()")

        context.set_offline(True)
        box.locator(".insp-item").fill("Schaukel Nord")
        box.locator(".insp-inspector").fill("Erika Prüf")
        box.locator(".insp-save").click()
        expect(box.locator(".insp-error")).to_contain_text("jeden Prüfpunkt")
        rows = box.locator(".insp-row")
        expect(rows).to_have_count(5)
        for i in range(5):
            result = "defect" if i == 1 else "ok"
            rows.nth(i).locator(f"[data-result='{result}']").click()
        box.locator(".insp-severity").select_option("high")
        box.locator(".insp-measure").select_option("repair")
        box.locator(".insp-text").fill("Kette verschlissen")
        box.locator(".insp-photo").set_input_files(
            files=[{"name": "kette.jpg", "mimeType": "image/jpeg", "buffer": PHOTO}])
        box.locator(".insp-save").click()
        sync = page.locator("#sync")
        expect(sync).to_have_attribute("data-pending", "1")
        expect(first.locator(".state")).to_contain_text("Kontrollprotokoll – wartet")
        page.reload()
        expect(stops).to_have_count(3)
        expect(page.locator("#sync")).to_have_attribute("data-pending", "1")
        page.screenshot(path=str(ARTIFACTS / "crew_inspection_offline.png"), full_page=True)
        with tenant_session(engine, tenant_id) as s:
            assert s.scalars(select(InspectionRecord)).all() == []

        context.set_offline(False)
        expect(page.locator("#sync")).to_have_attribute("data-pending", "0", timeout=15000)
        expect(stops.nth(0).locator(".state")).to_contain_text("gespeichert")
        page.evaluate("greentourCrew.sync()")
        page.screenshot(path=str(ARTIFACTS / "crew_inspection_sent.png"), full_page=True)
        assert not [m for m in console if "Content Security Policy" in m]
        browser.close()
    with tenant_session(engine, tenant_id) as s:
        records = s.scalars(select(InspectionRecord)).all()
        assert len(records) == 1
        record = records[0]
        assert (record.item, record.inspector_name, record.device_token_id) == (
            "Schaukel Nord", "Erika Prüf", sample.token_ids["a1"])
        assert [c["result"] for c in record.checklist_json].count("defect") == 1
        assert record.findings_json[0]["severity"] == "high"
        follow = s.scalars(select(InspectionFollowUp)).all()
        assert len(follow) == 1 and follow[0].record_id == record.id
        assert record.findings_json[0]["photo_sha256"] == hashlib.sha256(PHOTO).hexdigest()
        stored = s.scalars(select(InspectionPhoto)).all()
        assert [p.sha256 for p in stored] == [record.findings_json[0]["photo_sha256"]]
