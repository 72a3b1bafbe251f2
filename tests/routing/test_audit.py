"""routing.audit: the plan check finds each kind of objection on tiny crafted plans."""

from __future__ import annotations

from routing_factory import LINE_POINTS, crew, h, problem, task

from routing.audit import FindingCode, audit_plan
from routing.checker import retime_tour
from routing.explain import precheck
from routing.params import SolveParams
from routing.problem import ReloadPoint
from routing.reasons import make_reason
from routing.solution import Solution, TourKpis, Unassigned
from routing.solve import solve

WASTE = "green_waste_m3"


def plan(p, routes: dict[str, list[str]]) -> Solution:
    """A Solution of exactly these stop orders (re-timed by our checker), the rest unassigned."""
    tours = tuple(retime_tour(p, c.id, routes.get(c.id, [])) for c in p.crew_days)
    served = {tid for t in tours for tid in t.task_ids}
    left = tuple(Unassigned(t.id, (make_reason("no_feasible_position"),))
                 for t in p.tasks if t.id not in served)
    return Solution(tours, left, TourKpis.total([t.kpis for t in tours], 1))


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def test_task_left_that_fits_is_found_and_a_full_day_is_not():
    """An unassigned 30-min task beside a half-empty tour is 'left that fits'; a task longer
    than the time left in every shift is not."""
    p = problem(LINE_POINTS, [task("a", 1), task("b", 2), task("long", 3, minutes=7.5 * 60)],
                [crew("c1")])
    found = audit_plan(p, plan(p, {"c1": ["a"]}))
    fits = [f for f in found if f.code == FindingCode.TASK_LEFT_FITS]
    assert [(f.task_id, f.crew_day_id) for f in fits] == [("b", "c1")]
    assert 0 < fits[0].data["cost_eur"] <= fits[0].data["penalty_eur"]
    assert fits[0].data["with_reload"] is False


def test_idle_crew_day_beside_fitting_work_and_busy_crew_not_flagged():
    """Crew c2 is idle while task b would fit it: flagged; c1 works 6 h of 8: not flagged."""
    p = problem(LINE_POINTS, [task("a", 1, minutes=6 * 60), task("b", 2)],
                [crew("c1"), crew("c2")])
    found = audit_plan(p, plan(p, {"c1": ["a"]}))
    idle = [f for f in found if f.code == FindingCode.CREW_DAY_IDLE]
    assert [f.crew_day_id for f in idle] == ["c2"]
    assert idle[0].data["task_ids"] == ("b",) and idle[0].data["utilisation"] == 0.0


def test_no_idle_finding_when_nothing_fits():
    """An idle crew-day beside work that fits nowhere is not an objection."""
    p = problem(LINE_POINTS, [task("a", 1, minutes=9 * 60)], [crew("c1"), crew("c2")])
    found = audit_plan(p, plan(p, {}))
    assert FindingCode.CREW_DAY_IDLE not in codes(found)
    assert FindingCode.TASK_LEFT_FITS not in codes(found)


def test_served_late_although_the_due_day_had_room():
    """Due Monday, served Tuesday, while Monday's crew had room: flagged with Monday's crew."""
    mon_end = h(15)
    p = problem(LINE_POINTS, [task("a", 1, due_latest_s=mon_end)],
                [crew("mon"), crew("tue", day_offset=1)])
    found = audit_plan(p, plan(p, {"tue": ["a"]}))
    late = [f for f in found if f.code == FindingCode.SERVED_LATE_WITH_ROOM]
    assert [(f.task_id, f.crew_day_id, f.data["earlier_crew_day_id"]) for f in late] == \
        [("a", "tue", "mon")]
    assert late[0].data["late_s"] > 0
    assert audit_plan(p, plan(p, {"mon": ["a"]})) == []


def test_unneeded_reload_is_found_and_a_needed_one_is_not():
    """A yard visit with 1 m³ on a 6 m³ truck is unneeded; one between two 4 m³ loads is needed."""
    yard = ReloadPoint("yard", 4, {WASTE}, service_duration_s=600)
    tasks = [task("a", 1, loads={WASTE: 4.0}), task("b", 2, loads={WASTE: 4.0}),
             task("c", 3, loads={WASTE: 1.0})]
    p = problem(LINE_POINTS, tasks, [crew("c1", capacity={WASTE: 6.0}),
                                     crew("c2", capacity={WASTE: 6.0})], reload_points=(yard,))
    found = audit_plan(p, plan(p, {"c1": ["a", "yard", "b"], "c2": ["c", "yard"]}))
    reloads = [f for f in found if f.code == FindingCode.UNNEEDED_RELOAD]
    assert [(f.crew_day_id, f.data["position"]) for f in reloads] == [("c2", 1)]
    assert reloads[0].data["load_before"] == {WASTE: 1.0}


def test_changed_lock_and_rule_violation():
    """A task locked to c1 left out is a changed lock; a task served by a crew without the
    needed machine is a rule violation naming the checker's reason."""
    tasks = [task("locked", 1, locked_crew_day="c1"),
             task("hedge", 2, required_equipment={"hedge_trimmer"})]
    p = problem(LINE_POINTS, tasks, [crew("c1"), crew("c2", equipment={"hedge_trimmer"})])
    found = audit_plan(p, plan(p, {"c1": ["hedge"]}), allowed=precheck(p)[0])
    locks = [f for f in found if f.code == FindingCode.LOCK_CHANGED]
    assert [(f.task_id, f.crew_day_id, f.data["actual_crew_day_id"]) for f in locks] == \
        [("locked", "c1", None)]
    rules = [f for f in found if f.code == FindingCode.RULE_VIOLATION]
    assert [(f.crew_day_id, f.data["reason"]) for f in rules] == [("c1", "not_qualified")]


def test_solved_plan_has_no_findings():
    """A plan of solve() on a small instance gives an empty list."""
    tasks = [task(f"t{i}", i, minutes=40) for i in range(1, 5)]
    p = problem(LINE_POINTS, tasks, [crew("c1"), crew("c2")])
    sol = solve(p, SolveParams(deterministic=True, solution_limit=20, workers=1))
    assert audit_plan(p, sol) == []
