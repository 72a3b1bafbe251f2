"""Licence and attribution texts carried by every GIS output.

OpenStreetMap-derived data (road geometry of tours, OSM-sourced sites, positions snapped to the
road network) is licensed under the ODbL 1.0: outputs must name "© OpenStreetMap contributors"
and, when published as a database, be offered under the ODbL too (share-alike).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL"
OSM_LICENCE_NAME = "ODbL-1.0"
OSM_LICENCE_URL = "https://opendatacommons.org/licenses/odbl/1-0/"
OSM_COPYRIGHT_URL = "https://www.openstreetmap.org/copyright"
SHARE_ALIKE_NOTE = (
    "Diese Daten enthalten aus OpenStreetMap abgeleitete Inhalte (ODbL 1.0). Wer sie "
    "veröffentlicht, muss die abgeleitete Datenbank ebenfalls unter der ODbL anbieten "
    "(share-alike) und © OpenStreetMap contributors nennen."
)


@dataclass(frozen=True)
class Licence:
    """What an output carries: licence name and link (None when no OSM data is inside),
    attribution lines and whether share-alike applies."""

    name: str | None
    url: str | None
    attribution: tuple[str, ...]
    share_alike: bool

    def as_member(self) -> dict:
        """The top-level ``licence`` member of a GeoJSON document."""
        member: dict = {"attribution": list(self.attribution), "share_alike": self.share_alike}
        if self.name:
            member["name"] = self.name
            member["href"] = self.url
            member["copyright"] = OSM_COPYRIGHT_URL
        return member

    def text(self) -> str:
        """One line for file metadata (GeoPackage, GPX)."""
        parts = list(self.attribution)
        if self.name:
            parts.append(f"Lizenz: {self.name} {self.url}")
        return "; ".join(parts)


def licence_for(osm_derived: bool, extra_attribution: Iterable[str] = ()) -> Licence:
    """The licence of an output that does (or does not) contain OSM-derived data."""
    extra = tuple(a for a in extra_attribution if a)
    if osm_derived:
        return Licence(OSM_LICENCE_NAME, OSM_LICENCE_URL, (OSM_ATTRIBUTION, *extra), True)
    return Licence(None, None, extra, False)
