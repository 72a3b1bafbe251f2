"""Read drivable ways and barrier nodes from a local OSM file (private I/O module).

pyosmium reads every format osmnx cannot (``.osm.pbf``) as well as XML (``.osm``,
``.osm.gz``, ``.osm.bz2``), so one reader serves all files. The algorithms in
:mod:`routing.graph` only see the plain :class:`RawRoads` this module returns.

Clipped extracts (bbox cuts) hold ways whose node references point outside the file.
Those ways are split into the runs of nodes that exist; runs shorter than two nodes
are dropped. The number of trimmed ways is reported, nothing is fatal about it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import osmium

#: Suffixes pyosmium reads (the compression is detected from the suffix).
SUPPORTED_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".osm.bz2", ".xml")

#: Node tags kept for routing (barriers and their access exceptions).
NODE_TAGS = (
    "barrier",
    "access",
    "vehicle",
    "motor_vehicle",
    "motorcar",
    "agricultural",
    "highway",
)


class OsmFileError(ValueError):
    """The OSM file cannot be read (missing, empty, truncated or corrupt)."""


@dataclass
class RawRoads:
    """Drivable ways and the nodes they use, straight from the file.

    ``nodes`` maps an OSM node id to ``(lon, lat)`` in WGS84 degrees; ``node_tags``
    holds the routing tags of tagged nodes only; ``ways`` are ``(way_id, node_ids,
    tags)`` with clipped ways already split into existing runs.
    """

    nodes: dict[int, tuple[float, float]] = field(default_factory=dict)
    node_tags: dict[int, dict[str, str]] = field(default_factory=dict)
    ways: list[tuple[int, list[int], dict[str, str]]] = field(default_factory=list)
    ways_read: int = 0
    ways_trimmed: int = 0
    ways_dropped: int = 0


def check_osm_path(path: str | Path) -> Path:
    """Return ``path`` as a Path after checking it exists, is non-empty and has an OSM suffix."""
    p = Path(path)
    if not p.is_file():
        raise OsmFileError(f"OSM file not found: {p}")
    if p.stat().st_size == 0:
        raise OsmFileError(f"OSM file is empty: {p.name}")
    name = p.name.lower()
    if not name.endswith(SUPPORTED_SUFFIXES):
        raise OsmFileError(
            f"unsupported OSM file type: {p.name} (expected one of {', '.join(SUPPORTED_SUFFIXES)})"
        )
    return p


def read_drivable_ways(
    path: str | Path, keep_way: Callable[[Mapping[str, str]], bool]
) -> RawRoads:
    """Read the ways accepted by ``keep_way`` and the coordinates of their nodes.

    Parameters
    ----------
    path
        Local OSM file (.osm.pbf, .osm, .osm.gz, .osm.bz2).
    keep_way
        Predicate on a way's tags (e.g. the ``drive_service`` filter).

    Raises
    ------
    OsmFileError
        When the file is missing, empty, truncated or not OSM data.
    """
    p = check_osm_path(path)
    raw = RawRoads()
    wanted_ways: list[tuple[int, list[int], dict[str, str]]] = []
    try:
        fp = osmium.FileProcessor(str(p)).with_locations()
        for obj in fp:
            if obj.is_node():
                tags = obj.tags
                if "barrier" in tags or "highway" in tags:
                    kept = {k: tags[k] for k in NODE_TAGS if k in tags}
                    if kept:
                        raw.node_tags[obj.id] = kept
            elif obj.is_way():
                tags = obj.tags
                if "highway" not in tags:
                    continue
                tag_dict = {t.k: t.v for t in tags}
                if not keep_way(tag_dict):
                    continue
                refs: list[int] = []
                for n in obj.nodes:
                    loc = n.location
                    if loc.valid():
                        raw.nodes[n.ref] = (loc.lon, loc.lat)
                        refs.append(n.ref)
                    else:
                        refs.append(-1)  # missing node: marks a cut
                wanted_ways.append((obj.id, refs, tag_dict))
    except RuntimeError as exc:  # osmium signals truncated/corrupt input this way
        raise OsmFileError(f"cannot read OSM file {p.name}: {exc}") from exc

    raw.ways_read = len(wanted_ways)
    for way_id, refs, tags in wanted_ways:
        if -1 not in refs:
            raw.ways.append((way_id, refs, tags))
            continue
        raw.ways_trimmed += 1
        run: list[int] = []
        kept_any = False
        for ref in [*refs, -1]:
            if ref == -1:
                if len(run) >= 2:
                    raw.ways.append((way_id, run, tags))
                    kept_any = True
                run = []
            else:
                run.append(ref)
        if not kept_any:
            raw.ways_dropped += 1
    # keep only the tags of nodes actually on a kept way
    used = {n for _, refs, _ in raw.ways for n in refs}
    raw.node_tags = {n: t for n, t in raw.node_tags.items() if n in used}
    raw.nodes = {n: xy for n, xy in raw.nodes.items() if n in used}
    return raw
