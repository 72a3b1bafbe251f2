"""The tenant's metric CRS for areas, lengths and GeoPackage output.

Germany spans UTM zones 32 and 33: ETRS89 / UTM 32N (EPSG:25832) is the default, UTM 33N
(EPSG:25833) is used east of 12° E (as Brandenburg, Berlin, Saxony and Mecklenburg-Vorpommern do).
"""

from __future__ import annotations

from collections.abc import Iterable

from shapely.geometry.base import BaseGeometry

UTM32_EPSG = 25832
UTM33_EPSG = 25833
ZONE_BORDER_LON = 12.0


def metric_epsg_for_lon(lon: float) -> int:
    """EPSG code of the metric CRS for a longitude in degrees (WGS84)."""
    return UTM33_EPSG if lon > ZONE_BORDER_LON else UTM32_EPSG


def metric_epsg_for(geometries: Iterable[BaseGeometry], default: int = UTM32_EPSG) -> int:
    """Metric CRS for a set of WGS84 geometries, chosen by the mean longitude of their bounds."""
    lons: list[float] = []
    for geom in geometries:
        if geom is None or geom.is_empty:
            continue
        minx, _, maxx, _ = geom.bounds
        lons.append((minx + maxx) / 2.0)
    if not lons:
        return default
    return metric_epsg_for_lon(sum(lons) / len(lons))
