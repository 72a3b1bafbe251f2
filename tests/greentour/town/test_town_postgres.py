"""Setting up a town on PostgreSQL: the migration's new role, cycles table and demo clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from greentour.accounts.members import authenticate, create_user
from greentour.accounts.users import set_role
from greentour.commands.tenants import set_demo_clock
from greentour.settings import get_settings
from greentour.store import make_engine, tenant_session
from greentour.store.models_demand import TenantCycle
from greentour.town.service import Place, TownRequest, create_town

FIXTURE = Path(__file__).parent / "fixtures" / "heidelberg-weststadt_2024-09-08.osm.pbf"


def test_town_users_and_cycles_on_postgres(pg_url, tmp_path, monkeypatch) -> None:
    """create_town stores the default cycles, a read-only user is accepted by the role check,
    an unknown role is not, and the demo clock is stored."""
    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(tmp_path / "instance"))
    engine = make_engine(pg_url)
    request = TownRequest(name="Weststadt (PG)", slug="hd-pg", land="BW", osm_file=FIXTURE,
                          depot=Place.parse("way/24794024"))
    summary = create_town(engine, get_settings(), request)
    tenant_id = summary.tenant.tenant_id
    with tenant_session(engine, tenant_id) as s:
        assert s.scalar(select(func.count()).select_from(TenantCycle)) == 10
    create_user(engine, tenant_id, "leser", "lese-Passwort", role="viewer")
    assert authenticate(engine, "leser", "lese-Passwort").role == "viewer"
    set_role(engine, tenant_id, "leser", "planner")
    assert authenticate(engine, "leser", "lese-Passwort").role == "planner"
    set_demo_clock(engine, tenant_id, dt.date(2026, 6, 15))
    with engine.connect() as conn:
        assert conn.exec_driver_sql(
            "SELECT demo_today FROM tenant WHERE id = %s", (tenant_id,)).scalar() == \
            dt.date(2026, 6, 15)
        with pytest.raises(IntegrityError):  # the CHECK constraint knows the three roles
            conn.exec_driver_sql("UPDATE membership SET role = 'boss'")
    engine.dispose()
