"""The town's extent and the check that imported coordinates lie in it (pure).

A cadastre whose coordinates are read with the wrong axis order (lat/lon instead of lon/lat) or
in the wrong coordinate reference system lands kilometres away from the town: such a file is
refused before anything is stored, with one line naming the file, the first feature outside and
the likely reason. The extent is the bounding box of the town's road network (the OSM extract the
tenant plans on) widened by :data:`MARGIN_M`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import shapely
from shapely.geometry.base import BaseGeometry

#: features this far outside the road network's bounding box are still accepted (metres)
MARGIN_M = 2000.0
_M_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True)
class Extent:
    """A WGS84 bounding box (degrees) of the town, with its name for messages."""

    west: float
    south: float
    east: float
    north: float
    name: str = ""

    def widened(self, margin_m: float = MARGIN_M) -> Extent:
        """The box grown by ``margin_m`` metres on every side."""
        dlat = margin_m / _M_PER_DEG_LAT
        dlon = margin_m / (_M_PER_DEG_LAT * max(math.cos(math.radians(self.centre[1])), 0.01))
        return Extent(self.west - dlon, self.south - dlat, self.east + dlon, self.north + dlat,
                      self.name)

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.west + self.east) / 2, (self.south + self.north) / 2)

    def contains(self, lon: float, lat: float) -> bool:
        return self.west <= lon <= self.east and self.south <= lat <= self.north

    def distance_km(self, lon: float, lat: float) -> float:
        """Great-circle distance (km) from a point to the nearest point of the box."""
        near_lon = min(max(lon, self.west), self.east)
        near_lat = min(max(lat, self.south), self.north)
        return _haversine_km(lon, lat, near_lon, near_lat)


def _haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    if not all(math.isfinite(v) for v in (lon1, lat1, lon2, lat2)):
        return math.inf
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def graph_extent(G: nx.MultiDiGraph, name: str = "") -> Extent:
    """The bounding box of a road graph's nodes (WGS84 ``x``/``y``)."""
    xs = [d["x"] for _, d in G.nodes(data=True)]
    ys = [d["y"] for _, d in G.nodes(data=True)]
    return Extent(min(xs), min(ys), max(xs), max(ys), name)


@dataclass(frozen=True)
class Outside:
    """The first feature outside the extent, why, and how many are outside."""

    feature: str
    distance_km: float
    reason: str
    count: int
    total: int
    index: int = 0
    """position of the first outside geometry in the checked sequence"""

    def message(self, file_name: str, town: str) -> str:
        """One German line: file, feature, distance and reason."""
        where = f"des Gebiets von {town}" if town else "des Ortsgebiets"
        far = "unbekannt weit" if not math.isfinite(self.distance_km) else \
            f"{self.distance_km:,.0f} km".replace(",", ".")
        return (f"{file_name}: Objekt {self.feature} liegt außerhalb {where} ({far} entfernt"
                f"; {self.reason}); {self.count} von {self.total} Objekten betroffen – "
                "nichts gespeichert")


def outside_extent(geometries: Sequence[BaseGeometry], labels: Sequence[str], extent: Extent,
                   crs_text: str = "") -> Outside | None:
    """The first geometry (WGS84) whose representative point lies outside ``extent`` (already
    widened), None when all lie inside. The reason says "Längen- und Breitengrad vertauscht"
    when the swapped point lies inside, else names the coordinate system as the suspect."""
    outside: list[int] = []
    for i, geom in enumerate(geometries):
        lon, lat = _point(geom)
        if not extent.contains(lon, lat):
            outside.append(i)
    if not outside:
        return None
    first = outside[0]
    lon, lat = _point(geometries[first])
    if extent.contains(lat, lon):
        reason = "Längen- und Breitengrad vertauscht? (Achsenreihenfolge prüfen)"
    else:
        crs = f" {crs_text}" if crs_text else ""
        reason = f"falsches Koordinatensystem{crs}?"
    return Outside(labels[first], extent.distance_km(lon, lat), reason, len(outside),
                   len(geometries), first)


def swapped_inside(geom: BaseGeometry, crs: object, extent: Extent) -> bool:
    """Whether ``geom`` (in its source ``crs``) lands inside ``extent`` with its two axes
    swapped (easting/northing of a projected file exchanged)."""
    try:
        swapped = shapely.transform(geom, lambda xy: xy[:, ::-1])
        moved = gpd.GeoSeries([swapped], crs=crs).to_crs("EPSG:4326").iloc[0]
    except Exception:  # noqa: BLE001 - PROJ refuses coordinates outside the CRS's domain
        return False
    lon, lat = _point(moved)
    return extent.contains(lon, lat)


def _point(geom: BaseGeometry) -> tuple[float, float]:
    try:
        p = geom.representative_point()
        return float(p.x), float(p.y)
    except Exception:  # noqa: BLE001 - shapely raises GEOSException on infinite coordinates
        x0, y0, _, _ = geom.bounds
        return float(x0), float(y0)

