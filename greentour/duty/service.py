"""Use cases of the duty of care (Verkehrssicherungspflicht); see docs/duty.md.

Every function runs inside the caller's tenant session and transaction; the web views, the crew
API and the CLI call these and nothing below them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from forecasting import (
    GUST_COLUMN,
    RiskModel,
    Sample,
    fit,
    site_features,
    storm_rounds,
)
from greentour.crew.photos import check_photo, clean_photo
from greentour.crew.privacy import PrivacySettings
from greentour.demand.service import create_order
from greentour.duty import store_io
from greentour.duty.chain import HASHED_FIELDS, ChainReport, record_hash, verify
from greentour.duty.checklists import (
    INSPECTION_TYPES,
    check_answers,
    inspection_type,
    tree_interval_months,
)
from greentour.duty.findings import SEVERITY_WEIGHT, check_finding, order_text
from greentour.duty.hazards import clearance_hazards
from greentour.duty.overview import DueInspection, due_inspections, overdue_by_task_type
from greentour.duty.protocol import render_protocol
from greentour.errors import BadInput, Conflict, Forbidden, GreentourError, NotFound
from greentour.private_files import write_private_bytes
from greentour.store import session_tenant
from greentour.store.base import utcnow
from greentour.store.models import Tenant
from greentour.store.models_duty import InspectionPhoto, InspectionRecord, StormRound
from greentour.tenant_config import tenant_config
from greentour.workplace.labels import site_label


@dataclass(frozen=True)
class Signer:
    """Who signs a record: the inspector's account (web) or staff entry (tablet), the device."""

    name: str
    user_id: int | None = None
    staff_id: int | None = None
    device_token_id: int | None = None
    device_name: str = ""


@dataclass(frozen=True)
class InspectionInput:
    """An inspection as entered (web form, tablet, CLI)."""

    client_uuid: str
    site_id: int
    inspection_type: str
    inspected_on: dt.date
    checklist: list[dict]
    findings: list[dict] = field(default_factory=list)
    item: str = ""
    condition: dict | None = None
    note: str = ""
    device_time: dt.datetime | None = None
    task_id: int | None = None


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, AttributeError, TypeError):
        raise BadInput(f"client_uuid „{value}“ ist keine UUID") from None


def record_dict(row: InspectionRecord, superseded_by: int | None = None) -> dict[str, Any]:
    """A stored record as JSON (API, overview, export)."""
    return {
        "id": row.id, "seq": row.seq, "client_uuid": row.client_uuid, "site_id": row.site_id,
        "site_name": row.site_name, "inspection_type": row.inspection_type,
        "inspection_name": inspection_type(row.inspection_type).name_de, "item": row.item,
        "inspected_on": row.inspected_on.isoformat(), "inspector": row.inspector_name,
        "inspector_user_id": row.inspector_user_id, "inspector_staff_id": row.inspector_staff_id,
        "device_token_id": row.device_token_id, "device_name": row.device_name,
        "checklist": row.checklist_json, "findings": row.findings_json,
        "condition": row.condition_json, "note": row.note, "corrects_id": row.corrects_id,
        "correction_reason": row.correction_reason, "superseded_by": superseded_by,
        "recorded_at": row.recorded_at.isoformat(timespec="seconds"),
        "prev_hash": row.prev_hash, "record_hash": row.record_hash,
    }


def _check_condition(code: str, condition: dict | None) -> dict:
    if not code.startswith("tree"):
        return dict(condition or {})
    cond = dict(condition or {})
    phase, state = cond.get("phase", "mature"), cond.get("condition", "healthy")
    try:
        months = tree_interval_months(phase, state)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    cond.update(phase=phase, condition=state, interval_months=months)
    return cond


