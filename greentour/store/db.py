"""Engine factory, write transactions and programmatic Alembic upgrade.

SQLite (the default, a file in the instance folder) is opened with WAL journaling, foreign keys
on and a busy timeout, so the web process and the worker can share one file. PostgreSQL works
through ``GREENTOUR_DATABASE_URL`` with the same migrations.

Write transactions: on SQLite a transaction that has read and then wants to write fails at once
with "database is locked" when another connection committed in between (its snapshot is stale;
the busy timeout does not apply to that upgrade). A savepoint (``session.begin_nested()``) opens
such a deferred transaction. Every read-then-write path therefore starts with
:func:`begin_write` (or uses :func:`write_session` / :func:`write_connection`), which takes the
write lock first (``BEGIN IMMEDIATE``, waiting up to the busy timeout); on PostgreSQL it does
nothing (row locks and unique constraints settle races there).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session

from greentour.private_files import private_dir, private_file
from greentour.store.tenancy import tenant_session

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
#: How long a SQLite writer waits for the write lock before "database is locked". Long enough
#: for the longest write step (demand generation of a town, storing a week plan), so a web request
#: or the job heartbeat waits instead of failing; the worker's stale limit is 30 s as well.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url``; SQLite files get their folder created and the pragmas set."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith(
            "file:"
        ):
            # the database holds employees' reports and password hashes: owner only
            database = Path(parsed.database)
            if not database.parent.exists():
                private_dir(database.parent)
            private_file(database)
            for suffix in ("-wal", "-shm"):
                side = database.with_name(database.name + suffix)
                if side.exists():
                    private_file(side)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def begin_write(target: Session | Connection) -> None:
    """Make the current transaction of ``target`` a write transaction from its first statement.

    SQLite: issues ``BEGIN IMMEDIATE`` (the write lock is taken now, waiting up to the busy
    timeout) unless the connection is already inside a transaction – then the caller began
    earlier and the call changes nothing. Call it before the first read of a read-then-write
    step. PostgreSQL and other databases: no-op.
    """
    connection = target.connection() if isinstance(target, Session) else target
    if connection.dialect.name != "sqlite":
        return
    dbapi = connection.connection.dbapi_connection
    if dbapi is not None and not dbapi.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """``engine.begin()`` holding SQLite's write lock from the start (infrastructure, Core)."""
    with engine.begin() as connection:
        begin_write(connection)
        yield connection


@contextmanager
def write_session(engine: Engine, tenant_id: int) -> Iterator[Session]:
    """A tenant session in one write transaction (:func:`begin_write`), committed at the end."""
    with tenant_session(engine, tenant_id) as session, session.begin():
        begin_write(session)
        yield session


def alembic_config(url: str) -> Config:
    """An Alembic configuration for greentour's migrations pointing at ``url``."""
    cfg = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url_or_engine: str | Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (default: the newest), creating it if empty."""
    if isinstance(url_or_engine, str):
        engine = make_engine(url_or_engine)
        try:
            _upgrade_with(engine, revision)
        finally:
            engine.dispose()
    else:
        _upgrade_with(url_or_engine, revision)


def _upgrade_with(engine: Engine, revision: str) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at (None: not migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
