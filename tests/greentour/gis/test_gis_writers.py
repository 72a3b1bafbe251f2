"""GeoJSON, GeoPackage and GPX writers on plain records built from the real Lauf OSM extract.

Every output is read back with GDAL (pyogrio) or an XML parser, never compared as text only.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import osmium
import pyogrio
import pytest
import shapely
from osmium.geom import WKTFactory
from shapely.geometry import LineString, Point

from greentour.gis import records as R
from greentour.gis.crs import metric_epsg_for_lon
from greentour.gis.geojson import layer_set_collection, rfc7946_geometry, write_geojson
from greentour.gis.gpkg import write_gpkg
from greentour.gis.gpx import GPX_NS, write_gpx

BERLIN = ZoneInfo("Europe/Berlin")
SITE_WAYS = {23081830: "Salvator-Friedhof", 34646557: "Friedhof", 45181081: "Bauhof Lauf"}


@pytest.fixture(scope="module")
def lauf_osm(lauf_pbf):
    """Real OSM objects of Lauf: cemetery areas, a hedge, two trees and two streets."""
    wkt = WKTFactory()
    found: dict = {"areas": {}, "hedge": None, "trees": [], "roads": []}
    fp = osmium.FileProcessor(str(lauf_pbf)).with_areas().with_locations()
    for o in fp:
        if o.is_area() and o.from_way() and o.orig_id() in SITE_WAYS:
            found["areas"][o.orig_id()] = (o.version, shapely.from_wkt(wkt.create_multipolygon(o)))
        elif o.is_way() and o.tags.get("barrier") == "hedge" and found["hedge"] is None:
            if len(o.nodes) >= 4:
                coords = [(n.lon, n.lat) for n in o.nodes]
                found["hedge"] = (o.id, o.version, LineString(coords))
        elif o.is_node() and o.tags.get("natural") == "tree" and len(found["trees"]) < 2:
            found["trees"].append((o.id, o.version, Point(o.location.lon, o.location.lat)))
        elif o.is_way() and o.tags.get("name") in ("Beethovenstraße", "Erbsenbodenstraße"):
            found["roads"].append(LineString([(n.lon, n.lat) for n in o.nodes]))
    assert len(found["areas"]) == 3 and found["hedge"] and len(found["trees"]) == 2
    return found


def _site(layers: R.LayerSet, fid, geom, name, osm_type, osm_id, version, need="due", **kw):
    spec = R.site_layer_for(geom)
    props = dict(
        site_id=fid, name=name, category=kw.get("category", "cemetery"), care_class="B",
        area_m2=kw.get("area_m2"), length_m=kw.get("length_m"), tree_count=kw.get("trees"),
        in_maintenance=True, maintained_by="own", cost_centre="5530", need=need,
        next_due=dt.date(2026, 6, 2), last_done=None, open_tasks=1, source="osm", osm_type=osm_type,
        osm_id=osm_id, osm_version=version, cadastre_ref=None,
    )
    layers.add(spec.id, R.make_feature(spec, fid, geom, **props))


@pytest.fixture(scope="module")
def layer_set(lauf_osm) -> R.LayerSet:
    """A plan of two tours with stops, one unassigned task and sites of all three kinds."""
    ls = R.LayerSet(title="Lauf – Plan 7", timezone="Europe/Berlin")
    fid = 1
    for way_id, (version, geom) in sorted(lauf_osm["areas"].items()):
        _site(ls, fid, geom, SITE_WAYS[way_id], "way", way_id, version, area_m2=1000.0 * fid)
        fid += 1
    hid, hver, hedge = lauf_osm["hedge"]
    _site(ls, fid, hedge, "Hecke", "way", hid, hver, category="hedge", length_m=42.5, need="ok")
    fid += 1
    for tid, tver, tree in lauf_osm["trees"]:
        _site(ls, fid, tree, "Baum", "node", tid, tver, category="tree", trees=1, need="planned")
        fid += 1
    day = dt.date(2026, 6, 1)
    stop_fid = 1
    for tour_id, (crew, road) in enumerate(zip(["Kolonne 1", "Kolonne 2"],
                                               lauf_osm["roads"][:2], strict=True), start=1):
        start = dt.datetime(2026, 6, 1, 7, 0, tzinfo=BERLIN)
        ls.add("tours", R.make_feature(
            R.TOURS, tour_id, road, tour_id=tour_id, plan_id=7, crew_day_id=10 + tour_id,
            crew=crew, vehicle="Pritsche", date=day, start_at=start,
            end_at=start + dt.timedelta(hours=8), stop_count=2, distance_m=1234.5 * tour_id,
            drive_s=600 * tour_id, service_s=3600, locked=False, source="osm road network",
        ))
        for seq in (1, 2):
            eta = start + dt.timedelta(minutes=30 * seq)
            pos = Point(road.coords[seq])
            ls.add("stops", R.make_feature(
                R.STOPS, stop_fid, pos, stop_id=stop_fid, tour_id=tour_id, plan_id=7, crew=crew,
                date=day, sequence=seq, kind="task", eta=eta, service_start=eta,
                service_end=eta + dt.timedelta(minutes=20), duration_s=1200,
                task_id=100 + stop_fid, task_type="Mähen", site_id=seq, site_name="Friedhof",
                status="planned", source="osm road network",
            ))
            stop_fid += 1
    ls.add("unassigned", R.make_feature(
        R.UNASSIGNED, 1, lauf_osm["trees"][0][2], unassigned_id=1, plan_id=7, task_id=999,
        task_type="Baumkontrolle", site_id=5, site_name="Baum",
        reason="keine Kolonne mit Baumkontrolleur verfügbar", due_from=day,
        due_by=dt.date(2026, 6, 5), source="osm",
    ))
    return ls


def _ring_is_ccw(coords) -> bool:
    return shapely.LinearRing(coords).is_ccw


def test_geojson_follows_rfc7946(layer_set, tmp_path):
    """GeoJSON has no crs member, lon/lat in range, CCW exteriors, CW holes, <= 7 decimals."""
    path = tmp_path / "plan.geojson"
    count = write_geojson(layer_set, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert "crs" not in doc and count == len(doc["features"]) == 6 + 2 + 4 + 1
    assert "© OpenStreetMap contributors, ODbL" in doc["attribution"]
    assert doc["licence"]["name"] == "ODbL-1.0" and doc["licence"]["share_alike"] is True
    polygons = 0
    for feature in doc["features"]:
        geom = feature["geometry"]
        flat = json.dumps(geom["coordinates"])
        for number in flat.replace("[", " ").replace("]", " ").replace(",", " ").split():
            assert len(number.split(".")[-1]) <= 7
        shape = shapely.geometry.shape(geom)
        minx, miny, maxx, maxy = shape.bounds
        assert -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
        assert 11 < minx < 12 and 49 < miny < 50, "lon first, lat second"
        if geom["type"] == "MultiPolygon":
            for poly in geom["coordinates"]:
                polygons += 1
                assert _ring_is_ccw(poly[0])
                assert all(not _ring_is_ccw(hole) for hole in poly[1:])
    assert polygons >= 3


def test_clockwise_input_polygon_is_reoriented():
    """A clockwise exterior ring with a counter-clockwise hole comes out flipped."""
    cw = shapely.Polygon([(0, 0), (0, 1), (1, 1), (1, 0)], [[(0.2, 0.2), (0.8, 0.2), (0.8, 0.8)]])
    assert not cw.exterior.is_ccw
    out = rfc7946_geometry(cw)
    assert out.exterior.is_ccw and not out.interiors[0].is_ccw


def test_geojson_times_carry_offset_and_properties_are_stable(layer_set):
    """Times are ISO 8601 with the Berlin offset; tour properties keep their documented names."""
    doc = layer_set_collection(layer_set, ["tours"])
    tour = doc["features"][0]
    assert tour["properties"]["start_at"] == "2026-06-01T07:00:00+02:00"
    assert tour["properties"]["date"] == "2026-06-01"
    assert list(tour["properties"]) == R.TOURS.field_names()
    assert tour["geometry"]["type"] == "LineString" and tour["id"] == 1


def test_geojson_reads_back_with_gdal(layer_set, tmp_path):
    """GDAL reads the single-file GeoJSON with all features and a layer property per feature."""
    path = tmp_path / "plan.geojson"
    write_geojson(layer_set, path)
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == 13 and frame.crs.to_epsg() == 4326
    assert frame["layer"].value_counts().to_dict() == {
        "site_areas": 3, "site_points": 2, "site_lines": 1, "tours": 2, "stops": 4,
        "unassigned": 1,
    }


def test_gpkg_layers_types_crs_ids_and_times(layer_set, tmp_path):
    """GeoPackage: one geometry type per layer, EPSG:25832, fids kept, datetimes in UTC."""
    path = tmp_path / "plan.gpkg"
    counts = write_gpkg(layer_set, path)
    assert counts == {"site_areas": 3, "site_lines": 1, "site_points": 2, "tours": 2,
                      "stops": 4, "unassigned": 1}
    listed = {name: gtype for name, gtype in pyogrio.list_layers(path)}
    assert listed == {"site_areas": "MultiPolygon", "site_lines": "MultiLineString",
                      "site_points": "Point", "tours": "LineString", "stops": "Point",
                      "unassigned": "Point", "layer_styles": None}
    stops = pyogrio.read_dataframe(path, layer="stops", fid_as_index=True)
    assert stops.crs.to_epsg() == 25832
    assert sorted(stops.index) == [1, 2, 3, 4]
    first = stops.loc[1]
    assert first["eta"] == dt.datetime(2026, 6, 1, 5, 30, tzinfo=dt.UTC)
    info = pyogrio.read_info(path, layer="site_areas")
    assert info["geometry_type"] == "MultiPolygon"
    areas = pyogrio.read_dataframe(path, layer="site_areas")
    assert areas.geometry.area.min() > 100, "metric CRS: areas in m²"


def test_gpkg_carries_licence_and_styles(layer_set, tmp_path):
    """The GeoPackage holds the ODbL licence in gpkg_metadata and QGIS styles in layer_styles."""
    path = tmp_path / "plan.gpkg"
    write_gpkg(layer_set, path)
    with sqlite3.connect(path) as con:
        texts = [r[0] for r in con.execute("SELECT metadata FROM gpkg_metadata")]
        refs = con.execute("SELECT reference_scope FROM gpkg_metadata_reference").fetchall()
        styles = dict(con.execute("SELECT f_table_name, styleQML FROM layer_styles"))
    assert any("© OpenStreetMap contributors, ODbL" in t for t in texts)
    assert ("geopackage",) in refs
    assert set(styles) == {"site_areas", "site_lines", "site_points", "tours", "stops",
                           "unassigned"}
    assert 'attr="need"' in styles["site_areas"]
    assert "ODbL" in pyogrio.read_info(path, layer="tours")["dataset_metadata"]["LICENSE"]


def test_gpkg_east_of_12_degrees_uses_utm33():
    """A site east of 12° E (Dresden) is written in EPSG:25833."""
    assert metric_epsg_for_lon(13.74) == 25833 and metric_epsg_for_lon(11.28) == 25832


def test_gpx_route_and_track(layer_set, tmp_path):
    """GPX 1.1 has one route of stops (ETA in UTC) and one road track per chosen tour."""
    path = tmp_path / "tour.gpx"
    assert write_gpx(layer_set, path, tour_ids=[2]) == 1
    root = ET.parse(path).getroot()
    ns = {"g": GPX_NS}
    assert root.get("version") == "1.1"
    rtepts = root.findall("g:rte/g:rtept", ns)
    assert [p.find("g:name", ns).text.split(".")[0] for p in rtepts] == ["1", "2"]
    assert rtepts[0].find("g:time", ns).text == "2026-06-01T05:30:00Z"
    trkpts = root.findall("g:trk/g:trkseg/g:trkpt", ns)
    road = layer_set.layer("tours").features[1].geometry
    assert len(trkpts) == len(road.coords)
    assert float(trkpts[0].get("lon")) == pytest.approx(road.coords[0][0], abs=1e-7)
    assert "OpenStreetMap" in root.find("g:metadata/g:desc", ns).text
    routes = pyogrio.read_dataframe(path, layer="route_points")
    assert len(routes) == 2


def test_gpx_refuses_unknown_tour(layer_set, tmp_path):
    """Asking GPX for a tour not in the plan is refused with the tour id in the message."""
    with pytest.raises(ValueError, match=r"\[99\]"):
        write_gpx(layer_set, tmp_path / "x.gpx", tour_ids=[99])


def test_make_feature_refuses_unknown_property():
    """A record with a property name outside the documented schema is refused."""
    with pytest.raises(ValueError, match="unknown properties"):
        R.make_feature(R.STOPS, 1, Point(11.28, 49.51), colour="red")


def test_local_offsets_follow_daylight_saving():
    """A UTC instant in January gets +01:00, one in July +02:00 (Europe/Berlin)."""
    from greentour.gis.geojson import json_value

    winter = dt.datetime(2026, 1, 15, 6, 0, tzinfo=dt.UTC)
    summer = dt.datetime(2026, 7, 15, 5, 0, tzinfo=dt.UTC)
    assert json_value(winter, BERLIN) == "2026-01-15T07:00:00+01:00"
    assert json_value(summer, BERLIN) == "2026-07-15T07:00:00+02:00"
    with pytest.raises(ValueError, match="naive"):
        json_value(dt.datetime(2026, 1, 15, 6, 0), BERLIN)
