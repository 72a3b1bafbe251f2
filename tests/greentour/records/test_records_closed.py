"""A day closed in the work records cannot be changed anywhere (issue 17): re-planning and
publishing keep its tours, the board, the line-up, locks, absences, repairs and corrections leave
it as it is; re-opening with a reason makes it open again, the earlier bookings kept.

Real SQLite (the Lauf walkthrough scenario), a week planned with OR-Tools and published, every
stop reported through the real crew report service (tests/records_week.py); Monday closed.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from click.testing import CliRunner
from records_week import FAST, build_week
from sqlalchemy import event, select

from greentour.cli import cli
from greentour.commands.tenants import repair_crew_days
from greentour.errors import BadInput, Conflict
from greentour.planning import publication
from greentour.planning.current import current_plan, current_tour, tour_signature, worked_tour
from greentour.planning.plan_service import enqueue_plan, run_plan_in_tenant
from greentour.records import service, store_io
from greentour.store import (
    make_engine,
    models,
    session_tenant,
    system_session,
    tenant_session,
    write_session,
)
from greentour.store.models_records import Booking, RecordDayReopening
from greentour.tenant_config import tenant_config
from greentour.workplace import board, lineup

CLOSED = "ist abgeschlossen; die Buchungen sind schreibgeschützt"


@pytest.fixture(scope="module")
def week_file(planner_scenario_template, tmp_path_factory):
    """The planned, published and reported week (no day closed yet), as a SQLite file."""
    path = tmp_path_factory.mktemp("closed") / "week.sqlite"
    shutil.copyfile(planner_scenario_template.db_url.removeprefix("sqlite:///"), path)
    engine = make_engine(f"sqlite:///{path}")
    week = build_week(engine, planner_scenario_template.tenant_id,
                      planner_scenario_template.day)
    engine.dispose()
    return path, week, planner_scenario_template.tenant_id


@pytest.fixture
def store(week_file, tmp_path):
    """A fresh copy of the week: (engine, tenant id, week)."""
    path, week, tenant_id = week_file
    copy = tmp_path / "week.sqlite"
    shutil.copyfile(path, copy)
    engine = make_engine(f"sqlite:///{copy}")
    yield engine, tenant_id, week
    engine.dispose()


def _close(engine, tenant_id: int, day: dt.date) -> dict:
    with write_session(engine, tenant_id) as s:
        return service.close_day(s, day, "disponentin")


def _signatures(engine, tenant_id: int, day: dt.date) -> dict[int, tuple]:
    """The tours the crews of ``day`` worked with, as signatures per crew-day."""
    with tenant_session(engine, tenant_id) as s:
        return {cd.id: tour_signature(worked_tour(s, cd)) for cd in store_io.crew_days_on(s, day)}


def test_week_plan_keeps_the_closed_monday_and_plans_the_rest(store) -> None:
    """With Monday closed, "Woche planen" (from scratch, Monday-Friday) keeps every Monday tour
    exactly as the crews worked it, plans Tuesday-Friday, and the plan can be published; the
    closed Monday's bookings stay the same."""
    engine, tid, week = store
    monday = week.days[0]
    before = _signatures(engine, tid, monday)
    assert any(before.values())
    _close(engine, tid, monday)
    with tenant_session(engine, tid) as s, s.begin():
        booked = store_io.stored_lines(s, monday, monday)
        # new work of the week (the planned tasks were all reported done)
        site = s.scalar(select(models.Site).where(models.Site.category == "park",
                                                  models.Site.status == "accepted")
                        .order_by(models.Site.id).limit(1))
        new = models.Task(site_id=site.id, task_type="mow", generator="forecast",
                          due_earliest=monday, due_latest=week.days[-1], urgency=0.9,
                          duration_s=40 * 60, persons=2, notes="neue Arbeit")
        s.add(new)
        s.flush()
        new_id = new.id
    result = run_plan_in_tenant(engine, tid, monday, "plan", FAST, with_demand=False,
                                days_count=5)
    with tenant_session(engine, tid) as s:
        plan = s.get(models.Plan, result["plan_id"])
        assert (plan.date_from, plan.date_to) == (monday, week.days[-1])
        assert plan.solver_params_json["locked"], "closed crew-days are kept like locked ones"
        for cd in store_io.crew_days_on(s, monday):
            mine = next((t for t in plan.tours if t.crew_day_id == cd.id), None)
            assert tour_signature(mine) == before[cd.id]
        # the new work lands on an open day (Monday is closed), Tuesday-Friday
        where = [t.crew_day.date for t in plan.tours for st in t.stops if st.task_id == new_id]
        assert len(where) == 1 and week.days[1] <= where[0] <= week.days[-1]
        # Monday's stop reported "nicht möglich" stays in Monday's tour (history) and is
        # planned again on an open day
        left = week.not_possible_task
        assert s.get(models.Task, left).status in ("open", "planned")
        where = sorted(t.crew_day.date for t in plan.tours for st in t.stops
                       if st.task_id == left)
        assert where[0] == monday and len(where) == 2 and where[1] > monday, where
    with write_session(engine, tid) as s:
        published = publication.publish(s, monday, 5)
    assert published["published"] == [result["plan_id"]]
    assert _signatures(engine, tid, monday) == before
    with tenant_session(engine, tid) as s:
        assert store_io.stored_lines(s, monday, monday) == booked
        assert service.day_lines(s, monday) == booked


