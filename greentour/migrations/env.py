"""Alembic environment: migrates greentour's metadata (SQLite batch mode, PostgreSQL plain)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from greentour.settings import get_settings
from greentour.store import import_model_modules
from greentour.store.base import Base, UTCDateTime
from greentour.store.db import make_engine

import_model_modules()  # registers the tables of every greentour/store/models*.py

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    return url or get_settings().db_url


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Write greentour's column types as plain SQLAlchemy types into migrations."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def _run(connection: Connection) -> None:
    is_sqlite = connection.dialect.name == "sqlite"
    if is_sqlite:
        # Batch migrations copy tables; foreign keys must not fire while they do.
        if connection.in_transaction():
            connection.commit()
        connection.execute(text("PRAGMA foreign_keys=OFF"))
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=is_sqlite,
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
    if is_sqlite:
        if connection.in_transaction():
            connection.commit()
        connection.execute(text("PRAGMA foreign_keys=ON"))


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
