"""Why a task stays unassigned: the pre-check before solving and the best insertion after it.

:func:`precheck` splits the tasks into routable ones and ones no crew-day can serve (with the
reason); :func:`explain_unassigned` asks our checker (:mod:`routing.checker`) for the best
insertion of each task the search left out. The wording is the catalogue's
(:mod:`routing.reasons`).
"""

from __future__ import annotations

import time
from dataclasses import replace

from routing.checker import retime_tour
from routing.problem import UNREACHABLE_S
from routing.reasons import day_phrase, describe_missing, make_reason
from routing.solution import Reason
from routing.timeaxis import NoiseClass


def _effort(problem, base, new, task, moved: bool) -> tuple[str, str]:
    """What an insertion would take, in planner terms: extra driving, overtime, days late, a
    change of crew ("12 min zusätzliche Fahrt und 2 Tage nach Fälligkeit")."""
    de, en = [], []
    drive_min = round((new.kpis.drive_s - base.kpis.drive_s) / 60)
    if drive_min > 0:
        de.append(f"{drive_min} min zusätzlicher Fahrt")
        en.append(f"{drive_min} min more driving")
    over_min = round((new.kpis.overtime_s - base.kpis.overtime_s) / 60)
    if over_min > 0:
        de.append(f"{over_min} min Überstunden")
        en.append(f"{over_min} min overtime")
    stop = next((s for s in new.stops if s.ref == task.id), None)
    if stop is not None and task.due_latest_s is not None and stop.start_s > task.due_latest_s:
        days = max(1, round((stop.start_s - task.due_latest_s) / 86400))
        de.append(f"{days} Tag{'e' if days > 1 else ''} nach Fälligkeit")
        en.append(f"{days} day{'s' if days > 1 else ''} after its due day")
    if moved:
        de.append("einem Wechsel der Kolonne gegenüber dem bisherigen Plan")
        en.append("a change of crew from the current plan")
    if not de:
        return "geringem Mehraufwand", "little extra effort"
    return (", ".join(de[:-1]) + " und " + de[-1] if len(de) > 1 else de[0],
            ", ".join(en[:-1]) + " and " + en[-1] if len(en) > 1 else en[0])


# ------------------------------------------------------------------------------------------
# pre-check (before solving) and post-solve explanation (our checker's best insertion)
# ------------------------------------------------------------------------------------------


def precheck(problem) -> tuple[dict[str, list[str]], dict[str, list[Reason]]]:
    """Split tasks into routable ones (task id -> crew-day ids that can serve it) and ones no
    crew-day can serve, with the reason: equipment/qualification, load, unreachable location,
    longer than any shift, noise rules, or no window reachable within a shift."""
    allowed: dict[str, list[str]] = {}
    reasons: dict[str, list[Reason]] = {}
    for t in problem.tasks:
        qualified = [c for c in problem.crew_days if problem.qualifies(t, c)]
        if not qualified:
            best = min(problem.crew_days, key=lambda c: len(t.required_equipment - c.equipment)
                       + len(t.required_qualifications - c.qualifications))
            miss_eq = set(t.required_equipment - best.equipment)
            miss_q = set(t.required_qualifications - best.qualifications)
            de, en = describe_missing(miss_eq, miss_q, problem)
            if not (miss_eq or miss_q):
                de, en = "die Freigabe für diese Aufgabe", "permission for this task"
            reasons[t.id] = [make_reason("no_qualified_crew_day", missing=de, missing_en=en)]
            continue
        carry = [c for c in qualified if problem.can_carry(t, c)]
        if not carry:
            kind, amount = max(t.loads.items(), key=lambda kv: abs(kv[1]))
            reasons[t.id] = [make_reason("no_vehicle_capacity", amount=abs(amount), kind=kind)]
            continue
        reach = []
        for c in carry:
            m = problem.matrix_for(c).duration_s
            if m[c.start_location, t.entry_location] < UNREACHABLE_S and \
                    m[t.exit_location, c.end_location] < UNREACHABLE_S:
                reach.append(c)
        if not reach:
            reasons[t.id] = [make_reason("unreachable_location")]
            continue
        longest = max(c.latest_end_s - c.shift.start_s for c in reach)
        if t.service_duration_s > longest:
            reasons[t.id] = [make_reason("longer_than_any_shift",
                                         duration_min=round(t.service_duration_s / 60),
                                         longest_min=round(longest / 60))]
            continue
        windowed = [c for c in reach if problem.allowed_windows(t, c)]
        if not windowed:
            noisy = t.noise_sensitive and t.noise_class != NoiseClass.NONE
            quiet = any(problem.allowed_windows(_quiet(t), c) for c in reach) if noisy else False
            code = "noise_rules" if noisy and quiet else "window_outside_shifts"
            reasons[t.id] = [make_reason(code)]
            continue
        ok = []
        for c in windowed:
            m = problem.matrix_for(c).duration_s
            go = int(m[c.start_location, t.entry_location])
            back = int(m[t.exit_location, c.end_location])
            earliest = c.shift.start_s + go
            for lo, hi in problem.start_domains(t, c):
                s = max(lo, earliest)
                if s <= hi and s + t.service_duration_s + back <= c.latest_end_s:
                    ok.append(c.id)
                    break
        if not ok:
            noisy = t.noise_sensitive and t.noise_class != NoiseClass.NONE
            quiet = noisy and any(problem.start_domains(_quiet(t), c) for c in windowed)
            reasons[t.id] = [make_reason("noise_rules" if quiet else "window_outside_shifts")]
            continue
        allowed[t.id] = ok
    return allowed, reasons


def _quiet(task):
    return replace(task, noise_class=NoiseClass.NONE, noise_sensitive=False)


