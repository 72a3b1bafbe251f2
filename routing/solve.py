"""``solve(problem, params) -> Solution``: a pure function around OR-Tools.

``params.time_limit_s`` is the budget of the whole call (:class:`routing.search.SolveClock`:
seconds of work, the wall time on a quiet machine; a busy machine makes the call longer, not the
plan worse).

A week (several days, more than :data:`CONSTRUCT_MIN_TASKS` and at most
:data:`routing.assign.WEEK_CONSTRUCTION_MAX_TASKS` routable tasks): pre-check → first
plan by insertion construction (:func:`routing.assign.first_plan`) or the previous plan → the
repair phase and its improvement (:mod:`routing.repair`) with what the budget leaves → when at
least :data:`MIN_SEARCH_S` are left, OR-Tools searches from that plan (days in parallel for big
weeks, :func:`routing.assign.polish_days`), repaired and improved again, kept only if our
objective says it is better → reasons for what is left out (:mod:`routing.finish`).

A single day (and deterministic mode): a portfolio of OR-Tools searches in parallel processes
(:mod:`routing.search`) → every tour re-timed by our own checker → the repair phase → reasons.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from concurrent.futures import ProcessPoolExecutor

from routing.assign import WEEK_CONSTRUCTION_MAX_TASKS, first_plan, polish_days, solve_by_days
from routing.constraints import eur
from routing.explain import precheck
from routing.finish import build_solution, improvement_effort, retime_routes, work_left
from routing.insertion import WORK_UNITS_PER_S, work_done
from routing.params import SolveParams
from routing.parts import solve_in_parts
from routing.problem import Problem
from routing.repair import Effort, construct_routes, feasible_tours, plan_cost_eur, repair
from routing.search import (
    DETERMINISTIC_BRANCHES_PER_SOLUTION,
    LEAN_OPERATORS,
    Budget,
    RawResult,
    SearchConfig,
    SolveClock,
    best_result,
    initial_routes_from,
    portfolio,
    run_portfolio,
    run_search,
)
from routing.solution import Solution

#: above this many (task, allowed crew-day) pairs ``method="auto"`` assigns days first
DIRECT_MAX_PAIRS = 2500
#: a horizon of several days with more routable tasks than this is planned days first (one
#: OR-Tools model per day is small enough to search well on a busy machine)
BY_DAY_MIN_TASKS = 120
#: above this many routable tasks of a multi-day horizon the search starts from the insertion
#: construction (:func:`routing.repair.construct_routes`) instead of OR-Tools' own first
#: solution (single days, e.g. Solomon, search best from OR-Tools' own start with the whole
#: budget; the repair phase still runs after it)
CONSTRUCT_MIN_TASKS = 60
#: share of the search budget for the polish after the repair phase
POLISH_SHARE = 0.15
#: a week's OR-Tools search runs only when at least this much budget (s) is left after the
#: first plan and its improvement (a shorter search from a plan our improvement has finished
#: with does not beat it)
MIN_SEARCH_S = 4.0
#: share of what is left for each OR-Tools search of a week (the rest: repair and improvement
#: of its result)
SEARCH_SHARE = 0.6


def solve(problem: Problem, params: SolveParams | None = None) -> Solution:
    """Plan the crew-days of ``problem``; pure: same inputs and deterministic params give the
    same plan. Tasks that cannot or should not be done are returned with reasons."""
    params = params or SolveParams()
    t0 = time.time()
    allowed, pre_reasons = precheck(problem)
    method = params.method
    if method == "auto":
        pairs = sum(len(v) for v in allowed.values())
        days = {c.day for c in problem.crew_days}
        big = pairs > DIRECT_MAX_PAIRS or len(allowed) > BY_DAY_MIN_TASKS
        method = "by_day" if big and len(days) > 1 else "direct"
    multi_day = len({c.day for c in problem.crew_days}) > 1
    if multi_day and params.repair and not params.deterministic and \
            CONSTRUCT_MIN_TASKS < len(allowed) <= WEEK_CONSTRUCTION_MAX_TASKS:
        return _solve_week(problem, params, allowed, pre_reasons, t0, method)
    if multi_day and params.repair and not params.deterministic and \
            len(allowed) > WEEK_CONSTRUCTION_MAX_TASKS:
        return solve_in_parts(problem, params, allowed, pre_reasons, t0, _solve_part)
    if method == "by_day":
        return solve_by_days(problem, params, allowed, pre_reasons, t0)
    reserve = min(3.0, 0.1 * params.time_limit_s) if params.explain else 0.5
    search_s = max(0.1, params.time_limit_s - reserve - (time.time() - t0))
    polish = params.repair and not params.deterministic and multi_day
    budget = Budget.of(params, search_s * (1 - POLISH_SHARE if polish else 1.0), t0)
    deadline = t0 + params.time_limit_s - reserve
    start = initial_routes_from(problem)
    constructed = None
    if start is None and params.repair and multi_day and len(allowed) > CONSTRUCT_MIN_TASKS:
        constructed = construct_routes(problem, allowed)
        start = {cid: t.sequence for cid, t in constructed.items()}
    results = run_portfolio(problem, allowed, params, deadline, start, budget=budget)
    best = best_result(results)
    notes = [f"worker {r.worker}: stopped by {r.stopped_by or r.status}, {r.cpu_s} CPU s"
             for r in results if r.objective is not None]
    if best is None and constructed is None:
        return build_solution(problem, {}, {}, allowed, pre_reasons, params, t0,
                              status="no solution", notes=[
                                  "no solution found within the limits; every task left "
                                  "unassigned"])
    routes = best.routes if best else {}
    hints = best.hints if best else {}
    tours = None
    if polish:
        tours, note = _repair_and_polish(problem, allowed, params, routes, hints,
                                         search_s * POLISH_SHARE)
        notes.append(note)
        routes, hints = {}, {}
        if constructed is not None and plan_cost_eur(problem, constructed) < \
                plan_cost_eur(problem, tours) - 1e-6:
            tours = constructed
            notes.append("the constructed first plan stays: the searches did not beat it")
    if best is None:
        best = RawResult(0, None, status="first plan only")
    # the repair phase's improvement: counted searches in deterministic mode, else half of the
    # reserve in counted work (the other half for the reasons), so the call keeps its budget
    effort = improvement_effort(params) if params.deterministic else Effort(
        improvement_effort(params), problem, units=0.5 * reserve * WORK_UNITS_PER_S)
    return build_solution(problem, routes, hints, allowed, pre_reasons, params, t0,
                          objective=best.objective, worker=best.worker, status=best.status,
                          method="direct", notes=notes, tours=tours, effort=effort)


def _solve_part(part: Problem, params: SolveParams) -> tuple[dict, tuple[str, ...]]:
    """Worker of :func:`routing.parts.solve_in_parts`: one part of a big week planned (top
    level for pickling) -> (crew-day id -> tour, notes)."""
    sol = solve(part, params)
    return {t.crew_day_id: t for t in sol.tours}, sol.notes


def _reserve_s(params: SolveParams) -> float:
    """Budget kept for the reasons of what is left out (s)."""
    return min(1.0, 0.05 * params.time_limit_s) if params.explain else 0.1


def _solve_week(problem: Problem, params: SolveParams, allowed: dict[str, list[str]],
                pre_reasons: dict, t0: float, method: str) -> Solution:
    """First plan, improvement, OR-Tools searches while the budget lasts (module docstring)."""
    clock = SolveClock.of(problem, params, t0)
    reserve = _reserve_s(params)
    previous = initial_routes_from(problem)
    if previous is not None:
        tours, first = feasible_tours(problem, previous), "previous plan"
    else:
        tours, first = first_plan(problem, allowed), "insertion construction"
    notes = [f"first plan ({first}): {clock.spent_s():.1f} s"]
    tours, cost, note = _improve(problem, allowed, tours, params, clock, reserve)
    notes.append(f"improved: {cost:.0f} EUR after {clock.spent_s():.1f} s ({note})")
    while clock.left_s() - reserve >= MIN_SEARCH_S and time.time() < clock.wall_ceiling:
        search_s = SEARCH_SHARE * (clock.left_s() - reserve)
        routes: dict[str, list[str]] = {}
        hints: dict = {}
        clock.searched_s += search_s
        if method == "by_day":
            routes, hints, _ = polish_days(problem, allowed, tours, params, search_s)
        else:
            start = {cid: list(t.sequence) for cid, t in tours.items()}
            best = best_result(run_portfolio(problem, allowed, params, None, start,
                                             budget=clock.search_budget(params, search_s)))
            if best is not None:
                routes, hints = best.routes, best.hints
        found = repair(problem, retime_routes(problem, routes, hints), allowed,
                       effort=work_left(clock, reserve)) if routes else {}
        new_cost = plan_cost_eur(problem, found) if found else None
        if new_cost is None or new_cost >= cost - 1e-6 or \
                any(t.violations for t in found.values()):
            notes.append(f"OR-Tools ({search_s:.1f} s): no gain")
            break
        notes.append(f"OR-Tools ({search_s:.1f} s) and improvement: {cost:.0f} -> "
                     f"{new_cost:.0f} EUR after {clock.spent_s():.1f} s")
        tours, cost = found, new_cost
    notes.append(f"budget {params.time_limit_s:.0f} s: {clock.spent_s():.1f} s of work, "
                 f"{time.time() - t0:.1f} s wall")
    return build_solution(problem, {}, {}, allowed, pre_reasons, params, t0, status="week",
                          method=method, notes=notes, tours=tours)


def _improve(problem: Problem, allowed: dict[str, list[str]], tours: dict, params: SolveParams,
             clock: SolveClock, reserve: float) -> tuple[dict, float, str]:
    """The repair phase and its improvement with the work ``clock`` has left; with two or more
    workers both orders of the improvement run in parallel (the second in a forked process,
    the same counted work) and the cheaper plan is kept (ties: moves after ejections).
    -> (tours, objective in EUR, which order won)."""
    effort = work_left(clock, reserve)
    if params.workers < 2:
        out = repair(problem, tours, allowed, effort=effort)
        return out, plan_cost_eur(problem, out), "ejections first"
    units = effort.units_until - work_done(problem)
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork")) as pool:
        future = pool.submit(_improve_relocate_first, problem, allowed, tours, units)
        first = repair(problem, tours, allowed, effort=effort)
        second = future.result()
    a, b = plan_cost_eur(problem, first), plan_cost_eur(problem, second)
    if b < a - 1e-6:
        return second, b, "moves first"
    return first, a, "ejections first"


def _improve_relocate_first(problem: Problem, allowed: dict[str, list[str]], tours: dict,
                            units: float) -> dict:
    """Worker: the improvement with moves before ejections (top level for pickling)."""
    return repair(problem, tours, allowed, effort=Effort(problem=problem, units=units),
                  relocate_first=True)


def _repair_and_polish(problem, allowed, params: SolveParams, routes, hints, polish_s: float):
    """Repair the search's plan, let OR-Tools improve it for ``polish_s`` (one process, warm
    start), repair that too, keep whichever our objective prefers and give it the short
    improvement -> (tours, note)."""
    repaired = repair(problem, retime_routes(problem, routes, hints), allowed, improve=False)
    cost = plan_cost_eur(problem, repaired)
    start = {cid: t.sequence for cid, t in repaired.items()}
    config = portfolio(params.with_(workers=1))[0]
    res = run_search(problem, allowed, config, None, None, start,
                     budget=Budget.of(params, polish_s), seed=params.seed)
    chosen, note = repaired, f"polish: no solution in {polish_s:.1f} s; repaired plan kept"
    if res.objective is not None:
        polished = repair(problem, retime_routes(problem, res.routes, res.hints), allowed,
                          improve=False)
        new_cost = plan_cost_eur(problem, polished)
        if new_cost < cost - 1e-6 and not any(t.violations for t in polished.values()):
            chosen, note = polished, f"polish: {cost:.0f} -> {new_cost:.0f} EUR"
        else:
            note = f"polish: no gain ({new_cost:.0f} vs {cost:.0f} EUR)"
    return repair(problem, chosen, allowed, effort=improvement_effort(params)), note


__all__ = [
    "DETERMINISTIC_BRANCHES_PER_SOLUTION", "DIRECT_MAX_PAIRS", "LEAN_OPERATORS", "RawResult",
    "SearchConfig", "SolveParams", "best_result", "build_solution", "eur", "portfolio",
    "run_search", "solve",
]
