"""The repair phase, progress-based search budgets, reloads only when needed, the seed."""

from __future__ import annotations

import dataclasses
import re
import time
from datetime import date

from routing_factory import AXIS, LINE_POINTS, MONDAY, crew, lunch, problem, task

from routing.audit import FindingCode, audit_plan
from routing.checker import check_solution, retime_tour
from routing.constraints import build_model
from routing.explain import precheck
from routing.insertion import best_insertion, drop_unneeded_reloads, work_done
from routing.params import SolveParams
from routing.problem import ReloadPoint
from routing.repair import (
    Effort,
    Memo,
    construct_routes,
    insert_with_ejection,
    plan_cost_eur,
    relocate,
    repair,
)
from routing.search import Budget, SearchConfig, run_search
from routing.solve import CONSTRUCT_MIN_TASKS, solve

WASTE = "green_waste_m3"
GRID = [(0, 0)] + [(x * 700, y * 600) for x in range(1, 6) for y in range(-2, 3)]


def grid(n_days: int = 1, crews_per_day: int = 2, minutes=lambda i: 25 + (i * 7) % 40):
    tasks = [task(f"t{i}", i, minutes(i), loads={WASTE: 0.4 + (i % 3) * 0.3})
             for i in range(1, len(GRID))]
    crews = [crew(f"d{d}c{k}", day_offset=d, breaks=[lunch(d)], capacity={WASTE: 3.0})
             for d in range(n_days) for k in range(crews_per_day)]
    yard = ReloadPoint("yard", 3, {WASTE}, service_duration_s=600)
    return problem(GRID, tasks, crews, reload_points=(yard,))


def no_objection(p, sol) -> list:
    """Findings a planner would object to: work left that fits, idle crew beside it."""
    return [f for f in audit_plan(p, sol)
            if f.code in (FindingCode.TASK_LEFT_FITS, FindingCode.CREW_DAY_IDLE)]


def test_repair_inserts_every_task_that_fits_and_keeps_what_does_not():
    """From a plan with one task, the repair phase inserts the others that fit; the 9-h task
    that fits no shift stays out, and the checker accepts every tour."""
    tasks = [task("a", 1), task("b", 2), task("c", 3), task("huge", 4, minutes=9 * 60)]
    p = problem(LINE_POINTS, tasks, [crew("c1"), crew("c2")])
    allowed, _ = precheck(p)
    tours = {c.id: retime_tour(p, c.id, ["a"] if c.id == "c1" else []) for c in p.crew_days}
    before = plan_cost_eur(p, tours)
    out = repair(p, tours, allowed)
    served = sorted(x for t in out.values() for x in t.task_ids)
    assert served == ["a", "b", "c"]
    assert all(not t.violations for t in out.values())
    assert plan_cost_eur(p, out) < before
    for tid in [t.id for t in p.tasks if t.id not in served and t.id in allowed]:
        assert best_insertion(p, out, tid, allowed[tid]) is None


def test_search_stopped_after_first_solution_leaves_nothing_that_fits():
    """Deterministic search stopped after its first solution: after the repair phase no task
    that fits is left, no crew-day idles beside fitting work, no reason says the search
    stopped, and the checker finds nothing."""
    p = grid(n_days=2)
    params = SolveParams(deterministic=True, solution_limit=1, workers=1,
                         first_solution_strategy="PATH_CHEAPEST_ARC", method="direct")
    raw = solve(p, params.with_(repair=False))
    assert [f for f in audit_plan(p, raw) if f.code == FindingCode.TASK_LEFT_FITS]
    sol = solve(p, params)
    assert no_objection(p, sol) == []
    assert check_solution(p, sol) == []
    assert len(sol.unassigned) < len(raw.unassigned)
    assert not any(r.code == "search_stopped" for u in sol.unassigned for r in u.reasons)


def test_repair_drops_the_reload_trips_the_first_solution_made():
    """OR-Tools' first solution visits the yard with half-empty trucks; after the repair phase
    no reload visit is unneeded."""
    p = grid(n_days=2)
    params = SolveParams(deterministic=True, solution_limit=1, workers=1, method="direct")
    unneeded = lambda sol: [f for f in audit_plan(p, sol)  # noqa: E731
                            if f.code == FindingCode.UNNEEDED_RELOAD]
    raw = solve(p, params.with_(repair=False))
    assert unneeded(raw)
    sol = solve(p, params)
    assert unneeded(sol) == [] and sol.kpis.n_reloads < raw.kpis.n_reloads


def test_days_first_method_leaves_no_idle_crew_day_beside_fitting_work():
    """By-day planning of a three-day horizon ends with no task left that fits and no crew-day
    idle or under half busy beside fitting work."""
    p = grid(n_days=3, crews_per_day=1, minutes=lambda i: 60 + (i * 13) % 90)
    sol = solve(p, SolveParams(deterministic=True, solution_limit=10, workers=1,
                               method="by_day"))
    assert sol.method == "by_day"
    assert no_objection(p, sol) == []
    assert check_solution(p, sol) == []


