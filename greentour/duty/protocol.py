"""The inspection protocol of a site and period as PDF (fpdf2; pure: data in, bytes out).

One section per record in chain order: number, day, type, item, inspector and device, every
checklist answer, findings with severity, measure and deadline and the follow-up order, the
record's hash; corrected records stay in the protocol marked "korrigiert durch Nr. …". The head
says whether the town's hash chain was intact when the PDF was made. Core PDF fonts cover
Latin-1 only: other characters are replaced (:func:`_latin1`). German or English (``lang``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from fpdf import FPDF

from greentour.duty.chain import ChainReport
from greentour.duty.checklists import INSPECTION_TYPES
from greentour.duty.findings import MEASURES, SEVERITY_DE

RESULT = {"de": {"ok": "in Ordnung", "defect": "MANGEL", "n/a": "entfällt"},
          "en": {"ok": "OK", "defect": "DEFECT", "n/a": "n/a"}}
SEVERITY_EN = {"low": "low", "medium": "medium", "high": "high", "acute": "immediate danger"}
MEASURE_EN = {"repair": "repair", "close": "close off", "prune": "tree care / remove dead wood",
              "fell": "fell / clear storm damage", "clear": "clear clearance / sight triangle",
              "observe": "observe (no order)"}
TEXT = {
    "de": {
        "title": "Kontrollprotokoll - {site} (Fläche {id})",
        "period": "{town}; Zeitraum {a} bis {b}; erstellt {now} UTC",
        "intact": "Hash-Kette der Stadt geprüft: unverändert ({n} Protokolle).",
        "broken": "Hash-Kette der Stadt VERLETZT: ",
        "count": "{n} Protokolle in diesem Zeitraum.",
        "item": " - Gerät: {item}", "inspector": "Prüfer/in: {name}",
        "device": "; Gerät (Tablet): {name}",
        "corrects": "Korrektur von Protokoll-ID {id}: {reason}",
        "superseded": "korrigiert durch Protokoll-ID {id} (bleibt als Nachweis)",
        "tree": "Baum: Entwicklungsphase {phase}, Zustand {cond}, nächste Regelkontrolle in "
                "{months} Monaten",
        "order": "Auftrag Nr. {id}", "no_order": "kein Auftrag",
        "finding": "  Befund ({sev}): {text} - Maßnahme: {measure} - Frist {deadline} - {order}",
        "note": "  Bemerkung: {note}", "hash": "  Hash {h} (Vorgänger {p}...)",
        "photo": "    Foto SHA-256 {sha} ({state})", "kept": "gespeichert",
        "missing": "noch nicht empfangen",
    },
    "en": {
        "title": "Inspection record - {site} (site {id})",
        "period": "{town}; period {a} to {b}; made {now} UTC",
        "intact": "Town's hash chain checked: unchanged ({n} records).",
        "broken": "Town's hash chain BROKEN: ",
        "count": "{n} records in this period.",
        "item": " - item: {item}", "inspector": "Inspector: {name}",
        "device": "; device (tablet): {name}",
        "corrects": "Correction of record id {id}: {reason}",
        "superseded": "corrected by record id {id} (kept as evidence)",
        "tree": "Tree: phase {phase}, condition {cond}, next regular control in {months} months",
        "order": "order no. {id}", "no_order": "no order",
        "finding": "  Finding ({sev}): {text} - measure: {measure} - deadline {deadline} - {order}",
        "note": "  Note: {note}", "hash": "  Hash {h} (predecessor {p}...)",
        "photo": "    Photo SHA-256 {sha} ({state})", "kept": "stored",
        "missing": "not received yet",
    },
}
_REPLACE = {"„": '"', "“": '"', "”": '"', "–": "-", "—": "-", "‚": "'", "‘": "'", "’": "'",
            "…": "...", "€": "EUR", "·": "*"}


def _latin1(text: object) -> str:
    out = str(text)
    for a, b in _REPLACE.items():
        out = out.replace(a, b)
    return out.encode("latin-1", "replace").decode("latin-1")


def render_protocol(town: str, site_name: str, site_id: int, first: dt.date, last: dt.date,
                    records: Sequence[dict[str, Any]], chain: ChainReport, lang: str = "de"
                    ) -> bytes:
    """The protocol PDF (A4 portrait) as bytes."""
    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(f"Kontrollprotokoll {site_name}"))
    pdf.set_author(_latin1(town))
    pdf.set_creator("greentour")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def line(text: str, size: float = 10, style: str = "", height: float = 5) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(width, height, _latin1(text))

    tx = TEXT["en" if lang == "en" else "de"]
    results = RESULT["en" if lang == "en" else "de"]
    fmt_day = (lambda d: d.isoformat()) if lang == "en" else (lambda d: d.strftime("%d.%m.%Y"))
    line(tx["title"].format(site=site_name, id=site_id), 14, "B", 7)
    line(tx["period"].format(town=town, a=fmt_day(first), b=fmt_day(last),
                             now=f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}"))
    if chain.intact:
        line(tx["intact"].format(n=chain.records), 9)
    else:
        line(tx["broken"] + "; ".join(p.message for p in chain.problems), 9, "B")
    line(tx["count"].format(n=len(records)), 9)
    pdf.ln(2)
    for rec in records:
        itype = INSPECTION_TYPES.get(rec["inspection_type"])
        name = (itype.name_en if lang == "en" and itype else rec["inspection_name"])
        labels_en = {c.key: c.label_en for c in itype.checklist} if itype else {}
        head = (f"Nr. {rec['seq']} - {fmt_day(dt.date.fromisoformat(rec['inspected_on']))} - "
                f"{name}" + (tx["item"].format(item=rec["item"]) if rec["item"] else ""))
        line(head, 11, "B", 6)
        signed = tx["inspector"].format(name=rec["inspector"])
        if rec.get("device_name"):
            signed += tx["device"].format(name=rec["device_name"])
        line(signed, 9)
        if rec.get("corrects_id"):
            line(tx["corrects"].format(id=rec["corrects_id"], reason=rec["correction_reason"]),
                 9, "I")
        if rec.get("superseded_by"):
            line(tx["superseded"].format(id=rec["superseded_by"]), 9, "I")
        cond = rec.get("condition") or {}
        if "phase" in cond:
            line(tx["tree"].format(phase=cond.get("phase"), cond=cond.get("condition"),
                                   months=cond.get("interval_months")), 9)
        for item in rec["checklist"]:
            mark = results.get(item["result"], item["result"])
            label = labels_en.get(item["key"], item["label"]) if lang == "en" else item["label"]
            note = f" ({item['note']})" if item.get("note") else ""
            line(f"  [{mark}] {label}{note}", 9)
        orders = {f["finding_index"]: f for f in rec.get("follow_ups", [])}
        for index, finding in enumerate(rec["findings"]):
            order = orders.get(index)
            ordered = (tx["order"].format(id=order["task_id"]) if order and order.get("task_id")
                       else tx["no_order"])
            sev, measure = finding["severity"], finding["measure"]
            line(tx["finding"].format(
                sev=SEVERITY_EN.get(sev, sev) if lang == "en" else SEVERITY_DE.get(sev, sev),
                text=finding["text"],
                measure=MEASURE_EN[measure] if lang == "en" else MEASURES[measure][0],
                deadline=fmt_day(dt.date.fromisoformat(finding["deadline"])), order=ordered),
                9, "B")
            if finding.get("photo_sha256"):
                sha = finding["photo_sha256"]
                kept = sha in rec.get("photos_stored", [])
                line(tx["photo"].format(sha=sha, state=tx["kept" if kept else "missing"]), 7)
        if rec.get("note"):
            line(tx["note"].format(note=rec["note"]), 9)
        line(tx["hash"].format(h=rec["record_hash"], p=rec["prev_hash"][:16]), 7)
        pdf.ln(2)
    return bytes(pdf.output())
