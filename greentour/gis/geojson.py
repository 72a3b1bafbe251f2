"""GeoJSON (RFC 7946) serialisation of feature records.

RFC 7946 rules kept here: coordinates are WGS84 lon/lat with no ``crs`` member; polygon exterior
rings run counter-clockwise and holes clockwise (§3.1.6); coordinates are rounded to 7 decimals
(about 1 cm, §11.2 recommends no more precision than needed). Datetimes are ISO 8601 with the
tenant's UTC offset (e.g. ``2026-06-01T07:10:00+02:00``), dates ``YYYY-MM-DD``. The top-level
``licence`` and ``attribution`` members are foreign members (§6.1) that GIS clients ignore and
humans read.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from greentour.gis.licence import Licence, licence_for
from greentour.gis.records import LAYER_SPECS, Feature, LayerSet, LayerSpec

MEDIA_TYPE = "application/geo+json"
COORDINATE_DECIMALS = 7


def rfc7946_geometry(geometry: BaseGeometry) -> BaseGeometry:
    """Geometry with RFC 7946 winding (exterior counter-clockwise) and 7-decimal coordinates."""
    if geometry.geom_type in ("Polygon", "MultiPolygon", "GeometryCollection"):
        geometry = shapely.orient_polygons(geometry, exterior_cw=False)
    return shapely.transform(geometry, lambda xy: np.round(xy, COORDINATE_DECIMALS))


def geometry_member(geometry: BaseGeometry | None) -> dict[str, Any] | None:
    """The ``geometry`` member of a GeoJSON feature (None for a missing geometry)."""
    if geometry is None or geometry.is_empty:
        return None
    return mapping(rfc7946_geometry(geometry))


def json_value(value: Any, tz: ZoneInfo) -> Any:
    """A property value as JSON: aware datetimes in the tenant's zone with offset, dates ISO."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in a GIS property; store times timezone-aware")
        return value.astimezone(tz).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, np.generic):
        return value.item()
    return value


def feature_dict(
    spec: LayerSpec, feature: Feature, tz: ZoneInfo, with_layer: bool = False
) -> dict[str, Any]:
    """One GeoJSON Feature object; ``id`` is the stable integer id of its layer, or
    ``"<layer>.<id>"`` when several layers share one document (ids stay unique)."""
    properties = {k: json_value(v, tz) for k, v in feature.properties.items()}
    fid: int | str = feature.fid
    if with_layer:
        properties = {"layer": spec.id, **properties}
        fid = f"{spec.id}.{feature.fid}"
    return {
        "type": "Feature",
        "id": fid,
        "geometry": geometry_member(feature.geometry),
        "properties": properties,
    }


def feature_collection(
    items: Iterable[tuple[LayerSpec, Feature]],
    timezone: str,
    licence: Licence,
    name: str | None = None,
    with_layer: bool = False,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A FeatureCollection of (layer spec, feature) pairs with licence members.

    ``with_layer`` adds a ``layer`` property (needed when several layers share one file)."""
    tz = ZoneInfo(timezone)
    doc: dict[str, Any] = {"type": "FeatureCollection"}
    if name:
        doc["name"] = name
    doc["attribution"] = "; ".join(licence.attribution)
    doc["licence"] = licence.as_member()
    if extra:
        doc.update(extra)
    doc["features"] = [feature_dict(spec, f, tz, with_layer) for spec, f in items]
    return doc


def layer_set_collection(layers: LayerSet, layer_ids: Iterable[str] | None = None) -> dict:
    """A FeatureCollection of the chosen layers (all when None) of an export.

    Several layers in one file get a ``layer`` property so QGIS can filter them apart."""
    chosen = list(layer_ids) if layer_ids is not None else [s.id for s in LAYER_SPECS]
    unknown = [i for i in chosen if i not in layers.layers]
    if unknown:
        raise ValueError(f"unknown GIS layer(s) {unknown}; known: {[s.id for s in LAYER_SPECS]}")
    specs = [layers.layer(i).spec for i in chosen]
    items = [(spec, f) for spec in specs for f in layers.layer(spec.id).features]
    osm = any(spec.osm_derived or _osm_sourced(f) for spec, f in items)
    licence = licence_for(osm, layers.extra_attribution)
    return feature_collection(items, layers.timezone, licence, name=layers.title,
                              with_layer=len(specs) > 1)


def _osm_sourced(feature: Feature) -> bool:
    return feature.properties.get("source") == "osm"


def dumps(doc: dict[str, Any]) -> str:
    """Serialise a GeoJSON document compactly as UTF-8 text (non-ASCII kept)."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def write_geojson(layers: LayerSet, path, layer_ids: Iterable[str] | None = None) -> int:
    """Write the chosen layers as one RFC 7946 FeatureCollection; return the feature count."""
    doc = layer_set_collection(layers, layer_ids)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(dumps(doc))
    return len(doc["features"])