def test_plan_of_closed_days_only_is_refused(store) -> None:
    """Planning or queueing a plan of only closed days is refused with 409 and the German
    message; nothing is stored."""
    engine, tid, week = store
    monday = week.days[0]
    _close(engine, tid, monday)
    with tenant_session(engine, tid) as s:
        plans = s.scalar(select(models.Plan.id).order_by(models.Plan.id.desc()).limit(1))
    for call in (lambda: run_plan_in_tenant(engine, tid, monday, "replan", FAST, days_count=1),
                 lambda: enqueue_plan(engine, tid, monday, "plan", 1)):
        with pytest.raises(Conflict) as exc:
            call()
        assert exc.value.http_status == 409
        assert exc.value.message.startswith(f"Der 15.06.2026 {CLOSED}")
    with tenant_session(engine, tid) as s:
        assert s.scalar(select(models.Plan.id).order_by(models.Plan.id.desc()).limit(1)) == plans
        assert s.scalar(select(models.Job.id).limit(1)) is None
    # Monday closed, Tuesday open: a two-day request is accepted
    assert enqueue_plan(engine, tid, monday, "plan", 2) > 0


def _stale_draft(engine, tid: int, monday: dt.date) -> int:
    """A board edit made before closing: a new version of the week whose first Monday tour
    lost its last task stop (returns the plan id)."""
    with write_session(engine, tid) as s:
        plan = current_plan(s, monday)
        draft = board._copy_plan(s, plan, monday, {"id": "vor-abschluss", "task_id": None,
                                                   "to_crew_day_id": None})
        tour = next(t for t in sorted(draft.tours, key=lambda t: t.id)
                    if t.crew_day.date == monday and any(st.kind == "task" for st in t.stops))
        last = max((st for st in tour.stops if st.kind == "task"), key=lambda st: st.seq)
        s.delete(last)
        return draft.id


def test_stale_draft_changing_a_closed_day_is_neither_published_nor_undone(store) -> None:
    """A draft made before closing that changes Monday's tours: publishing it is refused (409,
    the German message), and so is undoing it (which would change Monday's current tours)."""
    engine, tid, week = store
    monday = week.days[0]
    draft_id = _stale_draft(engine, tid, monday)
    before = _signatures(engine, tid, monday)
    _close(engine, tid, monday)
    with write_session(engine, tid) as s, pytest.raises(Conflict) as exc:
        publication.publish(s, monday, 5)
    assert exc.value.message.startswith(f"Der 15.06.2026 {CLOSED}")
    assert "bitte neu planen" in exc.value.message
    with write_session(engine, tid) as s, pytest.raises(Conflict):
        board.undo_last_edit(s, monday)
    with tenant_session(engine, tid) as s:
        assert s.get(models.Plan, draft_id).status == "done"
    assert _signatures(engine, tid, monday) == before
    # re-planning the week replaces the stale draft with one that keeps Monday: publishable
    run_plan_in_tenant(engine, tid, monday, "replan", FAST, days_count=5)
    with write_session(engine, tid) as s:
        publication.publish(s, monday, 5)
    assert _signatures(engine, tid, monday) == before


