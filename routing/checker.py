"""Independent feasibility checker and re-timer for tours (our code, not OR-Tools).

Two entry points, also used for the planner's manual edits:

* :func:`retime_tour` computes the earliest feasible times for a proposed stop order (task and
  reload point ids) of a crew-day, places the fixed breaks and returns a :class:`Tour` whose
  ``violations`` say in planner language what is wrong.
* :func:`check_tour` verifies a fully timed tour against every rule: shift, windows, noise rules,
  travel times, breaks (fixed windows) and ArbZG §4 (30 min after at most 6 h of work, 45 min
  beyond 9 h), capacity with reloads, equipment and qualifications, locks.

:func:`check_solution` adds the solution-wide rules (each task at most once, every unassigned
task with a reason).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from routing.problem import UNREACHABLE_S, CrewDay, Problem, ReloadPoint, Task
from routing.reasons import describe_missing, make_reason
from routing.solution import Reason, Solution, Stop, StopKind, Tour, TourKpis
from routing.timeaxis import NoiseClass, noise_allowed_windows

#: ArbZG §4: breaks of at least 15 min count; 30 min after more than 6 h, 45 min after 9 h
ARBZG_MIN_BREAK_S = 15 * 60
ARBZG_MAX_STRETCH_S = 6 * 3600

#: where a fixed break goes: ("gap", p) before stop p (p == len: before the end depot),
#: ("inside", p) inside the service of stop p, ("after", 0) after the tour ended
BreakHint = tuple[str, int]


def _fmt(problem: Problem, seconds: int) -> str:
    if problem.time_axis is not None:
        return problem.time_axis.format(seconds)
    h, rem = divmod(int(seconds), 3600)
    return f"{h:02d}:{rem // 60:02d}"


def _break_name(crew: CrewDay, index: int) -> str:
    return crew.breaks[index].name or f"{index + 1}"


def _earliest_start(domains: list[tuple[int, int]], t: int) -> int | None:
    best = None
    for lo, hi in domains:
        if hi >= t:
            cand = max(lo, t)
            if best is None or cand < best:
                best = cand
    return best


def retime_tour(
    problem: Problem,
    crew_day_id: str,
    sequence: Sequence[str],
    break_hints: Mapping[int, BreakHint] | None = None,
) -> Tour:
    """Earliest-start schedule of ``sequence`` (task / reload ids) on a crew-day, checked.

    Fixed breaks are taken as soon as their window opens while the crew drives or waits, inside
    a long (splittable) service if the window opens during it, and before a short service that
    would otherwise run past the break's latest start. ``break_hints`` (from the solver) pin a
    break to a gap or a service instead. A break whose window opens after the crew is back at the
    depot is not needed. Unknown refs and impossible windows are reported as violations.
    """
    crew = problem.crew_day_by_id.get(crew_day_id)
    if crew is None:
        raise KeyError(f"unknown crew-day {crew_day_id!r}")
    matrix = problem.matrix_for(crew)
    dur_m, dist_m = matrix.duration_s, matrix.distance_m
    hints = dict(break_hints or {})
    t = crew.shift.start_s
    loc = crew.start_location
    pending = list(range(len(crew.breaks)))
    stops: list[Stop] = []
    loads = {k: 0.0 for k in crew.capacity}
    extra: list[Reason] = []
    kp = {"drive_s": 0, "work_s": 0, "wait_s": 0, "break_s": 0, "distance_m": 0,
          "n_tasks": 0, "n_reloads": 0}

    def place_break(i: int, at_least: int, inside: bool = False) -> int:
        b = crew.breaks[i]
        bs = max(at_least, b.earliest_start_s)
        stops.append(Stop(StopKind.BREAK, f"break:{i}", bs, bs, bs + b.duration_s,
                          inside_service=inside))
        pending.remove(i)
        kp["break_s"] += b.duration_s
        return bs

    def gap(p: int, travel: int, start_of) -> tuple[int, int | None]:
        """Drive ``travel`` from t, placing breaks; returns (arrival, start)."""
        cur, left = t, travel
        while True:
            arrival = cur + left
            start = start_of(arrival)
            ref_start = start if start is not None else arrival
            chosen = None
            for i in pending:
                h = hints.get(i)
                if h is not None:
                    if h == ("gap", p):
                        chosen = i
                        break
                    continue
                b = crew.breaks[i]
                if max(cur, b.earliest_start_s) <= ref_start or forced(i, ref_start):
                    chosen = i
                    break
            if chosen is None:
                return arrival, start
            bs = place_break(chosen, cur)
            driven = min(left, max(0, bs - cur))
            left -= driven
            cur = bs + crew.breaks[chosen].duration_s

    forced_service: dict[str, int] = {"dur": 0, "split": 0}

    def forced(i: int, start: int) -> bool:
        b = crew.breaks[i]
        if forced_service["split"]:
            return start > b.latest_start_s
        return start + forced_service["dur"] > b.latest_start_s and forced_service["dur"] > 0

    for p, ref in enumerate(sequence):
        task = problem.task_by_id.get(ref)
        reload = problem.reload_by_id.get(ref)
        if task is None and reload is None:
            extra.append(make_reason("unknown_stop", task=ref))
            continue
        if task is not None:
            entry, exit_, service = task.entry_location, task.exit_location, task.service_duration_s
            domains = problem.start_domains(task, crew)
            split = problem.is_splittable(task)
        else:
            entry = exit_ = reload.location
            service = reload.service_duration_s
            domains = _reload_domains(reload, crew, service)
            split = False
        travel = int(dur_m[loc, entry])
        if travel >= UNREACHABLE_S:
            extra.append(make_reason("unreachable_leg", task=ref))
        forced_service["dur"], forced_service["split"] = service, int(split)

        def start_of(arrival: int, domains=domains) -> int | None:
            return _earliest_start(domains, arrival)

        arrival, start = gap(p, travel, start_of)
        if start is None:
            start = arrival  # outside every window: the checker reports it
        end = start + service
        if split:
            cursor_in = start
            for i in list(pending):
                b = crew.breaks[i]
                h = hints.get(i)
                inside = h == ("inside", p) if h is not None else b.earliest_start_s < end
                if inside:
                    bs = place_break(i, cursor_in, inside=True)
                    cursor_in = bs + b.duration_s
                    end += b.duration_s
        if task is not None:
            for kind, amount in task.loads.items():
                loads[kind] = loads.get(kind, 0.0) + abs(amount)
            kp["n_tasks"] += 1
            kp["work_s"] += service
            kind_ = StopKind.TASK
        else:
            for kind in reload.kinds:
                if kind in loads:
                    loads[kind] = 0.0
            kp["n_reloads"] += 1
            kind_ = StopKind.RELOAD
        kp["drive_s"] += travel
        kp["distance_m"] += int(dist_m[loc, entry])
        kp["wait_s"] += start - arrival
        stops.append(Stop(kind_, ref, arrival, start, end, entry, exit_, dict(loads),
                          drive_s=travel, distance_m=int(dist_m[loc, entry])))
        t, loc = end, exit_
    # back to the depot; breaks whose window opens before arrival are taken on the way
    travel = int(dur_m[loc, crew.end_location])
    forced_service["dur"], forced_service["split"] = 0, 0
    n = len(sequence)
    arrival, _ = gap(n, travel, lambda a: a)
    kp["drive_s"] += travel
    kp["distance_m"] += int(dist_m[loc, crew.end_location])
    stops = _order_stops(stops)
    end_s = arrival
    span = end_s - crew.shift.start_s
    available = crew.shift.length_s - crew.break_total_s
    kpis = TourKpis(
        drive_s=kp["drive_s"], work_s=kp["work_s"], wait_s=kp["wait_s"], break_s=kp["break_s"],
        distance_m=kp["distance_m"], span_s=span, overtime_s=max(0, end_s - crew.shift.end_s),
        n_tasks=kp["n_tasks"], n_reloads=kp["n_reloads"],
        utilisation=round((kp["work_s"] + kp["drive_s"]) / available, 4) if available > 0 else 0.0,
    )
    tour = Tour(crew_day_id, tuple(stops), crew.shift.start_s, end_s, kpis)
    violations = tuple(extra) + tuple(check_tour(problem, tour))
    return Tour(crew_day_id, tour.stops, tour.start_s, tour.end_s, kpis, violations)


def _order_stops(stops: list[Stop]) -> list[Stop]:
    """Sort by start; a break inside a service comes right after that service."""
    services = [s for s in stops if not (s.kind == StopKind.BREAK and s.inside_service)]
    inside = [s for s in stops if s.kind == StopKind.BREAK and s.inside_service]
    services.sort(key=lambda s: (s.start_s, 0 if s.kind == StopKind.BREAK else 1))
    out: list[Stop] = []
    for s in services:
        out.append(s)
        if s.kind != StopKind.BREAK:
            out.extend(sorted((b for b in inside if s.start_s <= b.start_s < s.end_s),
                              key=lambda b: b.start_s))
    return out


def _reload_domains(reload: ReloadPoint, crew: CrewDay, service: int) -> list[tuple[int, int]]:
    windows = [(w.start_s, w.end_s) for w in reload.opening] or [
        (crew.shift.start_s, crew.latest_end_s)
    ]
    return [(a, b - service) for a, b in windows if b - service >= a]


# ------------------------------------------------------------------------------------------
# the checker proper: verifies given times, shares no scheduling code with retime_tour
# ------------------------------------------------------------------------------------------


def check_tour(problem: Problem, tour: Tour) -> list[Reason]:
    """All rule violations of a timed tour, in planner language (empty list: feasible)."""
    crew = problem.crew_day_by_id.get(tour.crew_day_id)
    if crew is None:
        return [make_reason("unknown_stop", task=tour.crew_day_id)]
    out: list[Reason] = []
    fmt = lambda s: _fmt(problem, s)  # noqa: E731
    matrix = problem.matrix_for(crew)
    if tour.start_s < crew.shift.start_s:
        out.append(make_reason("shift_start_violated", start=fmt(tour.start_s)))
    loads: dict[str, float] = {}
    cur_end, loc = tour.start_s, crew.start_location
    gap_breaks: list[Stop] = []
    seen: set[str] = set()
    breaks_taken: dict[int, Stop] = {}
    task_pos = 0
    locked_prefix = sorted(
        (t for t in problem.tasks
         if t.locked_crew_day == crew.id and t.locked_position is not None),
        key=lambda t: t.locked_position,
    )
    for stop in tour.stops:
        if stop.kind == StopKind.BREAK:
            idx = int(stop.ref.split(":")[1])
            if idx in breaks_taken or idx >= len(crew.breaks):
                out.append(make_reason("duplicate_task", task=stop.ref))
                continue
            breaks_taken[idx] = stop
            if not stop.inside_service:
                gap_breaks.append(stop)
            continue
        task = problem.task_by_id.get(stop.ref)
        reload = problem.reload_by_id.get(stop.ref)
        if task is None and reload is None:
            out.append(make_reason("unknown_stop", task=stop.ref))
            continue
        label = task.label if task else reload.label
        entry = task.entry_location if task else reload.location
        exit_ = task.exit_location if task else reload.location
        service = task.service_duration_s if task else reload.service_duration_s
        # travel and breaks in the gap
        travel = int(matrix.duration_s[loc, entry])
        if travel >= UNREACHABLE_S:
            out.append(make_reason("unreachable_leg", task=label))
        out.extend(_check_gap(problem, crew, label, cur_end, stop.arrival_s, stop.start_s,
                              travel, gap_breaks))
        gap_breaks = []
        # service length incl. breaks inside
        inside = [b for b in tour.stops if b.kind == StopKind.BREAK and b.inside_service
                  and stop.start_s <= b.start_s < stop.end_s]
        inside_s = sum(b.end_s - b.start_s for b in inside)
        if inside and not (task is not None and problem.is_splittable(task)):
            out.append(make_reason("break_overlap", name=inside[0].ref, task=label))
        if stop.end_s - stop.start_s != service + inside_s:
            out.append(make_reason("timing_inconsistent", task=label,
                                   detail=f"service {stop.end_s - stop.start_s} s != {service} s"))
        if task is not None:
            if task.id in seen:
                out.append(make_reason("duplicate_task", task=label))
            seen.add(task.id)
            out.extend(_check_task_rules(problem, crew, task, stop, task_pos, locked_prefix))
            task_pos += 1
            for kind, amount in task.loads.items():
                if amount == 0:
                    continue
                loads[kind] = loads.get(kind, 0.0) + abs(amount)
                cap = crew.capacity.get(kind, 0.0)
                if loads[kind] > cap + 1e-6:
                    out.append(make_reason("capacity_exceeded", amount=round(loads[kind], 2),
                                           kind=kind, capacity=cap))
        else:
            opening = [(w.start_s, w.end_s) for w in reload.opening]
            if opening and not any(a <= stop.start_s and stop.end_s <= b for a, b in opening):
                out.append(make_reason("window_violated", task=label, start=fmt(stop.start_s)))
            for kind in reload.kinds:
                loads[kind] = 0.0
        cur_end, loc = stop.end_s, exit_
    # return to the depot
    travel = int(matrix.duration_s[loc, crew.end_location])
    out.extend(_check_gap(problem, crew, "Betriebshof", cur_end, tour.end_s, tour.end_s, travel,
                          gap_breaks))
    if tour.end_s > crew.latest_end_s:
        out.append(make_reason("shift_end_violated", end=fmt(tour.end_s),
                               minutes=round((tour.end_s - crew.shift.end_s) / 60)))
    # fixed breaks: taken in their window, or not needed because the tour ended before
    for i, b in enumerate(crew.breaks):
        stop = breaks_taken.get(i)
        if stop is None:
            if tour.end_s > b.latest_start_s and tour.stops:
                out.append(make_reason("break_missed", name=_break_name(crew, i),
                                       earliest=fmt(b.earliest_start_s),
                                       latest=fmt(b.latest_start_s)))
            continue
        if not (b.earliest_start_s <= stop.start_s <= b.latest_start_s) or (
            stop.end_s - stop.start_s != b.duration_s
        ):
            out.append(make_reason("break_missed", name=_break_name(crew, i),
                                   earliest=fmt(b.earliest_start_s), latest=fmt(b.latest_start_s)))
    if problem.labour_rules:
        out.extend(check_arbzg(tour))
    # locked tasks that should be on this tour
    present = set(tour.task_ids)
    for t in problem.tasks:
        if t.locked_crew_day == crew.id and t.id not in present:
            out.append(make_reason("lock_broken", task=t.label, crew_day=crew.label,
                                   position=t.locked_position if t.locked_position is not None
                                   else "-"))
    return out


def _check_gap(problem, crew, label, prev_end, arrival, start, travel, breaks) -> list[Reason]:
    """Between two services: breaks inside the gap, enough time to drive, arrival <= start."""
    out = []
    break_s = 0
    cursor = prev_end
    for b in sorted(breaks, key=lambda s: s.start_s):
        if b.start_s < cursor or b.end_s > start:
            out.append(make_reason("break_overlap", name=b.ref, task=label))
        cursor = max(cursor, b.end_s)
        break_s += b.end_s - b.start_s
    if arrival > start:
        out.append(make_reason("timing_inconsistent", task=label, detail="arrival after start"))
    if arrival - prev_end < travel:
        out.append(make_reason("timing_inconsistent", task=label,
                               detail=f"{arrival - prev_end} s < travel {travel} s"))
    elif start - prev_end < travel + break_s:
        out.append(make_reason("timing_inconsistent", task=label,
                               detail=f"{start - prev_end} s < travel {travel} s + breaks "
                                      f"{break_s} s"))
    return out


def _check_task_rules(problem, crew, task: Task, stop: Stop, pos: int, locked_prefix) -> list:
    out = []
    fmt = lambda s: _fmt(problem, s)  # noqa: E731
    missing_eq = set(task.required_equipment - crew.equipment)
    missing_q = set(task.required_qualifications - crew.qualifications)
    if missing_eq or missing_q:
        de, en = describe_missing(missing_eq, missing_q, problem)
        out.append(make_reason("not_qualified", task=task.label, missing=de, missing_en=en))
    if task.allowed_crew_days is not None and crew.id not in task.allowed_crew_days:
        out.append(make_reason("not_qualified", task=task.label, missing="Freigabe",
                               missing_en="permission"))
    if not problem.can_carry(task, crew):
        out.append(make_reason("cannot_carry", task=task.label))
    if task.locked_crew_day is not None and task.locked_crew_day != crew.id:
        out.append(make_reason("lock_broken", task=task.label, crew_day=task.locked_crew_day,
                               position=task.locked_position if task.locked_position is not None
                               else "-"))
    if pos < len(locked_prefix) and locked_prefix[pos].id != task.id:
        lp = locked_prefix[pos]
        out.append(make_reason("lock_broken", task=lp.label, crew_day=crew.label, position=pos))
    # windows: shift (incl. overtime) and the task's own windows
    span = (stop.start_s, stop.end_s)
    base = [(crew.shift.start_s, crew.latest_end_s)]
    if task.time_windows:
        base = [(max(a, w.start_s), min(b, w.end_s)) for a, b in base for w in task.time_windows]
    if not any(a <= span[0] and span[1] <= b for a, b in base):
        out.append(make_reason("window_violated", task=task.label, start=fmt(stop.start_s)))
    if task.noise_sensitive and task.noise_class != NoiseClass.NONE:
        allowed = noise_allowed_windows(problem.time_axis, crew.day, task.noise_class, True)
        if crew.day_type != "workday":
            allowed = []
        if not any(a <= span[0] and span[1] <= b for a, b in (allowed or [])):
            out.append(make_reason("noise_violated", task=task.label, start=fmt(stop.start_s)))
    return out


def arbzg_latest_end_s(crew: CrewDay) -> int:
    """Latest tour end (s) for which the crew-day's fixed breaks keep ArbZG §4 for sure.

    The tour starts at the shift start. A break counts from its earliest end for the stretch
    after it and up to its latest start for the stretch before it (conservative both ways); a
    tour may end before a break's latest start without taking it. Without suitable breaks a
    tour is capped at 6 h of work.
    """
    start, latest = crew.shift.start_s, crew.latest_end_s
    cursor, total, counted, best = start, 0, 0, start
    breaks = list(crew.breaks)
    for k in range(len(breaks) + 1):
        seg_hi = breaks[k].latest_start_s if k < len(breaks) else latest
        if counted < 30 * 60:
            work_limit = 6 * 3600
        elif counted < 45 * 60:
            work_limit = 9 * 3600
        else:
            work_limit = 10**9
        end = min(seg_hi, latest, cursor + ARBZG_MAX_STRETCH_S, start + work_limit + total)
        if end >= cursor:
            best = max(best, end)
        if k == len(breaks):
            break
        b = breaks[k]
        if b.latest_start_s - cursor > ARBZG_MAX_STRETCH_S and b.duration_s >= ARBZG_MIN_BREAK_S:
            break
        if b.duration_s >= ARBZG_MIN_BREAK_S:
            cursor = b.earliest_start_s + b.duration_s
            counted += b.duration_s
        total += b.duration_s
    return best


def check_arbzg(tour: Tour) -> list[Reason]:
    """ArbZG §4 on a timed tour: breaks >= 15 min count; 30 min if > 6 h, 45 min if > 9 h."""
    if not tour.stops:
        return []
    breaks = sorted((s for s in tour.stops if s.kind == StopKind.BREAK), key=lambda s: s.start_s)
    counted = [b for b in breaks if b.end_s - b.start_s >= ARBZG_MIN_BREAK_S]
    break_s = sum(b.end_s - b.start_s for b in breaks)
    work_s = tour.end_s - tour.start_s - break_s
    counted_s = sum(b.end_s - b.start_s for b in counted)
    out = []
    needed = 45 * 60 if work_s > 9 * 3600 else 30 * 60 if work_s > 6 * 3600 else 0
    if counted_s < needed:
        out.append(make_reason("arbzg_total", work_h=round(work_s / 3600, 1),
                               needed_min=needed // 60, planned_min=counted_s // 60))
    cursor, longest = tour.start_s, 0
    for b in counted:
        longest = max(longest, b.start_s - cursor)
        cursor = b.end_s
    longest = max(longest, tour.end_s - cursor)
    if longest > ARBZG_MAX_STRETCH_S:
        out.append(make_reason("arbzg_stretch", hours=round(longest / 3600, 1)))
    return out


def check_solution(problem: Problem, solution: Solution) -> list[Reason]:
    """Tour checks plus: every task at most once, unassigned tasks each with >= 1 reason."""
    out: list[Reason] = []
    counts: dict[str, int] = {}
    for tour in solution.tours:
        out.extend(check_tour(problem, tour))
        for tid in tour.task_ids:
            counts[tid] = counts.get(tid, 0) + 1
    for u in solution.unassigned:
        counts[u.task_id] = counts.get(u.task_id, 0) + 1
        if not u.reasons:
            out.append(make_reason("unknown_stop", task=f"{u.task_id} (no reason)"))
    for tid, c in counts.items():
        if c > 1:
            out.append(make_reason("duplicate_task", task=tid))
    for t in problem.tasks:
        if t.id not in counts:
            out.append(make_reason("unknown_stop", task=f"{t.id} (missing)"))
    return out
