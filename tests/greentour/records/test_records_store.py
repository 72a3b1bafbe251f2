"""The work records' store round trip on real SQLite and real PostgreSQL (issue 17).

A hand-built day (the sample tenant from data/tenants/lauf.toml, two sites, a published tour with
known legs, reports with known times) so that every figure can be written down: review,
correction with history, closing with frozen bookings equal to the computed ones, the 409 of a
closed day, and a report of the year.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select, text

from greentour.cli import cli
from greentour.commands.tenants import apply_tenant_file
from greentour.errors import BadInput, Conflict
from greentour.records import csv_layouts, service
from greentour.store import make_engine, models, tenant_session, upgrade, write_session
from greentour.store.models_records import Booking, BookingCorrection
from greentour.workplace import board, lineup
from greentour.workplace.lineup import ensure_crew_days

REPO = Path(__file__).resolve().parents[3]
DAY = dt.date(2026, 6, 16)  # a Tuesday: shift 06:30-15:30, breaks 09:00-09:15, 12:00-12:30
TZ = ZoneInfo("Europe/Berlin")


def at(hhmm: str) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time.fromisoformat(hhmm), tzinfo=TZ)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path) -> Iterator[Engine]:
    """A migrated empty store on SQLite or on the throwaway PostgreSQL cluster of
    test_store_postgres.py (``pg_url``)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'records.sqlite'}"
        upgrade(url)
    else:
        request.applymarker(pytest.mark.postgres)
        url = request.getfixturevalue("pg_url")
    eng = make_engine(url)
    yield eng
    if request.param == "postgresql":
        with eng.begin() as conn:
            conn.execute(text("TRUNCATE tenant, app_user RESTART IDENTITY CASCADE"))
    eng.dispose()


def _day(engine: Engine) -> dict:
    """Kolonne 1 (Huber: Vorarbeiter, Maier: Gärtner; Pritsche 1; ride-on mower, wide-area
    mower, brush cutter) mows a park 07:00-09:40 (breakfast inside) and a cemetery 10:00-11:00;
    legs 3.0 + 2.0 + 4.5 km, 10 + 6 + 12 min."""
    summary = apply_tenant_file(engine, REPO / "data" / "tenants" / "lauf.toml",
                                REPO / "data" / "task_types.toml")
    tid = summary.tenant_id
    with tenant_session(engine, tid) as s, s.begin():
        cd = next(c for c in ensure_crew_days(s, DAY) if c.name.startswith("Kolonne 1"))
        park = models.Site(name="Stadtpark", category="park", geometry_geojson=json.dumps(
            {"type": "Point", "coordinates": [11.28, 49.51]}), geometry_type="Point",
            lon=11.28, lat=49.51, area_m2=6000.0, status="accepted", in_maintenance=True)
        cemetery = models.Site(name="Friedhof", category="cemetery", geometry_geojson=json.dumps(
            {"type": "Point", "coordinates": [11.29, 49.52]}), geometry_type="Point",
            lon=11.29, lat=49.52, area_m2=3000.0, status="accepted", in_maintenance=True,
            cost_centre="5531 Salvator-Friedhof")
        s.add_all([park, cemetery])
        s.flush()
        tasks = [models.Task(site_id=site.id, task_type="mow", generator="forecast",
                             due_earliest=DAY, due_latest=DAY, duration_s=minutes * 60,
                             status="planned")
                 for site, minutes in ((park, 150), (cemetery, 60))]
        s.add_all(tasks)
        plan = models.Plan(date_from=DAY, date_to=DAY, status="published", version=1,
                           published_at=at("06:00"))
        s.add(plan)
        s.flush()
        tour = models.Tour(plan_id=plan.id, crew_day_id=cd.id)
        s.add(tour)
        s.flush()
        s.add_all([
            models.Stop(tour_id=tour.id, seq=0, kind="depot", start_at=at("06:50")),
            models.Stop(tour_id=tour.id, seq=1, kind="task", task_id=tasks[0].id,
                        start_at=at("07:00"), end_at=at("09:45"), leg_distance_m=3000.0,
                        leg_duration_s=600),
            models.Stop(tour_id=tour.id, seq=2, kind="task", task_id=tasks[1].id,
                        start_at=at("10:00"), end_at=at("11:00"), leg_distance_m=2000.0,
                        leg_duration_s=360),
            models.Stop(tour_id=tour.id, seq=3, kind="depot", arrival_at=at("11:15"),
                        leg_distance_m=4500.0, leg_duration_s=720),
        ])
        for i, (task, start, end) in enumerate(((tasks[0], "07:00", "09:40"),
                                                (tasks[1], "10:00", "11:00"))):
            s.add(models.Completion(crew_day_id=cd.id, task_id=task.id, plan_version=1,
                                    client_uuid=f"00000000-0000-4000-8000-00000000000{i}",
                                    status="done", started_at=at(start), finished_at=at(end),
                                    device_time=at(end), server_time=at(end)))
        return {"tenant_id": tid, "crew_day_id": cd.id, "tasks": [t.id for t in tasks],
                "members": list(cd.member_ids)}


