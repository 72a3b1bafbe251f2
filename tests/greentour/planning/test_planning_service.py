"""The plan service on the real Lauf sample: store -> road matrix -> OR-Tools -> stored plan.

No Flask: the services are called with tenant sessions, as the worker and the CLI do. Solves use a
deterministic solution limit so that the plans are reproducible and the tests quick.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from greentour.errors import BadInput
from greentour.planning import orders, plan_service
from greentour.planning.current import current_plan
from greentour.planning.plan_service import run_plan_in_tenant
from greentour.store import make_engine, models, tenant_session
from greentour.workplace import board, lineup, map_view, prints
from routing.params import SolveParams

BERLIN = ZoneInfo("Europe/Berlin")
FAST = SolveParams(time_limit_s=20, solution_limit=5, deterministic=True, workers=1)


@pytest.fixture
def store(planner_scenario):
    """Engine, tenant id and day of a fresh copy of the walkthrough scenario."""
    engine = make_engine(planner_scenario.db_url)
    yield engine, planner_scenario.tenant_id, planner_scenario.day
    engine.dispose()


@pytest.fixture(scope="module")
def planned(planner_scenario_template, tmp_path_factory):
    """One planned copy of the scenario shared by the read-only tests of this module."""
    import shutil

    path = tmp_path_factory.mktemp("planned") / "planned.sqlite"
    shutil.copyfile(planner_scenario_template.db_url.removeprefix("sqlite:///"), path)
    engine = make_engine(f"sqlite:///{path}")
    sc = planner_scenario_template
    result = run_plan_in_tenant(engine, sc.tenant_id, sc.day, "plan", FAST, with_demand=False)
    yield engine, sc.tenant_id, sc.day, result
    engine.dispose()


def _staff(s, name: str) -> int:
    return s.scalar(select(models.Staff.id).where(models.Staff.name == name))


def _machine(s, kind: str) -> int:
    return s.scalar(select(models.Machine.id).where(models.Machine.kind == kind))


def test_plan_stores_timed_tours_along_roads(planned) -> None:
    """Every planned stop lies in its crew's shift, in order, with road legs and a tour line."""
    engine, tenant_id, day, result = planned
    assert result["tours"] >= 2 and result["tasks"] == 22
    with tenant_session(engine, tenant_id) as s:
        plan = current_plan(s, day)
        assert plan is not None and plan.id == result["plan_id"] and plan.version == 1
        assert plan.solver_version.startswith("ortools")
        for tour in plan.tours:
            cd = tour.crew_day
            start = dt.datetime.combine(day, cd.shift_start, tzinfo=BERLIN)
            end = dt.datetime.combine(day, cd.shift_end, tzinfo=BERLIN) + dt.timedelta(hours=1)
            line = json.loads(tour.geometry_geojson)
            assert line["type"] == "LineString" and len(line["coordinates"]) > 10
            times = [st.start_at for st in tour.stops]
            assert times == sorted(times), "stops are stored in time order"
            assert tour.stops[0].kind == "depot" and tour.stops[-1].kind == "depot"
            for st in tour.stops:
                if st.kind == "task":
                    assert start <= st.start_at <= st.end_at <= end
                    assert st.leg_geometry_geojson is not None or st.leg_duration_s == 0
        planned_ids = {st.task_id for t in plan.tours for st in t.stops if st.kind == "task"}
        left = {u.task_id for u in plan.unassigned}
        all_ids = set(s.scalars(select(models.Task.id)))
        assert planned_ids | left == all_ids and not planned_ids & left
        assert all(u.reasons_json and u.reasons_json[0]["de"] for u in plan.unassigned)


def test_map_data_colours_sites_and_lists_tours(planned) -> None:
    """The map data classes needs of the maintained sites and lists each tour with numbered
    stops; OSM candidates are not in the day's data but on demand (grey)."""
    engine, tenant_id, day, _ = planned
    with tenant_session(engine, tenant_id) as s:
        data = map_view.map_data(s, day)
        candidates = map_view.candidates_geojson(s)
    needs = {f["properties"]["need"] for f in data["sites"]["features"]}
    assert "due" in needs and "candidate" not in needs
    assert candidates["features"]
    assert {f["properties"]["need"] for f in candidates["features"]} == {"candidate"}
    assert all(f["properties"]["category_label"] == "Garten" for f in candidates["features"])
    park = next(f for f in data["sites"]["features"] if f["properties"]["name"] == "Barth-Park")
    assert park["properties"]["provenance"].startswith("OSM way/38454218")
    unnamed = [f["properties"] for f in data["sites"]["features"]
               if not f["properties"]["name"] and f["properties"]["category"] == "playground"]
    assert unnamed and all(p["label"].startswith("Spielplatz an") for p in unnamed)
    assert park["properties"]["duration_source"]
    tour = data["tours"][0]
    assert [st["seq"] for st in tour["stops"]] == list(range(1, len(tour["stops"]) + 1))
    assert tour["coords"] and tour["kpi"]["distance_m"] > 0
    assert data["balance"]["available_h"] > 0


