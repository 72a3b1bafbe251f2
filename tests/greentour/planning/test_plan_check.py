"""The plan check in the product: every stored plan carries its check, ``greentour check-plan``
recomputes it from the store; empty on a good plan, findings on crafted bad ones.

Real SQLite copy of the Lauf walkthrough scenario, the real Lauf road graph, OR-Tools.
"""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from greentour.cli import cli
from greentour.planning.plan_check import check_plan, stored_check
from greentour.planning.plan_service import run_plan_in_tenant
from greentour.store import models, tenant_session
from routing.params import SolveParams

FAST = SolveParams(time_limit_s=20, solution_limit=5, deterministic=True, workers=1)


def _plan(planner_store) -> int:
    engine, tenant_id, day = planner_store
    return run_plan_in_tenant(engine, tenant_id, day, "plan", FAST, with_demand=False)["plan_id"]


def test_good_plan_has_an_empty_check_stored_and_recomputed(planner_store, planner_scenario,
                                                            monkeypatch, tmp_path) -> None:
    """The Monday plan (22 tasks, search plus repair phase) is stored with its check, and the
    check is empty; recomputed from the store it is empty too, and the CLI says so in one
    line."""
    engine, tenant_id, _ = planner_store
    plan_id = _plan(planner_store)
    with tenant_session(engine, tenant_id) as s:
        assert stored_check(s.get(models.Plan, plan_id)) == []
        assert check_plan(s, plan_id) == []
        s.rollback()
    monkeypatch.setenv("GREENTOUR_DATABASE_URL", planner_scenario.db_url)
    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(tmp_path / "instance"))
    result = CliRunner().invoke(cli, ["check-plan", "--plan", str(plan_id)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Plan {plan_id}: keine Beanstandungen"


def test_crafted_bad_plan_lists_work_left_that_fits_and_a_lineup_breach(
        planner_store, planner_scenario, monkeypatch, tmp_path) -> None:
    """A stop taken out of a stored tour is 'left out, but still fits'; a tour whose crew has a
    member absent that day is a line-up finding; both in German and English, no euro."""
    engine, tenant_id, day = planner_store
    plan_id = _plan(planner_store)
    with tenant_session(engine, tenant_id) as s, s.begin():
        plan = s.get(models.Plan, plan_id)
        tour = max(plan.tours, key=lambda t: len(t.stops))
        stop = next(st for st in tour.stops if st.kind == "task")
        dropped = stop.task_id
        s.delete(stop)
        other = next(t for t in plan.tours if t.id != tour.id)
        sick = other.crew_day.member_ids[0]
        s.add(models.Absence(staff_id=sick, date_from=day, date_to=day, reason="krank"))
        other_cd = other.crew_day_id
    with tenant_session(engine, tenant_id) as s:
        findings = check_plan(s, plan_id)
        s.rollback()
    kinds = {(f.kind, f.task_id, f.crew_day_id) for f in findings}
    assert ("task_left_fits", dropped, None) in {(k, t, None) for k, t, _ in kinds}
    lineup = [f for f in findings if f.kind == "lineup"]
    assert lineup and lineup[0].crew_day_id == other_cd
    assert "abwesend" in lineup[0].de and "absent" in lineup[0].en
    left = next(f for f in findings if f.kind == "task_left_fits")
    assert "nicht eingeplant, passt aber noch zu" in left.de
    assert all("€" not in f.de and "EUR" not in f.en for f in findings)
    monkeypatch.setenv("GREENTOUR_DATABASE_URL", planner_scenario.db_url)
    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(tmp_path / "instance"))
    result = CliRunner().invoke(cli, ["check-plan", "--plan", str(plan_id), "--store"])
    assert result.exit_code == 0, result.output
    assert f"Plan {plan_id}: {len(findings)} Beanstandungen" in result.output
    with tenant_session(engine, tenant_id) as s:
        assert len(stored_check(s.get(models.Plan, plan_id))) == len(findings)


def test_check_plan_refuses_an_unknown_plan(planner_scenario, monkeypatch, tmp_path) -> None:
    """An unknown plan id is one German error line, exit code 1."""
    monkeypatch.setenv("GREENTOUR_DATABASE_URL", planner_scenario.db_url)
    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(tmp_path / "instance"))
    result = CliRunner().invoke(cli, ["check-plan", "--plan", "999"])
    assert result.exit_code == 1
    assert "Fehler: Plan 999 gibt es nicht" in result.output and "Traceback" not in result.output


def test_changed_locked_tour_is_a_lock_finding(planner_store) -> None:
    """A plan stored with a crew-day locked whose tour differs from the plan before it (crafted:
    a stop removed afterwards) shows a lock finding."""
    engine, tenant_id, day = planner_store
    first = _plan(planner_store)
    with tenant_session(engine, tenant_id) as s, s.begin():
        tour = max(s.get(models.Plan, first).tours, key=lambda t: len(t.stops))
        s.get(models.CrewDay, tour.crew_day_id).locked = True
        locked_cd = tour.crew_day_id
    second = run_plan_in_tenant(engine, tenant_id, day, "replan", FAST)["plan_id"]
    with tenant_session(engine, tenant_id) as s, s.begin():
        plan = s.get(models.Plan, second)
        assert plan.solver_params_json["locked"] == [locked_cd]
        assert not [f for f in stored_check(plan) if f.kind == "lock_changed"]
        tour = next(t for t in plan.tours if t.crew_day_id == locked_cd)
        s.delete(next(st for st in tour.stops if st.kind == "task"))
    with tenant_session(engine, tenant_id) as s:
        kinds = [f.kind for f in check_plan(s, second)]
        s.rollback()
    assert "lock_changed" in kinds


def test_check_finds_an_idle_crew_and_a_line_up_that_no_longer_holds(planner_store) -> None:
    """A stored plan whose Kolonne 2 tour was emptied shows Kolonne 2 idle beside the work it
    could take; after Kolonne 1's licensed drivers are swapped for class-B drivers, its mowing
    stops break the line-up (the ride-on mower travels on the BE trailer)."""
    engine, tenant_id, day = planner_store
    plan_id = _plan(planner_store)
    with tenant_session(engine, tenant_id) as s, s.begin():
        plan = s.get(models.Plan, plan_id)
        k2 = next(t for t in plan.tours if t.crew_day.name.startswith("Kolonne 2"))
        for st in [st for st in k2.stops if st.kind == "task"]:
            s.delete(st)
        k2_id = k2.crew_day_id
        k1 = next(t for t in plan.tours if t.crew_day.name.startswith("Kolonne 1")).crew_day
        b_only = [p.id for p in s.scalars(select(models.Staff)) if p.config_key in ("koch",
                                                                                     "hofmann")]
        k1.member_ids = b_only
        k1_id = k1.id
    with tenant_session(engine, tenant_id) as s:
        findings = check_plan(s, plan_id)
        s.rollback()
    idle = [f for f in findings if f.kind == "crew_day_idle" and f.crew_day_id == k2_id]
    assert idle and "hat keine Arbeit, obwohl" in idle[0].de and "has no work" in idle[0].en
    broken = [f for f in findings if f.kind == "rule_violation" and f.crew_day_id == k1_id]
    assert broken and any("Aufsitzmäher" in f.de for f in broken)
