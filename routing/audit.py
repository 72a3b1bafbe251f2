"""The plan check: what a planner would object to in a plan, as typed findings.

:func:`audit_plan` is a pure function over a :class:`~routing.problem.Problem` and a
:class:`~routing.solution.Solution`. It returns :class:`Finding` objects (a stable code, the task
and crew-day they concern, and numbers); it says nothing in words — the product words them. An
empty list is the normal case for a plan of :func:`routing.solve.solve`.

Codes (:class:`FindingCode`) and their data:

``task_left_fits``
    an unassigned task has a feasible insertion (our checker) cheaper than its penalty.
    ``crew_day_id``: where it fits best; data ``cost_eur`` (extra cost of that insertion),
    ``penalty_eur`` (cost of leaving it out), ``with_reload`` (the insertion needs a reload).
``crew_day_idle``
    a crew-day is idle (no task) or under 50 % busy (``utilisation`` < 0.5) while unassigned
    tasks would fit into it cheaper than their penalty. data ``utilisation`` (0..1), ``task_ids``
    (the fitting tasks, plan order).
``served_late_with_room``
    a task is served after its due time although an earlier crew-day could take it on time.
    ``crew_day_id``: the crew-day that serves it; data ``earlier_crew_day_id``,
    ``late_s`` (seconds after the due time).
``unneeded_reload``
    a reload (unload / refill) visit the tour stays feasible without. ``crew_day_id``; data
    ``reload_id``, ``position`` (index in the tour's stop order), ``load_before``
    (kind -> amount on board on arrival).
``lock_changed``
    a locked task is not on its crew-day, or not at its locked position. ``task_id``,
    ``crew_day_id`` (the locked crew-day); data ``locked_position`` (or None),
    ``actual_crew_day_id`` (None: unassigned), ``actual_position``.
``rule_violation``
    our checker finds a rule broken in a tour (line-up, windows, breaks, ArbZG, loads ...).
    ``crew_day_id``; data ``reason`` (the checker's reason code) and ``params``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from routing.checker import check_tour
from routing.constraints import task_penalty_eur
from routing.explain import precheck
from routing.insertion import best_insertion, removable_reloads
from routing.problem import Problem
from routing.solution import Solution, StopKind, Tour, TourKpis

#: a crew-day below this share of its net shift is "under-used"
UNDER_USED = 0.5


class FindingCode(StrEnum):
    TASK_LEFT_FITS = "task_left_fits"
    CREW_DAY_IDLE = "crew_day_idle"
    SERVED_LATE_WITH_ROOM = "served_late_with_room"
    UNNEEDED_RELOAD = "unneeded_reload"
    LOCK_CHANGED = "lock_changed"
    RULE_VIOLATION = "rule_violation"


@dataclass(frozen=True)
class Finding:
    """One objection to a plan: code, the task and crew-day it concerns, and its numbers."""

    code: FindingCode
    task_id: str | None = None
    crew_day_id: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


def audit_plan(problem: Problem, solution: Solution,
               allowed: Mapping[str, list[str]] | None = None) -> list[Finding]:
    """Every finding of the plan check, in a stable order (by code, then plan order).

    ``allowed`` (task id -> crew-day ids that may serve it) defaults to
    :func:`routing.explain.precheck` of the problem.
    """
    if allowed is None:
        allowed, _ = precheck(problem)
    tours = {t.crew_day_id: t for t in solution.tours}
    for c in problem.crew_days:
        if c.id not in tours:
            tours[c.id] = Tour(c.id, (), c.shift.start_s, c.shift.start_s, TourKpis())
    out: list[Finding] = []
    out += left_that_fits(problem, tours, allowed)
    out += idle_crew_days(problem, tours, allowed)
    out += served_late_with_room(problem, tours, allowed)
    out += unneeded_reloads(problem, tours)
    out += changed_locks(problem, tours)
    out += rule_violations(problem, tours)
    return out


def _unassigned_ids(problem: Problem, tours: Mapping[str, Tour]) -> list[str]:
    """Tasks on no tour, in problem order."""
    served = {tid for t in tours.values() for tid in t.task_ids}
    return [t.id for t in problem.tasks if t.id not in served]


def left_that_fits(problem: Problem, tours: Mapping[str, Tour],
                   allowed: Mapping[str, list[str]]) -> list[Finding]:
    """``task_left_fits`` for each unassigned task with an insertion cheaper than its penalty."""
    out = []
    for tid in _unassigned_ids(problem, tours):
        if tid not in allowed:
            continue
        penalty = task_penalty_eur(problem, problem.task_by_id[tid])
        ins = best_insertion(problem, tours, tid, allowed[tid], max_cost_eur=penalty)
        if ins is not None:
            out.append(Finding(FindingCode.TASK_LEFT_FITS, tid, ins.crew_day_id,
                               {"cost_eur": round(ins.cost_eur, 2),
                                "penalty_eur": round(penalty, 2),
                                "with_reload": ins.with_reload}))
    return out


def _utilisation(problem: Problem, tour: Tour) -> float:
    c = problem.crew_day_by_id[tour.crew_day_id]
    net = c.shift.length_s - c.break_total_s
    return (tour.kpis.work_s + tour.kpis.drive_s) / net if net > 0 else 1.0


def idle_crew_days(problem: Problem, tours: Mapping[str, Tour],
                   allowed: Mapping[str, list[str]]) -> list[Finding]:
    """``crew_day_idle`` for crew-days under 50 % with fitting unassigned work."""
    left = [tid for tid in _unassigned_ids(problem, tours) if tid in allowed]
    out = []
    for c in problem.crew_days:
        tour = tours[c.id]
        util = _utilisation(problem, tour)
        if util >= UNDER_USED:
            continue
        fitting = []
        for tid in left:
            if c.id not in allowed[tid]:
                continue
            penalty = task_penalty_eur(problem, problem.task_by_id[tid])
            if best_insertion(problem, tours, tid, [c.id], max_cost_eur=penalty,
                              first_fit=True) is not None:
                fitting.append(tid)
        if fitting:
            out.append(Finding(FindingCode.CREW_DAY_IDLE, None, c.id,
                               {"utilisation": round(util, 3), "task_ids": tuple(fitting)}))
    return out


def served_late_with_room(problem: Problem, tours: Mapping[str, Tour],
                          allowed: Mapping[str, list[str]]) -> list[Finding]:
    """``served_late_with_room`` for late tasks that an earlier crew-day could take on time."""
    out = []
    for tour in tours.values():
        for stop in tour.stops:
            task = problem.task_by_id.get(stop.ref)
            if task is None or task.due_latest_s is None or stop.start_s <= task.due_latest_s:
                continue
            if task.locked_crew_day is not None:
                continue
            earlier = [cid for cid in allowed.get(task.id, [])
                       if cid != tour.crew_day_id
                       and problem.crew_day_by_id[cid].shift.start_s <= task.due_latest_s]
            for cid in sorted(earlier, key=lambda x: problem.crew_day_by_id[x].shift.start_s):
                ins = best_insertion(problem, tours, task.id, [cid])
                if ins is None:
                    continue
                start = next(s.start_s for s in ins.tour.stops if s.ref == task.id)
                if start <= task.due_latest_s:
                    out.append(Finding(FindingCode.SERVED_LATE_WITH_ROOM, task.id,
                                       tour.crew_day_id,
                                       {"earlier_crew_day_id": cid,
                                        "late_s": int(stop.start_s - task.due_latest_s)}))
                    break
    return out


def unneeded_reloads(problem: Problem, tours: Mapping[str, Tour]) -> list[Finding]:
    """``unneeded_reload`` for reload visits the tour is feasible without."""
    out = []
    for c in problem.crew_days:
        tour = tours[c.id]
        if tour.violations or not any(r in problem.reload_by_id for r in tour.sequence):
            continue
        positions = set(removable_reloads(problem, tour))
        seq_pos = -1
        load: dict[str, float] = {}
        for stop in tour.stops:
            if stop.kind == StopKind.BREAK:
                continue
            seq_pos += 1
            if stop.kind == StopKind.RELOAD and seq_pos in positions:
                out.append(Finding(FindingCode.UNNEEDED_RELOAD, None, c.id,
                                   {"reload_id": stop.ref, "position": seq_pos,
                                    "load_before": dict(load)}))
            load = dict(stop.loads)
    return out


def changed_locks(problem: Problem, tours: Mapping[str, Tour]) -> list[Finding]:
    """``lock_changed`` for locked tasks not on their crew-day or not at their position."""
    where: dict[str, tuple[str, int]] = {}
    for tour in tours.values():
        for pos, tid in enumerate(tour.task_ids):
            where[tid] = (tour.crew_day_id, pos)
    out = []
    for t in problem.tasks:
        if t.locked_crew_day is None:
            continue
        actual = where.get(t.id)
        ok = actual is not None and actual[0] == t.locked_crew_day and (
            t.locked_position is None or actual[1] == t.locked_position)
        if not ok:
            out.append(Finding(FindingCode.LOCK_CHANGED, t.id, t.locked_crew_day,
                               {"locked_position": t.locked_position,
                                "actual_crew_day_id": actual[0] if actual else None,
                                "actual_position": actual[1] if actual else None}))
    return out


def rule_violations(problem: Problem, tours: Mapping[str, Tour]) -> list[Finding]:
    """``rule_violation`` for each rule our checker finds broken in a tour (locks excluded:
    :func:`changed_locks` reports them)."""
    out = []
    for c in problem.crew_days:
        for reason in check_tour(problem, tours[c.id]):
            if reason.code == "lock_broken":
                continue
            out.append(Finding(FindingCode.RULE_VIOLATION, None, c.id,
                               {"reason": reason.code, "params": dict(reason.params)}))
    return out


__all__ = ["Finding", "FindingCode", "audit_plan", "changed_locks", "idle_crew_days",
           "left_that_fits", "rule_violations", "served_late_with_room", "unneeded_reloads"]
