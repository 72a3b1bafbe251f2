"""What a town's OSM file offers before anything is imported: readable, roads, extent, and where
named OSM objects (the depot, green-waste yards) are.

The extent is the bounding box of the drivable road network (osmnx' ``drive_service`` rule, the
same as :func:`routing.graph.graph_from_file`), so a place inside it can be reached by road.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import osmium
import shapely

from routing.network import OsmFileError, check_osm_path, is_drive_service, read_drivable_ways

_REF = re.compile(r"^(node|way|relation)/(\d+)$")


@dataclass(frozen=True)
class OsmFacts:
    """Summary of an OSM file: drivable ways and the extent (lon_min, lat_min, lon_max, lat_max)
    of their nodes in WGS84 degrees."""

    path: Path
    roads: int
    extent: tuple[float, float, float, float]
    road_lines: tuple[tuple[tuple[float, float], ...], ...] = ()
    """The drivable ways as (lon, lat) lines, 5 decimals (the map of "Ort einrichten")."""

    def contains(self, lon: float, lat: float) -> bool:
        """True when (lon, lat) lies inside the extent."""
        lon_min, lat_min, lon_max, lat_max = self.extent
        return lon_min <= lon <= lon_max and lat_min <= lat <= lat_max

    def roads_geojson(self) -> dict:
        """The drivable ways as a GeoJSON FeatureCollection (one MultiLineString), with the
        ODbL attribution."""
        return {
            "type": "FeatureCollection",
            "licence": "© OpenStreetMap contributors, ODbL",
            "features": [{
                "type": "Feature",
                "properties": {"kind": "roads"},
                "geometry": {"type": "MultiLineString",
                             "coordinates": [list(map(list, line)) for line in self.road_lines
                                             if len(line) >= 2]},
            }],
        }

    def extent_text(self) -> str:
        """The extent for messages: "11.2474–11.3068 O, 49.4995–49.5304 N"."""
        lon_min, lat_min, lon_max, lat_max = self.extent
        return f"{lon_min:.4f}–{lon_max:.4f} O, {lat_min:.4f}–{lat_max:.4f} N"


class TownOsmError(ValueError):
    """The OSM file or a place in it does not do for a town (German message)."""


def inspect_osm(path: str | Path) -> OsmFacts:
    """Check that ``path`` is a readable OSM file with drivable roads; its :class:`OsmFacts`."""
    try:
        p = check_osm_path(path)
        raw = read_drivable_ways(p, is_drive_service)
    except OsmFileError as exc:
        if not Path(path).is_file():
            raise TownOsmError(f"OSM-Datei nicht gefunden: {path}") from None
        raise TownOsmError(f"OSM-Datei {Path(path).name} nicht lesbar: {exc}") from None
    if not raw.ways:
        raise TownOsmError(f"OSM-Datei {p.name} enthält keine befahrbaren Straßen")
    used = {n for _, nodes, _ in raw.ways for n in nodes}
    lons = [raw.nodes[n][0] for n in used if n in raw.nodes]
    lats = [raw.nodes[n][1] for n in used if n in raw.nodes]
    lines = tuple(
        tuple((round(raw.nodes[n][0], 5), round(raw.nodes[n][1], 5)) for n in nodes
              if n in raw.nodes)
        for _, nodes, _ in raw.ways
    )
    return OsmFacts(p, len(raw.ways), (min(lons), min(lats), max(lons), max(lats)), lines)




@dataclass(frozen=True)
class OsmPlace:
    """An OSM object's position (node location or the centroid of a way) and its name tag."""

    ref: str
    lon: float
    lat: float
    name: str


def parse_ref(ref: str) -> tuple[str, int]:
    """``"way/45181081"`` → ("way", 45181081); :class:`TownOsmError` otherwise."""
    match = _REF.match(ref.strip())
    if not match:
        raise TownOsmError(f"OSM-Kennung „{ref}“ unlesbar (erwartet node/123 oder way/123)")
    return match.group(1), int(match.group(2))


def locate_osm_objects(path: Path, refs: list[str]) -> dict[str, OsmPlace]:
    """Where the nodes and ways ``refs`` are; :class:`TownOsmError` naming the first missing one.

    Relations are not located (give the depot as a node or way, or by position).
    """
    wanted = {parse_ref(r): r.strip() for r in refs}
    if any(kind == "relation" for kind, _ in wanted):
        raise TownOsmError("Relationen lassen sich nicht verorten: bitte node/… oder way/… "
                           "oder eine Position angeben")
    found: dict[str, OsmPlace] = {}
    nodes = {i for kind, i in wanted if kind == "node"}
    ways = {i for kind, i in wanted if kind == "way"}
    processor = osmium.FileProcessor(str(path)).with_locations()
    for obj in processor:
        if obj.is_node() and obj.id in nodes:
            ref = wanted[("node", obj.id)]
            found[ref] = OsmPlace(ref, obj.location.lon, obj.location.lat,
                                  obj.tags.get("name", ""))
        elif obj.is_way() and obj.id in ways:
            coords = [(n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()]
            if not coords:
                continue
            shape = (shapely.Polygon(coords) if len(coords) >= 4 and coords[0] == coords[-1]
                     else shapely.MultiPoint(coords))
            centre = shape.centroid
            ref = wanted[("way", obj.id)]
            found[ref] = OsmPlace(ref, round(centre.x, 7), round(centre.y, 7),
                                  obj.tags.get("name", ""))
    for ref in wanted.values():
        if ref not in found:
            raise TownOsmError(f"{ref} steht nicht in der OSM-Datei {path.name}")
    return found
