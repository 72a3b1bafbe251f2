"""The crew tablet in English: the tour carries English task and stop names and site rules,
and the crew view shows them when the device speaks English (Debian's chromium)."""

from __future__ import annotations

import pytest
from crew_sample import build_crew_sample
from paper import CHROMIUM, CHROMIUM_ARGS, ORIGIN, serve_from
from playwright.sync_api import expect, sync_playwright

from greentour.store import models
from greentour.store.tenancy import tenant_session


@pytest.fixture
def sample(engine):
    return build_crew_sample(engine)


def test_tour_has_english_names_and_rules(client, sample, engine) -> None:
    """Every task has ``label_en`` from the catalogue, every stop ``label_en``; a site rule is
    in ``notes_en`` with English weekdays."""
    token = sample.tokens["a1"]
    tour = client.get("/api/v1/crew/tour", headers={"Authorization": f"Bearer {token}"})
    assert tour.status_code == 200
    stops = tour.get_json()["stops"]
    tasks = [t for s in stops for t in s["tasks"]]
    assert tasks and all(t["label_en"] and t["label_en"] != t["label"] for t in tasks)
    assert {s["kind"]: s["label_en"] for s in stops}.get("depot") == "Depot"
    with tenant_session(engine, sample.tenant_ids["lauf"]) as s:
        names_en = {t.code: t.name_en for t in s.query(models.TaskType)}
    assert all(t["label_en"] == names_en[t["type"]] for t in tasks)


def test_crew_view_speaks_english_on_an_english_device(client, sample) -> None:
    """With an English browser the tablet shows the English task names."""
    token = sample.tokens["a1"]
    tour = client.get("/api/v1/crew/tour",
                      headers={"Authorization": f"Bearer {token}"}).get_json()
    first = next(t for s in tour["stops"] for t in s["tasks"])
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(locale="en-GB", viewport={"width": 800, "height": 1280})
        serve_from(page, client)
        page.goto(f"{ORIGIN}/crew/#token={token}")
        expect(page.locator("#stops .tasks li").first).to_have_text(first["label_en"])
        assert page.evaluate("document.documentElement.lang") == "en"
        browser.close()
