"""Drivable road graph from a local OSM file, or from osmnx when online.

The graph is an osmnx-compatible :class:`networkx.MultiDiGraph` (node ids are OSM node
ids, ``x``/``y`` in WGS84 degrees, edge ``length`` in m, ``geometry`` on merged edges),
so osmnx' own tools (plotting, nearest edges, projections) work on it.

How it is built, and why:

1. :mod:`routing._osm_reader` reads the ways that pass the ``drive_service`` filter of
   osmnx 2.1 (public drivable streets and service roads, without parking aisles,
   emergency access or private service roads) with pyosmium, which also reads PBF.
   Clipped ways are split into runs of existing nodes, not fatal.
2. Each way becomes edges in both directions unless it is one-way (osmnx' rules:
   ``oneway=yes|true|1|-1|reverse``, roundabouts). Each segment keeps the way's legal
   speed (:func:`routing.speeds.legal_speed_kph`) in ``speed_segments`` so that
   per-profile travel times stay exact after simplification.
3. Barrier nodes (bollard, gate, lift_gate, block, ...) cut the way: the node is
   removed unless its access tags allow motor vehicles through
   (:func:`routing.speeds.barrier_blocks`).
4. The largest strongly connected component is kept, then osmnx simplifies the
   topology (interstitial nodes removed, ``length`` summed, ``speed_segments``
   concatenated) and counts streets per node (``street_count``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import osmnx as ox

from routing._osm_reader import OsmFileError, RawRoads, read_drivable_ways
from routing.speeds import barrier_blocks, legal_speed_kph

log = logging.getLogger(__name__)

WGS84 = "epsg:4326"

#: osmnx 2.1 ``drive_service`` filter as (key, forbidden regex) pairs; ``area=yes``,
#: ``access=private`` and the listed highway/service values are left out. The regexes are
#: searched (not anchored), exactly as Overpass evaluates osmnx' query.
DRIVE_SERVICE_EXCLUDE: tuple[tuple[str, str], ...] = (
    ("area", "yes"),
    ("access", "private"),
    (
        "highway",
        "abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|escalator|"
        "footway|no|path|pedestrian|planned|platform|proposed|raceway|razed|rest_area|services|"
        "steps|track",
    ),
    ("motor_vehicle", "no"),
    ("motorcar", "no"),
    ("service", "emergency_access|parking|parking_aisle|private"),
)
_DRIVE_SERVICE_RE = tuple((k, re.compile(rx)) for k, rx in DRIVE_SERVICE_EXCLUDE)

#: Way tags copied onto the edges (speed, access and restriction rules read them).
WAY_TAGS = (
    "highway",
    "name",
    "ref",
    "maxspeed",
    "access",
    "vehicle",
    "motor_vehicle",
    "motorcar",
    "agricultural",
    "hgv",
    "goods",
    "service",
    "junction",
    "motorroad",
    "maxweight",
    "maxheight",
    "maxwidth",
    "bridge",
    "tunnel",
)

_ONEWAY_VALUES = {"yes", "true", "1", "-1", "reverse", "T", "F"}
_REVERSED_VALUES = {"-1", "reverse", "T"}


class NoRoadsError(ValueError):
    """The file or area holds no drivable road network."""


def is_drive_service(tags: Mapping[str, str]) -> bool:
    """True when a way with these tags belongs to osmnx' ``drive_service`` network."""
    if "highway" not in tags:
        return False
    return not any(k in tags and rx.search(tags[k]) for k, rx in _DRIVE_SERVICE_RE)


def graph_from_file(path: str | Path) -> nx.MultiDiGraph:
    """Build the simplified drivable graph (largest strongly connected component).

    Parameters
    ----------
    path
        Local OSM file: ``.osm.pbf``, ``.osm``, ``.osm.gz`` or ``.osm.bz2``.

    Returns
    -------
    networkx.MultiDiGraph
        osmnx-compatible graph in WGS84; ``G.graph["build_report"]`` counts ways read,
        trimmed (clipped) and dropped, and barrier nodes that cut the network.

    Raises
    ------
    routing._osm_reader.OsmFileError
        Missing, empty, truncated or corrupt file.
    NoRoadsError
        No drivable way in the file.
    """
    raw = read_drivable_ways(path, is_drive_service)
    if not raw.ways:
        raise NoRoadsError(f"no drivable roads in {Path(path).name}")
    G = _graph_from_raw(raw)
    G.graph["source"] = Path(path).name
    return _finish(G)


def graph_from_place(query: str | dict[str, str]) -> nx.MultiDiGraph:
    """Download the drivable graph of a place by name through osmnx (needs network)."""
    with _osmnx_tags():
        G = ox.graph_from_place(query, network_type="drive_service", simplify=False,
                                retain_all=True)
    return _finish(_from_osmnx(G))


