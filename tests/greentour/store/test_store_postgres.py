"""The same migrations and the tenant scope on a real PostgreSQL server (a throwaway cluster)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, inspect, select, text, update

from greentour.commands.handlers import HANDLERS
from greentour.jobs import claim_next, enqueue, get_job, run_worker
from greentour.store import delete_tenant, system_session, tenant_session
from greentour.store.base import Base
from greentour.store.models import Site, Task, Tenant

pytestmark = pytest.mark.postgres


def _tenant(engine: Engine, slug: str) -> int:
    with system_session(engine) as s, s.begin():
        t = Tenant(slug=slug, name=slug)
        s.add(t)
        s.flush()
        return t.id


def _site(name: str) -> Site:
    return Site(name=name, category="park", geometry_geojson="{}", geometry_type="Point",
                lon=11.28, lat=49.51)


def test_postgres_migrated_to_head(pg: Engine) -> None:
    """Upgrading an empty PostgreSQL database creates every model table."""
    assert set(Base.metadata.tables) <= set(inspect(pg).get_table_names())


def test_postgres_tenant_scope(pg: Engine) -> None:
    """On PostgreSQL too, unfiltered reads, bulk updates and deletes stay in the tenant."""
    a, b = _tenant(pg, "a"), _tenant(pg, "b")
    for tid in (a, b):
        with tenant_session(pg, tid) as s, s.begin():
            site = _site(f"park-{tid}")
            site.tasks.append(Task(task_type="mow", generator="cycle",
                                   due_earliest=dt.date(2026, 5, 4),
                                   due_latest=dt.date(2026, 5, 8), duration_s=600))
            s.add(site)
    with tenant_session(pg, a) as s, s.begin():
        assert s.scalars(select(Site.name)).all() == [f"park-{a}"]
        s.execute(update(Task).values(status="done"))
        s.execute(delete(Task))
    with tenant_session(pg, b) as s:
        assert s.scalar(select(func.count(Task.id))) == 1
        assert s.scalar(select(Task.status)) == "open"
    delete_tenant(pg, a)
    with tenant_session(pg, b) as s:
        assert s.scalar(select(func.count(Site.id))) == 1


def test_postgres_job_round_trip(pg: Engine, tmp_path: Path) -> None:
    """A job is claimed exclusively and run to done on PostgreSQL."""
    tid = _tenant(pg, "jobs")
    job_id = enqueue(pg, tid, "tenant_export", {"path": str(tmp_path / "x.json")})
    assert run_worker(pg, HANDLERS, once=True, poll_s=0.01) == 1
    assert get_job(pg, tid, job_id).status == "done"
    assert claim_next(pg, "w") is None


def test_postgres_write_session_is_a_plain_transaction(pg: Engine) -> None:
    """write_session/begin_write issue nothing on PostgreSQL; a read-then-write step commits
    although another connection committed in between."""
    from greentour.store import begin_write, write_connection, write_session

    tid = _tenant(pg, "schreiben")
    with write_session(pg, tid) as s, s.begin_nested():
        assert s.scalar(select(func.count(Site.id))) == 0
        with tenant_session(pg, tid) as other, other.begin():
            other.add(_site("zwischendurch"))
        begin_write(s)  # nothing to do here: no "BEGIN IMMEDIATE" on PostgreSQL
        s.add(_site("danach"))
    with write_connection(pg) as conn:
        assert conn.execute(text("SELECT count(*) FROM site")).scalar_one() == 2


def test_postgres_racing_plan_stores_get_distinct_versions(pg: Engine) -> None:
    """Two workers storing a plan for the same day at once: versions 2 and 3, never two "v2"
    (the first holds its transaction open after numbering; the second numbers after it)."""
    import threading

    from sqlalchemy.exc import IntegrityError

    from greentour.planning.current import next_version
    from greentour.store import write_session
    from greentour.store.models import Plan

    tid = _tenant(pg, "stadt-a")
    day = dt.date(2026, 6, 15)
    with write_session(pg, tid) as s:
        s.add(Plan(date_from=day, date_to=day, status="done", version=1))
    numbered = threading.Event()
    errors: list[BaseException] = []

    def store(hold_s: float, signal_after: bool) -> None:
        try:
            with write_session(pg, tid) as s:
                version = next_version(s, day, day)
                s.add(Plan(date_from=day, date_to=day, status="done", version=version))
                s.flush()
                if signal_after:
                    numbered.set()
                    threading.Event().wait(hold_s)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            numbered.set()

    first = threading.Thread(target=store, args=(1.0, True))
    first.start()
    numbered.wait(30)
    second = threading.Thread(target=store, args=(0.0, False))
    second.start()
    first.join(30)
    second.join(30)
    assert not errors, errors
    with tenant_session(pg, tid) as s:
        versions = sorted(s.scalars(select(Plan.version)).all())
    assert versions == [1, 2, 3]
    with pytest.raises(IntegrityError), write_session(pg, tid) as s:  # the constraint holds
        s.add(Plan(date_from=day, date_to=day, status="done", version=3))
