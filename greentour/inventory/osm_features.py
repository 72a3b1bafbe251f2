"""Read green-space features from a local OSM file (I/O only, no decisions).

pyosmium assembles polygons from closed ways and multipolygon relations; green ways and
relations that give no polygon (unclosed or degenerate rings, clipped relations whose members
are missing) are counted and named (``failed_ids``), keeps point features (playground
nodes, ``natural=tree``) and the lines of hedges and tree rows. Every feature carries its
provenance: OSM type, id and version, and all its tags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import osmium
import shapely
import shapely.wkb

from routing.network import OsmFileError, check_osm_path

#: (key, value) pairs that make an OSM object a green-space feature.
GREEN_TAGS: frozenset[tuple[str, str]] = frozenset(
    {
        ("leisure", "park"),
        ("leisure", "playground"),
        ("leisure", "pitch"),
        ("leisure", "dog_park"),
        ("leisure", "garden"),
        ("landuse", "grass"),
        ("landuse", "village_green"),
        ("landuse", "recreation_ground"),
        ("landuse", "meadow"),
        ("landuse", "cemetery"),
        ("amenity", "grave_yard"),
        ("natural", "scrub"),
    }
)
LINE_TAGS: frozenset[tuple[str, str]] = frozenset({("barrier", "hedge"), ("natural", "tree_row")})
TREE_TAG = ("natural", "tree")

COLUMNS = ["osm_type", "osm_id", "osm_version", "kind", "tags", "geometry"]


@dataclass
class OsmFeatures:
    """Features read from one file: a GeoDataFrame in WGS84 plus reading counts.

    ``frame`` columns: ``osm_type`` (node/way/relation), ``osm_id``, ``osm_version``,
    ``kind`` (area, line, point, tree), ``tags`` (dict), ``geometry``.
    """

    frame: gpd.GeoDataFrame
    areas_failed: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    failed_ids: list[str] = field(default_factory=list)
    """``way/123`` of green objects that gave no geometry (degenerate or unclosed rings,
    incomplete relations): counted and named in the import report, never dropped silently"""


def _is_green(tags: osmium.osm.TagList, pairs: frozenset[tuple[str, str]]) -> bool:
    return any(tags.get(k) == v for k, v in pairs)


def read_green_features(path: str | Path) -> OsmFeatures:
    """Read the green-space features of an OSM file (.osm.pbf/.osm/.osm.gz/.osm.bz2).

    Raises
    ------
    routing.network.OsmFileError
        Missing, empty, truncated or corrupt file.
    """
    p = check_osm_path(path)
    factory = osmium.geom.WKBFactory()
    rows: list[dict] = []
    failed = 0
    failed_ids: list[str] = []
    expected: set[str] = set()  # green ways and multipolygons that should become areas
    built: set[str] = set()
    try:
        processor = osmium.FileProcessor(str(p)).with_areas()
        for obj in processor:
            tags = obj.tags
            if obj.is_area():
                if not _is_green(tags, GREEN_TAGS):
                    continue
                key = f"{'way' if obj.from_way() else 'relation'}/{obj.orig_id()}"
                built.add(key)
                try:
                    geom = shapely.wkb.loads(factory.create_multipolygon(obj), hex=True)
                except RuntimeError:
                    failed += 1
                    failed_ids.append(key)
                    continue
                rows.append({
                    "osm_type": "way" if obj.from_way() else "relation",
                    "osm_id": obj.orig_id(),
                    "osm_version": obj.version,
                    "kind": "area",
                    "tags": dict(tags),
                    "geometry": geom,
                })
            elif obj.is_node():
                if not tags:
                    continue
                if tags.get(TREE_TAG[0]) == TREE_TAG[1]:
                    kind = "tree"
                elif _is_green(tags, GREEN_TAGS):
                    kind = "point"
                else:
                    continue
                rows.append({
                    "osm_type": "node", "osm_id": obj.id, "osm_version": obj.version,
                    "kind": kind, "tags": dict(tags),
                    "geometry": shapely.Point(obj.location.lon, obj.location.lat),
                })
            elif obj.is_way() and _is_green(tags, GREEN_TAGS) and not _is_green(tags,
                                                                                 LINE_TAGS):
                expected.add(f"way/{obj.id}")
            elif obj.is_relation() and _is_green(tags, GREEN_TAGS) and tags.get("type") in (
                    "multipolygon", "boundary"):
                expected.add(f"relation/{obj.id}")
            elif obj.is_way() and _is_green(tags, LINE_TAGS):
                coords = [(n.location.lon, n.location.lat) for n in obj.nodes
                          if n.location.valid()]
                if len(coords) < 2:
                    failed += 1
                    failed_ids.append(f"way/{obj.id}")
                    continue
                rows.append({
                    "osm_type": "way", "osm_id": obj.id, "osm_version": obj.version,
                    "kind": "line", "tags": dict(tags), "geometry": shapely.LineString(coords),
                })
    except RuntimeError as exc:
        raise OsmFileError(f"cannot read OSM file {p.name}: {exc}") from exc
    missing = sorted(expected - built, key=lambda k: (k.split("/")[0], int(k.split("/")[1])))
    failed += len(missing)
    failed_ids.extend(missing)
    frame = gpd.GeoDataFrame(rows, columns=COLUMNS, geometry="geometry", crs="EPSG:4326")
    counts = frame["kind"].value_counts().to_dict() if len(frame) else {}
    return OsmFeatures(frame=frame, areas_failed=failed, counts=counts, failed_ids=failed_ids)
