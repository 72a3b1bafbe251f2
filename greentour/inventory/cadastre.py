"""Read a municipal green-space cadastre (Grünflächenkataster) into site rows (pure + file read).

Formats: anything GDAL reads through pyogrio (GeoPackage, Shapefile, GeoJSON, ...). The
cadastre is authoritative, so its features come in as *accepted* sites; a mapping TOML
(e.g. data/cadastre_mapping_heilbronn.toml) turns the town's class codes into greentour
categories, care classes and regimes. Rules:

* a file without a coordinate reference system is refused (a CRS is never guessed);
* legacy Gauß-Krüger (EPSG:31466-31469, DHDN) is transformed to ETRS89/UTM 32N with the
  best transformation pyproj has (its name goes into the report);
* invalid rings are repaired with ``shapely.make_valid`` and counted;
* classes the mapping marks ``import = false`` (paving, water, private land) and classes
  the mapping does not know are left out and counted by label.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import ProjError

from greentour.config_io import read_toml
from greentour.errors import ConfigError, DataImportError

METRIC_CRS = "EPSG:25832"
GAUSS_KRUEGER = {31466, 31467, 31468, 31469}
POLYGONAL = ("Polygon", "MultiPolygon")
LINEAR = ("LineString", "MultiLineString")


@dataclass(frozen=True)
class ClassMapping:
    """How one cadastre class becomes a site."""

    label: str
    category: str
    care_class: str | None
    regime: str | None
    import_: bool


@dataclass(frozen=True)
class CadastreMapping:
    """Column names and class table of a cadastre (see the mapping TOML header)."""

    class_column: str
    id_column: str | None
    name_column: str | None
    classes: dict[str, ClassMapping]

    def lookup(self, value: Any) -> ClassMapping | None:
        """The mapping of a class value, by code or by label."""
        text = str(value).strip()
        if text.endswith(".0"):
            text = text[:-2]
        if text in self.classes:
            return self.classes[text]
        for mapping in self.classes.values():
            if mapping.label == text:
                return mapping
        return None


@dataclass
class CadastreStats:
    """What reading the cadastre did."""

    features_read: int = 0
    source_crs: str = ""
    transformation: str = ""
    invalid_repaired: int = 0
    empty_dropped: int = 0
    skipped_by_class: Counter = field(default_factory=Counter)
    unmapped_classes: Counter = field(default_factory=Counter)


def load_mapping(path: str | Path) -> CadastreMapping:
    """Read and validate a cadastre mapping TOML."""
    p = Path(path)
    data = read_toml(p)
    columns = data.get("columns", {})
    if not isinstance(columns.get("class"), str):
        raise ConfigError(p, "columns.class", "Spalte mit der Flächenart fehlt")
    classes: dict[str, ClassMapping] = {}
    for code, entry in data.get("classes", {}).items():
        if not isinstance(entry, dict) or not entry.get("label"):
            raise ConfigError(p, f"classes.{code}.label", "Bezeichnung fehlt")
        do_import = entry.get("import", True)
        if do_import and not entry.get("category"):
            raise ConfigError(p, f"classes.{code}.category", "Kategorie fehlt")
        classes[str(code)] = ClassMapping(
            label=entry["label"],
            category=entry.get("category", ""),
            care_class=entry.get("care_class"),
            regime=entry.get("regime"),
            import_=bool(do_import),
        )
    if not classes:
        raise ConfigError(p, "classes", "keine Flächenarten zugeordnet")
    return CadastreMapping(columns["class"], columns.get("id"), columns.get("name"), classes)


def read_cadastre_file(path: str | Path) -> gpd.GeoDataFrame:
    """Read a cadastre file; refuses an unreadable file or one without CRS."""
    p = Path(path)
    if not p.exists():
        raise DataImportError(f"Katasterdatei nicht gefunden: {p.name}")
    try:
        frame = gpd.read_file(p, engine="pyogrio", on_invalid="ignore")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise DataImportError(f"Katasterdatei {p.name} ist nicht lesbar: {exc}") from exc
    if frame.crs is None:
        raise DataImportError(
            f"Katasterdatei {p.name} hat kein Koordinatensystem (CRS). Es wird nie geraten: "
            "bitte mit Projektion speichern (z. B. .prj zur Shapefile, EPSG:25832)."
        )
    return frame


def cadastre_sites(frame: gpd.GeoDataFrame, mapping: CadastreMapping,
                   source_name: str = "") -> tuple[gpd.GeoDataFrame, CadastreStats]:
    """Map a cadastre frame (with CRS) to site rows in WGS84 (pure).

    Output columns match :func:`greentour.inventory.classify.classify_features` plus
    ``care_class``, ``regime`` and ``cadastre_id``; every row is ``accepted``.
    """
    stats = CadastreStats(features_read=len(frame))
    if frame.crs is None:
        raise DataImportError("Kataster ohne Koordinatensystem wird nicht importiert")
    if mapping.class_column not in frame.columns:
        raise DataImportError(
            f"Spalte {mapping.class_column!r} fehlt in der Katasterdatei "
            f"(vorhanden: {', '.join(c for c in frame.columns if c != 'geometry')})"
        )
    crs = CRS.from_user_input(frame.crs)
    epsg = crs.to_epsg()
    stats.source_crs = f"EPSG:{epsg}" if epsg else crs.name
    transformer = Transformer.from_crs(crs, METRIC_CRS, always_xy=True)
    stats.transformation = transformer.description
    if len(frame):
        # PROJ picks the operation for the area on first use; name the one really used
        x0, y0, x1, y1 = frame.total_bounds
        transformer.transform((x0 + x1) / 2, (y0 + y1) / 2)
        try:
            used = transformer.get_last_used_operation()
        except ProjError:  # same CRS: nothing to transform
            used = None
        if used is not None:
            accuracy = f" (Genauigkeit {used.accuracy:g} m)" if used.accuracy >= 0 else ""
            stats.transformation = f"{used.description}{accuracy}"
    if epsg in GAUSS_KRUEGER:
        stats.transformation = f"Gauß-Krüger → UTM 32N: {stats.transformation}"
    metric = frame.to_crs(METRIC_CRS)

    rows = []
    for idx, row in metric.iterrows():
        geom = row.geometry
        if geom is None or geom.is_empty:
            stats.empty_dropped += 1
            continue
        value = row[mapping.class_column]
        cls = mapping.lookup(value)
        if cls is None:
            stats.unmapped_classes[str(value)] += 1
            continue
        if not cls.import_:
            stats.skipped_by_class[cls.label] += 1
            continue
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
            stats.invalid_repaired += 1
            if geom.geom_type == "GeometryCollection":
                parts = [g for g in geom.geoms if g.geom_type in POLYGONAL + LINEAR]
                geom = max(parts, key=lambda g: (g.area, g.length)) if parts else None
            if geom is None or geom.is_empty:
                stats.empty_dropped += 1
                continue
        ident = str(row[mapping.id_column]) if mapping.id_column else f"{source_name}#{idx}"
        raw_name = row.get(mapping.name_column) if mapping.name_column else None
        name = "" if raw_name is None or pd.isna(raw_name) else str(raw_name)
        rows.append({
            "key": f"cadastre/{ident}",
            "cadastre_id": ident,
            "category": cls.category,
            "name": name or cls.label,
            "status": "accepted",
            "in_maintenance": True,
            "reason": f"Kataster: {cls.label}",
            "care_class": cls.care_class,
            "regime": cls.regime,
            "area_m2": geom.area if geom.geom_type in POLYGONAL else None,
            "length_m": geom.length if geom.geom_type in LINEAR else None,
            "tree_count": 0,
            "tags": {"cadastre_class": str(value), "cadastre_label": cls.label},
            "merged_from": [],
            "geometry": geom,
        })
    columns = ["key", "cadastre_id", "category", "name", "status", "in_maintenance", "reason",
               "care_class", "regime", "area_m2", "length_m", "tree_count", "tags",
               "merged_from", "geometry"]
    sites = gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs=METRIC_CRS)
    return sites.to_crs("EPSG:4326"), stats
