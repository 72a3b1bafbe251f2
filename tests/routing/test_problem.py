"""The problem model validates itself; the time axis handles DST days and public holidays."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from routing_factory import LINE_POINTS, crew, h, matrix, task

from routing.problem import (
    Break,
    CrewDay,
    Problem,
    ProblemError,
    Task,
    TimeWindow,
    TravelMatrix,
)
from routing.timeaxis import DayType, NoiseClass, TimeAxis, noise_allowed_windows


def make(tasks, crews=None, **kw):
    return Problem(tuple(tasks), tuple(crews or [crew("c1")]), {"default": matrix(LINE_POINTS)},
                   **kw)


def test_valid_problem_builds_and_looks_up():
    """A small valid problem builds; ids are looked up; allowed crew-days are computed."""
    p = make([task("a", 1, 30, required_equipment={"mower"})],
             [crew("c1"), crew("c2", equipment={"mower"})])
    assert p.task_by_id["a"].exit_location == 1
    assert p.allowed_crew_day_ids(p.task_by_id["a"]) == ["c2"]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: make([task("a", 1), task("a", 2)]), "duplicate task id 'a'"),
        (lambda: make([task("a", 99)]), "task 'a': location 99 outside the matrix"),
        (lambda: TimeWindow(10, 5), "ends before it starts"),
        (lambda: Task("a", 1, -5), "service_duration_s must be an integer >= 0"),
        (lambda: Task("a", 1, 60, urgency=-1), "urgency must be >= 0"),
        (lambda: Task("a", 1, 60, locked_position=0), "a locked position needs a locked crew-day"),
        (lambda: make([task("a", 1, locked_crew_day="zz")]), "locked to unknown crew-day 'zz'"),
        (lambda: make([task("a", 1, locked_crew_day="c1", locked_position=1)]),
         "locked positions [1] must be 0..k-1"),
        (lambda: make([task("a", 1)], [crew("c1", profile="tractor")]),
         "no travel matrix for speed profile 'tractor'"),
        (lambda: Break(h(12), h(11), 1800, "Mittag"), "latest start"),
        (lambda: crew("c1", breaks=[Break(h(16), h(16), 1800)]), "lies outside the shift"),
        (lambda: TravelMatrix(np.zeros((2, 3), dtype=int), np.zeros((2, 3), dtype=int)),
         "must be square"),
        (lambda: TravelMatrix(np.zeros((2, 2)), np.zeros((2, 2))), "must hold integers"),
        (lambda: Task("a", 1, 60, due_earliest_s=100, due_latest_s=50), "due window ends"),
    ],
)
def test_bad_input_is_refused_with_a_precise_message(build, message):
    """Malformed input raises ProblemError naming the object and field."""
    with pytest.raises(ProblemError, match=None) as err:
        build()
    assert message in str(err.value)


def test_noise_task_needs_time_axis():
    """Noise rules without a time axis are refused (the rule is local wall-clock time)."""
    t = Task("m", 1, 60, noise_class=NoiseClass.MOWER, noise_sensitive=True)
    with pytest.raises(ProblemError, match="need a time axis"):
        make([t])


def test_dst_spring_day_has_23_hours_and_local_seven_oclock():
    """29 March 2026 (DST starts) is 23 h long; 07:00 local is 6 h after midnight on the axis."""
    axis = TimeAxis(date(2026, 3, 23))
    sunday = date(2026, 3, 29)
    assert axis.day_length_s(sunday) == 23 * 3600
    assert axis.at(sunday, 7) - axis.day_start_s(sunday) == 6 * 3600
    monday = date(2026, 3, 30)
    assert axis.at(monday, 7) - axis.at(date(2026, 3, 27), 7) == 3 * 86400 - 3600
    assert axis.to_datetime(axis.at(monday, 7)).hour == 7


def test_dst_autumn_day_has_25_hours():
    """25 October 2026 (DST ends) is 25 h long; 20:00 local is 21 h after midnight."""
    axis = TimeAxis(date(2026, 10, 19))
    sunday = date(2026, 10, 25)
    assert axis.day_length_s(sunday) == 25 * 3600
    assert axis.at(sunday, 20) - axis.day_start_s(sunday) == 21 * 3600


def test_public_holidays_per_land():
    """Corpus Christi 2026 (4 June) is a holiday in Bavaria but not in Berlin; Sunday is Sunday."""
    assert TimeAxis(date(2026, 6, 1), land="BY").day_type(date(2026, 6, 4)) == DayType.HOLIDAY
    assert TimeAxis(date(2026, 6, 1), land="BE").day_type(date(2026, 6, 4)) == DayType.WORKDAY
    assert TimeAxis(date(2026, 6, 1)).day_type(date(2026, 6, 7)) == DayType.SUNDAY
    assert TimeAxis(date(2026, 6, 1)).day_type(date(2026, 6, 6)) == DayType.WORKDAY


def test_noise_windows_follow_local_time_on_dst_monday():
    """After the spring change, the mower window is 07:00-20:00 local on the axis."""
    axis = TimeAxis(date(2026, 3, 23))
    monday = date(2026, 3, 30)
    (start, end), = noise_allowed_windows(axis, monday, NoiseClass.MOWER, True)
    assert axis.to_datetime(start).hour == 7 and axis.to_datetime(end).hour == 20
    assert noise_allowed_windows(axis, date(2026, 3, 29), NoiseClass.MOWER, True) == []
    assert noise_allowed_windows(axis, monday, NoiseClass.MOWER, False) is None
    cutter = noise_allowed_windows(axis, monday, NoiseClass.BRUSH_CUTTER, True)
    assert [axis.to_datetime(s).hour for s, _ in cutter] == [9, 15]


def test_crew_day_on_dst_day_keeps_local_shift():
    """A shift 06:30-15:30 local on the autumn DST Sunday lasts 9 h of real time."""
    axis = TimeAxis(date(2026, 10, 19))
    d = date(2026, 10, 25)
    c = CrewDay("c", d, 0, 0, TimeWindow(axis.at(d, 6, 30), axis.at(d, 15, 30)),
                day_type=axis.day_type(d))
    assert c.shift.length_s == 9 * 3600
    assert c.day_type == DayType.SUNDAY


def test_start_domains_shrink_for_breaks_in_long_services():
    """A long service's latest start leaves room for a break inside its window."""
    from routing_factory import lunch, problem

    t = task("long", 1, 90, time_windows=(TimeWindow(h(11), h(14)),))
    p = problem(LINE_POINTS, [t], [crew("c1", breaks=[lunch()])])
    (lo, hi), = p.start_domains(t, p.crew_days[0])
    assert lo == h(11) and hi == h(14) - 90 * 60 - 30 * 60
