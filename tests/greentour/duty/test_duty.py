"""Duty of care: inspection records as evidence, follow-up orders, protocol PDF, overview, storms,
clearance hazards (issue 16).

Real SQLite migrated by Alembic, the real demand service for the orders, fpdf2 read back with
pypdf, the real DWD files of ../shared/data and the shipped sample weather.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, text

from forecasting.storms import beaufort_ms, gust_days_per_year
from forecasting.weather import read_dwd_daily
from greentour.duty import service
from greentour.duty.service import InspectionInput, Signer
from greentour.errors import BadInput, Conflict
from greentour.store.models import Site, SiteLastService, Task
from greentour.store.models_demand import SiteDemand
from greentour.store.models_duty import InspectionRecord
from greentour.store.tenancy import tenant_session

DAY = dt.date(2026, 6, 15)
REPO = Path(__file__).resolve().parents[3]
DUESSELDORF = "produkt_klima_tag_19520101_20231231_01078.txt"
SIGNER = Signer(name="Erika Prüf", user_id=None, staff_id=None, device_token_id=None,
                device_name="Tablet Kolonne 1")
VISUAL_OK = [{"key": k, "result": "ok"} for k in
             ("surfacing", "broken_parts", "sharp_edges", "glass_litter", "vandalism")]


def _site(session, name: str, category: str, lon: float, lat: float, **extra) -> int:
    ring = [[lon, lat], [lon + 0.0004, lat], [lon + 0.0004, lat + 0.0003], [lon, lat + 0.0003],
            [lon, lat]]
    fields = dict(name=name, category=category,
                  geometry_geojson=json.dumps({"type": "Polygon", "coordinates": [ring]}),
                  geometry_type="Polygon", area_m2=900.0, lon=lon, lat=lat, status="accepted",
                  in_maintenance=True)
    fields.update(extra)
    site = Site(**fields)
    session.add(site)
    session.flush()
    return site.id


@pytest.fixture
def town(engine, make_tenant):
    """A town with two playgrounds, a tree row and a hedge on a road (traffic-safety flag)."""
    tenant = make_tenant("lauf", "Lauf (Test)", config_json={
        "weather": {"source": "dwd_kl_daily", "station_id": "00691",
                    "files": ["weather/produkt_klima_tag_20241226_20260628_00691.txt"],
                    "history_files": ["weather/produkt_klima_tag_20210101_20231231_01078.txt"]}})
    with tenant_session(engine, tenant.id) as s, s.begin():
        ids = {
            "play": _site(s, "Spielplatz Kunigundenstraße", "playground", 11.28, 49.51),
            "play2": _site(s, "Spielplatz Bitterbach", "playground", 11.29, 49.52),
            "trees": _site(s, "Baumreihe Bahnhofstraße", "tree_row", 11.27, 49.50,
                           tags_json={"height": "22", "genus": "Populus"}),
            "hedge": _site(s, "Hecke Hersbrucker Straße", "hedge", 11.275, 49.505,
                           regime="hedge_high"),
        }
        s.add(SiteDemand(site_id=ids["hedge"], traffic_safety=True, clearance_height_m=4.5,
                         traffic_reason="Lichtraumprofil Fahrbahn (secondary): 4.50 m "
                                        "freihalten; Sichtdreieck an Einmündung: über 0.80 m "
                                        "freihalten"))
        s.add(SiteDemand(site_id=ids["trees"], traffic_safety=True, clearance_height_m=2.5,
                         traffic_reason="Lichtraumprofil Geh-/Radweg (footway): 2.50 m "
                                        "freihalten"))
    return engine, tenant.id, ids


def _visual(site_id: int, day: dt.date = DAY, findings=(), item="Schaukel", key=None):
    return InspectionInput(client_uuid=key or str(uuid.uuid4()), site_id=site_id,
                           inspection_type="playground_visual", inspected_on=day,
                           checklist=VISUAL_OK, findings=list(findings), item=item)


def _record(engine, tenant_id, inp, **kw):
    with tenant_session(engine, tenant_id) as s, s.begin():
        return service.record_inspection(s, inp, SIGNER, today=kw.pop("today", DAY), **kw)


def _verify(engine, tenant_id):
    with tenant_session(engine, tenant_id) as s:
        return service.verify_chain(s)


def test_chain_detects_an_edited_record(town) -> None:
    """Changing any evidence field of a stored record breaks its hash."""
    engine, tid, ids = town
    for day in (DAY - dt.timedelta(days=14), DAY - dt.timedelta(days=7), DAY):
        _record(engine, tid, _visual(ids["play"], day))
    assert _verify(engine, tid).intact
    with engine.begin() as conn:  # someone with database access rewrites history
        conn.execute(text("UPDATE inspection_record SET inspector_name = 'Jemand anders' "
                          "WHERE seq = 2"))
    report = _verify(engine, tid)
    assert not report.intact
    assert [(p.seq, p.kind) for p in report.problems] == [(2, "edited")]


def test_chain_detects_a_deleted_record_and_a_deleted_newest_record(town) -> None:
    """A gap in the sequence, a broken link and a chain shorter than its head are reported."""
    engine, tid, ids = town
    for day in (DAY - dt.timedelta(days=14), DAY - dt.timedelta(days=7), DAY):
        _record(engine, tid, _visual(ids["play"], day))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM inspection_record WHERE seq = 2"))
    kinds = {(p.seq, p.kind) for p in _verify(engine, tid).problems}
    assert kinds == {(3, "gap"), (3, "broken_link")}
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM inspection_record WHERE seq = 3"))
    kinds = {(p.seq, p.kind) for p in _verify(engine, tid).problems}
    assert (3, "head") in kinds


def test_a_correction_keeps_both_records(town) -> None:
    """A correction is a new chained record referencing the old one, which stays unchanged."""
    engine, tid, ids = town
    old, _ = _record(engine, tid, _visual(ids["play"], item="Rutsche"))
    fixed = InspectionInput(client_uuid=str(uuid.uuid4()), site_id=ids["play"],
                            inspection_type="playground_visual", inspected_on=DAY,
                            checklist=VISUAL_OK, item="Wippe")
    with tenant_session(engine, tid) as s, s.begin(), pytest.raises(BadInput, match="Begründung"):
        service.correct_inspection(s, old["id"], fixed, SIGNER, reason=" ", today=DAY)
    with tenant_session(engine, tid) as s, s.begin():
        new, created = service.correct_inspection(s, old["id"], fixed, SIGNER,
                                                  reason="falsches Gerät notiert", today=DAY)
    assert created and new["corrects_id"] == old["id"] and new["seq"] == old["seq"] + 1
    with tenant_session(engine, tid) as s:
        rows = s.scalars(select(InspectionRecord).order_by(InspectionRecord.seq)).all()
        assert [(r.item, r.record_hash) for r in rows] == [("Rutsche", old["record_hash"]),
                                                           ("Wippe", new["record_hash"])]
        listed = service.site_records(s, ids["play"], DAY, DAY)
    assert [r["superseded_by"] for r in listed] == [new["id"], None]
    assert _verify(engine, tid).intact


def test_a_finding_creates_its_follow_up_order_with_its_deadline(town) -> None:
    """High severity → repair order due by the deadline (priority high); acute → today."""
    engine, tid, ids = town
    findings = [
        {"severity": "high", "text": "Kette der Schaukel verschlissen", "measure": "repair",
         "deadline": (DAY + dt.timedelta(days=5)).isoformat()},
        {"severity": "acute", "text": "Sitzbrett gebrochen", "measure": "close"},
        {"severity": "low", "text": "Sand etwas verdichtet", "measure": "observe"},
    ]
    record, _ = _record(engine, tid, _visual(ids["play"], findings=findings))
    with tenant_session(engine, tid) as s:
        listed = service.site_records(s, ids["play"], DAY, DAY)[0]
        orders = {f["finding_index"]: f for f in listed["follow_ups"]}
        high = s.get(Task, orders[0]["task_id"])
        acute = s.get(Task, orders[1]["task_id"])
        assert (high.task_type, high.due_latest, high.priority) == (
            "repair_playground", DAY + dt.timedelta(days=5), 2)
        assert f"Kontrollprotokoll Nr. {record['seq']}" in high.notes
        assert (acute.due_latest, acute.priority) == (DAY, 3)
        assert orders[2]["task_id"] is None  # observe: recorded, nothing ordered
    late = [{"severity": "acute", "text": "x", "deadline": "2026-07-30"}]
    with tenant_session(engine, tid) as s, s.begin(), pytest.raises(BadInput, match="spätestens"):
        service.record_inspection(s, _visual(ids["play"], findings=late), SIGNER, today=DAY)


def test_the_same_checklist_sent_twice_is_stored_once(town) -> None:
    """Idempotent by client UUID; the same UUID with other content is refused."""
    engine, tid, ids = town
    key = str(uuid.uuid4())
    first, created1 = _record(engine, tid, _visual(ids["play"], key=key))
    again, created2 = _record(engine, tid, _visual(ids["play"], key=key))
    assert (created1, created2) == (True, False) and first["id"] == again["id"]
    with pytest.raises(Conflict):
        _record(engine, tid, _visual(ids["play2"], key=key))
    with tenant_session(engine, tid) as s:
        assert s.scalar(select(func.count()).select_from(InspectionRecord)) == 1


def test_protocol_pdf_lists_every_inspection_of_the_site_in_the_period(town) -> None:
    """Every record of the site in the period (and only those) appears in the PDF."""
    engine, tid, ids = town
    inside = [DAY - dt.timedelta(days=21), DAY - dt.timedelta(days=14), DAY]
    seqs = []
    for day in inside:
        seqs.append(_record(engine, tid, _visual(ids["play"], day))[0]["seq"])
    other_site = _record(engine, tid, _visual(ids["play2"], DAY))[0]["seq"]
    too_early = _record(engine, tid, _visual(ids["play"], DAY - dt.timedelta(days=60)))[0]["seq"]
    with tenant_session(engine, tid) as s:
        pdf = service.protocol_pdf(s, ids["play"], DAY - dt.timedelta(days=30), DAY)
    text_ = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for seq, day in zip(seqs, inside, strict=True):
        assert f"Nr. {seq} - {day:%d.%m.%Y}" in text_
    assert f"Nr. {other_site} -" not in text_ and f"Nr. {too_early} -" not in text_
    assert "3 Protokolle in diesem Zeitraum" in text_ and "unverändert" in text_


def test_insurer_export_carries_hashes_and_the_chain_state(town) -> None:
    """The CSV lists each record with its hash and says whether the chain is intact."""
    engine, tid, ids = town
    rec, _ = _record(engine, tid, _visual(ids["play"]))
    with tenant_session(engine, tid) as s:
        csv_text = service.insurer_export(s, DAY, DAY)
    assert csv_text.startswith("# Kontrollprotokolle") and "unverändert" in csv_text.splitlines()[0]
    assert rec["record_hash"] in csv_text


def test_overview_lists_overdue_first_and_demand_raises_their_urgency(town) -> None:
    """An overdue visual check comes first and its planned task gets urgency 1."""
    engine, tid, ids = town
    _record(engine, tid, _visual(ids["play2"], DAY - dt.timedelta(days=20)), today=DAY)
    _record(engine, tid, _visual(ids["play"], DAY - dt.timedelta(days=2)), today=DAY)
    with tenant_session(engine, tid) as s:
        overview = service.inspection_overview(s, DAY)
        overdue = service.overdue_task_types(s, DAY)
    first = overview[0]
    assert (first.site_id, first.inspection_type, first.overdue_days) == (
        ids["play2"], "playground_visual", 13)
    assert overdue == {(ids["play2"], "inspect_playground_visual"): 13}
    from greentour.demand.service import build_context, store_io

    with tenant_session(engine, tid) as s:
        sites = store_io.load_sites(s)
        ctx = build_context(s, sites, "BY", as_of=DAY)
        by_id = {x.id: x for x in sites}
        late = ctx.task(by_id[ids["play2"]], "inspect_playground_visual", "cycle",
                        (DAY, DAY + dt.timedelta(days=2)), 0.6, "Zyklus")
        fine = ctx.task(by_id[ids["play"]], "inspect_playground_visual", "cycle",
                        (DAY, DAY + dt.timedelta(days=2)), 0.6, "Zyklus")
    assert late.urgency == 1.0 and "überfällig" in late.explanation
    assert fine.urgency == 0.6


def test_clearance_hazards_of_june_2026_and_a_cut_resets_them(town) -> None:
    """Regrowth since 1 January violates the profiles in June 2026; a cut pushes them out."""
    engine, tid, ids = town
    as_of = dt.date(2026, 6, 1)
    with tenant_session(engine, tid) as s:
        before = service.clearance_hazards(s, as_of, 28)
    assert {(h["site_id"], h["profile"]) for h in before} == {
        (ids["hedge"], "carriageway"), (ids["hedge"], "sight_triangle"), (ids["trees"], "path")}
    sight = next(h for h in before if h["profile"] == "sight_triangle")
    assert sight["violation_date"] is not None and sight["last_cut_assumed"]
    assert sight["violation_p10"] <= sight["violation_date"] or sight["violation_p10"] is None
    with tenant_session(engine, tid) as s, s.begin():
        s.add(SiteLastService(site_id=ids["hedge"], task_type="clearance_cut",
                              last_date=dt.date(2026, 5, 29)))
    with tenant_session(engine, tid) as s:
        after = service.clearance_hazards(s, as_of, 28)
    hedge_after = [h for h in after if h["site_id"] == ids["hedge"]]
    assert all(h["regrowth_m"] < 0.05 and not h["violated"] for h in hedge_after)
    assert all(h["violation_date"] is None or h["violation_date"] > sight["violation_date"]
               for h in hedge_after)


def test_storm_rounds_after_and_before_a_storm_order_checks_by_risk(town, data_dir) -> None:
    """Storm Zeynep (Feb 2022, Düsseldorf) orders one round after it, once; as a forecast it
    orders checks before it."""
    engine, tid, ids = town
    weather = read_dwd_daily(data_dir / "weather" / DUESSELDORF)
    with tenant_session(engine, tid) as s, s.begin():
        model = service.risk_model(s)
        assert not model.learned and "Nicht gelernt" in model.note
        ranked = service.ranked_sites(s, model)
        assert ranked[0]["site_id"] == ids["trees"]  # tall poplars by a path score highest
        done = service.storm_check(s, weather, dt.date(2022, 2, 27))
        again = service.storm_check(s, weather, dt.date(2022, 2, 27))
        before = service.storm_check(s, weather.iloc[0:0], dt.date(2022, 2, 15),
                                     forecast=weather.loc["2022-02-15":"2022-02-22"])
    assert [(r["kind"], r["created"]) for r in done] == [("after", True)]
    assert done[0]["tasks"] == 4 and [r["created"] for r in again] == [False]
    assert before and before[0]["kind"] == "before" and before[0]["tasks"] == 4


def test_gust_days_on_duesseldorf_2014_2023(data_dir) -> None:
    """The figures of bench/storm_days.py: 268 gust days ≥ Bft 8 in ten years, 170 rounds."""
    frame = read_dwd_daily(data_dir / "weather" / DUESSELDORF)
    table = gust_days_per_year(frame.loc["2014-01-01":"2023-12-31"], beaufort_ms(8))
    assert int(table.gust_days.sum()) == 268 and int(table.storm_rounds.sum()) == 170
    assert table.loc[2020, "gust_days"] == 36


def test_risk_score_is_learned_from_enough_findings_and_evaluated_on_held_back_ones() -> None:
    """With 200 seeded storm controls the weights are refitted and tested on a held-back 25 %."""
    import numpy as np

    from forecasting.storm_risk import FEATURES, Sample, fit

    rng = np.random.default_rng(7)
    samples = []
    for _ in range(200):
        feats = {f: float(rng.random()) for f in FEATURES}
        z = -5 + 8 * feats["last_finding"] + 4 * feats["tree_size"]
        samples.append(Sample(feats, bool(rng.random() < 1 / (1 + np.exp(-z)))))
    model = fit(samples, seed=0)
    assert model.learned and model.n_test == 50 and model.auc is not None and model.auc > 0.75
    weights = model.weights
    assert weights["last_finding"] > weights["tree_size"] > abs(weights["species"])
    assert fit(samples[:10]).learned is False


def test_cli_verify_protocol_export_and_storm_check(town, cli_runner, tmp_path, lauf_pbf) -> None:
    """``greentour duty``: screen, verify (exit 1 on a broken chain, one 'Fehler:' line per
    break), protocol PDF, insurer CSV, storm check, hazards; bad dates are one-line errors."""
    from greentour.cli import cli

    engine, tid, ids = town
    screened = cli_runner.invoke(cli, ["duty", "screen", "--tenant", "lauf", "--osm",
                                       str(lauf_pbf)])
    assert screened.exit_code == 0 and "4 Flächen geprüft" in screened.output, screened.output
    _record(engine, tid, _visual(ids["play"], DAY - dt.timedelta(days=1)))
    _record(engine, tid, _visual(ids["play"], DAY))
    ok = cli_runner.invoke(cli, ["duty", "verify", "--tenant", "lauf"])
    assert ok.exit_code == 0 and "unverändert: 2 Protokolle" in ok.output
    pdf = tmp_path / "p.pdf"
    made = cli_runner.invoke(cli, ["duty", "protocol", "--tenant", "lauf", "--site",
                                   str(ids["play"]), "--from", "2026-06-01", "--to",
                                   "2026-06-30", "--out", str(pdf)])
    assert made.exit_code == 0 and PdfReader(pdf).pages
    csv_file = tmp_path / "k.csv"
    exported = cli_runner.invoke(cli, ["duty", "export", "--tenant", "lauf", "--from",
                                       "2026-06-01", "--to", "2026-06-30", "--out", str(csv_file)])
    assert exported.exit_code == 0 and "(2 Protokolle)" in exported.output
    storm = cli_runner.invoke(cli, ["duty", "storm-check", "--tenant", "lauf", "--date",
                                    "2026-06-15"])
    assert storm.exit_code == 0, storm.output
    hazards = cli_runner.invoke(cli, ["duty", "hazards", "--tenant", "lauf", "--date",
                                      "2026-06-01"])
    assert hazards.exit_code == 0 and "Profilen in 28 Tagen verletzt" in hazards.output
    bad = cli_runner.invoke(cli, ["duty", "overview", "--tenant", "lauf", "--date", "morgen"])
    assert bad.exit_code == 1 and bad.output.strip().startswith("Fehler:")
    assert "Traceback" not in bad.output
    with engine.begin() as conn:
        conn.execute(text("UPDATE inspection_record SET note = 'nachträglich' WHERE seq = 1"))
    broken = cli_runner.invoke(cli, ["duty", "verify", "--tenant", "lauf"])
    assert broken.exit_code == 1 and "Fehler: Protokoll Nr. 1 wurde nach dem Speichern" \
        in broken.output


def test_demand_plans_a_clearance_task_before_the_predicted_violation(town, tmp_path) -> None:
    """The week's demand holds a clearance cut due before the sight triangle is violated,
    ranked by the road class (without the town's May clearance cycle, which would cover it);
    after a recorded cut it is not asked for."""
    from greentour.demand.service import generate_tasks

    engine, tid, ids = town
    as_of = dt.date(2026, 6, 15)
    no_cycles = tmp_path / "cycles.toml"
    no_cycles.write_text("# no cycles\n", encoding="utf-8")
    with tenant_session(engine, tid) as s:
        hazards = service.clearance_hazards(s, as_of, 28)
        tasks, _notes = generate_tasks(s, as_of, as_of=as_of, cycles_file=no_cycles)
    violation = min(h["violation_date"] for h in hazards if h["site_id"] == ids["hedge"]
                    and h["violation_date"])
    clear = [t for t in tasks if t.generator == "forecast" and t.site_id == ids["hedge"]
             and t.task_type == "clearance_cut"]
    assert len(clear) == 1, [(t.task_type, t.generator) for t in tasks if t.site_id == ids["hedge"]]
    assert clear[0].due_latest.isoformat() < violation and clear[0].urgency >= 0.95
    assert "Sichtdreieck" in clear[0].explanation
    with tenant_session(engine, tid) as s, s.begin():
        s.add(SiteLastService(site_id=ids["hedge"], task_type="clearance_cut",
                              last_date=dt.date(2026, 5, 29)))
    with tenant_session(engine, tid) as s:
        tasks, _notes = generate_tasks(s, as_of, as_of=as_of, cycles_file=no_cycles)
    assert not [t for t in tasks if t.generator == "forecast" and t.site_id == ids["hedge"]
                and t.task_type == "clearance_cut"]


def test_a_mosmix_storm_from_bright_sky_orders_checks_before_it(town) -> None:
    """Bright Sky's hourly MOSMIX gusts (schema-built response of tests/forecasting/fixtures,
    gusts raised to 75 km/h on 2 July) → daily maximum → a pre-storm round due the day before."""
    from forecasting.weather import read_brightsky_json

    engine, tid, ids = town
    doc = json.loads((REPO / "tests" / "forecasting" / "fixtures" /
                      "brightsky_weather_mosmix.json").read_text(encoding="utf-8"))
    for record in doc["weather"]:
        if record["timestamp"].startswith("2026-07-02T1"):
            record["wind_gust_speed"] = 75.0
    forecast = read_brightsky_json(doc)
    assert forecast.attrs["is_forecast"]
    assert forecast.loc["2026-07-02", "gust_max_ms"] == pytest.approx(75 / 3.6)
    with tenant_session(engine, tid) as s, s.begin():
        rounds = service.storm_check(s, forecast.iloc[0:0], dt.date(2026, 6, 30), forecast=forecast)
        tasks = s.scalars(select(Task).where(Task.generator == "order")).all()
    assert [(r["kind"], r["first_day"], r["created"]) for r in rounds] == [
        ("before", "2026-07-02", True)]
    assert {t.due_latest for t in tasks} == {dt.date(2026, 7, 1)}
    assert {t.task_type for t in tasks if t.site_id in (ids["play"], ids["play2"])} == {
        "inspect_playground"}
    assert all("Vor Sturm" in t.notes for t in tasks)


def test_tree_interval_by_phase_and_condition_and_tenant_deletion(town) -> None:
    """An old damaged tree is due again after 12 months, a young healthy one after 36; deleting
    the town removes its records, corrections and follow-ups too."""
    from greentour.duty.checklists import TREE_INTERVAL_MONTHS, interval_days
    from greentour.store.tenancy import delete_tenant, export_tenant

    assert TREE_INTERVAL_MONTHS[("old", "damaged")] == 12
    assert interval_days("tree_regular", {"phase": "young", "condition": "healthy"}) == 1096
    engine, tid, ids = town
    tree_check = [{"key": k, "result": "ok"} for k in
                  ("crown", "trunk", "root_collar", "vitality", "surroundings")]
    last_year = DAY - dt.timedelta(days=400)
    old, _ = _record(engine, tid, InspectionInput(
        client_uuid=str(uuid.uuid4()), site_id=ids["trees"], inspection_type="tree_regular",
        inspected_on=last_year, checklist=tree_check,
        condition={"phase": "old", "condition": "damaged"},
        findings=[{"severity": "medium", "text": "Totholz in der Krone", "measure": "prune"}]))
    with tenant_session(engine, tid) as s:
        due = {(d.site_id, d.inspection_type): d for d in service.inspection_overview(s, DAY)}
    tree = due[(ids["trees"], "tree_regular")]
    assert tree.due_on == last_year + dt.timedelta(days=365) and tree.overdue_days == 35
    bad = InspectionInput(client_uuid=str(uuid.uuid4()), site_id=ids["trees"],
                          inspection_type="tree_regular", inspected_on=DAY, checklist=tree_check,
                          condition={"phase": "uralt"})
    with tenant_session(engine, tid) as s, s.begin(), pytest.raises(BadInput,
                                                                    match="Entwicklungsphase"):
        service.record_inspection(s, bad, SIGNER, today=DAY)
    with tenant_session(engine, tid) as s, s.begin():
        service.correct_inspection(s, old["id"], InspectionInput(
            client_uuid=str(uuid.uuid4()), site_id=ids["trees"], inspection_type="tree_regular",
            inspected_on=last_year, checklist=tree_check,
            condition={"phase": "old", "condition": "severe"}), SIGNER, "Zustand falsch", DAY)
    exported = export_tenant(engine, tid)
    assert len(exported["tables"]["inspection_record"]) == 2
    counts = delete_tenant(engine, tid)
    assert counts["inspection_record"] == 2 and counts["inspection_follow_up"] == 1
