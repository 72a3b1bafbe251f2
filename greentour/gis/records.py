"""Plain feature records that every GIS writer and the OGC API core take as input.

The writers (GeoJSON, GeoPackage, GPX, OGC API) know nothing of the store: the export service
maps stored rows to the dataclasses below, and each writer serialises them. Geometries are shapely
objects in WGS84 lon/lat (EPSG:4326 axis order lon, lat); datetimes are timezone-aware. Property
names are part of the public interface (QGIS projects and styles refer to them): change them only
together with docs/gis.md and data/qgis/*.qml.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

#: Field types a layer schema may use; writers map them to GeoJSON / GeoPackage types.
FIELD_TYPES = ("int", "float", "str", "bool", "date", "datetime")


@dataclass(frozen=True)
class Field:
    """One attribute of a layer: stable name, type (one of FIELD_TYPES) and German title."""

    name: str
    type: str
    title: str

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name!r}: unknown type {self.type!r}")


@dataclass(frozen=True)
class Feature:
    """A feature of a layer: stable integer id, WGS84 geometry and properties by field name."""

    fid: int
    geometry: BaseGeometry
    properties: dict[str, Any]


@dataclass(frozen=True)
class LayerSpec:
    """A layer's identity: id (also the GeoPackage table and OGC collection id), one geometry
    type (OGC simple-feature name), German title, description, its fields, the datetime field
    used for temporal filtering (or None) and whether its geometry derives from OpenStreetMap."""

    id: str
    geometry_type: str
    title: str
    description: str
    fields: tuple[Field, ...]
    time_field: str | None = None
    osm_derived: bool = False
    style: str | None = None

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


@dataclass
class Layer:
    """A layer's spec together with its features (ordered by fid)."""

    spec: LayerSpec
    features: list[Feature] = field(default_factory=list)


_PROVENANCE = (
    Field("source", "str", "Quelle (cadastre / osm / manual)"),
    Field("osm_type", "str", "OSM-Objekttyp (node/way/relation)"),
    Field("osm_id", "int", "OSM-ID"),
    Field("osm_version", "int", "OSM-Version"),
    Field("cadastre_ref", "str", "Kennung im Grünflächenkataster"),
)

_SITE_FIELDS = (
    Field("site_id", "int", "Flächen-ID"),
    Field("name", "str", "Name"),
    Field("category", "str", "Kategorie"),
    Field("care_class", "str", "Pflegeklasse"),
    Field("area_m2", "float", "Fläche m²"),
    Field("length_m", "float", "Länge m"),
    Field("tree_count", "int", "Anzahl Bäume"),
    Field("in_maintenance", "bool", "in Pflege"),
    Field("maintained_by", "str", "gepflegt von"),
    Field("cost_centre", "str", "Kostenstelle"),
    Field("need", "str", "Bedarf (due / planned / ok)"),
    Field("next_due", "date", "nächste Fälligkeit"),
    Field("last_done", "date", "zuletzt erledigt"),
    Field("open_tasks", "int", "offene Aufgaben"),
    *_PROVENANCE,
)

