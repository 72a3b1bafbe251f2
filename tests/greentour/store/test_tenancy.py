"""Tenant isolation: no code path through the store returns or changes another tenant's rows."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, insert, select, text, update
from sqlalchemy.orm import Session, aliased, selectinload

from greentour.store import (
    TenantScopeError,
    delete_tenant,
    export_tenant,
    export_tenant_json,
    system_session,
    tenant_session,
)
from greentour.store.models import Membership, Site, SiteTimeRule, Task, User


def _site(name: str) -> Site:
    return Site(
        name=name,
        category="park",
        geometry_geojson='{"type":"Point","coordinates":[11.28,49.51]}',
        geometry_type="Point",
        lon=11.28,
        lat=49.51,
        status="accepted",
        in_maintenance=True,
    )


def _populate(engine: Engine, tenant_id: int, prefix: str) -> None:
    with tenant_session(engine, tenant_id) as s, s.begin():
        for i in range(3):
            site = _site(f"{prefix}-park-{i}")
            site.time_rules.append(
                SiteTimeRule(
                    kind="blocked",
                    weekdays=[1, 2],
                    start_local=dt.time(8),
                    end_local=dt.time(12),
                    reason="Schule",
                )
            )
            site.tasks.append(
                Task(
                    task_type="mow",
                    generator="cycle",
                    due_earliest=dt.date(2026, 5, 4),
                    due_latest=dt.date(2026, 5, 8),
                    duration_s=1800,
                )
            )
            s.add(site)


@pytest.fixture
def two_tenants(engine: Engine, make_tenant: Any) -> tuple[int, int]:
    a = make_tenant("stadt-a")
    b = make_tenant("stadt-b")
    _populate(engine, a.id, "A")
    _populate(engine, b.id, "B")
    return a.id, b.id


def test_forgotten_filter_returns_only_own_rows(
    engine: Engine, two_tenants: tuple[int, int]
) -> None:
    """A query without any tenant filter returns only the session tenant's sites."""
    a, _ = two_tenants
    with tenant_session(engine, a) as s:
        names = s.scalars(select(Site.name)).all()
        assert sorted(names) == ["A-park-0", "A-park-1", "A-park-2"]
        assert s.scalar(select(func.count()).select_from(Site)) == 3
        assert s.scalar(select(func.count(Task.id))) == 3


def test_joins_aliases_and_subqueries_are_scoped(
    engine: Engine, two_tenants: tuple[int, int]
) -> None:
    """Joins, aliases and subqueries are filtered by tenant too."""
    a, _ = two_tenants
    with tenant_session(engine, a) as s:
        site_alias = aliased(Site)
        rows = s.execute(select(Task.id, site_alias.name).join(site_alias, Task.site)).all()
        assert {name for _, name in rows} == {"A-park-0", "A-park-1", "A-park-2"}
        in_sub = select(func.count()).select_from(Task).where(Task.site_id.in_(select(Site.id)))
        assert s.scalar(in_sub) == 3


def test_get_by_primary_key_of_other_tenant_returns_none(
    engine: Engine, two_tenants: tuple[int, int]
) -> None:
    """session.get with another tenant's primary key finds nothing."""
    a, b = two_tenants
    with tenant_session(engine, b) as s:
        b_ids = s.scalars(select(Site.id)).all()
    with tenant_session(engine, a) as s:
        assert all(s.get(Site, i) is None for i in b_ids)


