"""One test (or two) per OR-Tools constraint function on tiny instances with a known optimum.

Where it shows the constraint's effect, the same instance is also solved with that constraint
switched off (``skip``) and the optimum changes.
"""

from __future__ import annotations

from datetime import timedelta

from routing_factory import AXIS, MONDAY, crew, h, lunch, problem, task

from routing.checker import retime_tour
from routing.explain import precheck
from routing.params import SolveParams
from routing.problem import PreviousPlan, ReloadPoint, TimeWindow, Weights
from routing.solve import SearchConfig, run_search, solve
from routing.timeaxis import NoiseClass

FAST = SolveParams(time_limit_s=5, solution_limit=30, workers=1, deterministic=True)
CFG = SearchConfig(0, "PARALLEL_CHEAPEST_INSERTION", "GUIDED_LOCAL_SEARCH")


def routes(p, skip=()):
    """Routes of a deterministic single-worker search, optionally without some constraints."""
    allowed, _ = precheck(p)
    return run_search(p, allowed, CFG, None, 30, skip=tuple(skip)).routes


LINE = [(0, 0), (1000, 0), (2000, 0), (3000, 0), (0, 2000)]


def test_time_windows_reorder_stops():
    """A site window forces the far stop first; without windows the near stop comes first."""
    tasks = [
        task("near", 1, 20, time_windows=(TimeWindow(h(9), h(10)),)),
        task("far", 2, 20, time_windows=(TimeWindow(h(7), h(8)),)),
    ]
    p = problem(LINE, tasks, [crew("c1")], weights=Weights(balance_eur_per_hour=0))
    assert routes(p)["c1"] == ["far", "near"]
    sol = solve(p, FAST)
    near = next(s for s in sol.tour("c1").stops if s.ref == "near")
    assert near.start_s == h(9)
    assert not sol.violations


def test_service_time_delays_next_arrival():
    """Arrival at the next stop = end of the previous service (incl. its duration) + travel."""
    tasks = [task("a", 1, 90, time_windows=(TimeWindow(h(7), h(8 + 40 / 60)),)), task("b", 2, 10)]
    p = problem(LINE, tasks, [crew("c1")])
    tour = solve(p, FAST).tour("c1")
    a, b = tour.stops
    assert (a.ref, b.ref) == ("a", "b")
    assert a.end_s - a.start_s == 90 * 60
    assert b.arrival_s == a.end_s + 100  # 1000 m at 10 m/s


def test_service_time_forces_second_crew():
    """Two 5-hour jobs in an 8-hour shift need two crews; without service times one would do."""
    tasks = [task("a", 1, 300), task("b", 2, 300)]
    p = problem(LINE, tasks, [crew("c1"), crew("c2")], weights=Weights(balance_eur_per_hour=0))
    r = solve(p, FAST).routes()
    assert sorted(len(seq) for seq in r.values()) == [1, 1]
    sk = routes(p, skip=["add_time_windows", "add_shifts"])
    assert sorted(len(seq) for seq in sk.values()) == [0, 2]


def test_shift_start_and_overtime():
    """Tours start at shift start; work beyond the shift end is allowed up to max overtime and
    shows as overtime."""
    tasks = [task("long", 1, 8 * 60)]
    p = problem(LINE, tasks, [crew("c1", end=15, max_overtime_s=3600, breaks=[lunch()])])
    sol = solve(p, FAST)
    tour = sol.tour("c1")
    assert tour.start_s == h(7)
    assert tour.kpis.overtime_s == tour.end_s - h(15) > 0
    assert not sol.unassigned and not sol.violations


def test_noise_rules_mower_not_before_seven():
    """A mower at a noise-sensitive site starts at 07:00 even if the shift starts at 06:00."""
    t = task("mow", 1, 60, noise_class=NoiseClass.MOWER, noise_sensitive=True)
    p = problem(LINE, [t], [crew("c1", start=6)])
    stop = solve(p, FAST).tour("c1").stops[0]
    assert stop.start_s == h(7)
    quiet = problem(LINE, [task("mow", 1, 60)], [crew("c1", start=6)])
    assert solve(quiet, FAST).tour("c1").stops[0].start_s == h(6) + 100


