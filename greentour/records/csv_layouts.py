"""CSV exports of the bookings, pure: the documented greentour layout and a finance import layout.

``greentour`` (Buchungen, one row per booking line, layout version 1)
    UTF-8 with BOM, ``;`` separated, decimal comma, ISO dates, ``\\r\\n`` line ends; opens in
    German Excel and LibreOffice as is. Columns in :data:`GREENTOUR_COLUMNS`; ``menge_basis`` is
    the exact integer quantity (seconds for hours, metres for km), so the sums of a re-read file
    equal the booked sums exactly; ``menge`` is the same in hours or km (4 decimals).

``ilv`` (interne Leistungsverrechnung, one row per day, receiver and activity type)
    Windows-1252 (characters outside it become ``?``), ``;`` separated, decimal comma, dates
    ``TT.MM.JJJJ``, ``\\r\\n``: the common denominator of the CSV imports of German municipal
    finance software (SAP CO direct activity allocation, Infoma newsystem, H&H proDoppik,
    AKDB OK.FIS all take sender cost centre, activity type, receiver cost centre / cost object /
    order, quantity, unit, amount, posting date and text). Column names in :data:`ILV_COLUMNS`;
    map them once in the finance system's import definition.

Person-level rows appear only when the caller allows them (:func:`greentour.records.service`
checks the role against the staff-council agreement); otherwise person lines are summed per
crew-day, stop and share and name the crew instead of the person (no pay group, no rate: in a
crew of two they would name the person). The ``ilv`` layout sums per day over all crews.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from greentour.records.booking import Line

GREENTOUR_COLUMNS = (
    "datum", "kolonne", "kostenstelle", "kostentraeger", "auftrag", "flaeche_id", "flaeche",
    "aufgabe", "art", "anteil", "ressource_id", "ressource", "gruppe", "menge_basis", "menge",
    "einheit", "satz_eur", "betrag_eur",
)
ILV_COLUMNS = (
    "Buchungsdatum", "Sender-Kostenstelle", "Leistungsart", "Empfaenger-Kostenstelle",
    "Empfaenger-Kostentraeger", "Empfaenger-Auftrag", "Menge", "Mengeneinheit", "Betrag",
    "Buchungstext",
)
LAYOUTS = ("greentour", "ilv")
KIND_DE = {"person": "Personal", "machine": "Maschine", "vehicle": "Fahrzeug"}
SHARE_DE = {"work": "Arbeit", "drive": "Fahrt", "setup": "Rüsten"}
KIND_OF = {v: k for k, v in KIND_DE.items()}
SHARE_OF = {v: k for k, v in SHARE_DE.items()}


def _decimal(value: float | Decimal, digits: int) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _unit(kind: str) -> str:
    return "km" if kind == "vehicle" else "h"


def per_crew_day(lines: Iterable[Line]) -> list[Line]:
    """Person lines summed per crew-day, stop and share, named by the crew, without pay group
    and rate (which would single out a person in a small crew): what roles without the
    person-level view see. Machine and vehicle lines are unchanged."""
    merged: dict[tuple, Line] = {}
    for n, ln in enumerate(lines):
        if ln.resource_kind != "person":
            merged[("other", n)] = ln
            continue
        key = (ln.date, ln.crew_day_id, ln.task_id, ln.cost_centre, ln.share)
        m = merged.get(key)
        merged[key] = replace(ln, resource_id=None, resource_name=ln.crew,
                              resource_group="", rate_ct=0) if m is None else \
            replace(m, quantity=m.quantity + ln.quantity, amount_ct=m.amount_ct + ln.amount_ct,
                    area_m2=m.area_m2 + ln.area_m2)
    return list(merged.values())


def greentour_csv(lines: Iterable[Line]) -> bytes:
    """The documented layout (see module docstring)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(GREENTOUR_COLUMNS)
    for ln in lines:
        per = 1000 if ln.resource_kind == "vehicle" else 3600
        writer.writerow([
            ln.date.isoformat(), ln.crew, ln.cost_centre, ln.cost_object, ln.order_ref,
            ln.site_id or "", ln.site_name, ln.task_type, KIND_DE[ln.resource_kind],
            SHARE_DE[ln.share], ln.resource_id if ln.resource_id is not None else "",
            ln.resource_name, ln.resource_group, ln.quantity,
            _decimal(Decimal(ln.quantity) / per, 4), _unit(ln.resource_kind),
            _decimal(Decimal(ln.rate_ct) / 100, 2), _decimal(Decimal(ln.amount_ct) / 100, 2),
        ])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


@dataclass(frozen=True)
class CsvRow:
    """A row read back from the greentour layout (base units)."""

    date: dt.date
    cost_centre: str
    resource_kind: str
    share: str
    quantity: int
    amount_ct: int


def read_greentour_csv(data: bytes) -> list[CsvRow]:
    """Read the greentour layout back (for checks and re-imports)."""
    text = data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";")
    if tuple(reader.fieldnames or ()) != GREENTOUR_COLUMNS:
        raise ValueError("keine greentour-Buchungsdatei (Spalten passen nicht zu Version 1)")
    rows = []
    for r in reader:
        rows.append(CsvRow(
            date=dt.date.fromisoformat(r["datum"]), cost_centre=r["kostenstelle"],
            resource_kind=KIND_OF[r["art"]], share=SHARE_OF[r["anteil"]],
            quantity=int(r["menge_basis"]),
            amount_ct=int(Decimal(r["betrag_eur"].replace(",", ".")) * 100),
        ))
    return rows


def activity_type(ln: Line) -> str:
    """The ILV activity type (Leistungsart): P-<pay group>, M-<machine kind>, F-KM."""
    if ln.resource_kind == "person":
        return f"P-{ln.resource_group}"
    if ln.resource_kind == "machine":
        return f"M-{ln.resource_group}"
    return "F-KM"


def ilv_csv(lines: Iterable[Line], sender_cost_centre: str) -> bytes:
    """The finance import layout: sums per day, receiver and activity type."""
    sums: dict[tuple[str, ...], list[int]] = {}
    kinds: dict[tuple[str, ...], str] = {}
    for ln in lines:
        key = (ln.date.isoformat(), activity_type(ln), ln.cost_centre, ln.cost_object,
               ln.order_ref)
        acc = sums.setdefault(key, [0, 0])
        acc[0] += ln.quantity
        acc[1] += ln.amount_ct
        kinds[key] = ln.resource_kind
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(ILV_COLUMNS)
    for key in sorted(sums):
        day, activity, centre, product, order = key
        quantity, cents = sums[key]
        per = 1000 if kinds[key] == "vehicle" else 3600
        writer.writerow([
            dt.date.fromisoformat(day).strftime("%d.%m.%Y"), sender_cost_centre, activity,
            centre, product, order, _decimal(Decimal(quantity) / per, 3),
            "KM" if kinds[key] == "vehicle" else "H", _decimal(Decimal(cents) / 100, 2),
            f"greentour {activity} {day}",
        ])
    return buf.getvalue().encode("cp1252", errors="replace")


def read_ilv_csv(data: bytes) -> list[dict[str, str]]:
    """Read the ILV layout back (rows as dicts by column)."""
    reader = csv.DictReader(io.StringIO(data.decode("cp1252"), newline=""), delimiter=";")
    if tuple(reader.fieldnames or ()) != ILV_COLUMNS:
        raise ValueError("keine ILV-Datei von greentour (Spalten passen nicht)")
    return list(reader)
