"""Inspection types, their checklists and intervals (DIN EN 1176-7, FLL Baumkontrollrichtlinie).

* Playgrounds (DIN EN 1176-7:2020, section 8.2): *visual routine inspection* (visuelle
  Routineinspektion, weekly or more often where much used or vandalised), *operational
  inspection* (operative Inspektion, every 1-3 months), *annual main inspection*
  (jährliche Hauptinspektion, every 12 months); each per equipment item (``item``).
* Trees (FLL Richtlinien für Baumkontrollen 2020): *regular control* (Regelkontrolle) at an
  interval by development phase and condition (:func:`tree_interval_months`), and *extra
  control* (Zusatzkontrolle) after an event such as a storm; no interval of its own.
* Clearance (Lichtraumprofil 4.50 m over carriageways, 2.50 m over foot and cycle paths, sight
  triangles above 0.80 m): a check twice a year.

Each checklist item has a key (stable, stored in the record) and a German and English label.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckItem:
    """One question of a checklist."""

    key: str
    label_de: str
    label_en: str


@dataclass(frozen=True)
class InspectionType:
    """An inspection type: its checklist, the task type that plans it, its interval."""

    code: str
    name_de: str
    name_en: str
    task_type: str
    interval_days: int | None
    """Days between two inspections of a site (None: by event or by tree condition)."""
    categories: tuple[str, ...]
    """Site categories it applies to."""
    checklist: tuple[CheckItem, ...]
    per_item: bool = False
    """True: one record per equipment item (playgrounds)."""
    reference: str = ""


_PLAY_VISUAL = (
    CheckItem("surfacing", "Fallschutz vorhanden, nicht verdichtet, keine Fremdkörper",
              "Impact surfacing present, not compacted, no foreign objects"),
    CheckItem("broken_parts", "Keine fehlenden oder gebrochenen Teile",
              "No missing or broken parts"),
    CheckItem("sharp_edges", "Keine scharfen Kanten, vorstehenden Nägel oder Splitter",
              "No sharp edges, protruding nails or splinters"),
    CheckItem("glass_litter", "Keine Scherben, Spritzen, gefährlicher Abfall",
              "No broken glass, syringes, hazardous litter"),
    CheckItem("vandalism", "Keine Vandalismusschäden", "No vandalism damage"),
)
_PLAY_OPERATIONAL = _PLAY_VISUAL + (
    CheckItem("stability", "Standsicherheit, Fundamente nicht freigelegt",
              "Stability, foundations not exposed"),
    CheckItem("wear", "Verschleiß an beweglichen Teilen (Lager, Ketten, Seile)",
              "Wear of moving parts (bearings, chains, ropes)"),
    CheckItem("fixings", "Verbindungen und Befestigungen fest", "Connections and fixings tight"),
    CheckItem("entrapment", "Keine Fangstellen (Kopf, Finger, Kleidung)",
              "No entrapment points (head, fingers, clothing)"),
)
_PLAY_ANNUAL = _PLAY_OPERATIONAL + (
    CheckItem("rot_corrosion", "Fäulnis und Korrosion tragender Teile geprüft",
              "Rot and corrosion of load-bearing parts checked"),
    CheckItem("free_space", "Freiraum und Fallraum nach DIN EN 1176-1 eingehalten",
              "Free space and falling space per DIN EN 1176-1 kept"),
    CheckItem("changes", "Änderungen seit der letzten Hauptinspektion bewertet",
              "Changes since the last main inspection assessed"),
)
_TREE = (
    CheckItem("crown", "Krone: Totholz, Bruchstellen, Zwiesel mit Rissen",
              "Crown: dead wood, fractures, forks with cracks"),
    CheckItem("trunk", "Stamm: Höhlungen, Risse, Pilzfruchtkörper",
              "Trunk: cavities, cracks, fungal fruiting bodies"),
    CheckItem("root_collar", "Stammfuß und Wurzelanlauf: Fäule, Anhebungen",
              "Root collar: decay, soil heaving"),
    CheckItem("vitality", "Vitalität (Belaubung, Triebwachstum)",
              "Vitality (foliage, shoot growth)"),
    CheckItem("surroundings", "Umfeld: Verkehrsraum, Lichtraumprofil, Bauarbeiten",
              "Surroundings: traffic space, clearance, construction work"),
)
_CLEARANCE = (
    CheckItem("carriageway", "Lichtraumprofil 4,50 m über Fahrbahn frei",
              "Clearance 4.50 m over the carriageway free"),
    CheckItem("path", "Lichtraumprofil 2,50 m über Geh- und Radweg frei",
              "Clearance 2.50 m over foot and cycle paths free"),
    CheckItem("sight_triangle", "Sichtdreieck über 0,80 m frei",
              "Sight triangle free above 0.80 m"),
    CheckItem("signs", "Verkehrszeichen und Beleuchtung nicht verdeckt",
              "Traffic signs and lights not hidden"),
)

INSPECTION_TYPES: dict[str, InspectionType] = {
    t.code: t
    for t in (
        InspectionType("playground_visual", "Spielplatz visuelle Routineinspektion",
                       "Playground visual routine inspection", "inspect_playground_visual", 7,
                       ("playground",), _PLAY_VISUAL, True, "DIN EN 1176-7:2020, 8.2.2"),
        InspectionType("playground_operational", "Spielplatz operative Inspektion",
                       "Playground operational inspection", "inspect_playground", 90,
                       ("playground",), _PLAY_OPERATIONAL, True, "DIN EN 1176-7:2020, 8.2.3"),
        InspectionType("playground_annual", "Spielplatz jährliche Hauptinspektion",
                       "Playground annual main inspection", "inspect_playground_main", 365,
                       ("playground",), _PLAY_ANNUAL, True, "DIN EN 1176-7:2020, 8.2.4"),
        InspectionType("tree_regular", "Baumkontrolle Regelkontrolle", "Tree regular control",
                       "inspect_trees", None, ("tree", "tree_group", "tree_row"),
                       _TREE, False, "FLL Baumkontrollrichtlinien 2020"),
        InspectionType("tree_extra", "Baumkontrolle Zusatzkontrolle (Sturm, Schaden)",
                       "Tree extra control (storm, damage)", "inspect_trees", None,
                       ("tree", "tree_group", "tree_row"), _TREE, False,
                       "FLL Baumkontrollrichtlinien 2020"),
        InspectionType("clearance", "Lichtraumprofil und Sichtdreiecke",
                       "Clearance profile and sight triangles", "clearance_cut", 182,
                       ("hedge", "tree_row", "verge"), _CLEARANCE, False, "RASt 06, ERA 2010"),
    )
}
"""Every inspection type by code (explicit registry)."""

TREE_PHASES = ("young", "mature", "old")
"""FLL development phases: Jugendphase, Reifephase, Alterungsphase."""
TREE_CONDITIONS = ("healthy", "damaged", "severe")
"""No or slight damage / clear damage / severe damage."""
TREE_INTERVAL_MONTHS: dict[tuple[str, str], int] = {
    ("young", "healthy"): 36, ("young", "damaged"): 24, ("young", "severe"): 12,
    ("mature", "healthy"): 36, ("mature", "damaged"): 24, ("mature", "severe"): 12,
    ("old", "healthy"): 24, ("old", "damaged"): 12, ("old", "severe"): 12,
}
"""Regular control interval (months) by phase and condition, after the table of the FLL
Baumkontrollrichtlinien 2020 (young and mature trees without damage every 3 years, old trees
every 1-2 years, damaged trees more often); a town may shorten them, never lengthen them."""


def inspection_type(code: str) -> InspectionType:
    """The inspection type, or ``ValueError`` with a German message naming the known codes."""
    try:
        return INSPECTION_TYPES[code]
    except KeyError:
        known = ", ".join(INSPECTION_TYPES)
        raise ValueError(f"Unbekannte Kontrollart „{code}“ (bekannt: {known})") from None


def tree_interval_months(phase: str, condition: str) -> int:
    """Months to the next regular tree control (FLL) for a phase and condition."""
    if phase not in TREE_PHASES:
        raise ValueError(f"Entwicklungsphase muss eine von {', '.join(TREE_PHASES)} sein")
    if condition not in TREE_CONDITIONS:
        raise ValueError(f"Zustand muss einer von {', '.join(TREE_CONDITIONS)} sein")
    return TREE_INTERVAL_MONTHS[(phase, condition)]


def interval_days(code: str, condition: dict | None = None) -> int | None:
    """Days until the next inspection of this type after one with ``condition`` (trees)."""
    itype = inspection_type(code)
    if code == "tree_regular":
        cond = condition or {}
        months = tree_interval_months(cond.get("phase", "mature"), cond.get("condition", "healthy"))
        return round(months * 365.25 / 12)
    return itype.interval_days


def check_answers(code: str, answers: list[dict]) -> list[dict]:
    """Validate a filled checklist: every item answered once with ok / defect / n/a.

    Returns the answers in checklist order with their German label; raises ``ValueError``.
    """
    itype = inspection_type(code)
    by_key: dict[str, dict] = {}
    for answer in answers:
        if not isinstance(answer, dict) or "key" not in answer:
            raise ValueError("Jede Antwort braucht einen Schlüssel (key)")
        if answer["key"] in by_key:
            raise ValueError(f"Prüfpunkt „{answer['key']}“ doppelt beantwortet")
        by_key[answer["key"]] = answer
    known = {c.key for c in itype.checklist}
    unknown = sorted(set(by_key) - known)
    if unknown:
        raise ValueError(f"Unbekannte Prüfpunkte für {itype.name_de}: {', '.join(unknown)}")
    out = []
    for item in itype.checklist:
        answer = by_key.get(item.key)
        if answer is None:
            raise ValueError(f"Prüfpunkt „{item.label_de}“ ist nicht beantwortet")
        result = answer.get("result")
        if result not in ("ok", "defect", "n/a"):
            raise ValueError(f"Prüfpunkt „{item.label_de}“: Ergebnis muss ok, defect oder n/a sein")
        out.append({"key": item.key, "label": item.label_de, "result": result,
                    "note": str(answer.get("note") or "")[:500]})
    return out
