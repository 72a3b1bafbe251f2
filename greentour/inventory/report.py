"""The import report: counts and m² by category and status, and what the import did.

Shown by the CLI after ``greentour import-osm`` / ``import-cadastre`` and returned by the
service functions, so that an implausible result (a whole town of private gardens accepted,
0.1 m² of green per inhabitant) shows at once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import geopandas as gpd

STATUS_DE = {"accepted": "in Pflege", "candidate": "Kandidat", "rejected": "abgelehnt"}


@dataclass
class CategoryRow:
    """Sites of one category and status."""

    category: str
    status: str
    count: int
    area_m2: float
    length_m: float


@dataclass
class ImportReport:
    """Outcome of one import (everything a planner needs to judge it)."""

    source: str
    file: str
    rows: list[CategoryRow] = field(default_factory=list)
    sites_total: int = 0
    sites_new: int = 0
    sites_updated: int = 0
    maintained_area_m2: float = 0.0
    population: int | None = None
    trees_total: int = 0
    trees_in_sites: int = 0
    merged: dict[str, int] = field(default_factory=dict)
    with_access: int = 0
    no_access: list[tuple[str, float]] = field(default_factory=list)
    matrices: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    status_changed: int = 0
    """stored sites whose status the new classification (acceptance list) changed"""
    decisions_kept: int = 0
    """stored sites where the planner's status was kept against the new classification"""
    linked: int = 0
    """OSM sites linked to the cadastre site covering them (out of maintenance)"""
    revisions: int = 0
    """changes of stored sites recorded (SiteRevision)"""
    overwritten_other_file: int = 0
    """stored sites whose geometry came from another file before (recorded)"""
    left_maintenance: list[int] = field(default_factory=list)
    tasks_cancelled: int = 0
    tasks_still_planned: int = 0
    inventory_sites: int = 0
    inventory_area_m2: float = 0.0
    """the tenant's whole inventory in maintenance after the import, every area once (m²)"""

    @property
    def maintained_m2_per_inhabitant(self) -> float | None:
        """Area in maintenance per inhabitant, m² (None without a population): the tenant's
        whole inventory after the import (every real area once, all sources), else the
        file's accepted area."""
        if not self.population:
            return None
        area = self.inventory_area_m2 if self.inventory_sites else self.maintained_area_m2
        return area / self.population

    def count(self, status: str, category: str | None = None) -> int:
        """Number of sites with ``status`` (and ``category``)."""
        return sum(r.count for r in self.rows
                   if r.status == status and (category is None or r.category == category))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (job results, API)."""
        data = asdict(self)
        data["maintained_m2_per_inhabitant"] = self.maintained_m2_per_inhabitant
        return data

    def to_text(self) -> str:
        """German plain-text report for the CLI."""
        lines = [f"Import {self.source}: {self.file}",
                 f"{'Kategorie':<20} {'Status':<11} {'Anzahl':>7} {'Fläche m²':>12} "
                 f"{'Länge m':>9}"]
        for r in self.rows:
            lines.append(f"{r.category:<20} {STATUS_DE.get(r.status, r.status):<11} "
                         f"{r.count:>7} {r.area_m2:>12,.0f} {r.length_m:>9,.0f}")
        lines.append(f"Flächen gesamt: {self.sites_total} (neu {self.sites_new}, "
                     f"aktualisiert {self.sites_updated})")
        per_head = self.maintained_m2_per_inhabitant
        lines.append(f"In Pflege (diese Datei): {self.maintained_area_m2:,.0f} m²")
        if self.trees_total:
            lines.append(f"Bäume: {self.trees_total}, davon {self.trees_in_sites} in Flächen")
        merged = ", ".join(f"{k}: {v}" for k, v in self.merged.items() if v)
        if merged:
            lines.append(f"Bereinigt: {merged}")
        lines.append(f"Zufahrtspunkte: {self.with_access} Flächen; ohne Zufahrt: "
                     f"{len(self.no_access)}")
        for name, dist in self.no_access[:10]:
            lines.append(f"  ohne Zufahrt: {name} ({dist:,.0f} m bis zur nächsten Straße)")
        if self.status_changed or self.decisions_kept:
            lines.append(f"Status neu eingestuft (Annahmeliste/Regeln): {self.status_changed}; "
                         f"Entscheidung der Planung beibehalten: {self.decisions_kept}")
        if self.linked:
            lines.append(f"Mit Kataster verknüpft (OSM-Fläche bleibt als Herkunft, nicht in "
                         f"Pflege): {self.linked}")
        if self.revisions:
            lines.append(f"Geänderte Flächen protokolliert: {self.revisions}"
                         + (f", davon {self.overwritten_other_file} zuvor aus anderer Datei"
                            if self.overwritten_other_file else ""))
        if self.left_maintenance:
            lines.append(f"Aus der Pflege genommen: {len(set(self.left_maintenance))} Flächen; "
                         f"offene Aufgaben storniert: {self.tasks_cancelled}"
                         + (f"; noch in Plänen: {self.tasks_still_planned}"
                            if self.tasks_still_planned else ""))
        lines.append(f"Bestand in Pflege (alle Quellen, jede Fläche einmal): "
                     f"{self.inventory_sites} Flächen, {self.inventory_area_m2:,.0f} m²"
                     + (f" = {per_head:.1f} m² je Einwohner ({self.population:,} Einwohner)"
                        if per_head is not None else " (Einwohnerzahl unbekannt)"))
        if self.matrices:
            lines.append("Fahrzeitmatrizen: " + ", ".join(
                f"{p} ({n} Orte)" for p, n in self.matrices.items()))
        lines.extend(f"Hinweis: {n}" for n in self.notes)
        return "\n".join(lines)


def category_rows(sites: gpd.GeoDataFrame) -> list[CategoryRow]:
    """Rows per (category, status) of classified site rows."""
    if not len(sites):
        return []
    grouped = sites.groupby(["category", "status"], as_index=False).agg(
        count=("key", "size"), area_m2=("area_m2", "sum"), length_m=("length_m", "sum"))
    return [CategoryRow(r.category, r.status, int(r["count"]), float(r.area_m2 or 0.0),
                        float(r.length_m or 0.0))
            for _, r in grouped.sort_values(["category", "status"]).iterrows()]
