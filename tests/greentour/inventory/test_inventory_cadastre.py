"""Cadastre import: CRS rules, Gauß-Krüger, repairs and the Heilbronn mapping."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from greentour.errors import DataImportError
from greentour.inventory.cadastre import cadastre_sites, load_mapping, read_cadastre_file
from greentour.inventory.osm_features import read_green_features
from greentour.tenant_config import known_regimes

REPO = Path(__file__).resolve().parents[3]
MAPPING = REPO / "data" / "cadastre_mapping_heilbronn.toml"
CLASS_OF = {"cemetery": "700001170", "playground": "700001040", "meadow": "700001020",
            "garden": "700001150", "scrub": "700001315"}


@pytest.fixture(scope="module")
def lauf_cadastre(lauf_pbf: Path) -> gpd.GeoDataFrame:
    """A cadastre-like frame (EPSG:25832) from real Lauf polygons with Heilbronn class codes."""
    frame = read_green_features(lauf_pbf).frame
    rows = []
    for r in frame[frame["kind"] == "area"].itertuples():
        kind = next((k for k in CLASS_OF if r.tags.get("landuse") == k
                     or r.tags.get("leisure") == k or r.tags.get("natural") == k), None)
        if kind is None:
            continue
        rows.append({"objnr": f"{r.osm_type[0]}{r.osm_id}", "ebene": int(CLASS_OF[kind]),
                     "bezeichnung": r.tags.get("name"), "geometry": r.geometry})
    rows.append({"objnr": "x1", "ebene": 999, "bezeichnung": None,
                 "geometry": frame.geometry.iloc[-1].buffer(0.0001)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326").to_crs("EPSG:25832")


def test_heilbronn_mapping_matches_real_legend(data_dir: Path) -> None:
    """Every mapped code and label is in the real Heilbronn legend; regimes exist."""
    legend = (data_dir / "growth" / "heilbronn_gruenflaechenkataster_layer_legend_BEB_GRF.txt"
              ).read_text(encoding="utf-8")
    entries = dict(re.findall(r"^\s*(\d{9}) GRF: (.+?)\s*$", legend, flags=re.MULTILINE))
    mapping = load_mapping(MAPPING)
    regimes = known_regimes(REPO / "data" / "care_classes.toml")
    assert len(mapping.classes) >= 30
    for code, cls in mapping.classes.items():
        assert entries[code] == cls.label
        if cls.regime is not None:
            assert cls.regime in regimes


def test_classes_map_to_categories_and_regimes(lauf_cadastre: gpd.GeoDataFrame,
                                               tmp_path: Path) -> None:
    """A GeoPackage import maps codes to categories/regimes, skips private land and paving."""
    path = tmp_path / "kataster.gpkg"
    lauf_cadastre.to_file(path, engine="pyogrio")
    sites, stats = cadastre_sites(read_cadastre_file(path), load_mapping(MAPPING), "kataster")
    assert set(sites["category"]) == {"cemetery", "sports_pitch", "meadow"}
    assert set(sites["regime"]) == {"ornamental", "sports", "meadow"}
    assert (sites["status"] == "accepted").all() and sites["in_maintenance"].all()
    assert stats.skipped_by_class["Privatfläche"] == (lauf_cadastre["ebene"] == 700001150).sum()
    assert stats.skipped_by_class["Pflaster"] == (lauf_cadastre["ebene"] == 700001315).sum()
    assert stats.unmapped_classes == {"999": 1}
    assert stats.source_crs == "EPSG:25832"
    assert "Salvator-Friedhof" in set(sites["name"])
    assert "nan" not in set(sites["name"]) and "Wiese 1-4 Schn" in set(sites["name"])


def test_gauss_krueger_is_transformed(lauf_cadastre: gpd.GeoDataFrame, tmp_path: Path) -> None:
    """The same cadastre saved in Gauß-Krüger zone 4 (EPSG:31468) lands within 2 m of UTM."""
    utm_path, gk_path = tmp_path / "utm.gpkg", tmp_path / "gk.gpkg"
    lauf_cadastre.to_file(utm_path, engine="pyogrio")
    lauf_cadastre.to_crs("EPSG:31468").to_file(gk_path, engine="pyogrio")
    mapping = load_mapping(MAPPING)
    utm, _ = cadastre_sites(read_cadastre_file(utm_path), mapping)
    gk, stats = cadastre_sites(read_cadastre_file(gk_path), mapping)
    assert stats.source_crs == "EPSG:31468" and "Gauß-Krüger" in stats.transformation
    assert "DHDN to ETRS89" in stats.transformation  # a datum shift, not a mere re-projection
    a = utm.to_crs("EPSG:25832").geometry.centroid
    b = gk.to_crs("EPSG:25832").geometry.centroid
    assert a.distance(b, align=False).max() < 2.0
    assert gk["area_m2"].sum() == pytest.approx(utm["area_m2"].sum(), rel=1e-4)


def test_file_without_crs_is_refused(lauf_cadastre: gpd.GeoDataFrame, tmp_path: Path) -> None:
    """A Shapefile without .prj is refused with a message saying the CRS is never guessed."""
    path = tmp_path / "ohne_crs.shp"
    lauf_cadastre.drop(columns="bezeichnung").to_file(path, engine="pyogrio")
    path.with_suffix(".prj").unlink()
    with pytest.raises(DataImportError, match="kein Koordinatensystem.*nie geraten"):
        read_cadastre_file(path)


def test_invalid_rings_are_repaired_and_counted(tmp_path: Path) -> None:
    """A self-intersecting (bow-tie) lawn is repaired with make_valid and counted."""
    x, y = 650_000.0, 5_488_000.0
    bowtie = shapely.Polygon([(x, y), (x + 20, y + 20), (x + 20, y), (x, y + 20), (x, y)])
    good = shapely.box(x + 50, y, x + 70, y + 20)
    frame = gpd.GeoDataFrame({"objnr": ["a", "b"], "ebene": ["700001030", "Zierrasen 20-30 Schn"],
                              "bezeichnung": ["Fliege", None]},
                             geometry=[bowtie, good], crs="EPSG:25832")
    sites, stats = cadastre_sites(frame, load_mapping(MAPPING))
    assert stats.invalid_repaired == 1
    assert sites.to_crs("EPSG:25832").is_valid.all()
    assert sites["area_m2"].iloc[0] == pytest.approx(200.0)
    assert sites["regime"].tolist() == ["utility_intensive", "ornamental"]


def test_missing_class_column_is_refused(lauf_cadastre: gpd.GeoDataFrame) -> None:
    """A cadastre without the mapped class column names the columns it has."""
    frame = lauf_cadastre.rename(columns={"ebene": "art"})
    with pytest.raises(DataImportError, match="Spalte 'ebene' fehlt.*art"):
        cadastre_sites(frame, load_mapping(MAPPING))
