"""OSM green features and their classification (pure: GeoDataFrame in, sites out)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from greentour.inventory.acceptance import load_acceptance_list
from greentour.inventory.classify import AcceptancePolicy, classify_features, summarize
from greentour.inventory.osm_features import OsmFeatures, read_green_features
from greentour.inventory.report import ImportReport, category_rows

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def lauf_features(lauf_pbf: Path) -> OsmFeatures:
    """Green features of the real Lauf extract, read once for this module."""
    return read_green_features(lauf_pbf)


def test_features_carry_provenance(lauf_features: OsmFeatures) -> None:
    """Every feature has its OSM type, id and version; counts match the data README."""
    frame = lauf_features.frame
    assert set(frame["osm_type"]) == {"node", "way", "relation"}
    assert (frame["osm_id"] > 0).all() and (frame["osm_version"] >= 1).all()
    playground = frame[[t.get("leisure") == "playground" for t in frame["tags"]]]
    assert (playground["kind"] == "area").sum() == 20 and (playground["kind"] == "point").sum() == 4
    hedges = frame[[t.get("barrier") == "hedge" for t in frame["tags"]]]
    assert len(hedges) == 19 and (hedges["kind"] == "line").all()
    assert (frame["kind"] == "tree").sum() == 46


def test_whitelist_and_never_rules(lauf_features: OsmFeatures) -> None:
    """Parks, playgrounds, cemeteries are accepted; gardens, meadows and scrub never by default."""
    sites, _ = classify_features(lauf_features.frame)
    accepted = set(sites.loc[sites["status"] == "accepted", "category"])
    assert accepted == {"park", "playground", "cemetery"}
    for category in ("garden", "meadow", "scrub"):
        assert (sites.loc[sites["category"] == category, "status"] == "candidate").all()


def test_private_gardens_and_farmland_never_accepted(lauf_features: OsmFeatures) -> None:
    """Even a whitelist with gardens and meadows and an accepting list leave them candidates."""
    frame = lauf_features.frame
    private = next(f"{r.osm_type}/{r.osm_id}" for r in frame.itertuples()
                   if r.tags.get("leisure") == "garden" and r.tags.get("access") == "private")
    meadow = next(f"{r.osm_type}/{r.osm_id}" for r in frame.itertuples()
                  if r.tags.get("landuse") == "meadow")
    policy = AcceptancePolicy(accept_categories=frozenset({"garden", "meadow", "scrub"}),
                              decisions={private: "accept", meadow: "accept"})
    sites, stats = classify_features(frame, policy)
    gardens = sites[sites["category"] == "garden"]
    is_private = [t.get("access") == "private" or t.get("garden:type") == "residential"
                  for t in gardens["tags"]]
    assert not gardens.loc[is_private, "in_maintenance"].any()
    assert not sites.loc[sites["category"].isin(["meadow", "scrub"]), "in_maintenance"].any()
    assert len(stats.decisions_refused) == 2
    assert any(private in r for r in stats.decisions_refused)


def test_town_operator_is_accepted(lauf_features: OsmFeatures) -> None:
    """A sports pitch operated by "Stadt Lauf" is accepted; another club's pitch is not."""
    frame = lauf_features.frame.copy()
    pitches = [i for i, (t, k) in enumerate(zip(frame["tags"], frame["kind"], strict=True))
               if t.get("leisure") == "pitch" and k == "area"]
    frame.at[frame.index[pitches[0]], "tags"] = {**frame["tags"].iloc[pitches[0]],
                                                  "operator": "Stadt Lauf a.d.Pegnitz"}
    frame.at[frame.index[pitches[1]], "tags"] = {**frame["tags"].iloc[pitches[1]],
                                                  "operator": "SK Lauf e.V."}
    policy = AcceptancePolicy(town_patterns=(r"\bStadt Lauf\b",))
    sites, _ = classify_features(frame, policy)
    by_id = sites.set_index("osm_id")
    assert by_id.at[frame["osm_id"].iloc[pitches[0]], "status"] == "accepted"
    assert by_id.at[frame["osm_id"].iloc[pitches[1]], "status"] == "candidate"


def _with_rows(frame: gpd.GeoDataFrame, rows: list[dict]) -> gpd.GeoDataFrame:
    extra = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    return gpd.GeoDataFrame(pd.concat([frame, extra], ignore_index=True), crs="EPSG:4326")


