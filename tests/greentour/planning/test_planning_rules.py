"""Rules of the store -> solver mapping found in a demo plan: fixed-day work is never early, orders
use the task catalogue, unnamed sites are named by their street, stored access points are used.

Real SQLite copy of the Lauf scenario, the real Lauf road graph and OR-Tools (deterministic
solution limit).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import Point
from sqlalchemy import func, select

from greentour.errors import BadInput, Conflict
from greentour.inventory import network
from greentour.planning import orders
from greentour.planning.current import current_plan
from greentour.planning.plan_service import run_plan_in_tenant
from greentour.planning.problem_builder import build_problem, task_ref
from greentour.planning.streets import street_index
from greentour.store import make_engine, models, tenant_session
from greentour.store.models_demand import TaskDetail
from greentour.workplace import board
from greentour.workplace.labels import at_street, site_label, site_ref
from routing.access import snap_sites
from routing.params import SolveParams

BERLIN = ZoneInfo("Europe/Berlin")
FAST = SolveParams(time_limit_s=20, solution_limit=5, deterministic=True, workers=1)


@pytest.fixture
def store(planner_scenario):
    """Engine, tenant id and day (a Monday) of a fresh copy of the walkthrough scenario."""
    engine = make_engine(planner_scenario.db_url)
    yield engine, planner_scenario.tenant_id, planner_scenario.day
    engine.dispose()


def _bins(s, site: models.Site, first: dt.date, generator: str = "cycle") -> int:
    task = models.Task(site_id=site.id, task_type="empty_bins", generator=generator,
                       due_earliest=first, due_latest=first, urgency=0.6, duration_s=600,
                       persons=1, notes="Papierkörbe Mo/Do")
    s.add(task)
    s.flush()
    return task.id


def _park(s) -> models.Site:
    return s.scalar(select(models.Site).where(models.Site.name == "Barth-Park"))


# --------------------------------------------------------------------------- fixed-day work
def test_cycle_task_windows_start_on_its_day_and_end_before_the_next_occurrence(store) -> None:
    """Bins Mo/Do: Monday's window ends at Thursday 00:00, Thursday's starts there; a Monday-only
    plan does not offer Thursday's bins; forecast work (at sites without time rules) keeps no
    window at all."""
    engine, tenant_id, day = store
    thursday = day + dt.timedelta(days=3)
    with tenant_session(engine, tenant_id) as s, s.begin():
        park = _park(s)
        monday_id, thursday_id = _bins(s, park, day), _bins(s, park, thursday)
        week = build_problem(s, [day + dt.timedelta(days=i) for i in range(5)])
        only_monday = build_problem(s, [day])
        forecast_ids = {t.id for t in s.scalars(select(models.Task).where(
            models.Task.generator == "forecast")) if not t.site.time_rules}
    tasks = week.problem.task_by_id
    axis = week.axis
    mon, thu = tasks[task_ref(monday_id)], tasks[task_ref(thursday_id)]
    assert [w.start_s for w in mon.time_windows] == [axis.day_start_s(day)]
    assert max(w.end_s for w in mon.time_windows) == axis.day_start_s(thursday)
    assert min(w.start_s for w in thu.time_windows) == axis.day_start_s(thursday)
    allowed_mon = {week.problem.crew_day_by_id[c].day
                   for c in week.problem.allowed_crew_day_ids(mon)}
    allowed_thu = {week.problem.crew_day_by_id[c].day
                   for c in week.problem.allowed_crew_day_ids(thu)}
    assert max(allowed_mon) < thursday <= min(allowed_thu)
    assert task_ref(thursday_id) not in only_monday.problem.task_by_id
    forecast = [t for t in week.problem.tasks if week.task_ids[t.id] in forecast_ids]
    assert forecast and all(t.time_windows == () for t in forecast)


def test_week_plan_serves_no_fixed_day_task_early_nor_two_occurrences_on_one_crew_day(
        store) -> None:
    """In a stored week plan every cycle task starts on or after its first day, and the Monday and
    Thursday bins of one site are on different crew-days (the demo had both on Monday)."""
    engine, tenant_id, day = store
    thursday = day + dt.timedelta(days=3)
    with tenant_session(engine, tenant_id) as s, s.begin():
        park = _park(s)
        pair = (_bins(s, park, day), _bins(s, park, thursday))
    result = run_plan_in_tenant(engine, tenant_id, day, "plan", FAST, with_demand=False,
                                days_count=5)
    with tenant_session(engine, tenant_id) as s:
        plan = s.get(models.Plan, result["plan_id"])
        where: dict[int, int] = {}
        for tour in plan.tours:
            for st in tour.stops:
                if st.kind != "task":
                    continue
                where[st.task_id] = tour.crew_day_id
                if st.task.generator != "forecast":
                    assert tour.crew_day.date >= st.task.due_earliest, (st.task_id, tour.id)
    assert pair[0] in where and pair[1] in where, "both occurrences are planned in the week"
    assert where[pair[0]] != where[pair[1]]


def test_occurrence_overtaken_by_the_next_one_is_left_out_with_a_reason(store) -> None:
    """Last week's bins whose next occurrence is due today are not planned; the reason says so."""
    engine, tenant_id, day = store
    with tenant_session(engine, tenant_id) as s, s.begin():
        park = _park(s)
        old = _bins(s, park, day - dt.timedelta(days=4))
        current = _bins(s, park, day)
        built = build_problem(s, [day])
    assert task_ref(old) not in built.problem.task_by_id
    assert built.precheck_unassigned[old][0]["code"] == "superseded"
    assert "15.06." in built.precheck_unassigned[old][0]["de"]
    assert task_ref(current) in built.problem.task_by_id


