"""Unassigned tasks come with honest, structured reasons in German and English."""

from __future__ import annotations

import datetime as dt

import numpy as np
from routing_factory import AXIS, LINE_POINTS, MONDAY, crew, h, matrix, problem, task

from routing.explain import precheck
from routing.params import SolveParams
from routing.problem import UNREACHABLE_S, Problem, TimeWindow, TravelMatrix
from routing.reasons import make_reason
from routing.solve import solve
from routing.timeaxis import NoiseClass

DET = SolveParams(deterministic=True, solution_limit=30, workers=1)


def reason_of(sol, tid):
    (u,) = [u for u in sol.unassigned if u.task_id == tid]
    return u.reasons[0]


def test_missing_equipment_named_in_both_languages():
    """No crew-day with the aerial lift: the reason names the missing equipment."""
    p = problem(LINE_POINTS, [task("tree", 1, 30, required_equipment={"aerial_lift"})],
                [crew("c1")])
    r = reason_of(solve(p, DET), "tree")
    assert r.code == "no_qualified_crew_day"
    assert r.message_de == "An keinem dieser Tage hat eine Kolonne Hubsteiger"
    assert r.message_en == "On none of these days does a crew have aerial lift"


def test_missing_qualification():
    """A chainsaw job without a chainsaw-qualified crew says so."""
    p = problem(LINE_POINTS, [task("saw", 1, 30, required_qualifications={"chainsaw"})],
                [crew("c1")])
    assert "Motorsägenschein" in reason_of(solve(p, DET), "saw").message_de


def test_longer_than_any_shift():
    """A 10-hour job with 8-hour shifts is longer than any shift."""
    p = problem(LINE_POINTS, [task("huge", 1, 600)], [crew("c1")])
    r = reason_of(solve(p, DET), "huge")
    assert r.code == "longer_than_any_shift" and r.params["duration_min"] == 600


def test_window_outside_every_shift():
    """A window in the evening after every shift cannot be served."""
    t = task("late", 1, 30, time_windows=(TimeWindow(h(18), h(20)),))
    r = reason_of(solve(problem(LINE_POINTS, [t], [crew("c1")]), DET), "late")
    assert r.code == "window_outside_shifts"


def test_noise_rules_as_reason():
    """A mower job at a noise-sensitive site with only a Sunday crew-day: noise rules."""
    mow = task("mow", 1, 30, noise_class=NoiseClass.MOWER, noise_sensitive=True)
    p = problem(LINE_POINTS, [mow], [crew("sun", day_offset=6, day_type="sunday")])
    assert reason_of(solve(p, DET), "mow").code == "noise_rules"


def test_unreachable_location():
    """A site without road connection is reported as unreachable."""
    m = matrix(LINE_POINTS)
    dur = m.duration_s.copy()
    dur[:, 3] = UNREACHABLE_S
    dur[3, 3] = 0
    p = Problem((task("island", 3, 30),), (crew("c1"),),
                {"default": TravelMatrix(dur, m.distance_m)}, time_axis=AXIS)
    assert precheck(p)[1]["island"][0].code == "unreachable_location"


def test_no_room_says_how_many_minutes_are_missing():
    """Two 5-hour jobs for one 8-hour crew-day: the second lacks about two hours."""
    tasks = [task("a", 1, 300, urgency=2.0), task("b", 1, 300)]
    sol = solve(problem(LINE_POINTS, tasks, [crew("c1")]), DET)
    r = reason_of(sol, "b")
    assert r.code == "no_room"
    assert 120 <= r.params["minutes"] <= 125
    assert f"es fehlen {r.params['minutes']} Minuten" in r.message_de
    assert f"needs {r.params['minutes']} more minutes" in r.message_en