def test_board_lineup_locks_absences_repairs_leave_a_closed_day(store) -> None:
    """A move onto the closed Monday (and its check), its lock, a person moved in its line-up
    and a correction are refused (409); an absence or a repair over Monday and Tuesday changes only
    Tuesday's crews."""
    engine, tid, week = store
    monday, tuesday = week.days[0], week.days[1]
    _close(engine, tid, monday)
    with write_session(engine, tid) as s:
        mon = [cd for cd in store_io.crew_days_on(s, monday) if worked_tour(s, cd)]
        tue = [cd for cd in store_io.crew_days_on(s, tuesday) if cd.member_ids]
        tue_task = next(st.task_id for cd in tue if worked_tour(s, cd)
                        for st in worked_tour(s, cd).stops if st.kind == "task")
        refused = [
            lambda: board.apply_move(s, tue_task, mon[0].id),      # onto the closed day
            lambda: board.check_move(s, tue_task, mon[0].id),
            lambda: board.set_locked(s, mon[0].id, True),
            lambda: lineup.move_person(s, monday, mon[0].member_ids[0], None),
            lambda: service.correct(s, monday, mon[0].id, "vehicle_km", "12", "Tacho",
                                    "disponentin"),
        ]
        for call in refused:
            with pytest.raises(Conflict) as exc:
                call()
            assert CLOSED in exc.value.message
    with write_session(engine, tid) as s:
        person = next(i for i in s.get(models.CrewDay, mon[0].id).member_ids
                      if any(i in cd.member_ids for cd in store_io.crew_days_on(s, tuesday)))
        lineup.report_absence(s, person, monday, tuesday, "krank")
        machine = next((m for m in s.get(models.CrewDay, mon[0].id).machine_ids
                        if any(m in cd.machine_ids for cd in store_io.crew_days_on(s, tuesday))),
                       None)
        assert machine is not None, "the crews of Monday and Tuesday share a machine"
        lineup.set_machine_repair(s, machine, tuesday, monday)
    with tenant_session(engine, tid) as s:
        assert person in s.get(models.CrewDay, mon[0].id).member_ids
        assert all(person not in cd.member_ids for cd in store_io.crew_days_on(s, tuesday))
        assert not s.get(models.CrewDay, mon[0].id).locked
        assert machine in s.get(models.CrewDay, mon[0].id).machine_ids
        assert all(machine not in cd.machine_ids for cd in store_io.crew_days_on(s, tuesday))


