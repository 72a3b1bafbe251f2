"""Tenant isolation as an enforced scope, plus per-tenant export and deletion.

One database holds many tenants (towns of a Zweckverband). Isolation does not rely on every query
remembering a ``WHERE tenant_id = ?``:

* :func:`tenant_session` opens a session bound to one tenant. A ``do_orm_execute`` hook adds
  ``with_loader_criteria(TenantScoped, tenant_id == X)`` to every ORM SELECT, UPDATE and DELETE,
  including relationship lazy loads, refreshes and ``session.get``. A ``before_flush`` hook stamps
  ``tenant_id`` on new objects and refuses objects that belong to another tenant.
* Any *other* session (a plain ``Session(engine)`` or :func:`system_session`) refuses statements
  that touch a tenant-owned table at all, so a forgotten tenant scope raises instead of leaking.
* Core statements on tenant tables (``select(Site.__table__)``) and SQL text naming a tenant table
  (``text("SELECT * FROM site")``) bypass loader criteria and are therefore refused in every
  session; raw SQL via ``engine.connect()`` is reserved for infrastructure code (migrations, the
  job claim in :mod:`greentour.jobs`).

The hooks are registered on :class:`sqlalchemy.orm.Session` itself, so they hold for every session
in the process.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, delete, event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql import util as sql_util
from sqlalchemy.sql.elements import TextClause

from greentour.errors import Forbidden, NotFound
from greentour.private_files import write_private_text
from greentour.store.base import Base, TenantScoped
from greentour.store.models import Membership, Tenant, tenant_scoped_models

TENANT_KEY = "greentour_tenant_id"


class TenantScopeError(Forbidden):
    """A statement or object would cross the tenant boundary (a programming error, refused)."""


def tenant_session(engine: Engine | Connection, tenant_id: int, **kwargs: Any) -> Session:
    """A session that only sees and writes rows of tenant ``tenant_id``.

    Use as a context manager: ``with tenant_session(engine, t.id) as s, s.begin(): ...``.
    Bound to a :class:`Connection` it joins that connection's transaction (several sessions,
    one atomic unit).
    """
    if not isinstance(tenant_id, int) or isinstance(tenant_id, bool):
        raise TypeError(f"tenant_id must be an int, got {tenant_id!r}")
    kwargs.setdefault("expire_on_commit", False)
    return Session(engine, info={TENANT_KEY: tenant_id}, **kwargs)


def system_session(engine: Engine | Connection, **kwargs: Any) -> Session:
    """A session for tenant-independent tables (tenant, app_user, membership) only."""
    kwargs.setdefault("expire_on_commit", False)
    return Session(engine, **kwargs)


def session_tenant_id(session: Session) -> int | None:
    """The tenant a session is bound to (None: a system session)."""
    value = session.info.get(TENANT_KEY)
    return value if isinstance(value, int) else None


def session_tenant(session: Session) -> Tenant:
    """The :class:`Tenant` row a tenant session is bound to.

    :class:`NotFound` for a system session or a tenant that no longer exists.
    """
    tenant_id = session_tenant_id(session)
    tenant = session.get(Tenant, tenant_id) if tenant_id is not None else None
    if tenant is None:
        raise NotFound("Kein Mandant für diese Sitzung")
    return tenant


#: time zone of a tenant that names none (``[tenant] timezone``)
DEFAULT_TIMEZONE = "Europe/Berlin"


def tenant_zone(tenant: Tenant) -> ZoneInfo:
    """The tenant's local time zone (``[tenant] timezone``; Europe/Berlin when unset)."""
    return ZoneInfo(tenant.timezone or DEFAULT_TIMEZONE)


_table_cache: tuple[int, frozenset[str]] = (-1, frozenset())


def _tenant_table_names() -> frozenset[str]:
    """Names of all tenant-owned tables; recomputed only when new models were mapped."""
    global _table_cache
    n_mappers = len(Base.registry.mappers)
    if _table_cache[0] != n_mappers:
        names = frozenset(
            m.local_table.name
            for m in Base.registry.mappers
            if issubclass(m.class_, TenantScoped)
        )
        _table_cache = (n_mappers, names)
    return _table_cache[1]


def _touched_tenant_tables(statement: Any) -> set[str]:
    if isinstance(statement, TextClause):
        words = set(re.findall(r"[a-z_][a-z0-9_]*", statement.text.lower()))
        return words & _tenant_table_names()
    tables = sql_util.find_tables(
        statement,
        check_columns=True,
        include_aliases=True,
        include_joins=True,
        include_selects=True,
        include_crud=True,
    )
    return {t.name for t in tables if hasattr(t, "name")} & _tenant_table_names()


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(state: ORMExecuteState) -> None:
    tenant_id = session_tenant_id(state.session)
    touched = _touched_tenant_tables(state.statement)
    if not touched:
        return
    if tenant_id is None:
        raise TenantScopeError(
            f"Zugriff auf mandantenbezogene Tabellen ({', '.join(sorted(touched))}) "
            "ohne Mandanten-Sitzung verweigert; tenant_session() verwenden"
        )
    if not state.is_orm_statement:
        raise TenantScopeError(
            f"Core- oder SQL-Text-Anweisung auf {', '.join(sorted(touched))} verweigert: "
            "nur ORM-Anweisungen werden nach Mandant gefiltert"
        )
    if state.is_insert:
        _check_bulk_insert(state, tenant_id, touched)
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(
            with_loader_criteria(
                TenantScoped,
                lambda cls: cls.tenant_id == tenant_id,
                include_aliases=True,
                track_closure_variables=True,
            )
        )