def test_review_correct_close_round_trip(engine) -> None:
    """Work 145 + 60 min per person (breakfast out), drive 28 min, set-up = 8:15 paid - work -
    drive; a km correction with history; closing stores the same lines; a closed day is 409."""
    day = _day(engine)
    tid = day["tenant_id"]
    with tenant_session(engine, tid) as s:
        review = service.day_review(s, DAY, "admin")
        lines = service.day_lines(s, DAY)
    crew = review["crews"][0]
    assert [x["work_min"] for x in crew["stops"]] == [145, 60]
    assert crew["km"] == "9,5" and crew["persons"] == 2
    paid = 9 * 3600 - 45 * 60
    person_total = {}
    for ln in lines:
        if ln.resource_kind == "person":
            person_total[ln.resource_id] = person_total.get(ln.resource_id, 0) + ln.quantity
    assert set(person_total.values()) == {paid}
    centres = {ln.cost_centre for ln in lines if ln.share == "work"}
    assert centres == {"5510 Parkanlagen", "5531 Salvator-Friedhof"}
    # Huber is Vorarbeiter (56.40), Maier Gärtner (49.80): 145 min work = 136.30 + 120.35 EUR
    park_work = sorted(ln.amount_ct for ln in lines if ln.share == "work"
                       and ln.resource_kind == "person" and ln.task_id == day["tasks"][0])
    assert park_work == [12035, 13630]
    with write_session(engine, tid) as s:
        with pytest.raises(BadInput, match="Grund"):
            service.correct(s, DAY, day["crew_day_id"], "vehicle_km", "11", "", "dispo")
        service.correct(s, DAY, day["crew_day_id"], "vehicle_km", "11,2",
                        "Tacho: Umweg wegen Baustelle", "dispo")
    with write_session(engine, tid) as s:
        result = service.close_day(s, DAY, "dispo")
        computed = service.day_lines(s, DAY)
    assert result["distance_m"] == 11_200
    with tenant_session(engine, tid) as s:
        stored = service.day_lines(s, DAY)
        rows = s.scalars(select(Booking)).all()
        history = s.scalars(select(BookingCorrection)).all()
        assert len(rows) == len(stored) == result["lines"]
        assert stored == computed
        assert [(h.kind, json.loads(h.before_json), json.loads(h.value_json)) for h in history] \
            == [("vehicle_km", 9.5, 11.2)]
        year = service.period_report(s, "2026", "planner")
        closed = service.day_review(s, DAY, "planner")["crews"][0]
    assert closed["km"] == "11,2" and [x["work_min"] for x in closed["stops"]] == [145, 60]
    assert closed["work_h"] == "3,42"                       # 205 min per person, frozen
    assert year["total"]["distance_m"] == 11_200 and year["open_days"] == []
    assert "person" not in year["tables"]
    with write_session(engine, tid) as s, \
            pytest.raises(Conflict, match="16.06.2026 ist abgeschlossen"):
        service.correct(s, DAY, day["crew_day_id"], "members", [day["members"][0]],
                        "krank ab 10 Uhr", "dispo")
    # the planning of a closed day is read-only too: no move on the board, no line-up change
    with write_session(engine, tid) as s, pytest.raises(Conflict, match="abgeschlossen"):
        board.apply_move(s, day["tasks"][0], day["crew_day_id"])
    with write_session(engine, tid) as s, pytest.raises(Conflict, match="abgeschlossen"):
        lineup.move_person(s, DAY, day["members"][0], None)


def test_cli_summary_close_export_gpkg(tmp_path, monkeypatch) -> None:
    """``greentour records``: the month's sums, closing (twice: the second is one German line
    and exit 1), the CSV that reads back to the booked seconds, the cost GeoPackage (ogrinfo
    lists the attribute), bad input as "Fehler: …"."""
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    upgrade(url)
    eng = make_engine(url)
    _day(eng)
    eng.dispose()
    monkeypatch.setenv("GREENTOUR_DATABASE_URL", url)
    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(tmp_path / "instance"))
    run = CliRunner()
    out = run.invoke(cli, ["records", "summary", "--period", "2026-06"])
    assert out.exit_code == 0, out.output
    assert "5531 Salvator-Friedhof" in out.output and "Summe" in out.output
    bad = run.invoke(cli, ["records", "summary", "--period", "Juni"])
    assert bad.exit_code == 1 and "Fehler: Zeitraum „Juni“ ist ungültig" in bad.output
    assert run.invoke(cli, ["records", "close", "--day", "2026-06-16"]).exit_code == 0
    again = run.invoke(cli, ["records", "close", "--day", "2026-06-16"])
    assert again.exit_code == 1 and "ist abgeschlossen" in again.output
    assert "Traceback" not in again.output
    csv_path = tmp_path / "b.csv"
    done = run.invoke(cli, ["records", "export", "--month", "2026-06", "--out", str(csv_path)])
    assert done.exit_code == 0, done.output
    rows = csv_layouts.read_greentour_csv(csv_path.read_bytes())
    work = sum(r.quantity for r in rows if r.resource_kind == "person" and r.share == "work")
    assert work == 2 * (145 + 60) * 60
    refused = run.invoke(cli, ["records", "export", "--month", "2026-06", "--per-person",
                               "--layout", "ilv", "--year", "2026", "--out", str(csv_path)])
    assert refused.exit_code == 1 and "Genau eines" in refused.output
    gpkg = tmp_path / "kosten.gpkg"
    made = run.invoke(cli, ["records", "gpkg", "--year", "2026", "--out", str(gpkg)])
    assert made.exit_code == 0, made.output
    info = subprocess.run(["ogrinfo", "-so", "-al", str(gpkg)], capture_output=True,
                          text=True, check=True).stdout
    assert "cost_eur_per_m2_year: Real" in info and "site_costs_points" in info
