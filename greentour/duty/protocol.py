"""The inspection protocol of a site and period as PDF (fpdf2; pure: data in, bytes out).

One section per record in chain order: number, day, type, item, inspector and device, every
checklist answer, findings with severity, measure and deadline and the follow-up order, the
record's hash; corrected records stay in the protocol marked "korrigiert durch Nr. …". The head
says whether the town's hash chain was intact when the PDF was made. Core PDF fonts cover
Latin-1 only: other characters are replaced (:func:`_latin1`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from fpdf import FPDF

from greentour.duty.chain import ChainReport
from greentour.duty.findings import MEASURES, SEVERITY_DE

RESULT_DE = {"ok": "in Ordnung", "defect": "MANGEL", "n/a": "entfällt"}
_REPLACE = {"„": '"', "“": '"', "”": '"', "–": "-", "—": "-", "‚": "'", "‘": "'", "’": "'",
            "…": "...", "€": "EUR", "·": "*"}


def _latin1(text: object) -> str:
    out = str(text)
    for a, b in _REPLACE.items():
        out = out.replace(a, b)
    return out.encode("latin-1", "replace").decode("latin-1")


def _date_de(iso: str) -> str:
    return dt.date.fromisoformat(iso).strftime("%d.%m.%Y")


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

    line(f"Kontrollprotokoll - {site_name} (Fläche {site_id})", 14, "B", 7)
    line(f"{town}; Zeitraum {first:%d.%m.%Y} bis {last:%d.%m.%Y}; erstellt "
         f"{dt.datetime.now(dt.UTC):%d.%m.%Y %H:%M} UTC")
    if chain.intact:
        line(f"Hash-Kette der Stadt geprüft: unverändert ({chain.records} Protokolle).", 9)
    else:
        line("Hash-Kette der Stadt VERLETZT: " + "; ".join(p.message for p in chain.problems),
             9, "B")
    line(f"{len(records)} Protokolle in diesem Zeitraum.", 9)
    pdf.ln(2)
    for rec in records:
        head = (f"Nr. {rec['seq']} - {_date_de(rec['inspected_on'])} - {rec['inspection_name']}"
                + (f" - Gerät: {rec['item']}" if rec["item"] else ""))
        line(head, 11, "B", 6)
        signed = f"Prüfer/in: {rec['inspector']}"
        if rec.get("device_name"):
            signed += f"; Gerät (Tablet): {rec['device_name']}"
        line(signed, 9)
        if rec.get("corrects_id"):
            line(f"Korrektur von Protokoll-ID {rec['corrects_id']}: {rec['correction_reason']}",
                 9, "I")
        if rec.get("superseded_by"):
            line(f"korrigiert durch Protokoll-ID {rec['superseded_by']} (bleibt als Nachweis)",
                 9, "I")
        if rec.get("condition"):
            cond = rec["condition"]
            if "phase" in cond:
                line(f"Baum: Entwicklungsphase {cond.get('phase')}, Zustand "
                     f"{cond.get('condition')}, nächste Regelkontrolle in "
                     f"{cond.get('interval_months')} Monaten", 9)
        for item in rec["checklist"]:
            mark = RESULT_DE.get(item["result"], item["result"])
            note = f" ({item['note']})" if item.get("note") else ""
            line(f"  [{mark}] {item['label']}{note}", 9)
        orders = {f["finding_index"]: f for f in rec.get("follow_ups", [])}
        for index, finding in enumerate(rec["findings"]):
            order = orders.get(index)
            ordered = (f"Auftrag Nr. {order['task_id']}" if order and order.get("task_id")
                       else "kein Auftrag")
            line(f"  Befund ({SEVERITY_DE.get(finding['severity'], finding['severity'])}): "
                 f"{finding['text']} - Maßnahme: {MEASURES[finding['measure']][0]} - Frist "
                 f"{_date_de(finding['deadline'])} - {ordered}", 9, "B")
        if rec.get("note"):
            line(f"  Bemerkung: {rec['note']}", 9)
        line(f"  Hash {rec['record_hash']} (Vorgänger {rec['prev_hash'][:16]}...)", 7)
        pdf.ln(2)
    return bytes(pdf.output())