def test_day_sheet_has_stops_times_and_a_sketch_map(planned) -> None:
    """The day sheet lists the crew, its stops with times and an SVG sketch with the depot."""
    engine, tenant_id, day, _ = planned
    with tenant_session(engine, tenant_id) as s:
        plan = current_plan(s, day)
        sheet = prints.day_sheet(s, plan.tours[0].crew_day_id)
    tasks = [st for st in sheet["stops"] if st["kind"] == "task"]
    assert tasks and all(st["start"] for st in tasks)
    assert sheet["people"] and sheet["leave"] and sheet["back"]
    assert len(sheet["svg"]["stops"]) == len(tasks) and sheet["svg"]["depot"]
    assert "OpenStreetMap" in sheet["attribution"]


def test_monday_walkthrough_storm_order_and_displaced_work(store) -> None:
    """Two sick, lift in repair, storm order: the order is planned, lift work is unassigned."""
    engine, tenant_id, day = store
    with tenant_session(engine, tenant_id) as s, s.begin():
        def available_h() -> float:
            week = plan_service.balance_for(s, day)
            return next(d["available_h"] for d in week["days"] if d["date"] == day.isoformat())

        before = available_h()
        lineup.report_absence(s, _staff(s, "Matthias Klein"), day, day + dt.timedelta(days=2),
                              "krank")
        lineup.report_absence(s, _staff(s, "Josef Bauer"), day, day, "krank")
        lineup.set_machine_repair(s, _machine(s, "aerial_lift"), day + dt.timedelta(days=2), day)
        assert available_h() == pytest.approx(before - 2 * 8.25, abs=0.11)
        park = s.scalar(select(models.Site).where(models.Site.name == "Barth-Park"))
        storm = orders.add_urgent_order(s, day=day, site_id=park.id,
                                        task_type="storm_damage", duration_min=90,
                                        persons=2, note="Baum über Fußweg")
        storm_id = storm.id
        prune_id = s.scalar(select(models.Task.id).where(models.Task.task_type == "prune_trees"))
    result = run_plan_in_tenant(engine, tenant_id, day, "replan", FAST)
    with tenant_session(engine, tenant_id) as s:
        plan = s.get(models.Plan, result["plan_id"])
        stops = {st.task_id: t for t in plan.tours for st in t.stops if st.kind == "task"}
        assert storm_id in stops
        crew = stops[storm_id].crew_day
        assert len(crew.member_ids) >= 2
        quals = {q for i in crew.member_ids for q in s.get(models.Staff, i).qualifications}
        assert "chainsaw" in quals
        left = {u.task_id: u.reasons_json for u in plan.unassigned}
        assert prune_id in left
        assert left[prune_id][0]["code"] == "no_qualified_crew_day"


def test_replan_without_changes_keeps_the_tours(store) -> None:
    """'Neu planen' with nothing changed keeps (almost) every task on its crew-day."""
    engine, tenant_id, day = store
    first = run_plan_in_tenant(engine, tenant_id, day, "plan", FAST, with_demand=False)
    second = run_plan_in_tenant(engine, tenant_id, day, "replan", FAST)
    with tenant_session(engine, tenant_id) as s:
        a, b = s.get(models.Plan, first["plan_id"]), s.get(models.Plan, second["plan_id"])

        def assignment(plan):
            return {st.task_id: t.crew_day_id for t in plan.tours for st in t.stops
                    if st.kind == "task"}

        before, after = assignment(a), assignment(b)
        kept = sum(1 for k, v in before.items() if after.get(k) == v)
        assert b.parent_id == a.id and b.version == 2
        assert kept >= 0.8 * len(before)


def _light_monday(engine, tenant_id: int, keep_long: int) -> None:
    """All but ``keep_long`` of the 3 h mowing jobs are already done: the mowing crews have
    room left after a full plan (the walkthrough's Monday holds more mowing than they can do)."""
    with tenant_session(engine, tenant_id) as s, s.begin():
        long_jobs = s.scalars(select(models.Task).where(
            models.Task.task_type == "mow", models.Task.duration_s >= 3 * 3600)
            .order_by(models.Task.id)).all()
        assert len(long_jobs) > keep_long + 2
        for task in long_jobs[keep_long:]:
            task.status = "done"


