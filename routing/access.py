"""Access points: where a crew leaves the road network to work on a site.

Each site (a shapely geometry in WGS84) is snapped to the nearest *allowed edge* in a
metric CRS (EPSG:25832): the access point is a virtual node at the projected point on
that edge (an :class:`routing.matrix.EdgePoint`), not the nearest junction, which may lie
hundreds of metres away around a block.

Rules, in order:

* never a motorway, motorway link or Kraftfahrstraße (``motorroad=yes``), and only edges
  every given profile may drive and from which every profile can reach the rest of the
  network (the edge lies in each profile's largest strongly connected component);
* a service way entering the site (within ``entering_m`` of the polygon) wins over a
  street passing by: it is how vehicles get into parks and cemeteries;
* large sites (``area >= large_site_m2``) get further entrances on other roads along
  their edge, at least ``entrance_spacing_m`` apart, at most ``max_entrances``;
* a site farther than ``max_distance_m`` from any usable road is flagged no-access with
  that distance (so the planner sees it instead of a silent far-away snap).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from routing.matrix import EdgePoint, edge_geometry, reverse_edge_key
from routing.speeds import travel_time_attr

METRIC_CRS = "EPSG:25832"
EXCLUDED_HIGHWAYS = frozenset({"motorway", "motorway_link"})


@dataclass(frozen=True)
class AccessPoint:
    """One entrance of a site: a point on an edge, its WGS84 position and road facts.

    ``distance_m`` is the gap between the site and the road (0 when the road touches or
    enters the site).
    """

    site_id: Hashable
    lon: float
    lat: float
    edge_point: EdgePoint
    distance_m: float
    highway: str
    via_service_way: bool


@dataclass(frozen=True)
class SiteAccess:
    """Result for one site: its access points, or the no-access flag with the distance."""

    site_id: Hashable
    access_points: tuple[AccessPoint, ...]
    no_access: bool
    nearest_road_m: float

    @property
    def primary(self) -> AccessPoint | None:
        """The main entrance (the first access point), None for a no-access site."""
        return self.access_points[0] if self.access_points else None


@dataclass
class _EdgeIndex:
    keys: list[tuple[Hashable, Hashable, int]]
    lines: np.ndarray  # projected LineStrings
    highway: list[str]
    tree: shapely.STRtree


def _first(value: object) -> str:
    if isinstance(value, list | tuple | set):
        return str(sorted(str(v) for v in value)[0])
    return str(value)


def _highways(value: object) -> set[str]:
    if isinstance(value, list | tuple | set):
        return {str(v) for v in value}
    return {str(value)}


def usable_edges(
    G: nx.MultiDiGraph, profiles: Sequence[str] = ()
) -> list[tuple[Hashable, Hashable, int]]:
    """Edges a site may be snapped to (one direction per two-way road).

    Excludes motorways, their links and ``motorroad=yes``; with ``profiles`` also edges
    closed to one of them or outside one profile's largest strongly connected component.
    """
    allowed_nodes: set[Hashable] | None = None
    for profile in profiles:
        attr = travel_time_attr(profile)
        open_edges = [(u, v) for u, v, d in G.edges(data=True) if math.isfinite(d[attr])]
        H = nx.DiGraph(open_edges)
        scc = max(nx.strongly_connected_components(H), key=len) if len(H) else set()
        allowed_nodes = scc if allowed_nodes is None else allowed_nodes & scc
    seen: set[tuple[Hashable, Hashable, int]] = set()
    result = []
    for u, v, k, d in G.edges(keys=True, data=True):
        if (u, v, k) in seen:
            continue
        if _highways(d.get("highway")) & EXCLUDED_HIGHWAYS:
            continue
        motorroad = d.get("motorroad")
        if motorroad == "yes" or (isinstance(motorroad, list) and "yes" in motorroad):
            continue
        if allowed_nodes is not None and (u not in allowed_nodes or v not in allowed_nodes):
            continue
        if any(not math.isfinite(d[travel_time_attr(p)]) for p in profiles):
            continue
        rk = reverse_edge_key(G, u, v, k)
        if rk is not None:
            seen.add((v, u, rk))
        result.append((u, v, k))
    return result


def _edge_index(G: nx.MultiDiGraph, to_metric: Transformer,
                profiles: Sequence[str]) -> _EdgeIndex:
    keys = usable_edges(G, profiles)
    if not keys:
        raise ValueError("no usable road edge to snap sites to")
    lines = np.array([edge_geometry(G, u, v, k) for u, v, k in keys], dtype=object)
    lines = shapely.transform(lines, lambda xy: np.column_stack(to_metric.transform(
        xy[:, 0], xy[:, 1])))
    highway = [_first(G.edges[e].get("highway", "")) for e in keys]
    return _EdgeIndex(keys, lines, highway, shapely.STRtree(lines))


def snap_sites(
    G: nx.MultiDiGraph,
    sites: Iterable[tuple[Hashable, BaseGeometry]],
    *,
    profiles: Sequence[str] = (),
    max_distance_m: float = 250.0,
    entering_m: float = 5.0,
    large_site_m2: float = 20_000.0,
    entrance_reach_m: float = 30.0,
    entrance_spacing_m: float = 150.0,
    max_entrances: int = 4,
) -> list[SiteAccess]:
    """Snap each ``(site_id, geometry)`` (WGS84) to the road network.

    Parameters
    ----------
    G
        Graph from :func:`routing.graph.graph_from_file` (with travel times when
        ``profiles`` are given).
    sites
        Site ids and shapely geometries (polygon, line or point) in WGS84 lon/lat.
    profiles
        Profile names every access point must serve (edge open and connected for each).
    max_distance_m
        Sites farther than this (m) from any usable road are flagged ``no_access``.
    entering_m, large_site_m2, entrance_reach_m, entrance_spacing_m, max_entrances
        Service-way preference and extra entrances of large sites (m, m², m, m, count).
    """
    to_metric = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    to_wgs84 = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    index = _edge_index(G, to_metric, profiles)
    results = []
    for site_id, geom in sites:
        if geom is None or geom.is_empty:
            raise ValueError(f"site {site_id!r} has no geometry")
        site = shapely.transform(geom, lambda xy: np.column_stack(to_metric.transform(
            xy[:, 0], xy[:, 1])))
        results.append(_snap_one(G, index, site_id, site, to_wgs84, max_distance_m, entering_m,
                                 large_site_m2, entrance_reach_m, entrance_spacing_m,
                                 max_entrances))
    return results


def _snap_one(G: nx.MultiDiGraph, index: _EdgeIndex, site_id: Hashable, site: BaseGeometry,
              to_wgs84: Transformer, max_distance_m: float, entering_m: float,
              large_site_m2: float, entrance_reach_m: float, entrance_spacing_m: float,
              max_entrances: int) -> SiteAccess:
    nearest_i, nearest_d = index.tree.query_nearest(site, return_distance=True, all_matches=False)
    nearest_road_m = float(nearest_d[0])
    if nearest_road_m > max_distance_m:
        return SiteAccess(site_id, (), True, nearest_road_m)

    def make_point(i: int, via_service: bool) -> tuple[AccessPoint, Point]:
        line: LineString = index.lines[i]
        distance_m = float(line.distance(site))
        target = site.representative_point() if distance_m == 0.0 else nearest_points(
            site, line)[0]
        offset_m = line.project(target)
        pt = line.interpolate(offset_m)
        fraction = offset_m / line.length if line.length > 0 else 0.0
        u, v, k = index.keys[i]
        lon, lat = to_wgs84.transform(pt.x, pt.y)
        ep = EdgePoint(u, v, k, min(max(fraction, 0.0), 1.0), reverse_edge_key(G, u, v, k))
        ap = AccessPoint(site_id, lon, lat, ep, distance_m, index.highway[i], via_service)
        return ap, pt

    # a service way entering the site beats the street passing by
    entering = [int(i) for i in index.tree.query(site, predicate="dwithin", distance=entering_m)
                if index.highway[int(i)] == "service"]
    if entering:
        core = site.representative_point()
        first, first_xy = make_point(
            min(entering, key=lambda i: index.lines[i].distance(core)), True)
    else:
        first, first_xy = make_point(int(nearest_i[0]), False)
    points = [first]
    if site.area >= large_site_m2 and max_entrances > 1:
        candidates = index.tree.query(site, predicate="dwithin", distance=entrance_reach_m)
        ordered = sorted((int(i) for i in candidates),
                         key=lambda i: index.lines[i].distance(site))
        chosen_xy = [first_xy]
        for i in ordered:
            if len(points) >= max_entrances:
                break
            ap, xy = make_point(i, index.highway[i] == "service")
            if all(xy.distance(c) >= entrance_spacing_m for c in chosen_xy):
                points.append(ap)
                chosen_xy.append(xy)
    return SiteAccess(site_id, tuple(points), False, nearest_road_m)

