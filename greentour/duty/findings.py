"""Findings of an inspection: severity, measure, deadline, and the follow-up order (pure).

Severity levels (after the usual grading of DIN EN 1176-7 protocols and FLL tree controls):

=========  ==========================================  ================  ==============
severity   meaning                                     default deadline  order priority
=========  ==========================================  ================  ==============
low        minor defect, no danger now                 90 days           1 normal
medium     defect to repair at the next opportunity    28 days           1 normal
high       danger possible soon                        7 days            2 high
acute      danger now: close off / secure immediately  same day          3 immediately
=========  ==========================================  ================  ==============

A finding may name its own earlier deadline; never a later one than its severity allows. Every
finding except ``observe`` creates a follow-up order with the task type of its measure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

SEVERITY_DAYS = {"low": 90, "medium": 28, "high": 7, "acute": 0}
SEVERITY_PRIORITY = {"low": 1, "medium": 1, "high": 2, "acute": 3}
SEVERITY_DE = {"low": "gering", "medium": "mittel", "high": "hoch", "acute": "Gefahr im Verzug"}
SEVERITY_WEIGHT = {"low": 1, "medium": 2, "high": 3, "acute": 4}
"""Ordinal severity (0 = no finding) used by the storm risk score."""
MEASURES = {
    "repair": ("Instand setzen", "repair_playground"),
    "close": ("Sperren", "repair_playground"),
    "prune": ("Baumpflege / Totholz entfernen", "prune_trees"),
    "fell": ("Fällen / Sturmschaden beseitigen", "storm_damage"),
    "clear": ("Lichtraumprofil / Sichtdreieck freischneiden", "clearance_cut"),
    "observe": ("Beobachten (kein Auftrag)", None),
}
"""measure code → (German label, task type of the follow-up order or None)."""


@dataclass(frozen=True)
class Finding:
    """A checked finding as stored in the record."""

    severity: str
    text: str
    measure: str
    deadline: dt.date
    photo_sha256: str | None = None

    def as_json(self) -> dict:
        """The stored (hashed) form."""
        return {"severity": self.severity, "text": self.text, "measure": self.measure,
                "deadline": self.deadline.isoformat(), "photo_sha256": self.photo_sha256}

    @property
    def task_type(self) -> str | None:
        """Task type of the follow-up order (None: nothing to order)."""
        return MEASURES[self.measure][1]

    @property
    def priority(self) -> int:
        """Order priority 1..3."""
        return SEVERITY_PRIORITY[self.severity]


def check_finding(raw: dict, inspected_on: dt.date) -> Finding:
    """Validate one finding as sent; ``ValueError`` with a German message."""
    if not isinstance(raw, dict):
        raise ValueError("Ein Befund muss ein Objekt sein")
    severity = raw.get("severity")
    if severity not in SEVERITY_DAYS:
        raise ValueError(f"Schwere muss eine von {', '.join(SEVERITY_DAYS)} sein")
    measure = raw.get("measure") or ("close" if severity == "acute" else "repair")
    if measure not in MEASURES:
        raise ValueError(f"Maßnahme muss eine von {', '.join(MEASURES)} sein")
    text = str(raw.get("text") or "").strip()
    if not text:
        raise ValueError("Ein Befund braucht eine Beschreibung")
    if len(text) > 1000:
        raise ValueError("Befundtext zu lang (höchstens 1000 Zeichen)")
    latest = inspected_on + dt.timedelta(days=SEVERITY_DAYS[severity])
    deadline = latest
    if raw.get("deadline"):
        try:
            deadline = dt.date.fromisoformat(str(raw["deadline"]))
        except ValueError:
            raise ValueError(f"Frist „{raw['deadline']}“ ist kein Datum (JJJJ-MM-TT)") from None
        if deadline < inspected_on:
            raise ValueError("Frist liegt vor dem Kontrolltag")
        if deadline > latest:
            raise ValueError(f"Frist bei Schwere „{SEVERITY_DE[severity]}“ spätestens "
                             f"{latest:%d.%m.%Y}")
    photo = raw.get("photo_sha256")
    if photo is not None and (not isinstance(photo, str) or len(photo) != 64):
        raise ValueError("photo_sha256 muss ein SHA-256-Hash (64 Hex-Zeichen) sein")
    return Finding(severity, text, measure, deadline, photo)


def order_text(finding: Finding, site_name: str, record_seq: int) -> str:
    """The description of the follow-up order."""
    return (f"Befund ({SEVERITY_DE[finding.severity]}) aus Kontrollprotokoll Nr. {record_seq}, "
            f"{site_name}: {finding.text} – {MEASURES[finding.measure][0]}")
