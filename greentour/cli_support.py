"""Helpers shared by the ``greentour`` CLI and the commands other modules plug into it.

A pluggable command (``command`` in a :mod:`greentour.commands` module) typically reads::

    @click.command("import-osm", help="...")
    @tenant_option
    @click.argument("pbf", type=click.Path(exists=True, path_type=Path))
    def command(tenant: str | None, pbf: Path) -> None:
        engine = open_engine()
        t = resolve_tenant(engine, tenant)
        with progress_bar(total=..., desc="Flächen") as bar:
            ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from sqlalchemy import Engine, select
from tqdm import tqdm

from greentour.errors import BadInput, NotFound
from greentour.settings import Settings, get_settings
from greentour.store import make_engine, system_session, upgrade
from greentour.store.models import Tenant

F = TypeVar("F", bound=Callable[..., Any])


def tenant_option(func: F) -> F:
    """``--tenant SLUG`` (env ``GREENTOUR_TENANT``); optional when only one tenant exists."""
    return click.option(
        "--tenant",
        "tenant",
        envvar="GREENTOUR_TENANT",
        default=None,
        metavar="SLUG",
        help="Mandant (Kurzname, z. B. lauf); entfällt, wenn es nur einen gibt.",
    )(func)


def open_engine(settings: Settings | None = None, migrate: bool = True) -> Engine:
    """The engine of the configured database, migrated to the newest revision."""
    settings = settings or get_settings()
    if settings.database_url is None:
        settings.ensure_instance_dir()
    engine = make_engine(settings.db_url)
    if migrate:
        upgrade(engine)
    return engine


def resolve_tenant(engine: Engine, slug: str | None) -> Tenant:
    """The tenant ``slug``; without a slug the only tenant (refused when there are several)."""
    with system_session(engine) as s:
        if slug:
            tenant = s.scalar(select(Tenant).where(Tenant.slug == slug))
            if tenant is None:
                known = ", ".join(s.scalars(select(Tenant.slug).order_by(Tenant.slug))) or "keine"
                raise NotFound(f"Mandant „{slug}“ gibt es nicht (vorhanden: {known})")
            return tenant
        tenants = s.scalars(select(Tenant).order_by(Tenant.id)).all()
    if len(tenants) == 1:
        return tenants[0]
    if not tenants:
        raise NotFound("Noch kein Mandant angelegt: zuerst „greentour init --tenant-file ...“")
    raise BadInput(
        "Mehrere Mandanten vorhanden; bitte --tenant angeben ("
        + ", ".join(t.slug for t in tenants)
        + ")"
    )


def progress_bar(total: int | None = None, desc: str = "", unit: str = "it") -> tqdm[Any]:
    """A tqdm progress bar on stderr for long CLI steps (use as a context manager).

    Shown on a terminal only (``disable=None``), so logs and captured output stay clean. Print
    other lines inside ``with bar.external_write_mode(): ...`` to keep the bar intact.
    """
    return tqdm(
        total=total, desc=desc, unit=unit, leave=False, dynamic_ncols=True, disable=None
    )