def test_noise_rules_brush_cutter_and_sunday():
    """Brush cutters wait until 09:00; a Sunday crew-day may not mow noise-sensitive sites."""
    cut = task("cut", 1, 60, noise_class=NoiseClass.BRUSH_CUTTER, noise_sensitive=True)
    p = problem(LINE, [cut], [crew("c1")])
    assert solve(p, FAST).tour("c1").stops[0].start_s == h(9)
    sunday = crew("sun", day_offset=6, day_type="sunday")
    mow = task("mow", 1, 60, noise_class=NoiseClass.MOWER, noise_sensitive=True)
    p2 = problem(LINE, [mow], [sunday, crew("mon")])
    assert solve(p2, FAST).assignment()["mow"][0] == "mon"


def test_fixed_break_not_inside_short_service():
    """A 20-min job whose window opens 11:50 waits for the 12:00 lunch and starts at 12:30."""
    t = task("short", 1, 20, time_windows=(TimeWindow(h(11 + 50 / 60), h(13)),))
    p = problem(LINE, [t], [crew("c1", breaks=[lunch()])])
    sol = solve(p, FAST)
    tour = sol.tour("c1")
    job = next(s for s in tour.stops if s.ref == "short")
    brk = next(s for s in tour.stops if s.kind == "break")
    assert brk.start_s == h(12) and job.start_s == h(12.5)
    assert not sol.violations


def test_long_service_may_span_break():
    """A 90-min job in window 11:00-13:30 fits only if lunch interrupts it (zero visit transit)."""
    t = task("long", 1, 90, time_windows=(TimeWindow(h(11), h(13.5)),))
    p = problem(LINE, [t], [crew("c1", breaks=[lunch()])])
    sol = solve(p, FAST)
    assert not sol.unassigned and not sol.violations
    tour = sol.tour("c1")
    job = next(s for s in tour.stops if s.ref == "long")
    brk = next(s for s in tour.stops if s.kind == "break")
    assert brk.inside_service and job.start_s < brk.start_s < job.end_s
    assert job.end_s - job.start_s == 120 * 60
    short = problem(LINE, [t], [crew("c1", breaks=[lunch()])],
                    weights=Weights(break_split_min_service_s=10**6))
    assert [u.task_id for u in solve(short, FAST).unassigned] == ["long"]


def test_allowed_vehicles_equipment():
    """Only the crew-day with the aerial lift gets the tree job, although the other is nearer."""
    t = task("tree", 1, 30, required_equipment={"aerial_lift"})
    far = crew("lift", equipment={"aerial_lift"}, cost_per_km_eur=5.0)
    p = problem(LINE, [t], [crew("near"), far])
    assert solve(p, FAST).assignment()["tree"][0] == "lift"
    assert routes(p, skip=["add_allowed_vehicles"])["near"] == ["tree"]


def test_capacity_with_reload_visit():
    """2 m³ truck, three 1 m³ jobs: one trip to the green-waste yard (open from 09:00)."""
    yard = ReloadPoint("yard", 4, {"green_waste_m3"}, opening=(TimeWindow(h(9), h(16)),),
                       service_duration_s=600)
    tasks = [task(f"t{i}", i, 20, loads={"green_waste_m3": 1.0}) for i in (1, 2, 3)]
    p = problem(LINE, tasks, [crew("c1", capacity={"green_waste_m3": 2.0})],
                reload_points=(yard,))
    sol = solve(p, FAST)
    tour = sol.tour("c1")
    assert not sol.unassigned and not sol.violations
    assert tour.kpis.n_reloads == 1
    reload = next(s for s in tour.stops if s.kind == "reload")
    assert reload.start_s >= h(9)
    assert max(s.loads["green_waste_m3"] for s in tour.stops if s.loads) <= 2.0
    no_yard = problem(LINE, tasks, [crew("c1", capacity={"green_waste_m3": 2.0})])
    assert len(solve(no_yard, FAST).unassigned) == 1


def test_optional_task_penalty_by_urgency():
    """A far job of low urgency is left out (insertion dearer than its penalty); urgent: done."""
    far_pts = [(0, 0), (60_000, 0)]
    cheap = task("far", 1, 30, urgency=0.01)
    p = problem(far_pts, [cheap], [crew("c1", cost_per_km_eur=1.0)])
    sol = solve(p, FAST)
    assert sol.unassigned[0].reasons[0].code == "insertion_too_costly"
    urgent = task("far", 1, 30, urgency=1.0)
    p2 = problem(far_pts, [urgent], [crew("c1", cost_per_km_eur=1.0)])
    assert solve(p2, FAST).assignment()["far"][0] == "c1"


