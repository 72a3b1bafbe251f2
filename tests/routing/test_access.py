"""Access points of real Lauf and Heidelberg sites on the road graph."""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import numpy as np
import osmium
import pytest
import shapely
import shapely.wkb
from pyproj import Transformer

from routing.access import snap_sites, usable_edges
from routing.matrix import edge_geometry
from routing.speeds import travel_time_attr

TO_METRIC = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
TO_WGS84 = Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)


def _metric(geom):  # type: ignore[no-untyped-def]
    return shapely.transform(geom, lambda xy: np.column_stack(TO_METRIC.transform(
        xy[:, 0], xy[:, 1])))


def _wgs84(geom):  # type: ignore[no-untyped-def]
    return shapely.transform(geom, lambda xy: np.column_stack(TO_WGS84.transform(
        xy[:, 0], xy[:, 1])))


def _area(path: Path, way_id: int) -> shapely.MultiPolygon:
    factory = osmium.geom.WKBFactory()
    for area in osmium.FileProcessor(str(path)).with_areas().with_filter(
            osmium.filter.EntityFilter(osmium.osm.AREA)):
        if area.from_way() and area.orig_id() == way_id:
            return shapely.wkb.loads(factory.create_multipolygon(area), hex=True)
    raise LookupError(way_id)


def test_snaps_to_edge_not_junction(lauf_graph: nx.MultiDiGraph) -> None:
    """A site 10 m beside the middle of a long street gets a point mid-edge, not a junction."""
    G = lauf_graph
    for u, v, k in usable_edges(G, ("van",)):
        line = _metric(edge_geometry(G, u, v, k))
        if line.length > 200 and G.edges[u, v, k]["highway"] == "residential":
            break
    mid = line.interpolate(0.5, normalized=True)
    ahead = line.interpolate(0.5 * line.length + 1.0)
    dx, dy = ahead.x - mid.x, ahead.y - mid.y
    site = shapely.Point(mid.x - dy * 10, mid.y + dx * 10)  # 10 m to the left
    (result,) = snap_sites(G, [("s", _wgs84(site))], profiles=("van",))
    ap = result.primary
    assert ap is not None and not result.no_access
    assert ap.distance_m == pytest.approx(10.0, abs=1.5)
    point = shapely.Point(TO_METRIC.transform(ap.lon, ap.lat))
    for node in (u, v):
        corner = shapely.Point(TO_METRIC.transform(G.nodes[node]["x"], G.nodes[node]["y"]))
        assert point.distance(corner) > 50
    assert 0.0 < ap.edge_point.fraction < 1.0


def test_never_snaps_to_motorway(heidelberg_graph: nx.MultiDiGraph) -> None:
    """A site right beside the A5 is snapped to another road, never a motorway or its link."""
    G = heidelberg_graph
    u, v, k = next((u, v, k) for u, v, k, d in G.edges(keys=True, data=True)
                   if d.get("highway") == "motorway")
    line = _metric(edge_geometry(G, u, v, k))
    mid = line.interpolate(0.5, normalized=True)
    (result,) = snap_sites(G, [("a5", _wgs84(mid.buffer(8)))], max_distance_m=5000)
    assert "motorway" not in result.primary.highway
    assert result.primary.distance_m > 0


def test_service_way_entering_site_is_preferred(lauf_graph: nx.MultiDiGraph) -> None:
    """Where a street and a service way both touch a site, the service way is its access."""
    G = lauf_graph
    chosen = None
    for u, v, k in usable_edges(G, ("van",)):
        d = G.edges[u, v, k]
        if d["highway"] != "service" or d["length"] < 60 or G.nodes[u]["street_count"] < 3:
            continue
        if any(G.edges[e].get("highway") == "residential" for e in G.in_edges(u, keys=True)):
            chosen = (u, v, k)
            break
    assert chosen is not None
    line = _metric(edge_geometry(G, *chosen))
    site = line.interpolate(20.0).buffer(25.0)  # reaches over the junction onto the street
    (result,) = snap_sites(G, [("yard", _wgs84(site))], profiles=("van",))
    assert result.primary.via_service_way
    assert result.primary.highway == "service"


def test_large_park_gets_several_entrances(lauf_graph: nx.MultiDiGraph, lauf_pbf: Path) -> None:
    """The large Lauf recreation ground (way 34684749) gets entrances at least 150 m apart."""
    site = _area(lauf_pbf, 34684749)
    assert _metric(site).area > 20_000
    (result,) = snap_sites(lauf_graph, [(34684749, site)], profiles=("van",))
    points = [shapely.Point(TO_METRIC.transform(p.lon, p.lat)) for p in result.access_points]
    assert 2 <= len(points) <= 4
    for i, a in enumerate(points):
        for b in points[i + 1:]:
            assert a.distance(b) >= 150.0


def test_forest_playground_is_flagged_no_access(lauf_graph: nx.MultiDiGraph,
                                                lauf_pbf: Path) -> None:
    """The Waldspielplatz (way 47453364), over 250 m from roads, is flagged with its distance."""
    site = _area(lauf_pbf, 47453364)
    (result,) = snap_sites(lauf_graph, [("wald", site)], profiles=("van",))
    assert result.no_access and result.access_points == ()
    assert result.nearest_road_m > 250
    (near,) = snap_sites(lauf_graph, [("wald", site)], profiles=("van",),
                         max_distance_m=result.nearest_road_m + 1)
    assert not near.no_access
    assert near.primary.distance_m == pytest.approx(result.nearest_road_m, abs=0.5)


def test_access_edges_are_open_to_every_profile(lauf_graph: nx.MultiDiGraph,
                                                lauf_pbf: Path) -> None:
    """Access points requested for tractor and truck lie on edges both may drive."""
    site = _area(lauf_pbf, 34646557)  # the cemetery "Friedhof"
    (result,) = snap_sites(lauf_graph, [(1, site)], profiles=("tractor_25", "flatbed_truck"))
    for ap in result.access_points:
        e = ap.edge_point
        for profile in ("tractor_25", "flatbed_truck"):
            assert math.isfinite(lauf_graph.edges[e.u, e.v, e.key][travel_time_attr(profile)])


def test_empty_geometry_is_refused(lauf_graph: nx.MultiDiGraph) -> None:
    """A site without geometry raises a ValueError naming the site."""
    with pytest.raises(ValueError, match="site 'x' has no geometry"):
        snap_sites(lauf_graph, [("x", shapely.Polygon())])
