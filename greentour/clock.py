"""What "today" is for a tenant: the real local date, or the demo clock.

``greentour demo`` plans a day inside the shipped weather record (June 2026). So that a first-time
crew sees that day's tour instead of "Heute keine Tour geplant", the demo sets the tenant's demo
clock (:attr:`~greentour.store.models.Tenant.demo_today`); the planner pages, the crew API and the
tablets then take that date as today. A tenant without a demo clock uses its local date.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from greentour.store.models import Tenant


def local_date(timezone: str | None, now: dt.datetime | None = None) -> dt.date:
    """The date in ``timezone`` (default Europe/Berlin) at ``now`` (default: now)."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(ZoneInfo(timezone or "Europe/Berlin")).date()


def tenant_today(tenant: Tenant, now: dt.datetime | None = None) -> dt.date:
    """The tenant's demo clock when set, else today in the tenant's time zone."""
    if tenant.demo_today is not None:
        return tenant.demo_today
    return local_date(tenant.timezone, now)


def tenant_now(tenant: Tenant, now: dt.datetime | None = None) -> dt.datetime:
    """Now for the tenant (timezone-aware): on the demo clock the demo day at the real local
    time of day, so that "behind plan" on the demo day compares with the clock on the wall."""
    now = now or dt.datetime.now(dt.UTC)
    if tenant.demo_today is None:
        return now
    zone = ZoneInfo(tenant.timezone or "Europe/Berlin")
    local = now.astimezone(zone)
    return dt.datetime.combine(tenant.demo_today, local.time(), zone).astimezone(dt.UTC)
