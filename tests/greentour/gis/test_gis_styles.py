"""The shipped QGIS styles (data/qgis/*.qml) fit the layers they are linked from."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from greentour.gis.records import LAYER_SPECS
from greentour.gis.styles import read_style, style_path

SYMBOL_FOR = {"MultiPolygon": ("fill", "2"), "MultiLineString": ("line", "1"),
              "LineString": ("line", "1"), "Point": ("marker", "0")}


@pytest.mark.parametrize("spec", LAYER_SPECS, ids=lambda s: s.id)
def test_style_matches_layer(spec):
    """Each layer's QML parses, draws its geometry type and names only the layer's fields."""
    root = ET.fromstring(read_style(spec.style))
    assert root.tag == "qgis"
    symbol_type, geometry_code = SYMBOL_FOR[spec.geometry_type]
    assert {s.get("type") for s in root.iter("symbol")} == {symbol_type}
    assert root.findtext("layerGeometryType") == geometry_code
    fields = set(spec.field_names())
    renderer = root.find("renderer-v2")
    if renderer.get("attr"):
        assert renderer.get("attr") in fields
    expressions = [o.get("value") for o in root.iter("Option") if o.get("name") == "expression"]
    expressions += [t.get("fieldName") for t in root.iter("text-style")]
    for expression in expressions:
        quoted = set(re.findall(r'"([^"]+)"', expression))
        assert quoted <= fields, (spec.id, quoted - fields)


def test_style_names_are_plain_files():
    """Style lookup refuses paths outside data/qgis."""
    with pytest.raises(ValueError):
        style_path("../../pyproject.toml")