# --------------------------------------------------------------------------- urgent orders
def test_urgent_order_uses_the_catalogue_type_and_refuses_unknown_types(store) -> None:
    """The storm order is the catalogue's storm_damage (chipper, chainsaw); an unknown type is
    refused with the known types named, and no task type is ever added."""
    engine, tenant_id, day = store
    with tenant_session(engine, tenant_id) as s, s.begin():
        n_types = s.scalar(select(func.count(models.TaskType.id)))
        form = orders.order_form_data(s)
        assert form["task_types"][0]["code"] == "storm_damage"
        park = _park(s)
        with pytest.raises(BadInput, match="Katalog.*Sturmschaden beseitigen"):
            orders.add_urgent_order(s, day=day, site_id=park.id,
                                    task_type="clear_storm_damage", duration_min=90)
        task = orders.add_urgent_order(s, day=day, site_id=park.id, task_type="storm_damage",
                                       duration_min=90, persons=2, note="Baum über Fußweg")
        assert (task.task_type, task.generator) == ("storm_damage", "order")
        assert task.due_earliest == task.due_latest == day
        assert task.duration_s == 90 * 60 and "Baum über Fußweg" in task.notes
        assert s.scalar(select(func.count(models.TaskType.id))) == n_types
        assert s.scalar(select(func.count(models.Task.id)).where(
            models.Task.task_type == "clear_storm_damage")) == 0


# --------------------------------------------------------------------------- site labels
def test_german_street_phrase() -> None:
    """'an der' for -straße, 'am' for -weg/-platz, a comma for names with a preposition."""
    assert at_street("Spielplatz", "Bahnhofstraße") == "Spielplatz an der Bahnhofstraße"
    assert at_street("Park", "Kunigundenweg") == "Park am Kunigundenweg"
    assert at_street("Wiese", "Am Gries") == "Wiese, Am Gries"
    assert at_street("Playground", "Bahnhofstraße", "en") == "Playground on Bahnhofstraße"


def test_unnamed_site_is_labelled_by_category_and_nearest_street(store) -> None:
    """An unnamed OSM playground reads 'Spielplatz an der/am <street of the graph>', the OSM id
    stays available as the secondary detail, and an addr:street tag wins."""
    engine, tenant_id, _ = store
    with tenant_session(engine, tenant_id) as s, s.begin():
        graph = network.road_graph(s)
        names = set(street_index(graph).names)
        unnamed = s.scalars(select(models.Site).where(
            func.coalesce(models.Site.name, "") == "",
            models.Site.category == "playground")).all()
        assert unnamed
        labels = [site_label(site) for site in unnamed]
        for site, label in zip(unnamed, labels, strict=True):
            assert label.startswith("Spielplatz"), label
            assert "OSM" not in label
            assert any(label.endswith(n) for n in names), label
            assert site_ref(site) == f"OSM {site.osm_type}/{site.osm_id}"
        site = unnamed[0]
        site.tags_json = {**(site.tags_json or {}), "addr:street": "Test<gasse"}
        assert site_label(site) == "Spielplatz an der Test<gasse"


