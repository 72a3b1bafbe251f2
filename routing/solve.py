"""``solve(problem, params) -> Solution``: a pure function around OR-Tools.

Steps: pre-check (tasks no crew-day can serve get their reason at once) → a portfolio of
OR-Tools searches in parallel processes (:mod:`routing.search`; a busy machine makes it take
longer, not worse) → every tour re-timed by our own checker → the repair phase
(:mod:`routing.repair`: every task that fits cheaper than its penalty goes in, unneeded reload
visits go out) → a short OR-Tools polish from the repaired plan, kept if our objective says it is
better → reasons for what is left out (:mod:`routing.finish`).

Large horizons (a week of a town) go through :mod:`routing.assign` (days first, then routes).
"""

from __future__ import annotations

import time

from routing.assign import solve_by_days
from routing.constraints import eur
from routing.explain import precheck
from routing.finish import build_solution, improvement_effort, retime_routes
from routing.params import SolveParams
from routing.problem import Problem
from routing.repair import construct_routes, plan_cost_eur, repair
from routing.search import (
    DETERMINISTIC_BRANCHES_PER_SOLUTION,
    LEAN_OPERATORS,
    Budget,
    RawResult,
    SearchConfig,
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
#: above this many routable tasks the search starts from the insertion construction
#: (:func:`routing.repair.construct_routes`) instead of OR-Tools' own first solution
CONSTRUCT_MIN_TASKS = 60
#: share of the search budget for the polish after the repair phase
POLISH_SHARE = 0.15


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
    if method == "by_day":
        return solve_by_days(problem, params, allowed, pre_reasons, t0)
    reserve = min(3.0, 0.1 * params.time_limit_s) if params.explain else 0.5
    search_s = max(0.1, params.time_limit_s - reserve - (time.time() - t0))
    polish = params.repair and not params.deterministic
    budget = Budget.of(params, search_s * (1 - POLISH_SHARE if polish else 1.0), t0)
    deadline = t0 + params.time_limit_s - reserve
    start = initial_routes_from(problem)
    constructed = None
    if start is None and params.repair and len(allowed) > CONSTRUCT_MIN_TASKS:
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
    return build_solution(problem, routes, hints, allowed, pre_reasons, params, t0,
                          objective=best.objective, worker=best.worker, status=best.status,
                          method="direct", notes=notes, tours=tours)


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
