"""Turn raw OSM green features into site candidates: category, status, merges (pure).

GeoDataFrame in, GeoDataFrame out; no database and no files. OpenStreetMap is not a
maintenance inventory, so the status rules are deliberately cautious:

* **never accepted automatically**: private gardens (``access=private`` or
  ``garden:type=residential``), farmland meadows (``landuse=meadow`` not operated by the
  town), unmanaged scrub (``natural=scrub``) and anything tagged ``access=private``;
* **accepted** (in maintenance, own crews): categories of the whitelist (by default public
  parks, playgrounds and cemeteries) and features whose ``operator``/``owner`` names the
  town;
* a curated acceptance list (OSM ids and decisions) may accept or reject further features
  but cannot accept a private garden or a farmland meadow;
* everything else stays a **candidate** the planner confirms in bulk.

Double-tagged duplicates (two OSM objects drawing the same area, or a playground node
inside its playground polygon) and slivers (tiny or hair-thin polygons) are merged into
the site they belong to; their provenance is kept in ``merged_from``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import shapely

METRIC_CRS = "EPSG:25832"

#: (key, value) -> category, in priority order: the first match names a double-tagged object.
CATEGORY_RULES: tuple[tuple[str, str, str], ...] = (
    ("landuse", "cemetery", "cemetery"),
    ("amenity", "grave_yard", "cemetery"),
    ("leisure", "playground", "playground"),
    ("leisure", "pitch", "sports_pitch"),
    ("leisure", "dog_park", "dog_park"),
    ("leisure", "park", "park"),
    ("leisure", "garden", "garden"),
    ("landuse", "recreation_ground", "recreation_ground"),
    ("landuse", "village_green", "village_green"),
    ("landuse", "grass", "lawn"),
    ("landuse", "meadow", "meadow"),
    ("natural", "scrub", "scrub"),
    ("barrier", "hedge", "hedge"),
    ("natural", "tree_row", "tree_group"),
)
CATEGORY_PRIORITY = {cat: i for i, (_, _, cat) in enumerate(CATEGORY_RULES)}
DEFAULT_ACCEPT = frozenset({"park", "playground", "cemetery"})

STATUS_ACCEPTED, STATUS_CANDIDATE, STATUS_REJECTED = "accepted", "candidate", "rejected"


@dataclass(frozen=True)
class AcceptancePolicy:
    """The configurable whitelist and the curated decisions.

    ``accept_categories`` are accepted by default (tenant ``[care_classes.<c>]
    accept_by_default``); ``town_patterns`` are regexes matched against ``operator`` and
    ``owner`` (e.g. ``r"\\bStadt Lauf\\b"``); ``decisions`` map ``"way/123"`` to
    ``"accept"``, ``"reject"`` or ``"candidate"``.
    """

    accept_categories: frozenset[str] = DEFAULT_ACCEPT
    town_patterns: tuple[str, ...] = ()
    decisions: Mapping[str, str] = field(default_factory=dict)

    def town_operated(self, tags: Mapping[str, str]) -> bool:
        """True when ``operator`` or ``owner`` names the town."""
        for key in ("operator", "owner"):
            value = tags.get(key)
            if value and any(re.search(p, value, re.IGNORECASE) for p in self.town_patterns):
                return True
        return False


@dataclass
class ClassifyStats:
    """What the classification merged, dropped and counted."""

    duplicates_merged: int = 0
    points_merged: int = 0
    slivers_merged: int = 0
    slivers_dropped: int = 0
    trees_total: int = 0
    trees_in_sites: int = 0
    decisions_applied: int = 0
    decisions_refused: list[str] = field(default_factory=list)
    decisions_unknown: list[str] = field(default_factory=list)


def category_of(tags: Mapping[str, str]) -> str | None:
    """Site category of an OSM object's tags (highest priority match), None if not green."""
    for key, value, category in CATEGORY_RULES:
        if tags.get(key) == value:
            return category
    return None


#: the classification's reasons (stored in German in the tag ``greentour:reason``) in English
REASONS_EN = {
    "zu bestätigen": "to be confirmed",
    "Privatgarten": "private garden",
    "nicht öffentlich (access=private)": "not public (access=private)",
    "landwirtschaftliche Wiese": "farmland meadow",
    "Gebüsch ohne Pflege (natural=scrub)": "unmanaged scrub (natural=scrub)",
    "Annahmeliste": "acceptance list",
    "Betreiber/Eigentümer ist die Stadt": "operated or owned by the town",
    "Positivliste der Kategorie": "accepted category",
}
_REFUSED = " (Annahme aus Liste abgelehnt)"


