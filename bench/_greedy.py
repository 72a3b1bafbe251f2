"""Greedy baseline for the week bench: each crew takes its nearest due task.

Per day, crews take turns (the one whose current stop ends first moves next): it picks the
nearest unserved task (travel time from where it stands) that it may do on that day and that
still fits its day according to greentour's checker (windows, breaks, shift end, noise rules,
ArbZG); when the truck would overflow it first drives to the nearest green-waste yard. Tasks
due earlier are preferred only through "due" status: not-yet-due tasks are taken when no due
task fits.
"""

from __future__ import annotations

from routing.checker import retime_tour
from routing.problem import Problem
from routing.solution import Tour

MAX_TRIES = 12


def greedy_plan(problem: Problem, allowed: dict[str, list[str]]) -> dict[str, Tour]:
    """Crew-day id -> re-timed tour built greedily."""
    served: set[str] = set()
    tours: dict[str, Tour] = {}
    seqs: dict[str, list[str]] = {c.id: [] for c in problem.crew_days}
    by_crew: dict[str, list[str]] = {c.id: [] for c in problem.crew_days}
    for tid, cids in allowed.items():
        for c in cids:
            by_crew[c].append(tid)
    days = sorted({c.day for c in problem.crew_days})
    for day in days:
        crews = [c for c in problem.crew_days if c.day == day]
        active = {c.id: retime_tour(problem, c.id, []) for c in crews}
        open_crews = set(active)
        while open_crews:
            cid = min(open_crews, key=lambda x: (_last_end(active[x]), x))
            crew = problem.crew_day_by_id[cid]
            m = problem.matrix_for(crew).duration_s
            here = _position(problem, crew, seqs[cid])
            cands = [t for t in by_crew[cid] if t not in served]
            cands.sort(key=lambda t: (not problem.is_due_in_horizon(problem.task_by_id[t]),
                                      int(m[here, problem.task_by_id[t].entry_location]), t))
            placed = False
            for tid in cands[:MAX_TRIES]:
                for seq in _with_reload(problem, crew, seqs[cid], tid):
                    trial = retime_tour(problem, cid, seq)
                    if not trial.violations:
                        seqs[cid] = seq
                        active[cid] = trial
                        served.add(tid)
                        placed = True
                        break
                if placed:
                    break
            if not placed:
                open_crews.discard(cid)
        tours.update(active)
    return tours


def _last_end(tour: Tour) -> int:
    return max((s.end_s for s in tour.stops), default=tour.start_s)


def _position(problem: Problem, crew, seq: list[str]) -> int:
    if not seq:
        return crew.start_location
    ref = seq[-1]
    t = problem.task_by_id.get(ref)
    return t.exit_location if t else problem.reload_by_id[ref].location


def _with_reload(problem: Problem, crew, seq: list[str], tid: str) -> list[list[str]]:
    """The plain append, and, if the task carries a load, the append after a yard visit."""
    options = [seq + [tid]]
    task = problem.task_by_id[tid]
    if any(task.loads.values()):
        m = problem.matrix_for(crew).duration_s
        here = _position(problem, crew, seq)
        yards = sorted((r for r in problem.reload_points if r.kinds & set(task.loads)),
                       key=lambda r: int(m[here, r.location]))
        if yards:
            options.append(seq + [yards[0].id, tid])
    return options