def test_board_move_is_checked_retimed_applied_and_undone(store) -> None:
    """A refused move names the violation; an accepted one is re-timed, stored, and undone."""
    engine, tenant_id, day = store
    _light_monday(engine, tenant_id, keep_long=0)
    result = run_plan_in_tenant(engine, tenant_id, day, "plan", FAST, with_demand=False)
    assert "mow" not in _unassigned_types(engine, tenant_id, result["plan_id"]), \
        "every mowing job fits this Monday"
    with tenant_session(engine, tenant_id) as s, s.begin():
        plan = current_plan(s, day)
        crews = {t.crew_day.name: t for t in plan.tours}
        inspect = next(t for t in plan.tours for st in t.stops
                       if st.task and st.task.task_type == "inspect_playground")
        task_id = next(st.task_id for st in inspect.stops
                       if st.task and st.task.task_type == "inspect_playground")
        mow_crew = next(t.crew_day for n, t in crews.items() if n.startswith("Kolonne 1"))
        refused = board.check_move(s, task_id, mow_crew.id)
        assert not refused["feasible"]
        assert any("Spielplatz" in v or "playground" in v.lower() or "Qualifikation" in v
                   for v in refused["violations"]), refused["violations"]
        mow_task = min((st.task for st in crews[mow_crew.name].stops
                        if st.task and st.task.task_type == "mow"),
                       key=lambda t: (t.duration_s, t.id)).id
        other = next(t.crew_day for n, t in crews.items() if n.startswith("Kolonne 2"))
        checked = board.check_move(s, mow_task, other.id)
        assert any(st["moved"] for st in checked["stops"])
        assert checked["feasible"] and not checked["violations"], repr(checked)[:3000]
        applied = board.apply_move(s, mow_task, other.id,
                                   confirm_overtime=checked["added_overtime_min"] > 0)
        new = current_plan(s, day)
        assert new.id == applied["plan_id"] and new.parent_id == plan.id
        moved_to = {st.task_id: t.crew_day_id for t in new.tours for st in t.stops}
        assert moved_to[mow_task] == other.id
        assert "rückgängig" in board.undo_last_edit(s, day - dt.timedelta(days=day.weekday()))
        assert current_plan(s, day).id == plan.id
        with pytest.raises(BadInput):
            board.check_move(s, None, other.id)


def _unassigned_types(engine, tenant_id: int, plan_id: int) -> list[str]:
    """Task types of the tasks the plan left out."""
    with tenant_session(engine, tenant_id) as s:
        return [u.task.task_type for u in s.get(models.Plan, plan_id).unassigned]


def test_locked_crew_day_keeps_its_tour_on_replan(store) -> None:
    """A locked crew-day's tour survives 'Neu planen' unchanged, in the same order."""
    engine, tenant_id, day = store
    run_plan_in_tenant(engine, tenant_id, day, "plan", FAST, with_demand=False)
    with tenant_session(engine, tenant_id) as s, s.begin():
        tour = current_plan(s, day).tours[0]
        seq = [st.task_id for st in tour.stops if st.kind == "task"]
        board.set_locked(s, tour.crew_day_id, True)
        locked_id = tour.crew_day_id
        person = next(i for cd in s.scalars(select(models.CrewDay).where(
            models.CrewDay.date == day, models.CrewDay.id != locked_id)) for i in cd.member_ids)
        lineup.report_absence(s, person, day, day, "krank")
    result = run_plan_in_tenant(engine, tenant_id, day, "replan", FAST)
    with tenant_session(engine, tenant_id) as s:
        plan = s.get(models.Plan, result["plan_id"])
        again = next(t for t in plan.tours if t.crew_day_id == locked_id)
        assert [st.task_id for st in again.stops if st.kind == "task"] == seq


def test_search_budgets_come_from_the_environment(monkeypatch) -> None:
    """'Länger optimieren' searches longer than 'Planen'; a solution limit makes plans repeat."""
    monkeypatch.delenv("GREENTOUR_PLAN_SOLUTION_LIMIT", raising=False)
    monkeypatch.setenv("GREENTOUR_PLAN_TIME_LIMIT_S", "8")
    monkeypatch.setenv("GREENTOUR_OPTIMIZE_TIME_LIMIT_S", "90")
    assert plan_service.solve_params("plan").time_limit_s == 8
    assert plan_service.solve_params("optimize").time_limit_s == 90
    monkeypatch.setenv("GREENTOUR_PLAN_SOLUTION_LIMIT", "7")
    params = plan_service.solve_params("plan")
    assert params.deterministic and params.solution_limit == 7 and params.workers == 1


def test_unknown_mode_is_refused(store) -> None:
    """A mode other than plan, replan, optimize is refused before anything is stored."""
    engine, tenant_id, day = store
    with pytest.raises(BadInput, match="Planungsart"):
        run_plan_in_tenant(engine, tenant_id, day, "schnell", FAST)
    with tenant_session(engine, tenant_id) as s:
        assert s.scalar(select(models.Plan.id)) is None