def test_construction_fills_every_crew_day_it_can():
    """The insertion construction serves every task of a small multi-day problem."""
    p = grid(n_days=2)
    allowed, _ = precheck(p)
    tours = construct_routes(p, allowed)
    assert sorted(x for t in tours.values() for x in t.task_ids) == sorted(allowed)
    assert all(not t.violations for t in tours.values())


def test_reload_only_when_the_load_requires_it():
    """Three 1 m³ loads on a 6 m³ truck: no yard trip in the plan. Three 4 m³ loads: trips,
    none of them unneeded, and dropping unneeded visits removes a pointless one."""
    yard = ReloadPoint("yard", 4, {WASTE}, service_duration_s=600)
    small = [task(f"s{i}", i, loads={WASTE: 1.0}) for i in (1, 2, 3)]
    p = problem(LINE_POINTS, small, [crew("c1", capacity={WASTE: 6.0})], reload_points=(yard,))
    sol = solve(p, SolveParams(deterministic=True, solution_limit=20, workers=1))
    assert sol.kpis.n_tasks == 3 and sol.kpis.n_reloads == 0
    pointless = retime_tour(p, "c1", ["yard", "s1", "yard", "s2", "s3"])
    cleaned = drop_unneeded_reloads(p, pointless)
    assert cleaned.sequence == ["s1", "s2", "s3"] and not cleaned.violations

    big = [task(f"b{i}", i, loads={WASTE: 4.0}) for i in (1, 2, 3)]
    q = problem(LINE_POINTS, big, [crew("c1", capacity={WASTE: 6.0})], reload_points=(yard,))
    sol = solve(q, SolveParams(deterministic=True, solution_limit=20, workers=1))
    assert sol.kpis.n_tasks == 3 and sol.kpis.n_reloads == 2
    assert not [f for f in audit_plan(q, sol) if f.code == FindingCode.UNNEEDED_RELOAD]


def test_repair_adds_a_reload_when_the_truck_is_full():
    """A task that only fits after unloading is inserted together with a yard visit."""
    yard = ReloadPoint("yard", 4, {WASTE}, service_duration_s=600)
    tasks = [task("a", 1, loads={WASTE: 4.0}), task("b", 2, loads={WASTE: 4.0})]
    p = problem(LINE_POINTS, tasks, [crew("c1", capacity={WASTE: 6.0})], reload_points=(yard,))
    allowed, _ = precheck(p)
    out = repair(p, {"c1": retime_tour(p, "c1", ["a"])}, allowed)
    assert out["c1"].task_ids == ["a", "b"] and out["c1"].kpis.n_reloads == 1
    assert not out["c1"].violations


def _search(p, budget):
    allowed, _ = precheck(p)
    return run_search(p, allowed, SearchConfig(0, "PARALLEL_CHEAPEST_INSERTION",
                                               "GUIDED_LOCAL_SEARCH"), None, None, budget=budget)


def test_progress_stop_ends_a_search_that_no_longer_improves():
    """With a large CPU budget and a short stall window the search ends because the plan
    stopped improving, not by the budget or the wall ceiling."""
    p = grid()
    res = _search(p, Budget(cpu_s=600, min_cpu_s=0.2, stall_cpu_s=0.5,
                            wall_deadline=time.time() + 600))
    assert res.objective is not None and res.stopped_by == "no improvement"
    assert res.cpu_s < 600


def test_progress_stop_counts_cpu_work_and_has_a_wall_ceiling():
    """A small CPU budget ends the search as 'budget'; a wall deadline in the past ends it as
    'wall ceiling' whatever the CPU budget says."""
    p = grid()
    res = _search(p, Budget(cpu_s=0.3, min_cpu_s=0.3, stall_cpu_s=600,
                            wall_deadline=time.time() + 600))
    assert res.stopped_by == "budget" and res.cpu_s >= 0.3
    res = _search(p, Budget(cpu_s=600, min_cpu_s=600, stall_cpu_s=600,
                            wall_deadline=time.time() + 0.2))
    assert res.stopped_by == "wall ceiling"


def test_seed_shuffles_the_model_and_is_reproducible():
    """Seed 0 keeps the task order, another seed permutes it, the same seed gives the same
    order and the same deterministic plan."""
    p = grid()
    allowed, _ = precheck(p)
    order = lambda seed: [t.id for t in build_model(p, allowed, seed=seed).tasks]  # noqa: E731
    assert order(0) == list(allowed)
    assert order(7) != order(0) and order(7) == order(7)
    params = SolveParams(deterministic=True, solution_limit=20, workers=1, seed=7,
                         method="direct")
    assert solve(p, params).routes() == solve(p, params).routes()


def week_grid(n_tasks: int = 72, days: int = 3):
    """A small week for the week path of ``solve``: ``n_tasks`` tasks (more than
    ``solve.CONSTRUCT_MIN_TASKS``) at the grid's sites, two crews a day; half of them due on
    the first day, the rest later in the week."""
    tasks = [task(f"w{i}", 1 + i % (len(GRID) - 1), 20 + (i * 7) % 30, urgency=1.0 + i % 3,
                  due_latest_s=AXIS.day_end_s(MONDAY) if i % 2 else None,
                  loads={WASTE: 0.3})
             for i in range(n_tasks)]
    crews = [crew(f"d{d}c{k}", day_offset=d, breaks=[lunch(d)], capacity={WASTE: 3.0})
             for d in range(days) for k in range(2)]
    yard = ReloadPoint("yard", 3, {WASTE}, service_duration_s=600)
    return problem(GRID, tasks, crews, reload_points=(yard,))


