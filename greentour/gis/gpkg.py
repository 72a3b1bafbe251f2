"""GeoPackage output written with pyogrio (GDAL).

One table per layer and one geometry type per table (site areas MultiPolygon, site lines
MultiLineString, points Point, tours LineString); the GeoPackage feature id (``fid``) is the
record's stable integer id, so a re-export keeps QGIS joins and selections valid. Geometries are
projected to the tenant's metric CRS (EPSG:25832 by default, 25833 east of 12° E) so areas and
lengths measured in QGIS are in metres. Datetimes are stored in UTC (GeoPackage stores ISO 8601
text with ``Z``); calendar dates are ISO text ``YYYY-MM-DD`` (pyogrio writes no DATE columns
without pyarrow). The licence goes into the GeoPackage metadata extension (``gpkg_metadata``,
scope *dataset*) and into GDAL's dataset metadata; QGIS layer styles go into ``layer_styles``,
which QGIS applies when the layer is added.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from greentour.gis.crs import metric_epsg_for
from greentour.gis.licence import SHARE_ALIKE_NOTE, Licence, licence_for
from greentour.gis.records import Layer, LayerSet
from greentour.gis.styles import read_style

#: GeoPackage 1.2 is read by every GDAL since 2.2 (QGIS LTR on Debian stable included).
GPKG_VERSION = "1.2"
_MULTI = {"MultiPolygon", "MultiLineString", "MultiPoint"}


def layer_frame(layer: Layer, epsg: int) -> gpd.GeoDataFrame:
    """A layer as a GeoDataFrame in ``epsg`` with typed columns and ``fid`` as first column."""
    spec = layer.spec
    geoms = [f.geometry for f in layer.features]
    if spec.geometry_type in _MULTI:
        geoms = [_to_multi(g, spec.geometry_type) for g in geoms]
    data: dict[str, object] = {"fid": pd.array([f.fid for f in layer.features], dtype="int64")}
    for fld in spec.fields:
        values = [f.properties[fld.name] for f in layer.features]
        data[fld.name] = _column(values, fld.type)
    frame = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))
    return frame.to_crs(epsg=epsg)


def _to_multi(geometry, geometry_type: str):
    if geometry.geom_type == geometry_type:
        return geometry
    return getattr(shapely, geometry_type)([geometry])


def _column(values: list, kind: str):
    if kind == "int":
        return pd.array(values, dtype="Int64")
    if kind == "float":
        return pd.array(values, dtype="Float64").astype("float64")
    if kind == "bool":
        return pd.array(values, dtype="boolean")
    if kind == "datetime":
        return pd.to_datetime(
            [v.astimezone(dt.UTC) if v is not None else None for v in values], utc=True
        )
    if kind == "date":
        return pd.to_datetime([v.isoformat() if v is not None else None for v in values]).date
    return pd.array(values, dtype="object")


def write_gpkg(layers: LayerSet, path: Path | str, epsg: int | None = None) -> dict[str, int]:
    """Write every non-empty layer to a new GeoPackage; return feature counts per layer.

    ``epsg`` overrides the CRS; otherwise the layer set's ``metric_epsg`` or the CRS chosen from
    the data's longitude. An existing file at ``path`` is replaced."""
    path = Path(path)
    if path.exists():
        path.unlink()
    chosen = epsg or layers.metric_epsg or metric_epsg_for(
        f.geometry for _, f in layers.all_features()
    )
    osm = any(
        layer.spec.osm_derived or any(f.properties.get("source") == "osm" for f in layer.features)
        for layer in layers.non_empty()
    )
    licence = licence_for(osm, layers.extra_attribution)
    counts: dict[str, int] = {}
    for layer in layers.non_empty():
        frame = layer_frame(layer, chosen)
        pyogrio.write_dataframe(
            frame,
            path,
            layer=layer.spec.id,
            driver="GPKG",
            geometry_type=layer.spec.geometry_type,
            append=bool(counts),
            layer_options={
                "IDENTIFIER": layer.spec.title,
                "DESCRIPTION": layer.spec.description,
                "FID": "fid",
            },
            dataset_metadata=None if counts else _dataset_metadata(layers, licence),
            dataset_options=None if counts else {"VERSION": GPKG_VERSION},
        )
        counts[layer.spec.id] = len(frame)
    if not counts:
        raise ValueError("nothing to export: the plan has no sites, tours or stops")
    _write_licence_metadata(path, licence, layers.title)
    _write_styles(path, [layer for layer in layers.non_empty()])
    return counts


