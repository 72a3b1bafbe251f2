"""The line-up and locks bind the plan: a locked crew-day survives every plan mode unchanged, a
crew-day nobody may drive its vehicle gets no trailer work, a machine nobody may operate is not
planned.

Real SQLite copy of the Lauf walkthrough scenario (data/tenants/lauf.toml), the real Lauf road
graph and OR-Tools (deterministic solution limit).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from greentour.planning.current import current_plan
from greentour.planning.plan_service import run_plan_in_tenant
from greentour.planning.problem_builder import build_problem, crew_ref
from greentour.store import models, tenant_session
from greentour.workplace import board, lineup
from routing.params import SolveParams

FAST = SolveParams(time_limit_s=20, solution_limit=5, deterministic=True, workers=1)


def _tours_of(s, plan_id: int, day: dt.date) -> dict[int, list[tuple]]:
    """Crew-day id -> stops (kind, task, start) of the plan's tours on ``day``."""
    plan = s.get(models.Plan, plan_id)
    return {t.crew_day_id: [(st.kind, st.task_id, st.start_at) for st in t.stops]
            for t in plan.tours if t.crew_day.date == day}


def _staff(s, key: str) -> int:
    return s.scalar(select(models.Staff.id).where(models.Staff.config_key == key))


def test_locked_day_survives_week_planning(planner_store) -> None:
    """'Woche planen' again (mode plan, all five days) keeps every tour of a locked day exactly
    as it was (same stops, same times), even after an absence changed that day's crews; no
    task of the locked tours is planned a second time."""
    engine, tenant_id, day = planner_store
    week = run_plan_in_tenant(engine, tenant_id, day, "plan", FAST, with_demand=False,
                              days_count=5)
    tuesday = day + dt.timedelta(days=1)
    with tenant_session(engine, tenant_id) as s, s.begin():
        before = _tours_of(s, week["plan_id"], tuesday)
        assert before, "the first week plan has work on Tuesday"
        for cd in s.scalars(select(models.CrewDay).where(models.CrewDay.date == tuesday)):
            board.set_locked(s, cd.id, True)
        # someone on a locked Tuesday crew falls ill: the lock still holds
        sick = s.get(models.CrewDay, next(iter(before))).member_ids[0]
        lineup.report_absence(s, sick, tuesday, tuesday, "krank")
        locked_tasks = {task for stops in before.values() for _, task, _ in stops if task}
    again = run_plan_in_tenant(engine, tenant_id, day, "plan", FAST, with_demand=False,
                               days_count=5)
    with tenant_session(engine, tenant_id) as s:
        assert _tours_of(s, again["plan_id"], tuesday) == before
        plan = s.get(models.Plan, again["plan_id"])
        others = [st.task_id for t in plan.tours if t.crew_day.date != tuesday
                  for st in t.stops if st.task_id]
        assert not locked_tasks & set(others)
        assert not locked_tasks & {u.task_id for u in plan.unassigned}
        assert current_plan(s, tuesday).id == again["plan_id"]


def test_crew_day_without_licensed_driver_gets_no_trailer_work(planner_store) -> None:
    """Kolonne 1 drives Pritsche 1 (licence BE) with the ride-on mower on its trailer; with two
    people holding only class B it may not use the vehicle: the problem gives it no machine
    that travels on the trailer and no load, and the plan puts no mowing on it."""
    engine, tenant_id, day = planner_store
    with tenant_session(engine, tenant_id) as s, s.begin():
        crews = {cd.name: cd for cd in lineup.ensure_crew_days(s, day)}
        k1 = next(cd for name, cd in crews.items() if name.startswith("Kolonne 1"))
        k1.member_ids = [_staff(s, "wagner"), _staff(s, "koch")]
        for cd in crews.values():
            if cd is not k1:
                cd.member_ids = [i for i in cd.member_ids if i not in k1.member_ids]
        k1_id = k1.id
    with tenant_session(engine, tenant_id) as s:
        built = build_problem(s, [day])
        crew = built.problem.crew_day_by_id[crew_ref(k1_id)]
        assert crew.equipment == {"brush_cutter"}  # ride-on and wide-area mowers stay home
        assert crew.capacity == {} and crew.profile == "van"
        mowing = [t for t in built.problem.tasks if "ride_on_mower" in t.required_equipment]
        assert mowing
        assert all(crew.id not in built.problem.allowed_crew_day_ids(t) for t in mowing)
        s.rollback()
    result = run_plan_in_tenant(engine, tenant_id, day, "plan", FAST, with_demand=False)
    with tenant_session(engine, tenant_id) as s:
        plan = s.get(models.Plan, result["plan_id"])
        tour = next((t for t in plan.tours if t.crew_day_id == k1_id), None)
        kinds = {st.task.task_type for st in tour.stops if st.task} if tour else set()
        assert not kinds & {"mow", "mow_wide", "mow_ornamental", "mow_meadow"}
        mown = [st for t in plan.tours for st in t.stops if st.task and st.task.task_type == "mow"]
        assert mown, "other crews still mow"