# --------------------------------------------------------------------------- access points
def test_stored_access_point_is_used_not_snapped_again(store) -> None:
    """A site's stored access point (edge and offset, as the inventory stored it) is the plan's
    location even where snapping its site point would pick another edge; a row whose edge is
    not in the graph is snapped again."""
    engine, tenant_id, day = store
    with tenant_session(engine, tenant_id) as s, s.begin():
        graph = network.road_graph(s)
        park = _park(s)
        own = snap_sites(graph, [(0, Point(park.lon, park.lat))],
                         profiles=["flatbed_truck"])[0].primary.edge_point
        u, v, key = next((a, b, k) for a, b, k in graph.edges(keys=True)
                         if {a, b} != {own.u, own.v})
        length = graph.edges[u, v, key]["length"]
        s.add(models.AccessPoint(site_id=park.id, lon=park.lon, lat=park.lat, edge_u=u,
                                 edge_v=v, edge_key=key, offset_m=length / 2, distance_m=5.0))
        s.flush()
        s.refresh(park)
        built = build_problem(s, [day])
        loc = next(t.entry_location for t in built.problem.tasks
                   if built.task_ids[t.id] in {x.id for x in park.tasks})
        point = built.travel.locations[loc]
        assert (point.u, point.v, point.key) == (u, v, key)
        assert point.fraction == pytest.approx(0.5)
        park.access_points[0].edge_u = -1
        s.flush()
        again = build_problem(s, [day])
        point = again.travel.locations[loc]
        assert (point.u, point.v) != (u, v) and point is not None


# --------------------------------------------------------------------------- board overtime
def test_stored_plan_ends_every_tour_by_its_shift_end(store) -> None:
    """Without an overtime allowance no stored tour runs past its crew-day's shift end, even
    when the mowing crews have more work than shift time (the demo's 9.2 h of 8.2 h)."""
    engine, tenant_id, day = store
    with tenant_session(engine, tenant_id) as s, s.begin():
        for task in s.scalars(select(models.Task).where(models.Task.task_type == "mow")):
            task.duration_s *= 3
    result = run_plan_in_tenant(engine, tenant_id, day, "plan", FAST, with_demand=False,
                                days_count=2)
    with tenant_session(engine, tenant_id) as s:
        plan = s.get(models.Plan, result["plan_id"])
        assert plan.tours
        for tour in plan.tours:
            cd = tour.crew_day
            shift_end = dt.datetime.combine(cd.date, cd.shift_end, tzinfo=BERLIN)
            assert max(st.end_at for st in tour.stops) <= shift_end, cd.name
            assert tour.kpis_json["overtime_s"] == 0


def test_board_move_into_overtime_needs_the_planners_confirmation(store, monkeypatch) -> None:
    """With an hour of overtime allowed, a move that pushes a tour past its shift end is shown
    with a warning and refused until the planner confirms it; without the allowance the same
    move is refused as a violation."""
    engine, tenant_id, day = store
    monkeypatch.setenv("GREENTOUR_PLAN_MAX_OVERTIME_MIN", "60")
    run_plan_in_tenant(engine, tenant_id, day, "plan", FAST, with_demand=False)
    with tenant_session(engine, tenant_id) as s, s.begin():
        plan = current_plan(s, day)
        tour = next(t for t in plan.tours if t.crew_day.name.startswith("Kolonne 6"))
        cd = tour.crew_day
        end = max(st.end_at for st in tour.stops).astimezone(BERLIN)
        shift_end = dt.datetime.combine(day, cd.shift_end, tzinfo=BERLIN)
        # a job at a park as long as the time left in the shift, longer until it needs overtime
        spare_s = int((shift_end - end).total_seconds())
        job = _bins(s, _park(s), day)
        for extra_min in range(10, 70, 10):
            s.get(models.Task, job).duration_s = spare_s + extra_min * 60
            s.flush()
            checked = board.check_move(s, job, cd.id)
            if checked["added_overtime_min"] > 0:
                break
        assert checked["feasible"], checked["violations"]
        assert checked["added_overtime_min"] > 0 and "Überstunden" in checked["warnings"][0]
        with pytest.raises(Conflict, match="Überstunden"):
            board.apply_move(s, job, cd.id)
        assert current_plan(s, day).id == plan.id, "nothing stored without confirmation"
        monkeypatch.setenv("GREENTOUR_PLAN_MAX_OVERTIME_MIN", "0")
        refused = board.check_move(s, job, cd.id)
        assert not refused["feasible"]
        assert any("nach Schichtende" in v for v in refused["violations"]), refused["violations"]
        monkeypatch.setenv("GREENTOUR_PLAN_MAX_OVERTIME_MIN", "60")
        applied = board.apply_move(s, job, cd.id, confirm_overtime=True)
        where = {st.task_id: t.crew_day_id for t in current_plan(s, day).tours
                 for st in t.stops}
        assert applied["plan_id"] != plan.id and where[job] == cd.id


