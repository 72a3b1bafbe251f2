"""The store's Alembic migrations on real SQLite files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from greentour.store import make_engine, models, tenant_session, upgrade
from greentour.store.base import Base
from greentour.store.db import current_revision


def test_upgrade_from_empty_creates_all_tables(tmp_path: Path) -> None:
    """Upgrading an empty SQLite file to head creates every model table and records the revision."""
    url = f"sqlite:///{tmp_path / 'new' / 'gt.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        assert current_revision(engine) is not None
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
        assert diff == [], f"models and migrations differ: {diff}"
    finally:
        engine.dispose()


def test_upgrade_is_idempotent(tmp_path: Path) -> None:
    """Running the upgrade twice keeps the data and the revision."""
    url = f"sqlite:///{tmp_path / 'gt.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO tenant (slug, name, is_public, land, timezone, config_json,"
                " created_at) VALUES ('x', 'X', 0, 'BY', 'Europe/Berlin', '{}',"
                " '2026-01-01 00:00:00')"
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM tenant")).scalar_one() == 1
    engine.dispose()


def test_sqlite_pragmas_wal_and_foreign_keys(engine) -> None:
    """SQLite connections run in WAL mode with foreign keys enforced."""
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1


def test_foreign_key_violation_is_refused(engine, tenant) -> None:
    """The database itself refuses a task pointing at a missing site (foreign keys on)."""
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO task (tenant_id, site_id, task_type, generator, due_earliest,"
                " due_latest, urgency, duration_s, duration_source, persons, load_m3, water_l,"
                " status, priority, notes, created_at) VALUES (:t, 999, 'mow', 'cycle',"
                " '2026-05-01', '2026-05-08', 0.5, 3600, 'formula', 2, 0, 0, 'open', 0, '',"
                " '2026-05-01 00:00:00')"
            ),
            {"t": tenant.id},
        )


def test_check_constraint_refuses_unknown_status(engine, tenant) -> None:
    """A value outside a Literal set (site status) is refused by the CHECK constraint."""
    with (
        pytest.raises((IntegrityError, LookupError)),
        tenant_session(engine, tenant.id) as s,
        s.begin(),
    ):
        s.add(
            models.Site(
                category="park",
                geometry_geojson="{}",
                geometry_type="Point",
                lon=11.28,
                lat=49.51,
                status="maybe",
            )
        )


def test_datetimes_round_trip_as_aware_utc(engine, tenant) -> None:
    """Instants are stored as UTC and come back timezone-aware; naive input is refused."""
    berlin = dt.timezone(dt.timedelta(hours=2))
    with tenant_session(engine, tenant.id) as s, s.begin():
        job = models.Job(kind="x", created_at=dt.datetime(2026, 6, 1, 8, 0, tzinfo=berlin))
        s.add(job)
    with tenant_session(engine, tenant.id) as s:
        stored = s.get(models.Job, job.id)
        assert stored is not None
        assert stored.created_at == dt.datetime(2026, 6, 1, 6, 0, tzinfo=dt.UTC)
        assert stored.created_at.tzinfo is not None
    with (
        pytest.raises(Exception, match="naive datetime"),
        tenant_session(engine, tenant.id) as s,
        s.begin(),
    ):
        s.add(models.Job(kind="y", created_at=dt.datetime(2026, 6, 1, 8, 0)))


def test_migrations_form_one_chain_and_downgrade_cleanly(tmp_path: Path) -> None:
    """All revisions (of every part) form one linear chain; down to base and up again works."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from greentour.store.db import alembic_config

    url = f"sqlite:///{tmp_path / 'gt.sqlite'}"
    cfg = alembic_config(url)
    heads = ScriptDirectory.from_config(cfg).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}; chain them (down_revision)"
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        upgrade(engine)
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_every_models_file_is_imported_by_name() -> None:
    """Each greentour/store/models*.py is listed in MODEL_MODULES (explicit, not scanned), so
    tenant scoping, export and autogenerate see its tables."""
    from greentour.store import MODEL_MODULES

    folder = Path(models.__file__).parent
    files = {p.stem for p in folder.glob("models*.py")}
    assert {m.__name__.rpartition(".")[2] for m in MODEL_MODULES} == files
