"""The repair phase: no task that fits is left out, no reload visit that is not needed.

After any search (and when the clock ran out) :func:`repair` takes the tours as they stand and

1. drops reload visits the tour is feasible without (our checker decides),
2. inserts unassigned tasks: every task's cheapest feasible insertion is computed
   (:func:`routing.insertion.best_insertion`, verified by our checker); the task whose insertion
   saves most (penalty minus insertion cost) goes in first, the tours it touched are re-timed
   and the tasks whose best insertion was on that tour are looked at again; repeated until no
   unassigned task has an insertion cheaper than its penalty. A final full pass makes sure of it.

The same insertion loop, started from empty tours, is the construction
(:func:`construct_routes`): it fills every crew-day by due day, urgency and area (the cheapest
detour puts neighbouring sites on the same tour).

:func:`plan_cost_eur` is our objective in euro for a set of tours: driving time and km at the
crew-days' rates, overtime, lateness, plus the penalty of every task left out.
"""

from __future__ import annotations

from collections.abc import Mapping

from routing.checker import retime_tour
from routing.constraints import task_penalty_eur
from routing.explain import tour_cost_eur
from routing.insertion import Insertion, best_insertion, drop_unneeded_reloads
from routing.problem import Problem
from routing.solution import Tour


def plan_cost_eur(problem: Problem, tours: Mapping[str, Tour]) -> float:
    """Tour costs (drive, km, overtime, lateness) plus the penalty of each task on no tour."""
    served = {tid for t in tours.values() for tid in t.task_ids}
    cost = sum(tour_cost_eur(problem, t) for t in tours.values())
    cost += sum(task_penalty_eur(problem, t) for t in problem.tasks if t.id not in served)
    return cost


def _left(problem: Problem, tours: Mapping[str, Tour],
          allowed: Mapping[str, list[str]]) -> list[str]:
    """Routable tasks on no tour, in ``allowed`` order."""
    served = {tid for t in tours.values() for tid in t.task_ids}
    return [tid for tid in allowed if tid not in served]


def insert_fitting(
    problem: Problem,
    tours: dict[str, Tour],
    allowed: Mapping[str, list[str]],
) -> int:
    """Insert unassigned tasks while one has an insertion cheaper than its penalty (greatest
    saving first); updates ``tours`` in place and returns the number inserted. Ends with a full
    pass over every task left against the final tours, so what is left does not fit."""
    penalty = {tid: task_penalty_eur(problem, problem.task_by_id[tid]) for tid in allowed}
    best: dict[str, Insertion | None] = {}
    inserted = 0
    fresh = False  # every cached insertion was computed against the current tours
    while True:
        left = _left(problem, tours, allowed)
        for tid in left:
            if tid not in best:
                best[tid] = best_insertion(problem, tours, tid, allowed[tid],
                                           max_cost_eur=penalty[tid])
        cands = [(penalty[tid] - best[tid].cost_eur, tid) for tid in left if best[tid]]
        if not cands:
            if fresh:
                return inserted
            best.clear()
            fresh = True
            continue
        _, tid = max(cands)
        ins = best.pop(tid)
        tours[ins.crew_day_id] = ins.tour
        inserted += 1
        fresh = False
        for other in [o for o, b in best.items() if b is not None and
                      b.crew_day_id == ins.crew_day_id]:
            del best[other]


def repair(
    problem: Problem,
    tours: Mapping[str, Tour],
    allowed: Mapping[str, list[str]],
) -> dict[str, Tour]:
    """Tours without unneeded reloads and with every task inserted that fits cheaper than its
    penalty (see module docstring). Tours with violations are kept as they are."""
    out = {}
    for cid, tour in tours.items():
        out[cid] = tour if tour.violations else drop_unneeded_reloads(problem, tour)
    insert_fitting(problem, out, allowed)
    return out


def construct_routes(problem: Problem, allowed: Mapping[str, list[str]]) -> dict[str, Tour]:
    """A complete first plan from empty tours by the repair phase's insertion loop."""
    tours = {c.id: retime_tour(problem, c.id, []) for c in problem.crew_days}
    insert_fitting(problem, tours, allowed)
    return tours


__all__ = ["construct_routes", "insert_fitting", "plan_cost_eur", "repair"]
