"""The tenant TOML's ``[gis]`` section: ``epsg`` and ``attribution``.

Checked once by :func:`parse_gis_section` when the tenant file is read
(:func:`greentour.tenant_config.load_tenant_config`), so a bad value is refused then, not at the
first export; exports read the :class:`GisSettings` of
:func:`greentour.tenant_config.tenant_config`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from pyproj import CRS
from pyproj.exceptions import CRSError

GIS_KEYS = ("epsg", "attribution")


class GisSettingsError(ValueError):
    """A bad ``[gis]`` value; ``key`` is the dotted key (``gis.epsg``), the text the reason."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.key = key


class GisSettings(NamedTuple):
    """The checked ``[gis]`` table."""

    epsg: int | None = None
    """A projected CRS in metres for exports; None: chosen from the data."""
    attribution: tuple[str, ...] = ()
    """Extra attribution texts (the town's own data licences)."""


def parse_gis_section(table: Any) -> GisSettings:
    """``epsg`` (a projected CRS in metres, None: chosen from the data) and the extra
    ``attribution`` texts of a ``[gis]`` table; :class:`GisSettingsError` when malformed."""
    gis = table or {}
    if not isinstance(gis, dict):
        raise GisSettingsError("gis", "muss ein Abschnitt sein")
    unknown = sorted(set(gis) - set(GIS_KEYS))
    if unknown:
        raise GisSettingsError(f"gis.{unknown[0]}", f"kennt {', '.join(unknown)} nicht "
                               f"(erlaubt: {', '.join(GIS_KEYS)})")
    epsg = gis.get("epsg")
    if epsg is not None:
        try:
            crs = CRS.from_epsg(int(epsg))
        except (CRSError, TypeError, ValueError):
            raise GisSettingsError("gis.epsg", f"epsg = {epsg!r} ist kein EPSG-Code") from None
        unit = crs.axis_info[0].unit_name if crs.axis_info else ""
        if not crs.is_projected or unit not in ("metre", "meter"):
            raise GisSettingsError("gis.epsg", f"epsg = {epsg} ist kein metrisches "
                                   "projiziertes KBS (z. B. 25832 oder 25833)")
        epsg = int(epsg)
    extra = gis.get("attribution") or ()
    if isinstance(extra, str):
        return GisSettings(epsg, (extra,))
    if not isinstance(extra, list | tuple):
        raise GisSettingsError("gis.attribution",
                               f"attribution = {extra!r} ist weder Text noch Liste von Texten")
    return GisSettings(epsg, tuple(str(a) for a in extra))