def test_relationship_loads_are_scoped(engine: Engine, two_tenants: tuple[int, int]) -> None:
    """Lazy and eager relationship loads never bring in another tenant's rows."""
    a, b = two_tenants
    with tenant_session(engine, b) as s, s.begin():
        b_task = s.scalars(select(Task)).first()
        assert b_task is not None
        b_task_id = b_task.id
    # Make a stored cross link on purpose (as a bug elsewhere might): A's task pointing at B's site.
    with engine.begin() as conn:
        a_task_id = conn.execute(
            text("SELECT id FROM task WHERE tenant_id = :a LIMIT 1"), {"a": a}
        ).scalar_one()
        b_site_id = conn.execute(
            text("SELECT site_id FROM task WHERE id = :b"), {"b": b_task_id}
        ).scalar_one()
        conn.execute(
            text("UPDATE task SET site_id = :s WHERE id = :t"), {"s": b_site_id, "t": a_task_id}
        )
    with tenant_session(engine, a) as s:
        task = s.get(Task, a_task_id)
        assert task is not None
        assert task.site is None  # B's site is invisible even through the foreign key
        sites = s.scalars(select(Site).options(selectinload(Site.tasks))).all()
        assert all(t.tenant_id == a for site in sites for t in site.tasks)
        assert all(r.tenant_id == a for site in sites for r in site.time_rules)


def test_bulk_update_and_delete_hit_only_own_rows(
    engine: Engine, two_tenants: tuple[int, int]
) -> None:
    """ORM UPDATE and DELETE without a tenant filter change only the session tenant's rows."""
    a, b = two_tenants
    with tenant_session(engine, a) as s, s.begin():
        s.execute(update(Task).values(status="cancelled"))
        s.execute(delete(SiteTimeRule))
    with engine.connect() as conn:
        counts = dict(
            conn.execute(
                text(
                    "SELECT tenant_id, count(*) FROM task WHERE status = 'cancelled'"
                    " GROUP BY tenant_id"
                )
            ).all()
        )
        rules = dict(
            conn.execute(
                text("SELECT tenant_id, count(*) FROM site_time_rule GROUP BY tenant_id")
            ).all()
        )
    assert counts == {a: 3}
    assert rules == {b: 3}


def test_plain_session_refuses_tenant_tables(engine: Engine, two_tenants: tuple[int, int]) -> None:
    """A session without tenant refuses to read or write tenant-owned tables at all."""
    with Session(engine) as s, pytest.raises(TenantScopeError, match="site"):
        s.scalars(select(Site)).all()
    with system_session(engine) as s, pytest.raises(TenantScopeError):
        s.execute(update(Task).values(status="done"))
    with system_session(engine) as s, pytest.raises(TenantScopeError):
        s.add(_site("orphan"))
        s.flush()


def test_core_statement_on_tenant_table_refused(
    engine: Engine, two_tenants: tuple[int, int]
) -> None:
    """A Core select on a tenant table (which loader criteria cannot filter) is refused."""
    a, _ = two_tenants
    with tenant_session(engine, a) as s, pytest.raises(TenantScopeError, match="Core"):
        s.execute(select(Site.__table__)).all()


def test_sql_text_on_tenant_table_refused(engine: Engine, two_tenants: tuple[int, int]) -> None:
    """Raw SQL text naming a tenant table is refused in tenant and plain sessions."""
    a, _ = two_tenants
    with tenant_session(engine, a) as s, pytest.raises(TenantScopeError, match="site"):
        s.execute(text("SELECT name FROM Site")).all()
    with system_session(engine) as s, pytest.raises(TenantScopeError):
        s.execute(text("UPDATE task SET status = 'done'"))
    with system_session(engine) as s:
        assert s.execute(text("SELECT count(*) FROM tenant")).scalar_one() == 2


def test_objects_of_other_tenant_refused_on_flush(
    engine: Engine, two_tenants: tuple[int, int]
) -> None:
    """Adding an object stamped with another tenant, or moving one, is refused; nothing stored."""
    a, b = two_tenants
    with tenant_session(engine, a) as s, pytest.raises(TenantScopeError):
        site = _site("intruder")
        site.tenant_id = b
        s.add(site)
        s.flush()
    with tenant_session(engine, a) as s, pytest.raises(TenantScopeError):
        own = s.scalars(select(Site)).first()
        assert own is not None
        own.tenant_id = b
        s.flush()
    with tenant_session(engine, b) as s:
        assert s.scalar(select(func.count(Site.id))) == 3