def tour_cost_eur(problem, tour) -> float:
    """Our own cost of a tour in euro: driving time and distance at the crew-day's rates,
    overtime, and lateness of its tasks (the parts of the objective a tour can change)."""
    c = problem.crew_day_by_id[tour.crew_day_id]
    w = problem.weights
    cost = tour.kpis.drive_s * c.cost_per_hour_eur / 3600 + tour.kpis.distance_m * \
        c.cost_per_km_eur / 1000 + tour.kpis.overtime_s * w.overtime_eur_per_hour / 3600
    for s in tour.stops:
        t = problem.task_by_id.get(s.ref)
        if t is not None and t.due_latest_s is not None and s.start_s > t.due_latest_s:
            cost += w.late_eur_per_day * max(t.urgency, 0.01) * (s.start_s - t.due_latest_s) / 86400
    return cost


def explain_unassigned(problem, tours: dict, task_ids, allowed, max_positions: int = 4,
                       penalty_of=None, deadline: float | None = None) -> dict[str, list[Reason]]:
    """For each unassigned task: the best insertion our checker finds.

    Feasible but dearer than the penalty -> ``insertion_too_costly`` (``not_due_yet`` for tasks
    not due in the horizon); feasible and cheaper -> ``search_stopped`` (honest: the search ran
    out of time); infeasible everywhere -> ``no_room`` with the minutes missing at the closest
    crew-day, or ``no_feasible_position`` when windows rather than shift length block it.
    """
    out: dict[str, list[Reason]] = {}
    locked_prefix: dict[str, int] = {}
    for x in problem.tasks:
        if x.locked_crew_day is not None and x.locked_position is not None:
            locked_prefix[x.locked_crew_day] = locked_prefix.get(x.locked_crew_day, 0) + 1
    for tid in task_ids:
        t = problem.task_by_id[tid]
        penalty = penalty_of(t) if penalty_of else 0.0
        if deadline is not None and time.time() > deadline:
            out[tid] = [make_reason("not_checked",
                                    work_h=round(t.service_duration_s / 3600, 1))]
            continue
        if t.locked_crew_day is not None:
            out[tid] = [make_reason("lock_infeasible", crew_day=problem.crew_day_by_id[
                t.locked_crew_day].label)]
            continue
        best_cost, best_cd, best_effort = None, None, None
        best_need, need_cd = None, None
        prev = problem.previous_plan.assignments.get(tid) if problem.previous_plan else None
        for cid in allowed.get(tid, []):
            tour = tours[cid]
            crew = problem.crew_day_by_id[cid]
            base = tour_cost_eur(problem, tour)
            seq = tour.sequence
            n_locked = locked_prefix.get(cid, 0)
            m = problem.matrix_for(crew).duration_s
            exits = [crew.start_location] + [_exit(problem, r) for r in seq]
            entries = [_entry(problem, r) for r in seq] + [crew.end_location]
            detours = sorted(
                (int(m[exits[p], t.entry_location] + m[t.exit_location, entries[p]]
                     - m[exits[p], entries[p]]), p)
                for p in range(n_locked, len(seq) + 1)
            )
            need_lb = tour.end_s + t.service_duration_s + detours[0][0] - crew.latest_end_s
            if need_lb > 0:
                if best_need is None or need_lb < best_need:
                    best_need, need_cd = need_lb, crew.label
                continue
            for _, p in detours[:max_positions]:
                new = retime_tour(problem, cid, seq[:p] + [tid] + seq[p:])
                if new.violations:
                    over = new.end_s - crew.latest_end_s
                    if over > 0 and (best_need is None or over < best_need):
                        best_need, need_cd = over, crew.label
                    continue
                move = problem.weights.move_eur if prev and prev[0] != cid else 0.0
                cost = tour_cost_eur(problem, new) - base + move
                if best_cost is None or cost < best_cost:
                    best_cost, best_cd = cost, crew.label
                    best_effort = (tour, new, move > 0)
        if best_cost is not None:
            params = dict(crew_day=best_cd, cost_eur=round(best_cost, 2))
            if not problem.is_due_in_horizon(t):
                due = problem.time_axis.day_of(t.due_earliest_s) if problem.time_axis else None
                de, en = day_phrase(due) if due else ("später", "later")
                out[tid] = [make_reason("not_due_yet", prize_eur=round(penalty, 2), due_day=de,
                                        due_day_en=en, **params)]
            elif best_cost > penalty:
                what, what_en = _effort(problem, *best_effort[:2], t, best_effort[2])
                out[tid] = [make_reason("insertion_too_costly", penalty_eur=round(penalty, 2),
                                        what=what, what_en=what_en, **params)]
            else:
                out[tid] = [make_reason("search_stopped", penalty_eur=round(penalty, 2), **params)]
        elif best_need is not None and not problem.is_due_in_horizon(t):
            due = problem.time_axis.day_of(t.due_earliest_s) if problem.time_axis else None
            de, en = day_phrase(due) if due else ("später", "later")
            out[tid] = [make_reason("not_due_no_room", minutes=max(1, round(best_need / 60)),
                                    crew_day=need_cd, due_day=de, due_day_en=en)]
        elif best_need is not None:
            out[tid] = [make_reason("no_room", minutes=max(1, round(best_need / 60)),
                                    crew_day=need_cd)]
        else:
            out[tid] = [make_reason("no_feasible_position")]
    return out


def _entry(problem, ref: str) -> int:
    t = problem.task_by_id.get(ref)
    return t.entry_location if t is not None else problem.reload_by_id[ref].location


def _exit(problem, ref: str) -> int:
    t = problem.task_by_id.get(ref)
    return t.exit_location if t is not None else problem.reload_by_id[ref].location
