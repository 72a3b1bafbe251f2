"""Acceptance of issue 17 on a test week of the Lauf sample (tests/records_week.py).

Reports in (real report service, tablets of the published tours), a day-end review with one
correction, bookings per cost centre equal the sum of the reports' hours (persons × time) to
the second, machine-hours and km match the tours, the CSV re-read gives the same sums, every
day closed, and a closed day cannot be changed (409, German message); a late crew report is kept
but changes no booking.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections import defaultdict

import pytest
from records_week import build_week, expected_figures
from sqlalchemy import select

from greentour.crew.reports import ReportInput, submit_report
from greentour.errors import Conflict
from greentour.records import csv_layouts, service, store_io
from greentour.store import (
    make_engine,
    models,
    session_tenant,
    tenant_session,
    tenant_zone,
    write_session,
)
from greentour.tenant_config import tenant_config


@pytest.fixture(scope="module")
def week(planner_scenario_template, tmp_path_factory):
    """The planned, published and reported week, one correction, CSVs, then every day closed;
    what each step gave is kept for the tests."""
    path = tmp_path_factory.mktemp("records") / "week.sqlite"
    shutil.copyfile(planner_scenario_template.db_url.removeprefix("sqlite:///"), path)
    engine = make_engine(f"sqlite:///{path}")
    tenant_id = planner_scenario_template.tenant_id
    built = build_week(engine, tenant_id, planner_scenario_template.day)
    out: dict = {"week": built, "engine": engine, "tenant_id": tenant_id}
    out["before"] = expected_figures(engine, tenant_id, built.days)
    # the day-end review of Tuesday: one correction of a done stop's time, with reason
    tuesday = built.days[1]
    with tenant_session(engine, tenant_id) as s:
        review = service.day_review(s, tuesday, "admin")
    crew = review["crews"][0]
    stop = next(x for x in crew["stops"] if x["status"] == "done")
    with write_session(engine, tenant_id) as s:
        service.correct(s, tuesday, crew["id"], "work_min", str(stop["work_min"] + 17),
                        "Kolonne hat nach dem Tippen auf „Erledigt“ noch Schnittgut geräumt",
                        "disponentin", task_id=stop["task_id"])
    out["correction"] = (crew["id"], stop["task_id"], stop["work_min"] + 17)
    out["expected"] = expected_figures(engine, tenant_id, built.days,
                                       {(crew["id"], stop["task_id"]): stop["work_min"] + 17})
    first, last = built.days[0], built.days[-1]
    with tenant_session(engine, tenant_id) as s:
        out["open_lines"] = service.lines_between(s, first, last)
        out["csv"] = service.export_csv(s, first, last, "greentour", "admin")
        out["csv_planner"] = service.export_csv(s, first, last, "greentour", "planner")
        out["ilv"] = service.export_csv(s, first, last, "ilv", "planner")
        out["review_tuesday"] = service.day_review(s, tuesday, "admin")
    for day in built.days:
        with write_session(engine, tenant_id) as s:
            if store_io.reported_days(s, day, day):
                service.close_day(s, day, "disponentin")
    with tenant_session(engine, tenant_id) as s:
        out["closed_lines"] = service.lines_between(s, first, last)
    yield out
    engine.dispose()


def _work_by_centre(lines) -> dict[str, int]:
    sums: dict[str, int] = defaultdict(int)
    for ln in lines:
        if ln.resource_kind == "person" and ln.share == "work":
            sums[ln.cost_centre] += ln.quantity
    return dict(sums)


def _print_figures(out) -> None:
    lines = out["closed_lines"]
    print("\nTestwoche", out["week"].days[0], "–", out["week"].days[-1],
          f"{out['week'].reports} Meldungen")
    for centre, seconds in sorted(_work_by_centre(lines).items()):
        print(f"  {centre}: Arbeit {seconds / 3600:.2f} Personalstunden "
              f"(Meldungen {out['expected']['person_work_s'][centre] / 3600:.2f})")


def test_week_has_reports_on_several_days_and_cost_centres(week) -> None:
    """The week is real: reports on at least three days, four cost centres, one stop
    "nicht möglich" that books no work."""
    lines = week["open_lines"]
    assert len({ln.date for ln in lines}) >= 3
    assert len(week["expected"]["person_work_s"]) >= 3
    assert week["week"].not_possible_task is not None
    assert not any(ln.task_id == week["week"].not_possible_task and ln.share == "work"
                   for ln in lines)


def test_bookings_per_cost_centre_equal_the_reports_hours(week) -> None:
    """Person work booked per cost centre = Σ persons × reported time (fixed breaks out; the
    corrected stop with its corrected minutes), to the second, before and after closing."""
    _print_figures(week)
    assert _work_by_centre(week["open_lines"]) == week["expected"]["person_work_s"]
    assert _work_by_centre(week["closed_lines"]) == week["expected"]["person_work_s"]
    # and the correction moved the figure: without it the sums would differ by persons × 17 min
    assert week["expected"]["person_work_s"] != week["before"]["person_work_s"]


def test_machine_hours_and_kilometres_match_the_tours(week) -> None:
    """Machine seconds per machine = the reported work at the stops whose task type needs its
    kind; vehicle metres per crew-day = the tour's legs incl. the return leg to the depot."""
    lines = week["closed_lines"]
    machines: dict[int, int] = defaultdict(int)
    metres: dict[int, int] = defaultdict(int)
    for ln in lines:
        if ln.resource_kind == "machine":
            machines[ln.resource_id] += ln.quantity
        elif ln.resource_kind == "vehicle":
            metres[ln.crew_day_id] += ln.quantity
    assert dict(machines) == week["expected"]["machine_s"]
    assert dict(metres) == week["expected"]["metres"]
    assert sum(metres.values()) > 10_000