def _check_bulk_insert(state: ORMExecuteState, tenant_id: int, touched: set[str]) -> None:
    params = state.parameters
    rows = params if isinstance(params, list) else [params] if params else []
    if not rows or any(row.get("tenant_id") != tenant_id for row in rows):
        raise TenantScopeError(
            f"Massen-INSERT in {', '.join(sorted(touched))} braucht tenant_id={tenant_id} "
            "in jeder Zeile (oder session.add_all verwenden)"
        )


@event.listens_for(Session, "before_flush")
def _stamp_and_check(session: Session, _flush_context: Any, _instances: Any) -> None:
    tenant_id = session_tenant_id(session)
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if tenant_id is None:
            raise TenantScopeError(
                f"{type(obj).__name__} kann nur in einer Mandanten-Sitzung angelegt werden"
            )
        if obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise TenantScopeError(
                f"{type(obj).__name__} gehört zu Mandant {obj.tenant_id}, "
                f"die Sitzung zu Mandant {tenant_id}"
            )
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        history = inspect(obj).attrs.tenant_id.history
        if tenant_id is None or history.has_changes() or obj.tenant_id != tenant_id:
            raise TenantScopeError(
                f"{type(obj).__name__} #{getattr(obj, 'id', '?')} darf den Mandanten nicht wechseln"
            )
    if tenant_id is not None:
        with session.no_autoflush:
            for obj in list(session.new) + list(session.dirty):
                if isinstance(obj, TenantScoped):
                    _check_references(session, obj)


def _check_references(session: Session, obj: TenantScoped) -> None:
    """Refuse foreign keys that point at rows of another tenant (or at no visible row)."""
    state = inspect(obj)
    mapper = state.mapper
    by_table = {
        m.local_table.name: m.class_
        for m in Base.registry.mappers
        if issubclass(m.class_, TenantScoped)
    }
    for column in mapper.local_table.columns:
        if column.name == "tenant_id":
            continue
        for fk in column.foreign_keys:
            target = by_table.get(fk.column.table.name)
            if target is None:
                continue
            key = mapper.get_property_by_column(column).key
            if state.persistent and not state.attrs[key].history.has_changes():
                continue
            value = getattr(obj, key)
            if value is None:
                continue
            if session.get(target, value) is None:
                raise TenantScopeError(
                    f"{type(obj).__name__}.{key} = {value}: {target.__name__} #{value} "
                    "gibt es in diesem Mandanten nicht"
                )


# --------------------------------------------------------------------------- tenants
def get_tenant(engine: Engine, slug: str) -> Tenant:
    """The tenant with ``slug``; :class:`NotFound` otherwise."""
    with system_session(engine) as session:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise NotFound(f"Mandant „{slug}“ gibt es nicht")
    return tenant


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def _row_dict(obj: Base) -> dict[str, Any]:
    mapper = inspect(type(obj))
    return {attr.key: _jsonable(getattr(obj, attr.key)) for attr in mapper.column_attrs}


def export_tenant(engine: Engine, tenant_id: int) -> dict[str, Any]:
    """All rows of one tenant as JSON-ready dicts: ``{"tenant": {...}, "tables": {name: [...]}}``.

    Reads through a tenant session, so the export cannot contain other tenants' rows.
    """
    with system_session(engine) as session:
        tenant = session.get(Tenant, tenant_id)
        if tenant is None:
            raise NotFound(f"Mandant #{tenant_id} gibt es nicht")
        memberships = session.scalars(
            select(Membership).where(Membership.tenant_id == tenant_id).order_by(Membership.id)
        ).all()
        out: dict[str, Any] = {
            "format": "greentour-tenant-export/1",
            "exported_at": dt.datetime.now(dt.UTC).isoformat(),
            "tenant": _row_dict(tenant),
            "tables": {"membership": [_row_dict(m) for m in memberships]},
        }
    with tenant_session(engine, tenant_id) as session:
        for model in tenant_scoped_models():
            rows = session.scalars(select(model).order_by(model.id)).all()  # type: ignore[attr-defined]
            out["tables"][model.__table__.name] = [_row_dict(r) for r in rows]  # type: ignore[attr-defined]
    return out


def export_tenant_json(engine: Engine, tenant_id: int, path: Path) -> int:
    """Write :func:`export_tenant` to ``path`` (UTF-8 JSON); returns the number of rows."""
    data = export_tenant(engine, tenant_id)
    write_private_text(path, json.dumps(data, ensure_ascii=False, indent=1))  # mode 0600
    return sum(len(rows) for rows in data["tables"].values())


def delete_tenant(engine: Engine, tenant_id: int) -> dict[str, int]:
    """Delete a tenant and all its rows in one transaction; returns deleted rows per table.

    Tenant rows are deleted through a tenant session (children first), so only this tenant's rows
    can be hit; then the memberships and the tenant record itself. Users stay (they may belong to
    other tenants).
    """
    counts: dict[str, int] = {}
    with tenant_session(engine, tenant_id) as session, session.begin():
        if session.get(Tenant, tenant_id) is None:
            raise NotFound(f"Mandant #{tenant_id} gibt es nicht")
        for model in reversed(tenant_scoped_models()):
            result = session.execute(
                delete(model), execution_options={"synchronize_session": False}
            )
            counts[model.__table__.name] = result.rowcount  # type: ignore[attr-defined]
        counts["membership"] = session.execute(
            delete(Membership).where(Membership.tenant_id == tenant_id),
            execution_options={"synchronize_session": False},
        ).rowcount  # type: ignore[attr-defined]
        session.execute(
            delete(Tenant).where(Tenant.id == tenant_id),
            execution_options={"synchronize_session": False},
        )
    return counts
