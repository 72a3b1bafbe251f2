"""Colour and icon of a task type on the board and the map (one family per kind of work).

The colours are dark enough for white text (contrast >= 4.5:1) and told apart by a letter icon
too, so the board does not rely on colour alone (WCAG 1.4.1).
"""

from __future__ import annotations

from typing import Any

#: family -> (colour, icon letter, German name, English name)
FAMILIES: dict[str, tuple[str, str, str, str]] = {
    "mow": ("#2e7d32", "M", "Mähen", "Mowing"),
    "hedge": ("#5d4037", "H", "Hecke", "Hedge"),
    "trees": ("#33691e", "B", "Bäume", "Trees"),
    "clearance": ("#795548", "F", "Freischnitt", "Clearance"),
    "water": ("#1565c0", "W", "Wässern", "Watering"),
    "playground": ("#6a1b9a", "S", "Spielplatz", "Playground"),
    "bins": ("#455a64", "P", "Papierkörbe", "Bins"),
    "leaves": ("#a04000", "L", "Laub", "Leaves"),
    "storm": ("#b71c1c", "!", "Sturmschaden", "Storm damage"),
    "other": ("#37474f", "•", "Sonstiges", "Other"),
}
#: task type code prefix -> family (first match wins)
_PREFIXES = (
    ("mow", "mow"), ("trim_edges", "mow"), ("hedge", "hedge"), ("prune_trees", "trees"),
    ("inspect_trees", "trees"), ("clearance", "clearance"), ("water", "water"),
    ("inspect_playground", "playground"), ("empty_bins", "bins"), ("collect_leaves", "leaves"),
    ("storm", "storm"), ("cemetery", "mow"),
)


def family_of(task_type: str) -> str:
    """``mow_ornamental`` -> ``mow``; unknown types are ``other``."""
    return next((fam for prefix, fam in _PREFIXES if task_type.startswith(prefix)), "other")


def task_style(task_type: str, lang: str = "de") -> dict[str, Any]:
    """Colour, icon letter and family name of a task type."""
    family = family_of(task_type)
    colour, icon, de, en = FAMILIES[family]
    return {"family": family, "colour": colour, "icon": icon,
            "family_label": en if lang == "en" else de}


def legend(lang: str = "de") -> list[dict[str, Any]]:
    """All families in board order (for the legend)."""
    return [{"family": fam, "colour": c, "icon": i, "family_label": en if lang == "en" else de}
            for fam, (c, i, de, en) in FAMILIES.items()]
