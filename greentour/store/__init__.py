"""The domain store: models, engine/migrations and the tenant scope.

Typical use::

    from greentour.store import make_engine, upgrade, tenant_session, models
    engine = make_engine(settings.db_url)
    with tenant_session(engine, tenant.id) as s, s.begin():
        s.add(models.Site(...))
    with write_session(engine, tenant.id) as s:   # read-then-write: SQLite write lock first
        ...
"""

import importlib
import pkgutil

from greentour.store import models
from greentour.store.base import Base, TenantScoped, utcnow
from greentour.store.db import (
    begin_write,
    current_revision,
    make_engine,
    upgrade,
    write_connection,
    write_session,
)
from greentour.store.tenancy import (
    TenantScopeError,
    delete_tenant,
    export_tenant,
    export_tenant_json,
    get_tenant,
    session_tenant,
    session_tenant_id,
    system_session,
    tenant_session,
    tenant_zone,
)


def import_model_modules() -> list[str]:
    """Import every ``greentour.store.models*`` module so all tables are registered.

    Tenant scoping, per-tenant export/deletion and Alembic autogenerate see exactly the models
    that are imported; other parts put their tables into ``greentour/store/models_<topic>.py``.
    """
    names = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("models"):
            importlib.import_module(f"{__name__}.{info.name}")
            names.append(info.name)
    return names


import_model_modules()

__all__ = [
    "Base",
    "TenantScopeError",
    "TenantScoped",
    "begin_write",
    "current_revision",
    "delete_tenant",
    "export_tenant",
    "export_tenant_json",
    "get_tenant",
    "import_model_modules",
    "make_engine",
    "models",
    "session_tenant",
    "session_tenant_id",
    "system_session",
    "tenant_session",
    "tenant_zone",
    "upgrade",
    "utcnow",
    "write_connection",
    "write_session",
]
