"""Planner-readable names of sites and task types (OSM names are plain text, never markup)."""

from __future__ import annotations

from typing import Any

#: site categories in German and English
CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "park": ("Park", "Park"),
    "playground": ("Spielplatz", "Playground"),
    "cemetery": ("Friedhof", "Cemetery"),
    "sports_pitch": ("Sportplatz", "Sports pitch"),
    "garden": ("Garten", "Garden"),
    "verge": ("Straßenbegleitgrün", "Road verge"),
    "hedge": ("Hecke", "Hedge"),
    "meadow": ("Wiese", "Meadow"),
    "tree_group": ("Baumgruppe", "Tree group"),
    "tree": ("Baum", "Tree"),
    "lawn": ("Rasen", "Lawn"),
    "grass": ("Rasen", "Lawn"),
    "village_green": ("Grünanlage", "Village green"),
    "recreation_ground": ("Freizeitgelände", "Recreation ground"),
    "scrub": ("Gebüsch", "Scrub"),
    "dog_park": ("Hundewiese", "Dog park"),
}


def category_label(category: str, lang: str = "de") -> str:
    """``playground`` -> ``Spielplatz`` (unknown categories as they are)."""
    pair = CATEGORY_LABELS.get(category)
    return pair[1 if lang == "en" else 0] if pair else category


def site_label(site: Any, lang: str = "de") -> str:
    """A site's name, or its category with the OSM id (or store id) when OSM has no name."""
    if site.name:
        return site.name
    ref = f"OSM {site.osm_id}" if getattr(site, "osm_id", None) else f"#{site.id}"
    return f"{category_label(site.category, lang)} ({ref})"
