"""The work records' pure parts: booking rules, distribution, rates, CSV layouts (issue 17)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from greentour.errors import BadInput, ConfigError
from greentour.records import csv_layouts, report
from greentour.records.booking import (
    CrewDayWork,
    MachineUse,
    Person,
    StopWork,
    VehicleUse,
    arbzg_warning,
    book_crew_day,
    split,
    union_s,
)
from greentour.records.rates import records_settings
from greentour.records.service import period_of
from greentour.tenant_config import load_tenant_config

TZ = ZoneInfo("Europe/Berlin")
DAY = dt.date(2026, 6, 16)
REPO = Path(__file__).resolve().parents[3]


def at(hhmm: str) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time.fromisoformat(hhmm), tzinfo=TZ)


def stop(task_id: int, work_min: int, centre: str, equipment=(), area: float = 0.0) -> StopWork:
    return StopWork(task_id=task_id, site_id=task_id * 10, site_name=f"Fläche {task_id}",
                    task_type="mow", cost_centre=centre, cost_object="551", order_ref="",
                    area_m2=area, equipment=tuple(equipment), work_s=work_min * 60)


def crew_day(stops, drive_s=1800, distance_m=12_345, paid_s=8 * 3600 + 15 * 60,
             persons=2) -> CrewDayWork:
    people = tuple(Person(i, f"P{i}", "gaertner", 4980) for i in range(1, persons + 1))
    return CrewDayWork(
        crew_day_id=7, date=DAY, crew="Kolonne 1", persons=people,
        machines=(MachineUse(1, "Aufsitzmäher", "ride_on_mower", 1850),
                  MachineUse(2, "Freischneider", "brush_cutter", None)),
        vehicle=VehicleUse(3, "Pritsche", 68), stops=tuple(stops), drive_s=drive_s,
        distance_m=distance_m, paid_s=paid_s, overhead_cost_centre="1100 Bauhof")


def test_split_adds_up_exactly_and_follows_the_weights() -> None:
    """Largest remainder: integer parts add up to the total; ties go to the earlier item."""
    assert split(10, [1, 1, 1]) == [4, 3, 3]
    assert split(12_345, [60, 30, 10]) == [7407, 3704, 1234]
    assert sum(split(7, [0.3, 0.3, 0.4])) == 7
    assert split(5, [0, 0]) == [3, 2]
    assert split(0, [1, 2]) == [0, 0]


def test_union_counts_overlaps_once_and_cuts_the_breaks() -> None:
    """Two reports of one stop overlapping 08:30-09:30 and 09:00-10:00 with the 09:00-09:15
    breakfast: 90 min span minus 15 min break = 75 min."""
    spans = [(at("08:30"), at("09:30")), (at("09:00"), at("10:00"))]
    assert union_s(spans, [(at("09:00"), at("09:15"))]) == 75 * 60
    assert union_s([(at("10:00"), at("09:00"))]) == 0


def test_per_stop_rule_gives_equal_shares_and_work_per_person() -> None:
    """per_stop: drive 30 min and set-up (paid 8:15 h - 3 h work - 0:30 drive = 4:45 h) in equal
    shares over two stops; each person books the work of each stop."""
    lines, fig = book_crew_day(crew_day([stop(1, 120, "A", ["ride_on_mower"], 2400),
                                         stop(2, 60, "B")]), "per_stop")
    person = [ln for ln in lines if ln.resource_kind == "person"]
    work = {(ln.resource_id, ln.task_id): ln.quantity for ln in person if ln.share == "work"}
    assert work == {(1, 1): 7200, (1, 2): 3600, (2, 1): 7200, (2, 2): 3600}
    drive = [ln.quantity for ln in person if ln.share == "drive" and ln.resource_id == 1]
    assert drive == [900, 900]
    assert fig.setup_s == 8 * 3600 + 15 * 60 - 3 * 3600 - 1800
    setup = [ln.quantity for ln in person if ln.share == "setup" and ln.resource_id == 1]
    assert sum(setup) == fig.setup_s and setup[0] - setup[1] in (0, 1)
    assert sum(ln.quantity for ln in person if ln.resource_id == 1) == 8 * 3600 + 15 * 60
    km = {ln.task_id: ln.quantity for ln in lines if ln.resource_kind == "vehicle"}
    assert km == {1: 6173, 2: 6172}
    # one person's work line: 2 h at 49.80 EUR = 99.60 EUR; the area is shared by the people
    first = next(ln for ln in person if ln.share == "work" and ln.task_id == 1)
    assert first.amount_ct == 9960 and first.area_m2 == 1200


def test_by_work_time_rule_weights_the_shares() -> None:
    """by_work_time: the 120-min stop gets two thirds of drive, set-up and kilometres."""
    lines, _ = book_crew_day(crew_day([stop(1, 120, "A"), stop(2, 60, "B")]), "by_work_time")
    drive = {ln.task_id: ln.quantity for ln in lines
             if ln.resource_kind == "person" and ln.share == "drive" and ln.resource_id == 1}
    assert drive == {1: 1200, 2: 600}
    km = {ln.task_id: ln.quantity for ln in lines if ln.resource_kind == "vehicle"}
    assert km == {1: 8230, 2: 4115}


def test_machines_only_for_the_kinds_the_task_needs_and_missing_rate_warns() -> None:
    """The ride-on mower books the mowing stop's work time; the brush cutter is not needed by
    any stop and books nothing; a machine without rate books 0 EUR with a warning."""
    lines, fig = book_crew_day(crew_day([stop(1, 90, "A", ["ride_on_mower"]),
                                         stop(2, 30, "B", ["brush_cutter"])]), "per_stop")
    machines = [(ln.resource_id, ln.task_id, ln.quantity, ln.amount_ct)
                for ln in lines if ln.resource_kind == "machine"]
    assert machines == [(1, 1, 5400, 2775), (2, 2, 1800, 0)]
    assert any("Freischneider" in w for w in fig.warnings)
    assert not any("Stundensatz" in w for w in fig.warnings)
    unpaid = CrewDayWork(**{**crew_day([stop(1, 10, "A")]).__dict__,
                            "persons": (Person(1, "P1", "aushilfe", 0),)})
    assert any("Kein Stundensatz für die Gruppe aushilfe" in w
               for w in book_crew_day(unpaid, "per_stop")[1].warnings)


def test_crew_day_without_worked_stop_books_to_the_overhead_cost_centre() -> None:
    """No stop worked (all "nicht möglich"): drive, set-up and km go to the Bauhof."""
    lines, fig = book_crew_day(crew_day([stop(1, 0, "A")]), "per_stop")
    assert {ln.cost_centre for ln in lines} == {"1100 Bauhof"}
    assert sum(ln.quantity for ln in lines if ln.resource_kind == "vehicle") == 12_345
    assert any("Keine Arbeit" in w for w in fig.warnings)


def test_arbzg_warning_after_six_and_nine_hours() -> None:
    """ArbZG §4: 30 min after more than 6 h, 45 min beyond 9 h."""
    assert arbzg_warning(6 * 3600, 0) is None
    assert "mindestens 30 min" in arbzg_warning(6 * 3600 + 60, 15 * 60)
    assert arbzg_warning(8 * 3600, 45 * 60) is None
    assert "mindestens 45 min" in arbzg_warning(9 * 3600 + 60, 30 * 60)


def test_sample_tenant_rates_load_and_resolve() -> None:
    """The sample's [records]: Huber is a Vorarbeiter (56.40 EUR/h), others Gärtner, machine
    rates by kind, cemetery sites to 5530 with product 553."""
    cfg = load_tenant_config(REPO / "data" / "tenants" / "lauf.toml")
    s = cfg.records
    assert s.person_group("huber") == "vorarbeiter" and s.person_rate_ct("vorarbeiter") == 5640
    assert s.person_group("maier") == "gaertner" and s.person_rate_ct("gaertner") == 4980
    assert s.machine_rate_ct("aufsitz-1", "ride_on_mower") == 1850
    assert s.vehicle_rate_ct("traktor", "tractor") == 135
    assert s.cost_centre(None, "cemetery") == "5530 Friedhöfe"
    assert s.cost_centre("5999 Eigene", "cemetery") == "5999 Eigene"
    assert s.product("cemetery").startswith("553")


@pytest.mark.parametrize(("table", "key", "words"), [
    ({"rule": "by_luck"}, "records.rule", "per_stop"),
    ({"person_groups": {"a": {"eur_per_h": -1}}, "default_person_group": "a"},
     "records.person_groups.a.eur_per_h", "0"),
    ({"machines": {"ride_on_mower": 1e9}}, "records.machines.ride_on_mower", "zwischen"),
    ({"default_person_group": "keine"}, "records.default_person_group", "keine Gruppe"),
    ({"person_groups": {"a": {"eur_per_h": 1, "staff": ["huber"]},
                        "b": {"eur_per_h": 2, "staff": ["huber"]}}, "default_person_group": "a"},
     "records.person_groups.b.staff[0]", "schon in Gruppe"),
    ({"person_groups": {"a": {"eur_per_h": 1, "staff": ["niemand"]}},
      "default_person_group": "a"}, "records.person_groups.a.staff[0]", "kein Personal"),
    ({"vehicles": {"pritsche-9": 1.0}}, "records.vehicles.pritsche-9", "kein Eintrag"),
    ({"tarif": 1}, "records.tarif", "unbekannter Schlüssel"),
])
def test_bad_records_settings_are_refused_with_the_key(table, key, words) -> None:
    """Bad [records] values are refused naming the key and the reason."""
    with pytest.raises(ConfigError) as info:
        records_settings({"records": table}, "lauf.toml", staff_keys={"huber"},
                         machine_keys={"aufsitz-1"}, vehicle_keys={"pritsche-1"})
    assert key in str(info.value) and words in str(info.value)


def test_greentour_csv_reads_back_exactly_and_crew_day_view_hides_persons() -> None:
    """The documented layout re-read gives the same seconds, metres and cents; the crew-day
    view names the crew, never a person, and keeps the sums."""
    lines, _ = book_crew_day(crew_day([stop(1, 97, "A", ["ride_on_mower"], 1234.5),
                                       stop(2, 43, "B")]), "by_work_time")
    rows = csv_layouts.read_greentour_csv(csv_layouts.greentour_csv(lines))
    assert sum(r.quantity for r in rows) == sum(ln.quantity for ln in lines)
    assert sum(r.amount_ct for r in rows) == sum(ln.amount_ct for ln in lines)
    hidden = csv_layouts.per_crew_day(lines)
    text = csv_layouts.greentour_csv(hidden).decode("utf-8-sig")
    assert "P1" not in text and "P2" not in text and "Kolonne 1" in text
    assert report.total(hidden).as_dict() == report.total(lines).as_dict()
    ilv = csv_layouts.read_ilv_csv(csv_layouts.ilv_csv(lines, "1100 Bauhof"))
    assert {r["Leistungsart"] for r in ilv} == {"P-gaertner", "M-ride_on_mower", "F-KM"}
    km = sum(float(r["Menge"].replace(",", ".")) for r in ilv if r["Mengeneinheit"] == "KM")
    assert km == pytest.approx(12.345)
    with pytest.raises(ValueError, match="keine greentour-Buchungsdatei"):
        csv_layouts.read_greentour_csv(b"a;b\r\n1;2\r\n")


def test_period_parsing() -> None:
    """A month or a year; anything else is a German 400."""
    assert period_of("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28), "month")
    assert period_of("2026-12")[1] == dt.date(2026, 12, 31)
    assert period_of("2026") == (dt.date(2026, 1, 1), dt.date(2026, 12, 31), "year")
    for bad in ("2026-13", "juni", "", "1999"):
        with pytest.raises(BadInput):
            period_of(bad)


def test_bar_chart_scales_to_the_largest_value() -> None:
    """The largest value spans the plot; more than 12 groups are summed into "übrige"."""
    chart = report.bar_chart([(f"K{i}", float(i), f"{i} €") for i in range(1, 16)])
    assert len(chart["bars"]) == 12 and chart["bars"][-1]["label"] == "übrige"
    widths = [b["width"] for b in chart["bars"]]
    assert max(widths) == widths[-1]


def test_m2_per_hour_counts_only_area_work() -> None:
    """2400 m² mown in 2 h by two people = 600 m² per person-hour; a stop without area (bins)
    in the same cost centre does not dilute it."""
    lines, _ = book_crew_day(crew_day([stop(1, 120, "A", area=2400.0), stop(2, 60, "A")]),
                             "per_stop")
    row = report.summarise(lines, "cost_centre")[0]
    assert row.m2_per_h == pytest.approx(600.0)
    assert row.work_person_s == 2 * 180 * 60
