"""Import services on a real SQLite store: one transaction, access points, cached matrices."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from sqlalchemy import func, select

from greentour.errors import DataImportError
from greentour.inventory import network, service
from greentour.inventory.service import import_cadastre, import_osm, matrix_path
from greentour.store.models import AccessPoint, Site
from greentour.store.tenancy import tenant_session
from routing.cache import load_matrix
from routing.matrix import edge_geometry
from routing.speeds import travel_time_attr

REPO = Path(__file__).resolve().parents[3]
ACCEPTANCE = REPO / "data" / "osm_acceptance_lauf.toml"
def _counts(engine, tenant_id: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with tenant_session(engine, tenant_id) as s:
        return (s.scalar(select(func.count()).select_from(Site)),
                s.scalar(select(func.count()).select_from(AccessPoint)))


def test_import_osm_stores_sites_access_and_matrices(engine, lauf_tenant, lauf_pbf: Path,
                                                     graph_cache: Path) -> None:
    """The Lauf import stores sites with provenance, access points and per-profile matrices."""
    report = import_osm(engine, lauf_tenant.id, lauf_pbf, acceptance_path=ACCEPTANCE,
                        cache_dir=graph_cache)
    with tenant_session(engine, lauf_tenant.id) as s:
        sites = s.scalars(select(Site)).all()
        assert len(sites) == report.sites_total == report.sites_new
        accepted = [x for x in sites if x.status == "accepted"]
        assert accepted and all(x.in_maintenance for x in accepted)
        for site in accepted:  # every accepted site: an access point or a no-access flag
            assert site.access_points
            for ap in site.access_points:
                assert ap.no_access or (ap.edge_u is not None and ap.offset_m >= 0)
        for site in sites:
            assert site.osm_type in {"node", "way", "relation"} and site.osm_version >= 1
            if site.category == "garden" and (site.tags_json.get("access") == "private"
                                              or site.tags_json.get("garden:type")
                                              == "residential"):
                assert site.status != "accepted"
            if site.category == "meadow":
                assert site.status != "accepted"
        park = next(x for x in accepted if x.category == "park")
        assert park.regime == "utility_intensive" and park.care_class == "PK 2"
        assert json.loads(park.geometry_geojson)["type"] in {"Polygon", "MultiPolygon"}
        wald = next(x for x in sites if x.name == "Waldspielplatz")
        assert wald.access_points[0].no_access and wald.access_points[0].distance_m > 250
        with_access = {x.id for x in accepted
                       if any(not ap.no_access for ap in x.access_points)}
        G = network.road_graph_for(lauf_pbf, lauf_tenant, graph_cache)
        to_metric = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
        for site in accepted[:20]:  # stored rows turn back into the same routing location
            for ap in site.access_points:
                point = network.edge_point_of(G, ap)
                assert (point is None) == ap.no_access
                if point is not None:
                    line = shapely.transform(edge_geometry(G, point.u, point.v, point.key),
                                             lambda xy: np.column_stack(to_metric.transform(
                                                 xy[:, 0], xy[:, 1])))
                    at = line.interpolate(point.fraction, normalized=True)
                    stored = shapely.Point(to_metric.transform(ap.lon, ap.lat))
                    assert at.distance(stored) < 1.0
    per_head = report.maintained_m2_per_inhabitant
    assert per_head is not None and 5 < per_head < 40
    profile, duration_s, distance_m, ids = load_matrix(matrix_path(graph_cache, lauf_tenant.id,
                                                                   "van"))
    assert profile == "van" and {int(i) for i in ids} == with_access
    off_diagonal = ~np.eye(len(ids), dtype=bool)
    assert np.isfinite(duration_s).all() and (distance_m >= 0).all()
    assert (distance_m[off_diagonal] > 0).mean() > 0.95  # a few sites share an access point
    assert report.matrices == {"van": len(ids)}


def test_reimport_keeps_planner_decisions(engine, lauf_tenant, lauf_pbf: Path,
                                          graph_cache: Path) -> None:
    """A second import updates sites in place and keeps a status the planner changed."""
    import_osm(engine, lauf_tenant.id, lauf_pbf, cache_dir=graph_cache)
    with tenant_session(engine, lauf_tenant.id) as s, s.begin():
        garden = s.scalars(select(Site).where(Site.category == "lawn")).first()
        garden.status, garden.in_maintenance = "accepted", True
        garden_id = garden.id
    report = import_osm(engine, lauf_tenant.id, lauf_pbf, cache_dir=graph_cache)
    assert report.sites_new == 0 and report.sites_updated == report.sites_total
    with tenant_session(engine, lauf_tenant.id) as s:
        assert s.get(Site, garden_id).status == "accepted"


def test_truncated_pbf_stores_nothing(engine, lauf_tenant, lauf_pbf: Path,
                                      tmp_path: Path) -> None:
    """A truncated PBF raises a planner-readable DataImportError and stores nothing."""
    broken = tmp_path / "kaputt.osm.pbf"
    broken.write_bytes(lauf_pbf.read_bytes()[:300_000])
    with pytest.raises(DataImportError, match="kaputt.osm.pbf ist nicht lesbar"):
        import_osm(engine, lauf_tenant.id, broken, cache_dir=tmp_path)
    assert _counts(engine, lauf_tenant.id) == (0, 0)


def test_empty_file_stores_nothing(engine, lauf_tenant, tmp_path: Path) -> None:
    """An empty OSM file is refused before anything is stored."""
    empty = tmp_path / "leer.osm.pbf"
    empty.write_bytes(b"")
    with pytest.raises(DataImportError, match="leer"):
        import_osm(engine, lauf_tenant.id, empty, cache_dir=tmp_path)
    assert _counts(engine, lauf_tenant.id) == (0, 0)


def test_area_without_roads_stores_nothing(engine, lauf_tenant, tmp_path: Path) -> None:
    """Green space but no drivable road: refused (no access points possible), nothing stored."""
    xml = tmp_path / "nur_park.osm.gz"
    xml.write_bytes(gzip.compress(b"""<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
 <node id="1" version="1" lat="49.500" lon="11.270"/>
 <node id="2" version="1" lat="49.500" lon="11.272"/>
 <node id="3" version="1" lat="49.502" lon="11.272"/>
 <way id="10" version="3"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="1"/>
  <tag k="leisure" v="park"/></way>
 <way id="11" version="1"><nd ref="1"/><nd ref="3"/><tag k="highway" v="footway"/></way>
