"""The catalogue of planner-language reasons for unassigned tasks and rule violations.

A :class:`~routing.solution.Reason` is structured (a stable ``code`` plus parameters) so the
web layer can filter and translate, and carries a ready German and English message. The
catalogue below is the one place where the wording lives.

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
