"""Export service: a stored plan written as GeoJSON, GeoPackage and GPX and read back with GDAL."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import geopandas as gpd
import pyogrio
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Point
from sqlalchemy import select

from greentour.errors import BadInput, NotFound
from greentour.gis.export import export_plan, live_layers, plan_layers
from greentour.store import make_engine, tenant_session
from greentour.store.models import AccessPoint, Site, Stop, Tour


@pytest.fixture(scope="module")
def engine(gis_sample):
    eng = make_engine(gis_sample.db_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def gpkg(engine, gis_sample, tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "plan.gpkg"
    export_plan(engine, gis_sample.tenant_id, gis_sample.plan_id, "gpkg", path)
    return path


def _expected_stops(engine, tenant_id) -> gpd.GeoDataFrame:
    """Task and reload stops as the database holds them (positions from access point or site)."""
    with tenant_session(engine, tenant_id) as s:
        access = {a.site_id: (a.lon, a.lat) for a in s.scalars(select(AccessPoint))}
        rows = []
        for stop in s.scalars(select(Stop).join(Tour).order_by(Stop.id)):
            if stop.task is not None:
                site = stop.task.site
                pos = Point(access.get(site.id, (site.lon, site.lat)))
            else:
                pos = None
            rows.append({"fid": stop.id, "tour_id": stop.tour_id, "sequence": stop.seq,
                         "eta": stop.arrival_at, "task_id": stop.task_id, "geometry": pos})
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    return frame[frame.geometry.notna()].set_index("fid")


def test_gpkg_matches_database(engine, gis_sample, gpkg):
    """GeoPackage stops equal the stored stops (ids, order, ETA in UTC, position in 25832)."""
    read = pyogrio.read_dataframe(gpkg, layer="stops", fid_as_index=True)
    expected = _expected_stops(engine, gis_sample.tenant_id).to_crs(25832)
    cols = ["tour_id", "sequence", "eta", "task_id", "geometry"]
    got = read.loc[expected.index, cols]
    got.index.name = "fid"
    got["eta"] = got["eta"].dt.as_unit("us")
    want = expected[cols].copy()
    want["eta"] = gpd.pd.to_datetime(want["eta"], utc=True).dt.as_unit("us")
    want["task_id"] = want["task_id"].astype("int32")
    want["tour_id"] = want["tour_id"].astype("int64")
    want["sequence"] = want["sequence"].astype("int64")
    got["task_id"] = got["task_id"].astype("int32")
    assert_geodataframe_equal(got, want, check_dtype=False, check_less_precise=True)


def test_gpkg_layer_counts_types_and_crs(gis_sample, gpkg):
    """Every layer has its one geometry type, EPSG:25832 and as many features as the database."""
    layers = dict(pyogrio.list_layers(gpkg))
    assert layers["site_areas"] == "MultiPolygon" and layers["site_lines"] == "MultiLineString"
    assert layers["tours"] == "LineString" and layers["stops"] == "Point"
    for name, ids in gis_sample.site_ids.items():
        info = pyogrio.read_info(gpkg, layer=name)
        assert info["features"] == len(ids) and info["crs"] == "EPSG:25832"
    tours = pyogrio.read_dataframe(gpkg, layer="tours", fid_as_index=True)
    assert sorted(tours.index) == gis_sample.tour_ids
    assert set(tours["crew"]) == {"Kolonne 1", "Kolonne 2"}
    assert (tours["stop_count"] == 3).all() and (tours["distance_m"] > 900).all()
    unassigned = pyogrio.read_dataframe(gpkg, layer="unassigned")
    assert "Baumkontrolleur" in unassigned["reason"].iloc[0]


def test_site_attributes_equal_database(engine, gis_sample, gpkg):
    """Site provenance (source, OSM type/id/version) and area are exported as stored."""
    areas = pyogrio.read_dataframe(gpkg, layer="site_areas", fid_as_index=True)
    with tenant_session(engine, gis_sample.tenant_id) as s:
        stored = {x.id: x for x in s.scalars(select(Site))}
    for fid, row in areas.iterrows():
        site = stored[fid]
        assert (row["osm_type"], row["osm_id"], row["osm_version"], row["source"]) == (
            site.osm_type, site.osm_id, site.osm_version, site.source)
        assert row["area_m2"] == pytest.approx(site.area_m2)
        assert row.geometry.area == pytest.approx(site.area_m2, rel=0.01)
    planned = set(areas.loc[areas["need"] == "planned"].index)
    assert planned and planned <= set(gis_sample.site_ids["site_areas"][:6])


def test_geojson_export_reads_back(engine, gis_sample, tmp_path):
    """The plan's GeoJSON has all layers, no crs member and tour times with +02:00 offset."""
    path = tmp_path / "plan.geojson"
    result = export_plan(engine, gis_sample.tenant_id, gis_sample.plan_id, "geojson", path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert "crs" not in doc and doc["licence"]["name"] == "ODbL-1.0"
    tours = [f for f in doc["features"] if f["properties"]["layer"] == "tours"]
    assert len(tours) == 2 and tours[0]["properties"]["start_at"].endswith("+02:00")
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == sum(result.counts.values()) == len(doc["features"])


def test_gpx_of_one_crew_day(engine, gis_sample, tmp_path):
    """GPX of one tour holds its four stops as route points and its road track."""
    path = tmp_path / "tour.gpx"
    tour_id = gis_sample.tour_ids[0]
    export_plan(engine, gis_sample.tenant_id, gis_sample.plan_id, "gpx", path, tour_id=tour_id)
    route = pyogrio.read_dataframe(path, layer="route_points")
    track = pyogrio.read_dataframe(path, layer="tracks")
    assert len(route) == 4 and len(track) == 1
    assert route["time"].iloc[0] == dt.datetime(2026, 6, 1, 5, 12, tzinfo=dt.UTC)


def test_unknown_plan_and_format_are_refused(engine, gis_sample, tmp_path):
    """An unknown plan is NotFound, an unknown format BadInput; no file is left behind."""
    with pytest.raises(NotFound, match="Plan #999"):
        export_plan(engine, gis_sample.tenant_id, 999, "gpkg", tmp_path / "x.gpkg")
    with pytest.raises(BadInput, match="shp"):
        export_plan(engine, gis_sample.tenant_id, gis_sample.plan_id, "shp", tmp_path / "x.shp")
    with pytest.raises(BadInput, match="99999"):
        export_plan(engine, gis_sample.tenant_id, gis_sample.plan_id, "gpx",
                    tmp_path / "x.gpx", tour_id=99999)
    assert list(tmp_path.iterdir()) == []


def test_other_tenant_cannot_export_the_plan(engine, gis_sample, tmp_path):
    """The public tenant asking for the Lauf plan id gets NotFound (tenant scope holds)."""
    with pytest.raises(NotFound):
        plan_layers(engine, gis_sample.public_tenant_id, gis_sample.plan_id)


def test_live_layers_take_the_published_plan(engine, gis_sample):
    """Live layers show the published plan's tours and the sites of the tenant only."""
    layers = live_layers(engine, gis_sample.tenant_id, today=dt.date(2026, 6, 1))
    assert [f.fid for f in layers.layer("tours").features] == gis_sample.tour_ids
    site_count = sum(len(v) for v in gis_sample.site_ids.values())
    assert sum(len(layers.layer(k).features) for k in gis_sample.site_ids) == site_count


def test_gpkg_metadata_holds_licence(gpkg):
    """The exported GeoPackage carries the ODbL attribution in gpkg_metadata."""
    with sqlite3.connect(gpkg) as con:
        texts = [r[0] for r in con.execute("SELECT metadata FROM gpkg_metadata")]
    assert any("© OpenStreetMap contributors, ODbL" in t for t in texts)


def test_cli_export_writes_gpkg(gis_sample, tmp_path, monkeypatch):
    """``greentour export --plan ID --format gpkg --out FILE`` writes a GeoPackage GDAL reads."""
    from click.testing import CliRunner

    from greentour.cli import cli

    monkeypatch.setenv("GREENTOUR_DATABASE_URL", gis_sample.db_url)
    out = tmp_path / "plan.gpkg"
    result = CliRunner().invoke(cli, ["export", "--tenant", "lauf", "--plan",
                                      str(gis_sample.plan_id), "--format", "gpkg",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "tours 2" in result.output
    assert pyogrio.read_info(out, layer="tours")["features"] == 2
    missing = CliRunner().invoke(cli, ["export", "--tenant", "lauf", "--plan", "999",
                                       "--format", "gpx", "--out", str(tmp_path / "x.gpx")])
    assert missing.exit_code == 1 and "Plan #999" in missing.output


def test_crew_report_shows_in_stop_status_and_site(engine, gis_sample):
    """A stop the crew reported done is ``done`` and its site's last_done is that day."""
    layers = plan_layers(engine, gis_sample.tenant_id, gis_sample.plan_id)
    first = layers.layer("stops").features[0]
    assert first.properties["status"] == "done" and first.properties["kind"] == "task"
    others = {f.properties["status"] for f in layers.layer("stops").features[1:]}
    assert others == {"planned"}
    site = next(f for f in layers.layer("site_areas").features
                if f.fid == first.properties["site_id"])
    assert site.properties["last_done"] == dt.date(2026, 6, 1)


@pytest.mark.parametrize(("gis", "message"), [
    ({"epsg": 4326}, "kein metrisches"),
    ({"epsg": "abc"}, "kein EPSG-Code"),
    ({"colour": "red"}, "kennt colour nicht"),
])
def test_bad_gis_settings_are_refused(gis, message):
    """A malformed [gis] section of the tenant TOML is refused with the key in the message."""
    from greentour.errors import ConfigError
    from greentour.store.models import Tenant
    from greentour.tenant_config import tenant_config

    with pytest.raises(ConfigError, match=rf"gis\.\w+: .*{message}"):
        tenant_config(Tenant(name="Lauf", slug="lauf", config_json={"gis": gis}))


def test_gis_settings_epsg_and_attribution():
    """[gis] epsg = 25833 and an attribution text are taken over."""
    from greentour.store.models import Tenant
    from greentour.tenant_config import tenant_config

    tenant = Tenant(name="Lauf", slug="lauf", config_json={
        "gis": {"epsg": 25833, "attribution": "Grünflächenkataster Stadt Lauf (dl-de/by-2-0)"}})
    assert tenant_config(tenant).gis == (25833, ("Grünflächenkataster Stadt Lauf (dl-de/by-2-0)",))


def test_road_source_names_the_osm_extract_date():
    """Tour provenance names the OSM extract date from the tenant's [osm] section."""
    from greentour.gis.export import road_source
    from greentour.store.models import Tenant

    tenant = Tenant(name="Lauf", slug="lauf", config_json={"osm": {"pbf": "osm/lauf.osm.pbf",
                                                                   "extract_date": "2020-01-15"}})
    assert road_source(tenant) == "OpenStreetMap road network (Stand 2020-01-15)"
    assert road_source(Tenant(name="X", slug="x", config_json={})) == "OpenStreetMap road network"
