"""The GIS export of the work records: cost per site and year for QGIS (issue 17).

A GeoPackage with the tenant's maintained sites (areas, lines, points; the same site fields as
the plan export, :mod:`greentour.gis.records`) plus the booked figures of one year:
``year``, ``cost_eur_year`` (person, machine and vehicle EUR booked to the site),
``person_h_year`` and ``cost_eur_per_m2_year`` (EUR / ``area_m2``; empty without an area).
Costs are internal figures of the town: they are never part of the public layers.

The layer ids are ``site_costs_areas``, ``site_costs_lines`` and ``site_costs_points``; the
file carries the licence metadata of every greentour GeoPackage (OSM-derived sites: ODbL).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from shapely.geometry import Point
from sqlalchemy import Engine

from greentour.errors import BadInput
from greentour.gis import records as R
from greentour.gis.crs import metric_epsg_for
from greentour.gis.export import _geometry, _new_layer_set, _tenant
from greentour.gis.gpkg import write_gpkg
from greentour.records import service as records_service
from greentour.records import store_io
from greentour.store import tenant_session
from greentour.workplace.labels import site_label

COST_FIELDS = (
    R.Field("year", "int", "Jahr"),
    R.Field("cost_eur_year", "float", "Kosten im Jahr (EUR)"),
    R.Field("person_h_year", "float", "Personalstunden im Jahr"),
    R.Field("cost_eur_per_m2_year", "float", "Kosten je m² und Jahr (EUR)"),
)
_BASE = ("site_id", "name", "category", "care_class", "area_m2", "length_m", "tree_count",
         "in_maintenance", "maintained_by", "cost_centre", "source", "osm_type", "osm_id",
         "osm_version", "cadastre_ref")


def _cost_spec(spec: R.LayerSpec, suffix: str, title: str) -> R.LayerSpec:
    fields = tuple(f for f in spec.fields if f.name in _BASE) + COST_FIELDS
    return replace(spec, id=f"site_costs_{suffix}", title=title, fields=fields, style=None,
                   description="Gebuchte Kosten je Grünfläche und Jahr (Leistungserfassung): "
                               "Personal, Maschinen, Fahrzeuge; Kosten je m² und Jahr.")


COST_SPECS = {
    R.SITE_AREAS.id: _cost_spec(R.SITE_AREAS, "areas", "Kosten je Fläche (Flächen)"),
    R.SITE_LINES.id: _cost_spec(R.SITE_LINES, "lines", "Kosten je Fläche (Linien)"),
    R.SITE_POINTS.id: _cost_spec(R.SITE_POINTS, "points", "Kosten je Fläche (Punkte)"),
}


@dataclass
class CostLayerSet(R.LayerSet):
    """A layer set holding only the cost layers (the writers iterate :meth:`non_empty`)."""

    def __post_init__(self) -> None:
        for spec in COST_SPECS.values():
            self.layers.setdefault(spec.id, R.Layer(spec))

    def non_empty(self) -> list[R.Layer]:
        return [self.layers[s.id] for s in COST_SPECS.values() if self.layers[s.id].features]

    def all_features(self) -> Iterable[tuple[R.LayerSpec, R.Feature]]:
        for spec in COST_SPECS.values():
            for feature in self.layers[spec.id].features:
                yield spec, feature


def cost_layers(engine: Engine, tenant_id: int, year: int) -> CostLayerSet:
    """The maintained sites (and every site with bookings) with their costs of ``year``."""
    tenant = _tenant(engine, tenant_id)
    base = _new_layer_set(tenant, f"{tenant.name} – Kosten je Fläche {year}")
    layers = CostLayerSet(title=base.title, timezone=base.timezone,
                          metric_epsg=base.metric_epsg, extra_attribution=base.extra_attribution)
    with tenant_session(engine, tenant_id) as session:
        costs = records_service.site_costs(session, year)
        settings, _ = records_service.settings_of(session)
        for site in store_io.sites(session):
            if not (site.in_maintenance or site.id in costs):
                continue
            geom = _geometry(site.geometry_geojson) or Point(site.lon, site.lat)
            spec = COST_SPECS[R.site_layer_for(geom).id]
            figures: dict[str, Any] = costs.get(site.id, {})
            layers.add(spec.id, R.make_feature(
                spec, site.id, geom, site_id=site.id, name=site_label(site),
                category=site.category, care_class=site.care_class, area_m2=site.area_m2,
                length_m=site.length_m, tree_count=site.tree_count,
                in_maintenance=site.in_maintenance, maintained_by=site.maintained_by,
                cost_centre=settings.cost_centre(site.cost_centre, site.category),
                source=site.source, osm_type=site.osm_type, osm_id=site.osm_id,
                osm_version=site.osm_version, cadastre_ref=site.cadastre_id, year=year,
                cost_eur_year=round(figures.get("eur", 0.0), 2),
                person_h_year=round(figures.get("person_h", 0.0), 2),
                cost_eur_per_m2_year=(round(figures["eur_per_m2"], 4)
                                      if figures.get("eur_per_m2") is not None else
                                      (0.0 if site.area_m2 else None)),
            ))
    if layers.metric_epsg is None:
        layers.metric_epsg = metric_epsg_for(f.geometry for _, f in layers.all_features())
    return layers


def export_costs_gpkg(engine: Engine, tenant_id: int, year: int, out: Path | str) -> dict[str, int]:
    """Write the cost layers of ``year`` to a GeoPackage at ``out`` (temporary name, then
    renamed: a failed export leaves no half file); returns the feature counts per layer."""
    out = Path(out)
    tmp = out.with_name(f".{out.stem}.part{out.suffix}")
    try:
        counts = write_gpkg(cost_layers(engine, tenant_id, year), tmp)
    except ValueError as exc:
        tmp.unlink(missing_ok=True)
        raise BadInput(f"Keine Flächen für die Kostenebene {year} ({exc})") from exc
    tmp.replace(out)
    return counts
