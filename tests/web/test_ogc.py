"""OGC API - Features (Part 1 Core) of a tenant through the real Flask app and test client."""

from __future__ import annotations

import base64
import io
import logging

import pyogrio
import pytest
import shapely
from openapi_spec_validator import validate

from greentour.gis import ogc
from greentour.gis.access import make_gis_token
from greentour.store import make_engine
from web import create_app

SECRET = "ogc-test-secret"
GEOJSON = "application/geo+json"


@pytest.fixture(scope="module")
def ogc_app(gis_sample):
    app = create_app({
        "TESTING": True, "SECRET_KEY": SECRET, "WTF_CSRF_ENABLED": False,
        "GREENTOUR_DATABASE_URL": gis_sample.db_url, "GREENTOUR_AUTO_MIGRATE": False,
        "GREENTOUR_BLUEPRINTS": ["web.auth", "web.gis"], "GREENTOUR_OGC_MAX_LIMIT": 20,
    })
    yield app
    app.extensions["greentour_engine"].dispose()


@pytest.fixture
def web(ogc_app):
    return ogc_app.test_client()


def _basic(user="gis", password="geheim-123"):
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def _get(web, url, **kw):
    kw.setdefault("headers", _basic())
    return web.get(url, **kw)


def test_private_tenant_needs_login(web):
    """Without credentials a non-public tenant answers 401 with a Basic challenge."""
    r = web.get("/ogc/lauf/collections")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic")
    assert r.get_json()["code"] == "NotAuthorized"
    assert web.get("/ogc/lauf/", headers=_basic(password="falsch")).status_code == 401


