"""GeoJSON and GPX of one crew tour, written by the GIS writers of :mod:`greentour.gis`.

The GIS export service maps a stored plan to layers (:func:`greentour.gis.export.plan_layers`);
here the layers are narrowed to one tour, its stops and the sites it visits, so the tablet or a
navigation device gets exactly the crew's day.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from sqlalchemy import Engine

from greentour.gis import records as R
from greentour.gis.export import plan_layers
from greentour.gis.geojson import layer_set_collection
from greentour.gis.gpx import gpx_document

TOUR_LAYERS = ("tours", "stops", "site_areas", "site_lines", "site_points")


def tour_layers(engine: Engine, tenant_id: int, plan_id: int, tour_id: int) -> R.LayerSet:
    """The layers of one tour: the tour line, its stops and the sites its stops serve."""
    full = plan_layers(engine, tenant_id, plan_id)
    narrowed = R.LayerSet(
        title=f"{full.title} – Tour {tour_id}",
        timezone=full.timezone,
        metric_epsg=full.metric_epsg,
        extra_attribution=full.extra_attribution,
        task_labels=full.task_labels,
    )
    for feature in full.layer("tours").features:
        if feature.fid == tour_id:
            narrowed.add("tours", feature)
    site_ids = set()
    for feature in full.layer("stops").features:
        if feature.properties["tour_id"] == tour_id:
            narrowed.add("stops", feature)
            if feature.properties["site_id"] is not None:
                site_ids.add(feature.properties["site_id"])
    for layer_id in ("site_areas", "site_lines", "site_points"):
        for feature in full.layer(layer_id).features:
            if feature.properties["site_id"] in site_ids:
                narrowed.add(layer_id, feature)
    return narrowed


def tour_geojson(engine: Engine, tenant_id: int, plan_id: int, tour_id: int) -> dict[str, Any]:
    """RFC 7946 FeatureCollection of the tour, its stops and its sites (``layer`` property)."""
    return layer_set_collection(tour_layers(engine, tenant_id, plan_id, tour_id), TOUR_LAYERS)


def tour_gpx(engine: Engine, tenant_id: int, plan_id: int, tour_id: int) -> bytes:
    """GPX 1.1 of the tour: a route of the stops and a track along the roads."""
    tree = gpx_document(tour_layers(engine, tenant_id, plan_id, tour_id), [tour_id])
    ET.indent(tree)
    return ET.tostring(tree.getroot(), encoding="UTF-8", xml_declaration=True)
