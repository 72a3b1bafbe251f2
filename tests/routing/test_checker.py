"""The independent checker finds each kind of violation; retime_tour re-times manual edits."""

from __future__ import annotations

from dataclasses import replace

from routing_factory import LINE_POINTS, crew, h, lunch, problem, task

from routing.checker import check_arbzg, check_tour, retime_tour
from routing.problem import Break, ReloadPoint, TimeWindow
from routing.solution import Stop, StopKind, Tour, TourKpis
from routing.timeaxis import NoiseClass


def codes(violations):
    return sorted({v.code for v in violations})


def test_retime_feasible_tour_has_no_violations():
    """Re-timing a sensible order gives earliest times and no violations."""
    p = problem(LINE_POINTS, [task("a", 1, 30), task("b", 2, 30)], [crew("c1")])
    tour = retime_tour(p, "c1", ["a", "b"])
    assert tour.violations == ()
    a, b = tour.stops
    assert (a.arrival_s, a.start_s, a.end_s) == (h(7) + 100, h(7) + 100, h(7) + 100 + 1800)
    assert b.arrival_s == a.end_s + 100
    assert tour.end_s == b.end_s + 200
    assert tour.kpis.distance_m == 4000 and tour.kpis.work_s == 3600


def test_retime_warns_in_planner_language_when_past_shift_end():
    """Dragging a 2-hour job onto a full day warns: ends N minutes past the shift (DE and EN)."""
    tasks = [task("a", 1, 6 * 60), task("b", 2, 120)]
    p = problem(LINE_POINTS, tasks, [crew("c1", end=15)])
    tour = retime_tour(p, "c1", ["a", "b"])
    (v,) = [v for v in tour.violations if v.code == "shift_end_violated"]
    assert v.params["minutes"] == round((tour.end_s - h(15)) / 60) > 0
    assert "Minuten nach Schichtende" in v.message_de
    assert "minutes after the shift" in v.message_en


def test_window_violation_detected():
    """A stop started outside its site window is reported."""
    t = task("a", 1, 30, time_windows=(TimeWindow(h(9), h(10)),))
    p = problem(LINE_POINTS, [t], [crew("c1")])
    tour = retime_tour(p, "c1", ["a"])
    assert tour.violations == ()
    moved = replace(tour.stops[0], start_s=h(10), end_s=h(10.5))
    bad = replace(tour, stops=(moved,), end_s=h(10.5) + 100)
    assert "window_violated" in codes(check_tour(p, bad))


def test_timing_inconsistent_with_travel_time():
    """Arriving sooner than the road allows is reported."""
    p = problem(LINE_POINTS, [task("a", 3, 30)], [crew("c1")])
    tour = retime_tour(p, "c1", ["a"])
    s = tour.stops[0]
    fast = replace(s, arrival_s=s.arrival_s - 200, start_s=s.start_s - 200, end_s=s.end_s - 200)
    assert "timing_inconsistent" in codes(check_tour(p, replace(tour, stops=(fast,))))


def test_break_missed_and_overlap():
    """A fixed lunch break that is skipped or overlapped by a short service is reported."""
    p = problem(LINE_POINTS, [task("a", 1, 30), task("b", 2, 300)],
                [crew("c1", breaks=[lunch()])])
    good = retime_tour(p, "c1", ["a", "b"])
    assert good.violations == ()
    no_break = replace(good, stops=tuple(s for s in good.stops if s.kind != StopKind.BREAK))
    assert "break_missed" in codes(check_tour(p, no_break))


def test_long_service_split_by_break_is_fine_short_is_not():
    """A 5-hour job may contain the lunch break; a 30-min job may not."""
    p = problem(LINE_POINTS, [task("long", 1, 300)], [crew("c1", breaks=[lunch()])])
    tour = retime_tour(p, "c1", ["long"])
    assert tour.violations == ()
    assert any(s.inside_service for s in tour.stops)
    p2 = problem(LINE_POINTS, [task("short", 1, 30)], [crew("c1", breaks=[lunch()])])
    t2 = retime_tour(p2, "c1", ["short"])
    fake = Stop(StopKind.BREAK, "break:0", h(12), h(12), h(12.5), inside_service=True)
    job = Stop(StopKind.TASK, "short", h(11.75), h(11.75), h(12.75), 1, 1)
    bad = replace(t2, stops=(job, fake), end_s=h(12.75) + 100)
    assert "break_overlap" in codes(check_tour(p2, bad))


def test_arbzg_needs_45_min_beyond_nine_hours():
    """9.5 h of work with only a 30-min break breaks ArbZG §4; a further 15-min break fixes it."""
    stops30 = (Stop(StopKind.BREAK, "break:0", h(12), h(12), h(12.5)),)
    tour = Tour("c1", stops30, h(6), h(16), TourKpis())
    assert codes(check_arbzg(tour)) == ["arbzg_total"]
    stops45 = (Stop(StopKind.BREAK, "break:0", h(9), h(9), h(9.25)),) + stops30
    assert check_arbzg(Tour("c1", stops45, h(6), h(16), TourKpis())) == []


