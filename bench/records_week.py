"""The work records' test week on the Lauf sample (issue 17 acceptance), with its figures.

Usage::

    python bench/records_week.py [--out DIR]

Builds the walkthrough's Lauf (tests/planner_scenario.py: the sample tenant with its [records]
rates, real OSM sites) in a new SQLite file, adds the week's tasks, plans Monday 15 - Friday 19
June 2026 with OR-Tools (deterministic), publishes, lets every crew report every stop through the
report service (tests/records_week.py), corrects one stop on Tuesday with a reason, closes every
day and prints:

* person work-hours per cost centre booked against the reports' hours (persons × time, fixed
  breaks out), to the second;
* machine-hours per machine and km per crew-day booked against the tours;
* the sums of the CSV re-read; the totals (person-hours with drive and set-up, EUR);
* what a change of a closed day answers.

``GREENTOUR_DATA_DIR`` (default ``../shared/data``) locates the OSM extract.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from planner_scenario import build  # noqa: E402
from records_week import build_week, expected_figures  # noqa: E402

from greentour.errors import Conflict  # noqa: E402
from greentour.records import csv_layouts, report, service, store_io  # noqa: E402
from greentour.store import make_engine, tenant_session, write_session  # noqa: E402


def _h(seconds: int) -> str:
    return f"{seconds / 3600:8.2f} h"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="folder for the SQLite and CSV")
    args = parser.parse_args()
    data = Path(os.environ.get("GREENTOUR_DATA_DIR", REPO.parent / "shared" / "data"))
    out = args.out or Path(tempfile.mkdtemp(prefix="records-week-"))
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    scenario = build(out / "week.sqlite", data / "osm" / "lauf-an-der-pegnitz_2020-01-15.osm.pbf")
    engine = make_engine(scenario.db_url)
    week = build_week(engine, scenario.tenant_id, scenario.day)
    tid = scenario.tenant_id
    tuesday = week.days[1]
    with tenant_session(engine, tid) as s:
        crew = service.day_review(s, tuesday, "admin")["crews"][0]
    stop = next(x for x in crew["stops"] if x["status"] == "done")
    minutes = stop["work_min"] + 17
    with write_session(engine, tid) as s:
        service.correct(s, tuesday, crew["id"], "work_min", str(minutes),
                        "Schnittgut nach „Erledigt“ geräumt", "bench", task_id=stop["task_id"])
    expected = expected_figures(engine, tid, week.days, {(crew["id"], stop["task_id"]): minutes})
    for day in week.days:
        with write_session(engine, tid) as s:
            if store_io.reported_days(s, day, day):
                service.close_day(s, day, "bench")
    first, last = week.days[0], week.days[-1]
    with tenant_session(engine, tid) as s:
        lines = service.lines_between(s, first, last)
        data_csv = service.export_csv(s, first, last, "greentour", "admin")
    (out / "buchungen.csv").write_bytes(data_csv)
    rows = csv_layouts.read_greentour_csv(data_csv)

    print(f"Testwoche {first} – {last}: plan #{week.plan_id}, {week.reports} Meldungen, "
          f"1 Korrektur ({crew['name']}, Aufgabe {stop['task_id']}: {stop['work_min']} → "
          f"{minutes} min), {len(lines)} Buchungszeilen; {time.perf_counter() - started:.0f} s")
    print("\nPersonal-Arbeitsstunden je Kostenstelle: gebucht | Meldungen (Personen × Zeit) | "
          "CSV | Differenz s")
    booked: dict[str, int] = defaultdict(int)
    csv_sum: dict[str, int] = defaultdict(int)
    for ln in lines:
        if ln.resource_kind == "person" and ln.share == "work":
            booked[ln.cost_centre] += ln.quantity
    for r in rows:
        if r.resource_kind == "person" and r.share == "work":
            csv_sum[r.cost_centre] += r.quantity
    for centre in sorted(expected["person_work_s"]):
        want = expected["person_work_s"][centre]
        print(f"  {centre:28s} {_h(booked[centre])} | {_h(want)} | {_h(csv_sum[centre])} | "
              f"{booked[centre] - want:+d}")
    print("\nMaschinenstunden je Maschine: gebucht | Touren (Arbeit an Halten mit Bedarf)")
    machines: dict[int, int] = defaultdict(int)
    names: dict[int, str] = {}
    metres: dict[int, int] = defaultdict(int)
    for ln in lines:
        if ln.resource_kind == "machine":
            machines[ln.resource_id] += ln.quantity
            names[ln.resource_id] = ln.resource_name
        elif ln.resource_kind == "vehicle":
            metres[ln.crew_day_id] += ln.quantity
    for mid in sorted(expected["machine_s"]):
        print(f"  {names.get(mid, mid)!s:28s} {_h(machines[mid])} | "
              f"{_h(expected['machine_s'][mid])}")
    total_km = sum(metres.values()) / 1000
    want_km = sum(expected["metres"].values()) / 1000
    print(f"\nFahrzeug-km: gebucht {total_km:.3f} km | Touren inkl. Rückfahrt {want_km:.3f} km "
          f"({len(metres)} Kolonnentage, je Kolonnentag gleich: "
          f"{dict(metres) == expected['metres']})")
    t = report.total(lines)
    print(f"\nSummen: {t.person_s / 3600:.2f} Personalstunden (davon Arbeit "
          f"{t.work_person_s / 3600:.2f}), {t.machine_s / 3600:.2f} Maschinenstunden, "
          f"{t.distance_m / 1000:.1f} km, {t.amount_ct / 100:,.2f} EUR; CSV "
          f"{sum(r.amount_ct for r in rows) / 100:,.2f} EUR, {len(rows)} Zeilen")
    for row in report.summarise(lines, "cost_centre"):
        d = row.as_dict()
        m2 = f"{d['m2_per_h']:.0f} m²/h" if d["m2_per_h"] else "–"
        print(f"  {row.label:28s} {d['person_h']:7.2f} Pers.-h {d['eur']:10,.2f} EUR  {m2}")
    with write_session(engine, tid) as s:
        try:
            service.correct(s, first, crew["id"], "vehicle_km", "1", "Test", "bench")
        except Conflict as exc:
            print(f"\nÄnderung eines abgeschlossenen Tages: HTTP {exc.http_status} – "
                  f"{exc.message}")
    print(f"\nDateien: {out}")
    engine.dispose()


if __name__ == "__main__":
    main()