def record_inspection(session: Session, inp: InspectionInput, signer: Signer, *,
                      today: dt.date | None = None, corrects: InspectionRecord | None = None,
                      reason: str = "") -> tuple[dict[str, Any], bool]:
    """Append an inspection record to the town's chain, once per client UUID.

    Returns (record, created). A retry with the same UUID and the same site and type gets the
    stored record (created False); with other content it is refused (409). Each finding creates
    its follow-up order (task) with its deadline; a finding at a site our crews do not maintain
    is recorded without an order (the overview says so).
    """
    client_uuid = _uuid(inp.client_uuid)
    tenant = session_tenant(session)
    head = store_io.lock_head(session)
    existing = store_io.record_by_uuid(session, client_uuid)
    if existing is not None:
        if (existing.site_id, existing.inspection_type, existing.corrects_id) != (
                inp.site_id, inp.inspection_type, corrects.id if corrects else None):
            raise Conflict(f"Protokoll {client_uuid} wurde schon mit anderem Inhalt gespeichert")
        return record_dict(existing), False
    site = store_io.site(session, inp.site_id)
    if site is None:
        raise NotFound(f"Fläche {inp.site_id} gibt es nicht")
    try:
        itype = inspection_type(inp.inspection_type)
        checklist = check_answers(itype.code, inp.checklist)
        findings = [check_finding(f, inp.inspected_on) for f in inp.findings]
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    if itype.per_item and not inp.item.strip():
        raise BadInput(f"{itype.name_de}: Spielgerät (item) angeben – je Gerät ein Protokoll")
    today = today or dt.date.today()
    if inp.inspected_on > today + dt.timedelta(days=1):
        raise BadInput(f"Kontrolltag {inp.inspected_on:%d.%m.%Y} liegt in der Zukunft")
    if not signer.name.strip():
        raise BadInput("Prüfer/in (Name) fehlt: ein Protokoll muss unterschrieben sein")
    if corrects is not None and not reason.strip():
        raise BadInput("Eine Korrektur braucht eine Begründung")
    row = InspectionRecord(
        seq=head.last_seq + 1, client_uuid=client_uuid, site_id=site.id,
        site_name=site_label(site), inspection_type=itype.code,
        item=inp.item.strip()[:200], inspected_on=inp.inspected_on, device_time=inp.device_time,
        inspector_user_id=signer.user_id, inspector_staff_id=signer.staff_id,
        inspector_name=signer.name.strip()[:200], device_token_id=signer.device_token_id,
        device_name=signer.device_name[:120], checklist_json=checklist,
        findings_json=[f.as_json() for f in findings],
        condition_json=_check_condition(itype.code, inp.condition), note=inp.note.strip()[:2000],
        corrects_id=corrects.id if corrects else None, correction_reason=reason.strip()[:500],
        task_id=inp.task_id, recorded_at=utcnow(), prev_hash=head.last_hash,
    )
    fields = {name: getattr(row, name) for name in HASHED_FIELDS}
    row.record_hash = record_hash(row.prev_hash, fields)
    store_io.append_record(session, head, row)
    for index, finding in enumerate(findings):
        task = None
        if finding.task_type is not None:
            try:
                task = create_order(
                    session, tenant, site.id, finding.task_type,
                    due_latest=max(finding.deadline, today), priority=finding.priority,
                    description=order_text(finding, row.site_name, row.seq), today=today)
            except GreentourError:
                task = None  # not maintained by our crews: recorded, no order
        store_io.add_follow_up(session, row, index, task, finding.deadline)
    return record_dict(row), True


def correct_inspection(session: Session, record_id: int, inp: InspectionInput, signer: Signer,
                       reason: str, today: dt.date | None = None) -> tuple[dict[str, Any], bool]:
    """Correct a record by a new one that references it; the old record stays unchanged."""
    old = store_io.record_by_id(session, record_id)
    if old is None:
        raise NotFound(f"Protokoll {record_id} gibt es nicht")
    return record_inspection(session, inp, signer, today=today, corrects=old, reason=reason)


def verify_chain(session: Session) -> ChainReport:
    """Check the town's whole chain (edited, deleted or inserted records)."""
    head = store_io.head(session)
    rows = store_io.chain_rows(session)
    if head is None:
        return verify(rows)
    return verify(rows, head.last_seq, head.last_hash)


