"""Planner-language explanations: reasons for unassigned tasks and rule violations.

A :class:`Reason` is structured (a stable ``code`` plus parameters) so the web layer can filter
and translate, and carries a ready German and English message. The catalogue below is the one
place where the wording lives.

Messages speak the planner's language: they say what is missing (a machine, a qualification,
room on a day, the due day) and never show the solver's euro figures (those stay in ``params``
for tools; :data:`SOLVER_PARAMS`). Every number in a message is one the verdict rests on.
"""

from __future__ import annotations

from typing import Any

from routing.solution import Reason

# code -> (German template, English template); parameters are filled with str.format
CATALOGUE: dict[str, tuple[str, str]] = {
    # --- pre-check reasons (before solving) ---
    "no_qualified_crew_day": (
        "An keinem dieser Tage hat eine Kolonne {missing}",
        "On none of these days does a crew have {missing_en}",
    ),
    "no_vehicle_capacity": (
        "Kein Fahrzeug kann {amount} {kind} laden",
        "No vehicle can carry {amount} {kind}",
    ),
    "longer_than_any_shift": (
        "Dauer {duration_min} min ist länger als jede Schicht (längste {longest_min} min)",
        "Duration {duration_min} min is longer than any shift (longest {longest_min} min)",
    ),
    "window_outside_shifts": (
        "Kein Zeitfenster liegt in einer Schicht einer geeigneten Kolonne",
        "No time window lies inside a shift of a suitable crew-day",
    ),
    "noise_rules": (
        "Lärmschutz (32. BImSchV) lässt an keinem geeigneten Tag genug Zeit",
        "Noise rules (32. BImSchV) leave no time on any suitable day",
    ),
    "unreachable_location": (
        "Ort ist vom Betriebshof aus nicht über Straßen erreichbar",
        "Location cannot be reached by road from the depot",
    ),
    # --- post-solve reasons (from our checker's best insertion) ---
    "insertion_too_costly": (
        "{crew_day} könnte es übernehmen, aber nur mit {what}; bei dieser Dringlichkeit "
        "zurückgestellt",
        "{crew_day} could take it, but only with {what_en}; deferred at this urgency",
    ),
    "no_room": (
        "Keine Kolonne hat Platz: es fehlen {minutes} Minuten (am ehesten {crew_day})",
        "No crew-day has room: needs {minutes} more minutes (closest: {crew_day})",
    ),
    "not_due_yet": (
        "{crew_day} hätte Platz, aber die Arbeit ist erst ab {due_day} fällig",
        "{crew_day} has room, but the work is only due from {due_day_en}",
    ),
    "not_due_no_room": (
        "Erst ab {due_day} fällig; vorher hat keine Kolonne Platz (es fehlen {minutes} "
        "Minuten, am ehesten {crew_day})",
        "Only due from {due_day_en}; no crew-day before has room (needs {minutes} more "
        "minutes, closest: {crew_day})",
    ),
    "search_stopped": (
        "Passt zu {crew_day}; die Suche endete, bevor sie es einplante",
        "Fits into {crew_day}; the search ended before placing it",
    ),
    "no_feasible_position": (
        "Keine zulässige Position: Zeitfenster, Pausen oder Ladung der Touren lassen es nicht zu",
        "No feasible position: the tours' time windows, breaks or loads do not allow it",
    ),
    "not_checked": (
        "Nicht eingeplant (geschätzt {work_h} h Arbeit); für die genaue Prüfung reichte die "
        "Rechenzeit nicht",
        "Not planned (about {work_h} h of work); the time budget did not allow a detailed check",
    ),
    "lock_infeasible": (
        "Fest zugeordnet zu {crew_day}, dort aber nicht machbar",
        "Locked to {crew_day} but not feasible there",
    ),
    # --- violations (checker) ---
    "window_violated": (
        "{task}: Beginn {start} außerhalb der erlaubten Zeiten",
        "{task}: start {start} outside its allowed times",
    ),
    "noise_violated": (
        "{task}: Lärmschutz – Maschine läuft um {start} nicht erlaubt",
        "{task}: noise rules forbid the machine at {start}",
    ),
    "shift_start_violated": (
        "Tour beginnt {start} vor Schichtbeginn",
        "Tour starts {start}, before the shift",
    ),
    "shift_end_violated": (
        "Tour endet {end}, {minutes} Minuten nach Schichtende",
        "Tour ends {end}, {minutes} minutes after the shift",
    ),
    "overtime": (
        "Tour endet {end}: {minutes} Minuten Überstunden",
        "Tour ends {end}: {minutes} minutes overtime",
    ),
    "break_missed": (
        "Pause {name} kann nicht zwischen {earliest} und {latest} beginnen",
        "Break {name} cannot start between {earliest} and {latest}",
    ),
    "break_overlap": (
        "Pause {name} überschneidet {task}",
        "Break {name} overlaps {task}",
    ),
    "arbzg_total": (
        "ArbZG §4: {work_h} h Arbeit brauchen {needed_min} min Pause, geplant {planned_min} min",
        "ArbZG §4: {work_h} h of work need {needed_min} min break, planned {planned_min} min",
    ),
    "arbzg_stretch": (
        "ArbZG §4: {hours} h am Stück ohne Pause (höchstens 6 h)",
        "ArbZG §4: {hours} h without a break (at most 6 h)",
    ),
    "capacity_exceeded": (
        "Fahrzeug überladen: {amount} {kind} bei {capacity} zulässig",
        "Vehicle overloaded: {amount} {kind} with {capacity} allowed",
    ),
    "not_qualified": (
        "{task}: Kolonne hat nicht {missing}",
        "{task}: crew lacks {missing_en}",
    ),
    "cannot_carry": (
        "{task}: Fahrzeug kann die Ladung nicht aufnehmen",
        "{task}: vehicle cannot take the load",
    ),
    "lock_broken": (
        "{task}: fest zugeordnet zu {crew_day} an Position {position}",
        "{task}: locked to {crew_day} at position {position}",
    ),
    "timing_inconsistent": (
        "{task}: Zeiten passen nicht zur Fahrzeit ({detail})",
        "{task}: times do not match the travel time ({detail})",
    ),
    "unreachable_leg": (
        "{task}: keine Straßenverbindung vom vorigen Halt",
        "{task}: no road connection from the previous stop",
    ),
    "duplicate_task": (
        "{task} ist mehrfach eingeplant",
        "{task} is planned more than once",
    ),
    "unknown_stop": ("Unbekannter Halt {task}", "Unknown stop {task}"),
}


