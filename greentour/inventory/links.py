"""One site per real area: which OSM site a cadastre site covers (pure).

A town that imports its cadastre (Grünflächenkataster) over an OSM inventory has the same parks
twice. The cadastre is authoritative: an OSM area is the same real area as the cadastre areas
that lie mostly inside it (at least :data:`COVERED_SHARE` of each), when together they cover at
least :data:`COVERED_SHARE` of the OSM area (a park digitised as several lawn parcels), or as one
cadastre area overlapping it by at least that share of their union. A small OSM playground
inside a large cadastre park is neither: it stays its own site. An OSM line (a hedge, a tree
row) is the same as a cadastre area of its category when at least :data:`COVERED_SHARE` of its
length lies within :data:`LINE_BUFFER_M` of it. A linked OSM site points at the cadastre area
that shares most of it; it stays as provenance but leaves maintenance (no tasks, no area
counted twice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import shapely
from shapely.geometry.base import BaseGeometry

#: share of an OSM area the cadastre must cover for the two to be one site
COVERED_SHARE = 0.5
#: an OSM line this close to a cadastre area of its category lies on it (metres)
LINE_BUFFER_M = 2.0


@dataclass(frozen=True)
class Link:
    """OSM site ``osm_id`` is covered by cadastre site ``cadastre_id`` (``share`` of its area
    covered by the whole cadastre)."""

    osm_id: int
    cadastre_id: int
    share: float


def covered_links(cadastre: Sequence[tuple[int, BaseGeometry]],
                  osm: Sequence[tuple[int, BaseGeometry]],
                  min_share: float = COVERED_SHARE) -> list[Link]:
    """Links of OSM areas to the cadastre areas that are the same real area (both sequences
    of ``(site id, polygon)`` in one metric CRS; see the module doc for the rule)."""
    polys = [(i, g) for i, g in cadastre if g.geom_type in ("Polygon", "MultiPolygon")
             and g.area > 0]
    if not polys:
        return []
    tree = shapely.STRtree([g for _, g in polys])
    links = []
    for osm_id, geom in osm:
        if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.area <= 0:
            continue
        hits = [polys[j] for j in tree.query(geom, predicate="intersects")]
        shared = [(cid, g, shapely.intersection(geom, g).area) for cid, g in hits]
        inside = [(cid, g, a) for cid, g, a in shared if a >= min_share * g.area]
        same = [(cid, g, a) for cid, g, a in shared
                if a >= min_share * shapely.union(geom, g).area]
        share = 0.0
        if inside:
            share = shapely.union_all([g for _, g, _ in inside]).intersection(geom).area \
                / geom.area
        if share < min_share and same:
            inside, share = same, max(a for _, _, a in same) / geom.area
        if share >= min_share:
            best = max(inside, key=lambda p: (p[2], -p[0]))[0]
            links.append(Link(osm_id, best, round(share, 3)))
    return links


def covered_line_links(cadastre: Sequence[tuple[int, str, BaseGeometry]],
                       osm: Sequence[tuple[int, str, BaseGeometry]],
                       min_share: float = COVERED_SHARE,
                       buffer_m: float = LINE_BUFFER_M) -> list[Link]:
    """Links of OSM lines (hedges, tree rows) to cadastre areas of the same category that they
    lie on (``(site id, category, geometry)`` triples in one metric CRS)."""
    polys = [(i, c, g.buffer(buffer_m)) for i, c, g in cadastre
             if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polys:
        return []
    tree = shapely.STRtree([g for _, _, g in polys])
    links = []
    for osm_id, category, line in osm:
        if line.geom_type not in ("LineString", "MultiLineString") or line.length <= 0:
            continue
        hits = [polys[j] for j in tree.query(line, predicate="intersects")
                if polys[j][1] == category]
        if not hits:
            continue
        parts = [(cid, shapely.intersection(line, g).length) for cid, _, g in hits]
        share = shapely.union_all([g for _, _, g in hits]).intersection(line).length / line.length
        if share >= min_share:
            best = max(parts, key=lambda p: (p[1], -p[0]))[0]
            links.append(Link(osm_id, best, round(share, 3)))
    return links