SITE_AREAS = LayerSpec(
    "site_areas", "MultiPolygon", "Grünflächen (Flächen)",
    "Flächenhafte Grünflächen mit Pflegebedarf und Herkunft.", _SITE_FIELDS,
    style="site_areas.qml",
)
SITE_LINES = LayerSpec(
    "site_lines", "MultiLineString", "Grünflächen (Linien)",
    "Hecken, Straßenbegleitgrün und andere linienhafte Flächen.", _SITE_FIELDS,
    style="site_lines.qml",
)
SITE_POINTS = LayerSpec(
    "site_points", "Point", "Grünflächen (Punkte)",
    "Bäume, Baumgruppen, Spielplatzgeräte und andere punktförmige Objekte.", _SITE_FIELDS,
    style="site_points.qml",
)
TOURS = LayerSpec(
    "tours", "LineString", "Touren",
    "Tagestour je Kolonne entlang der Straßen (OpenStreetMap), mit Kennzahlen.",
    (
        Field("tour_id", "int", "Tour-ID"),
        Field("plan_id", "int", "Plan-ID"),
        Field("crew_day_id", "int", "Tagesbesetzung-ID"),
        Field("crew", "str", "Kolonne"),
        Field("vehicle", "str", "Fahrzeug"),
        Field("date", "date", "Datum"),
        Field("start_at", "datetime", "Start"),
        Field("end_at", "datetime", "Ende"),
        Field("stop_count", "int", "Anzahl Stopps"),
        Field("distance_m", "float", "Fahrstrecke m"),
        Field("drive_s", "int", "Fahrzeit s"),
        Field("service_s", "int", "Arbeitszeit s"),
        Field("locked", "bool", "fixiert"),
        Field("source", "str", "Quelle der Geometrie"),
    ),
    time_field="start_at", osm_derived=True, style="tours.qml",
)
STOPS = LayerSpec(
    "stops", "Point", "Stopps",
    "Stopps der Touren in Reihenfolge mit geplanter Ankunft und Aufgabe.",
    (
        Field("stop_id", "int", "Stopp-ID"),
        Field("tour_id", "int", "Tour-ID"),
        Field("plan_id", "int", "Plan-ID"),
        Field("crew", "str", "Kolonne"),
        Field("date", "date", "Datum"),
        Field("sequence", "int", "Reihenfolge"),
        Field("kind", "str", "Art (task / reload / depot)"),
        Field("eta", "datetime", "geplante Ankunft"),
        Field("service_start", "datetime", "Arbeitsbeginn"),
        Field("service_end", "datetime", "Arbeitsende"),
        Field("duration_s", "int", "Dauer s"),
        Field("task_id", "int", "Aufgaben-ID"),
        Field("task_type", "str", "Aufgabe"),
        Field("site_id", "int", "Flächen-ID"),
        Field("site_name", "str", "Fläche"),
        Field("status", "str", "Status"),
        Field("source", "str", "Quelle der Lage"),
    ),
    time_field="eta", osm_derived=True, style="stops.qml",
)
UNASSIGNED = LayerSpec(
    "unassigned", "Point", "Nicht eingeplante Aufgaben",
    "Aufgaben, die der Plan nicht unterbringen konnte, mit Begründung.",
    (
        Field("unassigned_id", "int", "ID"),
        Field("plan_id", "int", "Plan-ID"),
        Field("task_id", "int", "Aufgaben-ID"),
        Field("task_type", "str", "Aufgabe"),
        Field("site_id", "int", "Flächen-ID"),
        Field("site_name", "str", "Fläche"),
        Field("reason", "str", "Grund"),
        Field("due_from", "date", "fällig ab"),
        Field("due_by", "date", "fällig bis"),
        Field("source", "str", "Quelle der Lage"),
    ),
    style="unassigned.qml",
)

#: All layers in their published order (GeoPackage tables, OGC collections).
LAYER_SPECS: tuple[LayerSpec, ...] = (SITE_AREAS, SITE_LINES, SITE_POINTS, TOURS, STOPS, UNASSIGNED)
SPECS_BY_ID = {spec.id: spec for spec in LAYER_SPECS}

#: What a public town shows anonymous users: its sites and when they are due. No crews,
#: vehicles, planned times, outcomes (last done, need), costs or open work (docs/datenschutz.md).
PUBLIC_SITE_FIELDS = frozenset({
    "site_id", "name", "category", "care_class", "area_m2", "length_m", "tree_count",
    "in_maintenance", "next_due", *(f.name for f in _PROVENANCE),
})


def public_spec(spec: LayerSpec) -> LayerSpec:
    """``spec`` with only the fields anonymous users may see."""
    return replace(spec, fields=tuple(f for f in spec.fields if f.name in PUBLIC_SITE_FIELDS))


