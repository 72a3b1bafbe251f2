"""Big weeks in parts: a week above :data:`routing.assign.WEEK_CONSTRUCTION_MAX_TASKS` routable
tasks (e.g. a town five times the sample: 1 275 tasks, 150 crew-days) is split into parts of
about :data:`PART_TASKS` tasks, each with its share of every day's crew-days, and each part is
planned like a week of the sample's size (:func:`routing.solve.solve`: insertion construction,
repair phase and improvement in counted work); the parts run in parallel processes
(``SolveParams.workers``). Their tours are put together and the repair phase runs once more over
the whole week with every crew-day (:func:`routing.repair.repair`), so no task that fits any
crew-day of any part is left out, then the reasons.

**Budget.** Together the parts do :data:`WORK_FACTOR` × the budget of work per worker process
(the whole call's wall time on a quiet machine: about :data:`WORK_FACTOR` × the budget, plus the
week-wide repair and the reasons); a busy machine makes the call longer, not the plan worse
(counted work, :class:`routing.search.SolveClock`).

**Split** (:func:`split_week`): each day's crew-days are dealt in turn to the parts, ordered by
what they can do (equipment, qualifications, capacity, vehicle profile), so every part gets a
like share of mowers, hedge crews and trucks; tasks go, most urgent and earliest due first, to
the part of their locked or previous crew-day, otherwise to the part whose crew-days allowed for
them are least loaded (service hours assigned per net crew hour).
"""

from __future__ import annotations

import dataclasses
import math
import multiprocessing as mp
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from routing.assign import _priority
from routing.finish import build_solution
from routing.insertion import WORK_UNITS_PER_S
from routing.params import SolveParams
from routing.problem import Problem
from routing.repair import Effort, plan_cost_eur, repair
from routing.solution import Solution, Tour

#: tasks per part (a part is planned like a week of the sample's size)
PART_TASKS = 300
#: the parts together do this many times the budget of work per worker process
WORK_FACTOR = 2.0
#: share of the budget kept for the week-wide repair and its improvement (counted work)
WEEK_REPAIR_SHARE = 0.25


def split_week(problem: Problem, allowed: dict[str, list[str]], n_parts: int
               ) -> list[tuple[list[str], list[str]]]:
    """(crew-day ids, task ids) of each of ``n_parts`` parts (module docstring); every routable
    task (``allowed``) is in exactly one part that has a crew-day allowed for it."""
    days = sorted({c.day for c in problem.crew_days})
    part_of: dict[str, int] = {}
    for d in days:
        crews = sorted((c for c in problem.crew_days if c.day == d),
                       key=lambda c: (sorted(c.equipment), sorted(c.qualifications),
                                      sorted(c.capacity.items()), c.profile, c.id))
        for k, c in enumerate(crews):
            part_of[c.id] = k % n_parts
    net_s = {c.id: c.shift.length_s - c.break_total_s for c in problem.crew_days}
    assigned_s = [0.0] * n_parts
    tasks: list[list[str]] = [[] for _ in range(n_parts)]
    prev = problem.previous_plan.assignments if problem.previous_plan else {}
    for t in sorted((problem.task_by_id[tid] for tid in allowed),
                    key=lambda t: _priority(problem, t)):
        cids = allowed[t.id]
        if not cids:
            continue
        room: dict[int, float] = {}
        for cid in cids:
            room[part_of[cid]] = room.get(part_of[cid], 0.0) + net_s[cid]
        fixed = t.locked_crew_day or (prev[t.id][0] if t.id in prev else None)
        if fixed in part_of and part_of[fixed] in room:
            k = part_of[fixed]
        else:
            k = min(room, key=lambda p: ((assigned_s[p] + t.service_duration_s) / room[p], p))
        tasks[k].append(t.id)
        assigned_s[k] += t.service_duration_s
    crews_of: list[list[str]] = [[] for _ in range(n_parts)]
    for c in problem.crew_days:
        crews_of[part_of[c.id]].append(c.id)
    return list(zip(crews_of, tasks, strict=True))


def part_problem(problem: Problem, allowed: dict[str, list[str]], crew_ids: list[str],
                 task_ids: list[str]) -> Problem:
    """The week restricted to one part: its crew-days, its tasks (allowed crew-days narrowed to
    the part's)."""
    crews = set(crew_ids)
    tasks = tuple(dataclasses.replace(problem.task_by_id[tid], allowed_crew_days=frozenset(
        c for c in allowed[tid] if c in crews)) for tid in task_ids)
    return dataclasses.replace(problem, tasks=tasks,
                               crew_days=tuple(c for c in problem.crew_days if c.id in crews))


def solve_in_parts(problem: Problem, params: SolveParams, allowed: dict[str, list[str]],
                   pre_reasons: dict, t0: float, solve_part: Callable) -> Solution:
    """Plan a big week in parts (module docstring). ``solve_part(part, params) -> (tours,
    notes)`` plans one part (a top-level function: it runs in worker processes)."""
    n_parts = max(2, math.ceil(len(allowed) / PART_TASKS))
    workers = max(1, params.workers)
    total_s = WORK_FACTOR * params.time_limit_s * workers
    part_s = (1 - WEEK_REPAIR_SHARE) * total_s / n_parts
    sub = params.with_(time_limit_s=part_s, workers=1, explain=False)
    parts = [part_problem(problem, allowed, cids, tids)
             for cids, tids in split_week(problem, allowed, n_parts)]
    tours: dict[str, Tour] = {}
    notes = [f"in parts: {n_parts} parts of {', '.join(str(len(p.tasks)) for p in parts)} "
             f"tasks, {part_s:.1f} s of work each, {workers} in parallel"]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork")) as pool:
            results = list(pool.map(solve_part, parts, [sub] * len(parts)))
    else:
        results = [solve_part(p, sub) for p in parts]
    for k, (part_tours, part_notes) in enumerate(results):
        tours.update(part_tours)
        notes.append(f"part {k + 1}: " + "; ".join(part_notes))
    before = plan_cost_eur(problem, tours)
    units = WEEK_REPAIR_SHARE * params.time_limit_s * WORK_UNITS_PER_S
    tours = repair(problem, tours, allowed, effort=Effort(problem=problem, units=units))
    notes.append(f"week-wide repair: {before:.0f} -> {plan_cost_eur(problem, tours):.0f} EUR, "
                 f"{time.time() - t0:.1f} s wall")
    return build_solution(problem, {}, {}, allowed, pre_reasons, params, t0, status="parts",
                          method="parts", notes=notes, tours=tours)


__all__ = ["PART_TASKS", "WORK_FACTOR", "part_problem", "solve_in_parts", "split_week"]
