"""Cheapest feasible insertion of a task into the tours of a plan, verified by our checker.

The one place that answers "where would this task fit, and what would it cost?": the repair
phase (:mod:`routing.repair`), the plan audit (:mod:`routing.audit`) and the explanations of
unassigned tasks use it.

Candidates are (crew-day, position) pairs after the locked prefix. Each has an exact lower bound
of its extra cost, the driving detour at the crew-day's rates (euro); candidates are tried in
that order and every one is re-timed by :func:`routing.checker.retime_tour` (windows, breaks,
noise rules, ArbZG, loads). If the vehicle would overflow, the same position is tried with a
visit to the nearest suitable reload point just before the task. Costs are
:func:`routing.explain.tour_cost_eur` differences (drive, km, overtime, lateness) plus
``weights.move_eur`` when the previous plan had the task on another crew-day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from routing.checker import retime_tour
from routing.explain import tour_cost_eur
from routing.problem import Problem, Task
from routing.solution import Tour

#: default cap on checker calls per task and search
MAX_TRIALS = 40


@dataclass(frozen=True)
class Insertion:
    """A feasible insertion: the crew-day's new stop order, its re-timed tour and the extra
    cost in euro."""

    task_id: str
    crew_day_id: str
    sequence: tuple[str, ...]
    tour: Tour
    cost_eur: float
    with_reload: bool = False


def ref_entry(problem: Problem, ref: str) -> int:
    """Where the crew arrives for a task or reload point ref (location index)."""
    t = problem.task_by_id.get(ref)
    return t.entry_location if t is not None else problem.reload_by_id[ref].location


def ref_exit(problem: Problem, ref: str) -> int:
    """Where the crew leaves a task or reload point ref (location index)."""
    t = problem.task_by_id.get(ref)
    return t.exit_location if t is not None else problem.reload_by_id[ref].location


def locked_prefix_length(problem: Problem, crew_day_id: str) -> int:
    """Number of stops at the start of the crew-day's tour fixed by ``locked_position``."""
    return sum(1 for t in problem.tasks
               if t.locked_crew_day == crew_day_id and t.locked_position is not None)


def move_cost_eur(problem: Problem, task: Task, crew_day_id: str) -> float:
    """Stability cost of serving ``task`` on ``crew_day_id`` (previous plan elsewhere)."""
    prev = problem.previous_plan
    if prev is None or task.id not in prev.assignments:
        return 0.0
    cid = prev.assignments[task.id][0]
    if cid == crew_day_id or cid not in problem.crew_day_by_id:
        return 0.0
    return problem.weights.move_eur


def _candidates(problem: Problem, tours: Mapping[str, Tour], task: Task,
                crew_day_ids: Iterable[str]) -> list[tuple[float, str, int]]:
    """(lower-bound cost in euro, crew-day id, position) for every position that might fit."""
    out = []
    for cid in crew_day_ids:
        tour = tours[cid]
        crew = problem.crew_day_by_id[cid]
        matrix = problem.matrix_for(crew)
        dur, dist = matrix.duration_s, matrix.distance_m
        seq = tour.sequence
        exits = [crew.start_location] + [ref_exit(problem, r) for r in seq]
        entries = [ref_entry(problem, r) for r in seq] + [crew.end_location]
        rate_s = crew.cost_per_hour_eur / 3600
        rate_m = crew.cost_per_km_eur / 1000
        move = move_cost_eur(problem, task, cid)
        # waiting may absorb part of the detour, so only the tour's busy end bounds it
        last_end = tour.end_s - tour.kpis.wait_s
        for p in range(locked_prefix_length(problem, cid), len(seq) + 1):
            a, b = exits[p], entries[p]
            detour_s = int(dur[a, task.entry_location]) + int(dur[task.exit_location, b]) - \
                int(dur[a, b])
            if last_end + detour_s + task.service_duration_s > crew.latest_end_s:
                continue
            detour_m = int(dist[a, task.entry_location]) + int(dist[task.exit_location, b]) - \
                int(dist[a, b])
            lb = max(0.0, detour_s * rate_s + max(0, detour_m) * rate_m) + move
            out.append((lb, cid, p))
    out.sort(key=lambda x: (x[0], x[1], x[2]))
    return out


