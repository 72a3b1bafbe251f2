"""Travel-time/distance matrices against networkx on the real Lauf and Heidelberg graphs."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import numpy as np
import osmium
import pytest
import shapely
from pyproj import Transformer

from routing.access import snap_sites, usable_edges
from routing.matrix import EdgePoint, Router, build_matrix, reverse_edge_key
from routing.speeds import junction_penalty_s, travel_time_attr

BOLLARD = 389942188  # Lauf: barrier=bollard on residential way 34004699
BOLLARD_NEIGHBOURS = (573404244, 600427964)


def _weight(attr: str) -> Callable:
    def weight(u, v, d):  # type: ignore[no-untyped-def]
        best = min(x[attr] for x in d.values())
        return best if math.isfinite(best) else None

    return weight


def _edge_points(G: nx.MultiDiGraph, count: int, seed: int,
                 profiles: tuple[str, ...] = ("van",)) -> list[EdgePoint]:
    edges = usable_edges(G, profiles)
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(edges), count, replace=False)
    points = []
    for i in picks:
        u, v, k = edges[int(i)]
        points.append(EdgePoint(u, v, k, float(rng.uniform(0.05, 0.95)),
                                reverse_edge_key(G, u, v, k)))
    return points


def _fastest_length(G: nx.MultiDiGraph, path: list, attr: str) -> tuple[float, float]:
    """(time s, length m) along a node path using the fastest parallel edge each step."""
    time_s = length_m = 0.0
    for a, b in zip(path[:-1], path[1:], strict=True):
        d = min(G[a][b].values(), key=lambda x: x[attr])
        time_s += d[attr]
        length_m += d["length"]
    return time_s, length_m


def test_node_matrix_equals_networkx(heidelberg_graph: nx.MultiDiGraph) -> None:
    """Entries between graph nodes equal networkx Dijkstra times on 20 seeded nodes."""
    G = heidelberg_graph
    rng = np.random.default_rng(7)
    nodes = [list(G.nodes)[i] for i in rng.choice(len(G), 20, replace=False)]
    matrix = build_matrix(G, nodes, "van")
    weight = _weight(travel_time_attr("van"))
    for i, a in enumerate(nodes):
        lengths = nx.single_source_dijkstra_path_length(G, a, weight=weight)
        for j, b in enumerate(nodes):
            if b not in lengths:  # closed to vans (e.g. agricultural-only roads)
                assert matrix.unreachable[i, j]
                continue
            assert matrix.duration_s[i, j] == pytest.approx(lengths[b], abs=0.05)


def test_km_belong_to_the_fastest_path(heidelberg_graph: nx.MultiDiGraph) -> None:
    """Each distance is the length of the fastest path, not of the shortest one."""
    G = heidelberg_graph
    attr = travel_time_attr("van")
    rng = np.random.default_rng(11)
    nodes = [list(G.nodes)[i] for i in rng.choice(len(G), 12, replace=False)]
    matrix = build_matrix(G, nodes, "van")
    longer_than_shortest = 0
    for i, a in enumerate(nodes):
        paths = nx.single_source_dijkstra_path(G, a, weight=_weight(attr))
        shortest = nx.single_source_dijkstra_path_length(G, a, weight="length")
        for j, b in enumerate(nodes):
            if b not in paths:
                assert matrix.unreachable[i, j]
                continue
            time_s, length_m = _fastest_length(G, paths[b], attr)
            assert matrix.duration_s[i, j] == pytest.approx(time_s, abs=0.05)
            assert matrix.distance_m[i, j] == pytest.approx(length_m, abs=0.05 * len(paths[b]))
            if matrix.distance_m[i, j] > shortest[b] + 10:
                longer_than_shortest += 1
    assert longer_than_shortest > 0  # a length-Dijkstra would never exceed the shortest path


def _expected_between_points(G: nx.MultiDiGraph, profile: str, p: EdgePoint,
                             q: EdgePoint, dist: dict) -> float:
    attr = travel_time_attr(profile)

    def parts(u, v, k):  # type: ignore[no-untyped-def]
        t = G.edges[u, v, k][attr]
        pen = junction_penalty_s(G, profile, v)
        return t - pen, pen

    exits = {}
    drive, pen = parts(p.u, p.v, p.key)
    exits[p.v] = (1 - p.fraction) * drive + pen
    if p.reverse_key is not None:
        drive_r, pen_r = parts(p.v, p.u, p.reverse_key)
        exits[p.u] = min(exits.get(p.u, math.inf), p.fraction * drive_r + pen_r)
    entries = {}
    drive_q, _ = parts(q.u, q.v, q.key)
    entries[q.u] = q.fraction * drive_q
    if q.reverse_key is not None:
        drive_qr, _ = parts(q.v, q.u, q.reverse_key)
        entries[q.v] = min(entries.get(q.v, math.inf), (1 - q.fraction) * drive_qr)
    best = math.inf
    if (p.u, p.v, p.key) == (q.u, q.v, q.key) and q.fraction >= p.fraction:
        best = (q.fraction - p.fraction) * drive
    if p.reverse_key is not None and (p.u, p.v, p.key) == (q.u, q.v, q.key) \
            and q.fraction <= p.fraction:
        best = min(best, (p.fraction - q.fraction) * parts(p.v, p.u, p.reverse_key)[0])
    for a, ca in exits.items():
        for b, cb in entries.items():
            best = min(best, ca + dist[a].get(b, math.inf) + cb)
    return best


def test_access_point_matrix_equals_networkx(heidelberg_graph: nx.MultiDiGraph) -> None:
    """Virtual nodes on edges (both directions, oneway respected) match a networkx brute force."""
    G = heidelberg_graph
    points = _edge_points(G, 14, seed=3)
    first = points[0]
    points.append(EdgePoint(first.u, first.v, first.key, min(first.fraction + 0.03, 1.0),
                            first.reverse_key))  # a second site further along the same edge
    matrix = build_matrix(G, points, "van")
    weight = _weight(travel_time_attr("van"))
    ends = {n for p in points for n in (p.u, p.v)}
    dist = {n: nx.single_source_dijkstra_path_length(G, n, weight=weight) for n in ends}
    for i, p in enumerate(points):
        for j, q in enumerate(points):
            if i == j:
                continue
            expected = _expected_between_points(G, "van", p, q, dist)
            assert matrix.duration_s[i, j] == pytest.approx(expected, abs=0.05)


def test_leg_walk_matches_matrix(heidelberg_graph: nx.MultiDiGraph) -> None:
    """Walking the predecessors of a leg gives the matrix time and km; its shape joins both ends."""
    G = heidelberg_graph
    points = _edge_points(G, 12, seed=5)
    router = Router(G, "van")
    matrix = router.matrix(points)
    to_metric = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
    for i, j in [(0, 1), (2, 7), (5, 3), (11, 4), (9, 10)]:
        leg = router.leg(points, i, j)
        assert leg.duration_s == matrix.duration_s[i, j]
        assert leg.distance_m == matrix.distance_m[i, j]
        line = shapely.transform(leg.geometry, lambda xy: np.column_stack(
            to_metric.transform(xy[:, 0], xy[:, 1])))
        assert line.length == pytest.approx(leg.distance_m, rel=0.01, abs=2.0)


def test_tractor_never_faster_than_van(heidelberg_graph: nx.MultiDiGraph) -> None:
    """For 150 sites every tractor time is at least the van time (and every pair is reachable)."""
    G = heidelberg_graph
    points = _edge_points(G, 150, seed=9, profiles=("van", "tractor_25"))
    van = build_matrix(G, points, "van")
    tractor = build_matrix(G, points, "tractor_25")
    assert np.isfinite(tractor.duration_s).all()
    assert (tractor.duration_s >= van.duration_s - 1e-9).all()
    assert (tractor.duration_s.sum() > 1.5 * van.duration_s.sum())


def _uses_motorway(G: nx.MultiDiGraph, nodes: list, attr: str) -> bool:
    for a, b in zip(nodes[:-1], nodes[1:], strict=True):
        d = min(G[a][b].values(), key=lambda x: x[attr])
        if "motorway" in str(d.get("highway")):
            return True
    return False


def test_slow_profile_never_uses_motorway(heidelberg_graph: nx.MultiDiGraph) -> None:
    """Where the van takes the motorway, the 40 km/h tractor's route avoids it."""
    G = heidelberg_graph
    both = ("van", "tractor_40")
    ramps = {n for u, v, d in G.edges(data=True) if d.get("highway") == "motorway_link"
             for n in (u, v)}
    feeding = [e for e in usable_edges(G, both) if e[1] in ramps][:4]
    assert feeding, "Heidelberg has roads leading onto motorway ramps"
    # start on roads that lead onto a motorway ramp, end anywhere: the van takes the motorway
    starts = [EdgePoint(u, v, k, 0.5, reverse_edge_key(G, u, v, k)) for u, v, k in feeding]
    locations = starts + _edge_points(G, 10, seed=2, profiles=both)
    van, tractor = Router(G, "van"), Router(G, "tractor_40")
    van_uses = 0
    for i in range(len(starts)):
        for j in range(len(starts), len(locations)):
            van_leg = van.leg(locations, i, j)
            van_uses += _uses_motorway(G, van_leg.nodes, travel_time_attr("van"))
            tractor_leg = tractor.leg(locations, i, j)
            assert not _uses_motorway(G, tractor_leg.nodes, travel_time_attr("tractor_40"))
    assert van_uses > 0


