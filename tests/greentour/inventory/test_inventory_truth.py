"""An inventory that stays true: bad cadastre files refused, one site per real area, re-imports.

Real SQLite store, the real Lauf OSM extract and its road graph, cadastre files written with
GDAL (pyogrio) or as plain GeoJSON text exactly as a town would send them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import mapping
from sqlalchemy import func, select

from greentour.demand.store_io import load_sites
from greentour.errors import DataImportError
from greentour.inventory.osm_features import read_green_features
from greentour.inventory.service import import_cadastre, import_osm
from greentour.store.models import Site, SiteRevision, Task
from greentour.store.tenancy import tenant_session
from greentour.workplace.inventory_review import decide
from greentour.workplace.labels import site_label

REPO = Path(__file__).resolve().parents[3]
ACCEPTANCE = REPO / "data" / "osm_acceptance_lauf.toml"
MAPPING = REPO / "data" / "cadastre_mapping_heilbronn.toml"
LAWN, PITCH, CEMETERY, HEDGE = "700001030", "700001040", "700001170", "700001240"
DAY = dt.date(2026, 6, 15)


@pytest.fixture(scope="module")
def cemeteries(lauf_pbf: Path) -> list:
    """The three real Lauf cemetery polygons (WGS84)."""
    frame = read_green_features(lauf_pbf).frame
    return list(frame[[t.get("landuse") == "cemetery" for t in frame["tags"]]].geometry)


def _geojson(path: Path, features: list[tuple[str, str, object]], crs: str | None = None) -> Path:
    """A GeoJSON cadastre (``objnr``, ``ebene``, geometry or None) as a town would send it."""
    doc: dict = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"objnr": ident, "ebene": cls},
         "geometry": mapping(geom) if geom is not None else None}
        for ident, cls, geom in features]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _swap(geom):  # type: ignore[no-untyped-def]
    return shapely.transform(geom, lambda xy: xy[:, ::-1])


def _snapshot(engine, tenant_id: int) -> dict:  # type: ignore[no-untyped-def]
    with tenant_session(engine, tenant_id) as s:
        return {x.id: (x.geometry_geojson, x.status, x.in_maintenance, x.name)
                for x in s.scalars(select(Site))}


def _import_cemeteries(engine, tenant_id, path, lauf_pbf, cache):  # type: ignore[no-untyped-def]
    return import_cadastre(engine, tenant_id, path, MAPPING, osm_path=lauf_pbf, cache_dir=cache)


# --------------------------------------------------------------------------- bad files
def test_swapped_axes_are_refused_and_the_stored_site_stays(
        engine, lauf_tenant, lauf_pbf, cemeteries, graph_cache, tmp_path, cli_runner,
        monkeypatch) -> None:
    """A cadastre with lat/lon swapped (about 6,500 km away) is refused with one line naming
    file, feature and reason; the sites of the earlier good import are not touched."""
    from greentour.cli import cli

    good = _geojson(tmp_path / "friedhoefe.geojson",
                    [(f"F{i}", CEMETERY, g) for i, g in enumerate(cemeteries)])
    _import_cemeteries(engine, lauf_tenant.id, good, lauf_pbf, graph_cache)
    before = _snapshot(engine, lauf_tenant.id)
    assert len(before) == 3
    swapped = _geojson(tmp_path / "friedhoefe_vertauscht.geojson",
                       [(f"F{i}", CEMETERY, _swap(g)) for i, g in enumerate(cemeteries)])
    with pytest.raises(DataImportError) as err:
        _import_cemeteries(engine, lauf_tenant.id, swapped, lauf_pbf, graph_cache)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("friedhoefe_vertauscht.geojson: Objekt #1 (F0) liegt außerhalb")
    assert "vertauscht" in message and "3 von 3 Objekten" in message
    km = int(re.search(r"\(([\d.]+) km entfernt", message).group(1).replace(".", ""))
    assert 3000 < km < 9000
    assert _snapshot(engine, lauf_tenant.id) == before
    with tenant_session(engine, lauf_tenant.id) as s:
        assert s.scalar(select(func.count()).select_from(SiteRevision)) == 0
    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(graph_cache.parent))  # graph built once
    result = cli_runner.invoke(cli, [
        "import-cadastre", str(swapped), "--tenant", "lauf", "--mapping", str(MAPPING),
        "--osm", str(lauf_pbf)])
    assert result.exit_code == 1
    assert "Fehler: friedhoefe_vertauscht.geojson: Objekt #1 (F0)" in result.output
    assert "Traceback" not in result.output


def test_wrong_crs_is_refused(engine, lauf_tenant, lauf_pbf, cemeteries, graph_cache,
                              tmp_path) -> None:
    """UTM coordinates declared as Gauß-Krüger (EPSG:31468) land far away, a UTM file with
    easting and northing swapped too: both refused, naming the likely reason."""
    utm = gpd.GeoSeries(cemeteries, crs="EPSG:4326").to_crs("EPSG:25832")
    path = _geojson(tmp_path / "falsches_crs.geojson",
                    [(f"F{i}", CEMETERY, g) for i, g in enumerate(utm)],
                    crs="urn:ogc:def:crs:EPSG::31468")
    with pytest.raises(DataImportError, match=r"falsches_crs.geojson: Objekt #1 \(F0\) liegt "
                                              r"außerhalb.*falsches Koordinatensystem EPSG:31468"):
        _import_cemeteries(engine, lauf_tenant.id, path, lauf_pbf, graph_cache)
    swapped = gpd.GeoDataFrame({"objnr": [f"F{i}" for i in range(len(utm))],
                                "ebene": [CEMETERY] * len(utm)},
                               geometry=[_swap(g) for g in utm], crs="EPSG:25832")
    swapped.to_file(tmp_path / "hoch_rechts.gpkg", engine="pyogrio")
    with pytest.raises(DataImportError, match=r"hoch_rechts.gpkg: Objekt #1 \(F0\) liegt "
                                              r"außerhalb.*Rechts- und Hochwert vertauscht"):
        _import_cemeteries(engine, lauf_tenant.id, tmp_path / "hoch_rechts.gpkg", lauf_pbf,
                           graph_cache)
    assert _snapshot(engine, lauf_tenant.id) == {}


@pytest.mark.parametrize(("name", "crs", "null", "expected"), [
    ("utm_ohne_crs", None, False, r"utm_ohne_crs.geojson: Objekt #1 hat Koordinaten \(6\d{5}, "
                                  r"54\d{5}\), die keine Längen-/Breitengrade sind.*ohne Angabe "
                                  r"„crs“ gilt als WGS84"),
    ("unbekannter_code", "urn:ogc:def:crs:EPSG::99999", False,
     r"unbekannter_code.geojson: Koordinatensystem „urn:ogc:def:crs:EPSG::99999“ ist unbekannt"),
    ("ohne_geometrie", "urn:ogc:def:crs:EPSG::25832", True,
     r"ohne_geometrie.geojson: Objekt #2 \(F1\) hat keine Geometrie \(null\)"),
])
def test_bad_geojson_ends_in_one_line_and_stores_nothing(engine, lauf_tenant, lauf_pbf, cemeteries,
                                                        graph_cache, tmp_path, cli_runner,
                                                        name, crs, null, expected) -> None:
    """A UTM GeoJSON without ``crs``, an unknown EPSG code and a null geometry: one clear line
    (service and CLI, no traceback) and nothing stored."""
    from greentour.cli import cli

    utm = list(gpd.GeoSeries(cemeteries, crs="EPSG:4326").to_crs("EPSG:25832"))
    features = [(f"F{i}", CEMETERY, None if null and i == 1 else g) for i, g in enumerate(utm)]
    path = _geojson(tmp_path / f"{name}.geojson", features, crs=crs)
    with pytest.raises(DataImportError, match=expected) as err:
        _import_cemeteries(engine, lauf_tenant.id, path, lauf_pbf, graph_cache)
    assert "\n" not in str(err.value)
    assert _snapshot(engine, lauf_tenant.id) == {}
    result = cli_runner.invoke(cli, ["import-cadastre", str(path), "--tenant", "lauf",
                                     "--mapping", str(MAPPING), "--osm", str(lauf_pbf)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = [ln for ln in result.output.splitlines() if ln.startswith("Fehler:")]
    assert len(lines) == 1 and re.search(expected, lines[0])


def test_degenerate_pitches_are_dropped_and_counted(engine, lauf_tenant, lauf_pbf, cemeteries,
                                                    graph_cache, tmp_path) -> None:
    """Two pitches without area (collinear ring, two-point ring) are dropped and named in the
    report; the two good ones are stored."""
    x, y = cemeteries[0].representative_point().coords[0]
    good1 = shapely.box(x, y, x + 0.0008, y + 0.0005)
    good2 = shapely.box(x + 0.001, y, x + 0.0018, y + 0.0005)
    flat = shapely.Polygon([(x, y), (x + 0.0005, y), (x + 0.001, y), (x, y)])
    two = shapely.Polygon([(x, y), (x + 0.0005, y + 0.0001), (x, y), (x, y)])
    path = _geojson(tmp_path / "plaetze.geojson", [("P1", PITCH, good1), ("P2", PITCH, flat),
                                                   ("P3", PITCH, two), ("P4", PITCH, good2)])
    report = _import_cemeteries(engine, lauf_tenant.id, path, lauf_pbf, graph_cache)
    assert report.merged["Entartet verworfen"] == 2
    assert report.sites_total == 2 and report.count("accepted", "sports_pitch") == 2
    text = report.to_text()
    assert "Entartet verworfen: 2" in text and "#2 (P2), #3 (P3)" in text
    with tenant_session(engine, lauf_tenant.id) as s:
        assert set(s.scalars(select(Site.cadastre_id))) == {"P1", "P4"}


def test_overwrite_from_another_file_is_recorded(engine, lauf_tenant, lauf_pbf, cemeteries,
                                                 graph_cache, tmp_path) -> None:
    """A second cadastre file with the same ids moves the sites: allowed, but every change is
    recorded with the file and the old geometry."""
    first = _geojson(tmp_path / "kataster_2025.geojson",
                     [(f"F{i}", CEMETERY, g) for i, g in enumerate(cemeteries)])
    _import_cemeteries(engine, lauf_tenant.id, first, lauf_pbf, graph_cache)
    old = _snapshot(engine, lauf_tenant.id)
    again = _import_cemeteries(engine, lauf_tenant.id, first, lauf_pbf, graph_cache)
    assert again.revisions == 0  # the same file again changes nothing
    moved = _geojson(tmp_path / "kataster_2026.geojson",
                     [(f"F{i}", CEMETERY, shapely.affinity.translate(g, 0.0002, 0.0))
                      for i, g in enumerate(cemeteries)])
    report = _import_cemeteries(engine, lauf_tenant.id, moved, lauf_pbf, graph_cache)
    assert report.revisions == 3 and report.overwritten_other_file == 3
    assert "zuvor aus anderer Datei" in report.to_text()
    with tenant_session(engine, lauf_tenant.id) as s:
        revisions = s.scalars(select(SiteRevision).order_by(SiteRevision.id)).all()
        assert len(revisions) == 3
        for rev in revisions:
            assert rev.file == "kataster_2026.geojson" and rev.source == "cadastre"
            assert "geometry" in rev.change
            assert rev.before_json["geometry_geojson"] == old[rev.site_id][0]
            assert rev.before_json["source_file"] == "kataster_2025.geojson"
            assert rev.after_json["geometry_geojson"] != old[rev.site_id][0]


# --------------------------------------------------------------------------- one site per area
def _task(s, site_id: int, status: str = "open") -> None:  # type: ignore[no-untyped-def]
    s.add(Task(site_id=site_id, task_type="mow", generator="forecast", due_earliest=DAY,
               due_latest=DAY + dt.timedelta(days=3), duration_s=3600, status=status))


def test_cadastre_over_osm_is_one_site_per_area(engine, lauf_tenant, lauf_pbf, graph_cache,
                                                tmp_path) -> None:
    """The cadastre's lawns and hedges link the OSM parks, greens and hedge lines: the cadastre
    wins, the OSM site stays as provenance out of maintenance, its open mowing is cancelled,
    the demand sees each park once and the inventory area counts each park once; an OSM
    re-import keeps the link."""
    osm_report = import_osm(engine, lauf_tenant.id, lauf_pbf, acceptance_path=ACCEPTANCE,
                            cache_dir=graph_cache)
    with tenant_session(engine, lauf_tenant.id) as s, s.begin():
        parks = s.scalars(select(Site).where(
            Site.category.in_(("park", "village_green", "lawn")), Site.status == "accepted",
            Site.geometry_type.in_(("Polygon", "MultiPolygon")))).all()
        park_ids = {p.id for p in parks}
        park_names = {p.id: p.name for p in parks}
        osm_parks_m2 = sum(p.area_m2 for p in parks)
        for p in parks:
            _task(s, p.id)
        geoms = [shapely.geometry.shape(json.loads(p.geometry_geojson)) for p in parks]
        hedges = s.scalars(select(Site).where(Site.category == "hedge",
                                              Site.geometry_type == "LineString")).all()
        hedge_ids = {h.id for h in hedges}
        hedges_kept = sum(1 for h in hedges if h.in_maintenance)  # accepted by the list
        hedge_lines = [shapely.geometry.shape(json.loads(h.geometry_geojson)) for h in hedges]
    assert len(park_ids) >= 8 and len(hedge_ids) >= 5
    assert osm_report.inventory_area_m2 == pytest.approx(osm_report.maintained_area_m2)
    # the town's own digitising: a metre inside the OSM outline, lawn class, no names
    metric = gpd.GeoSeries(geoms, crs="EPSG:4326").to_crs("EPSG:25832").buffer(-1.0)
    # and its hedges as areas (the OSM hedges are lines): 0.8 m either side of the OSM line
    hedge_areas = gpd.GeoSeries(hedge_lines, crs="EPSG:4326").to_crs("EPSG:25832").buffer(0.8)
    cadastre = gpd.GeoDataFrame(
        {"objnr": [f"GF-{i}" for i in range(len(geoms))]
         + [f"HE-{i}" for i in range(len(hedge_lines))],
         "ebene": [LAWN] * len(geoms) + [HEDGE] * len(hedge_lines)},
        geometry=list(metric) + list(hedge_areas), crs="EPSG:25832")
    path = tmp_path / "gruenflaechen.gpkg"
    cadastre.to_file(path, engine="pyogrio")
    report = import_cadastre(engine, lauf_tenant.id, path, MAPPING, osm_path=lauf_pbf,
                             cache_dir=graph_cache)
    assert report.linked == len(park_ids) + len(hedge_ids)
    assert report.tasks_cancelled == len(park_ids)
    cadastre_m2 = float(metric.area.sum() + hedge_areas.area.sum())
    assert report.inventory_area_m2 == pytest.approx(
        osm_report.inventory_area_m2 - osm_parks_m2 + cadastre_m2, rel=1e-6)
    assert report.inventory_sites == osm_report.inventory_sites + len(hedge_ids) - hedges_kept
    assert report.maintained_m2_per_inhabitant == pytest.approx(report.inventory_area_m2 / 27000)
    assert "Mit Kataster verknüpft" in report.to_text()
    with tenant_session(engine, lauf_tenant.id) as s:
        for pid in park_ids:
            osm_park = s.get(Site, pid)
            assert osm_park.superseded_by_id is not None and not osm_park.in_maintenance
            assert osm_park.status == "rejected" and osm_park.osm_id  # provenance kept
            cad = s.get(Site, osm_park.superseded_by_id)
            assert cad.source == "cadastre" and cad.in_maintenance
            assert f"{osm_park.osm_type}/{osm_park.osm_id}" in cad.tags_json[
                "greentour:osm_sites"]
            if park_names[pid]:
                assert cad.name == park_names[pid]
        assert set(s.scalars(select(Task.status).where(Task.site_id.in_(park_ids)))) == {
            "cancelled"}
        demand_sites = {x.id for x in load_sites(s)}
        assert not demand_sites & park_ids
        stored_m2 = s.scalar(select(func.sum(Site.area_m2)).where(
            Site.status == "accepted", Site.in_maintenance.is_(True)))
        assert stored_m2 == pytest.approx(report.inventory_area_m2)
        revs = s.scalars(select(SiteRevision).where(SiteRevision.change.like("linked%"))).all()
        osm_revs = [r for r in revs if r.site_id in park_ids]
        assert {r.site_id for r in osm_revs} == park_ids
        assert all(r.before_json["status"] == "accepted" and r.after_json["status"] == "rejected"
                   and r.file == "gruenflaechen.gpkg" for r in osm_revs)
        assert {r.site_id for r in revs if r.site_id in hedge_ids} == hedge_ids
        renamed = [r for r in revs if r.site_id not in park_ids | hedge_ids]  # took OSM name
        assert len(renamed) == sum(1 for n in park_names.values() if n)
        assert all(r.after_json["name"] in park_names.values() for r in renamed)
    again = import_osm(engine, lauf_tenant.id, lauf_pbf, acceptance_path=ACCEPTANCE,
                       cache_dir=graph_cache)
    assert again.inventory_area_m2 == pytest.approx(report.inventory_area_m2)
    assert again.revisions == 0 and again.linked == 0
    names = _snapshot(engine, lauf_tenant.id)
    same = import_cadastre(engine, lauf_tenant.id, path, MAPPING, osm_path=lauf_pbf,
                           cache_dir=graph_cache)  # the same cadastre again changes nothing
    assert same.revisions == 0 and same.linked == 0
    assert _snapshot(engine, lauf_tenant.id) == names
    with tenant_session(engine, lauf_tenant.id) as s:
        linked = s.scalars(select(Site).where(Site.superseded_by_id.is_not(None))).all()
        assert {x.id for x in linked} == park_ids | hedge_ids
        assert {s.get(Site, x.superseded_by_id).category for x in linked
                if x.id in hedge_ids} == {"hedge"}
        assert all(s.get(Site, x.superseded_by_id).tags_json["greentour:osm_sites"]
                   for x in linked)
    with tenant_session(engine, lauf_tenant.id) as s:
        assert all(not s.get(Site, pid).in_maintenance for pid in park_ids)


def test_reimport_applies_a_changed_acceptance_list(engine, lauf_tenant, lauf_pbf, graph_cache,
                                                    tmp_path) -> None:
    """Two greens the list accepted are rejected by the edited list: after the re-import they
    are out of maintenance (open tasks cancelled, change recorded); a candidate the planner
    accepted in the review stays accepted; unnamed sites keep their street label."""
    import_osm(engine, lauf_tenant.id, lauf_pbf, acceptance_path=ACCEPTANCE, cache_dir=graph_cache)
    dropped = {"way/47275911", "way/47213645"}
    with tenant_session(engine, lauf_tenant.id) as s, s.begin():
        sites = s.scalars(select(Site)).all()
        by_key = {f"{x.osm_type}/{x.osm_id}": x for x in sites}
        ids = {by_key[k].id for k in dropped}
        assert all(by_key[k].status == "accepted" for k in dropped)
        for i in ids:
            _task(s, i)
        chosen = next(x for x in sites if x.status == "candidate" and x.category == "lawn")
        assert decide(s, [chosen.id], "accept") == 1
        chosen_id = chosen.id
        unnamed = [x for x in sites if x.status == "accepted" and not x.name]
        assert unnamed and all(x.street is not None for x in unnamed)
        named = {x.id: site_label(x) for x in unnamed}
    text = ACCEPTANCE.read_text(encoding="utf-8")
    for key in dropped:
        text = text.replace(f'osm = "{key}"\ndecision = "accept"',
                            f'osm = "{key}"\ndecision = "reject"')
    edited = tmp_path / "annahme_neu.toml"
    edited.write_text(text, encoding="utf-8")
    report = import_osm(engine, lauf_tenant.id, lauf_pbf, acceptance_path=edited,
                        cache_dir=graph_cache)
    assert report.status_changed == 2 and report.decisions_kept == 1
    assert report.tasks_cancelled == 2
    assert "Status neu eingestuft (Annahmeliste/Regeln): 2" in report.to_text()
    with tenant_session(engine, lauf_tenant.id) as s:
        for i in ids:
            site = s.get(Site, i)
            assert site.status == "rejected" and not site.in_maintenance
        assert s.get(Site, chosen_id).status == "accepted"
        assert set(s.scalars(select(Task.status).where(Task.site_id.in_(ids)))) == {"cancelled"}
        revs = s.scalars(select(SiteRevision).where(SiteRevision.site_id.in_(ids))).all()
        assert len(revs) == 2 and all("status" in r.change for r in revs)
        assert all(r.before_json["status"] == "accepted" and r.after_json["status"] == "rejected"
                   for r in revs)
        assert not ids & {x.id for x in load_sites(s)}
        stored = {x.id: x for x in s.scalars(select(Site).where(Site.id.in_(named)))}
        s.expunge_all()
    # the label needs no road graph: the street was stored at import
    assert {i: site_label(x) for i, x in stored.items()} == named
    assert all(" an der " in v or " am " in v or ", " in v for v in named.values())


DEGENERATE_OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
 <node id="1" version="1" lat="49.5000" lon="11.2700"/>
 <node id="2" version="1" lat="49.5000" lon="11.2720"/>
 <node id="3" version="1" lat="49.5020" lon="11.2720"/>
 <node id="4" version="1" lat="49.5010" lon="11.2730"/>
 <node id="5" version="1" lat="49.5010" lon="11.2740"/>
 <node id="6" version="1" lat="49.5010" lon="11.2750"/>
 <node id="101" version="1" lat="49.4995" lon="11.2690"/>
 <node id="102" version="1" lat="49.4995" lon="11.2760"/>
 <node id="103" version="1" lat="49.5025" lon="11.2760"/>
 <node id="104" version="1" lat="49.5025" lon="11.2690"/>
 <way id="10" version="3"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="1"/>
  <tag k="leisure" v="park"/></way>
 <way id="20" version="1"><nd ref="4"/><nd ref="5"/><nd ref="4"/>
  <tag k="leisure" v="pitch"/></way>
 <way id="21" version="1"><nd ref="4"/><nd ref="5"/><nd ref="6"/><nd ref="4"/>
  <tag k="leisure" v="pitch"/></way>
 <way id="30" version="1"><nd ref="101"/><nd ref="102"/><nd ref="103"/><nd ref="104"/>
  <nd ref="101"/><tag k="highway" v="residential"/><tag k="name" v="Ringstraße"/></way>
 <way id="31" version="1"><nd ref="102"/><nd ref="104"/>
  <tag k="highway" v="residential"/><tag k="name" v="Querweg"/></way>
 <way id="32" version="1"><nd ref="101"/><nd ref="103"/>
  <tag k="highway" v="residential"/><tag k="name" v="Diagonale"/></way>
</osm>
"""


