"""What a crew's outcome report teaches the rest of greentour.

* **Last service** (:class:`SiteLastService`): a "done" report sets the site's last service of the
  task type to the service day (never moves it backwards); the task is marked done.
* **Grass length** (short/medium/long, #5): stored as an :class:`Observation` of the site with
  ``source="crew_report"`` and the day (not the minute) of the visit, so the forecast can correct
  its per-site growth.
* **Durations** (#6): the completion itself holds ``started_at`` (the crew's "started" tap) and
  ``finished_at`` of the visit, and the crew-day gives the number of persons;
  :func:`greentour.demand.store_io.past_visits` reads exactly these rows when demand is generated
  and turns them into the learned per-site correction (nothing to push from here).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from greentour.store import tenant_zone
from greentour.store.models import Completion, CrewDay, Observation, SiteLastService, Task, Tenant

OBSERVATION_SOURCE = "crew_report"


def apply_completion(
    session: Session,
    completion: Completion,
    task: Task,
    crew_day: CrewDay | None,
    service_day: dt.date,
) -> None:
    """Apply the effects of a newly stored completion (inside the caller's transaction)."""
    if completion.status == "done":
        _update_last_service(session, task, service_day)
        task.status = "done"
    if completion.grass_length is not None:
        tenant = session.get(Tenant, completion.tenant_id)
        tz = tenant_zone(tenant)
        session.add(
            Observation(
                tenant_id=completion.tenant_id,
                kind="sensor",
                site_id=task.site_id,
                station_id=None,
                observed_at=dt.datetime.combine(service_day, dt.time(12, 0), tz),
                values_json={
                    "grass_length": completion.grass_length,
                    "task_type": task.task_type,
                    "status": completion.status,
                    "completion_uuid": completion.client_uuid,
                },
                source=OBSERVATION_SOURCE,
            )
        )


def _update_last_service(session: Session, task: Task, service_day: dt.date) -> None:
    row = session.scalar(
        select(SiteLastService).where(
            SiteLastService.site_id == task.site_id,
            SiteLastService.task_type == task.task_type,
        )
    )
    if row is None:
        session.add(
            SiteLastService(
                tenant_id=task.tenant_id,
                site_id=task.site_id,
                task_type=task.task_type,
                last_date=service_day,
            )
        )
    elif row.last_date < service_day:
        row.last_date = service_day
