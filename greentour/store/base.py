"""Declarative base, column helpers and the :class:`TenantScoped` mixin.

Conventions of every table:

* integer primary key ``id``;
* instants are stored as UTC (:class:`UTCDateTime` returns timezone-aware UTC datetimes);
  local wall-clock times of a shift or a time rule are ``datetime.time`` in the tenant's zone;
* closed sets of values are ``Literal`` aliases stored as VARCHAR with a CHECK constraint
  (:func:`choice`), so SQLite and PostgreSQL behave alike;
* geometries are GeoJSON text in WGS84 (RFC 7946), lengths in metres, areas in square metres.
"""

from __future__ import annotations

import datetime as dt
import typing
from typing import Any

from sqlalchemy import JSON, DateTime, Enum, ForeignKey, MetaData, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """The current instant, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An instant stored as naive UTC and returned as aware UTC.

    Naive input is refused: the caller must say which zone a wall-clock time is in.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; use an aware datetime")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of all greentour tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        list[str]: JSON,
        list[int]: JSON,
        dt.datetime: UTCDateTime,
    }


class TenantScoped:
    """Mixin of every tenant-owned table: adds ``tenant_id``.

    Rows of these tables can only be read or written through a tenant session
    (:func:`greentour.store.tenancy.tenant_session`), which filters every statement by the tenant.
    """

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenant.id", ondelete="CASCADE"), index=True
    )


def choice(name: str, literal: Any, **kwargs: Any) -> Any:
    """A VARCHAR column restricted to the values of a ``Literal[...]`` alias (CHECK constraint)."""
    values = typing.get_args(literal)
    return mapped_column(
        Enum(
            *values,
            name=name,
            native_enum=False,
            create_constraint=True,
            length=max(len(v) for v in values),
        ),
        **kwargs,
    )