def test_reopen_keeps_history_and_the_day_can_be_corrected_and_closed_again(store) -> None:
    """Re-opening Monday needs a reason; afterwards the day is open (a correction is accepted,
    the week plan may change it again), the earlier bookings stay as superseded rows with the
    re-opening (who, when, why, the closing undone), and closing again books the corrected
    figures; a day that is not closed cannot be re-opened (409)."""
    engine, tid, week = store
    monday = week.days[0]
    closed = _close(engine, tid, monday)
    # another town's closed booking of the same date is not touched by this town's re-opening
    with system_session(engine) as s, s.begin():
        other = models.Tenant(slug="hersbruck", name="Hersbruck")
        s.add(other)
        s.flush()
        other_id = other.id
    with tenant_session(engine, other_id) as s, s.begin():
        s.add(Booking(date=monday, cost_centre="5510", resource_kind="person", share="work",
                      quantity=3600))
    with tenant_session(engine, tid) as s:
        first_lines = store_io.stored_lines(s, monday, monday)
        crew = service.day_review(s, monday, "admin")["crews"][0]
    for reason in ("", "   ", "x" * 301):
        with write_session(engine, tid) as s, pytest.raises(BadInput):
            service.reopen_day(s, monday, "leitung", reason)
    with tenant_session(engine, tid) as s:
        assert store_io.is_closed(s, monday)
    with write_session(engine, tid) as s:
        result = service.reopen_day(s, monday, "leitung", "km falsch: Tacho 23,4 km")
    assert result["superseded"] == len(first_lines) == closed["lines"]
    with tenant_session(engine, tid) as s:
        assert not store_io.is_closed(s, monday)
        assert store_io.stored_lines(s, monday, monday) == []
        kept = s.scalars(select(Booking).where(Booking.date == monday)).all()
        assert len(kept) == len(first_lines) and all(b.reopening_id == result["id"]
                                                     for b in kept)
        history = s.scalars(select(RecordDayReopening)).all()
        assert [(h.date, h.closed_by, h.reopened_by, h.reason) for h in history] == [
            (monday, "disponentin", "leitung", "km falsch: Tacho 23,4 km")]
        assert history[0].summary_json["lines"] == closed["lines"]
        review = service.day_review(s, monday, "admin")
        assert not review["closed"]
        assert review["reopenings"][0]["reason"] == "km falsch: Tacho 23,4 km"
        assert review["reopenings"][0]["lines"] == len(first_lines)
        # the open day is computed from the reports again: the same figures as closed
        assert sorted(service.day_lines(s, monday), key=repr) == sorted(first_lines, key=repr)
    with write_session(engine, tid) as s:
        service.correct(s, monday, crew["id"], "vehicle_km", "23,4", "Tacho", "leitung")
    with write_session(engine, tid) as s, pytest.raises(Conflict, match="nicht abgeschlossen"):
        service.reopen_day(s, monday, "leitung", "noch einmal")
    again = _close(engine, tid, monday)
    with tenant_session(engine, tid) as s:
        km = sum(ln.quantity for ln in store_io.stored_lines(s, monday, monday)
                 if ln.resource_kind == "vehicle" and ln.crew_day_id == crew["id"])
        assert km == 23400
        assert store_io.is_closed(s, monday)
        assert len(s.scalars(select(Booking).where(Booking.date == monday)).all()) \
            == len(first_lines) + again["lines"]
        assert service.day_review(s, monday, "admin")["closed"]
    with tenant_session(engine, other_id) as s:
        assert [b.reopening_id for b in s.scalars(select(Booking))] == [None]
        assert s.scalars(select(RecordDayReopening)).all() == []


def test_cli_reopen(store, tmp_path, monkeypatch) -> None:
    """``greentour records reopen --day … --reason …`` re-opens a closed day; a missing reason,
    a bad date and a day that is not closed are one line "Fehler: …" with exit code 1."""
    engine, tid, week = store
    _close(engine, tid, week.days[0])
    monkeypatch.setenv("GREENTOUR_DATABASE_URL", str(engine.url))
    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(tmp_path / "instance"))
    run = CliRunner()
    for args, message in (
        (["--day", "2026-06-15", "--reason", " "], "Fehler: Bitte einen Grund"),
        (["--day", "15.06.2026", "--reason", "x"], "Fehler: Datum „15.06.2026“ ist ungültig"),
        (["--day", "2026-06-16", "--reason", "x"], "Fehler: Der 16.06.2026 ist nicht "
                                                   "abgeschlossen"),
    ):
        bad = run.invoke(cli, ["records", "reopen", *args])
        assert bad.exit_code == 1, bad.output
        assert message in bad.output and "Traceback" not in bad.output
        assert len(bad.output.strip().splitlines()) == 1
    done = run.invoke(cli, ["records", "reopen", "--day", "2026-06-15", "--reason",
                            "Personal falsch", "--by", "leitung"])
    assert done.exit_code == 0, done.output
    assert "2026-06-15 wieder geöffnet" in done.output and "Personal falsch" in done.output
    with tenant_session(engine, tid) as s:
        assert not store_io.is_closed(s, week.days[0])