#: The layers (and fields) a public town's OGC API gives anonymous users.
PUBLIC_LAYER_SPECS: tuple[LayerSpec, ...] = tuple(
    public_spec(spec) for spec in (SITE_AREAS, SITE_LINES, SITE_POINTS)
)


def project(spec: LayerSpec, feature: Feature) -> Feature:
    """``feature`` with only the properties ``spec`` declares (unchanged if it has no others)."""
    names = spec.field_names()
    if set(feature.properties) <= set(names):
        return feature
    return Feature(feature.fid, feature.geometry,
                   {k: v for k, v in feature.properties.items() if k in names})


@dataclass
class LayerSet:
    """Everything a GIS export holds: layers in LAYER_SPECS order plus licence context.

    ``timezone`` is the tenant's IANA zone (local times in GeoJSON/GPX carry its offset);
    ``metric_epsg`` is the tenant's projected CRS for the GeoPackage; ``title`` names the
    export (tenant and plan)."""

    title: str
    timezone: str = "Europe/Berlin"
    metric_epsg: int | None = None
    layers: dict[str, Layer] = field(default_factory=dict)
    extra_attribution: tuple[str, ...] = ()
    task_labels: dict[str, str] = field(default_factory=dict)
    """German names of the task-type codes (``mow`` -> ``Mähen``) for human-readable outputs."""

    def __post_init__(self) -> None:
        for spec in LAYER_SPECS:
            self.layers.setdefault(spec.id, Layer(spec))

    def layer(self, layer_id: str) -> Layer:
        return self.layers[layer_id]

    def add(self, layer_id: str, feature: Feature) -> None:
        self.layers[layer_id].features.append(feature)

    def non_empty(self) -> list[Layer]:
        return [self.layers[s.id] for s in LAYER_SPECS if self.layers[s.id].features]

    def all_features(self) -> Iterable[tuple[LayerSpec, Feature]]:
        for spec in LAYER_SPECS:
            for feature in self.layers[spec.id].features:
                yield spec, feature


def check_properties(spec: LayerSpec, properties: dict[str, Any]) -> dict[str, Any]:
    """Return properties in the spec's field order; refuse unknown or missing names."""
    names = spec.field_names()
    unknown = set(properties) - set(names)
    if unknown:
        raise ValueError(f"layer {spec.id}: unknown properties {sorted(unknown)}")
    missing = [n for n in names if n not in properties]
    if missing:
        raise ValueError(f"layer {spec.id}: missing properties {missing}")
    for f in spec.fields:
        value = properties[f.name]
        if f.type == "datetime" and value is not None and (
            not isinstance(value, dt.datetime) or value.tzinfo is None
        ):
            raise ValueError(f"layer {spec.id}: {f.name} must be a timezone-aware datetime")
    return {n: properties[n] for n in names}


def make_feature(spec: LayerSpec, fid: int, geometry: BaseGeometry, **properties: Any) -> Feature:
    """Build a checked feature of ``spec`` (geometry in WGS84 lon/lat).

    A single geometry in a Multi* layer is promoted (Polygon -> MultiPolygon), so every
    output keeps one geometry type per layer; any other type mismatch is refused."""
    kind = geometry.geom_type
    if kind != spec.geometry_type:
        if spec.geometry_type == f"Multi{kind}":
            geometry = getattr(shapely, spec.geometry_type)([geometry])
        else:
            raise ValueError(f"layer {spec.id} holds {spec.geometry_type}, not {kind}")
    return Feature(int(fid), geometry, check_properties(spec, properties))


def site_layer_for(geometry: BaseGeometry) -> LayerSpec:
    """The site layer a geometry belongs to (areas, lines or points)."""
    kind = geometry.geom_type
    if kind in ("Polygon", "MultiPolygon"):
        return SITE_AREAS
    if kind in ("LineString", "MultiLineString"):
        return SITE_LINES
    if kind in ("Point", "MultiPoint"):
        return SITE_POINTS
    raise ValueError(f"site geometry type {kind} has no GIS layer")