def test_each_person_books_the_paid_day_or_more(week) -> None:
    """Work + drive + set-up of each person of a crew-day = the paid day (shift minus fixed
    breaks) unless work and drive exceed it; drive equals the tour's drive time."""
    engine, tenant_id = week["engine"], week["tenant_id"]
    per: dict[tuple[int, int], int] = defaultdict(int)
    for ln in week["closed_lines"]:
        if ln.resource_kind == "person":
            per[(ln.crew_day_id, ln.resource_id)] += ln.quantity
    with tenant_session(engine, tenant_id) as s:
        tz = tenant_zone(session_tenant(s))
        for (crew_day_id, _), seconds in per.items():
            cd = s.get(models.CrewDay, crew_day_id)
            assert seconds >= service.paid_s(cd, tz)


def test_correction_is_kept_as_history_with_reason(week) -> None:
    """The review lists the correction with before, new value, reason and user."""
    rows = week["review_tuesday"]["corrections"]
    assert len(rows) == 1
    crew_day_id, task_id, minutes = week["correction"]
    assert rows[0]["value"] == minutes and rows[0]["before"] == minutes - 17
    assert rows[0]["by"] == "disponentin" and "Schnittgut" in rows[0]["reason"]
    stop = next(s for c in week["review_tuesday"]["crews"] for s in c["stops"]
                if s["task_id"] == task_id)
    assert stop["source"] == "correction" and stop["work_min"] == minutes


def test_csv_read_back_gives_the_same_sums(week) -> None:
    """The greentour CSV re-read: person work per cost centre, all quantities and cents equal
    the bookings; the ILV file sums to the same EUR; the planner's CSV names no person."""
    rows = csv_layouts.read_greentour_csv(week["csv"])
    work: dict[str, int] = defaultdict(int)
    for r in rows:
        if r.resource_kind == "person" and r.share == "work":
            work[r.cost_centre] += r.quantity
    assert dict(work) == week["expected"]["person_work_s"]
    lines = week["open_lines"]
    assert sum(r.amount_ct for r in rows) == sum(ln.amount_ct for ln in lines)
    assert sum(r.quantity for r in rows if r.resource_kind == "vehicle") == \
        sum(week["expected"]["metres"].values())
    ilv = csv_layouts.read_ilv_csv(week["ilv"])
    ilv_ct = sum(int(round(float(r["Betrag"].replace(",", ".")) * 100)) for r in ilv)
    assert ilv_ct == sum(ln.amount_ct for ln in lines)
    planner = week["csv_planner"].decode("utf-8-sig")
    with tenant_session(week["engine"], week["tenant_id"]) as s:
        names = [p.name for p in s.scalars(select(models.Staff))]
    assert not any(name in planner for name in names)
    assert any(name in week["csv"].decode("utf-8-sig") for name in names)


def test_closed_day_refuses_every_change_and_late_reports_book_nothing(week) -> None:
    """A closed day: a correction and a second close are 409 with a German message; a crew's
    late report is stored, answered with a note, listed in the review and books nothing."""
    engine, tenant_id = week["engine"], week["tenant_id"]
    monday = week["week"].days[0]
    with write_session(engine, tenant_id) as s:
        review = service.day_review(s, monday, "admin")
        crew = review["crews"][0]
        with pytest.raises(Conflict, match="abgeschlossen; die Buchungen sind schreibgeschützt"):
            service.correct(s, monday, crew["id"], "vehicle_km", "99", "Tacho", "disponentin")
        with pytest.raises(Conflict, match="abgeschlossen"):
            service.close_day(s, monday, "disponentin")
    before = [ln for ln in week["closed_lines"] if ln.date == monday]
    with write_session(engine, tenant_id) as s:
        cd = s.get(models.CrewDay, crew["id"])
        tour = service.tour_for(s, cd)
        stop = next(x for x in tour.stops if x.kind == "task")
        device = s.scalar(select(models.DeviceToken).where(
            models.DeviceToken.crew_template_id == cd.template_id))
        privacy = tenant_config(session_tenant(s)).privacy
        late = dt.datetime.combine(monday, dt.time(15, 0), tzinfo=dt.UTC)
        answer = submit_report(s, device, ReportInput(
            str(uuid.uuid4()), "partly", tour.plan.version, late, stop_id=stop.id),
            privacy)
    assert answer.created and "abgeschlossen" in answer.report["booking_note"]
    with tenant_session(engine, tenant_id) as s:
        assert service.day_lines(s, monday) == before
        review = service.day_review(s, monday, "admin")
    assert review["closed"] and len(review["late_reports"]) == 1