def reason_label(reason: str, lang: str = "de") -> str:
    """A stored classification reason in ``lang`` ("zu bestätigen" -> "to be confirmed");
    another reason as stored."""
    if lang != "en" or not reason:
        return reason
    if reason.endswith(_REFUSED):
        base = reason.removesuffix(_REFUSED)
        return f"{REASONS_EN.get(base, base)} (acceptance from the list refused)"
    return REASONS_EN.get(reason, reason)


def never_auto_reason(category: str, tags: Mapping[str, str], town: bool) -> str | None:
    """Why a feature may never be accepted automatically (None: no objection)."""
    if category == "garden" and (tags.get("access") == "private"
                                 or tags.get("garden:type") == "residential"):
        return "Privatgarten"
    if tags.get("access") in {"private", "no"}:
        return "nicht öffentlich (access=private)"
    if category == "meadow" and not town:
        return "landwirtschaftliche Wiese"
    if category == "scrub":
        return "Gebüsch ohne Pflege (natural=scrub)"
    return None


def _status(category: str, tags: Mapping[str, str], key: str,
            policy: AcceptancePolicy, stats: ClassifyStats) -> tuple[str, str]:
    town = policy.town_operated(tags)
    blocked = never_auto_reason(category, tags, town)
    decision = policy.decisions.get(key)
    if decision is not None:
        stats.decisions_applied += 1
        if decision == "accept":
            if blocked in {"Privatgarten", "landwirtschaftliche Wiese"}:
                stats.decisions_refused.append(f"{key}: {blocked}")
                return STATUS_CANDIDATE, f"{blocked}{_REFUSED}"
            return STATUS_ACCEPTED, "Annahmeliste"
        if decision == "reject":
            return STATUS_REJECTED, "Annahmeliste"
        return STATUS_CANDIDATE, "Annahmeliste"
    if blocked:
        return STATUS_CANDIDATE, blocked
    if town:
        return STATUS_ACCEPTED, "Betreiber/Eigentümer ist die Stadt"
    if category in policy.accept_categories:
        return STATUS_ACCEPTED, "Positivliste der Kategorie"
    return STATUS_CANDIDATE, "zu bestätigen"