def _node_lonlat(path: Path, ids: tuple[int, ...]) -> dict[int, tuple[float, float]]:
    found = {}
    for node in osmium.FileProcessor(str(path), osmium.osm.NODE):
        if node.id in ids:
            found[node.id] = (node.location.lon, node.location.lat)
    return found


def test_no_route_passes_the_bollard(lauf_graph: nx.MultiDiGraph, lauf_pbf: Path) -> None:
    """Between both sides of a real Lauf bollard the route detours and never touches it."""
    coords = _node_lonlat(lauf_pbf, (BOLLARD, *BOLLARD_NEIGHBOURS))
    sites = [(n, shapely.Point(coords[n])) for n in BOLLARD_NEIGHBOURS]
    access = snap_sites(lauf_graph, sites, profiles=("van",))
    points = [a.primary.edge_point for a in access]
    router = Router(lauf_graph, "van")
    to_metric = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
    bollard = shapely.Point(to_metric.transform(*coords[BOLLARD]))
    a_xy = shapely.Point(to_metric.transform(*coords[BOLLARD_NEIGHBOURS[0]]))
    b_xy = shapely.Point(to_metric.transform(*coords[BOLLARD_NEIGHBOURS[1]]))
    for i, j in ((0, 1), (1, 0)):
        leg = router.leg(points, i, j)
        assert BOLLARD not in leg.nodes
        line = shapely.transform(leg.geometry, lambda xy: np.column_stack(
            to_metric.transform(xy[:, 0], xy[:, 1])))
        assert line.distance(bollard) > 3.0
        assert leg.distance_m > 2 * a_xy.distance(b_xy)