</osm>
"""))
    with pytest.raises(DataImportError, match="kein befahrbares Straßennetz"):
        import_osm(engine, lauf_tenant.id, xml, cache_dir=tmp_path)
    assert _counts(engine, lauf_tenant.id) == (0, 0)


def test_failure_while_storing_rolls_back(engine, lauf_tenant, lauf_pbf: Path,
                                          graph_cache: Path, monkeypatch) -> None:
    """A crash half-way through writing leaves no site and no access point behind."""
    real = service._access_rows
    calls = {"n": 0}

    def crash_later(G, access):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 300:
            raise RuntimeError("disk full")
        return real(G, access)

    monkeypatch.setattr(service, "_access_rows", crash_later)
    with pytest.raises(RuntimeError, match="disk full"):
        import_osm(engine, lauf_tenant.id, lauf_pbf, cache_dir=graph_cache)
    assert calls["n"] == 300
    assert _counts(engine, lauf_tenant.id) == (0, 0)


def test_cadastre_without_crs_stores_nothing(engine, lauf_tenant, lauf_pbf: Path,
                                             tmp_path: Path) -> None:
    """A cadastre Shapefile without CRS is refused by the service; nothing is stored."""
    import geopandas as gpd
    import shapely

    frame = gpd.GeoDataFrame({"objnr": ["a"], "ebene": ["700001030"]},
                             geometry=[shapely.box(650000, 5488000, 650050, 5488050)])
    path = tmp_path / "kataster.shp"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        frame.to_file(path, engine="pyogrio")
    with pytest.raises(DataImportError, match="kein Koordinatensystem"):
        import_cadastre(engine, lauf_tenant.id, path,
                        REPO / "data" / "cadastre_mapping_heilbronn.toml",
                        osm_path=lauf_pbf, cache_dir=tmp_path)
    assert _counts(engine, lauf_tenant.id) == (0, 0)


def test_cli_import_reports_bad_file(cli_runner, make_tenant, tmp_path: Path) -> None:
    """``greentour import-osm`` on a corrupt file prints one German error line, exit code 1."""
    from greentour.cli import cli

    make_tenant("lauf", "Lauf")
    bad = tmp_path / "kaputt.osm.pbf"
    bad.write_bytes(b"\x00\x01not osm" * 100)
    result = cli_runner.invoke(cli, ["import-osm", str(bad), "--tenant", "lauf"])
    assert result.exit_code == 1
    assert "Fehler: OSM-Datei kaputt.osm.pbf ist nicht lesbar" in result.output


def test_import_cadastre_stores_accepted_sites(engine, lauf_tenant, lauf_pbf: Path,
                                              graph_cache: Path, tmp_path: Path) -> None:
    """Mapped cadastre areas are stored as accepted with the mapped regime and access points."""
    import geopandas as gpd

    from greentour.inventory.osm_features import read_green_features

    frame = read_green_features(lauf_pbf).frame
    cemeteries = frame[[t.get("landuse") == "cemetery" for t in frame["tags"]]]
    cadastre = gpd.GeoDataFrame(
        {"objnr": [f"F{i}" for i in range(len(cemeteries))], "ebene": ["700001170"] * len(
            cemeteries), "bezeichnung": ["Friedhof"] * len(cemeteries)},
        geometry=list(cemeteries.geometry), crs="EPSG:4326").to_crs("EPSG:31468")
    path = tmp_path / "friedhoefe.gpkg"
    cadastre.to_file(path, engine="pyogrio")
    report = import_cadastre(engine, lauf_tenant.id, path,
                             REPO / "data" / "cadastre_mapping_heilbronn.toml",
                             osm_path=lauf_pbf, cache_dir=graph_cache)
    assert report.count("accepted", "cemetery") == len(cemeteries) == 3
    assert any("EPSG:31468" in note for note in report.notes)
    with tenant_session(engine, lauf_tenant.id) as s:
        sites = s.scalars(select(Site)).all()
        assert {x.cadastre_id for x in sites} == {"F0", "F1", "F2"}
        for site in sites:
            assert site.source == "cadastre" and site.regime == "ornamental"
            assert site.access_points and not site.access_points[0].no_access


def test_import_job_runs_in_the_worker(engine, lauf_tenant, lauf_pbf: Path, graph_cache: Path,
                                       monkeypatch) -> None:
    """An ``import-osm`` job (path relative to the data folder) runs to done with the report."""
    from greentour.commands.handlers import HANDLERS
    from greentour.jobs import claim_next, enqueue, get_job, run_job

    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(graph_cache.parent))
    matrix_path(graph_cache, lauf_tenant.id, "van").unlink(missing_ok=True)
    monkeypatch.setenv("GREENTOUR_DATA_DIR", str(lauf_pbf.parent.parent))
    job_id = enqueue(engine, lauf_tenant.id, "import-osm",
                     {"path": f"osm/{lauf_pbf.name}", "acceptance": str(ACCEPTANCE)})
    claimed = claim_next(engine, "test-worker")
    assert claimed is not None and claimed.id == job_id
    assert run_job(engine, claimed, HANDLERS) == "done"
    job = get_job(engine, lauf_tenant.id, job_id)
    assert job.progress == 100 and job.message == "Fertig"
    assert job.result_json["sites_total"] == _counts(engine, lauf_tenant.id)[0] > 800
    assert job.result_json["maintained_m2_per_inhabitant"] > 5
    assert matrix_path(graph_cache, lauf_tenant.id, "van").is_file()


def test_access_distance_is_configurable() -> None:
    """Tenant ``[routing]`` no-access distance and calibration factor are read; nonsense refused."""
    from greentour.errors import ConfigError
    from greentour.store.models import Tenant

    assert service.access_max_distance_m(Tenant(slug="a", name="A", config_json={})) == 250.0
    wide = Tenant(slug="a", name="A", config_json={"routing": {"access_max_distance_m": 500}})
    assert service.access_max_distance_m(wide) == 500.0
    bad = Tenant(slug="a", name="A", config_json={"routing": {"access_max_distance_m": "weit"}})
    with pytest.raises(ConfigError, match="routing.access_max_distance_m"):
        service.access_max_distance_m(bad)
    assert network.calibration_factor(wide) == 1.0
    slow = Tenant(slug="a", name="A", config_json={"routing": {"calibration_factor": 1.2}})
    assert network.calibration_factor(slow) == 1.2
    with pytest.raises(ConfigError, match="routing.calibration_factor"):
        network.calibration_factor(Tenant(slug="a", name="A",
                                          config_json={"routing": {"calibration_factor": 0}}))


def test_planner_uses_the_calibrated_import_graph(engine, make_tenant, lauf_pbf: Path,
                                                  graph_cache: Path, lauf_graph,
                                                  monkeypatch) -> None:
    """The planner's road graph is the import's, with the tenant's calibration factor."""

    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(graph_cache.parent))
    monkeypatch.setenv("GREENTOUR_DATA_DIR", str(lauf_pbf.parent.parent))
    t = make_tenant("lauf", "Lauf", config_json={"osm": {"pbf": f"osm/{lauf_pbf.name}"},
                                                  "routing": {"calibration_factor": 1.25}})
    with tenant_session(engine, t.id) as s:
        G = network.road_graph(s)
        assert G is network.road_graph(s)
    attr = travel_time_attr("van")
    u, v, k = next(iter(lauf_graph.edges(keys=True)))
    assert G.edges[u, v, k][attr] == pytest.approx(1.25 * lauf_graph.edges[u, v, k][attr])