def test_board_refuses_a_cycle_task_before_its_day(store) -> None:
    """Dragging Thursday's bins onto Monday is refused with the day it is due from."""
    engine, tenant_id, day = store
    run_plan_in_tenant(engine, tenant_id, day, "plan", FAST, with_demand=False)
    with tenant_session(engine, tenant_id) as s, s.begin():
        thursday = _bins(s, _park(s), day + dt.timedelta(days=3))
        monday_crew = current_plan(s, day).tours[0].crew_day_id
        with pytest.raises(BadInput, match="fällig ab 18.06."):
            board.check_move(s, thursday, monday_crew)


def test_previous_plan_keeps_only_assignments_the_rules_still_allow(store) -> None:
    """A task the previous plan had before its (now later) first day does not warm-start the
    search on that crew-day; the other assignments stay."""
    engine, tenant_id, day = store
    run_plan_in_tenant(engine, tenant_id, day, "plan", FAST, with_demand=False)
    tuesday = day + dt.timedelta(days=1)
    with tenant_session(engine, tenant_id) as s, s.begin():
        plan = current_plan(s, day)
        stops = [st for t in plan.tours for st in t.stops if st.kind == "task"]
        moved = next(st.task for st in stops if st.task.generator == "cycle")
        moved.due_earliest = moved.due_latest = tuesday
        s.flush()
        built = build_problem(s, [day, tuesday])
    kept = built.problem.previous_plan.assignments
    assert task_ref(moved.id) not in kept
    assert len(kept) == len(stops) - 1


# --------------------------------------------------------------------------- work packages
def _packages(s, site: models.Site, first: dt.date, count: int = 3, last: dt.date | None = None,
              minutes: int = 150) -> list[int]:
    """A mowing job split into ``count`` linked parts, all due from ``first`` to ``last``
    (default: four days later)."""
    ids = []
    for k in range(1, count + 1):
        task = models.Task(site_id=site.id, task_type="mow", generator="forecast",
                           due_earliest=first, due_latest=last or first + dt.timedelta(days=4),
                           urgency=0.7, duration_s=minutes * 60, persons=1, load_m3=1.0,
                           package_index=k, package_of=count, notes=f"Teilfläche {k}/{count}")
        s.add(task)
        s.flush()
        s.add(TaskDetail(task_id=task.id, key=f"forecast:mow:{site.id}#{k}/{count}",
                         link_group=f"forecast:mow:{site.id}"))
        ids.append(task.id)
    s.flush()
    return ids


def test_package_parts_due_the_same_day_prefer_different_crews(store) -> None:
    """Parts of a split site due on the same day are all offered on that day (no part waits
    for a later day) and prefer different crews; parts due on different days prefer one crew."""
    engine, tenant_id, day = store
    week = [day + dt.timedelta(days=i) for i in range(5)]
    with tenant_session(engine, tenant_id) as s, s.begin():
        same_day = _packages(s, _park(s), day, count=2, last=day)
        built = build_problem(s, week)
    problem = built.problem
    assert all(task_ref(t) in problem.task_by_id for t in same_day)
    prefs = problem.previous_plan.assignments
    crews = [problem.crew_day_by_id[prefs[task_ref(tid)][0]] for tid in same_day]
    assert [c.day for c in crews] == [day, day]
    assert crews[0].name != crews[1].name


def test_big_site_is_done_by_two_crews_on_one_day(store) -> None:
    """Two 5 h parts of a big site, both due on Monday, planned for Monday alone: no crew can
    do 10 h in a shift, yet both are served that day, by two different crews."""
    engine, tenant_id, day = store
    with tenant_session(engine, tenant_id) as s, s.begin():
        parts = _packages(s, _park(s), day, count=2, last=day, minutes=300)
    result = run_plan_in_tenant(engine, tenant_id, day, "plan", FAST, with_demand=False)
    with tenant_session(engine, tenant_id) as s:
        plan = s.get(models.Plan, result["plan_id"])
        where = {st.task_id: (tour.crew_day.date, tour.crew_day.name)
                 for tour in plan.tours for st in tour.stops if st.kind == "task"}
    assert all(tid in where for tid in parts), "both parts are planned on Monday"
    assert {where[tid][0] for tid in parts} == {day}
    assert len({where[tid][1] for tid in parts}) == 2
