"""Write transactions on SQLite: read-then-write steps survive a concurrent writer."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import OperationalError

from greentour.store import begin_write, tenant_session, write_connection, write_session
from greentour.store.db import SQLITE_BUSY_TIMEOUT_MS
from greentour.store.models import Staff


def _staff_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Staff))


def _commit_staff(engine: Engine, tenant_id: int, name: str) -> None:
    with tenant_session(engine, tenant_id) as other, other.begin():
        other.add(Staff(name=name))


def test_deferred_read_then_write_fails_after_concurrent_commit(engine: Engine, tenant) -> None:
    """Without the write lock a savepoint's read-then-write fails with "database is locked"."""
    with (
        tenant_session(engine, tenant.id) as session,
        session.begin(),
        pytest.raises(OperationalError, match="database is locked"),
        session.begin_nested(),  # opens a deferred SQLite transaction
    ):
        assert _staff_count(session) == 0
        _commit_staff(engine, tenant.id, "Zwischendurch")
        session.add(Staff(name="Zu spät"))
        session.flush()


def test_write_session_read_then_write_survives_concurrent_writer(engine: Engine, tenant) -> None:
    """With write_session the other writer waits; both read-then-write steps commit in turn."""
    first_has_read = threading.Event()
    errors: list[BaseException] = []
    seen_by_second: list[int] = []

    def second() -> None:
        try:
            first_has_read.wait(5)
            with write_session(engine, tenant.id) as session:
                seen_by_second.append(_staff_count(session))
                session.add(Staff(name=f"Zweiter nach {seen_by_second[0]}"))
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            errors.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    with write_session(engine, tenant.id) as session, session.begin_nested():
        count = _staff_count(session)
        first_has_read.set()
        time.sleep(0.3)  # the second writer now waits for the lock
        session.add(Staff(name=f"Erster nach {count}"))
    thread.join(10)
    assert errors == []
    assert seen_by_second == [1], "the second step must read after the first committed"
    with tenant_session(engine, tenant.id) as session:
        assert _staff_count(session) == 2


def test_write_connection_holds_the_lock_from_the_start(engine: Engine, tenant) -> None:
    """Inside write_connection another connection cannot write (its lock attempt times out)."""
    with write_connection(engine) as conn:
        assert conn.connection.dbapi_connection.in_transaction
        with engine.connect() as other:
            other.exec_driver_sql("PRAGMA busy_timeout=50")
            with pytest.raises(OperationalError, match="database is locked"):
                other.exec_driver_sql("UPDATE tenant SET name = 'x'")
            other.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def test_begin_write_inside_running_transaction_changes_nothing(engine: Engine, tenant) -> None:
    """begin_write after the transaction began is a no-op (no nested BEGIN error)."""
    with tenant_session(engine, tenant.id) as session, session.begin():
        session.add(Staff(name="Schon schreibend"))
        session.flush()
        begin_write(session)
        begin_write(session)
    with tenant_session(engine, tenant.id) as session:
        assert _staff_count(session) == 1


def test_engine_busy_timeout(engine: Engine) -> None:
    """SQLite connections wait up to the busy timeout for the write lock."""
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() == SQLITE_BUSY_TIMEOUT_MS
    assert SQLITE_BUSY_TIMEOUT_MS >= 10_000
