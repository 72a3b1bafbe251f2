"""A first plan from VROOM (pyvroom), mapped from our Problem; OR-Tools then polishes it.

VROOM (``VROOM-Project/vroom``, C++, BSD-2) builds a complete plan for a week of a town in a
second or two. The mapping keeps what VROOM can express and is stricter where it cannot follow:

* one node per task (its entry) and per depot; the travel matrices go from each node's *exit*
  to the next node's entry, so a hedge cut from one end to the other costs what it costs;
* who may do what: one VROOM skill per distinct set of allowed crew-days;
* time windows: the task's start domains on its allowed crew-days (task windows, shifts, noise
  rules); with ``hard_due=True`` also no start after ``due_latest_s`` (due days as hard limits);
* vehicles: the crew-day's shift up to its ArbZG-safe latest end
  (:func:`routing.checker.arbzg_latest_end_s`), its fixed breaks (VROOM never splits a service
  for a break: stricter than our model), its load capacities (no reload trips: stricter), its
  costs per hour and per km (cents);
* priority: due tasks by urgency, locked tasks highest; tasks not yet due have priority 0.

The routes come back as stop orders; :func:`routing.checker.retime_tour` re-times them and the
caller verifies them (tasks the checker refuses are dropped from the end of the tour and left to
the repair phase).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import numpy as np
import vroom

from routing.checker import arbzg_latest_end_s
from routing.constraints import LOAD_SCALE
from routing.constraints import _merge as merge_intervals
from routing.problem import UNREACHABLE_S, Problem
from routing.repair import feasible_tours

#: VROOM's durations and costs are unsigned 32-bit integers
_MAX_U32 = 2**32 - 1


def vroom_routes(
    problem: Problem,
    allowed: Mapping[str, list[str]],
    exploration: int = 5,
    threads: int = 2,
    hard_due: bool = True,
    timeout_s: float | None = None,
) -> dict[str, list[str]]:
    """Crew-day id -> task ids in VROOM's order (crew-days VROOM leaves empty map to []).
    ``timeout_s``: VROOM's own time limit (None: it runs its exploration level to the end)."""
    crews = list(problem.crew_days)
    depots = sorted({c.start_location for c in crews} | {c.end_location for c in crews})
    node_entry = list(depots)
    node_exit = list(depots)
    depot_node = {loc: i for i, loc in enumerate(depots)}
    task_ids = [tid for tid in allowed if allowed[tid]]
    task_node = {}
    for tid in task_ids:
        t = problem.task_by_id[tid]
        task_node[tid] = len(node_entry)
        node_entry.append(t.entry_location)
        node_exit.append(t.exit_location)
    ent, ext = np.array(node_entry), np.array(node_exit)
    inp = vroom.Input()
    for profile in sorted({c.profile for c in crews}):
        m = problem.matrices[profile]
        dur = m.duration_s[np.ix_(ext, ent)].astype(np.int64)
        dist = m.distance_m[np.ix_(ext, ent)].astype(np.int64)
        dur = np.where(dur >= UNREACHABLE_S, UNREACHABLE_S, dur)
        np.fill_diagonal(dur, 0)
        np.fill_diagonal(dist, 0)
        inp.set_durations_matrix(profile, np.minimum(dur, _MAX_U32).astype(np.uint32))
        inp.set_distances_matrix(profile, np.minimum(dist, _MAX_U32).astype(np.uint32))
    kinds = sorted({k for tid in task_ids for k, a in problem.task_by_id[tid].loads.items() if a})
    skill_of: dict[frozenset[str], int] = {}
    for tid in task_ids:
        skill_of.setdefault(frozenset(allowed[tid]), len(skill_of) + 1)
    for v, c in enumerate(crews):
        end = c.latest_end_s
        if problem.labour_rules:
            end = max(c.shift.start_s, min(end, arbzg_latest_end_s(c)))
        breaks = [vroom.Break(i + 1, time_windows=[vroom.TimeWindow(b.earliest_start_s,
                                                                           b.latest_start_s)],
                                     service=b.duration_s)
                  for i, b in enumerate(c.breaks)]
        inp.add_vehicle(vroom.Vehicle(
            v + 1, start=depot_node[c.start_location], end=depot_node[c.end_location],
            profile=c.profile,
            capacity=[int(round(c.capacity.get(k, 0.0) * LOAD_SCALE)) for k in kinds],
            skills={s for cds, s in skill_of.items() if c.id in cds},
            time_window=vroom.TimeWindow(c.shift.start_s, end), breaks=breaks,
            costs=vroom.VehicleCosts(per_hour=int(round(c.cost_per_hour_eur * 100)),
                                     per_km=int(round(c.cost_per_km_eur * 100)))))
    jobs = []
    for j, tid in enumerate(task_ids):
        t = problem.task_by_id[tid]
        domains = []
        for cid in allowed[tid]:
            domains.extend(problem.start_domains(t, problem.crew_day_by_id[cid]))
        if hard_due and t.due_latest_s is not None and problem.is_due_in_horizon(t) and \
                t.due_latest_s < problem.horizon_end_s:
            domains = [(a, min(b, t.due_latest_s)) for a, b in domains if a <= t.due_latest_s]
        if not domains:
            continue
        if t.locked_crew_day is not None:
            priority = 100
        elif problem.is_due_in_horizon(t):
            priority = int(min(99, max(1, round(10 * t.urgency))))
        else:
            priority = 0
        jobs.append(vroom.Job(
            j + 1, location=task_node[tid], default_service=t.service_duration_s,
            pickup=[int(round(abs(t.loads.get(k, 0.0)) * LOAD_SCALE)) for k in kinds],
            skills={skill_of[frozenset(allowed[tid])]}, priority=priority,
            time_windows=[vroom.TimeWindow(a, b) for a, b in merge_intervals(domains)]))
    routes: dict[str, list[str]] = {c.id: [] for c in crews}
    if not jobs:
        return routes
    inp.add_job(jobs)
    sol = inp.solve(exploration_level=exploration, nb_threads=threads,
                    timeout=None if timeout_s is None else timedelta(seconds=timeout_s))
    frame = sol.routes
    for row in frame[frame["type"] == "job"].itertuples():
        routes[crews[int(row.vehicle_id) - 1].id].append(task_ids[int(row.id) - 1])
    return routes


__all__ = ["feasible_tours", "vroom_routes"]