def test_reference_to_other_tenants_row_refused(engine: Engine,
                                               two_tenants: tuple[int, int]) -> None:
    """A new or changed foreign key pointing at another tenant's row is refused on flush."""
    a, b = two_tenants
    with tenant_session(engine, b) as s:
        b_site = s.scalars(select(Site.id)).first()
    with tenant_session(engine, a) as s, pytest.raises(TenantScopeError, match="Site #"):
        s.add(Task(site_id=b_site, task_type="mow", generator="order",
                   due_earliest=dt.date(2026, 5, 4), due_latest=dt.date(2026, 5, 4),
                   duration_s=60))
        s.flush()
    with tenant_session(engine, a) as s, pytest.raises(TenantScopeError, match="site_id"):
        task = s.scalars(select(Task)).first()
        assert task is not None
        task.site_id = b_site
        s.flush()


def test_bulk_insert_needs_own_tenant_id(engine: Engine, two_tenants: tuple[int, int]) -> None:
    """ORM bulk INSERT must carry the session's tenant_id in every row."""
    a, b = two_tenants
    row = {
        "name": "x",
        "category": "park",
        "geometry_geojson": "{}",
        "geometry_type": "Point",
        "lon": 1.0,
        "lat": 2.0,
        "source": "manual",
        "status": "candidate",
        "in_maintenance": False,
        "maintained_by": "own",
        "noise_sensitive": False,
        "tags_json": {},
    }
    with tenant_session(engine, a) as s, pytest.raises(TenantScopeError):
        s.execute(insert(Site), [{**row, "tenant_id": b}])
    with tenant_session(engine, a) as s, s.begin():
        s.execute(insert(Site), [{**row, "tenant_id": a}])
    with tenant_session(engine, a) as s:
        assert s.scalar(select(func.count(Site.id))) == 4


def test_new_objects_get_session_tenant(engine: Engine, tenant: Any) -> None:
    """New objects are stamped with the session's tenant id."""
    with tenant_session(engine, tenant.id) as s, s.begin():
        site = _site("neu")
        s.add(site)
    assert site.tenant_id == tenant.id


def test_export_contains_only_own_rows(
    engine: Engine, two_tenants: tuple[int, int], tmp_path: Path
) -> None:
    """The per-tenant export holds all rows of that tenant and none of the other."""
    a, b = two_tenants
    with system_session(engine) as s, s.begin():
        user = User(username="planer", password_hash="x")
        s.add(user)
        s.flush()
        s.add(Membership(tenant_id=a, user_id=user.id, role="admin"))
    data = export_tenant(engine, a)
    assert data["tenant"]["slug"] == "stadt-a"
    assert len(data["tables"]["site"]) == 3
    assert len(data["tables"]["task"]) == 3
    assert len(data["tables"]["membership"]) == 1
    assert all(row["tenant_id"] == a for rows in data["tables"].values() for row in rows)
    n = export_tenant_json(engine, b, tmp_path / "b.json")
    stored = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    assert n == 9 and {r["name"] for r in stored["tables"]["site"]} == {
        f"B-park-{i}" for i in range(3)
    }


def test_delete_tenant_removes_only_that_tenant(
    engine: Engine, two_tenants: tuple[int, int]
) -> None:
    """Deleting a tenant removes all its rows and leaves the other tenant intact."""
    a, b = two_tenants
    counts = delete_tenant(engine, a)
    assert counts["site"] == 3 and counts["task"] == 3
    with engine.connect() as conn:
        left = dict(
            conn.execute(text("SELECT tenant_id, count(*) FROM site GROUP BY tenant_id")).all()
        )
        tenants = conn.execute(text("SELECT slug FROM tenant")).scalars().all()
    assert left == {b: 3}
    assert tenants == ["stadt-b"]


def test_session_tenant_is_the_bound_tenant(engine: Engine, two_tenants: tuple[int, int]) -> None:
    """session_tenant gives the session's own tenant row; a system session has none."""
    from greentour.errors import NotFound
    from greentour.store import session_tenant

    _, b = two_tenants
    with tenant_session(engine, b) as s:
        assert (session_tenant(s).id, session_tenant(s).slug) == (b, "stadt-b")
    with system_session(engine) as s, pytest.raises(NotFound, match="Kein Mandant"):
        session_tenant(s)
