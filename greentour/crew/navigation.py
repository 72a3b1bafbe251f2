"""Navigation links handed to the device's own map app (no tracking, no tiles in greentour).

``geo:`` URIs (RFC 5870) open the default map or navigation app on Android and most tablets;
the OpenStreetMap link is the fallback that works in every browser.
"""

from __future__ import annotations

from urllib.parse import quote


def geo_uri(lat: float, lon: float, label: str = "") -> str:
    """RFC 5870 geo URI with a label for Android map apps (``geo:lat,lon?q=lat,lon(label)``)."""
    point = f"{lat:.6f},{lon:.6f}"
    if not label:
        return f"geo:{point}?q={point}"
    return f"geo:{point}?q={point}({quote(label, safe='')})"


def osm_url(lat: float, lon: float, zoom: int = 18) -> str:
    """An openstreetmap.org link with a marker at the point."""
    return (
        f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}"
        f"#map={zoom}/{lat:.6f}/{lon:.6f}"
    )


def navigation_links(lat: float, lon: float, label: str = "") -> dict[str, str]:
    """Both links for the tour payload."""
    return {"geo_uri": geo_uri(lat, lon, label), "osm_url": osm_url(lat, lon)}
