"""Deletion of crew data after the tenant's retention periods (Löschfristen).

What happens when a period ends (settings in :mod:`greentour.crew.privacy`):

* ``stop_times_days``: the per-stop times of completions (device time, start, end) are erased and
  the server time is set to 12:00 local time of the same day; "started" events are deleted.
  The outcome (done / partly / not possible, reason, grass length) stays with its day: it is the
  record of the work (and for inspections, evidence) but no longer says who took how long.
* ``photos_days``: photo files are deleted and the completion forgets the path.
* ``notes_days``: free-text notes are emptied (they may name people).

The service works per tenant through a tenant session; ``greentour`` runs it for every tenant via
:func:`purge_all_tenants` (CLI hook ``greentour crew-retention``, see docs/datenschutz.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, delete, or_, select
from sqlalchemy.orm import Session

from greentour.crew.photos import delete_photo_file
from greentour.crew.privacy import PrivacySettings
from greentour.store.base import utcnow
from greentour.store.models import Completion, Tenant
from greentour.store.models_crew import StopStart
from greentour.store.tenancy import system_session, tenant_session, tenant_zone
from greentour.tenant_config import tenant_config


@dataclass(frozen=True)
class PurgeResult:
    """How many records one purge changed, per kind of data."""

    tenant_id: int
    stop_times_erased: int = 0
    starts_deleted: int = 0
    photos_deleted: int = 0
    notes_erased: int = 0


def purge_tenant(
    session: Session,
    tenant: Tenant,
    instance_dir: Path,
    now: dt.datetime | None = None,
    privacy: PrivacySettings | None = None,
) -> PurgeResult:
    """Apply the retention periods to one tenant's crew data (in the caller's transaction)."""
    now = now or utcnow()
    privacy = privacy or tenant_config(tenant).privacy
    tz = tenant_zone(tenant)

    times_before = now - dt.timedelta(days=privacy.stop_times_days)
    erased = 0
    for completion in session.scalars(
        select(Completion).where(
            Completion.server_time < times_before,
            or_(
                Completion.device_time.is_not(None),
                Completion.started_at.is_not(None),
                Completion.finished_at.is_not(None),
            ),
        )
    ):
        day = completion.server_time.astimezone(tz).date()
        completion.device_time = None
        completion.started_at = None
        completion.finished_at = None
        completion.server_time = dt.datetime.combine(day, dt.time(12, 0), tz)
        erased += 1
    starts = session.execute(
        delete(StopStart).where(StopStart.server_time < times_before),
        execution_options={"synchronize_session": False},
    ).rowcount

    photos_before = now - dt.timedelta(days=privacy.photos_days)
    photos = 0
    for completion in session.scalars(
        select(Completion).where(
            Completion.server_time < photos_before, Completion.photo_path.is_not(None)
        )
    ):
        delete_photo_file(instance_dir, completion.photo_path)
        completion.photo_path = None
        photos += 1

    notes_before = now - dt.timedelta(days=privacy.notes_days)
    notes = 0
    for completion in session.scalars(
        select(Completion).where(Completion.server_time < notes_before, Completion.note != "")
    ):
        completion.note = ""
        notes += 1
    return PurgeResult(tenant.id, erased, starts or 0, photos, notes)


def purge_all_tenants(
    engine: Engine, instance_dir: Path, now: dt.datetime | None = None
) -> list[PurgeResult]:
    """Run :func:`purge_tenant` for every tenant, each in its own transaction."""
    with system_session(engine) as session:
        tenants = list(session.scalars(select(Tenant).order_by(Tenant.id)))
    results = []
    for tenant in tenants:
        with tenant_session(engine, tenant.id) as session, session.begin():
            results.append(purge_tenant(session, tenant, instance_dir, now))
    return results
