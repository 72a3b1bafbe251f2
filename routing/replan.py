"""Re-plan from the current state, changing as little as it must.

``replan(problem, previous, changes, params)`` turns the state of the day (stops done, the stop
in progress, where crews are now, a crew-day removed, urgent orders added) into a new problem and
solves it with the previous plan as both a warm start and a stability cost (moving a task away
from its crew-day costs ``weights.move_eur``):

* done stops stay as a locked prefix of their tour (fixed positions) — or, when the crew's current
  position and time are known (:class:`CrewState`), they are dropped and the crew-day starts from
  there instead;
* the stop in progress is locked as the first open stop of its crew-day;
* a removed crew-day disappears; its tasks are free to move (no move cost);
* added tasks are planned like any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from routing.params import SolveParams
from routing.problem import Break, CrewDay, PreviousPlan, Problem, ProblemError, Task, TimeWindow
from routing.solution import Solution
from routing.solve import solve


@dataclass(frozen=True)
class CrewState:
    """Where a crew is now (location index) and from when it is free again (s on the axis)."""

    crew_day_id: str
    location: int
    available_from_s: int


@dataclass(frozen=True)
class PlanChanges:
    """What happened since the previous plan."""

    done_task_ids: frozenset[str] = frozenset()
    in_progress: Mapping[str, str] = field(default_factory=dict)  # crew-day id -> task id
    crew_states: tuple[CrewState, ...] = ()
    removed_crew_days: frozenset[str] = frozenset()
    added_tasks: tuple[Task, ...] = ()


def replan_problem(problem: Problem, previous: Solution, changes: PlanChanges) -> Problem:
    """The problem to solve now (see module docstring)."""
    removed = frozenset(changes.removed_crew_days)
    unknown = removed - set(problem.crew_day_by_id)
    if unknown:
        raise ProblemError(f"cannot remove unknown crew-days {sorted(unknown)}")
    done = frozenset(changes.done_task_ids)
    states = {s.crew_day_id: s for s in changes.crew_states}
    crew_days: list[CrewDay] = []
    for c in problem.crew_days:
        if c.id in removed:
            continue
        s = states.get(c.id)
        if s is not None:
            start = max(c.shift.start_s, s.available_from_s)
            if start >= c.latest_end_s:
                raise ProblemError(f"crew-day {c.id!r} is free only after its shift")
            breaks = tuple(Break(max(b.earliest_start_s, start), b.latest_start_s, b.duration_s,
                                 b.name) for b in c.breaks if b.latest_start_s >= start)
            c = replace(c, start_location=s.location, breaks=breaks,
                        shift=TimeWindow(start, max(start + 1, c.shift.end_s)),
                        max_overtime_s=max(0, c.latest_end_s - max(start + 1, c.shift.end_s)))
        crew_days.append(c)
    previous_assignment = previous.assignment()
    # fixed prefixes: done stops (unless the crew's state replaces them), then the one in progress
    locks: dict[str, tuple[str, int]] = {}
    for c in crew_days:
        if c.id not in {t.crew_day_id for t in previous.tours}:
            continue
        prefix = []
        if c.id not in states:
            prefix = [tid for tid in previous.tour(c.id).task_ids if tid in done]
        current = changes.in_progress.get(c.id)
        if current is not None:
            prefix.append(current)
        for pos, tid in enumerate(prefix):
            locks[tid] = (c.id, pos)
    tasks: list[Task] = []
    for t in problem.tasks:
        if t.id in done and t.id not in locks:
            continue
        if t.id in locks:
            cid, pos = locks[t.id]
            t = replace(t, locked_crew_day=cid, locked_position=pos, allowed_crew_days=None)
        elif t.locked_crew_day in removed:
            t = replace(t, locked_crew_day=None, locked_position=None)
        if t.allowed_crew_days is not None and t.id not in locks:
            t = replace(t, allowed_crew_days=t.allowed_crew_days - removed)
        tasks.append(t)
    tasks.extend(changes.added_tasks)
    kept = {c.id for c in crew_days}
    prev = PreviousPlan({tid: a for tid, a in previous_assignment.items()
                         if a[0] in kept and tid not in done})
    return replace(problem, tasks=tuple(tasks), crew_days=tuple(crew_days), previous_plan=prev)


def replan(problem: Problem, previous: Solution, changes: PlanChanges,
           params: SolveParams | None = None) -> Solution:
    """Solve the changed problem, staying close to ``previous``."""
    return solve(replan_problem(problem, previous, changes), params)


def stability_share(previous: Solution, new: Solution, exclude_crew_days=()) -> float:
    """Share of previously planned tasks (on crew-days not excluded, still present in the new
    plan's problem) that stay on the same crew-day."""
    before = {tid: cid for tid, (cid, _) in previous.assignment().items()
              if cid not in set(exclude_crew_days)}
    after = {tid: cid for tid, (cid, _) in new.assignment().items()}
    known = set(after) | {u.task_id for u in new.unassigned}
    considered = [tid for tid in before if tid in known]
    if not considered:
        return 1.0
    return sum(1 for tid in considered if after.get(tid) == before[tid]) / len(considered)