def site_records(session: Session, site_id: int, first: dt.date, last: dt.date
                 ) -> list[dict[str, Any]]:
    """Every record of a site with an inspection day in [first, last], in chain order,
    with follow-up orders and which later record corrects it."""
    if first > last:
        raise BadInput("Zeitraum: Beginn liegt nach dem Ende")
    corrected = store_io.corrected_ids(session)
    rows = store_io.records(session, site_id, first, last)
    follow = {}
    for f in store_io.follow_ups(session, [r.id for r in rows]):
        follow.setdefault(f.record_id, []).append(
            {"finding_index": f.finding_index, "task_id": f.task_id,
             "deadline": f.deadline.isoformat()})
    stored = store_io.photo_hashes(session, [r.id for r in rows])
    out = []
    for row in rows:
        item = record_dict(row, corrected.get(row.id))
        item["follow_ups"] = sorted(follow.get(row.id, []), key=lambda f: f["finding_index"])
        item["photos_stored"] = sorted(h for rid, h in stored if rid == row.id)
        out.append(item)
    return out


def protocol_pdf(session: Session, site_id: int, first: dt.date, last: dt.date,
                 lang: str = "de") -> bytes:
    """The inspection protocol of a site and period as PDF (every record, corrections too)."""
    site = store_io.site(session, site_id)
    if site is None:
        raise NotFound(f"Fläche {site_id} gibt es nicht")
    records = site_records(session, site_id, first, last)
    report = verify_chain(session)
    tenant = session_tenant(session)
    return render_protocol(tenant.name, site_label(site, lang), site.id, first, last,
                           records, report, lang)


EXPORT_COLUMNS = ("seq", "inspected_on", "site_id", "site_name", "inspection_name", "item",
                  "inspector", "device_name", "defects", "findings", "corrects_id",
                  "superseded_by", "record_hash", "prev_hash")