def test_machine_nobody_may_operate_is_not_planned(planner_store) -> None:
    """The aerial lift goes with Kolonne 5; when its two aerial-platform operators are away, the
    lift is not in the crew-day's equipment, so the tree pruning with the lift is not planned
    there (the line-up's flag is a constraint)."""
    engine, tenant_id, day = planner_store
    with tenant_session(engine, tenant_id) as s, s.begin():
        for key in ("klein", "wolf"):
            lineup.report_absence(s, _staff(s, key), day, day, "Lehrgang")
        k5 = next(cd for cd in lineup.ensure_crew_days(s, day)
                  if cd.name.startswith("Kolonne 5"))
        k5.member_ids = [*k5.member_ids, _staff(s, "fischer")]
        k5_id = k5.id
    with tenant_session(engine, tenant_id) as s:
        built = build_problem(s, [day])
        assert "aerial_lift" not in built.problem.crew_day_by_id[crew_ref(k5_id)].equipment
        s.rollback()


def test_work_never_done_alone_says_no_team_is_formed(planner_store) -> None:
    """Tree pruning with the aerial lift needs three people (the scenario's task); when the
    lift's crew is only its operator, the task is left out with a reason in planner words (how
    many people with what), no euro figure."""
    engine, tenant_id, day = planner_store
    with tenant_session(engine, tenant_id) as s, s.begin():
        k5 = next(cd for cd in lineup.ensure_crew_days(s, day)
                  if cd.name.startswith("Kolonne 5"))
        k5.member_ids = [_staff(s, "klein")]
        prune_id = s.scalar(select(models.Task.id).where(models.Task.task_type == "prune_trees"))
    with tenant_session(engine, tenant_id) as s:
        built = build_problem(s, [day])
        (why,) = built.precheck_unassigned[prune_id]
        s.rollback()
    assert why["code"] == "no_team"
    assert why["de"].startswith("An diesem Tag ist keine Kolonne aus mindestens 3 Personen mit "
                                "Hubsteiger")
    assert "Motorsägenschein" in why["de"] and "€" not in why["de"]
    assert why["en"].startswith("No crew of at least 3 people with aerial lift")


def test_machine_booked_twice_goes_to_one_crew(planner_store) -> None:
    """The aerial lift put into two crews of Monday is equipment of the first (by name) only."""
    engine, tenant_id, day = planner_store
    with tenant_session(engine, tenant_id) as s, s.begin():
        crews = sorted(lineup.ensure_crew_days(s, day), key=lambda c: c.name)
        k5 = next(cd for cd in crews if cd.name.startswith("Kolonne 5"))
        k6 = next(cd for cd in crews if cd.name.startswith("Kolonne 6"))
        lift = s.scalar(select(models.Machine.id).where(models.Machine.kind == "aerial_lift"))
        k6.machine_ids = [*k6.machine_ids, lift]
        k6.member_ids = [*k6.member_ids, _staff(s, "wolf")]
        k5.member_ids = [i for i in k5.member_ids if i != _staff(s, "wolf")]
        ids = (k5.id, k6.id)
    with tenant_session(engine, tenant_id) as s:
        built = build_problem(s, [day])
        s.rollback()
    first, second = (built.problem.crew_day_by_id[crew_ref(i)] for i in ids)
    assert "aerial_lift" in first.equipment and "aerial_lift" not in second.equipment


def test_locked_tour_survives_every_plan_mode(planner_store) -> None:
    """A tour locked by itself (``Tour.locked``) is kept unchanged by 'Planen' and 'Neu planen'
    like a locked crew-day's tour; its crew-day takes no new work."""
    engine, tenant_id, day = planner_store
    first = run_plan_in_tenant(engine, tenant_id, day, "plan", FAST, with_demand=False)
    with tenant_session(engine, tenant_id) as s, s.begin():
        tour = max(s.get(models.Plan, first["plan_id"]).tours, key=lambda t: len(t.stops))
        tour.locked = True
        before = [(st.kind, st.task_id, st.start_at) for st in tour.stops]
        crew_day_id = tour.crew_day_id
    for mode in ("plan", "replan"):
        again = run_plan_in_tenant(engine, tenant_id, day, mode, FAST, with_demand=False)
        with tenant_session(engine, tenant_id) as s:
            tours = _tours_of(s, again["plan_id"], day)
            assert tours[crew_day_id] == before, mode