def test_open_days_are_read_in_a_fixed_number_of_queries(store) -> None:
    """Reading open days books every crew-day from a fixed number of queries (one per kind of
    row, never per crew-day or per stop): the whole week takes as many SQL statements as its
    Monday alone, and gives the same lines as the days read one by one."""
    engine, tid, week = store
    counted = [0]

    def count(*_args) -> None:
        counted[0] += 1

    def statements(first: dt.date, last: dt.date) -> tuple[int, list]:
        with tenant_session(engine, tid) as s:
            service.lines_between(s, first, last)  # warm: the street index of the session
            counted[0] = 0
            event.listen(engine, "before_cursor_execute", count)
            try:
                lines = service.lines_between(s, first, last)
            finally:
                event.remove(engine, "before_cursor_execute", count)
        return counted[0], lines

    one_day, monday_lines = statements(week.days[0], week.days[0])
    whole_week, lines = statements(week.days[0], week.days[-1])
    crew_days = {ln.crew_day_id for ln in lines}
    assert len(crew_days) >= 10 and len({ln.date for ln in lines}) == 5
    assert whole_week == one_day <= 25
    with tenant_session(engine, tid) as s:
        by_day = [ln for d in week.days for ln in service.day_lines(s, d)]
    assert sorted(by_day, key=repr) == sorted(lines, key=repr)
    assert monday_lines == [ln for ln in lines if ln.date == week.days[0]]


def test_withdrawn_absence_returns_the_person_to_open_days_only(store) -> None:
    """An absence reported before closing takes a person out of Monday and Tuesday; withdrawn
    after Monday was closed, the person returns to Tuesday's crew, Monday's line-up (what was
    booked) stays without them."""
    engine, tid, week = store
    monday, tuesday = week.days[0], week.days[1]
    with write_session(engine, tid) as s:
        templates = {t.id: t for t in s.scalars(select(models.CrewTemplate))}
        mon = next(cd for cd in store_io.crew_days_on(s, monday)
                   if cd.template_id in templates and cd.member_ids)
        person = next(i for i in mon.member_ids if i in templates[mon.template_id].member_ids)
        absence = lineup.report_absence(s, person, monday, tuesday, "krank")
        s.flush()
        absence_id = absence.id
    _close(engine, tid, monday)
    with write_session(engine, tid) as s:
        lineup.change_absence(s, absence_id, monday, None)
    with tenant_session(engine, tid) as s:
        assert person not in s.get(models.CrewDay, mon.id).member_ids
        assert any(person in cd.member_ids for cd in store_io.crew_days_on(s, tuesday))


def test_cli_plan_keeps_a_closed_day(store, tmp_path, monkeypatch) -> None:
    """``greentour plan`` of the closed Monday alone: one line "Fehler: Der 15.06.2026 ist
    abgeschlossen …", exit 1; of Monday and Tuesday with --publish: planned and published,
    Monday's tours as the crews worked them."""
    engine, tid, week = store
    monday = week.days[0]
    before = _signatures(engine, tid, monday)
    _close(engine, tid, monday)
    monkeypatch.setenv("GREENTOUR_DATABASE_URL", str(engine.url))
    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("GREENTOUR_PLAN_SOLUTION_LIMIT", "5")
    run = CliRunner()
    refused = run.invoke(cli, ["plan", "--date", "2026-06-15", "--mode", "replan"])
    assert refused.exit_code == 1, refused.output
    errors = [ln for ln in refused.output.splitlines() if ln.startswith("Fehler:")]
    assert errors == [f"Fehler: Der 15.06.2026 {CLOSED} (keine Korrekturen mehr)."]
    assert "Traceback" not in refused.output
    done = run.invoke(cli, ["plan", "--date", "2026-06-15", "--days", "2", "--mode", "replan",
                            "--time-limit", "30", "--publish"])
    assert done.exit_code == 0, done.output
    assert "Plan veröffentlicht" in done.output
    assert _signatures(engine, tid, monday) == before
    with tenant_session(engine, tid) as s:
        plan = current_plan(s, monday)
        assert plan.status == "published" and plan.date_to == week.days[1]