def insurer_export(session: Session, first: dt.date, last: dt.date) -> str:
    """CSV (semicolon, UTF-8) of every record in the period for the municipal insurer, headed
    by the chain check; each line carries its hash so the insurer can verify the chain."""
    if first > last:
        raise BadInput("Zeitraum: Beginn liegt nach dem Ende")
    report = verify_chain(session)
    corrected = store_io.corrected_ids(session)
    buf = io.StringIO()
    buf.write(f"# Kontrollprotokolle {first.isoformat()} bis {last.isoformat()}; Hash-Kette: "
              + ("unverändert" if report.intact else
                 "VERLETZT – " + "; ".join(p.message for p in report.problems)) + "\n")
    writer = csv.writer(buf, delimiter=";", lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in store_io.records(session, None, first, last):
        item = record_dict(row, corrected.get(row.id))
        item["defects"] = sum(1 for c in row.checklist_json if c.get("result") == "defect")
        item["findings"] = " | ".join(f"{f['severity']}: {f['text']} (bis {f['deadline']})"
                                      for f in row.findings_json)
        writer.writerow(["" if item.get(c) is None else item[c] for c in EXPORT_COLUMNS])
    return buf.getvalue()


def inspection_overview(session: Session, today: dt.date, lang: str = "de"
                        ) -> list[DueInspection]:
    """Owed inspections of the maintained sites, overdue first (site labels in ``lang``)."""
    return due_inspections(store_io.site_refs(session, lang), store_io.last_inspections(session),
                           today)


def overdue_task_types(session: Session, today: dt.date) -> dict[tuple[int, str], int]:
    """(site id, task type) → days overdue; fed to the demand generators' urgency."""
    return overdue_by_task_type(inspection_overview(session, today))


# --------------------------------------------------------------------------- storms
def _worst_open_severity(session: Session) -> dict[int, int]:
    """Per site: the worst finding (0..4) of its newest valid record."""
    out: dict[int, int] = {}
    corrected = store_io.corrected_ids(session)
    for row in store_io.records(session):
        if row.id in corrected:
            continue
        out[row.site_id] = max((SEVERITY_WEIGHT[f["severity"]] for f in row.findings_json),
                               default=0)
    return out


def _conditions(session: Session) -> dict[int, dict]:
    out: dict[int, dict] = {}
    for (site_id, code), last in store_io.last_inspections(session).items():
        if code.startswith("tree"):
            out[site_id] = dict(last.condition)
    return out


def risk_samples(session: Session) -> list[Sample]:
    """The town's storm controls (tree extra controls) with the site's features before them."""
    samples: list[Sample] = []
    sites = {s.id: s for s in store_io.maintained_sites(session)}
    corrected = store_io.corrected_ids(session)
    before: dict[int, dict] = {}
    worst: dict[int, int] = {}
    for row in store_io.records(session):
        if row.id in corrected:
            continue
        site = sites.get(row.site_id)
        if row.inspection_type == "tree_extra" and site is not None:
            feats = site_features(site.category, site.tags_json or {}, before.get(site.id, {}),
                                  worst.get(site.id, 0))
            damaged = any(f["severity"] in ("high", "acute") for f in row.findings_json)
            samples.append(Sample(feats, damaged, {"seq": row.seq}))
        if row.inspection_type.startswith("tree"):
            before[row.site_id] = dict(row.condition_json or {})
        worst[row.site_id] = max((SEVERITY_WEIGHT[f["severity"]] for f in row.findings_json),
                                 default=0)
    return samples


def risk_model(session: Session) -> RiskModel:
    """The storm risk weights: refitted from the town's storm controls once enough exist."""
    return fit(risk_samples(session))


def ranked_sites(session: Session, model: RiskModel | None = None, lang: str = "de"
                 ) -> list[dict[str, Any]]:
    """Maintained sites with trees, playgrounds or paths by storm risk score, highest first."""
    model = model or risk_model(session)
    worst = _worst_open_severity(session)
    cond = _conditions(session)
    out = []
    for site in store_io.maintained_sites(session):
        if site.category not in ("tree", "tree_group", "tree_row", "playground", "park",
                                 "cemetery", "hedge"):
            continue
        feats = site_features(site.category, site.tags_json or {}, cond.get(site.id, {}),
                              worst.get(site.id, 0))
        out.append({"site_id": site.id, "site_name": site_label(site, lang),
                    "category": site.category, "score": round(model.score(feats), 3),
                    "features": feats})
    out.sort(key=lambda r: (-r["score"], r["site_name"]))
    return out


def threshold_ms(tenant: Tenant) -> float:
    """The town's storm threshold (``[duty] storm_bft``, default Beaufort 8), m/s."""
    return tenant_config(tenant).duty.storm_threshold_ms


def order_storm_round(session: Session, kind: str, first: dt.date, last: dt.date,
                      max_gust_ms: float, today: dt.date, top: int | None = None
                      ) -> tuple[StormRound, bool]:
    """Store a storm round once and order extra controls at the highest-risk sites (trees and
    parks: tree control; playgrounds: operational inspection).

    ``kind`` ``after``: controls due within 3 days after the storm; ``before``: checks (close
    or secure) due by the day before the forecast storm. ``top``: how many sites (``[duty]
    storm_round_sites``, default 10).
    """
    tenant = session_tenant(session)
    existing = store_io.storm_round(session, kind, first)
    if existing is not None:
        return existing, False
    top = top or tenant_config(tenant).duty.storm_round_sites
    model = risk_model(session)
    ranked = ranked_sites(session, model)[:top]
    due = (max(first - dt.timedelta(days=1), today) if kind == "before"
           else max(last + dt.timedelta(days=3), today))
    what = ("Vor Sturm" if kind == "before" else "Nach Sturm")
    task_ids = []
    for entry in ranked:
        try:
            code = "inspect_playground" if entry["category"] == "playground" else "inspect_trees"
            task = create_order(
                session, tenant, entry["site_id"], code, due_latest=due, priority=2,
                description=(f"{what} {first:%d.%m.}–{last:%d.%m.%Y} (Böen bis "
                             f"{max_gust_ms:.1f} m/s): Zusatzkontrolle, Risiko "
                             f"{entry['score']:.2f}"), today=today)
        except GreentourError:
            continue
        task_ids.append(task.id)
    row = store_io.add_storm_round(session, StormRound(
        kind=kind, first_day=first, last_day=last, max_gust_ms=max_gust_ms,
        threshold_ms=threshold_ms(tenant), task_ids=task_ids,
        note=model.note if not model.learned else f"gelernt (AUC {model.auc})"))
    return row, True


def storm_check(session: Session, weather: pd.DataFrame, today: dt.date,
                forecast: pd.DataFrame | None = None, lookback_days: int = 10
                ) -> list[dict[str, Any]]:
    """Order rounds for storms observed in the last ``lookback_days`` and forecast ahead.

    ``weather``: observed daily frame with ``gust_max_ms``; ``forecast``: MOSMIX daily frame
    (Bright Sky, :func:`forecasting._brightsky.fetch_mosmix_daily`) or None offline.
    """
    tenant = session_tenant(session)
    limit = threshold_ms(tenant)
    out = []
    if GUST_COLUMN in weather:
        past = weather.loc[pd.Timestamp(today - dt.timedelta(days=lookback_days)):
                           pd.Timestamp(today)]
        gusts = past[GUST_COLUMN].dropna()
        for rnd in storm_rounds(gusts[gusts >= limit]):
            if rnd.last_day >= today:
                continue  # still storming: the round starts after it
            row, created = order_storm_round(session, "after", rnd.first_day, rnd.last_day,
                                             rnd.max_gust_ms, today)
            out.append({"kind": "after", "first_day": rnd.first_day.isoformat(),
                        "created": created, "tasks": len(row.task_ids)})
    if forecast is not None and GUST_COLUMN in forecast:
        ahead = forecast.loc[pd.Timestamp(today + dt.timedelta(days=1)):, GUST_COLUMN].dropna()
        for rnd in storm_rounds(ahead[ahead >= limit]):
            row, created = order_storm_round(session, "before", rnd.first_day, rnd.last_day,
                                             rnd.max_gust_ms, today)
            out.append({"kind": "before", "first_day": rnd.first_day.isoformat(),
                        "created": created, "tasks": len(row.task_ids)})
    return out


# --------------------------------------------------------------------------- tablet
def inspection_types_doc() -> list[dict[str, Any]]:
    """The inspection types with their checklists, for the tablet to walk offline."""
    return [
        {"code": t.code, "name_de": t.name_de, "name_en": t.name_en, "task_type": t.task_type,
         "per_item": t.per_item, "categories": list(t.categories), "reference": t.reference,
         "checklist": [{"key": c.key, "label_de": c.label_de, "label_en": c.label_en}
                       for c in t.checklist]}
        for t in INSPECTION_TYPES.values()
    ]


def record_from_device(session: Session, device_id: int, body: dict[str, Any],
                       today: dt.date | None = None) -> tuple[dict[str, Any], bool]:
    """Record an inspection sent by a crew tablet (signed by the named inspector and the
    device token); idempotent by ``client_uuid`` like the crew reports."""
    staff_id = body.get("inspector_staff_id")
    if staff_id is not None and store_io.staff(session, staff_id) is None:
        raise BadInput(f"Mitarbeiter/in {staff_id} gibt es nicht")
    signer = Signer(name=str(body["inspector_name"]), staff_id=staff_id,
                    device_token_id=device_id, device_name=store_io.device_name(session, device_id))
    inp = InspectionInput(
        client_uuid=str(body["client_uuid"]), site_id=int(body["site_id"]),
        inspection_type=str(body["inspection_type"]), inspected_on=body["inspected_on"],
        checklist=list(body["checklist"]), findings=list(body.get("findings") or []),
        item=str(body.get("item") or ""), condition=body.get("condition"),
        note=str(body.get("note") or ""), device_time=body.get("device_time"),
        task_id=body.get("task_id"))
    return record_inspection(session, inp, signer, today=today)


# --------------------------------------------------------------------------- planner read model
def planner_overview(session: Session, today: dt.date, horizon_days: int = 28,
                     lang: str = "de") -> dict[str, Any]:
    """Everything the planner's duty page shows: owed inspections (overdue first), the chain
    check, the storm risk model's state, stored storm rounds and the clearance hazards of the
    next ``horizon_days`` days (or why they cannot be predicted)."""
    try:
        hazards = [dict(h, **{f"{k}_day": dt.date.fromisoformat(h[k]) if h[k] else None
                              for k in ("violation_date", "violation_p10", "violation_p90")})
                   for h in clearance_hazards(session, today, horizon_days, lang=lang)
                   if h["violation_date"] is not None]
        hazard_error = None
    except GreentourError as exc:
        hazards, hazard_error = [], exc.message
    model = risk_model(session)
    return {
        "today": today, "due": inspection_overview(session, today, lang)[:200],
        "chain": verify_chain(session), "model": model,
        "ranked": ranked_sites(session, model, lang)[:10],
        "rounds": store_io.storm_rounds(session)[:20], "hazards": hazards,
        "hazard_error": hazard_error, "horizon_days": horizon_days,
        "types": INSPECTION_TYPES,
    }


def hazards_geojson(session: Session, today: dt.date, horizon_days: int = 28,
                    lang: str = "de") -> dict[str, Any]:
    """Predicted violations of the next ``horizon_days`` days as a GeoJSON layer (RFC 7946)."""
    features = []
    for h in clearance_hazards(session, today, horizon_days, lang=lang):
        if h["violation_date"] is None:
            continue
        props = {k: v for k, v in h.items() if k not in ("geometry", "lon", "lat")}
        features.append({"type": "Feature", "geometry": json.loads(h["geometry"]),
                         "properties": props})
    return {"type": "FeatureCollection", "features": features,
            "licence": "© OpenStreetMap contributors, ODbL; Datenbasis: Deutscher Wetterdienst "
                       "(CC BY 4.0)"}


def attach_photo(session: Session, device_id: int, client_uuid: str, data: bytes,
                 instance_dir: Path, privacy: PrivacySettings) -> tuple[dict[str, Any], bool]:
    """Store the photo of a finding sent after its record: only from the device that sent the
    record, only when its SHA-256 is one a finding of the (hashed) record names; the stored copy
    is cleaned of metadata (GPS) like the crew's photos. Idempotent per record and hash."""
    record = store_io.record_by_uuid(session, _uuid(client_uuid))
    if record is None:
        raise NotFound(f"Protokoll {client_uuid} gibt es nicht (zuerst das Protokoll senden)")
    if record.device_token_id != device_id:
        raise Forbidden("Dieses Protokoll wurde auf einem anderen Gerät erfasst")
    check_photo(data, privacy)
    sha = hashlib.sha256(data).hexdigest()
    named = {f.get("photo_sha256") for f in record.findings_json}
    if sha not in named:
        raise Conflict(f"Foto (SHA-256 {sha[:16]}…) gehört zu keinem Befund dieses Protokolls")
    answer = {"client_uuid": record.client_uuid, "sha256": sha}
    if store_io.photo(session, record.id, sha) is not None:
        return {**answer, "stored": False}, False
    cleaned, ext = clean_photo(data)
    relative = Path("photos") / str(record.tenant_id) / f"inspection-{record.seq}-{sha[:16]}.{ext}"
    write_private_bytes(instance_dir / relative, cleaned)
    store_io.add_photo(session, InspectionPhoto(record_id=record.id, sha256=sha,
                                                photo_path=relative.as_posix()))
    return {**answer, "stored": True}, True