def _reload_for(problem: Problem, task: Task, cid: str, before: int) -> str | None:
    """Nearest reload point (from location ``before``) handling every load kind of the task."""
    kinds = {k for k, a in task.loads.items() if a}
    if not kinds:
        return None
    crew = problem.crew_day_by_id[cid]
    dur = problem.matrix_for(crew).duration_s
    points = [r for r in problem.reload_points if kinds & r.kinds]
    if not points:
        return None
    return min(points, key=lambda r: (int(dur[before, r.location]), r.id)).id


def best_insertion(
    problem: Problem,
    tours: Mapping[str, Tour],
    task_id: str,
    crew_day_ids: Iterable[str],
    max_cost_eur: float | None = None,
    max_trials: int = MAX_TRIALS,
    first_fit: bool = False,
) -> Insertion | None:
    """Cheapest insertion of ``task_id`` into one of ``crew_day_ids`` (tours as they stand)
    that our checker accepts, or None.

    ``max_cost_eur``: ignore insertions dearer than this (e.g. the task's penalty).
    ``first_fit``: stop at the first feasible insertion within ``max_cost_eur`` (enough to know
    that one exists). At most ``max_trials`` checker calls; candidates come cheapest bound first,
    so the search also stops once no remaining bound can beat the best insertion found.
    """
    task = problem.task_by_id[task_id]
    base_cost: dict[str, float] = {}
    best: Insertion | None = None
    trials = 0
    for lb, cid, p in _candidates(problem, tours, task, crew_day_ids):
        if max_cost_eur is not None and lb > max_cost_eur + 1e-9:
            break
        if best is not None and lb >= best.cost_eur - 1e-9:
            break
        if trials >= max_trials:
            break
        tour = tours[cid]
        if cid not in base_cost:
            base_cost[cid] = tour_cost_eur(problem, tour)
        seq = list(tour.sequence)
        options = [(seq[:p] + [task_id] + seq[p:], False)]
        for new_seq, reload in options:
            trials += 1
            new = retime_tour(problem, cid, new_seq)
            if new.violations:
                if not reload and any(v.code == "capacity_exceeded" for v in new.violations):
                    before = ref_exit(problem, seq[p - 1]) if p > 0 else \
                        problem.crew_day_by_id[cid].start_location
                    yard = _reload_for(problem, task, cid, before)
                    if yard is not None and (p == 0 or seq[p - 1] != yard):
                        options.append((seq[:p] + [yard, task_id] + seq[p:], True))
                continue
            cost = tour_cost_eur(problem, new) - base_cost[cid] + move_cost_eur(problem, task,
                                                                               cid)
            if max_cost_eur is not None and cost > max_cost_eur + 1e-9:
                continue
            if best is None or cost < best.cost_eur - 1e-9:
                best = Insertion(task_id, cid, tuple(new_seq), new, cost, reload)
            break
        if first_fit and best is not None:
            break
    return best


def removable_reloads(problem: Problem, tour: Tour) -> list[int]:
    """Positions (in ``tour.sequence``) of reload visits the tour stays feasible without, one at
    a time (our checker decides)."""
    seq = tour.sequence
    out = []
    for p, ref in enumerate(seq):
        if ref in problem.reload_by_id:
            trial = retime_tour(problem, tour.crew_day_id, seq[:p] + seq[p + 1:])
            if not trial.violations:
                out.append(p)
    return out


def drop_unneeded_reloads(problem: Problem, tour: Tour) -> Tour:
    """The tour without the reload visits its loads do not need (removed one by one while the
    checker still accepts the tour); unchanged if it has none."""
    while True:
        positions = removable_reloads(problem, tour)
        if not positions:
            return tour
        seq: Sequence[str] = tour.sequence
        p = positions[0]
        tour = retime_tour(problem, tour.crew_day_id, list(seq[:p]) + list(seq[p + 1:]))


__all__ = ["Insertion", "best_insertion", "drop_unneeded_reloads", "locked_prefix_length",
           "move_cost_eur", "ref_entry", "ref_exit", "removable_reloads"]