def test_adding_a_location_matches_full_rebuild(lauf_graph: nx.MultiDiGraph) -> None:
    """Adding locations one by one (row and column only) equals rebuilding the whole matrix."""
    points = _edge_points(lauf_graph, 40, seed=4)
    p = points[3]
    beside = EdgePoint(p.u, p.v, p.key, min(p.fraction + 0.02, 1.0), p.reverse_key)
    node = next(iter(lauf_graph.nodes))
    router = Router(lauf_graph, "tractor_40")
    partial = router.matrix(points[:-1])
    for extra in (points[-1], beside, node):  # new edge, same edge as a site, a graph node
        partial = router.add_location(partial, extra)
    full = router.matrix([*points, beside, node])
    np.testing.assert_array_equal(partial.duration_s, full.duration_s)
    np.testing.assert_array_equal(partial.distance_m, full.distance_m)


def _two_node_graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs="epsg:4326", travel_profiles={"van": {"junction_penalty_s": 0.0}})
    G.add_node(1, x=11.0, y=49.0, street_count=1)
    G.add_node(2, x=11.001, y=49.0, street_count=1)
    G.add_edge(1, 2, length=80.0, osmid=1, travel_time_s__van=10.0)
    G.add_edge(1, 2, length=60.0, osmid=2, travel_time_s__van=30.0)
    G.add_edge(2, 1, length=80.0, osmid=1, travel_time_s__van=10.0)
    return G


def test_parallel_edges_take_the_minimum() -> None:
    """Two parallel edges (10 s, 30 s) give 10 s and the 80 m of that edge, never their sum."""
    matrix = build_matrix(_two_node_graph(), [1, 2], "van")
    assert matrix.duration_s[0, 1] == pytest.approx(10.0)
    assert matrix.distance_m[0, 1] == pytest.approx(80.0)


def test_closed_edge_location_is_unreachable(heidelberg_graph: nx.MultiDiGraph) -> None:
    """A location on a motorway (link) edge is unreachable (inf) for a tractor, not for a van."""
    G = heidelberg_graph
    attr = travel_time_attr("van")
    van_net = nx.DiGraph([(a, b) for a, b, d in G.edges(data=True) if math.isfinite(d[attr])])
    core = max(nx.strongly_connected_components(van_net), key=len)
    u, v, k = next((u, v, k) for u, v, k, d in G.edges(keys=True, data=True)
                   if "motorway" in str(d.get("highway")) and u in core and v in core)
    points = [EdgePoint(u, v, k, 0.5), *_edge_points(G, 3, seed=1)]
    assert build_matrix(G, points, "tractor_25").unreachable[0, 1:].all()
    assert not build_matrix(G, points, "van").unreachable.any()


def test_unknown_location_is_refused(lauf_graph: nx.MultiDiGraph) -> None:
    """A location that is neither a node nor an EdgePoint raises a precise ValueError."""
    with pytest.raises(ValueError, match="neither a graph node"):
        build_matrix(lauf_graph, ["nowhere"], "van")
