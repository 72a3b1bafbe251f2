"""The planner's GIS token page: planner layout in German, create, list, revoke (#14).

Real app factory, real SQLite, the crew sample (tests/crew_sample.py), a real planner login and
the real OGC API checking the token.
"""

from __future__ import annotations

import re

import pytest
from crew_sample import build_crew_sample, login_planner


@pytest.fixture
def sample(engine):
    return build_crew_sample(engine)


def test_anonymous_users_get_the_login_page(client, sample):
    """Without a login the page redirects to the login form."""
    answer = client.get("/gis/token")
    assert answer.status_code in (302, 401)


def test_token_page_creates_lists_and_revokes_gis_tokens(client, engine, sample):
    """The page has the planner's navigation and logout, creates a token shown once that opens
    the OGC API, lists it with user and expiry, and revoking it ends access at once."""
    csrf = login_planner(client, engine, sample.tenant_ids["lauf"])
    page = client.get("/gis/token")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for text in ("GIS-Zugang (QGIS)", "Plantafel", "Tablets", "Abmelden", "/ogc/lauf/",
                 "X-Greentour-Token", "Noch keine GIS-Tokens."):
        assert text in html, text
    assert 'href="/gis/token"' in client.get("/planner/lineup").get_data(as_text=True)

    created = client.post("/gis/token", data={"csrf_token": csrf, "name": "QGIS Büro",
                                              "valid_days": "90"})
    assert created.status_code == 201
    html = created.get_data(as_text=True)
    token = re.search(r'id="issued-token"[^>]*>(gtg1\.[^<]+)<', html).group(1)
    assert "QGIS Büro" in html and "dispo" in html and "gültig" in html
    assert token not in client.get("/gis/token").get_data(as_text=True)  # shown once only

    ogc = client.application.test_client()
    assert ogc.get("/ogc/lauf/collections").status_code == 401
    assert ogc.get("/ogc/lauf/collections", headers={"X-Greentour-Token": token}).status_code == 200

    token_id = re.search(r'data-token-id="(\d+)"', client.get("/gis/token").get_data(
        as_text=True)).group(1)
    revoked = client.post(f"/gis/token/{token_id}/widerrufen", data={"csrf_token": csrf})
    assert revoked.status_code == 302
    assert "widerrufen" in client.get("/gis/token").get_data(as_text=True)
    assert ogc.get("/ogc/lauf/collections", headers={"X-Greentour-Token": token}).status_code == 401

    bad = client.post("/gis/token", data={"csrf_token": csrf, "valid_days": "5000"},
                      follow_redirects=True)
    assert "1 bis 730" in bad.get_data(as_text=True)
