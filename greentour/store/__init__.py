"""The domain store: models, engine/migrations and the tenant scope.

Typical use::

    from greentour.store import make_engine, upgrade, tenant_session, models
    engine = make_engine(settings.db_url)
    with tenant_session(engine, tenant.id) as s, s.begin():
        s.add(models.Site(...))
    with write_session(engine, tenant.id) as s:   # read-then-write: SQLite write lock first
        ...
"""

from types import ModuleType

from greentour.store import (
    models,
    models_accounts,
    models_crew,
    models_demand,
    models_duty,
    models_forecast,
    models_gis,
    models_records,
)
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

#: Every module with tables, imported by name: tenant scoping, per-tenant export/deletion and
#: Alembic autogenerate see exactly these. A new ``greentour/store/models_<topic>.py`` is added
#: here (tests/greentour/store/test_store_migrations.py fails for a models file missing here).
MODEL_MODULES: tuple[ModuleType, ...] = (
    models,
    models_accounts,
    models_crew,
    models_demand,
    models_duty,
    models_forecast,
    models_gis,
    models_records,
)


def import_model_modules() -> list[str]:
    """The names of the modules whose tables are registered (all of :data:`MODEL_MODULES`)."""
    return [module.__name__.rpartition(".")[2] for module in MODEL_MODULES]

__all__ = [
    "MODEL_MODULES",
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