def test_token_header_and_bearer_are_accepted(web, gis_sample):
    """A member's GIS token works as X-Greentour-Token and as Bearer; a forged one does not."""
    engine = make_engine(gis_sample.db_url)
    token = make_gis_token(engine, "lauf", "gis")
    engine.dispose()
    assert web.get("/ogc/lauf/", headers={"X-Greentour-Token": token}).status_code == 200
    assert web.get("/ogc/lauf/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert web.get("/ogc/lauf/", headers={"X-Greentour-Token": token + "x"}).status_code == 401


def test_landing_page_links(web):
    """The landing page links service-desc, service-doc, conformance, data and the licence."""
    r = _get(web, "/ogc/lauf/")
    rels = {link["rel"]: link for link in r.get_json()["links"]}
    assert {"self", "service-desc", "service-doc", "conformance", "data", "license"} <= set(rels)
    assert rels["data"]["href"].endswith("/ogc/lauf/collections")
    assert "odbl" in rels["license"]["href"]
    assert _get(web, rels["service-doc"]["href"]).status_code == 200
    assert "warnings" not in r.get_json()


def test_conformance_and_openapi(web):
    """Conformance lists core and geojson; the generated OpenAPI document is valid 3.0."""
    conf = _get(web, "/ogc/lauf/conformance").get_json()["conformsTo"]
    assert any(c.endswith("/conf/core") for c in conf)
    assert any(c.endswith("/conf/geojson") for c in conf)
    r = _get(web, "/ogc/lauf/openapi")
    assert r.headers["Content-Type"].startswith("application/vnd.oai.openapi+json")
    doc = r.get_json()
    validate(doc)
    assert "/collections/tours/items" in doc["paths"]


def test_collections_have_extent_and_style(web, gis_sample):
    """Six collections, each with a CRS84 extent; tours have a temporal extent and a QML style."""
    cols = {c["id"]: c for c in _get(web, "/ogc/lauf/collections").get_json()["collections"]}
    assert list(cols) == ["site_areas", "site_lines", "site_points", "tours", "stops",
                          "unassigned"]
    bbox = cols["site_areas"]["extent"]["spatial"]["bbox"][0]
    assert 11.2 < bbox[0] < bbox[2] < 11.4 and 49.4 < bbox[1] < bbox[3] < 49.6
    assert cols["tours"]["extent"]["temporal"]["interval"][0][0].startswith("2026-06-01T")
    style = next(link for link in cols["tours"]["links"] if link["rel"] == "style")
    qml = _get(web, style["href"])
    assert qml.status_code == 200 and b"<qgis" in qml.data
    assert cols["site_areas"]["geometryType"] == "MultiPolygon"


def test_paging_returns_every_feature_once(web, gis_sample):
    """Following next links with limit=10 yields each site area exactly once, in id order."""
    url = "/ogc/lauf/collections/site_areas/items?limit=10"
    seen, pages = [], 0
    while url:
        r = _get(web, url)
        assert r.status_code == 200 and r.headers["Content-Type"] == GEOJSON
        doc = r.get_json()
        assert doc["numberReturned"] == len(doc["features"]) <= 10
        assert doc["numberMatched"] == len(gis_sample.site_ids["site_areas"])
        assert doc["timeStamp"].endswith("Z")
        seen += [f["id"] for f in doc["features"]]
        nxt = [link["href"] for link in doc["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://localhost", "") if nxt else None
        pages += 1
    assert pages == 3 and seen == gis_sample.site_ids["site_areas"]


def test_oversized_limit_is_clamped(web):
    """limit=5000 is not an error: the page holds the configured maximum (20)."""
    r = _get(web, "/ogc/lauf/collections/site_areas/items?limit=5000")
    doc = r.get_json()
    assert r.status_code == 200 and doc["numberReturned"] == 20
    assert any(link["rel"] == "next" for link in doc["links"])


@pytest.mark.parametrize("query", ["foo=1", "limit=0", "limit=abc", "bbox=1,2,3",
                                   "bbox-crs=EPSG:4326&bbox=1,2,3,4", "crs=EPSG:25832", "f=xml"])
def test_bad_parameters_get_400(web, query):
    """Unknown or malformed query parameters are answered with 400 and a message."""
    r = _get(web, f"/ogc/lauf/collections/stops/items?{query}")
    assert r.status_code == 400 and r.get_json()["code"] == "InvalidParameterValue"
    assert r.get_json()["description"]


def test_bbox_filters_in_crs84(web, gis_sample):
    """A bbox around the stops of the plan keeps them and drops sites far away."""
    all_sites = _get(web, "/ogc/lauf/collections/site_areas/items?limit=20").get_json()
    first = shapely.geometry.shape(all_sites["features"][0]["geometry"])
    minx, miny, maxx, maxy = first.bounds
    r = _get(web, f"/ogc/lauf/collections/site_areas/items?bbox={minx},{miny},{maxx},{maxy}")
    ids = [f["id"] for f in r.get_json()["features"]]
    assert all_sites["features"][0]["id"] in ids
    assert len(ids) < len(gis_sample.site_ids["site_areas"])


def test_datetime_filter(web, gis_sample):
    """datetime picks the tours of a day; sites have no time and refuse datetime."""
    day = _get(web, "/ogc/lauf/collections/tours/items?datetime=2026-06-01").get_json()
    assert [f["id"] for f in day["features"]] == gis_sample.tour_ids
    later = "2026-06-02T00:00:00Z/.."
    assert _get(web, f"/ogc/lauf/collections/tours/items?datetime={later}").get_json()[
        "numberMatched"] == 0
    morning = "2026-06-01T07:00:00%2B02:00/2026-06-01T07:13:00%2B02:00"
    stops = _get(web, f"/ogc/lauf/collections/stops/items?datetime={morning}").get_json()
    assert [f["properties"]["sequence"] for f in stops["features"]] == [1, 1]
    assert _get(web, "/ogc/lauf/collections/site_points/items?datetime=2026-06-01"
                ).status_code == 400


def test_single_item_and_not_found(web, gis_sample):
    """A single item has its stable id and properties; unknown ids and collections are 404."""
    stop_id = gis_sample.stop_ids[0]
    r = _get(web, f"/ogc/lauf/collections/stops/items/{stop_id}")
    doc = r.get_json()
    assert r.headers["Content-Type"] == GEOJSON and doc["id"] == stop_id
    assert doc["properties"]["sequence"] == 1 and doc["properties"]["eta"].endswith("+02:00")
    assert _get(web, "/ogc/lauf/collections/stops/items/999999").status_code == 404
    assert _get(web, "/ogc/lauf/collections/nothing/items").status_code == 404
    assert web.get("/ogc/nirgendwo/").status_code == 404


def test_items_follow_rfc7946(web):
    """Items have no crs member, lon/lat order and counter-clockwise exterior rings."""
    doc = _get(web, "/ogc/lauf/collections/site_areas/items?limit=20").get_json()
    assert "crs" not in doc
    for feature in doc["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            assert shapely.LinearRing(polygon[0]).is_ccw
            lon, lat = polygon[0][0]
            assert 11 < lon < 12 and 49 < lat < 50


def test_public_tenant_is_open_and_warned(web, caplog):
    """A public tenant needs no login; its OSM-derived layers raise a share-alike warning."""
    ogc._warned_public.discard("offen")
    with caplog.at_level(logging.WARNING, logger="greentour.gis.ogc"):
        r = web.get("/ogc/offen/")
    assert r.status_code == 200
    assert "share-alike" in r.get_json()["warnings"][0]
    assert any("share-alike" in rec.message for rec in caplog.records)
    items = web.get("/ogc/offen/collections/site_areas/items").get_json()
    assert items["numberMatched"] == 2 and items["features"][0]["properties"]["source"] == "osm"
    assert "OpenStreetMap" in items["attribution"]


def test_planner_downloads_gpkg(web, gis_sample):
    """A logged-in planner downloads the plan as GeoPackage; anonymous users cannot."""
    anonymous = web.get(f"/gis/export/plan/{gis_sample.plan_id}.gpkg")
    assert anonymous.status_code in (302, 401)
    login = web.post("/auth/login?next=/planner/",
                     data={"username": "gis", "password": "geheim-123"})
    assert login.status_code in (302, 303)
    r = web.get(f"/gis/export/plan/{gis_sample.plan_id}.gpkg")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    tours = pyogrio.read_dataframe(io.BytesIO(r.data), layer="tours")
    assert len(tours) == 2
    gpx = web.get(f"/gis/export/plan/{gis_sample.plan_id}.gpx?tour={gis_sample.tour_ids[1]}")
    assert gpx.status_code == 200 and b"<trk>" in gpx.data
