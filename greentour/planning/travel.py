"""Travel times, distances and road legs between planning locations, on the real road graph.

Site access points stored by the inventory import (``AccessPoint`` rows: edge ``u, v, key`` and
offset) are used as they are (:func:`greentour.inventory.network.edge_point_of`), so a plan stops
where the inventory put the entrance and its travel times equal the import's cached matrices.
Other points (depots, reload points, sites without stored rows; WGS84 lon/lat) are snapped to the
nearest allowed edge (:func:`routing.access.snap_sites`), and :class:`routing.matrix.Router`
computes the fastest-path matrix per vehicle profile and the leg geometries. The tenant's road
graph is the inventory's (:func:`greentour.inventory.network.road_graph`: tenant TOML
``[osm] pbf`` or ``GREENTOUR_OSM_FILE``). Routers are cached per process (the worker plans many
times with one graph).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
from shapely.geometry import Point
from sqlalchemy.orm import Session

import routing as rp
from greentour.errors import BadInput
from greentour.inventory.network import road_graph, stored_edge_point, tenant_profiles
from greentour.store import session_tenant
from greentour.store.models import AccessPoint
from routing.network import EdgePoint, Router, snap_sites

DEFAULT_PROFILE = "flatbed_truck"
_LOCK = threading.Lock()
_ROUTERS: dict[tuple[int, str], Router] = {}


@dataclass
class Travel:
    """Matrices per profile for a list of points, and the road legs between them."""

    matrices: dict[str, rp.TravelMatrix]
    routers: dict[str, Router] = field(repr=False, default_factory=dict)
    locations: list[Any] = field(repr=False, default_factory=list)

    def leg_coords(self, profile: str, i: int, j: int) -> list[list[float]]:
        """Road geometry from point ``i`` to point ``j`` as ``[[lon, lat], ...]`` (WGS84)."""
        router = self.routers.get(profile)
        if router is None:
            return []
        try:
            leg = router.leg(self.locations, i, j)
        except ValueError:
            return []
        return [[round(x, 6), round(y, 6)] for x, y in leg.geometry.coords]


def _router(graph: nx.MultiDiGraph, profile: str) -> Router:
    key = (id(graph), profile)
    with _LOCK:
        if key not in _ROUTERS:
            _ROUTERS[key] = Router(graph, profile)
        return _ROUTERS[key]


def build(
    session: Session,
    points: list[tuple[float, float]],
    profiles: set[str],
    stored: list[AccessPoint | None] | None = None,
) -> Travel:
    """Fastest-path matrices (s, m) between ``points`` for each profile in ``profiles``.

    ``stored[i]``, when given, is the inventory's access point row of ``points[i]``: its edge
    point is used instead of snapping ``points[i]`` again.
    """
    known = tenant_profiles(session_tenant(session))
    unknown = sorted(p for p in profiles if p not in known)
    if unknown:
        raise BadInput(f"Unbekanntes Fahrzeugprofil: {', '.join(unknown)} "
                       f"(bekannt: {', '.join(sorted(known))})")
    if not points:
        raise BadInput("Keine Orte zum Planen")
    graph = road_graph(session)
    rows = stored or [None] * len(points)
    locations: list[EdgePoint | None] = [stored_edge_point(graph, row) for row in rows]
    missing = [i for i, loc in enumerate(locations) if loc is None]
    snapped = snap_sites(
        graph,
        [(i, Point(*points[i])) for i in missing],
        profiles=sorted(profiles),
        max_distance_m=5_000.0,
        large_site_m2=float("inf"),
    ) if missing else []
    for result in snapped:
        if result.primary is None:
            raise BadInput(f"Ort {points[result.site_id]} liegt an keiner befahrbaren Straße")
        locations[result.site_id] = result.primary.edge_point
    matrices: dict[str, rp.TravelMatrix] = {}
    routers: dict[str, Router] = {}
    for profile in sorted(profiles):
        router = _router(graph, profile)
        matrix = router.matrix(locations)
        duration = np.where(np.isfinite(matrix.duration_s), np.rint(matrix.duration_s),
                            rp.UNREACHABLE_S).astype(np.int64)
        distance = np.where(np.isfinite(matrix.distance_m), np.rint(matrix.distance_m),
                            rp.UNREACHABLE_S).astype(np.int64)
        matrices[profile] = rp.TravelMatrix(duration, distance)
        routers[profile] = router
    return Travel(matrices=matrices, routers=routers, locations=locations)


def roads_geojson(session: Session, max_features: int = 20_000) -> dict[str, Any]:
    """The road network as a GeoJSON FeatureCollection of LineStrings (vector map fallback)."""
    graph = road_graph(session)
    features = []
    seen: set[frozenset] = set()
    for u, v, data in graph.edges(data=True):
        pair = frozenset((u, v))
        if pair in seen:
            continue
        seen.add(pair)
        geom = data.get("geometry")
        if geom is not None:
            coords = [[round(x, 5), round(y, 5)] for x, y in geom.coords]
        else:
            a, b = graph.nodes[u], graph.nodes[v]
            coords = [[round(a["x"], 5), round(a["y"], 5)], [round(b["x"], 5), round(b["y"], 5)]]
        features.append({"type": "Feature", "properties": {},
                         "geometry": {"type": "LineString", "coordinates": coords}})
        if len(features) >= max_features:
            break
    return {"type": "FeatureCollection", "features": features}
