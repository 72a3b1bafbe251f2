"""The ``order`` generator: ad-hoc work (storm damage, citizens' reports, other departments).

An order names a site, a task type, a due date and a priority; the planner may give the persons
and hours directly (then they are the duration's target time). Priorities: 1 normal, 2 high,
3 immediately (today). The store side is :func:`greentour.demand.service.create_order`.
"""

from __future__ import annotations

import datetime as dt
import uuid

from greentour.demand.generators import GeneratorContext
from greentour.demand.model import DemandTask, SiteInfo, TargetTime, make_task

PRIORITY_URGENCY = {1: 0.6, 2: 0.85, 3: 1.0}
PRIORITY_NAMES = {1: "normal", 2: "hoch", 3: "sofort"}


class OrderError(ValueError):
    """An order cannot be accepted; the message says which field and why."""


def make_order_task(
    site: SiteInfo,
    task_type: str,
    ctx: GeneratorContext,
    *,
    today: dt.date,
    due_latest: dt.date | None = None,
    priority: int = 1,
    persons: int | None = None,
    hours: float | None = None,
    description: str = "",
) -> DemandTask:
    """Validate an order and build its task (due from ``today`` to ``due_latest``)."""
    if priority not in PRIORITY_URGENCY:
        raise OrderError("Priorität muss 1 (normal), 2 (hoch) oder 3 (sofort) sein")
    if not site.maintained:
        raise OrderError(
            f"Fläche „{site.name or site.id}“ wird nicht von eigenen Kolonnen gepflegt "
            "(nicht bestätigt oder fremd gepflegt)"
        )
    if hours is not None and hours <= 0:
        raise OrderError("Stunden müssen größer als 0 sein")
    if persons is not None and not 1 <= persons <= 10:
        raise OrderError("Personen müssen zwischen 1 und 10 liegen")
    if priority == 3:
        due_latest = today
    due_latest = due_latest or today + dt.timedelta(days=7 if priority == 1 else 2)
    if due_latest < today:
        raise OrderError(f"Fälligkeit {due_latest:%d.%m.%Y} liegt in der Vergangenheit")
    spec = ctx.spec(task_type)
    target = TargetTime(persons or spec.persons, hours) if hours is not None else None
    text = f"Auftrag ({PRIORITY_NAMES[priority]})"
    if description:
        text += f": {description}"
    task = make_task(
        spec=spec, site=site, generator="order", due=(today, due_latest),
        urgency=PRIORITY_URGENCY[priority], explanation=text, target=target,
        visits=ctx.visits.get((site.id, task_type), ()) if target is None else (),
        priority=priority,
    )
    return task.with_(key=f"order:{uuid.uuid4().hex}")