def _work_s(sol) -> float:
    """The counted work of a week solve, from its notes ("budget 3 s: 1.2 s of work, ...")."""
    note = next(n for n in sol.notes if n.startswith("budget"))
    return float(re.search(r": ([\d.]+) s of work", note).group(1))


def test_week_plan_is_counted_work_within_its_budget_and_repeats():
    """A week planned with a time budget (not deterministic mode) counts its work, not the
    clock: two runs give the same plan, the work stays within the budget, and nothing that
    fits is left."""
    p = week_grid()
    assert len(p.tasks) > CONSTRUCT_MIN_TASKS
    params = SolveParams(time_limit_s=3)
    first, second = solve(p, params), solve(p, params)
    assert first.status == "week"
    assert first.routes() == second.routes()
    assert _work_s(first) <= 3.0
    assert no_objection(p, first) == [] and check_solution(p, first) == []


def test_week_plan_keeps_a_locked_stop_first():
    """The week path's construction starts from the locked prefixes: a task locked to the
    first position of a crew-day is that tour's first stop."""
    p = week_grid()
    locked = dataclasses.replace(p.tasks[5], locked_crew_day="d1c0", locked_position=0)
    p = dataclasses.replace(p, tasks=(*p.tasks[:5], locked, *p.tasks[6:]))
    sol = solve(p, SolveParams(time_limit_s=3))
    assert sol.status == "week"
    assert sol.routes()["d1c0"][0] == locked.id
    assert check_solution(p, sol) == []


def test_effort_in_work_units_stops_the_improvement():
    """An improvement effort of counted work units ends when that much insertion work is
    done, and a larger effort does at least as well (work, not seconds)."""
    p = week_grid()
    allowed, _ = precheck(p)
    start = construct_routes(p, allowed)
    before = work_done(p)
    small = repair(p, start, allowed, effort=Effort(problem=p, units=1_000))
    used = work_done(p) - before
    large = repair(p, start, allowed, effort=Effort(problem=p, units=10 * used + 100_000))
    assert used < 100_000
    assert plan_cost_eur(p, large) <= plan_cost_eur(p, small) + 1e-6


def test_due_task_takes_the_room_of_several_tasks_not_yet_due():
    """A full crew-day holds three tasks not yet due (1 h each, a small prize) beside due
    work; a 2.5-h due task left out fits only if two of them go: the ejection step leaves them
    out for it (no single one makes room), and the objective falls."""
    later = AXIS.at(date.fromordinal(MONDAY.toordinal() + 14), 7)
    cheap = [task(f"nd{i}", i, 60, due_earliest_s=later, urgency=0.5) for i in (2, 3, 4)]
    tasks = [task("due4h", 1, 200, urgency=1.0), *cheap, task("big", 5, 150, urgency=1.0)]
    p = problem(GRID, tasks, [crew("c1", breaks=[lunch()])])
    allowed, _ = precheck(p)
    tours = {"c1": retime_tour(p, "c1", ["due4h", *(t.id for t in cheap)])}
    assert not tours["c1"].violations
    assert best_insertion(p, tours, "big", allowed["big"]) is None
    before = plan_cost_eur(p, tours)
    inserted = insert_with_ejection(p, tours, allowed)
    served = tours["c1"].task_ids
    assert inserted == 1 and "big" in served and "due4h" in served
    assert sum(1 for t in cheap if t.id in served) <= 1
    assert not tours["c1"].violations
    assert plan_cost_eur(p, tours) < before - 500


def test_memo_gives_the_same_improvement_with_less_work():
    """The improvement's memo (re-timed tours and insertions by the stop orders they depend
    on) changes no result: the same plan as computing everything afresh, for less counted
    work."""
    p = week_grid()
    allowed, _ = precheck(p)
    start = construct_routes(p, allowed)
    w0 = work_done(p)
    fresh = dict(start)
    moves_fresh = relocate(p, fresh, allowed, memo=None)
    ins_fresh = insert_with_ejection(p, fresh, allowed)
    again_fresh = relocate(p, fresh, allowed)
    w1 = work_done(p)
    memo = Memo(p)
    kept = dict(start)
    moves_memo = relocate(p, kept, allowed, memo=memo)
    ins_memo = insert_with_ejection(p, kept, allowed, memo=memo)
    again_memo = relocate(p, kept, allowed, memo=memo)
    w2 = work_done(p)
    assert (moves_memo, ins_memo, again_memo) == (moves_fresh, ins_fresh, again_fresh)
    assert {c: t.sequence for c, t in kept.items()} == {c: t.sequence for c, t in fresh.items()}
    assert w2 - w1 < w1 - w0
