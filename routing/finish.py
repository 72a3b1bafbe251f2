"""The last step of every solve: our checker's times, the repair phase, reasons, the Solution.

:func:`retime_routes` re-times stop orders with :func:`routing.checker.retime_tour` (using the
solver's break placement when it helps); :func:`build_solution` adds the repair phase
(:func:`routing.repair.repair`) and the explanations of what is left out.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from routing.checker import BreakHint, retime_tour
from routing.constraints import task_penalty_eur
from routing.explain import explain_unassigned
from routing.params import SolveParams
from routing.problem import Problem
from routing.reasons import make_reason
from routing.repair import Effort, repair
from routing.search import SolveClock
from routing.solution import Solution, Tour, TourKpis, Unassigned


def retime_routes(problem: Problem, routes: Mapping[str, list[str]],
                  hints: Mapping[str, dict[int, BreakHint]] | None = None) -> dict[str, Tour]:
    """Crew-day id -> tour re-timed by our checker (every crew-day, empty ones included)."""
    hints = hints or {}
    tours: dict[str, Tour] = {}
    for c in problem.crew_days:
        seq = list(routes.get(c.id, []))
        tour = retime_tour(problem, c.id, seq, hints.get(c.id))
        if tour.violations and hints.get(c.id):
            alt = retime_tour(problem, c.id, seq)
            if len(alt.violations) < len(tour.violations):
                tour = alt
        tours[c.id] = tour
    return tours


#: insertion searches of the short improvement per second of budget (counted work: the same
#: plan on a quiet and on a busy machine)
IMPROVE_SEARCHES_PER_S = 300


def improvement_effort(params: SolveParams) -> int:
    """Insertion searches the short improvement after the repair may use (deterministic
    mode and searches that end with the clock: counted work)."""
    return int(IMPROVE_SEARCHES_PER_S * params.time_limit_s)


def work_left(clock: SolveClock, reserve_s: float) -> Effort:
    """The improvement's effort: the work ``clock`` has left, less ``reserve_s`` (counted
    insertion work). No wall ceiling: counted work ends by itself, and a busy machine must
    not make the plan worse (it makes the call longer)."""
    return Effort(problem=clock.problem, units=clock.units_left(reserve_s))


def build_solution(
    problem: Problem,
    routes: dict[str, list[str]],
    hints: dict[str, dict[int, BreakHint]],
    allowed: dict[str, list[str]],
    pre_reasons: dict,
    params: SolveParams,
    t0: float,
    objective: int | None = None,
    worker: int | None = None,
    status: str = "",
    method: str = "direct",
    notes: list[str] | None = None,
    tours: Mapping[str, Tour] | None = None,
    effort: int | Effort | None = None,
) -> Solution:
    """Re-time every route with our checker, run the repair phase (``params.repair``; its
    improvement within ``effort``, default :func:`improvement_effort`) and explain what was
    left out. ``tours`` (already re-timed and repaired) replace ``routes``."""
    notes = list(notes or [])
    repaired = tours is not None
    tours = dict(tours) if tours is not None else retime_routes(problem, routes, hints)
    if params.repair and not repaired:
        before = sum(len(t.task_ids) for t in tours.values())
        tours = repair(problem, tours, allowed,
                       effort=improvement_effort(params) if effort is None else effort)
        added = sum(len(t.task_ids) for t in tours.values()) - before
        if added:
            notes.append(f"repair: {added} task(s) inserted after the search")
    for cid, tour in tours.items():
        if tour.violations:
            notes.append(f"{cid}: checker found {len(tour.violations)} violation(s)")
    assigned = {tid for t in tours.values() for tid in t.task_ids}
    left = [tid for tid in allowed if tid not in assigned]
    explained = {}
    if left:
        if params.explain:
            ceiling = t0 + 2 * params.max_wall_factor * params.time_limit_s
            explained = explain_unassigned(problem, tours, left, allowed,
                                           penalty_of=lambda t: task_penalty_eur(problem, t),
                                           deadline=None if params.deterministic or
                                           params.repair else ceiling)
        else:
            explained = {tid: [make_reason("not_checked", work_h=round(
                problem.task_by_id[tid].service_duration_s / 3600, 1))] for tid in left}
    unassigned = [Unassigned(tid, tuple(rs)) for tid, rs in pre_reasons.items()]
    unassigned += [Unassigned(tid, tuple(explained[tid])) for tid in left]
    order = {t.id: i for i, t in enumerate(problem.tasks)}
    unassigned.sort(key=lambda u: order[u.task_id])
    available = sum(c.shift.length_s - c.break_total_s for c in problem.crew_days)
    ordered = tuple(tours[c.id] for c in problem.crew_days)
    kpis = TourKpis.total([t.kpis for t in ordered], available)
    return Solution(ordered, tuple(unassigned), kpis, objective, status, worker,
                    round(time.time() - t0, 3), method, tuple(notes))


__all__ = ["build_solution", "improvement_effort", "retime_routes", "work_left"]
