"""Demand on the real Lauf sample: generators, packages, durations, calendars, balance, CLI.

Sites come from the real Lauf OSM extract through the inventory import (issue #3) with the
curated Lauf acceptance list (parks, playgrounds, cemeteries plus listed greens, lawns, a pitch,
hedges and a recreation ground), then the planner's bulk review (:func:`_planner_confirms`):
public greens in residential neighbourhoods and grass football pitches. Private gardens,
farmland meadows, scrub and the other candidates stay out. Weather is the real DWD file the
tenant configures (Bremen, standing in for Lauf). Young trees are entered here as the planner
would (none are in OSM).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from greentour.commands.tenants import apply_tenant_file
from greentour.demand import service
from greentour.demand.capacity import parse_week
from greentour.demand.store_io import metric_geometry
from greentour.errors import BadInput
from greentour.inventory.service import import_osm
from greentour.settings import REPO_ROOT
from greentour.store import make_engine, tenant_session
from greentour.store.models import (
    Completion,
    CrewDay,
    Site,
    SiteTargetTime,
    SiteTimeRule,
    Task,
    Tenant,
)
from greentour.store.models_demand import TaskDetail
from greentour.workplace.inventory_review import decide
from routing import problem as rp
from routing.timeaxis import TimeAxis

JUNE_WEEK = "2026-W25"  # 15-21 June 2026, inside the Bremen DWD record (ends 2026-06-28)

def _planner_confirms(session) -> int:
    """The planner's bulk review (as on the inventory page): public greens and lawns in
    residential neighbourhoods and grass football pitches are the town's; gardens, meadows,
    scrub and everything else stay candidates."""
    chosen = []
    for site in session.scalars(select(Site).where(Site.status == "candidate")):
        tags = site.tags_json or {}
        green = site.category in ("village_green", "lawn") and site.noise_sensitive
        pitch = (site.category == "sports_pitch" and tags.get("sport") in ("soccer", "multi", None)
                 and "surface" not in tags and tags.get("access") not in ("private", "no"))
        if green or pitch:
            chosen.append(site.id)
    return decide(session, chosen, "accept")


@pytest.fixture(scope="module")
def lauf_template(tmp_path_factory, _migrated_sqlite_template: Path, lauf_pbf: Path) -> Path:
    """A migrated database with the Lauf tenant (TOML), its sites and the site screening."""
    path = tmp_path_factory.mktemp("demand") / "lauf.sqlite"
    shutil.copyfile(_migrated_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    summary = apply_tenant_file(engine, REPO_ROOT / "data" / "tenants" / "lauf.toml")
    import_osm(engine, summary.tenant_id, lauf_pbf,
               acceptance_path=REPO_ROOT / "data" / "osm_acceptance_lauf.toml",
               cache_dir=path.parent / "cache")
    with tenant_session(engine, summary.tenant_id) as s, s.begin():
        service.screen_sites(s, lauf_pbf)
        _planner_confirms(s)
        parks = s.scalars(select(Site).where(Site.category == "park",
                                             Site.status == "accepted").order_by(Site.id)).all()
        for park in parks[:2]:
            service.set_young_trees(s, park.id, 4, dt.date(2025, 4, 15))
    engine.dispose()
    return path


@pytest.fixture
def lauf(tmp_path: Path, lauf_template: Path) -> tuple[Engine, int]:
    """A fresh copy of the Lauf database per test: (engine, tenant id)."""
    path = tmp_path / "lauf.sqlite"
    shutil.copyfile(lauf_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with tenant_session(engine, 1) as s:
        tenant_id = s.scalar(select(Tenant.id).where(Tenant.slug == "lauf"))
    yield engine, tenant_id
    engine.dispose()


@pytest.fixture(scope="module")
def june(tmp_path_factory, lauf_template: Path, data_dir: Path) -> Path:
    """The Lauf database after generating the June week's demand once (shared, read-only)."""
    path = tmp_path_factory.mktemp("june") / "lauf.sqlite"
    shutil.copyfile(lauf_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with tenant_session(engine, 1) as s, s.begin():
        service.generate_demand(s, parse_week(JUNE_WEEK), data_dir=data_dir)
    engine.dispose()
    return path


def _open(path: Path) -> Engine:
    return make_engine(f"sqlite:///{path}")


def _tasks(engine: Engine) -> list[tuple[Task, TaskDetail, Site]]:
    with tenant_session(engine, 1) as s:
        return s.execute(
            select(Task, TaskDetail, Site).join(TaskDetail, TaskDetail.task_id == Task.id)
            .join(Site, Site.id == Task.site_id).where(Task.status == "open")
        ).all()


# --------------------------------------------------------------------------- generators
def test_each_generator_yields_tasks_on_real_lauf_sites(june: Path) -> None:
    """June week: cycle, forecast and deadline tasks on accepted sites, none on gardens/meadows."""
    engine = _open(june)
    rows = _tasks(engine)
    by_gen: dict[str, set[str]] = {}
    for task, _detail, site in rows:
        by_gen.setdefault(task.generator, set()).add(task.task_type)
        assert site.status == "accepted" and site.in_maintenance
        assert site.category not in ("garden", "meadow", "farmland")
    with tenant_session(engine, 1) as s:
        outside = s.scalars(select(Site.id).where(Site.category.in_(("garden", "meadow")))).all()
        tasked = set(s.scalars(select(Task.site_id)))
        members = {m for d in s.scalars(select(TaskDetail)) for m in d.member_site_ids}
    assert len(outside) > 50 and not (set(outside) & (tasked | members))
    assert {"empty_bins", "inspect_playground_visual"} <= by_gen["cycle"]
    assert {"mow", "mow_wide", "water_trees"} <= by_gen["forecast"]
    assert "mow_wide" in by_gen["deadline"]  # pitches before Saturday's match
    engine.dispose()


def test_forecast_tasks_explain_weather_and_carry_water(june: Path) -> None:
    """Forecast mowing tasks say the grass height and trigger; watering carries litres."""
    engine = _open(june)
    rows = _tasks(engine)
    mow = [d for t, d, _ in rows if t.generator == "forecast" and t.task_type == "mow"]
    assert mow and all("Schnitt bei" in d.explanation for d in mow)
    water = [t for t, _, _ in rows if t.task_type == "water_trees"]
    # litres per young tree: the forecast's 100-150 l per watering (FLL: 75-100 l and more)
    trees = {t.id: d.quantity for t, d, _ in rows if t.task_type == "water_trees"}
    assert water and all(80 <= t.water_l / trees[t.id] <= 200 for t in water)
    assert {d.quantity_unit for t, d, _ in rows if t.task_type == "water_trees"} == {"trees"}
    assert {d.quantity_unit for t, d, _ in rows if t.task_type == "mow"} == {"m2"}
    monday = parse_week(JUNE_WEEK)
    assert all(monday <= t.due_latest and t.due_earliest <= monday + dt.timedelta(days=7)
               for t, _, _ in rows if t.generator == "forecast")
    engine.dispose()


def test_bins_follow_mon_thu_and_skip_corpus_christi(lauf, data_dir: Path) -> None:
    """Bins Mon/Thu: in the week of Corpus Christi (Thu 4 June 2026) the round moves to Friday."""
    engine, tenant_id = lauf
    with tenant_session(engine, tenant_id) as s, s.begin():
        service.generate_demand(s, dt.date(2026, 6, 1), forecast=False, data_dir=data_dir)
        days = set(s.scalars(select(Task.due_earliest).where(Task.task_type == "empty_bins")))
    assert days == {dt.date(2026, 6, 1), dt.date(2026, 6, 5)}


def test_deadline_task_appears_with_its_window(lauf, data_dir: Path) -> None:
    """Before All Saints' Day the cemeteries get tidy tasks due 17-31 October."""
    engine, tenant_id = lauf
    with tenant_session(engine, tenant_id) as s, s.begin():
        service.generate_demand(s, dt.date(2026, 10, 26), forecast=False, data_dir=data_dir)
        rows = s.execute(select(Task, Site).join(Site).where(
            Task.generator == "deadline", Task.task_type == "cemetery_tidy")).all()
    assert {site.category for _, site in rows} == {"cemetery"}
    assert all(t.due_latest == dt.date(2026, 10, 31) for t, _ in rows)
    assert all(dt.date(2026, 10, 17) <= t.due_earliest <= t.due_latest for t, _ in rows)
    # unsplit tasks (and the first part of a split one) open 14 days before
    assert {t.due_earliest for t, _ in rows if (t.package_index or 1) == 1} == {
        dt.date(2026, 10, 17)}
    assert all(t.urgency >= 0.85 for t, _ in rows)


def test_regenerating_does_not_duplicate(lauf, data_dir: Path) -> None:
    """A second run updates the week's open tasks instead of adding new ones."""
    engine, tenant_id = lauf
    monday = parse_week(JUNE_WEEK)
    with tenant_session(engine, tenant_id) as s, s.begin():
        first = service.generate_demand(s, monday, forecast=False, data_dir=data_dir)
        second = service.generate_demand(s, monday, forecast=False, data_dir=data_dir)
        stored = s.scalars(select(Task).where(Task.status == "open")).all()
    assert first["created"] == len(stored) and second.get("created", 0) == 0
    assert second["updated"] == first["created"]


def test_order_is_stored_and_bad_orders_refused(lauf) -> None:
    """An urgent storm order is due today; a bad priority or a candidate site is refused."""
    engine, tenant_id = lauf
    today = dt.date(2026, 6, 16)
    with tenant_session(engine, tenant_id) as s, s.begin():
        park = s.scalar(select(Site).where(Site.category == "park", Site.status == "accepted"))
        task = service.create_order(s, "lauf", park.id, "storm_damage", priority=3, persons=2,
                                    hours=3.0, description="Baum über Weg", today=today)
        assert (task.due_earliest, task.due_latest, task.generator) == (today, today, "order")
        assert task.duration_s == 3 * 3600 and task.duration_source == "Sollzeit"
        with pytest.raises(BadInput, match="Priorität"):
            service.create_order(s, "lauf", park.id, "storm_damage", priority=7, today=today)
        garden = s.scalar(select(Site).where(Site.category == "garden"))
        with pytest.raises(BadInput, match="nicht von eigenen Kolonnen"):
            service.create_order(s, "lauf", garden.id, "mow", today=today)


# --------------------------------------------------------------------------- packages
def test_split_site_packages_sum_to_whole(june: Path) -> None:
    """The large cemetery's mowing is split into linked parts that each fit a package, spread
    over the workdays of its due window."""
    engine = _open(june)
    rows = _tasks(engine)
    groups: dict[str, list[tuple[Task, TaskDetail]]] = {}
    for task, detail, _ in rows:
        if detail.link_group:
            groups.setdefault(detail.link_group, []).append((task, detail))
    assert groups, "expected at least one split site in the June week"
    with tenant_session(engine, 1) as s:
        from greentour.demand.store_io import task_type_specs

        specs = task_type_specs(s)
    for parts in groups.values():
        task0, detail0 = parts[0]
        spec = specs[task0.task_type]
        n = detail0.package_count
        assert len(parts) == n
        assert sorted(t.package_index for t, _ in parts) == list(range(1, n + 1))
        whole_variable = sum(t.duration_s - spec.setup_s for t, _ in parts)
        whole = spec.setup_s + whole_variable
        assert sum(t.duration_s for t, _ in parts) == whole + (n - 1) * spec.setup_s
        assert all(t.duration_s <= service.DemandSettings().max_package_s for t, _ in parts)
        # forecast parts spread over the window's workdays in part order, at most
        # ceil(n / days) a day; fixed-day parts keep the whole window
        ordered = sorted((t for t, _ in parts), key=lambda t: t.package_index)
        due = [t.due_latest for t in ordered]
        assert due == sorted(due)
        if task0.generator == "forecast":
            assert max(due.count(d) for d in due) <= -(-n // len(set(due)))
        else:
            assert len(set(due)) == 1 and len({t.due_earliest for t in ordered}) == 1
    engine.dispose()


def test_grouped_lawns_lie_within_walking_distance(june: Path) -> None:
    """Every pair of lawns grouped into one task is within 150 m on foot (x1.3 detour)."""
    engine = _open(june)
    rows = _tasks(engine)
    grouped = [d for _, d, _ in rows if len(d.member_site_ids) > 1]
    assert grouped, "expected grouped small lawns in Lauf"
    with tenant_session(engine, 1) as s:
        geoms = {site.id: metric_geometry(site.geometry_geojson)
                 for site in s.scalars(select(Site))}
    for detail in grouped:
        ids = detail.member_site_ids
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                assert geoms[a].distance(geoms[b]) * 1.3 <= 150.0 + 1e-6
    engine.dispose()


# --------------------------------------------------------------------------- durations
def test_target_time_overrides_and_reports_teach(lauf, data_dir: Path) -> None:
    """A Sollzeit replaces the formula; three long reports move the duration toward them."""
    engine, tenant_id = lauf
    monday = parse_week(JUNE_WEEK)
    with tenant_session(engine, tenant_id) as s, s.begin():
        pitch = s.scalar(select(Site).where(Site.category == "playground",
                                            Site.status == "accepted").order_by(Site.id))
        service.generate_demand(s, monday, forecast=False, data_dir=data_dir)
        visual = s.scalars(select(Task).where(Task.site_id == pitch.id,
                                              Task.task_type == "inspect_playground_visual")
                           ).first()
        formula_s = visual.duration_s
        assert visual.duration_source == "Formel"
        s.add(SiteTargetTime(site_id=pitch.id, task_type="inspect_playground_visual",
                             persons=1, hours=0.75))
        s.flush()
        service.generate_demand(s, monday, forecast=False, data_dir=data_dir)
        s.refresh(visual)
        assert (visual.duration_s, visual.duration_source) == (2700, "Sollzeit")
        assert visual.duration_s != formula_s
        # three visits of one person reported at 90 minutes each
        crew = CrewDay(date=monday - dt.timedelta(days=7), name="K6", member_ids=[1],
                       shift_start=dt.time(6, 30), shift_end=dt.time(15, 30))
        s.add(crew)
        s.flush()
        for k in range(3):
            start = dt.datetime(2026, 6, 1 + k, 8, 0, tzinfo=dt.UTC)
            s.add(Completion(crew_day_id=crew.id, task_id=visual.id, client_uuid=f"v{k}",
                             status="done", started_at=start,
                             finished_at=start + dt.timedelta(minutes=90)))
        s.flush()
        service.generate_demand(s, monday, forecast=False, data_dir=data_dir)
        s.refresh(visual)
    assert visual.duration_source == "gelernt aus 3 Besuchen"
    assert 2700 < visual.duration_s < 5400


# --------------------------------------------------------------------------- calendars
def test_calendar_windows_reach_the_solver_input(lauf) -> None:
    """A funeral block 10-12 and the noise rule shape the routing problem's allowed windows."""
    engine, tenant_id = lauf
    day = dt.date(2026, 3, 30)  # the Monday after the spring DST change
    with tenant_session(engine, tenant_id) as s, s.begin():
        cemetery = s.scalar(select(Site).where(Site.name == "Salvator-Friedhof"))
        s.add(SiteTimeRule(site_id=cemetery.id, kind="blocked", weekdays=[1, 2, 3, 4, 5],
                           start_local=dt.time(10, 0), end_local=dt.time(12, 0),
                           reason="Beerdigungen"))
        cemetery.noise_sensitive = True
        task = Task(site_id=cemetery.id, task_type="mow_ornamental", generator="order",
                    due_earliest=day, due_latest=day, duration_s=3600, persons=2)
        s.add(task)
        s.flush()
        s.refresh(cemetery)
        axis = TimeAxis(first_day=dt.date(2026, 3, 28), land="BY")  # Saturday before DST
        windows = service.solver_time_windows(task, [day], axis, "BY", "mower")
    # the same seconds as the solver's own clock for that day (shift 06:30-15:30) ...
    at = axis.at
    assert windows == [(at(day, 7), at(day, 10)), (at(day, 12), at(day, 20))]
    # ... and absolute: Saturday 24 h + Sunday 23 h (spring DST) + 7 h
    assert windows[0][0] == (24 + 23 + 7) * 3600
    ptask = rp.Task(id="t1", entry_location=1, service_duration_s=3600,
                    time_windows=tuple(rp.TimeWindow(a, b) for a, b in windows))
    crew = rp.CrewDay(id="c1", day=day, start_location=0, end_location=0,
                      shift=rp.TimeWindow(at(day, 6, 30), at(day, 15, 30)))
    zeros = np.zeros((2, 2), dtype=int)
    problem = rp.Problem(tasks=(ptask,), crew_days=(crew,),
                         matrices={"default": rp.TravelMatrix(zeros, zeros)}, time_axis=axis)
    assert problem.allowed_windows(ptask, crew) == [(at(day, 7), at(day, 10)),
                                                    (at(day, 12), at(day, 15, 30))]
    # a Sunday has no window at all at this noise-sensitive site
    with tenant_session(engine, tenant_id) as s:
        task = s.get(Task, task.id)
        assert service.solver_time_windows(task, [dt.date(2026, 3, 29)], axis, "BY", "mower") == []


def test_screening_flags_traffic_safety_and_noise(lauf_template: Path) -> None:
    """Some Lauf hedges lie in a clearance profile or sight triangle; residential lawns noisy."""
    engine = _open(lauf_template)
    from greentour.store.models_demand import SiteDemand

    with tenant_session(engine, 1) as s:
        rows = s.execute(select(SiteDemand, Site).join(Site)).all()
    hedges = [(d, site) for d, site in rows if site.category == "hedge"]
    assert any(d.traffic_safety and d.clearance_height_m in (4.5, 2.5) for d, _ in hedges)
    assert not all(d.traffic_safety for d, _ in hedges)
    noisy = [site for d, site in rows if d.noise_suggested]
    assert noisy and all(site.noise_sensitive for site in noisy)
    assert len(noisy) < len(rows)
    engine.dispose()


# --------------------------------------------------------------------------- balance and CLI
def test_june_week_capacity_balance_is_plausible(june: Path) -> None:
    """15 people in 6 crews offer ~570 person-hours; the due hours stay below that but are real."""
    engine = _open(june)
    with tenant_session(engine, 1) as s, s.begin():
        bal = service.capacity_balance(s, "lauf", JUNE_WEEK)
    assert 400 <= bal.available_h <= 600
    assert 150 <= bal.due_h <= bal.available_h
    assert {"cycle", "forecast", "deadline"} <= set(bal.by_generator)
    assert bal.by_type["mow_wide"] > 0 and bal.by_type["empty_bins"] > 0
    assert len([d for d in bal.days if d.available_h > 0]) == 5
    engine.dispose()


def test_cli_prints_tasks_and_balance(june: Path, tmp_path: Path, data_dir: Path) -> None:
    """``greentour demand --tenant lauf --week`` prints types, sources and the balance."""
    from greentour.cli import cli

    db = tmp_path / "cli.sqlite"
    shutil.copyfile(june, db)
    result = CliRunner().invoke(
        cli, ["demand", "--tenant", "lauf", "--week", JUNE_WEEK],
        env={"GREENTOUR_DATABASE_URL": f"sqlite:///{db}", "GREENTOUR_DATA_DIR": str(data_dir)},
    )
    assert result.exit_code == 0, result.output
    assert "Kapazitätsbilanz" in result.output and "Formel" in result.output
    assert "empty_bins" in result.output and "verfügbar" in result.output
    bad = CliRunner().invoke(cli, ["demand", "--tenant", "lauf", "--week", "Juni"],
                             env={"GREENTOUR_DATABASE_URL": f"sqlite:///{db}"})
    assert bad.exit_code == 1 and "Fehler:" in bad.output


def test_planner_decision_on_noise_survives_rescreening(lauf, lauf_pbf: Path) -> None:
    """The planner's 'not noise-sensitive' stands when OSM is screened again."""
    engine, tenant_id = lauf
    from greentour.store.models_demand import SiteDemand

    with tenant_session(engine, tenant_id) as s, s.begin():
        demand = s.scalar(select(SiteDemand).where(SiteDemand.noise_suggested.is_(True)))
        site = service.confirm_noise_sensitive(s, demand.site_id, False)
        assert site.noise_sensitive is False
        service.screen_sites(s, lauf_pbf)
        s.refresh(site)
        assert site.noise_sensitive is False and demand.noise_suggested is True


def test_clearance_cycle_only_on_flagged_hedges(lauf, data_dir: Path) -> None:
    """The May clearance cut (1 May is a holiday: moved to Mon 4 May) hits flagged hedges only."""
    engine, tenant_id = lauf
    from greentour.store.models_demand import SiteDemand

    with tenant_session(engine, tenant_id) as s, s.begin():
        service.generate_demand(s, dt.date(2026, 5, 4), forecast=False, data_dir=data_dir)
        rows = s.execute(select(Task, TaskDetail).join(TaskDetail, TaskDetail.task_id == Task.id)
                         .where(Task.task_type == "clearance_cut")).all()
        flagged = set(s.scalars(select(SiteDemand.site_id).join(Site).where(
            SiteDemand.traffic_safety.is_(True), Site.category == "hedge",
            Site.status == "accepted")))
    assert flagged and {t.site_id for t, _ in rows} == flagged
    assert {t.due_earliest for t, _ in rows} == {dt.date(2026, 5, 4)}
    assert all(t.urgency >= 0.9 and d.traffic_safety for t, d in rows)
    assert all("freihalten" in d.explanation for _, d in rows)


def test_demo_step_reports_week(june: Path, tmp_path: Path, data_dir: Path) -> None:
    """The demo's demand step regenerates the demo week and states due and available hours."""
    from types import SimpleNamespace

    from greentour.commands.demand import demo_step

    db = tmp_path / "demo.sqlite"
    shutil.copyfile(june, db)
    engine = make_engine(f"sqlite:///{db}")
    ctx = SimpleNamespace(engine=engine, tenant_id=1, day=dt.date(2026, 6, 17),
                          data_dir=data_dir, results={})
    line = demo_step(ctx)
    engine.dispose()
    assert line.startswith("Bedarf:") and "h fällig" in line and "h verfügbar" in line
    assert ctx.results["balance"]["week_start"] == "2026-06-15"
    # the week was generated before; the fixture's store predates the split of tasks longer than
    # their site's rules allow in one go, whose parts (new keys) are the only additions
    assert ctx.results["demand"].get("created", 0) <= 10


def test_forecast_uses_stored_weather_when_imported(lauf, data_dir: Path) -> None:
    """After ``import-weather`` the demand forecast reads the stored observations."""
    from greentour.forecast.weather import import_tenant_weather

    engine, tenant_id = lauf
    import_tenant_weather(engine, tenant_id, since=dt.date(2025, 1, 1),
                          files=[data_dir / "weather"
                                 / "produkt_klima_tag_20241226_20260628_00691.txt"])
    with tenant_session(engine, tenant_id) as s, s.begin():
        summary = service.generate_demand(s, parse_week(JUNE_WEEK), data_dir=data_dir)
    assert any("gespeicherte Wetterdaten" in n for n in summary["notes"])
    assert summary["by_generator"].get("forecast", 0) > 20


def test_site_rules_file_reaches_calendars(lauf) -> None:
    """data/site_rules_lauf.toml stores funerals and school hours once, however often applied."""
    engine, tenant_id = lauf
    path = REPO_ROOT / "data" / "site_rules_lauf.toml"
    with tenant_session(engine, tenant_id) as s, s.begin():
        first = service.apply_site_rules(s, path)
        again = service.apply_site_rules(s, path)
        assert again["replaced"] == first["rules"] == again["rules"]
        cemetery = s.scalar(select(Site).where(Site.name == "Salvator-Friedhof"))
        assert [r.reason for r in cemetery.time_rules] == [
            "Beerdigungen: keine Arbeiten mit Maschinen"]
        school = s.scalar(select(Site).where(Site.osm_type == "way", Site.osm_id == 23081228))
        task = Task(site_id=school.id, task_type="mow_wide", generator="order",
                    due_earliest=dt.date(2026, 6, 16), due_latest=dt.date(2026, 6, 16),
                    duration_s=3600, persons=1)
        s.add(task)
        s.flush()
        axis = TimeAxis(first_day=dt.date(2026, 6, 15), land="BY")
        term = service.solver_time_windows(task, [dt.date(2026, 6, 16)], axis, "BY")
        holidays = service.solver_time_windows(task, [dt.date(2026, 8, 4)], axis, "BY")
    tue, aug = dt.date(2026, 6, 16), dt.date(2026, 8, 4)
    assert term == [(axis.at(tue, 13), axis.at(tue, 20))]
    assert holidays == [(axis.day_start_s(aug), axis.day_end_s(aug))]  # summer holidays


def test_week_beyond_the_weather_still_gets_cycles(lauf, data_dir: Path) -> None:
    """After the weather record ends the planner is told why, and cycles are still generated."""
    engine, tenant_id = lauf
    with tenant_session(engine, tenant_id) as s, s.begin():
        summary = service.generate_demand(s, dt.date(2026, 7, 20), data_dir=data_dir)
    assert any("Wetterdaten enden am 28.06.2026" in n for n in summary["notes"])
    assert "forecast" not in summary["by_generator"] and summary["by_generator"]["cycle"] > 0


def test_demand_reads_the_stored_per_site_forecasts(june: Path, tmp_path: Path,
                                                    data_dir: Path) -> None:
    """Forecast tasks come from the stored per-site forecasts (no second forecast path): each
    mowing task's site has a stored forecast whose explanation it carries, lawns without a
    recorded cut say the assumption, and a cut recorded afterwards removes the task."""
    from greentour.forecast.store_io import latest_forecasts
    from greentour.store.models import SiteLastService

    db = tmp_path / "cut.sqlite"
    shutil.copyfile(june, db)
    engine = make_engine(f"sqlite:///{db}")
    monday = parse_week(JUNE_WEEK)
    with tenant_session(engine, 1) as s, s.begin():
        stored = {(r.site_id, r.kind): r for r in latest_forecasts(s, as_of=monday)}
        single = s.execute(
            select(Task, TaskDetail).join(TaskDetail, TaskDetail.task_id == Task.id).where(
                Task.generator == "forecast", Task.task_type == "mow", Task.status == "open")
        ).all()
        single = [(t, d) for t, d in single if len(d.member_site_ids) == 1 and not d.link_group]
        assert single
        for task, detail in single:
            row = stored[(task.site_id, "mow")]
            assert row.as_of == monday and row.due_earliest is not None
            assert detail.explanation.startswith(row.text("de")[:60])
        assumed = [t for t, d in single if "laufender Betrieb angenommen" in d.explanation]
        assert assumed
        task = assumed[0]
        s.add(SiteLastService(site_id=task.site_id, task_type="mow", last_date=monday))
        s.flush()
        summary = service.generate_demand(s, monday, data_dir=data_dir)
        s.refresh(task)
        row = {(r.site_id, r.kind): r for r in latest_forecasts(s, [task.site_id])}[
            (task.site_id, "mow")]
    engine.dispose()
    assert any("neu berechnet" in n for n in summary["notes"])  # only the changed site
    assert task.status == "cancelled"
    assert row.explanation_json["since_service"]["last_service"] == monday.isoformat()
    assert not row.explanation_json["since_service"]["assumed"]


def test_tenant_demand_section_sets_the_package_length(lauf, data_dir: Path) -> None:
    """A town's ``[demand] max_package_h = 3`` splits every generated task into parts of 3 h."""
    engine, tenant_id = lauf
    with tenant_session(engine, tenant_id) as s, s.begin():
        tenant = s.get(Tenant, tenant_id)
        tenant.config_json = {**tenant.config_json,
                              "demand": {**tenant.config_json.get("demand", {}),
                                         "max_package_h": 3.0}}
        s.flush()
        service.generate_demand(s, dt.date(2026, 10, 26), forecast=False, data_dir=data_dir)
        rows = s.scalars(select(Task).where(Task.status == "open")).all()
    assert rows and max(t.duration_s for t in rows) <= 3 * 3600
    assert any(t.package_of and t.package_of > 1 for t in rows)


# --------------------------------------------------------------------------- seasons, stale work
MOWING = ("mow", "mow_wide", "mow_meadow", "mow_ornamental", "mow_pitch", "mulch_flail")


def test_december_week_has_no_mowing_watering_or_summer_work(lauf, data_dir: Path) -> None:
    """A December week (inside the weather record) gets bins, inspections and leaves, but no
    mowing, no watering and no summer hedge shaping: their seasons are over."""
    engine, tenant_id = lauf
    with tenant_session(engine, tenant_id) as s, s.begin():
        summary = service.generate_demand(s, dt.date(2025, 12, 8), data_dir=data_dir)
    types = set(summary["by_type"])
    assert summary["tasks"] > 0 and types
    assert not types & {*MOWING, "water_young_trees", "hedge_cut"}, types
    with tenant_session(engine, tenant_id) as s:
        codes = {t.task_type for t in s.scalars(select(Task).where(Task.status == "open"))}
    assert not codes & {*MOWING, "water_young_trees", "hedge_cut"}


def test_june_work_is_neither_overdue_nor_due_in_december(june: Path, tmp_path: Path) -> None:
    """Open June tasks seen in December: the map shows no site overdue or due because of them;
    settling closes them with a reason (mowing: out of season; inspections: lapsed) and
    carries a June order forward with its history; nothing is deleted."""
    from greentour.workplace.map_view import sites_geojson

    path = tmp_path / "december.sqlite"
    shutil.copyfile(june, path)
    engine = _open(path)
    december = dt.date(2026, 12, 7)
    with tenant_session(engine, 1) as s, s.begin():
        june_ids = {t.id for t in s.scalars(select(Task).where(Task.status == "open"))}
        assert any(t.task_type in MOWING for t in s.scalars(select(Task)))
        park = s.scalar(select(Site).where(Site.category == "park", Site.status == "accepted"))
        order = service.create_order(s, None, park.id, "storm_damage",
                                     due_latest=dt.date(2026, 6, 19), hours=2.0,
                                     today=dt.date(2026, 6, 17))
        order_id = order.id
        needs = {f["properties"]["need"] for f in sites_geojson(s, december)["features"]}
        assert "overdue" not in needs and "due" in needs  # the carried order is this week's
        counts = service.settle_past_tasks(s, december)
        assert counts["closed"] == len(june_ids) and counts["carried"] == 1
    with tenant_session(engine, 1) as s:
        rows = {t.id: t for t in s.scalars(select(Task).where(Task.id.in_(june_ids)))}
        assert len(rows) == len(june_ids) and all(t.status == "cancelled" for t in rows.values())
        mown = [t for t in rows.values() if t.task_type in MOWING and t.generator != "deadline"]
        assert mown and all("außerhalb der Saison" in t.notes for t in mown)
        assert all("Frist" in t.notes for t in rows.values() if t.generator == "deadline")
        carried = s.get(Task, order_id)
        assert carried.status == "open" and carried.due_earliest == december
        assert "ursprünglich fällig bis 19.06.2026" in carried.notes
        needs = {f["properties"]["need"] for f in sites_geojson(s, december)["features"]}
        assert "overdue" not in needs
    engine.dispose()
