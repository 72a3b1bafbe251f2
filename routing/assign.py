"""Multi-day fallback: assign days first, route each day, then improve between days.

One OR-Tools model over a whole week (30 crew-days × several hundred tasks) is too slow to give a
good plan in a minute. This module splits the horizon:

1. **Assign days** (:func:`assign_days`): tasks in priority order (locked, then due by due date
   and urgency, then not-yet-due) go to one of the days on which some allowed crew-day can serve
   them. A day's budget is its crew-hours (net of breaks) times a fill factor; among days with
   room, the cheapest is chosen by estimated detour (travel to the nearest tasks already on that
   day: clusters by area), lateness after the due day, and a move cost away from the previous
   plan's day.
2. **Route each day** with the normal OR-Tools model restricted to the day's crew-days; the days
   run in parallel processes (``params.workers``).
3. **Improve between days**: tasks a day could not fit are offered to their next-best day with
   spare crew time; those days are re-solved, warm-started from their current routes.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date

import numpy as np

from routing.checker import retime_tour
from routing.constraints import task_penalty_eur
from routing.explain import tour_cost_eur
from routing.finish import build_solution
from routing.params import SolveParams
from routing.problem import Problem, Task
from routing.repair import construct_routes, insert_fitting, locked_start
from routing.search import LEAN_OPERATORS, Budget, SearchConfig, initial_routes_from, run_search
from routing.solution import Solution, Tour

#: up to this many tasks the first plan inserts every task into the whole week (the best start);
#: above, each day's assigned tasks into that day (much faster)
WEEK_CONSTRUCTION_MAX_TASKS = 600
#: share of a day's net crew time that day assignment may fill (the rest is driving)
FILL_FACTOR = 0.8


def _day_of(problem: Problem) -> dict[str, date]:
    return {c.id: c.day for c in problem.crew_days}


#: tasks at least this urgent are placed before the previous plan's tasks when re-planning
URGENT = 5.0


def _priority(problem: Problem, t: Task) -> tuple:
    """Locked first; when re-planning, very urgent orders, then the previous plan's tasks on
    crew-days that still exist (stability), then the rest; within a group by due date and
    urgency."""
    due = problem.is_due_in_horizon(t)
    prev = problem.previous_plan
    kept = prev is not None and t.id in prev.assignments and \
        prev.assignments[t.id][0] in problem.crew_day_by_id
    return (
        0 if t.locked_crew_day else 1,
        0 if t.urgency >= URGENT else (1 if kept else 2),
        0 if due else 1,
        t.due_latest_s if t.due_latest_s is not None else 2**62,
        -t.urgency,
        t.id,
    )


def assign_days(
    problem: Problem, allowed: dict[str, list[str]], fill_factor: float = FILL_FACTOR
) -> tuple[dict[date, list[str]], list[str]]:
    """Day -> task ids, plus tasks for which no day had room (offered again later)."""
    day_of = _day_of(problem)
    days = sorted({c.day for c in problem.crew_days})
    budget = {d: 0.0 for d in days}
    day_end = {d: 0 for d in days}
    for c in problem.crew_days:
        budget[c.day] += fill_factor * (c.shift.length_s - c.break_total_s)
        day_end[c.day] = max(day_end[c.day], c.shift.end_s)
    m = next(iter(problem.matrices.values())).duration_s
    depot = problem.crew_days[0].start_location
    chosen: dict[date, list[str]] = {d: [] for d in days}
    entries: dict[date, list[int]] = {d: [] for d in days}
    prev_day: dict[str, date] = {}
    if problem.previous_plan is not None:
        for tid, (cid, _) in problem.previous_plan.assignments.items():
            if cid in day_of and tid in allowed and cid in allowed[tid]:
                prev_day[tid] = day_of[cid]
    rate_eur_s = max(c.cost_per_hour_eur for c in problem.crew_days) / 3600 or 0.01
    w = problem.weights
    overflow: list[str] = []
    for t in sorted((problem.task_by_id[tid] for tid in allowed), key=lambda t: _priority(
            problem, t)):
        options = sorted({day_of[c] for c in allowed[t.id]})
        best, best_cost, best_detour = None, None, 0.0
        for d in options:
            near = entries[d]
            if near:
                dists = np.minimum(m[t.entry_location, near], m[near, t.entry_location])
                k = min(3, len(near))
                detour = float(np.partition(dists, k - 1)[:k].mean())
            else:
                detour = float(m[depot, t.entry_location])
            need = t.service_duration_s + detour
            # a task of the previous plan may stay on its day regardless of the estimate: the
            # crew-day still exists and its tour fitted
            stays = prev_day.get(t.id) == d
            if budget[d] < need and t.locked_crew_day is None and not stays:
                continue
            cost = 2 * detour * rate_eur_s
            if t.due_latest_s is not None and day_end[d] > t.due_latest_s:
                late_days = (day_end[d] - t.due_latest_s) / 86400
                cost += w.late_eur_per_day * max(t.urgency, 0.01) * late_days
            if t.id in prev_day and prev_day[t.id] != d:
                cost += w.move_eur
            if best_cost is None or cost < best_cost:
                best, best_cost, best_detour = d, cost, detour
        if best is None:
            overflow.append(t.id)
            continue
        chosen[best].append(t.id)
        entries[best].append(t.entry_location)
        budget[best] -= t.service_duration_s + best_detour
    return chosen, overflow


def _solve_day(problem, allowed_day, crew_ids, params_tuple, budget: Budget | None, initial):
    """Worker: route one day (top level for pickling)."""
    fs, mh, lam, limit, lean, seed = params_tuple
    return run_search(problem, allowed_day,
                      SearchConfig(0, fs, mh, lam, LEAN_OPERATORS if lean else ()), None, limit,
                      initial, crew_ids, budget=budget, seed=seed)


def _route_days(problem, jobs, params: SolveParams, per_job_s: float | None):
    """Run day jobs [(day, allowed_day, crew_ids, initial)] in parallel; -> {day: RawResult}.
    ``per_job_s``: search budget per job (None: deterministic limits)."""
    pt = (params.first_solution_strategy, params.metaheuristic, params.gls_lambda,
          params.effective_solution_limit, params.lean_operators, params.seed)
    budget = None if per_job_s is None else Budget.of(params, per_job_s)
    out = {}
    if params.workers <= 1 or len(jobs) <= 1:
        for d, al, cids, init in jobs:
            out[d] = _solve_day(problem, al, cids, pt, budget, init)
        return out
    with ProcessPoolExecutor(max_workers=params.workers, mp_context=mp.get_context("fork")) as ex:
        futs = {d: ex.submit(_solve_day, problem, al, cids, pt, budget, init)
                for d, al, cids, init in jobs}
        for d, f in futs.items():
            out[d] = f.result()
    return out


def solve_by_days(
    problem: Problem, params: SolveParams, allowed: dict[str, list[str]], pre_reasons: dict,
    t0: float,
) -> Solution:
    """Days first, then routes, then one or more rounds of moving left-over tasks between days,
    then the repair phase over the whole horizon (:func:`routing.finish.build_solution`): every
    left-over task that fits any crew-day of any day cheaper than its penalty goes in."""
    day_of = _day_of(problem)
    days = sorted({c.day for c in problem.crew_days})
    crews_of = {d: [c.id for c in problem.crew_days if c.day == d] for d in days}
    chosen, overflow = assign_days(problem, allowed)
    reserve = min(5.0, 0.1 * params.time_limit_s) if params.explain else 0.5
    budget = params.time_limit_s - reserve - (time.time() - t0)
    det = params.deterministic
    rounds = 4
    phase1 = budget * 0.5
    waves = max(1, -(-len(days) // params.workers))
    per_day = None if det else max(0.5, phase1 / waves)

    def jobs_for(day_tasks: dict[date, list[str]], routes: dict[str, list[str]]):
        jobs = []
        for d, tids in day_tasks.items():
            if not tids:
                continue
            al = {tid: [c for c in allowed[tid] if day_of[c] == d] for tid in tids}
            init = {c: routes.get(c, []) for c in crews_of[d]} if routes else None
            jobs.append((d, al, crews_of[d], init))
        return jobs

    # a first plan per day by cheapest insertion (routing.repair), or the previous plan when
    # re-planning; OR-Tools then polishes each day from it
    start = initial_routes_from(problem)
    if not start:
        start = {cid: t.sequence for cid, t in first_plan(problem, allowed, chosen).items()}
        chosen = {d: [x for c in crews_of[d] for x in start.get(c, [])
                      if x in problem.task_by_id] for d in days}
    results = _route_days(problem, jobs_for(chosen, start), params, per_day)
    routes: dict[str, list[str]] = {c.id: list(start.get(c.id, [])) for c in problem.crew_days}
    hints: dict = {}
    for d, r in results.items():
        if r.objective is not None and _better(problem, r.routes, r.hints, routes, crews_of[d]):
            routes.update(r.routes)
            hints.update(r.hints)
    notes = [f"by_day: {len(days)} days, {len(overflow)} tasks without room at assignment"]
    tried: dict[str, set[date]] = {tid: set() for tid in allowed}
    for d, tids in chosen.items():
        for tid in tids:
            tried[tid].add(d)
    # the rounds share what phase 1 left of the budget (search seconds, see routing.search);
    # the wall clock only caps them at the hard ceiling
    remaining = budget - (per_day or 0.0) * waves
    ceiling = t0 + params.max_wall_factor * params.time_limit_s
    for rnd in range(rounds):
        if not det and (remaining < 1.0 or time.time() > ceiling):
            break
        routed = {tid for seq in routes.values() for tid in seq}
        left = [tid for tid in allowed if tid not in routed]
        if not left:
            break
        # spare crew time per day from the current tours
        spare = {d: 0.0 for d in days}
        for c in problem.crew_days:
            used = _tour_busy_s(problem, c.id, routes.get(c.id, []))
            spare[c.day] += max(0.0, c.shift.length_s - c.break_total_s - used)
        offers: dict[date, list[str]] = {}
        for tid in sorted(left, key=lambda x: _priority(problem, problem.task_by_id[x])):
            t = problem.task_by_id[tid]
            options = [d for d in sorted({day_of[c] for c in allowed[tid]})
                       if d not in tried[tid] and spare[d] >= t.service_duration_s]
            if not options:
                continue
            late_ok = [d for d in options if t.due_latest_s is None
                       or max(problem.crew_day_by_id[c].shift.end_s for c in crews_of[d])
                       <= t.due_latest_s]
            d = max(late_ok or options, key=lambda x: spare[x])
            offers.setdefault(d, []).append(tid)
            tried[tid].add(d)
            spare[d] -= t.service_duration_s * 1.2
        if not offers:
            break
        day_tasks = {d: [x for c in crews_of[d] for x in routes.get(c, [])
                         if x in problem.task_by_id] + tids for d, tids in offers.items()}
        waves = max(1, -(-len(day_tasks) // params.workers))
        per = None if det else max(0.5, remaining / min(2, rounds - rnd) / waves)
        remaining -= (per or 0.0) * waves
        res = _route_days(problem, jobs_for(day_tasks, routes), params, per)
        for d, r in res.items():
            if r.objective is not None and _better(problem, r.routes, r.hints, routes,
                                                   crews_of[d]):
                routes.update(r.routes)
                hints.update({c: r.hints[c] for c in r.hints})
        notes.append(f"round {rnd + 1}: offered {sum(len(v) for v in offers.values())} tasks "
                     f"to {len(offers)} days")
    objective = sum(r.objective or 0 for r in results.values())
    return build_solution(problem, routes, hints, allowed, pre_reasons, params, t0,
                          objective=objective, worker=0, status="by_day", method="by_day",
                          notes=notes)


def first_plan(problem: Problem, allowed: dict[str, list[str]],
               chosen: dict[date, list[str]] | None = None) -> dict[str, Tour]:
    """The insertion construction of a week: every task into the whole week up to
    :data:`WEEK_CONSTRUCTION_MAX_TASKS` routable tasks (:func:`routing.repair.construct_routes`),
    above that day by day after the day assignment (``chosen``, :func:`assign_days` when None)."""
    if len(allowed) <= WEEK_CONSTRUCTION_MAX_TASKS:
        return construct_routes(problem, allowed)
    if chosen is None:
        chosen, _ = assign_days(problem, allowed)
    return construct_by_days(problem, allowed, chosen)


def construct_by_days(problem: Problem, allowed: dict[str, list[str]],
                      chosen: dict[date, list[str]]) -> dict[str, Tour]:
    """Crew-day id -> tour: each day's assigned tasks inserted into that day's crew-days
    by :func:`routing.repair.insert_fitting` (cheapest feasible insertion, our checker)."""
    day_of = _day_of(problem)
    tours = locked_start(problem)
    for d, tids in chosen.items():
        day_allowed = {tid: [c for c in allowed[tid] if day_of[c] == d] for tid in tids}
        insert_fitting(problem, tours, {t: cs for t, cs in day_allowed.items() if cs})
    return tours


def polish_days(problem: Problem, allowed: dict[str, list[str]], tours: dict[str, Tour],
                params: SolveParams, search_s: float) -> tuple[dict[str, list[str]], dict, float]:
    """OR-Tools searches each day's tours from ``tours`` (days in parallel processes, each
    ``search_s`` × workers / days CPU seconds); a day's result replaces its tours only if our
    objective says it is better. -> (routes, break hints, CPU seconds the searches used per
    worker: the work the caller waited for)."""
    day_of = _day_of(problem)
    days = sorted({c.day for c in problem.crew_days})
    crews_of = {d: [c.id for c in problem.crew_days if c.day == d] for d in days}
    routes = {cid: list(t.sequence) for cid, t in tours.items()}
    jobs = []
    for d in days:
        tids = [x for c in crews_of[d] for x in routes.get(c, []) if x in problem.task_by_id]
        if not tids:
            continue
        al = {tid: [c for c in allowed[tid] if day_of[c] == d] for tid in tids}
        jobs.append((d, al, crews_of[d], {c: routes.get(c, []) for c in crews_of[d]}))
    waves = max(1, -(-len(jobs) // max(1, params.workers)))
    before = os.times()
    results = _route_days(problem, jobs, params, max(0.5, search_s / waves))
    after = os.times()
    used_s = (after.children_user + after.children_system - before.children_user
              - before.children_system) / max(1, min(params.workers, len(jobs)))
    hints: dict = {}
    for d, r in results.items():
        if r.objective is not None and _better(problem, r.routes, r.hints, routes, crews_of[d]):
            routes.update(r.routes)
            hints.update(r.hints)
    return routes, hints, used_s


def _better(problem: Problem, new_routes, new_hints, routes, crew_ids) -> bool:
    """True if the day's new routes cost less than its current ones (our objective: tour
    costs plus the penalties of the day's tasks that the new routes leave out) and our checker
    accepts them."""
    old = {c: retime_tour(problem, c, routes.get(c, [])) for c in crew_ids}
    new = {c: retime_tour(problem, c, new_routes.get(c, []), new_hints.get(c)) for c in crew_ids}
    if any(t.violations for t in new.values()):
        return False
    served_old = {x for t in old.values() for x in t.task_ids}
    served_new = {x for t in new.values() for x in t.task_ids}
    dropped = sum(task_penalty_eur(problem, problem.task_by_id[x])
                  for x in served_old - served_new)
    gained = sum(task_penalty_eur(problem, problem.task_by_id[x])
                 for x in served_new - served_old)
    old_cost = sum(tour_cost_eur(problem, t) for t in old.values())
    new_cost = sum(tour_cost_eur(problem, t) for t in new.values())
    return new_cost + dropped - gained < old_cost - 1e-6


def _tour_busy_s(problem: Problem, crew_id: str, seq: list[str]) -> float:
    """Service plus travel of a route (s), without waiting."""
    c = problem.crew_day_by_id[crew_id]
    m = problem.matrix_for(c).duration_s
    loc, busy = c.start_location, 0
    for ref in seq:
        t = problem.task_by_id.get(ref)
        r = problem.reload_by_id.get(ref)
        entry = t.entry_location if t else r.location
        busy += int(m[loc, entry]) + (t.service_duration_s if t else r.service_duration_s)
        loc = t.exit_location if t else r.location
    return busy + int(m[loc, c.end_location])


__all__ = ["assign_days", "construct_by_days", "first_plan", "polish_days", "solve_by_days",
           "task_penalty_eur"]
