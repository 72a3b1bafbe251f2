"""One site per real area: which OSM site a cadastre site covers (pure).

A town that imports its cadastre (Grünflächenkataster) over an OSM inventory has the same parks
twice. The cadastre is authoritative: an OSM area that the cadastre's areas cover for at least
:data:`COVERED_SHARE` of its own area is linked to the cadastre site that covers most of it; the
OSM site stays as provenance but leaves maintenance (no tasks, no area counted twice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import shapely
from shapely.geometry.base import BaseGeometry

#: share of an OSM area the cadastre must cover for the two to be one site
COVERED_SHARE = 0.5


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
    """Links of OSM areas covered by cadastre areas (both in one metric CRS).

    ``cadastre`` and ``osm`` are ``(site id, polygon)`` pairs; an OSM area is linked when the
    union of the cadastre areas it intersects covers at least ``min_share`` of it, to the
    cadastre area with the largest intersection.
    """
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
        if not hits:
            continue
        parts = [(cid, shapely.intersection(geom, g).area) for cid, g in hits]
        covered = shapely.union_all([g for _, g in hits]).intersection(geom).area
        share = covered / geom.area
        if share >= min_share:
            best = max(parts, key=lambda p: (p[1], -p[0]))[0]
            links.append(Link(osm_id, best, round(share, 3)))
    return links