def test_degenerate_osm_pitches_are_counted_and_named(engine, lauf_tenant, tmp_path) -> None:
    """Two pitches whose rings enclose nothing (osmium builds no area) are no longer dropped
    without a word: the report counts and names them; the park is imported, labelled by its
    street."""
    path = tmp_path / "klein.osm"
    path.write_text(DEGENERATE_OSM, encoding="utf-8")
    report = import_osm(engine, lauf_tenant.id, path, cache_dir=tmp_path)
    assert report.sites_total == 1
    assert report.merged["Flächen nicht bildbar"] == 2
    text = report.to_text()
    assert "Flächen nicht bildbar: 2" in text
    assert "way/20" in text and "way/21" in text
    with tenant_session(engine, lauf_tenant.id) as s:
        park = s.scalars(select(Site)).one()
        assert park.street == "Diagonale" and site_label(park) == "Park, Diagonale"


def test_deleting_the_cadastre_site_gives_the_osm_site_back(engine, lauf_tenant,
                                                            tmp_path) -> None:
    """A park linked to its cadastre area returns to the import's classification when the
    cadastre site is deleted: the next OSM import puts it back into maintenance."""
    osm = tmp_path / "klein.osm"
    osm.write_text(DEGENERATE_OSM, encoding="utf-8")
    import_osm(engine, lauf_tenant.id, osm, cache_dir=tmp_path)
    with tenant_session(engine, lauf_tenant.id) as s:
        park = s.scalars(select(Site)).one()
        park_id = park.id
        outline = shapely.geometry.shape(json.loads(park.geometry_geojson))
    cadastre = _geojson(tmp_path / "park.geojson", [("P1", LAWN, outline)])
    report = import_cadastre(engine, lauf_tenant.id, cadastre, MAPPING, osm_path=osm,
                             cache_dir=tmp_path)
    assert report.linked == 1
    with tenant_session(engine, lauf_tenant.id) as s, s.begin():
        assert not s.get(Site, park_id).in_maintenance
        s.delete(s.scalars(select(Site).where(Site.source == "cadastre")).one())
    import_osm(engine, lauf_tenant.id, osm, cache_dir=tmp_path)
    with tenant_session(engine, lauf_tenant.id) as s:
        park = s.get(Site, park_id)
        assert park.superseded_by_id is None
        assert park.status == "accepted" and park.in_maintenance