def test_duplicates_and_slivers_are_merged(lauf_features: OsmFeatures) -> None:
    """A second object drawing a park is merged into it; a sliver joins its neighbour."""
    frame = lauf_features.frame
    park = frame[[t.get("leisure") == "park" for t in frame["tags"]]].iloc[0]
    metric = gpd.GeoSeries([park.geometry], crs="EPSG:4326").to_crs("EPSG:25832")[0]
    edge = shapely.Point(metric.exterior.coords[0] if metric.geom_type == "Polygon"
                         else metric.geoms[0].exterior.coords[0])
    sliver = gpd.GeoSeries([edge.buffer(2.0)], crs="EPSG:25832").to_crs("EPSG:4326")[0]
    lonely = gpd.GeoSeries([shapely.Point(651000, 5488000).buffer(1.5)],
                           crs="EPSG:25832").to_crs("EPSG:4326")[0]
    rows = [
        {"osm_type": "way", "osm_id": 9_000_000_001, "osm_version": 1, "kind": "area",
         "tags": {"landuse": "grass"}, "geometry": park.geometry},
        {"osm_type": "way", "osm_id": 9_000_000_002, "osm_version": 1, "kind": "area",
         "tags": {"landuse": "grass"}, "geometry": sliver},
        {"osm_type": "way", "osm_id": 9_000_000_003, "osm_version": 1, "kind": "area",
         "tags": {"landuse": "grass"}, "geometry": lonely},
    ]
    base, base_stats = classify_features(frame)
    sites, stats = classify_features(_with_rows(frame, rows))
    assert stats.duplicates_merged == base_stats.duplicates_merged + 1
    assert stats.slivers_merged == base_stats.slivers_merged + 1
    assert stats.slivers_dropped == base_stats.slivers_dropped + 1
    assert len(sites) == len(base)
    merged = sites.loc[sites["osm_id"] == park.osm_id, "merged_from"].iloc[0]
    assert "way/9000000001" in merged


def test_trees_counted_per_site(lauf_features: OsmFeatures) -> None:
    """natural=tree points are counted in the polygon that holds them."""
    sites, stats = classify_features(lauf_features.frame)
    assert stats.trees_total == 46
    assert 0 < stats.trees_in_sites <= 46
    assert sites["tree_count"].sum() >= stats.trees_in_sites


def test_lauf_acceptance_list_is_valid_and_known(lauf_features: OsmFeatures) -> None:
    """The shipped Lauf list parses, names only features of the extract and refuses nothing."""
    decisions = load_acceptance_list(REPO / "data" / "osm_acceptance_lauf.toml")
    sites, stats = classify_features(lauf_features.frame, AcceptancePolicy(decisions=decisions))
    assert stats.decisions_unknown == [] and stats.decisions_refused == []
    status = dict(zip(sites["key"], sites["status"], strict=True))
    for key, decision in decisions.items():
        assert status[key] == {"accept": "accepted", "reject": "rejected",
                               "candidate": "candidate"}[decision]


def test_report_rows_add_up(lauf_features: OsmFeatures) -> None:
    """Report rows by category and status add up to all sites and their m²."""
    sites, _ = classify_features(lauf_features.frame)
    rows = category_rows(sites)
    assert sum(r.count for r in rows) == len(sites)
    assert sum(r.area_m2 for r in rows) == pytest.approx(sites["area_m2"].fillna(0).sum())
    assert len(summarize(sites)) == len(rows)
    report = ImportReport(source="OpenStreetMap", file="x", rows=rows, population=27000,
                          maintained_area_m2=270_000.0)
    assert report.maintained_m2_per_inhabitant == pytest.approx(10.0)
    assert "10.0 m² je Einwohner" in report.to_text()


def test_heidelberg_grave_yards_are_cemeteries(heidelberg_pbf: Path) -> None:
    """amenity=grave_yard of the filtered Heidelberg extract becomes accepted cemeteries."""
    sites, _ = classify_features(read_green_features(heidelberg_pbf).frame)
    graves = sites[[t.get("amenity") == "grave_yard" for t in sites["tags"]]]
    assert len(graves) == 5
    assert (graves["category"] == "cemetery").all() and (graves["status"] == "accepted").all()
