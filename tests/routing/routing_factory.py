"""Tiny hand-made routing instances for the routing tests (no OSM needed).

Locations lie on a plane in metres; the crew drives 10 m/s (36 km/h), so travel seconds are
distance / 10. Location 0 is the depot.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from routing.problem import Break, CrewDay, Problem, Task, TimeWindow, TravelMatrix
from routing.timeaxis import TimeAxis

MONDAY = date(2026, 6, 15)
AXIS = TimeAxis(MONDAY)


def h(hours: float) -> int:
    """Seconds after midnight of the first day."""
    return int(round(hours * 3600))


def matrix(points: list[tuple[float, float]], speed_mps: float = 10.0) -> TravelMatrix:
    """Euclidean distances (m) and durations (s) between points."""
    p = np.asarray(points, dtype=float)
    d = np.sqrt(((p[:, None, :] - p[None, :, :]) ** 2).sum(-1))
    return TravelMatrix(np.rint(d / speed_mps).astype(np.int64), np.rint(d).astype(np.int64))


def crew(cid: str, day_offset: int = 0, start: float = 7, end: float = 15, breaks=(),
         **kw) -> CrewDay:
    """A crew-day on MONDAY + day_offset, depot at location 0."""
    d = date.fromordinal(MONDAY.toordinal() + day_offset)
    return CrewDay(cid, d, 0, 0, TimeWindow(AXIS.at(d, int(start), int(start % 1 * 60)),
                                            AXIS.at(d, int(end), int(end % 1 * 60))),
                   breaks=tuple(breaks), **kw)


def problem(points, tasks, crews, **kw) -> Problem:
    return Problem(tuple(tasks), tuple(crews), {"default": matrix(points)}, time_axis=AXIS, **kw)


def lunch(day_offset: int = 0, at: float = 12.0, minutes: int = 30) -> Break:
    d = date.fromordinal(MONDAY.toordinal() + day_offset)
    s = AXIS.at(d, int(at), int(at % 1 * 60))
    return Break(s, s, minutes * 60, "Mittag")


def task(tid: str, loc: int, minutes: float = 30, **kw) -> Task:
    return Task(tid, loc, int(minutes * 60), **kw)


#: four stops on a line 1 km apart plus one off the line (location 4)
LINE_POINTS = [(0, 0), (1000, 0), (2000, 0), (3000, 0), (0, 2000)]
