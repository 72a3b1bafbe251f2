"""The domain store: models, engine/migrations and the tenant scope.

Typical use::

    from greentour.store import make_engine, upgrade, tenant_session, models
    engine = make_engine(settings.db_url)
    with tenant_session(engine, tenant.id) as s, s.begin():
        s.add(models.Site(...))
"""

from greentour.store import models
from greentour.store.base import Base, TenantScoped, utcnow
from greentour.store.db import current_revision, make_engine, upgrade
from greentour.store.tenancy import (
    TenantScopeError,
    delete_tenant,
    export_tenant,
    export_tenant_json,
    get_tenant,
    session_tenant_id,
    system_session,
    tenant_session,
)

__all__ = [
    "Base",
    "TenantScopeError",
    "TenantScoped",
    "current_revision",
    "delete_tenant",
    "export_tenant",
    "export_tenant_json",
    "get_tenant",
    "make_engine",
    "models",
    "session_tenant_id",
    "system_session",
    "tenant_session",
    "upgrade",
    "utcnow",
]
