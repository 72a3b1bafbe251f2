"""Traffic-safety priority and noise sensitivity of sites from their surroundings (OSM).

**Traffic safety** (Verkehrssicherungspflicht). Vegetation must keep the clearance profile free:
4.50 m height over carriageways, 2.50 m over foot and cycle paths (RASt 06 / ERA 2010; the usual
municipal requirement), and sight triangles at junctions free above 0.80 m. A hedge or tree is
*within* the profile when its geometry, widened by its overhang (hedge: 1.0 m, tree: crown radius,
default 3 m or half the ``diameter_crown`` tag), reaches into the road's cross-section
(half of the carriageway width by highway class, or of a 2 m path). It is in a *sight triangle*
when it lies within ``sight_leg_m`` (default 20 m) of a junction of three or more carriageway
segments and within 5 m of the carriageway edge. This is a geometric screening from OSM
centrelines without real widths: it flags candidates for the planner, it does not replace the
inspection on site.

**Noise sensitivity** (32. BImSchV §7 applies in residential areas): a site is *suggested* as
noise-sensitive when it lies within ``residential_buffer_m`` (default 50 m) of an OSM
``landuse=residential`` area; the planner confirms or rejects the suggestion.

Geometries are shapely objects in a metric CRS (EPSG:25832); I/O is in
:mod:`greentour.demand._osm_context`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shapely import STRtree
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

CARRIAGEWAY_WIDTH_M = {
    "motorway": 11.0,
    "trunk": 8.0,
    "primary": 7.0,
    "secondary": 6.5,
    "tertiary": 6.0,
    "unclassified": 5.0,
    "residential": 5.5,
    "living_street": 4.5,
    "service": 3.5,
    "motorway_link": 5.0,
    "trunk_link": 5.0,
    "primary_link": 5.0,
    "secondary_link": 5.0,
    "tertiary_link": 5.0,
}
"""Typical carriageway widths (m) per highway class (RASt 06 standard cross-sections, rounded)."""
PATH_CLASSES = {"footway", "cycleway", "path", "pedestrian", "bridleway", "steps"}
PATH_WIDTH_M = 2.0
CARRIAGEWAY_CLEARANCE_M = 4.50
PATH_CLEARANCE_M = 2.50
SIGHT_TRIANGLE_HEIGHT_M = 0.80
HEDGE_OVERHANG_M = 1.0
TREE_CROWN_RADIUS_M = 3.0


@dataclass(frozen=True)
class Road:
    """A road or path centreline in metres, with its OSM highway class."""

    geometry: BaseGeometry
    highway: str

    @property
    def is_carriageway(self) -> bool:
        """True for roads cars drive on (as opposed to foot and cycle paths)."""
        return self.highway in CARRIAGEWAY_WIDTH_M

    @property
    def half_width_m(self) -> float:
        """Half the cross-section width the vegetation must keep free, metres."""
        if self.is_carriageway:
            return CARRIAGEWAY_WIDTH_M[self.highway] / 2
        return PATH_WIDTH_M / 2


@dataclass(frozen=True)
class TrafficSafety:
    """Result of the screening for one site."""

    priority: bool
    reason: str = ""
    clearance_height_m: float | None = None
    distance_m: float | None = None


class RoadContext:
    """Roads, paths and junctions of a town, indexed for nearest queries (metres)."""

    def __init__(self, roads: Sequence[Road], junctions: Sequence[Point] = ()):
        self.roads = [r for r in roads if r.is_carriageway or r.highway in PATH_CLASSES]
        self._tree = STRtree([r.geometry for r in self.roads])
        self.junctions = list(junctions) or _junctions(
            [r for r in self.roads if r.is_carriageway and r.highway != "service"]
        )
        self._jtree = STRtree(self.junctions) if self.junctions else None

    def screen(
        self, geometry: BaseGeometry, kind: str, overhang_m: float | None = None,
        sight_leg_m: float = 20.0,
    ) -> TrafficSafety:
        """Screen a hedge (``kind="hedge"``) or tree (``kind="tree"``) geometry."""
        if overhang_m is None:
            overhang_m = HEDGE_OVERHANG_M if kind == "hedge" else TREE_CROWN_RADIUS_M
        reach = geometry.buffer(overhang_m) if overhang_m > 0 else geometry
        best: TrafficSafety | None = None
        for idx in self._tree.query(reach, predicate="dwithin", distance=6.0):
            road = self.roads[int(idx)]
            dist = road.geometry.distance(geometry)
            if dist - overhang_m > road.half_width_m:
                continue
            height = CARRIAGEWAY_CLEARANCE_M if road.is_carriageway else PATH_CLEARANCE_M
            what = "Fahrbahn" if road.is_carriageway else "Geh-/Radweg"
            cand = TrafficSafety(
                True,
                f"Lichtraumprofil {what} ({road.highway}): {height:.2f} m freihalten",
                height,
                round(dist, 1),
            )
            if best is None or (cand.clearance_height_m or 0) > (best.clearance_height_m or 0):
                best = cand
        if self._jtree is not None:
            near_j = self._jtree.query(geometry, predicate="dwithin", distance=sight_leg_m)
            if len(near_j):
                for idx in self._tree.query(geometry, predicate="dwithin", distance=10.0):
                    road = self.roads[int(idx)]
                    if not road.is_carriageway:
                        continue
                    if road.geometry.distance(geometry) - road.half_width_m <= 5.0:
                        reason = (
                            f"Sichtdreieck an Einmündung: über {SIGHT_TRIANGLE_HEIGHT_M:.2f} m "
                            "freihalten"
                        )
                        if best is None:
                            return TrafficSafety(True, reason, SIGHT_TRIANGLE_HEIGHT_M, None)
                        return TrafficSafety(True, best.reason + "; " + reason,
                                             best.clearance_height_m, best.distance_m)
        return best or TrafficSafety(False)


def _junctions(carriageways: Iterable[Road]) -> list[Point]:
    """Junctions: three or more way ends meet, or a way ends on another way's inner vertex."""
    ends: dict[tuple[float, float], int] = {}
    inner: set[tuple[float, float]] = set()
    for road in carriageways:
        coords = [(round(x, 1), round(y, 1)) for x, y, *_ in road.geometry.coords]
        for end in (coords[0], coords[-1]):
            ends[end] = ends.get(end, 0) + 1
        inner.update(coords[1:-1])
    return [Point(k) for k, c in ends.items() if c >= 3 or k in inner]


def noise_suggestion(
    geometry: BaseGeometry, residential_tree: STRtree | None, buffer_m: float = 50.0
) -> bool:
    """True when the site lies within ``buffer_m`` of a residential landuse area."""
    if residential_tree is None:
        return False
    return len(residential_tree.query(geometry, predicate="dwithin", distance=buffer_m)) > 0