def _dataset_metadata(layers: LayerSet, licence: Licence) -> dict[str, str]:
    return {
        "TITLE": layers.title,
        "LICENSE": licence.text(),
        "ATTRIBUTION": "; ".join(licence.attribution),
        "GENERATOR": "greentour",
    }


def _write_licence_metadata(path: Path, licence: Licence, title: str) -> None:
    """Add a plain-text licence record to the GeoPackage metadata extension (scope dataset)."""
    text = f"{title}\n{licence.text()}"
    if licence.share_alike:
        text += "\n" + SHARE_ALIKE_NOTE
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with sqlite3.connect(path) as con:
        con.executescript(_METADATA_DDL)
        con.execute(
            "INSERT OR IGNORE INTO gpkg_extensions (table_name, column_name, extension_name,"
            " definition, scope) VALUES (?, ?, ?, ?, ?)",
            ("gpkg_metadata", None, "gpkg_metadata",
             "http://www.geopackage.org/spec120/#extension_metadata", "read-write"),
        )
        con.execute(
            "INSERT OR IGNORE INTO gpkg_extensions (table_name, column_name, extension_name,"
            " definition, scope) VALUES (?, ?, ?, ?, ?)",
            ("gpkg_metadata_reference", None, "gpkg_metadata",
             "http://www.geopackage.org/spec120/#extension_metadata", "read-write"),
        )
        cur = con.execute(
            "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata)"
            " VALUES ('dataset', 'https://opendatacommons.org/licenses/', 'text/plain', ?)",
            (text,),
        )
        con.execute(
            "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, column_name,"
            " row_id_value, timestamp, md_file_id, md_parent_id)"
            " VALUES ('geopackage', NULL, NULL, NULL, ?, ?, NULL)",
            (now, cur.lastrowid),
        )


_METADATA_DDL = """
CREATE TABLE IF NOT EXISTS gpkg_extensions (
  table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
  definition TEXT NOT NULL, scope TEXT NOT NULL,
  CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
CREATE TABLE IF NOT EXISTS gpkg_metadata (
  id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL,
  md_scope TEXT NOT NULL DEFAULT 'dataset',
  md_standard_uri TEXT NOT NULL,
  mime_type TEXT NOT NULL DEFAULT 'text/xml',
  metadata TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS gpkg_metadata_reference (
  reference_scope TEXT NOT NULL, table_name TEXT, column_name TEXT, row_id_value INTEGER,
  timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  md_file_id INTEGER NOT NULL, md_parent_id INTEGER,
  CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),
  CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id));
"""

_STYLES_DDL = """
CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
  f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT,
  styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
"""


def _write_styles(path: Path, layers: list[Layer]) -> None:
    """Store each layer's QGIS style (QML) in ``layer_styles`` as the default style."""
    rows = []
    for layer in layers:
        if not layer.spec.style:
            continue
        rows.append((layer.spec.id, "geom", layer.spec.style.removesuffix(".qml"),
                     read_style(layer.spec.style), "greentour"))
    if not rows:
        return
    with sqlite3.connect(path) as con:
        con.executescript(_STYLES_DDL)
        con.executemany(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name,"
            " f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description)"
            " VALUES ('', '', ?, ?, ?, ?, '', 1, ?)",
            rows,
        )