#: parameters kept for tools and tests but never put into a message (solver euro figures)
SOLVER_PARAMS = frozenset({"cost_eur", "penalty_eur", "prize_eur"})

#: planner names of the catalogue's machine kinds and qualifications (German, English); a code
#: not listed here is shown as it is
NAMES: dict[str, tuple[str, str]] = {
    "ride_on_mower": ("Aufsitzmäher", "ride-on mower"),
    "wide_area_mower": ("Großflächenmäher", "wide-area mower"),
    "tractor_flail_mower": ("Schlegelmäher am Traktor", "tractor flail mower"),
    "hedge_trimmer": ("Heckenschere", "hedge trimmer"),
    "brush_cutter": ("Freischneider", "brush cutter"),
    "aerial_lift": ("Hubsteiger", "aerial lift"),
    "chipper": ("Häcksler", "chipper"),
    "water_trailer": ("Wasseranhänger", "water trailer"),
    "chainsaw": ("Motorsägenschein", "chainsaw certificate"),
    "aerial_platform": ("Hubarbeitsbühnen-Befähigung", "aerial work platform licence"),
    "playground_inspector": ("Spielplatzprüfer", "playground inspector"),
    "tree_inspector": ("Baumkontrolleur", "tree inspector"),
    "plant_protection": ("Pflanzenschutz-Sachkunde", "plant protection certificate"),
    "first_aid": ("Ersthelfer", "first aider"),
}
for _cls in ("B", "BE", "C1", "C1E", "C", "CE", "T", "L"):
    NAMES[f"licence_{_cls}"] = (f"Fahrerlaubnis {_cls}", f"driving licence {_cls}")

WEEKDAYS_DE = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


def name_of(code: str, lang: str = "de") -> str:
    """Planner name of a machine kind or qualification code (the code when unknown)."""
    de, en = NAMES.get(code, (code, code))
    return de if lang == "de" else en


def day_phrase(day) -> tuple[str, str]:
    """'Donnerstag, 18.06.' and 'Thursday 18 Jun' for a date."""
    return (f"{WEEKDAYS_DE[day.weekday()]}, {day:%d.%m.}", f"{day:%A %d %b}")


def make_reason(code: str, **params: Any) -> Reason:
    """Build a Reason from the catalogue; missing ``*_en`` parameters fall back to the German."""
    de, en = CATALOGUE[code]
    fill = dict(params)
    for key in list(fill):
        fill.setdefault(f"{key}_en", fill[key])
    return Reason(code=code, params=params, message_de=de.format(**fill),
                  message_en=en.format(**fill))


#: a violation found by the checker is a reason attached to a place in a tour
Violation = Reason

# German / English names of equipment and qualifications are data of the tenant; we only join.


def describe_missing(
    equipment: set[str], qualifications: set[str], problem: Any = None,
) -> tuple[str, str]:
    """German and English phrase for missing equipment / qualifications, in planner names
    ("Hubsteiger und Motorsägenschein"): as the ``problem``'s ``equipment_names`` /
    ``qualification_names`` say, else :data:`NAMES`."""
    names = {**(getattr(problem, "equipment_names", None) or {}),
             **(getattr(problem, "qualification_names", None) or {})}
    codes = sorted(equipment) + sorted(qualifications)
    de = [names[c][0] if c in names else name_of(c, "de") for c in codes]
    en = [names[c][1] if c in names else name_of(c, "en") for c in codes]

    def join(items: list[str], word: str) -> str:
        return ", ".join(items[:-1]) + f" {word} " + items[-1] if len(items) > 1 else (
            items[0] if items else "–")

    return join(de, "und"), join(en, "and")


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
    from routing.problem import UNREACHABLE_S  # local: explain stays import-light
    from routing.timeaxis import NoiseClass

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
    from dataclasses import replace

    from routing.timeaxis import NoiseClass

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
    import time

    from routing.checker import retime_tour

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
