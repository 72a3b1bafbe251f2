"""Read a municipal green-space cadastre (Grünflächenkataster) into site rows (pure + file read).

Formats: anything GDAL reads through pyogrio (GeoPackage, Shapefile, GeoJSON, ...). The
cadastre is authoritative, so its features come in as *accepted* sites; a mapping TOML
(e.g. data/cadastre_mapping_heilbronn.toml) turns the town's class codes into greentour
categories, care classes and regimes. Rules:

* a file without a coordinate reference system is refused (a CRS is never guessed);
* legacy Gauß-Krüger (EPSG:31466-31469, DHDN) is transformed to ETRS89/UTM 32N with the
  best transformation pyproj has (its name goes into the report);
* a GeoJSON ``crs`` member naming an unknown code is refused (GDAL would silently read the file
  as WGS84); a GeoJSON without ``crs`` is WGS84 lon/lat (RFC 7946), so projected coordinates
  (UTM metres) in it are refused instead of being read as degrees;
* a feature without geometry (``null``) is refused, naming the feature;
* invalid rings are repaired with ``shapely.make_valid`` and counted; degenerate geometries
  (an area under :data:`DEGENERATE_AREA_M2`, a line under :data:`DEGENERATE_LENGTH_M`, a polygon
  that repairs to a line) are dropped and counted;
* classes the mapping marks ``import = false`` (paving, water, private land) and classes
  the mapping does not know are left out and counted by label.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError

from greentour.config_io import read_toml
from greentour.errors import ConfigError, DataImportError

METRIC_CRS = "EPSG:25832"
GAUSS_KRUEGER = {31466, 31467, 31468, 31469}
POLYGONAL = ("Polygon", "MultiPolygon")
LINEAR = ("LineString", "MultiLineString")
#: a polygon smaller than this is no green space but a digitising error (m²)
DEGENERATE_AREA_M2 = 1.0
#: a line shorter than this is a digitising error (m)
DEGENERATE_LENGTH_M = 0.5
GEOJSON_SUFFIXES = (".geojson", ".json")


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
    degenerate_dropped: int = 0
    degenerate_features: list[str] = field(default_factory=list)
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


def _geojson_crs(p: Path) -> str | None:
    """The name in a GeoJSON file's (pre-RFC 7946) ``crs`` member, None without one; an
    unknown code is refused (GDAL would fall back to WGS84 without a word)."""
    try:
        with p.open(encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as exc:
        raise DataImportError(f"Katasterdatei {p.name} ist kein gültiges GeoJSON: {exc}") from exc
    crs = doc.get("crs") if isinstance(doc, dict) else None
    if not isinstance(crs, dict):
        return None
    name = (crs.get("properties") or {}).get("name") or (crs.get("properties") or {}).get("href")
    if not isinstance(name, str) or not name:
        raise DataImportError(f"Katasterdatei {p.name}: Angabe „crs“ ohne Namen des "
                              "Koordinatensystems")
    try:
        CRS.from_user_input(name)
    except CRSError:
        raise DataImportError(
            f"Katasterdatei {p.name}: Koordinatensystem „{name}“ ist unbekannt (kein gültiger "
            "EPSG-Code); bitte mit bekanntem EPSG-Code speichern, z. B. EPSG:25832"
        ) from None
    return name


def read_cadastre_file(path: str | Path) -> gpd.GeoDataFrame:
    """Read a cadastre file; refuses an unreadable file, one without CRS or with an unknown
    one, and lon/lat files whose coordinates are no degrees."""
    p = Path(path)
    if not p.exists():
        raise DataImportError(f"Katasterdatei nicht gefunden: {p.name}")
    declared = _geojson_crs(p) if p.suffix.lower() in GEOJSON_SUFFIXES else None
    try:
        frame = gpd.read_file(p, engine="pyogrio", on_invalid="ignore")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError,
            CRSError) as exc:
        raise DataImportError(f"Katasterdatei {p.name} ist nicht lesbar: {exc}") from exc
    if frame.crs is None:
        raise DataImportError(
            f"Katasterdatei {p.name} hat kein Koordinatensystem (CRS). Es wird nie geraten: "
            "bitte mit Projektion speichern (z. B. .prj zur Shapefile, EPSG:25832)."
        )
    if declared is not None and CRS.from_user_input(frame.crs) != CRS.from_user_input(declared):
        frame = frame.set_crs(CRS.from_user_input(declared), allow_override=True)
    _check_degrees(frame, p.name, geojson_default=p.suffix.lower() in GEOJSON_SUFFIXES
                   and declared is None)
    return frame


def _check_degrees(frame: gpd.GeoDataFrame, file_name: str, geojson_default: bool) -> None:
    """A geographic CRS holds degrees: coordinates beyond ±180/±90 are metres of a projected
    CRS the file does not declare (a UTM GeoJSON without ``crs``)."""
    if not CRS.from_user_input(frame.crs).is_geographic or not len(frame):
        return
    for i, geom in enumerate(frame.geometry):
        if geom is None or geom.is_empty:
            continue
        x0, y0, x1, y1 = geom.bounds
        if -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90:
            continue
        hint = ("ein GeoJSON ohne Angabe „crs“ gilt als WGS84 (RFC 7946)" if geojson_default
                else "das Koordinatensystem ist geographisch (Grad)")
        raise DataImportError(
            f"{file_name}: Objekt #{i + 1} hat Koordinaten ({x0:.0f}, {y0:.0f}), die keine "
            f"Längen-/Breitengrade sind (wohl Meter, z. B. UTM); {hint} – bitte mit "
            "Koordinatensystem speichern (z. B. EPSG:25832); nichts gespeichert"
        )


def feature_label(position: int, ident: Any) -> str:
    """How messages name a feature: its position in the file and its id (``#3 (A17)``)."""
    text = "" if ident is None or (isinstance(ident, float) and pd.isna(ident)) else str(ident)
    return f"#{position + 1}" + (f" ({text})" if text else "")


def _degenerate(geom: Any, original_type: str) -> bool:
    """A geometry that is no usable site: a polygon that repairs to a line or point or has
    (almost) no area, a line of (almost) no length."""
    if original_type in POLYGONAL:
        return geom.geom_type not in POLYGONAL or geom.area < DEGENERATE_AREA_M2
    if original_type in LINEAR:
        return geom.geom_type not in LINEAR or geom.length < DEGENERATE_LENGTH_M
    return False


def cadastre_sites(frame: gpd.GeoDataFrame, mapping: CadastreMapping,
                   source_name: str = "", file_name: str = "",
                   ) -> tuple[gpd.GeoDataFrame, CadastreStats]:
    """Map a cadastre frame (with CRS) to site rows in WGS84 (pure).

    Output columns match :func:`greentour.inventory.classify.classify_features` plus
    ``care_class``, ``regime``, ``cadastre_id`` and ``feature`` (the label messages use);
    every row is ``accepted``. A feature without geometry is refused (``file_name`` names the
    file in the message).
    """
    stats = CadastreStats(features_read=len(frame))
    if frame.crs is None:
        raise DataImportError("Kataster ohne Koordinatensystem wird nicht importiert")
    if mapping.class_column not in frame.columns:
        raise DataImportError(
            f"Spalte {mapping.class_column!r} fehlt in der Katasterdatei "
            f"(vorhanden: {', '.join(c for c in frame.columns if c != 'geometry')})"
        )
    ids = frame[mapping.id_column] if mapping.id_column in frame.columns else [None] * len(frame)
    labels = [feature_label(i, ident) for i, ident in enumerate(ids)]
    for i, geom in enumerate(frame.geometry):
        if not isinstance(geom, shapely.Geometry):
            raise DataImportError(
                f"{file_name or source_name or 'Kataster'}: Objekt {labels[i]} hat keine "
                "Geometrie (null); bitte in der Quelle nachtragen oder das Objekt entfernen – "
                "nichts gespeichert")
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
    for position, (idx, row) in enumerate(metric.iterrows()):
        geom = row.geometry
        if geom is None or geom.is_empty:
            stats.empty_dropped += 1
            continue
        original_type = geom.geom_type
        value = row[mapping.class_column]
        cls = mapping.lookup(value)
        if cls is None:
            stats.unmapped_classes[str(value)] += 1
            continue
        if not cls.import_:
            stats.skipped_by_class[cls.label] += 1
            continue
        repaired = not geom.is_valid
        if repaired:
            geom = shapely.make_valid(geom)
            if geom.geom_type == "GeometryCollection":
                parts = [g for g in geom.geoms if g.geom_type in POLYGONAL + LINEAR]
                geom = max(parts, key=lambda g: (g.area, g.length)) if parts else None
        if geom is None or geom.is_empty or _degenerate(geom, original_type):
            stats.degenerate_dropped += 1
            stats.degenerate_features.append(labels[position])
            continue
        stats.invalid_repaired += int(repaired)
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
            "feature": labels[position],
            "position": position,
            "geometry": geom,
        })
    columns = ["key", "cadastre_id", "category", "name", "status", "in_maintenance", "reason",
               "care_class", "regime", "area_m2", "length_m", "tree_count", "tags",
               "merged_from", "feature", "position", "geometry"]
    sites = gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs=METRIC_CRS)
    return sites.to_crs("EPSG:4326"), stats
