"""The street a site lies on, for planner-readable labels of sites without a name.

The inventory import stores it on the site (``Site.street``, from the import's road graph), so
every label (map, tablet, prints, exports, GPX) reads the same text without a graph. Order of
evidence: the site's OSM ``addr:street`` tag; the name of the road-graph edge of its
stored access point (where the crew stops); the nearest named edge within
:data:`MAX_STREET_DISTANCE_M` of the access point or the site's representative point. Names are
OSM text (untrusted): returned as plain strings, escaped by whoever renders them.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Any

import networkx as nx
import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point
from sqlalchemy.orm import Session, object_session

from greentour.errors import BadInput
from greentour.inventory.network import road_graph

#: a named street farther than this from the site is no help to find it (metres)
MAX_STREET_DISTANCE_M = 250.0
_LOCK = threading.Lock()
_INDEXES: dict[int, StreetIndex] = {}


def edge_name(data: dict[str, Any]) -> str | None:
    """The OSM name of a graph edge (simplified edges may hold a list: the first in order)."""
    name = data.get("name")
    if isinstance(name, list | tuple | set):
        names = sorted(str(n) for n in name if n)
        return names[0] if names else None
    return str(name) if name else None


def _utm_epsg(lon: float, lat: float) -> int:
    zone = int((lon + 180) // 6) + 1
    return (32600 if lat >= 0 else 32700) + zone


class StreetIndex:
    """Named edges of a road graph in a metric projection (UTM), queried by nearest distance."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        xs = [d["x"] for _, d in graph.nodes(data=True)]
        ys = [d["y"] for _, d in graph.nodes(data=True)]
        lon0 = float(np.mean(xs)) if xs else 11.0
        lat0 = float(np.mean(ys)) if ys else 49.5
        self._to_metric = Transformer.from_crs(4326, _utm_epsg(lon0, lat0), always_xy=True)
        self._graph = graph
        lines: list[LineString] = []
        self.names: list[str] = []
        for u, v, data in graph.edges(data=True):
            name = edge_name(data)
            if not name:
                continue
            geom = data.get("geometry")
            if geom is None:
                a, b = graph.nodes[u], graph.nodes[v]
                geom = LineString([(a["x"], a["y"]), (b["x"], b["y"])])
            lines.append(shapely.transform(geom, self._project))
            self.names.append(name)
        self._lines = np.asarray(lines, dtype=object)
        self._tree = shapely.STRtree(self._lines)

    def _project(self, coords: np.ndarray) -> np.ndarray:
        x, y = self._to_metric.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    def edge_name(self, u: Hashable, v: Hashable, key: int) -> str | None:
        """Name of the edge ``(u, v, key)``; None if unnamed or not in the graph."""
        if not self._graph.has_edge(u, v, key):
            return None
        return edge_name(self._graph.edges[u, v, key])

    def nearest(self, lon: float, lat: float,
                max_distance_m: float = MAX_STREET_DISTANCE_M) -> str | None:
        """Name of the nearest named edge within ``max_distance_m`` of a WGS84 point."""
        if not self.names:
            return None
        x, y = self._to_metric.transform(lon, lat)
        hit = self._tree.query_nearest(Point(x, y), max_distance=max_distance_m)
        return self.names[int(hit[0])] if len(hit) else None


def street_index(graph: nx.MultiDiGraph) -> StreetIndex:
    """The index of ``graph``, built once per graph object and process."""
    with _LOCK:
        index = _INDEXES.get(id(graph))
        if index is None or index._graph is not graph:
            index = _INDEXES[id(graph)] = StreetIndex(graph)
        return index


def _session_index(session: Session) -> StreetIndex | None:
    """The street index of the session's tenant graph (None: the tenant has no road graph)."""
    if "street_index" not in session.info:
        try:
            session.info["street_index"] = street_index(road_graph(session))
        except BadInput:
            session.info["street_index"] = None
    return session.info["street_index"]


def street_for(tags: dict[str, Any] | None, access_points: Any, lon: float | None,
               lat: float | None, index: StreetIndex | None) -> str | None:
    """The street of a site from its tags, access points (rows with ``no_access``, ``edge_u``,
    ``edge_v``, ``edge_key``, ``lon``, ``lat``) and representative point (see the module doc)."""
    tags = tags or {}
    if tags.get("addr:street"):
        return str(tags["addr:street"])
    if index is None:
        return None
    usable = [a for a in (access_points or []) if not a.no_access]
    if usable:
        ap = usable[0]
        if ap.edge_u is not None and ap.edge_v is not None and ap.edge_key is not None:
            name = index.edge_name(ap.edge_u, ap.edge_v, ap.edge_key)
            if name:
                return name
        return index.nearest(ap.lon, ap.lat)
    if lon is None or lat is None:
        return None
    return index.nearest(lon, lat)


def site_street(site: Any, session: Session | None = None) -> str | None:
    """The street at ``site``: the one stored at import (``Site.street``), else looked up in
    the tenant's road graph (sites imported before streets were stored); None when nothing
    names it."""
    stored = getattr(site, "street", None)
    if stored is not None:
        return stored or None
    tags = site.tags_json or {}
    if tags.get("addr:street"):
        return str(tags["addr:street"])
    session = session or object_session(site)
    index = _session_index(session) if session is not None else None
    return street_for(tags, site.access_points, site.lon, site.lat, index)
