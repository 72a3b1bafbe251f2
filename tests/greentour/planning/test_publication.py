"""Draft and publish without Flask: the demo's planning step publishes, tablets follow only
published versions, the change summary of a re-plan, the line-up banner.

Real SQLite copy of the Lauf walkthrough scenario, real OR-Tools (deterministic limit).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from test_planning_service import FAST, store  # noqa: F401 - the scenario store fixture

from greentour.commands import plan as plan_step
from greentour.crew import tour as crew_tour
from greentour.demo import DemoContext
from greentour.errors import BadInput
from greentour.planning import orders, publication
from greentour.planning.current import current_plan
from greentour.planning.plan_service import run_plan_in_tenant
from greentour.settings import Settings
from greentour.store import make_engine, models, tenant_session, write_session
from greentour.workplace import board, lineup


def test_demo_plan_step_publishes_so_the_tablets_show_tours(store, monkeypatch, tmp_path):  # noqa: F811 - imported fixture
    """The demo plans its days and publishes them: every planned crew-day has a tablet tour."""
    engine, tenant_id, day = store
    monkeypatch.setenv("GREENTOUR_PLAN_SOLUTION_LIMIT", "5")
    friday = day + dt.timedelta(days=4)
    ctx = DemoContext(settings=Settings(instance_dir=tmp_path), engine=engine, day=friday,
                      password="x", echo=print, tenant_id=tenant_id)
    assert "veröffentlicht" in plan_step.demo_step(ctx)
    with tenant_session(engine, tenant_id) as s:
        plan = current_plan(s, friday)
        assert plan.status == "published" and plan.published_at is not None
        assert plan.tours
        for tour in plan.tours:
            assert crew_tour.current_tour(s, tour.crew_day_id).id == tour.id
        assert publication.drafts(s, [friday]) == []


def test_tablets_keep_the_published_version_until_the_next_publication(store) -> None:  # noqa: F811 - imported fixture
    """A re-plan is a draft: tablets keep the published tour; the preview lists what changes;
    after publishing the tablet's tour is the new version with its changes."""
    engine, tenant_id, day = store
    # a light week (three of four open tasks cancelled: the plan would otherwise fill every
    # crew with the week's work), so crews keep room for a board move
    with write_session(engine, tenant_id) as s:
        for i, task in enumerate(s.scalars(select(models.Task).where(models.Task.status == "open")
                                           .order_by(models.Task.id))):
            if i % 4:
                task.status = "cancelled"
    run_plan_in_tenant(engine, tenant_id, day, "plan", FAST, with_demand=False)
    with write_session(engine, tenant_id) as s:
        with pytest.raises(BadInput, match="Zwischen 1 und 14"):
            publication.publish(s, day, 0)
        first = publication.publish(s, day)
        assert first["crews"] and all(c["first_tour"] for c in first["crews"])
    # a task of some crew another crew of the day could take (the plan fills the crews, and
    # mowing needs a ride-on mower: take the first pair the board check accepts)
    crews = [c["crew_day_id"] for c in first["crews"]]
    with tenant_session(engine, tenant_id) as s:
        crew_day_id, moved_task, moved = next(
            (source, task_id, target)
            for source in crews
            for task_id in [st.task_id for st in crew_tour.current_tour(s, source).stops
                            if st.kind == "task"]
            for target in crews
            if target != source and board.check_move(s, task_id, target)["feasible"])
        published = crew_tour.current_tour(s, crew_day_id)
        version = published.plan.version
    # a lock is no line-up change; an absence is
    with write_session(engine, tenant_id) as s:
        board.set_locked(s, crew_day_id, True)
        assert publication.staleness(s, [day])["stale"] is False
        board.set_locked(s, crew_day_id, False)
        cd = s.get(models.CrewDay, crew_day_id)
        lineup.report_absence(s, cd.member_ids[0], day, day, "krank")
        assert publication.staleness(s, [day])["lineup"] >= 1
    # move the task to the other crew (a board edit: a draft)
    with write_session(engine, tenant_id) as s:
        board.apply_move(s, moved_task, moved, confirm_overtime=True)
    with tenant_session(engine, tenant_id) as s:
        assert crew_tour.current_tour(s, crew_day_id).plan.version == version
        preview = publication.preview(s, day)
        mine = next(c for c in preview["crews"] if c["crew_day_id"] == crew_day_id)
        target_name = s.get(models.CrewDay, moved).name
        assert mine["removed"][0]["to"].startswith(target_name)
        assert next(c for c in preview["crews"] if c["crew_day_id"] == moved)["added"]
    with write_session(engine, tenant_id) as s:
        publication.publish(s, day, 1, [d["id"] for d in preview["drafts"]])
    with tenant_session(engine, tenant_id) as s:
        now = crew_tour.current_tour(s, crew_day_id)
        assert now is None or now.plan.version > version
        if now is not None:
            assert moved_task not in [st.task_id for st in now.stops]
            assert publication.crew_changes(now.plan, crew_day_id)["removed"]
    # a published edit is not silently undone under the tablets
    with write_session(engine, tenant_id) as s:
        assert "schon veröffentlicht" in board.undo_last_edit(s, day)
        assert publication.drafts(s, [day]) == [] and current_plan(s, day).status == "published"


def test_new_order_after_the_plan_flags_it(store) -> None:  # noqa: F811 - imported fixture
    """An urgent order due today created after the plan makes the day's plan stale."""
    engine, tenant_id, day = store
    run_plan_in_tenant(engine, tenant_id, day, "plan", FAST, with_demand=False)
    with write_session(engine, tenant_id) as s:
        site_id = s.scalar(select(models.Site.id).where(models.Site.status == "accepted"))
        orders.add_urgent_order(s, day=day, site_id=site_id, task_type="storm_damage",
                                duration_min=60, persons=2, note="Ast auf dem Weg")
    with tenant_session(engine, tenant_id) as s:
        assert publication.staleness(s, [day]) == {"stale": True, "lineup": 0, "orders": 1}
        assert publication.staleness(s, [day + dt.timedelta(days=3)])["stale"] is False


def test_cli_plan_is_a_draft_unless_published(planner_scenario, monkeypatch, tmp_path) -> None:
    """``greentour plan`` stores a draft; with ``--publish`` the tablets get it at once."""
    from click.testing import CliRunner

    from greentour.cli import cli
    from greentour.commands.plan import DRAFT_LINE, PUBLISHED_LINE

    monkeypatch.setenv("GREENTOUR_DATABASE_URL", planner_scenario.db_url)
    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("GREENTOUR_PLAN_SOLUTION_LIMIT", "5")
    runner = CliRunner()
    day = planner_scenario.day.isoformat()
    result = runner.invoke(cli, ["plan", "--date", day])
    assert result.exit_code == 0 and result.output.strip().endswith(DRAFT_LINE), result.output
    result = runner.invoke(cli, ["plan", "--date", day, "--mode", "replan", "--publish"])
    assert result.exit_code == 0 and PUBLISHED_LINE in result.output, result.output
    engine = make_engine(planner_scenario.db_url)
    with tenant_session(engine, planner_scenario.tenant_id) as s:
        assert current_plan(s, planner_scenario.day).status == "published"
    engine.dispose()
