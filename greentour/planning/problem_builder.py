"""Store -> routing problem: tasks, crew-days, reload points and road matrices of a planning day.

Ids in the problem are strings derived from the store ids (``t<task id>``, ``cd<crew-day id>``,
``r<reload point id>``); :class:`BuiltProblem` keeps the maps back. Tasks the solver must not see
because the store already knows they cannot be done (no access point on the road network) are
returned in ``precheck_unassigned`` with their reasons.

Rules encoded here, from the store to the solver's language:

* equipment = machine kinds of the crew-day's working machines (in repair: not there);
  qualifications = union of the members' qualifications; a crew-day without people plans nothing;
* work with a chainsaw or an aerial lift is never done alone (DGUV rules on lone working): such
  tasks need at least their ``persons``;
* loads: green waste in m³ (positive), water in l (negative: poured from the tank);
* site time rules (funerals, school hours) through :mod:`greentour.demand.calendars`; noise rules
  (32. BImSchV) by the solver from the task type's noise class and the site's flag;
* a locked crew-day is never changed by any plan mode: its current tour (stops, times, legs) is
  copied into the new plan unchanged (``BuiltProblem.locked_tour_ids``), its tasks stay out of
  the problem, and it takes no new work (no task may use it);
* the line-up binds: a vehicle nobody on the crew-day may drive is not used (no load, no
  machine that travels on or behind it), a machine nobody may operate, in repair or booked by
  an earlier crew (by name) of the same day is not there
  (:func:`greentour.workplace.lineup.usable_kit`);
* cycle, deadline and order tasks have a fixed first day: their time windows start at local
  midnight of ``due_earliest`` (a hard bound; only forecast work may be done early, as optional
  work with a small prize) and end at midnight before the next occurrence of the same duty at
  the same site, so two occurrences (bins Monday and Thursday) never share a crew-day; such a
  task whose first day lies after the planning days is not offered at all;
* work packages of one split site (same ``TaskDetail.link_group``) are parts of at most one
  shift that several crews may do on the same day and over the due window (no order between
  them is enforced); each part gets a preferred crew-day on its own due day — one crew across
  days, different crews for parts due the same day — through the solver's stability
  preference (:class:`routing.problem.PreviousPlan`; moving a part elsewhere costs
  ``move_eur``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import routing as rp
from greentour.demand.holidays_de import is_public_holiday
from greentour.demand.service import solver_time_windows
from greentour.demand.staleness import next_occurrences
from greentour.errors import BadInput
from greentour.planning import travel
from greentour.planning.current import current_plan, current_tour
from greentour.planning.shifts import parse_hhmm
from greentour.settings import get_settings
from greentour.store import session_tenant
from greentour.store.models import (
    AccessPoint,
    CrewDay,
    Depot,
    Machine,
    Plan,
    ReloadPoint,
    Site,
    Staff,
    Task,
    TaskType,
    Tour,
    Vehicle,
)
from greentour.store.models_demand import TaskDetail
from greentour.workplace.labels import EQUIPMENT_LABELS, QUALIFICATION_LABELS, site_label
from greentour.workplace.lineup import ensure_crew_days, usable_kit
from routing import DayType, NoiseClass, TimeAxis, describe_missing

#: kinds of work that are never done alone
NEVER_ALONE_EQUIPMENT = frozenset({"chainsaw", "aerial_lift"})
NEVER_ALONE_QUALIFICATIONS = frozenset({"chainsaw", "aerial_platform"})
#: task type noise classes (data/task_types.toml) -> the solver's classes
NOISE_CLASSES = {"lawn_mower": NoiseClass.MOWER, "mower": NoiseClass.MOWER,
                 "brush_cutter": NoiseClass.BRUSH_CUTTER}
#: tasks due up to this many days after the horizon are offered as optional work
LOOKAHEAD_DAYS = 7
RELOAD_KIND = {"green_waste": "green_waste_m3", "water": "water_l"}
#: generators whose tasks must not be served before ``due_earliest`` (forecast work may be early)
FIXED_DAY_GENERATORS = frozenset({"cycle", "deadline", "order"})
#: how a crew travels that may not drive its own vehicle (a car, licence class B)
NO_VEHICLE_PROFILE = "van"


@dataclass
class BuiltProblem:
    """The routing problem plus everything needed to map the solution back to the store."""

    problem: rp.Problem
    axis: TimeAxis
    task_ids: dict[str, int]
    crew_day_ids: dict[str, int]
    reload_ids: dict[str, int]
    locations: list[tuple[float, float]]
    travel: travel.Travel
    precheck_unassigned: dict[int, list[dict[str, str]]] = field(default_factory=dict)
    input_hash: str = ""
    previous_plan_id: int | None = None
    #: tours of locked crew-days, copied unchanged into the new plan
    locked_tour_ids: list[int] = field(default_factory=list)


def task_ref(task_id: int) -> str:
    return f"t{task_id}"


def crew_ref(crew_day_id: int) -> str:
    return f"cd{crew_day_id}"


def reason(code: str, de: str, en: str) -> dict[str, str]:
    """A stored reason: stable code plus German and English text."""
    return {"code": code, "de": de, "en": en}


def no_team_reason(persons: int, equipment: frozenset[str], quals: frozenset[str],
                   n_days: int) -> dict[str, str]:
    """Work never done alone (chainsaw, aerial lift) for which no crew-day of the planning days
    has ``persons`` people together with the machines and qualifications it needs."""
    what_de, what_en = describe_missing(set(equipment), set(quals))
    when_de = "An keinem dieser Tage ist eine" if n_days > 1 else "An diesem Tag ist keine"
    when_en = "on any of these days" if n_days > 1 else "on this day"
    return reason(
        "no_team",
        f"{when_de} Kolonne aus mindestens {persons} Personen mit {what_de} eingeteilt "
        "(diese Arbeit nie allein)",
        f"No crew of at least {persons} people with {what_en} {when_en} "
        "(this work is never done alone)",
    )


def _seconds(axis: TimeAxis, day: dt.date, t: dt.time) -> int:
    return axis.at(day, t.hour, t.minute)


def day_type(day: dt.date, land: str) -> DayType:
    if day.weekday() == 6:
        return DayType.SUNDAY
    return DayType.HOLIDAY if is_public_holiday(day, land) else DayType.WORKDAY


def crew_profile(vehicle: Vehicle | None, kit_vehicle: Vehicle | None) -> str:
    """Speed profile of a crew-day: its vehicle's; a crew that may not drive its vehicle goes by
    car (:data:`NO_VEHICLE_PROFILE`); no vehicle assigned: :data:`travel.DEFAULT_PROFILE`."""
    if kit_vehicle is not None:
        return kit_vehicle.profile
    return NO_VEHICLE_PROFILE if vehicle is not None else travel.DEFAULT_PROFILE


def _crew_day(
    axis: TimeAxis,
    cd: CrewDay,
    loc: int,
    people: dict[int, Staff],
    machines: dict[int, Machine],
    vehicle: Vehicle | None,
    land: str,
    max_overtime_s: int,
    held_elsewhere: frozenset[int] = frozenset(),
) -> rp.CrewDay:
    members = [people[i] for i in cd.member_ids if i in people]
    kit = usable_kit(cd, people, machines, vehicle, held_elsewhere)
    working = kit.machines
    breaks = []
    for name, (start, end) in zip(("Frühstück", "Mittag", "Pause 3", "Pause 4"),
                                  cd.breaks_json, strict=False):
        a, b = parse_hhmm(start), parse_hhmm(end)
        s = _seconds(axis, cd.date, a)
        length = _seconds(axis, cd.date, b) - s
        if length > 0 and cd.shift_start <= a and b <= cd.shift_end:
            breaks.append(rp.Break(s, s, length, name))
    capacity: dict[str, float] = {}
    if kit.vehicle is not None:
        if kit.vehicle.capacity_m3 > 0:
            capacity["green_waste_m3"] = kit.vehicle.capacity_m3
        # the tank of a water trailer the crew tows adds to the vehicle's own
        water_l = kit.vehicle.capacity_water_l + sum(m.capacity_water_l or 0.0 for m in working)
        if water_l > 0:
            capacity["water_l"] = water_l
    return rp.CrewDay(
        id=crew_ref(cd.id),
        day=cd.date,
        start_location=loc,
        end_location=loc,
        shift=rp.TimeWindow(
            _seconds(axis, cd.date, cd.shift_start), _seconds(axis, cd.date, cd.shift_end)
        ),
        breaks=tuple(breaks),
        max_overtime_s=max_overtime_s,
        capacity=capacity,
        profile=crew_profile(vehicle, kit.vehicle),
        day_type=day_type(cd.date, land),
        equipment=frozenset(m.kind for m in working),
        qualifications=frozenset(q for p in members for q in p.qualifications),
        name=cd.name,
    )


def _site_windows(
    task: Task, days: list[dt.date], axis: TimeAxis, land: str
) -> list[tuple[int, int]]:
    """The site's time rules (funerals, school hours) as windows on the axis, via the demand
    service's calendars; noise rules are left to the solver (it knows the machines' classes)."""
    return solver_time_windows(task, days, axis, land, "none")


def package_ranks(session: Session, tasks: Sequence[Task]) -> dict[int, tuple[str, int]]:
    """Task id -> (link group, rank among the group's parts in ``tasks``, 0-based by part index).

    Parts are linked by ``TaskDetail.link_group``; a part without a detail row falls back to
    site, task type and part count. Ranks count only the parts still to plan.
    """
    parts = [t for t in tasks if (t.package_of or 0) > 1 and t.package_index is not None]
    if not parts:
        return {}
    links = dict(session.execute(select(TaskDetail.task_id, TaskDetail.link_group).where(
        TaskDetail.task_id.in_([t.id for t in parts]))).all())
    groups: dict[str, list[Task]] = defaultdict(list)
    for t in parts:
        key = links.get(t.id) or f"{t.site_id}:{t.task_type}:{t.package_of}"
        groups[key].append(t)
    out: dict[int, tuple[str, int]] = {}
    for key, group in groups.items():
        if len(group) < 2:
            continue
        for rank, t in enumerate(sorted(group, key=lambda t: (t.package_index, t.id))):
            out[t.id] = (key, rank)
    return out


def package_preferences(
    problem: rp.Problem, ranks: dict[str, tuple[str, int]], work_days: list[dt.date],
    fixed: dict[str, tuple[str, int]],
) -> dict[str, tuple[str, int]]:
    """Task ref -> preferred (crew-day ref, position) for the parts of split sites.

    Each part prefers a crew-day on its share of the working days in its due window (a forecast
    part's own due day: the demand generator spreads a big site's parts): parts on different
    days prefer one crew (same crew-day name), parts due on the same day prefer different crews,
    so several crews share a big site on one day. A part already in ``fixed`` (the previous plan)
    keeps its crew-day and names the crew for the rest. A preference is soft (moving costs
    ``move_eur``)."""
    by_day_name = {(c.day, c.name): c.id for c in reversed(problem.crew_days)}
    names = sorted({c.name for c in problem.crew_days})
    axis = problem.time_axis
    load_s: dict[str, int] = defaultdict(int)
    groups: dict[str, list[tuple[int, rp.Task]]] = defaultdict(list)
    for ref, (key, rank) in ranks.items():
        if ref in problem.task_by_id:
            groups[key].append((rank, problem.task_by_id[ref]))

    def day_of(t: rp.Task, rank: int, count: int) -> dt.date:
        """The part's day: its share of the working days in its due window."""
        lo = axis.day_of(t.due_earliest_s) if axis and t.due_earliest_s is not None else None
        hi = axis.day_of(t.due_latest_s) if axis and t.due_latest_s is not None else None
        inside = [d for d in work_days if (lo is None or d >= lo) and (hi is None or d <= hi)]
        if not inside:
            before = [d for d in work_days if hi is None or d <= hi]
            return before[-1] if before else work_days[0]
        return inside[min(len(inside) - 1, rank * len(inside) // max(1, count))]

    out: dict[str, tuple[str, int]] = {}
    for key in sorted(groups):
        parts = sorted(groups[key], key=lambda p: p[0])
        allowed = {t.id: set(problem.allowed_crew_day_ids(t)) for _, t in parts}
        anchored = [problem.crew_day_by_id[fixed[t.id][0]].name for _, t in parts
                    if t.id in fixed]
        main = anchored[0] if anchored else min(names, key=lambda n: (load_s[n], n))
        taken: dict[dt.date, set[str]] = defaultdict(set)
        for r, t in parts:
            if t.id in fixed:
                continue
            day = day_of(t, r, len(parts))
            order = [main] + sorted((n for n in names if n != main), key=lambda n: (load_s[n], n))
            name = next((n for n in order if n not in taken[day]
                         and by_day_name.get((day, n)) in allowed[t.id]), None)
            if name is None:
                continue
            taken[day].add(name)
            load_s[name] += t.service_duration_s
            out[t.id] = (by_day_name[(day, name)], 10_000 + r)
    return out


def due_windows(
    task: Task,
    site_windows: list[tuple[int, int]],
    next_day: dt.date | None,
    axis: TimeAxis,
    horizon_end: dt.date,
) -> list[tuple[int, int]] | None:
    """The task's time windows on the axis (seconds), or None for "any time in a shift".

    Fixed-day tasks: from midnight starting ``due_earliest`` to midnight starting ``next_day``
    (the next occurrence) or past the horizon, intersected with the site's windows. An empty
    list means the task cannot be served in the horizon at all.
    """
    if task.generator not in FIXED_DAY_GENERATORS:
        return site_windows or None
    start_s = max(0, axis.day_start_s(task.due_earliest))
    end_s = axis.day_start_s(next_day) if next_day else axis.day_end_s(horizon_end)
    base = site_windows or [(0, axis.day_end_s(horizon_end))]
    out = [(max(a, start_s), min(b, end_s)) for a, b in base]
    return [(a, b) for a, b in out if a < b]


def _access_point(site: Site) -> tuple[float, float, AccessPoint | None] | None:
    """Where the crew stops for ``site``: lon, lat and the stored row of its first usable access
    point (the inventory's edge point is used as it is); a site never snapped (no rows) is
    snapped at planning time from its representative point; a site flagged no-access gives None.
    """
    if not site.access_points:
        return site.lon, site.lat, None
    usable = [a for a in site.access_points if not a.no_access]
    return (usable[0].lon, usable[0].lat, usable[0]) if usable else None


def _no_access_reason(site: Site) -> dict[str, str]:
    """Why a site without a usable access point cannot be planned, with the distance to the
    nearest drivable road when the inventory measured it (the limit is the tenant's
    ``[routing] access_max_distance_m``)."""
    far = [a.distance_m for a in site.access_points if a.distance_m is not None]
    if not far:
        return reason("no_access", "Fläche hat keinen Zufahrtspunkt am Straßennetz",
                      "Site has no access point on the road network")
    metres = round(min(far))
    return reason(
        "no_access",
        f"Fläche hat keinen Zufahrtspunkt am Straßennetz: nächste befahrbare Straße {metres} m "
        "entfernt (Zufahrt im Bestand prüfen)",
        f"Site has no access point on the road network: nearest drivable road {metres} m "
        "away (check the access in the inventory)",
    )


def allowed_overtime_s() -> int:
    """Overtime a planned tour may use, seconds: ``GREENTOUR_PLAN_MAX_OVERTIME_MIN`` (default 0:
    tours end by the shift end; the board then refuses moves past it). With an allowance the
    solver may plan overtime at ``Weights.overtime_eur_per_hour`` and the board asks the planner
    to confirm a move into it."""
    raw = get_settings().plan_max_overtime_min
    try:
        minutes = int(raw)
    except ValueError:
        raise BadInput(f"GREENTOUR_PLAN_MAX_OVERTIME_MIN muss eine ganze Zahl sein, nicht {raw!r}"
                       ) from None
    if not 0 <= minutes <= 240:
        raise BadInput("GREENTOUR_PLAN_MAX_OVERTIME_MIN muss zwischen 0 und 240 liegen")
    return minutes * 60


def previous_plan(session: Session, days: list[dt.date]) -> Plan | None:
    """The current plan of the first planning day (None: first plan)."""
    return current_plan(session, days[0])


def build_problem(
    session: Session,
    days: list[dt.date],
    *,
    stability: bool = True,
    max_overtime_s: int | None = None,
    progress: Any = None,
    include_task_ids: frozenset[int] = frozenset(),
    keep_locked: bool = False,
) -> BuiltProblem:
    """The routing problem of ``days`` (consecutive dates) from the store.

    ``keep_locked`` (the plan check): the locked crew-days' tours stay in the problem as locked
    tasks (crew-day and position fixed) instead of being set aside for copying.

    Tasks planned on other days by the current plans stay out, except ``include_task_ids`` (a
    task the planner drags from another day). ``max_overtime_s``: how long a tour may run past
    its shift end (None: :func:`allowed_overtime_s`, 0 unless the operator allows overtime).
    """
    if max_overtime_s is None:
        max_overtime_s = allowed_overtime_s()
    if not days:
        raise BadInput("Kein Planungstag angegeben")
    tenant = session_tenant(session)
    land = tenant.land or "BY"
    axis = TimeAxis(first_day=days[0], tz_name=tenant.timezone or "Europe/Berlin", land=land)
    crew_days = [cd for d in days for cd in ensure_crew_days(session, d)]
    crew_days = [cd for cd in crew_days if cd.member_ids]
    if not crew_days:
        raise BadInput("Für diesen Tag gibt es keine Kolonne mit Personal")
    people = {p.id: p for p in session.scalars(select(Staff))}
    machines = {m.id: m for m in session.scalars(select(Machine))}
    vehicles = {v.id: v for v in session.scalars(select(Vehicle))}
    depots = {d.id: d for d in session.scalars(select(Depot).order_by(Depot.id))}
    if not depots:
        raise BadInput("Es ist kein Betriebshof angelegt")
    default_depot = next(iter(depots.values()))
    types = {t.code: t for t in session.scalars(select(TaskType))}
    horizon_end = days[-1] + dt.timedelta(days=LOOKAHEAD_DAYS)
    tasks = session.scalars(
        select(Task)
        .where(Task.status.in_(("open", "planned")), Task.due_earliest <= horizon_end)
        .order_by(Task.id)
    ).all()
    locked_tours = locked_tours_of(session, crew_days)
    locked_at: dict[int, tuple[str, int]] = {}
    for tour in locked_tours:
        seq = [st.task_id for st in tour.stops if st.kind == "task" and st.task_id is not None]
        locked_at.update({tid: (crew_ref(tour.crew_day_id), pos) for pos, tid in enumerate(seq)})
    elsewhere = planned_on_other_days(session, days) - include_task_ids
    if not keep_locked:
        elsewhere |= set(locked_at)
    following = next_occurrences(tasks, FIXED_DAY_GENERATORS)
    # a fixed-day task whose first day lies after the planning days is not due in this plan
    tasks = [t for t in tasks if t.id not in elsewhere and not (
        t.generator in FIXED_DAY_GENERATORS and t.due_earliest > days[-1])]

    ranks = package_ranks(session, tasks)
    work_days = sorted({cd.date for cd in crew_days})

    # locations: depots, reload points, then one per task (its site's access point)
    points: list[tuple[float, float]] = []
    stored_rows: list[AccessPoint | None] = []
    loc_of: dict[tuple[str, int], int] = {}

    def add_point(key: tuple[str, int], lon: float, lat: float,
                  row: AccessPoint | None = None) -> int:
        if key not in loc_of:
            loc_of[key] = len(points)
            points.append((lon, lat))
            stored_rows.append(row)
        return loc_of[key]

    for depot in depots.values():
        add_point(("depot", depot.id), depot.lon, depot.lat)
    reload_rows = session.scalars(select(ReloadPoint).order_by(ReloadPoint.id)).all()
    for rpnt in reload_rows:
        add_point(("reload", rpnt.id), rpnt.lon, rpnt.lat)

    precheck: dict[int, list[dict[str, str]]] = {}
    task_items: list[tuple[Task, int]] = []
    for task in tasks:
        access = _access_point(task.site)
        if access is None:
            precheck[task.id] = [_no_access_reason(task.site)]
            continue
        task_items.append((task, add_point(("site", task.site_id), *access)))

    previous = previous_plan(session, days)
    prev_assign: dict[str, tuple[str, int]] = {}
    if previous is not None and stability:
        for tour in previous.tours:
            pos = 0
            for stop in tour.stops:
                if stop.kind == "task" and stop.task_id is not None:
                    prev_assign[task_ref(stop.task_id)] = (crew_ref(tour.crew_day_id), pos)
                    pos += 1

    if progress:
        progress(10, "Fahrzeiten auf dem Straßennetz")
    profiles = {crew_profile(vehicles.get(cd.vehicle_id),
                             usable_kit(cd, people, machines, vehicles.get(cd.vehicle_id)).vehicle)
                for cd in crew_days}
    trav = travel.build(session, points, profiles, stored_rows)

    problem_crews = []
    crew_ids: dict[str, int] = {}
    sizes: dict[str, int] = {}
    # a machine booked by two crews of a day goes to the first by name (the line-up flags it)
    holder: dict[tuple[dt.date, int], int] = {}
    for cd in sorted(crew_days, key=lambda c: (c.date, c.name)):
        for machine_id in cd.machine_ids:
            holder.setdefault((cd.date, machine_id), cd.id)
    for cd in crew_days:
        depot = depots.get(cd.depot_id) if cd.depot_id else default_depot
        loc = loc_of[("depot", (depot or default_depot).id)]
        elsewhere_held = frozenset(m for m in cd.machine_ids if holder[(cd.date, m)] != cd.id)
        pc = _crew_day(axis, cd, loc, people, machines, vehicles.get(cd.vehicle_id), land,
                       0 if cd.locked else max_overtime_s, elsewhere_held)
        problem_crews.append(pc)
        crew_ids[pc.id] = cd.id
        sizes[pc.id] = len([i for i in cd.member_ids if i in people])
    locked_crews = {crew_ref(cd.id) for cd in crew_days if cd.locked} | {
        crew_ref(t.crew_day_id) for t in locked_tours}

    problem_tasks = []
    task_items_locked: list[rp.Task] = []
    task_ids: dict[str, int] = {}
    for task, loc in task_items:
        ttype = types.get(task.task_type)
        equipment = frozenset(ttype.equipment) if ttype else frozenset()
        quals = frozenset(ttype.qualifications) if ttype else frozenset()
        ref = task_ref(task.id)
        allowed = None
        never_alone = equipment & NEVER_ALONE_EQUIPMENT or quals & NEVER_ALONE_QUALIFICATIONS
        lock = locked_at.get(task.id) if keep_locked else None
        if lock is not None:
            task_items_locked.append(_locked_task(task, loc, lock, equipment, quals, axis))
            task_ids[ref] = task.id
            continue
        if never_alone and task.persons > 1:
            allowed = frozenset(c for c, n in sizes.items() if n >= task.persons)
            kitted = [c for c in problem_crews if c.id not in locked_crews
                      and equipment <= c.equipment and quals <= c.qualifications]
            if kitted and not any(c.id in allowed for c in kitted):
                # the machines and qualifications are there, but never with enough people
                precheck[task.id] = [no_team_reason(task.persons, equipment, quals, len(days))]
                continue
        # a locked crew-day takes no new work
        allowed = (allowed if allowed is not None else frozenset(sizes)) - locked_crews
        site_windows = _site_windows(task, days, axis, land) if task.site.time_rules else []
        spans = due_windows(task, site_windows, following.get(task.id), axis, horizon_end)
        if spans == []:
            nxt = following.get(task.id)
            precheck[task.id] = [reason(
                "superseded",
                f"Nächster Termin derselben Arbeit ab {nxt:%d.%m.} – dieser entfällt"
                if nxt else "Kein erlaubter Zeitraum in den Planungstagen",
                f"Next occurrence of the same duty from {nxt:%d %b} – this one lapses"
                if nxt else "No allowed time in the planning days",
            )]
            continue
        windows = [rp.TimeWindow(a, b) for a, b in spans or ()]
        loads: dict[str, float] = {}
        if task.load_m3:
            loads["green_waste_m3"] = float(task.load_m3)
        if task.water_l:
            loads["water_l"] = -float(task.water_l)
        noise = NOISE_CLASSES.get(ttype.noise_class or "", NoiseClass.NONE) if ttype else (
            NoiseClass.NONE)
        problem_tasks.append(rp.Task(
            id=ref,
            entry_location=loc,
            service_duration_s=int(task.duration_s),
            time_windows=tuple(windows),
            due_earliest_s=axis.day_start_s(task.due_earliest),
            due_latest_s=axis.day_end_s(task.due_latest) - 1,
            urgency=max(0.05, float(task.urgency)),
            loads=loads,
            noise_class=noise,
            noise_sensitive=bool(task.site.noise_sensitive),
            required_equipment=equipment,
            required_qualifications=quals,
            allowed_crew_days=allowed,
            name=f"{site_label(task.site)} – {ttype.name_de if ttype else task.task_type}",
        ))
        task_ids[ref] = task.id

    problem_tasks = task_items_locked + problem_tasks
    reloads = []
    reload_ids: dict[str, int] = {}
    for rpnt in reload_rows:
        kind = RELOAD_KIND.get(rpnt.kind)
        if kind is None:
            continue
        ref = f"r{rpnt.id}"
        reloads.append(rp.ReloadPoint(
            id=ref, location=loc_of[("reload", rpnt.id)], kinds=frozenset({kind}),
            service_duration_s=int(rpnt.service_s), name=rpnt.name,
        ))
        reload_ids[ref] = rpnt.id

    problem = rp.Problem(
        tasks=tuple(problem_tasks),
        crew_days=tuple(problem_crews),
        matrices=trav.matrices,
        reload_points=tuple(reloads),
        time_axis=axis,
        equipment_names=EQUIPMENT_LABELS,
        qualification_names=QUALIFICATION_LABELS,
    )
    by_id = problem.task_by_id
    # the previous plan warm-starts the search: keep only assignments still allowed (a plan
    # made before the fixed-day rule may hold Thursday's bins on Monday)
    kept = {k: v for k, v in prev_assign.items() if k in by_id and v[0] in crew_ids
            and v[0] in problem.allowed_crew_day_ids(by_id[k])}
    kept.update(package_preferences(
        problem, {task_ref(tid): v for tid, v in ranks.items()}, work_days, kept))
    if prev_assign or kept:
        problem = dataclasses.replace(problem, previous_plan=rp.PreviousPlan(kept))
    digest = hashlib.sha256(json.dumps({
        "days": [d.isoformat() for d in days],
        "tasks": sorted((t.id, t.duration_s, t.due_earliest.isoformat(), t.due_latest.isoformat())
                        for t, _ in task_items),
        "crews": sorted((cd.id, cd.member_ids, cd.machine_ids, cd.vehicle_id, cd.locked)
                        for cd in crew_days),
        "locked_tours": sorted(t.id for t in locked_tours),
    }, default=str).encode()).hexdigest()
    return BuiltProblem(
        problem=problem,
        axis=axis,
        task_ids=task_ids,
        crew_day_ids=crew_ids,
        reload_ids=reload_ids,
        locations=points,
        travel=trav,
        precheck_unassigned=precheck,
        input_hash=digest,
        previous_plan_id=previous.id if previous else None,
        locked_tour_ids=[] if keep_locked else [t.id for t in locked_tours],
    )


def _locked_task(task: Task, loc: int, lock: tuple[str, int], equipment: frozenset[str],
                 quals: frozenset[str], axis: TimeAxis) -> rp.Task:
    """A task of a locked tour as the plan check sees it: on its crew-day at its position."""
    return rp.Task(
        id=task_ref(task.id), entry_location=loc, service_duration_s=int(task.duration_s),
        due_earliest_s=axis.day_start_s(task.due_earliest),
        due_latest_s=axis.day_end_s(task.due_latest) - 1,
        urgency=max(0.05, float(task.urgency)),
        loads={k: v for k, v in (("green_waste_m3", float(task.load_m3 or 0)),
                                 ("water_l", -float(task.water_l or 0))) if v},
        required_equipment=equipment, required_qualifications=quals,
        locked_crew_day=lock[0], locked_position=lock[1],
        name=site_label(task.site),
    )


def planned_on_other_days(session: Session, days: list[dt.date]) -> set[int]:
    """Tasks in the current tours of the week around ``days`` but outside them.

    Planning Monday again must not take Thursday's stops away (or list them as unassigned);
    they stay where the current plan of their day has them.
    """
    out: set[int] = set()
    first, last = days[0] - dt.timedelta(days=6), days[-1] + dt.timedelta(days=LOOKAHEAD_DAYS)
    seen: set[tuple[int, dt.date]] = set()
    day = first
    while day <= last:
        if day not in days:
            plan = current_plan(session, day)
            if plan is not None and (plan.id, day) not in seen:
                seen.add((plan.id, day))
                for tour in plan.tours:
                    if tour.crew_day.date == day:
                        out.update(st.task_id for st in tour.stops
                                   if st.kind == "task" and st.task_id is not None)
        day += dt.timedelta(days=1)
    return out


def locked_tours_of(session: Session, crew_days: list[CrewDay]) -> list[Tour]:
    """The current tours of ``crew_days`` that are locked (the crew-day or the tour itself),
    kept as they are."""
    out = []
    for cd in crew_days:
        tour = current_tour(session, cd)
        if tour is not None and (cd.locked or tour.locked):
            out.append(tour)
    return out
