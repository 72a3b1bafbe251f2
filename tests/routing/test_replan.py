"""Re-planning from a state changes as little as it must."""

from __future__ import annotations

from routing_factory import crew, h, lunch, problem, task

from routing.checker import check_solution
from routing.params import SolveParams
from routing.replan import CrewState, PlanChanges, replan, replan_problem, stability_share
from routing.solve import solve

POINTS = [(0, 0)] + [(x * 800, y * 800) for x in range(-2, 3) for y in range(-2, 3)
                     if (x, y) != (0, 0)]
DET = SolveParams(deterministic=True, solution_limit=40, workers=2)


def base():
    tasks = [task(f"t{i}", i, 40 + (i * 13) % 50) for i in range(1, len(POINTS))]
    crews = [crew(f"c{k}", breaks=[lunch()]) for k in range(4)]
    p = problem(POINTS, tasks, crews)
    return p, solve(p, DET)


def test_removing_a_crew_day_keeps_most_other_assignments():
    """After one crew-day drops out, >= 80 % of the other crew-days' tasks stay where they were."""
    p, before = base()
    victim = max(before.tours, key=lambda t: len(t.task_ids)).crew_day_id
    after = replan(p, before, PlanChanges(removed_crew_days=frozenset({victim})), DET)
    assert all(t.crew_day_id != victim for t in after.tours)
    assert check_solution(replan_problem(p, before, PlanChanges(
        removed_crew_days=frozenset({victim}))), after) == []
    assert stability_share(before, after, exclude_crew_days={victim}) >= 0.8


def test_urgent_order_is_added_and_served():
    """A storm order added at high urgency is served; most other tasks stay."""
    p, before = base()
    storm = task("storm", 5, 60, urgency=10.0, required_qualifications=set())
    after = replan(p, before, PlanChanges(added_tasks=(storm,)), DET)
    assert "storm" in after.assignment()
    assert stability_share(before, after) >= 0.8


def test_done_stops_stay_as_locked_prefix():
    """Done stops and the one in progress stay first on their crew-day, in the same order."""
    p, before = base()
    tour = next(t for t in before.tours if len(t.task_ids) >= 3)
    done = frozenset(tour.task_ids[:2])
    changes = PlanChanges(done_task_ids=done, in_progress={tour.crew_day_id: tour.task_ids[2]})
    after = replan(p, before, changes, DET)
    assert after.tour(tour.crew_day_id).task_ids[:3] == tour.task_ids[:3]
    assert check_solution(replan_problem(p, before, changes), after) == []


def test_crew_state_moves_start_and_drops_done_stops():
    """With the crew's current position and time, done stops vanish and the tour starts there."""
    p, before = base()
    tour = next(t for t in before.tours if len(t.task_ids) >= 2)
    first = tour.task_ids[0]
    state = CrewState(tour.crew_day_id, p.task_by_id[first].exit_location, h(10))
    changes = PlanChanges(done_task_ids=frozenset({first}), crew_states=(state,))
    newp = replan_problem(p, before, changes)
    assert first not in newp.task_by_id
    after = replan(p, before, changes, DET)
    t = after.tour(tour.crew_day_id)
    assert t.start_s == h(10)
    assert all(s.arrival_s >= h(10) for s in t.stops)


def test_by_day_replan_keeps_assignments_on_other_days():
    """The days-first method, re-planning without one crew-day, keeps other days' tasks."""
    tasks = [task(f"t{i}", i, 50 + (i * 11) % 40) for i in range(1, len(POINTS))]
    crews = [crew(f"d{d}c{k}", day_offset=d, breaks=[lunch(d)]) for d in range(2)
             for k in range(2)]
    p = problem(POINTS, tasks, crews)
    params = SolveParams(deterministic=True, solution_limit=30, workers=2, method="by_day")
    before = solve(p, params)
    after = replan(p, before, PlanChanges(removed_crew_days=frozenset({"d1c1"})), params)
    assert after.method == "by_day"
    assert stability_share(before, after, exclude_crew_days={"d1c1"}) >= 0.8
