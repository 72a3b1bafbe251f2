"""Write transactions that survive concurrent tablets on SQLite.

A report is read-then-write (is this UUID already stored? which plan is current? then insert).
On SQLite a deferred transaction that has read and then wants to write fails at once with
"database is locked" when another connection wrote in between (the busy timeout does not apply
to that upgrade). :func:`begin_write` therefore starts the transaction with ``BEGIN IMMEDIATE``:
the write lock is taken first (waiting up to the busy timeout), then everything runs serialised.
PostgreSQL needs nothing here: the unique constraint on ``client_uuid`` settles races there.
"""

from __future__ import annotations

from sqlalchemy.orm import Session


def begin_write(session: Session) -> None:
    """Make the session's current transaction a write transaction from its first statement.

    No-op on other databases and when the SQLite connection is already inside a transaction
    (the caller began writing earlier).
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    dbapi = connection.connection.dbapi_connection
    if dbapi is not None and not dbapi.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
