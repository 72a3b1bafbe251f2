"""QGIS layer styles (QML) shipped in data/qgis/, one per GIS layer.

The styles refer to the stable property names of :mod:`greentour.gis.records`; the OGC API links
them from each collection (rel ``describedby``/``style``) and the GeoPackage writer embeds them
in ``layer_styles`` so QGIS applies them on adding the layer.
"""

from __future__ import annotations

from pathlib import Path

STYLE_DIR = Path(__file__).resolve().parents[2] / "data" / "qgis"
QML_MEDIA_TYPE = "application/vnd.qgis.qml"


def style_path(name: str) -> Path:
    """Path of a shipped QML style; refuses names that are not plain file names in STYLE_DIR."""
    if Path(name).name != name or not name.endswith(".qml"):
        raise ValueError(f"not a style name: {name!r}")
    path = STYLE_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"QGIS style {name} is missing in {STYLE_DIR}")
    return path


def read_style(name: str) -> str:
    """The QML text of a shipped style."""
    return style_path(name).read_text(encoding="utf-8")
