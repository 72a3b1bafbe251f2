"""solve(): pure, deterministic on request, portfolio of processes, multi-day fallback."""

from __future__ import annotations

import pytest
from routing_factory import LINE_POINTS, crew, lunch, problem, task

from routing.checker import check_solution
from routing.params import SolveParams
from routing.problem import ProblemError, ReloadPoint, TimeWindow
from routing.solve import RawResult, best_result, portfolio, solve

GRID = [(0, 0)] + [(x * 700, y * 600) for x in range(1, 6) for y in range(-2, 3)]


def grid_problem(n_days: int = 1, crews_per_day: int = 2, breaks=True):
    tasks = [task(f"t{i}", i, 25 + (i * 7) % 40, loads={"green_waste_m3": 0.4 + (i % 3) * 0.3})
             for i in range(1, len(GRID))]
    crews = [crew(f"d{d}c{k}", day_offset=d, breaks=[lunch(d)] if breaks else [],
                  capacity={"green_waste_m3": 3.0})
             for d in range(n_days) for k in range(crews_per_day)]
    yard = ReloadPoint("yard", 3, {"green_waste_m3"}, service_duration_s=600)
    return problem(GRID, tasks, crews, reload_points=(yard,))


DET = SolveParams(deterministic=True, solution_limit=40, workers=2)


def test_deterministic_mode_gives_identical_plans_with_two_workers():
    """Two deterministic runs with a 2-process portfolio return the identical plan."""
    p = grid_problem()
    a, b = solve(p, DET), solve(p, DET)
    assert a.routes() == b.routes()
    assert [s.start_s for t in a.tours for s in t.stops] == \
        [s.start_s for t in b.tours for s in t.stops]
    assert a.objective == b.objective and a.worker == b.worker


def test_solution_is_feasible_and_complete():
    """Every task is served once or unassigned with a reason; the checker finds no violation."""
    p = grid_problem()
    sol = solve(p, DET)
    assert check_solution(p, sol) == []
    served = [tid for t in sol.tours for tid in t.task_ids]
    assert len(served) == len(set(served))
    assert len(served) + len(sol.unassigned) == len(p.tasks)
    assert all(u.reasons for u in sol.unassigned)
    assert sol.kpis.n_tasks == len(served) and sol.kpis.distance_m > 0


def test_kpis_add_up_over_tours():
    """Total KPIs are the sums of the tour KPIs; utilisation is work+drive over net shift time."""
    p = grid_problem()
    sol = solve(p, DET)
    assert sol.kpis.drive_s == sum(t.kpis.drive_s for t in sol.tours)
    assert sol.kpis.work_s == sum(t.kpis.work_s for t in sol.tours)
    net = sum(c.shift.length_s - c.break_total_s for c in p.crew_days)
    assert sol.kpis.utilisation == pytest.approx((sol.kpis.work_s + sol.kpis.drive_s) / net,
                                                 abs=1e-3)


def test_portfolio_members_differ_and_best_tie_breaks_by_worker():
    """Portfolio members use different first solutions; equal costs go to the lower worker id."""
    configs = portfolio(SolveParams(workers=3))
    assert len({c.first_solution for c in configs}) == 3
    best = best_result([RawResult(1, 100), RawResult(0, 100), RawResult(2, 90), RawResult(3, None)])
    assert best.worker == 2
    assert best_result([RawResult(1, 100), RawResult(0, 100)]).worker == 0


def test_by_day_method_plans_a_multi_day_horizon():
    """The days-first fallback serves tasks on several days without violations."""
    p = grid_problem(n_days=3, crews_per_day=1)
    sol = solve(p, SolveParams(method="by_day", deterministic=True, solution_limit=30,
                               workers=2))
    assert sol.method == "by_day"
    assert check_solution(p, sol) == []
    days_used = {p.crew_day_by_id[t.crew_day_id].day for t in sol.tours if t.task_ids}
    assert len(days_used) >= 2


def test_direct_time_limited_solve_returns_feasible_plan():
    """With a clock limit (non-deterministic) the plan is still feasible."""
    p = grid_problem()
    sol = solve(p, SolveParams(time_limit_s=2, workers=1))
    assert check_solution(p, sol) == []


def test_params_validation_messages():
    """Bad parameters are refused with the allowed choices."""
    with pytest.raises(ProblemError, match="unknown metaheuristic 'FOO'"):
        SolveParams(metaheuristic="FOO")
    with pytest.raises(ProblemError, match="workers must be >= 1"):
        SolveParams(workers=0)
    with pytest.raises(ProblemError, match="time_limit_s must be > 0"):
        SolveParams(time_limit_s=0)


def test_empty_problem_gives_empty_tours():
    """No tasks: every crew-day gets an empty tour from depot to depot."""
    p = problem(LINE_POINTS, [], [crew("c1")])
    sol = solve(p, DET)
    assert sol.tours[0].stops == () and sol.unassigned == ()


def test_windows_on_other_day_route_to_that_day():
    """A task with a window on Tuesday only is planned on Tuesday's crew-day."""
    from datetime import timedelta

    from routing_factory import AXIS, MONDAY

    tue = MONDAY + timedelta(days=1)
    t = task("tue", 1, 30, time_windows=(TimeWindow(AXIS.at(tue, 8), AXIS.at(tue, 12)),))
    p = problem(LINE_POINTS, [t], [crew("mon"), crew("tue", day_offset=1)])
    assert solve(p, DET).assignment()["tue"][0] == "tue"