def test_arbzg_more_than_six_hours_without_break():
    """6.5 h at a stretch before the first break is reported even if total breaks suffice."""
    stops = (Stop(StopKind.BREAK, "break:0", h(12.5), h(12.5), h(13.25)),)
    assert codes(check_arbzg(Tour("c1", stops, h(6), h(15), TourKpis()))) == ["arbzg_stretch"]


def test_capacity_exceeded_without_reload_and_fine_with_it():
    """Three 1 m³ jobs overload a 2 m³ truck unless it unloads at the yard in between."""
    yard = ReloadPoint("yard", 4, {"green_waste_m3"})
    tasks = [task(f"t{i}", i, 20, loads={"green_waste_m3": 1.0}) for i in (1, 2, 3)]
    p = problem(LINE_POINTS, tasks, [crew("c1", capacity={"green_waste_m3": 2.0})],
                reload_points=(yard,))
    assert "capacity_exceeded" in codes(retime_tour(p, "c1", ["t1", "t2", "t3"]).violations)
    assert retime_tour(p, "c1", ["t1", "t2", "yard", "t3"]).violations == ()


def test_equipment_and_lock_violations():
    """A job on a crew-day without its equipment, or away from its lock, is reported."""
    tasks = [task("lift", 1, 30, required_equipment={"aerial_lift"}),
             task("locked", 2, 30, locked_crew_day="c2")]
    p = problem(LINE_POINTS, tasks, [crew("c1"), crew("c2")])
    found = codes(retime_tour(p, "c1", ["lift", "locked"]).violations)
    assert "not_qualified" in found and "lock_broken" in found


def test_fixed_prefix_order_checked():
    """Swapping a locked prefix is reported as a broken lock."""
    tasks = [task("x", 1, 20, locked_crew_day="c1", locked_position=0),
             task("y", 2, 20, locked_crew_day="c1", locked_position=1)]
    p = problem(LINE_POINTS, tasks, [crew("c1")])
    assert retime_tour(p, "c1", ["x", "y"]).violations == ()
    assert "lock_broken" in codes(retime_tour(p, "c1", ["y", "x"]).violations)


def test_noise_violation_on_sunday_and_early_morning():
    """A mower at a noise-sensitive site at 06:00, or on a Sunday, is reported."""
    mow = task("mow", 1, 30, noise_class=NoiseClass.MOWER, noise_sensitive=True)
    p = problem(LINE_POINTS, [mow], [crew("early", start=6), crew("sun", day_offset=6,
                                                                  day_type="sunday")])
    t = retime_tour(p, "early", ["mow"])
    assert t.stops[0].start_s == h(7) and t.violations == ()
    early = replace(t.stops[0], start_s=h(6) + 100, end_s=h(6.5) + 100)
    assert "noise_violated" in codes(check_tour(p, replace(t, stops=(early,))))
    assert "noise_violated" in codes(retime_tour(p, "sun", ["mow"]).violations)


def test_unknown_stop_reported():
    """An id that is neither a task nor a reload point is reported, not ignored."""
    p = problem(LINE_POINTS, [task("a", 1, 30)], [crew("c1")])
    assert "unknown_stop" in codes(retime_tour(p, "c1", ["a", "nope"]).violations)


def test_breaks_with_flexible_window_taken_while_driving():
    """A break whose window opens during travel is taken on the way, not after arrival."""
    brk = Break(h(7) + 50, h(8), 900, "Frühstück")
    p = problem(LINE_POINTS, [task("a", 3, 30)], [crew("c1", breaks=[brk])])
    tour = retime_tour(p, "c1", ["a"])
    b, a = tour.stops
    assert b.kind == StopKind.BREAK and b.start_s == h(7) + 50
    assert a.arrival_s == h(7) + 300 + 900 and tour.violations == ()


def test_arbzg_cap_from_fixed_breaks():
    """Breaks 09:00 (15 min) + 12:00 (30 min) allow a full 06:30-15:30 day; none cap it at 6 h."""
    from routing.checker import arbzg_latest_end_s

    full = crew("c1", start=6.5, end=15.5,
                breaks=[Break(h(9), h(9), 900, "Frühstück"), lunch()])
    assert arbzg_latest_end_s(full) == h(15.5)
    assert arbzg_latest_end_s(crew("c2", start=7, end=15)) == h(13)
    only_breakfast = crew("c3", start=6.5, end=15.5, breaks=[Break(h(9), h(9), 900)])
    assert arbzg_latest_end_s(only_breakfast) == h(12.75)  # 6 h work + 15 min break