def test_repair_of_broken_shifts_leaves_a_closed_day(store) -> None:
    """The tenant import's repair of crew-days with an unplannable shift (from an earlier,
    wrong tenant file) mends Tuesday's crew-day and leaves the closed Monday's as booked."""
    engine, tid, week = store
    monday, tuesday = week.days[0], week.days[1]
    _close(engine, tid, monday)
    with write_session(engine, tid) as s:
        mon = store_io.crew_days_on(s, monday)[0]
        tue = store_io.crew_days_on(s, tuesday)[0]
        for cd in (mon, tue):
            cd.shift_end = cd.shift_start  # zero-length: cannot be planned
        s.flush()
        assert repair_crew_days(s, tenant_config(session_tenant(s)).shifts) == 1
        mon_id, tue_id = mon.id, tue.id
    with tenant_session(engine, tid) as s:
        mon, tue = s.get(models.CrewDay, mon_id), s.get(models.CrewDay, tue_id)
        assert mon.shift_end == mon.shift_start
        assert tue.shift_end > tue.shift_start


def test_unfinished_stop_of_a_closed_day_is_carried_over(store) -> None:
    """The stop reported "nicht möglich" on the closed Monday can go on to a later day ("in Plan
    übernehmen" finds the crew's Tuesday and checks it like any move; the move to a crew-day with
    room is stored); Monday's tour stays as the crew worked it."""
    engine, tid, week = store
    monday = week.days[0]
    left = week.not_possible_task
    # Monday evening: Tuesday-Friday not worked yet (their reports and outcomes taken back)
    with write_session(engine, tid) as s:
        later = [cd.id for cd in store_io.crew_days_of(s, week.days[1:])]
        for c in s.scalars(select(models.Completion)
                           .where(models.Completion.crew_day_id.in_(later))):
            s.get(models.Task, c.task_id).status = "planned"
            s.delete(c)
    before = _signatures(engine, tid, monday)
    with tenant_session(engine, tid) as s:
        source = next(cd for cd in store_io.crew_days_on(s, monday)
                      if any(st.task_id == left for st in worked_tour(s, cd).stops))
        source_id = source.id
    _close(engine, tid, monday)
    with write_session(engine, tid) as s:
        target = board.carry_over_target(s, left, source_id)
        assert target.date > monday
        # checked like any move (no 409: the closed Monday is not touched); a crew-day with room
        checked = board.check_carry_over(s, left, source_id)
        assert "abgeschlossen" not in " ".join(checked["violations"])
        target_id = next(cd.id for cd in store_io.crew_days_of(s, week.days[1:])
                         if cd.member_ids and board.check_move(s, left, cd.id)["feasible"])
        board.apply_move(s, left, target_id, confirm_overtime=True)
    assert _signatures(engine, tid, monday) == before
    with tenant_session(engine, tid) as s:
        tour = current_tour(s, s.get(models.CrewDay, target_id))
        assert any(st.task_id == left for st in tour.stops)


def test_plan_of_the_next_day_takes_up_the_closed_days_unfinished_stop(store) -> None:
    """Planning Tuesday alone after Monday was closed considers Monday's "nicht möglich" stop
    (in a Tuesday tour or listed as not planned with its reason), where an open Monday's tour
    would hold it; Monday's tours stay."""
    engine, tid, week = store
    monday, tuesday = week.days[0], week.days[1]
    left = week.not_possible_task
    before = _signatures(engine, tid, monday)
    _close(engine, tid, monday)
    result = run_plan_in_tenant(engine, tid, tuesday, "replan", FAST, days_count=1)
    with tenant_session(engine, tid) as s:
        plan = s.get(models.Plan, result["plan_id"])
        placed = [t.crew_day.date for t in plan.tours for st in t.stops if st.task_id == left]
        listed = [u.task_id for u in plan.unassigned if u.task_id == left]
        assert placed == [tuesday] or listed == [left], (placed, listed)
    assert _signatures(engine, tid, monday) == before
