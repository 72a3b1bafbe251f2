"""OGC layers are cached per plan version: counted builds (#14).

Real app factory, real SQLite, the crew sample (tests/crew_sample.py), reports through the API.
"""

from __future__ import annotations

from crew_sample import replan
from sqlalchemy import select
from test_ogc_privacy import basic, report_done, sample  # noqa: F401  (fixture and helpers)

from greentour.gis.export import layer_cache
from greentour.store.models import Site
from greentour.store.tenancy import tenant_session


def test_layers_are_built_once_per_plan_version(client, engine, sample):  # noqa: F811
    """Repeated requests reuse the layers; a new plan version, a report or a site edit rebuilds."""
    urls = ("/ogc/lauf/collections", "/ogc/lauf/collections/site_areas/items",
            "/ogc/lauf/collections/stops/items")

    def builds_for_requests() -> int:
        before = layer_cache.builds
        for url in urls:
            assert client.get(url, headers=basic()).status_code == 200
        return layer_cache.builds - before

    assert builds_for_requests() == 1
    assert builds_for_requests() == 0
    replan(engine, sample)
    assert builds_for_requests() == 1
    assert builds_for_requests() == 0
    report_done(client, sample)
    assert builds_for_requests() == 1
    with tenant_session(engine, sample.tenant_ids["lauf"]) as session, session.begin():
        site = session.scalar(select(Site).order_by(Site.id))
        site.name = "Stadtpark (umbenannt)"
    assert builds_for_requests() == 1
    names = [f["properties"]["name"] for f in client.get(
        "/ogc/lauf/collections/site_areas/items", headers=basic()).get_json()["features"]]
    assert "Stadtpark (umbenannt)" in names
    assert builds_for_requests() == 0
