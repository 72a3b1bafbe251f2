"""Big weeks in parts (routing.parts): the split and the plan put together."""

from __future__ import annotations

import time
from collections import Counter

from routing_factory import AXIS, MONDAY, crew, lunch, problem, task

from routing.audit import FindingCode, audit_plan
from routing.checker import check_solution
from routing.explain import precheck
from routing.params import SolveParams
from routing.parts import solve_in_parts, split_week
from routing.solve import _solve_part

GRID = [(0, 0)] + [(x * 700, y * 600) for x in range(1, 6) for y in range(-2, 3)]


def big_week(n_tasks: int = 130, days: int = 3, crews_per_day: int = 4):
    """``n_tasks`` tasks at the grid's sites, half due on the first day; some need a hedge
    trimmer that only every other crew carries."""
    tasks = [task(f"w{i}", 1 + i % (len(GRID) - 1), 20 + (i * 7) % 30, urgency=1.0 + i % 3,
                  due_latest_s=AXIS.day_end_s(MONDAY) if i % 2 else None,
                  required_equipment=frozenset({"hedge_trimmer"}) if i % 5 == 0
                  else frozenset())
             for i in range(n_tasks)]
    crews = [crew(f"d{d}c{k}", day_offset=d, breaks=[lunch(d)],
                  equipment=frozenset({"hedge_trimmer"}) if k % 2 else frozenset())
             for d in range(days) for k in range(crews_per_day)]
    return problem(GRID, tasks, crews)


def test_split_gives_every_task_one_part_with_a_crew_that_may_do_it():
    """Every routable task lands in exactly one part, and that part has a crew-day allowed for
    it; each day's crew-days are shared out evenly, hedge crews included."""
    p = big_week()
    allowed, _ = precheck(p)
    parts = split_week(p, allowed, 2)
    assert len(parts) == 2
    seen = Counter(tid for _, tids in parts for tid in tids)
    assert set(seen) == set(allowed) and set(seen.values()) == {1}
    for crews, tids in parts:
        for tid in tids:
            assert set(allowed[tid]) & set(crews)
        per_day = Counter(p.crew_day_by_id[c].day for c in crews)
        assert set(per_day.values()) == {2}
        hedge = [c for c in crews if "hedge_trimmer" in p.crew_day_by_id[c].equipment]
        assert len(hedge) == 3  # one of each day's two hedge crews
    sizes = [len(tids) for _, tids in parts]
    assert abs(sizes[0] - sizes[1]) <= 0.2 * len(allowed)


def test_week_in_parts_leaves_nothing_that_fits_and_passes_the_checker():
    """Planned in two parts and put together, the week has no checker violation, no task left
    that fits a crew-day of either part and no idle crew-day beside fitting work; the same
    inputs give the same plan (counted work)."""
    p = big_week()
    allowed, pre = precheck(p)
    params = SolveParams(time_limit_s=2)
    first = solve_in_parts(p, params, allowed, pre, time.time(), _solve_part)
    second = solve_in_parts(p, params, allowed, pre, time.time(), _solve_part)
    assert first.status == "parts"
    assert check_solution(p, first) == []
    codes = {f.code for f in audit_plan(p, first)}
    assert FindingCode.TASK_LEFT_FITS not in codes and FindingCode.CREW_DAY_IDLE not in codes
    assert first.routes() == second.routes()
    assert sum(len(t.task_ids) for t in first.tours) > 0.8 * len(allowed)