def classify_features(
    features: gpd.GeoDataFrame,
    policy: AcceptancePolicy | None = None,
    *,
    sliver_area_m2: float = 15.0,
    sliver_width_m: float = 1.0,
    duplicate_overlap: float = 0.9,
) -> tuple[gpd.GeoDataFrame, ClassifyStats]:
    """Classify raw features (:func:`read_green_features` frame) into site rows.

    Returns a GeoDataFrame in WGS84 with ``key`` ("way/123"), ``osm_type``, ``osm_id``,
    ``osm_version``, ``category``, ``name``, ``status``, ``in_maintenance``, ``reason``,
    ``area_m2``, ``length_m``, ``tree_count``, ``tags``, ``merged_from`` and ``geometry``.
    """
    policy = policy or AcceptancePolicy()
    stats = ClassifyStats()
    frame = features.to_crs(METRIC_CRS) if len(features) else features.copy()
    trees = frame[frame["kind"] == "tree"] if len(frame) else frame
    stats.trees_total = len(trees)
    sites = frame[frame["kind"] != "tree"].copy() if len(frame) else frame.copy()
    sites["category"] = [category_of(t) for t in sites["tags"]]
    sites = sites[sites["category"].notna()].copy()
    sites["key"] = sites["osm_type"] + "/" + sites["osm_id"].astype(str)
    sites["merged_from"] = [[] for _ in range(len(sites))]
    sites["geometry"] = shapely.make_valid(sites.geometry.values)
    sites = sites.reset_index(drop=True)

    drop: set[int] = set()
    # one OSM object is one site: a closed hedge way that also tags an area stays the area
    first_of_key: dict[str, int] = {}
    for i in sites.sort_values("kind").index:  # "area" sorts before "line" and "point"
        key = sites.at[i, "key"]
        if key in first_of_key:
            sites.at[first_of_key[key], "merged_from"].append(f"{key} ({sites.at[i, 'kind']})")
            drop.add(i)
            stats.duplicates_merged += 1
        else:
            first_of_key[key] = i
    areas = [i for i in sites.index[sites["kind"] == "area"] if i not in drop]
    area_geoms = sites.geometry.values
    tree = shapely.STRtree(area_geoms[areas]) if areas else None

    # double-tagged duplicates: two area objects drawing (nearly) the same polygon
    if tree is not None:
        left, right = tree.query(area_geoms[areas], predicate="intersects")
        for li, ri in zip(left, right, strict=True):
            a, b = areas[li], areas[ri]
            if a >= b or a in drop or b in drop:
                continue
            ga, gb = area_geoms[a], area_geoms[b]
            union = shapely.union(ga, gb).area
            if union <= 0 or shapely.intersection(ga, gb).area / union < duplicate_overlap:
                continue
            keep, lose = sorted((a, b), key=lambda i: (
                CATEGORY_PRIORITY[sites.at[i, "category"]], sites.at[i, "osm_id"]))
            sites.at[keep, "merged_from"].append(sites.at[lose, "key"])
            drop.add(lose)
            stats.duplicates_merged += 1

    # point features inside an area of the same category are the same site
    if tree is not None:
        for i in sites.index[sites["kind"] == "point"]:
            hits = [areas[j] for j in tree.query(area_geoms[i], predicate="dwithin",
                                                  distance=10.0)]
            same = [h for h in hits if h not in drop
                    and sites.at[h, "category"] == sites.at[i, "category"]]
            if same:
                sites.at[same[0], "merged_from"].append(sites.at[i, "key"])
                drop.add(i)
                stats.points_merged += 1

    # slivers: tiny or hair-thin polygons join the polygon they touch, else they go
    for i in areas:
        if i in drop:
            continue
        g = area_geoms[i]
        width_m = 2 * g.area / g.length if g.length > 0 else 0.0
        if g.area >= sliver_area_m2 and width_m >= sliver_width_m:
            continue
        neighbours = [areas[j] for j in tree.query(g, predicate="dwithin", distance=0.5)
                      if areas[j] != i and areas[j] not in drop] if tree is not None else []
        if neighbours:
            target = max(neighbours, key=lambda j: area_geoms[j].area)
            sites.at[target, "geometry"] = shapely.union(sites.at[target, "geometry"], g)
            sites.at[target, "merged_from"].append(sites.at[i, "key"])
            stats.slivers_merged += 1
        else:
            stats.slivers_dropped += 1
        drop.add(i)

    sites = sites.drop(index=sorted(drop)).reset_index(drop=True)
    sites = gpd.GeoDataFrame(sites, geometry="geometry", crs=METRIC_CRS)

    # trees counted per polygon site
    polygonal = sites.geom_type.isin(["Polygon", "MultiPolygon"])
    counts = [0] * len(sites)
    if len(trees) and polygonal.any():
        poly_idx = sites.index[polygonal].to_list()
        ptree = shapely.STRtree(sites.geometry.values[poly_idx])
        inside = set()
        for t_i, p_j in zip(*ptree.query(trees.geometry.values, predicate="within"),
                            strict=True):
            counts[poly_idx[p_j]] += 1
            inside.add(t_i)
        stats.trees_in_sites = len(inside)
    sites["tree_count"] = counts

    statuses = [_status(c, t, k, policy, stats) for c, t, k in zip(
        sites["category"], sites["tags"], sites["key"], strict=True)]
    sites["status"] = [s for s, _ in statuses]
    sites["reason"] = [r for _, r in statuses]
    sites["in_maintenance"] = sites["status"] == STATUS_ACCEPTED
    known = set(sites["key"]) | {k for m in sites["merged_from"] for k in m}
    stats.decisions_unknown = sorted(k for k in policy.decisions if k not in known)
    sites["name"] = [t.get("name", "") for t in sites["tags"]]
    sites["area_m2"] = [g.area if polygonal.iloc[i] else None
                        for i, g in enumerate(sites.geometry)]
    sites["length_m"] = [g.length if g.geom_type in ("LineString", "MultiLineString") else None
                         for g in sites.geometry]
    columns = ["key", "osm_type", "osm_id", "osm_version", "category", "name", "status",
               "in_maintenance", "reason", "area_m2", "length_m", "tree_count", "tags",
               "merged_from", "geometry"]
    result = gpd.GeoDataFrame(sites[columns], geometry="geometry", crs=METRIC_CRS)
    return result.to_crs("EPSG:4326"), stats


def summarize(sites: gpd.GeoDataFrame) -> pd.DataFrame:
    """Count and m² per (category, status), sorted (for the import report)."""
    if not len(sites):
        return pd.DataFrame(columns=["category", "status", "count", "area_m2", "length_m"])
    grouped = sites.groupby(["category", "status"], as_index=False).agg(
        count=("key", "size"), area_m2=("area_m2", "sum"), length_m=("length_m", "sum"))
    return grouped.sort_values(["category", "status"]).reset_index(drop=True)
