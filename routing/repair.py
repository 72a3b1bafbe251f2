"""The repair phase: no task that fits is left out, no reload visit that is not needed.

After any search (and when the clock ran out) :func:`repair` takes the tours as they stand and

1. drops reload visits the tour is feasible without (our checker decides),
2. inserts unassigned tasks: every task's cheapest feasible insertion is computed
   (:func:`routing.insertion.best_insertion`, verified by our checker); the task whose insertion
   saves most (penalty minus insertion cost) goes in first, the tours it touched are re-timed
   and the tasks whose best insertion was on that tour are looked at again; repeated until no
   unassigned task has an insertion cheaper than its penalty. A final full pass makes sure of it.

3. a short improvement: single tasks move to their cheapest position elsewhere while that
   lowers the objective (:func:`relocate`); a task still left out may take the place of one
   task that moves to another crew-day (or, if cheaper, stays out) (:func:`insert_with_ejection`);
   then step 2 once more.

The same insertion loop, started from empty tours, is the construction
(:func:`construct_routes`): it fills every crew-day by due day, urgency and area (the cheapest
detour puts neighbouring sites on the same tour).

:func:`plan_cost_eur` is our objective in euro for a set of tours: driving time and km at the
crew-days' rates, overtime, lateness, plus the penalty of every task left out.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from routing.checker import retime_tour
from routing.constraints import task_penalty_eur
from routing.explain import tour_cost_eur
from routing.insertion import (
    Insertion,
    add_retime_work,
    add_work,
    best_insertion,
    drop_unneeded_reloads,
    locked_prefix_length,
    move_cost_eur,
    work_done,
)
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


class Effort:
    """How much the improvement steps may do, in counted work (not seconds, so the plan does
    not depend on how busy the machine is): at most ``searches`` insertion searches and/or
    ``units`` of insertion work on ``problem`` from now on (:func:`routing.insertion.work_done`);
    ``wall_until`` (absolute ``time.time()``) is only the hard ceiling. All None: unlimited."""

    def __init__(self, searches: int | None = None, problem: Problem | None = None,
                 units: float | None = None, wall_until: float | None = None) -> None:
        self.left = searches
        self.problem = problem
        self.units_until = None if units is None or problem is None else \
            work_done(problem) + units
        self.wall_until = wall_until

    def exhausted(self) -> bool:
        """True when no effort is left (without using any)."""
        if self.units_until is not None and work_done(self.problem) >= self.units_until:
            return True
        if self.wall_until is not None and time.time() >= self.wall_until:
            return True
        return self.left is not None and self.left <= 0

    def spend(self) -> bool:
        """Use one insertion search; False when the effort is used up."""
        if self.units_until is not None and work_done(self.problem) >= self.units_until:
            return False
        if self.wall_until is not None and time.time() >= self.wall_until:
            return False
        if self.left is None:
            return True
        if self.left <= 0:
            return False
        self.left -= 1
        return True


class Memo:
    """Re-timed tours and cheapest insertions computed during one improvement, looked up by
    the stop orders they depend on, so a pass over an unchanged plan (the next round, the next
    left-out task) does not compute them again. Only what is computed counts as work
    (:func:`routing.insertion.work_done`); a look-up counts one unit per crew-day it names.
    Local to one :func:`repair` call, so the same inputs give the same plan."""

    #: entries kept before the memo starts afresh (tours hold their stops: memory)
    MAX_ENTRIES = 20_000

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.tours: dict[tuple, Tour] = {}
        self.insertions: dict[tuple, Insertion | None] = {}

    def retime(self, crew_day_id: str, sequence: Sequence[str]) -> Tour:
        """:func:`routing.checker.retime_tour` of ``sequence`` (no break hints), memoised."""
        key = (crew_day_id, tuple(sequence))
        got = self.tours.get(key)
        if got is None:
            if len(self.tours) > self.MAX_ENTRIES:
                self.tours.clear()
            add_retime_work(self.problem, len(key[1]))
            got = self.tours[key] = retime_tour(self.problem, crew_day_id, list(key[1]))
        return got

    def best(self, tours: Mapping[str, Tour], task_id: str, crew_day_ids: Sequence[str],
             max_cost_eur: float) -> Insertion | None:
        """:func:`routing.insertion.best_insertion`, memoised by the tours it looks at."""
        key = (task_id, round(max_cost_eur, 6),
               tuple((c, tours[c].refs) for c in crew_day_ids))
        if key in self.insertions:
            add_work(self.problem, len(crew_day_ids))
            return self.insertions[key]
        if len(self.insertions) > self.MAX_ENTRIES:
            self.insertions.clear()
        got = self.insertions[key] = best_insertion(self.problem, tours, task_id,
                                                    crew_day_ids, max_cost_eur=max_cost_eur)
        return got


def relocate(problem: Problem, tours: dict[str, Tour], allowed: Mapping[str, list[str]],
             max_moves: int | None = None, effort: Effort | None = None,
             memo: Memo | None = None) -> int:
    """Short improvement: move single tasks to their cheapest position elsewhere (any crew-day
    allowed for them, or another place in the same tour) while that lowers our objective;
    updates ``tours`` in place, returns the number of moves. Locked tasks stay."""
    memo = memo or Memo(problem)
    moves = 0
    improved = True
    while improved and (max_moves is None or moves < max_moves):
        improved = False
        for cid in [c.id for c in problem.crew_days]:
            tour = tours[cid]
            for tid in list(tour.task_ids):
                task = problem.task_by_id[tid]
                if task.locked_crew_day is not None or tid not in allowed:
                    continue
                tour = tours[cid]
                without = memo.retime(cid, [r for r in tour.refs if r != tid])
                if without.violations:
                    continue
                gain = tour_cost_eur(problem, tour) - tour_cost_eur(problem, without)
                if gain <= 1e-6:
                    continue
                if effort is not None and not effort.spend():
                    return moves
                trial = dict(tours)
                trial[cid] = without
                ins = memo.best(trial, tid, allowed[tid], gain)
                if ins is None or ins.cost_eur >= gain - 0.01:
                    continue
                if ins.crew_day_id == cid and tuple(ins.sequence) == tuple(tour.sequence):
                    continue
                tours[cid] = without
                tours[ins.crew_day_id] = ins.tour
                moves += 1
                improved = True
                if max_moves is not None and moves >= max_moves:
                    return moves
    return moves


def insert_with_ejection(problem: Problem, tours: dict[str, Tour],
                         allowed: Mapping[str, list[str]], effort: Effort | None = None,
                         memo: Memo | None = None) -> int:
    """For each task left out (most costly to leave out first): make room on a crew-day by
    moving one of its tasks elsewhere (or leaving that one out, if it costs less to leave out),
    when that lowers the objective. Updates ``tours`` in place; returns the tasks inserted.

    The tour without the ejected task and where the ejected task would go are the same for
    every left-out task (memoised); the left-out task's insertion is only searched up to the
    cost at which the exchange still gains (the ejected task's own move not yet known: free)."""
    memo = memo or Memo(problem)
    penalty = {tid: task_penalty_eur(problem, problem.task_by_id[tid]) for tid in allowed}
    inserted = 0
    again = True
    while again:
        again = False
        for tid in sorted(_left(problem, tours, allowed), key=lambda x: (-penalty[x], x)):
            if tid in {t for tour in tours.values() for t in tour.task_ids}:
                continue
            if _eject_for(problem, tours, allowed, tid, penalty, effort, memo):
                inserted += 1
                again = EJECTION_REPEAT
            elif effort is not None and effort.exhausted():
                return inserted
    return inserted


#: repeat the pass over left-out tasks while one was inserted (tours changed: a task tried
#: earlier may fit now)
EJECTION_REPEAT = True


def _eject_for(problem: Problem, tours: dict[str, Tour], allowed: Mapping[str, list[str]],
               tid: str, penalty: Mapping[str, float], effort: Effort | None,
               memo: Memo) -> bool:
    """The best exchange that brings left-out ``tid`` in (see :func:`insert_with_ejection`),
    applied to ``tours``; False if none lowers the objective."""
    best = None  # (delta, {cid: tour})
    need_s = problem.task_by_id[tid].service_duration_s
    for cid in allowed[tid]:
        tour = tours[cid]
        base = tour_cost_eur(problem, tour)
        crew = problem.crew_day_by_id[cid]
        slack_s = crew.latest_end_s - tour.end_s + tour.kpis.wait_s
        move = move_cost_eur(problem, problem.task_by_id[tid], cid)
        for x in tour.task_ids:
            if problem.task_by_id[x].locked_crew_day is not None or x not in allowed:
                continue
            if problem.task_by_id[x].service_duration_s + slack_s < need_s:
                continue  # taking x out cannot make room for the task
            if effort is not None and not effort.spend():
                break
            without = memo.retime(cid, [r for r in tour.refs if r != x])
            if without.violations:
                continue
            saving = base - tour_cost_eur(problem, without)
            # delta = (cost with tid - base) - penalty[tid] + (x's move or penalty) < 0
            trial = dict(tours)
            trial[cid] = without
            ins = memo.best(trial, tid, [cid], penalty[tid] + saving + move)
            if ins is None:
                continue
            change = tour_cost_eur(problem, ins.tour) - base
            others = [c for c in allowed[x] if c != cid]
            moved = memo.best(tours, x, others, penalty[x]) if others else None
            delta = change - penalty[tid] + (moved.cost_eur if moved else penalty[x])
            if delta < -1e-6 and (best is None or delta < best[0]):
                new = {cid: ins.tour}
                if moved is not None:
                    new[moved.crew_day_id] = moved.tour
                best = (delta, new)
        drop = _drop_cheap_for(problem, tours, allowed, tid, cid, penalty, effort, memo)
        if drop is not None and (best is None or drop[0] < best[0]):
            best = drop
    if best is not None:
        tours.update(best[1])
        return True
    return False


#: a task counts as cheap work beside a left-out task when leaving it out costs at most this
#: share of the left-out task's penalty (e.g. work not yet due beside due work)
CHEAP_SHARE = 0.5


def _drop_cheap_for(problem: Problem, tours: Mapping[str, Tour],
                    allowed: Mapping[str, list[str]], tid: str, cid: str,
                    penalty: Mapping[str, float], effort: Effort | None,
                    memo: Memo) -> tuple[float, dict[str, Tour]] | None:
    """Make room for left-out ``tid`` on ``cid`` by leaving out cheap tasks of that tour
    (penalty at most :data:`CHEAP_SHARE` of ``tid``'s, least penalty per hour of work first),
    one more at a time until ``tid`` fits; -> (change of the objective, {cid: tour}) if that
    lowers it. Tasks left out this way are offered to other crew-days by the insertion that
    follows."""
    tour = tours[cid]
    crew = problem.crew_day_by_id[cid]
    cheap = [x for x in tour.task_ids if x in allowed and x in penalty and
             problem.task_by_id[x].locked_crew_day is None and
             penalty[x] <= CHEAP_SHARE * penalty[tid]]
    if len(cheap) < 2:
        return None  # one: the single ejection tries it
    need_s = problem.task_by_id[tid].service_duration_s
    slack_s = crew.latest_end_s - tour.end_s + tour.kpis.wait_s
    if slack_s + sum(problem.task_by_id[x].service_duration_s for x in cheap) < need_s:
        return None
    cheap.sort(key=lambda x: (penalty[x] / max(1, problem.task_by_id[x].service_duration_s), x))
    base = tour_cost_eur(problem, tour)
    move = move_cost_eur(problem, problem.task_by_id[tid], cid)
    dropped: list[str] = []
    freed_s = 0
    for x in cheap:
        dropped.append(x)
        freed_s += problem.task_by_id[x].service_duration_s
        if len(dropped) < 2 or slack_s + freed_s < need_s:
            continue
        if effort is not None and not effort.spend():
            return None
        without = memo.retime(cid, [r for r in tour.refs if r not in dropped])
        if without.violations:
            continue
        saving = base - tour_cost_eur(problem, without)
        lost = sum(penalty[d] for d in dropped)
        trial = dict(tours)
        trial[cid] = without
        ins = memo.best(trial, tid, [cid], penalty[tid] - lost + saving + move)
        if ins is None:
            continue
        delta = tour_cost_eur(problem, ins.tour) - base - penalty[tid] + lost
        return (delta, {cid: ins.tour}) if delta < -1e-6 else None
    return None


def repair(
    problem: Problem,
    tours: Mapping[str, Tour],
    allowed: Mapping[str, list[str]],
    improve: bool = True,
    effort: int | Effort | None = None,
    relocate_first: bool = False,
) -> dict[str, Tour]:
    """Tours without unneeded reloads and with every task inserted that fits cheaper than its
    penalty (see module docstring), then (``improve``) the short improvement within ``effort``
    (a number of insertion searches or an :class:`Effort`; None: until nothing improves),
    repeated while it changes the plan and effort is left, and the insertion once more.
    ``relocate_first``: moves before ejections in each round (better where driving dominates,
    worse where urgent left-out work does; :func:`routing.solve.solve` runs both orders in
    parallel). Tours with violations are kept as they are."""
    out = {}
    for cid, tour in tours.items():
        out[cid] = tour if tour.violations else drop_unneeded_reloads(problem, tour)
    insert_fitting(problem, out, allowed)
    if improve:
        budget = effort if isinstance(effort, Effort) else Effort(effort)
        memo = Memo(problem)
        while True:
            if relocate_first:
                changed = relocate(problem, out, allowed, effort=budget, memo=memo)
                changed += insert_with_ejection(problem, out, allowed, budget, memo)
            else:
                changed = insert_with_ejection(problem, out, allowed, budget, memo)
                changed += relocate(problem, out, allowed, effort=budget, memo=memo)
            if changed:
                insert_fitting(problem, out, allowed)
            if not changed or not budget.spend():
                break
    return out


def locked_start(problem: Problem) -> dict[str, Tour]:
    """Every crew-day's tour holding only its locked prefix (``locked_position`` tasks in their
    order), re-timed by our checker: where every construction starts."""
    return feasible_tours(problem, {})


def feasible_tours(problem: Problem, routes: Mapping[str, list[str]]) -> dict[str, Tour]:
    """Re-time each route with our checker; locked-position tasks go to the front in their
    order, and tasks are dropped from the end until the checker accepts the tour (the repair
    phase offers them again)."""
    tours = {}
    for c in problem.crew_days:
        seq = list(routes.get(c.id, []))
        if locked_prefix_length(problem, c.id):
            locked = sorted((t for t in problem.tasks if t.locked_crew_day == c.id
                             and t.locked_position is not None), key=lambda t: t.locked_position)
            ids = [t.id for t in locked]
            seq = ids + [r for r in seq if r not in ids]
        tour = retime_tour(problem, c.id, seq)
        while tour.violations and len(seq) > locked_prefix_length(problem, c.id):
            seq.pop()
            tour = retime_tour(problem, c.id, seq)
        tours[c.id] = tour
    return tours


def construct_routes(problem: Problem, allowed: Mapping[str, list[str]]) -> dict[str, Tour]:
    """A complete first plan by the repair phase's insertion loop, from tours that hold only
    their locked prefixes."""
    tours = locked_start(problem)
    insert_fitting(problem, tours, allowed)
    return tours


__all__ = ["Effort", "Memo", "construct_routes", "feasible_tours", "insert_fitting",
           "insert_with_ejection", "locked_start", "plan_cost_eur", "relocate", "repair"]
