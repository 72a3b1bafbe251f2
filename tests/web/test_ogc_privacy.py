"""OGC API of a public town: anonymous users see sites and due dates only, never the town's name
(#14).

Real app factory, real SQLite, the crew sample (tests/crew_sample.py) with "lauf" made public and
a crew report stored through the real API.
"""

from __future__ import annotations

import base64
import uuid

import pytest
from crew_sample import build_crew_sample

from greentour.accounts.members import create_user
from greentour.store.models import Tenant
from greentour.store.tenancy import system_session

TOWN = "Lauf (Test)"
#: What anonymous users may see of a site (docs/datenschutz.md): no crews, times or outcomes.
PUBLIC_SITE_FIELDS = {
    "site_id", "name", "category", "care_class", "area_m2", "length_m", "tree_count",
    "in_maintenance", "next_due", "source", "osm_type", "osm_id", "osm_version", "cadastre_ref",
}
PRIVATE_WORDS = ("Kolonne", "Pritsche", "crew", "vehicle", "eta", "last_done", "start_at")


@pytest.fixture
def sample(engine):
    sample = build_crew_sample(engine)
    with system_session(engine) as session, session.begin():
        session.get(Tenant, sample.tenant_ids["lauf"]).is_public = True
    create_user(engine, sample.tenant_ids["lauf"], "gis", "geheim-genug-123", role="planner")
    return sample


def report_done(client, sample) -> None:
    body = {
        "client_uuid": str(uuid.uuid4()),
        "stop_id": sample.stop_ids["a1"][0],
        "plan_version": 1,
        "status": "done",
        "grass_length": "long",
        "device_time": f"{sample.day.isoformat()}T08:55:00+02:00",
    }
    headers = {"Authorization": f"Bearer {sample.tokens['a1']}"}
    assert client.post("/api/v1/reports", json=body, headers=headers).status_code == 201


def basic() -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(b"gis:geheim-genug-123").decode()}


ANONYMOUS_URLS = (
    "/ogc/lauf/", "/ogc/lauf", "/ogc/lauf/conformance", "/ogc/lauf/collections",
    "/ogc/lauf/collections/site_areas", "/ogc/lauf/collections/site_areas/items",
    "/ogc/lauf/openapi", "/ogc/lauf/docs", "/ogc/lauf/collections/tours",
    "/ogc/lauf/collections/stops/items", "/ogc/lauf/collections/site_areas/items/999",
    "/ogc/lauf/collections/site_areas/items?datetime=9999-12-31",
    "/ogc/hersbruck/", "/ogc/hersbruck/collections",
)


def test_public_town_publishes_sites_and_due_dates_only(client, sample):
    """Anonymous: site layers with name, category, due date – no crews, plates, times, outcomes."""
    report_done(client, sample)
    listed = client.get("/ogc/lauf/collections").get_json()["collections"]
    assert [c["id"] for c in listed] == ["site_areas", "site_lines", "site_points"]
    items = client.get("/ogc/lauf/collections/site_areas/items").get_json()["features"]
    assert len(items) == 6
    for feature in items:
        assert set(feature["properties"]) <= PUBLIC_SITE_FIELDS
        assert "next_due" in feature["properties"]
    for hidden in ("tours", "stops", "unassigned"):
        assert client.get(f"/ogc/lauf/collections/{hidden}/items").status_code == 404
    one = client.get(f"/ogc/lauf/collections/site_areas/items/{items[0]['id']}").get_json()
    assert set(one["properties"]) <= PUBLIC_SITE_FIELDS


def test_members_of_a_public_town_still_see_everything(client, sample):
    """With credentials, the town's staff see tours and stops with crews and times."""
    report_done(client, sample)
    stops = client.get("/ogc/lauf/collections/stops/items", headers=basic())
    assert stops.status_code == 200
    assert {f["properties"]["crew"] for f in stops.get_json()["features"]} >= {"Kolonne 1"}
    sites = client.get("/ogc/lauf/collections/site_areas/items", headers=basic()).get_json()
    assert any(f["properties"].get("last_done") for f in sites["features"])
    wrong = {"Authorization": "Basic " + base64.b64encode(b"gis:falsch").decode()}
    assert client.get("/ogc/lauf/collections", headers=wrong).status_code == 401


@pytest.mark.parametrize("url", ANONYMOUS_URLS)
def test_anonymous_answers_never_name_the_town_or_its_crews(client, sample, url):
    """No anonymous OGC answer (landing, docs, errors, private towns' 401) names the town."""
    report_done(client, sample)
    answer = client.get(url)
    assert answer.status_code < 500
    text = answer.get_data(as_text=True)
    assert TOWN not in text and "Hersbruck (Test)" not in text
    if answer.status_code == 200:
        for word in PRIVATE_WORDS:
            assert f'"{word}"' not in text and f">{word}<" not in text, word


def test_out_of_range_datetime_is_an_ogc_exception_for_anonymous_users(client, sample):
    """datetime=9999-12-31 (and an interval ending there) is 400 with an OGC exception."""
    for value in ("9999-12-31", "2026-01-01/9999-12-31", "9999-12-31T23:00:00-05:00"):
        answer = client.get(f"/ogc/lauf/collections/site_areas/items?datetime={value}")
        assert answer.status_code == 400, value
        assert answer.get_json()["code"] == "InvalidParameterValue"
        assert "1900–2199" in answer.get_json()["description"]