def test_not_yet_due_task_fills_idle_crew():
    """A task due next week is done now when a crew is idle nearby (small prize > detour)."""
    next_week = AXIS.at(MONDAY + timedelta(days=7), 0)
    t = task("later", 1, 30, due_earliest_s=next_week, due_latest_s=next_week + 86400 * 5)
    p = problem(LINE, [t], [crew("c1")])
    assert solve(p, FAST).assignment()["later"][0] == "c1"
    far = problem([(0, 0), (90_000, 0)], [task("later", 1, 30, due_earliest_s=next_week)],
                  [crew("c1", cost_per_km_eur=1.0)])
    assert solve(far, FAST).unassigned[0].reasons[0].code == "not_due_yet"


def test_lateness_prefers_due_day():
    """A job due Monday goes to Monday's crew; the other (due Friday) takes Tuesday."""
    mon_end = AXIS.day_end_s(MONDAY)
    tasks = [task("due_mon", 1, 300, due_latest_s=mon_end),
             task("due_fri", 2, 300, due_latest_s=mon_end + 4 * 86400)]
    p = problem(LINE, tasks, [crew("mon"), crew("tue", day_offset=1)],
                weights=Weights(balance_eur_per_hour=0))
    a = solve(p, FAST).assignment()
    assert a["due_mon"][0] == "mon" and a["due_fri"][0] == "tue"


def test_locked_crew_day_and_fixed_prefix():
    """A locked job stays on its crew-day; a locked prefix keeps its (non-optimal) order."""
    tasks = [task("a", 1, 20, locked_crew_day="c2"), task("b", 3, 20)]
    p = problem(LINE, tasks, [crew("c1"), crew("c2", cost_per_km_eur=3.0)])
    assert solve(p, FAST).assignment()["a"][0] == "c2"
    prefix = [task("x", 3, 20, locked_crew_day="c1", locked_position=0),
              task("y", 1, 20, locked_crew_day="c1", locked_position=1), task("z", 2, 20)]
    p2 = problem(LINE, prefix, [crew("c1")])
    assert solve(p2, FAST).tour("c1").task_ids[:2] == ["x", "y"]
    assert routes(p2, skip=["add_locks"])["c1"][:2] != ["x", "y"]


def test_balanced_workload_splits_equal_jobs():
    """Four equal jobs at one site go 2 + 2 to two crews; without balancing one crew takes all."""
    tasks = [task(f"t{i}", 1, 60) for i in range(4)]
    p = problem(LINE, tasks, [crew("c1"), crew("c2")])
    assert sorted(len(s) for s in routes(p).values()) == [2, 2]
    assert sorted(len(s) for s in routes(p, skip=["add_balanced_workload"]).values()) == [0, 4]


def test_stability_keeps_previous_crew_day():
    """With a previous plan the job stays on c2 although c1 is slightly cheaper."""
    t = task("a", 1, 30)
    crews = [crew("c1"), crew("c2", cost_per_km_eur=0.6)]
    assert solve(problem(LINE, [t], crews), FAST).assignment()["a"][0] == "c1"
    p = problem(LINE, [t], crews, previous_plan=PreviousPlan({"a": ("c2", 0)}))
    assert solve(p, FAST).assignment()["a"][0] == "c2"
    assert routes(p, skip=["add_stability_cost"])["c1"] == ["a"]


def test_travel_cost_picks_short_tour():
    """The cheaper of two orders is chosen (depot-1-2-3 along the line, not zig-zag)."""
    tasks = [task(f"t{i}", i, 10) for i in (2, 1, 3)]
    p = problem(LINE, tasks, [crew("c1")])
    tour = solve(p, FAST).tour("c1")
    assert tour.task_ids in (["t1", "t2", "t3"], ["t3", "t2", "t1"])
    assert tour.kpis.distance_m == 6000
    assert retime_tour(p, "c1", ["t2", "t1", "t3"]).kpis.distance_m == 8000
