"""Read a town's roads, paths and residential areas from an OSM file (GDAL/pyogrio).

I/O only; the screening itself is in :mod:`greentour.demand.clearance`. Geometries are returned
in EPSG:25832 (metres). The Lauf extract is clipped at its bounding box and has a few degenerate
rings, hence ``on_invalid="ignore"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyogrio
from shapely import STRtree

from greentour.demand.clearance import CARRIAGEWAY_WIDTH_M, PATH_CLASSES, Road, RoadContext

METRIC_CRS = "EPSG:25832"


@dataclass(frozen=True)
class OsmContext:
    """Roads (for traffic safety) and residential areas (for noise) of one OSM file."""

    roads: RoadContext
    residential: STRtree | None
    residential_count: int


@lru_cache(maxsize=4)
def read_osm_context(path: str | Path) -> OsmContext:
    """Read roads/paths (lines layer) and ``landuse=residential`` polygons, cached per file."""
    path = str(path)
    lines = pyogrio.read_dataframe(
        path, layer="lines", columns=["osm_id", "highway"],
        where="highway IS NOT NULL", on_invalid="ignore",
    )
    keep = set(CARRIAGEWAY_WIDTH_M) | PATH_CLASSES
    lines = lines[lines["highway"].isin(keep)].to_crs(METRIC_CRS)
    roads = [
        Road(geom, hw)
        for geom, hw in zip(lines.geometry, lines["highway"], strict=True)
        if geom is not None and not geom.is_empty
    ]
    polys = pyogrio.read_dataframe(
        path, layer="multipolygons", columns=["landuse"],
        where="landuse = 'residential'", on_invalid="ignore",
    ).to_crs(METRIC_CRS)
    geoms = [g for g in polys.geometry if g is not None and not g.is_empty]
    return OsmContext(RoadContext(roads), STRtree(geoms) if geoms else None, len(geoms))