def test_cli_plan_prints_a_summary_and_refuses_bad_input(planner_scenario, monkeypatch,
                                                        tmp_path) -> None:
    """``greentour plan`` plans the day and prints planned, not planned by reason, overtime and
    drive share (the counts are those stored); a day without crews is one error."""
    from click.testing import CliRunner

    from greentour.cli import cli

    monkeypatch.setenv("GREENTOUR_DATABASE_URL", planner_scenario.db_url)
    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("GREENTOUR_PLAN_SOLUTION_LIMIT", "5")
    runner = CliRunner()
    result = runner.invoke(cli, ["plan", "--date", planner_scenario.day.isoformat(),
                                 "--mode", "replan"])
    assert result.exit_code == 0, result.output
    found = re.search(r"Plan #(\d+): \d+ Touren, (\d+) Aufgaben eingeplant, (\d+) nicht "
                      r"eingeplant", result.output)
    assert found, result.output
    plan_id, planned, unplanned = (int(g) for g in found.groups())
    engine = make_engine(planner_scenario.db_url)
    with tenant_session(engine, planner_scenario.tenant_id) as s:
        stored = set(s.scalars(select(models.Stop.task_id).join(models.Tour).where(
            models.Tour.plan_id == plan_id, models.Stop.task_id.is_not(None))))
        left = set(s.scalars(select(models.Unassigned.task_id).where(
            models.Unassigned.plan_id == plan_id))) - stored
    engine.dispose()
    assert planned == len(stored) > 0 and unplanned == len(left)
    by_reason = [int(n) for n in re.findall(r"^\s+(\d+) × ", result.output, re.M)]
    assert sum(by_reason) == unplanned
    assert re.search(r"Überstunden \d+,\d h; Fahrzeit \d+,\d h = \d+,\d %", result.output)
    sunday = (planner_scenario.day - dt.timedelta(days=1)).isoformat()
    result = runner.invoke(cli, ["plan", "--date", sunday])
    assert result.exit_code == 1
    assert "keine Kolonne" in result.output and "Traceback" not in result.output


def test_move_to_another_day_of_a_week_plan(store) -> None:
    """Dragging a Monday task to Tuesday in a week plan moves it there and leaves Monday without
    it, in one new plan version that undo removes again."""
    engine, tenant_id, day = store
    _light_monday(engine, tenant_id, keep_long=0)
    run_plan_in_tenant(engine, tenant_id, day, "plan", FAST, with_demand=False, days_count=5)
    tuesday = day + dt.timedelta(days=1)
    with tenant_session(engine, tenant_id) as s, s.begin():
        plan = current_plan(s, day)
        assert plan.date_from == day and plan.date_to == day + dt.timedelta(days=4)
        monday_tour = next(t for t in plan.tours if t.crew_day.date == day
                           and t.crew_day.name.startswith("Kolonne 6"))
        task_id = next(st.task_id for st in monday_tour.stops if st.kind == "task")
        target = s.scalar(select(models.CrewDay).where(
            models.CrewDay.date == tuesday, models.CrewDay.name == monday_tour.crew_day.name))
        result = board.apply_move(s, task_id, target.id)
        assert result["feasible"]
        new = current_plan(s, day)
        assert new.id == current_plan(s, tuesday).id == result["plan_id"]
        where = {st.task_id: t.crew_day_id for t in new.tours for st in t.stops
                 if st.kind == "task"}
        assert where[task_id] == target.id
        assert sum(1 for t in new.tours for st in t.stops if st.task_id == task_id) == 1
        board.undo_last_edit(s, day)
        assert current_plan(s, tuesday).id == plan.id


def test_replanning_monday_leaves_the_rest_of_the_week_plan_alone(store) -> None:
    """After a week plan, 'Neu planen' of Monday neither takes nor lists Tuesday's stops."""
    engine, tenant_id, day = store
    week = run_plan_in_tenant(engine, tenant_id, day, "plan", FAST, with_demand=False,
                              days_count=5)
    with tenant_session(engine, tenant_id) as s:
        plan = s.get(models.Plan, week["plan_id"])
        later = {st.task_id for t in plan.tours if t.crew_day.date > day for st in t.stops
                 if st.kind == "task"}
    assert later, "the week plan uses days after Monday"
    monday = run_plan_in_tenant(engine, tenant_id, day, "replan", FAST)
    with tenant_session(engine, tenant_id) as s:
        plan = s.get(models.Plan, monday["plan_id"])
        touched = {st.task_id for t in plan.tours for st in t.stops} | {
            u.task_id for u in plan.unassigned}
        assert not touched & later
        assert current_plan(s, day + dt.timedelta(days=1)).id == week["plan_id"]
