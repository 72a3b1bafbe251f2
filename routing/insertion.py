"""Cheapest feasible insertion of a task into the tours of a plan, verified by our checker.

The one place that answers "where would this task fit, and what would it cost?": the repair
phase (:mod:`routing.repair`), the plan audit (:mod:`routing.audit`) and the explanations of
unassigned tasks use it.

Candidates are (crew-day, position) pairs after the locked prefix. Each has an exact lower bound
of its extra cost, the driving detour at the crew-day's rates (euro); candidates are tried in
that order. A fast schedule (:func:`quick_schedule`: the checker's earliest-start rules for
windows, breaks and loads, without building stops) sorts out the impossible ones and prices the
rest exactly (detour, overtime, lateness); the cheapest is then re-timed and verified by
:func:`routing.checker.retime_tour` (every rule, ArbZG included) before it counts. Each position
is also tried with a visit to the nearest suitable reload point just before the task, used only
when the plain insertion does not fit (the truck would overflow). Costs are
:func:`routing.explain.tour_cost_eur` differences (drive, km, overtime, lateness) plus
``weights.move_eur`` when the previous plan had the task on another crew-day.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from routing.checker import _earliest_start, _reload_domains, retime_tour
from routing.explain import tour_cost_eur
from routing.problem import UNREACHABLE_S, CrewDay, Problem, Task
from routing.solution import Tour

#: default cap on checker calls per task and search
MAX_TRIALS = 40
#: work units of a checker re-timing per stop of the tour (a fast-schedule step is one unit;
#: measured: a re-timing with its check costs about ten steps per stop)
RETIME_UNITS_PER_STOP = 10
#: candidate positions (lower bounds) priced per work unit
CANDIDATES_PER_UNIT = 8
#: work units a second on the shared 2-core development machine: what
#: :class:`routing.search.SolveClock` converts counted work into seconds with. Measured 3 Dec
#: 2026 at load 1.6 as 140 000 while the fast schedule counted every stop after an insertion
#: (construction 132 000, improvement 161 000-167 000 a CPU second); since it counts the steps
#: it takes (it stops where the new schedule meets the old one) the same CPU second holds about
#: 8 % fewer units (old and new code side by side on the storm week: 114 000 against 105 000 a
#: CPU second at load 8), hence 130 000: the same wall time per budget second as before
WORK_UNITS_PER_S = 130_000


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
    cache = _per_problem(problem)
    if "locked" not in cache:
        counts: dict[str, int] = {}
        for t in problem.tasks:
            if t.locked_crew_day is not None and t.locked_position is not None:
                counts[t.locked_crew_day] = counts.get(t.locked_crew_day, 0) + 1
        cache["locked"] = counts
    return cache["locked"].get(crew_day_id, 0)


def move_cost_eur(problem: Problem, task: Task, crew_day_id: str) -> float:
    """Stability cost of serving ``task`` on ``crew_day_id`` (previous plan elsewhere)."""
    prev = problem.previous_plan
    if prev is None or task.id not in prev.assignments:
        return 0.0
    cid = prev.assignments[task.id][0]
    if cid == crew_day_id or cid not in problem.crew_day_by_id:
        return 0.0
    return problem.weights.move_eur


_CACHES: dict[int, dict] = {}


def _per_problem(problem: Problem) -> dict:
    """A cache that lives as long as ``problem`` (derived data asked for on every trial)."""
    key = id(problem)
    cache = _CACHES.get(key)
    if cache is None:
        cache = _CACHES[key] = {}
        weakref.finalize(problem, _CACHES.pop, key, None)
    return cache


def add_work(problem: Problem, units: int) -> None:
    """Count ``units`` of insertion work done on ``problem`` (see :func:`work_done`)."""
    cache = _per_problem(problem)
    cache["work"] = cache.get("work", 0) + units


def add_retime_work(problem: Problem, stops: int) -> None:
    """Count one checker re-timing of a tour of ``stops`` stops."""
    add_work(problem, RETIME_UNITS_PER_STOP * (stops + 1))


def work_done(problem: Problem) -> int:
    """Insertion work done on ``problem`` so far, in units: one per stop the fast schedule
    looks at (as if it always scheduled the whole rest of the tour; cached and shortened
    schedules count the same, so the count does not depend on what was computed before) and
    :data:`RETIME_UNITS_PER_STOP` per stop of each checker re-timing. Counted work, not seconds:
    an effort in units gives the same plan on a quiet and on a busy machine."""
    return _per_problem(problem).get("work", 0)


def _domains(problem: Problem, task: Task, crew: CrewDay) -> list[tuple[int, int]]:
    """``problem.start_domains``, cached per problem."""
    cache = _per_problem(problem)
    k = (task.id, crew.id)
    if k not in cache:
        cache[k] = problem.start_domains(task, crew)
    return cache[k]


#: the state of the fast schedule before a stop: (time s, location, pending break indices,
#: loads since the last reload, lateness cost so far in euro)
_State = tuple[int, int, tuple[int, ...], dict[str, float], float]


def _info(problem: Problem, crew: CrewDay, ref: str, cache: dict) -> tuple:
    """What the fast schedule needs of a stop on a crew-day, cached per problem: (entry, exit,
    service s, start domains or None, may a break split it, non-zero loads as (kind, amount)
    pairs or None for a reload point, due latest start s or None, lateness euro per s, kinds a
    reload point empties)."""
    key = ("info", ref, crew.id)
    got = cache.get(key)
    if got is not None:
        return got
    task = problem.task_by_id.get(ref)
    if task is not None:
        w = problem.weights
        got = (task.entry_location, task.exit_location, task.service_duration_s,
               _domains(problem, task, crew), problem.is_splittable(task),
               tuple((k, abs(a)) for k, a in task.loads.items() if a), task.due_latest_s,
               w.late_eur_per_day * max(task.urgency, 0.01), ())
    else:
        r = problem.reload_by_id[ref]
        got = (r.location, r.location, r.service_duration_s,
               _reload_domains(r, crew, r.service_duration_s), False, None, None, 0.0,
               tuple(r.kinds))
    cache[key] = got
    return got


def _rows(problem: Problem, crew: CrewDay) -> list[list[int]]:
    """The crew-day's drive-time matrix as nested lists (s), cached per problem: indexing a
    list is several times faster than indexing the numpy array."""
    cache = _per_problem(problem)
    key = ("rows", crew.profile)
    got = cache.get(key)
    if got is None:
        got = cache[key] = problem.matrix_for(crew).duration_s.tolist()
    return got


def _step(problem: Problem, crew: CrewDay, dur, state: _State, ref: str | None,
          cache: dict | None = None):
    """The fast schedule one stop further (``ref`` None: back at the depot, -> (arrival,
    lateness) or None); None when a window, the shift end or a load capacity makes it
    impossible. ``dur``: :func:`_rows` of the crew-day; ``cache``: the problem's cache
    (:func:`_per_problem`), passed for speed."""
    t, loc, pending, loads, late_eur = state
    if ref is None:
        entry = crew.end_location
        exit_, service, domains, split, load_items = entry, 0, None, False, None
    else:
        if cache is None:
            cache = _per_problem(problem)
        entry, exit_, service, domains, split, load_items, due, late_rate, kinds = \
            _info(problem, crew, ref, cache)
    travel = dur[loc][entry]
    if travel >= UNREACHABLE_S:
        return None
    cur, left = t, travel
    if pending:
        breaks = crew.breaks
        while True:
            arrival = cur + left
            start = arrival if domains is None else _earliest_start(domains, arrival)
            ref_start = start if start is not None else arrival
            chosen = None
            for i in pending:
                b = breaks[i]
                forced = (ref_start > b.latest_start_s) if split else \
                    (service > 0 and ref_start + service > b.latest_start_s)
                if max(cur, b.earliest_start_s) <= ref_start or forced:
                    chosen = i
                    break
            if chosen is None:
                break
            b = breaks[chosen]
            bs = max(cur, b.earliest_start_s)
            pending = tuple(i for i in pending if i != chosen)
            left -= min(left, max(0, bs - cur))
            cur = bs + b.duration_s
    else:
        arrival = cur + left
        start = arrival if domains is None else _earliest_start(domains, arrival)
    if ref is None:
        return (arrival, late_eur) if arrival <= crew.latest_end_s else None
    if start is None:
        return None
    end = start + service
    if split and pending:
        breaks = crew.breaks
        cursor = start
        kept = []
        for i in pending:
            b = breaks[i]
            if b.earliest_start_s < end:
                bs = max(cursor, b.earliest_start_s)
                cursor = bs + b.duration_s
                end += b.duration_s
            else:
                kept.append(i)
        pending = tuple(kept)
    if load_items is not None:
        if load_items:
            loads = dict(loads)
            for kind, amount in load_items:
                v = loads[kind] = loads.get(kind, 0.0) + amount
                if v > crew.capacity.get(kind, 0.0) + 1e-6:
                    return None
        if due is not None and start > due:
            late_eur += late_rate * (start - due) / 86400
    else:
        loads = dict(loads)
        for kind in kinds:
            loads[kind] = 0.0
    return (end, exit_, pending, loads, late_eur)


def _initial_state(crew: CrewDay) -> _State:
    return (crew.shift.start_s, crew.start_location, tuple(range(len(crew.breaks))), {}, 0.0)


def quick_schedule(problem: Problem, crew: CrewDay, seq: Sequence[str]
                   ) -> tuple[int, float] | None:
    """(end at the depot in s, lateness cost in euro) of ``seq`` scheduled by the checker's
    earliest-start rules (fixed breaks as :func:`routing.checker.retime_tour` places them
    without hints), or None if a window, the shift end or a load capacity makes it impossible.
    A pre-filter only: ArbZG and the other rules are left to the checker."""
    dur = _rows(problem, crew)
    state = _initial_state(crew)
    for ref in seq:
        state = _step(problem, crew, dur, state, ref)
        if state is None:
            return None
    return _step(problem, crew, dur, state, None)


@dataclass(frozen=True)
class _Base:
    """The fast schedule of a tour as it stands: the state before each stop, the result, and
    per stop and load kind the fullest the truck gets from there to the next reload."""

    states: tuple[_State, ...]
    result: tuple[int, float]
    peak: tuple[dict[str, float], ...]


def _base(problem: Problem, crew: CrewDay, seq: Sequence[str]) -> _Base | None:
    """:class:`_Base` of ``seq`` on ``crew`` (cached per problem), None if it is infeasible."""
    cache = _per_problem(problem).setdefault("bases", {})
    key = (crew.id, tuple(seq))
    if key in cache:
        return cache[key]
    if len(cache) > 20000:
        cache.clear()
    dur = _rows(problem, crew)
    states = [_initial_state(crew)]
    for ref in seq:
        nxt = _step(problem, crew, dur, states[-1], ref)
        if nxt is None:
            cache[key] = None
            return None
        states.append(nxt)
    result = _step(problem, crew, dur, states[-1], None)
    if result is None:
        cache[key] = None
        return None
    # peak[j][kind]: the highest load of kind from stop j (its load after it) to the next
    # reload of that kind; the depot at the end resets everything
    peak: list[dict[str, float]] = [{} for _ in range(len(seq) + 1)]
    for j in range(len(seq) - 1, -1, -1):
        after, later = states[j + 1][3], peak[j + 1]
        r = problem.reload_by_id.get(seq[j])
        cur = {}
        for kind in {*after, *later}:
            if r is None or kind not in r.kinds:
                cur[kind] = max(after.get(kind, 0.0), later.get(kind, 0.0))
        peak[j] = cur
    base = _Base(tuple(states), result, tuple(peak))
    cache[key] = base
    return base


def quick_insert(problem: Problem, crew: CrewDay, seq: Sequence[str], p: int,
                 inserted: Sequence[str]) -> tuple[int, float] | None:
    """:func:`quick_schedule` of ``seq[:p] + inserted + seq[p:]``, resumed from the schedule of
    ``seq`` as it stands before stop ``p`` and ended early where the new schedule meets the old
    one again (same time, same breaks left, loads within the truck's room)."""
    return _quick_insert(problem, crew, seq, p, inserted)[0]


def _quick_insert(problem: Problem, crew: CrewDay, seq: Sequence[str], p: int,
                  inserted: Sequence[str]) -> tuple[tuple[int, float] | None, int]:
    """:func:`quick_insert` and the number of fast-schedule steps it took (work units)."""
    base = _base(problem, crew, seq)
    if base is None:
        return quick_schedule(problem, crew, [*seq[:p], *inserted, *seq[p:]]), \
            len(seq) + len(inserted) + 1
    dur = _rows(problem, crew)
    cache = _per_problem(problem)
    state = base.states[p]
    steps = 0
    for ref in inserted:
        steps += 1
        state = _step(problem, crew, dur, state, ref, cache)
        if state is None:
            return None, steps
    for j in range(p, len(seq)):
        old = base.states[j]
        if state[0] == old[0] and state[2] == old[2] and state[1] == old[1]:
            new_loads, old_loads = state[3], old[3]
            fits = True
            for kind, v in new_loads.items():
                extra = v - old_loads.get(kind, 0.0)
                if extra > 1e-9 and base.peak[j].get(kind, 0.0) + extra > \
                        crew.capacity.get(kind, 0.0) + 1e-6:
                    fits = False
                    break
            if fits:
                end, late = base.result
                return (end, state[4] + late - old[4]), steps
        steps += 1
        state = _step(problem, crew, dur, state, seq[j], cache)
        if state is None:
            return None, steps
    return _step(problem, crew, dur, state, None), steps + 1


def _legs(problem: Problem, crew: CrewDay, refs: tuple[str, ...]):
    """(exits, entries, drive s, m) of the legs of a stop order as lists: leg p goes from the
    exit of stop p-1 (or the depot) to the entry of stop p (or the depot); cached."""
    cache = _per_problem(problem).setdefault("legs", {})
    key = (crew.id, refs)
    got = cache.get(key)
    if got is None:
        if len(cache) > 20000:
            cache.clear()
        matrix = problem.matrix_for(crew)
        exits = [crew.start_location] + [ref_exit(problem, r) for r in refs]
        entries = [ref_entry(problem, r) for r in refs] + [crew.end_location]
        legs = list(zip(exits, entries, strict=True))
        got = cache[key] = (exits, entries, [int(matrix.duration_s[a, b]) for a, b in legs],
                            [int(matrix.distance_m[a, b]) for a, b in legs])
    return got


def _candidates(problem: Problem, tours: Mapping[str, Tour], task: Task,
                crew_day_ids: Iterable[str]) -> list[tuple[float, str, int]]:
    """(lower-bound cost in euro, crew-day id, position) for every position that might fit."""
    out = []
    lines: dict[int, tuple[list[int], list[int], list[int], list[int]]] = {}
    for cid in crew_day_ids:
        tour = tours[cid]
        crew = problem.crew_day_by_id[cid]
        matrix = problem.matrix_for(crew)
        mk = id(matrix)
        if mk not in lines:  # drive s / m to the task's entry and from its exit, as lists
            lines[mk] = (matrix.duration_s[:, task.entry_location].tolist(),
                         matrix.duration_s[task.exit_location].tolist(),
                         matrix.distance_m[:, task.entry_location].tolist(),
                         matrix.distance_m[task.exit_location].tolist())
        to_s, from_s, to_m, from_m = lines[mk]
        exits, entries, base_s, base_m = _legs(problem, crew, tour.refs)
        rate_s = crew.cost_per_hour_eur / 3600
        rate_m = crew.cost_per_km_eur / 1000
        move = move_cost_eur(problem, task, cid)
        # waiting may absorb part of the detour, so only the tour's busy end bounds it
        room_s = crew.latest_end_s - (tour.end_s - tour.kpis.wait_s) - task.service_duration_s
        for p in range(locked_prefix_length(problem, cid), len(exits)):
            a, b = exits[p], entries[p]
            detour_s = to_s[a] + from_s[b] - base_s[p]
            if detour_s > room_s:
                continue
            detour_m = to_m[a] + from_m[b] - base_m[p]
            out.append((detour_s * rate_s + detour_m * rate_m + move, cid, p))
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
    w = problem.weights
    priced: list[tuple[float, str, list[str], bool]] = []
    base: dict[str, tuple[int, float]] = {}
    best_quick = None
    cands = _candidates(problem, tours, task, crew_day_ids)
    units = len(cands) // CANDIDATES_PER_UNIT
    for lb, cid, p in cands:
        if max_cost_eur is not None and lb > max_cost_eur + 1e-9:
            break
        if best_quick is not None and lb >= best_quick - 1e-9:
            break
        crew = problem.crew_day_by_id[cid]
        tour = tours[cid]
        seq = list(tour.refs)
        if cid not in base:
            units += len(seq) + 1
            b0 = _base(problem, crew, seq)
            base[cid] = b0.result if b0 is not None else (tour.end_s, 0.0)
        end0, late0 = base[cid]
        options = [([task_id], False)]
        before = ref_exit(problem, seq[p - 1]) if p > 0 else crew.start_location
        yard = _reload_for(problem, task, cid, before)
        if yard is not None and (p == 0 or seq[p - 1] != yard):
            options.append(([yard, task_id], True))
        for inserted, reload in options:
            q, steps = _quick_insert(problem, crew, seq, p, inserted)
            units += steps
            if q is None:
                continue
            new_seq = seq[:p] + inserted + seq[p:]
            end, late = q
            over = (max(0, end - crew.shift.end_s) - max(0, end0 - crew.shift.end_s)) * \
                w.overtime_eur_per_hour / 3600
            cost = (lb if not reload else _detour_eur(problem, crew, seq, new_seq)
                    + move_cost_eur(problem, task, cid)) + over + late - late0
            if max_cost_eur is not None and cost > max_cost_eur + 1e-9:
                continue
            priced.append((cost, cid, new_seq, reload))
            if best_quick is None or cost < best_quick:
                best_quick = cost
            break
        if first_fit and priced:
            break
    # verify, cheapest first, with our checker
    best: Insertion | None = None
    trials = 0
    for cost, cid, new_seq, reload in sorted(priced, key=lambda x: (x[0], x[1])):
        if trials >= max_trials or (best is not None and cost >= best.cost_eur - 1e-9):
            break
        trials += 1
        units += RETIME_UNITS_PER_STOP * (len(new_seq) + 1)
        new = retime_tour(problem, cid, new_seq)
        if new.violations:
            continue
        exact = tour_cost_eur(problem, new) - tour_cost_eur(problem, tours[cid]) + \
            move_cost_eur(problem, task, cid)
        if max_cost_eur is not None and exact > max_cost_eur + 1e-9:
            continue
        if best is None or exact < best.cost_eur - 1e-9:
            best = Insertion(task_id, cid, tuple(new_seq), new, exact, reload)
        if first_fit:
            break
    add_work(problem, units)
    return best


def _detour_eur(problem: Problem, crew: CrewDay, old: list[str], new: list[str]) -> float:
    """Extra driving cost (time and km at the crew-day's rates) of ``new`` over ``old``."""
    m = problem.matrix_for(crew)

    def drive(seq):
        locs = [(crew.start_location, crew.start_location)] + \
            [(ref_entry(problem, r), ref_exit(problem, r)) for r in seq] + \
            [(crew.end_location, crew.end_location)]
        d_s = sum(int(m.duration_s[a[1], b[0]]) for a, b in zip(locs, locs[1:], strict=False))
        d_m = sum(int(m.distance_m[a[1], b[0]]) for a, b in zip(locs, locs[1:], strict=False))
        return d_s * crew.cost_per_hour_eur / 3600 + d_m * crew.cost_per_km_eur / 1000

    return drive(new) - drive(old)


def removable_reloads(problem: Problem, tour: Tour) -> list[int]:
    """Positions (in ``tour.sequence``) of reload visits the tour stays feasible without, one at
    a time (our checker decides)."""
    seq = tour.sequence
    out = []
    for p, ref in enumerate(seq):
        if ref in problem.reload_by_id:
            add_retime_work(problem, len(seq))
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