def graph_from_bbox(bbox: tuple[float, float, float, float]) -> nx.MultiDiGraph:
    """Download the drivable graph of a (west, south, east, north) bbox via osmnx (network)."""
    with _osmnx_tags():
        G = ox.graph_from_bbox(bbox, network_type="drive_service", simplify=False,
                               retain_all=True)
    return _finish(_from_osmnx(G))


def _graph_from_raw(raw: RawRoads) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs=WGS84)
    for node_id, (lon, lat) in raw.nodes.items():
        G.add_node(node_id, x=lon, y=lat, **raw.node_tags.get(node_id, {}))
    for way_id, refs, tags in raw.ways:
        nodes = [n for i, n in enumerate(refs) if i == 0 or n != refs[i - 1]]
        if len(nodes) < 2:
            continue
        attrs: dict[str, Any] = {k: tags[k] for k in WAY_TAGS if k in tags}
        attrs["osmid"] = way_id
        oneway = tags.get("oneway") in _ONEWAY_VALUES or tags.get("junction") == "roundabout"
        if oneway and tags.get("oneway") in _REVERSED_VALUES:
            nodes.reverse()
        attrs["oneway"] = oneway
        speed = legal_speed_kph(tags)
        pairs = list(zip(nodes[:-1], nodes[1:], strict=True))
        G.add_edges_from(pairs, **attrs, reversed=False, _speed_kph=speed)
        if not oneway:
            G.add_edges_from([(v, u) for u, v in pairs], **attrs, reversed=True,
                             _speed_kph=speed)
    G.graph["build_report"] = {
        "ways_read": raw.ways_read,
        "ways_trimmed": raw.ways_trimmed,
        "ways_dropped": raw.ways_dropped,
    }
    return G


def _finish(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Cut at barriers, keep the LSCC, add lengths, simplify and count streets."""
    report = G.graph.setdefault("build_report", {})
    blocking = [n for n, d in G.nodes(data=True) if barrier_blocks(d)]
    G.remove_nodes_from(blocking)
    report["barriers_blocking"] = len(blocking)
    G.graph["blocking_barriers"] = sorted(int(n) for n in blocking)
    if G.number_of_edges() == 0:
        raise NoRoadsError("no drivable roads left after removing blocking barriers")
    # in place: osmnx' truncate.largest_component copies the whole unsimplified graph
    largest = max(nx.strongly_connected_components(G), key=len)
    G.remove_nodes_from([n for n in list(G.nodes) if n not in largest])
    _add_segment_lengths(G)
    G = ox.simplify_graph(
        G, edge_attr_aggs={"length": sum, "speed_segments": lambda segs: tuple(
            s for seg in segs for s in seg)}
    )
    nx.set_node_attributes(G, ox.stats.count_streets_per_node(G), name="street_count")
    report["nodes"] = G.number_of_nodes()
    report["edges"] = G.number_of_edges()
    if G.number_of_nodes() < 2:
        raise NoRoadsError("the drivable road network is too small to route on")
    return G


def _add_segment_lengths(G: nx.MultiDiGraph) -> None:
    """Great-circle segment lengths (m) and ``speed_segments=((length_m, speed_kph),)``."""
    edges = list(G.edges(keys=True, data=True))
    if not edges:
        return
    xs = nx.get_node_attributes(G, "x")
    ys = nx.get_node_attributes(G, "y")
    u = np.array([e[0] for e in edges])
    v = np.array([e[1] for e in edges])
    lat1 = np.array([ys[n] for n in u])
    lon1 = np.array([xs[n] for n in u])
    lat2 = np.array([ys[n] for n in v])
    lon2 = np.array([xs[n] for n in v])
    lengths = ox.distance.great_circle(lat1, lon1, lat2, lon2)
    for (_, _, _, data), length_m in zip(edges, lengths, strict=True):
        data["length"] = float(length_m)
        data["speed_segments"] = ((float(length_m), float(data.pop("_speed_kph"))),)


def _from_osmnx(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Adapt an unsimplified osmnx download to the attributes this module expects."""
    for _, _, data in G.edges(data=True):
        tags = {k: v for k, v in data.items() if isinstance(v, str)}
        data["_speed_kph"] = legal_speed_kph(tags)
        data.pop("length", None)
    G.graph["crs"] = WGS84
    return G


class _osmnx_tags:
    """Temporarily ask osmnx to keep the node and way tags routing needs."""

    def __enter__(self) -> None:
        self._node, self._way = ox.settings.useful_tags_node, ox.settings.useful_tags_way
        ox.settings.useful_tags_node = sorted({*self._node, "barrier", "access", "vehicle",
                                               "motor_vehicle", "motorcar"})
        ox.settings.useful_tags_way = sorted({*self._way, *WAY_TAGS})

    def __exit__(self, *exc: object) -> None:
        ox.settings.useful_tags_node, ox.settings.useful_tags_way = self._node, self._way


__all__ = [
    "NoRoadsError",
    "OsmFileError",
    "graph_from_bbox",
    "graph_from_file",
    "graph_from_place",
    "is_drive_service",
]