def test_work_not_due_yet_without_room_says_first_when_it_is_due():
    """A 5-hour job due only next week, beside a due one that fills the crew-day: the reason
    says when it is due, then what room is missing (not a bare "no crew has room")."""
    later = AXIS.at(MONDAY + dt.timedelta(days=7), 0)
    tasks = [task("a", 1, 300, urgency=2.0), task("b", 1, 300, due_earliest_s=later)]
    sol = solve(problem(LINE_POINTS, tasks, [crew("c1")]), DET)
    r = reason_of(sol, "b")
    assert r.code == "not_due_no_room"
    assert r.message_de.startswith("Erst ab Montag, 22.06. fällig")
    assert f"es fehlen {r.params['minutes']} Minuten" in r.message_de
    assert r.message_en.startswith("Only due from Monday 22 Jun")


def test_too_costly_reason_says_what_it_would_take_without_euro():
    """A far low-urgency job: the insertion cost exceeds the penalty (kept in params for
    tools); the message names the extra driving in minutes, and no euro figure."""
    far = [(0, 0), (70_000, 0)]
    p = problem(far, [task("far", 1, 30, urgency=0.02)], [crew("c1", cost_per_km_eur=1.0)])
    r = reason_of(solve(p, DET), "far")
    assert r.code == "insertion_too_costly"
    assert r.params["cost_eur"] > r.params["penalty_eur"] == 20.0
    assert "min zusätzlicher Fahrt" in r.message_de and "zurückgestellt" in r.message_de
    assert "min more driving" in r.message_en
    for text in (r.message_de, r.message_en):
        assert "€" not in text and "EUR" not in text


def test_not_due_yet_names_the_due_day():
    """Work due only after the plan's days on a crew-day with room: 'Kolonne hätte Platz, aber
    die Arbeit ist erst ab <Tag> fällig' (the issue's wording), no prize figures."""
    later = AXIS.day_start_s(AXIS.first_day) + 10 * 86400
    t = task("next", 1, 30, due_earliest_s=later, due_latest_s=later + 86400, urgency=0.01)
    p = problem(LINE_POINTS, [t], [crew("c1", name="Kolonne 3", cost_per_km_eur=50.0)])
    r = reason_of(solve(p, DET), "next")
    assert r.code == "not_due_yet"
    assert r.message_de.startswith("Kolonne 3 hätte Platz, aber die Arbeit ist erst ab ")
    assert r.message_de.endswith("fällig") and "€" not in r.message_de


def test_no_message_of_the_catalogue_shows_euro():
    """No template shows a euro figure or a solver cost parameter, in either language."""
    from routing.reasons import CATALOGUE, SOLVER_PARAMS

    for de, en in CATALOGUE.values():
        for text in (de, en):
            assert "€" not in text and "EUR" not in text
            assert not any("{" + p in text for p in SOLVER_PARAMS)


def test_reason_catalogue_fills_both_languages():
    """make_reason fills the German and English template from the same parameters."""
    r = make_reason("no_room", minutes=95, crew_day="Kolonne 2")
    assert r.message_de == "Keine Kolonne hat Platz: es fehlen 95 Minuten (am ehesten Kolonne 2)"
    assert r.message_en == "No crew-day has room: needs 95 more minutes (closest: Kolonne 2)"
    assert r.params == {"minutes": 95, "crew_day": "Kolonne 2"}


def test_precheck_allowed_respects_capacity():
    """A 3 m³ job is routable only on the crew-day whose truck carries 3 m³."""
    t = task("big", 1, 30, loads={"green_waste_m3": 3.0})
    p = problem(LINE_POINTS, [t], [crew("small", capacity={"green_waste_m3": 2.0}),
                                   crew("large", capacity={"green_waste_m3": 4.0})])
    allowed, reasons = precheck(p)
    assert allowed == {"big": ["large"]} and not reasons
    p2 = problem(LINE_POINTS, [t], [crew("small", capacity={"green_waste_m3": 2.0})])
    assert precheck(p2)[1]["big"][0].code == "no_vehicle_capacity"
    assert np.isclose(precheck(p2)[1]["big"][0].params["amount"], 3.0)

