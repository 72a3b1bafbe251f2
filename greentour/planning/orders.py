"""Urgent orders from the line-up page (storm damage, citizens' reports).

The order goes through the demand service's ``create_order`` (due today, priority 3 "sofort"), so
its duration, equipment and qualifications come from the task type of the tenant's catalogue
(``data/task_types.toml``, e.g. ``storm_damage``) like every other task. Unknown task types are
refused; nothing is added to the catalogue here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from greentour.demand.service import create_order
from greentour.errors import BadInput, NotFound
from greentour.store.models import Site, Task, TaskType
from greentour.workplace.labels import site_label

MAX_ORDER_MIN = 12 * 60
#: catalogue types the order form lists first (the usual ad-hoc work)
ORDER_FIRST = ("storm_damage",)


def order_form_data(session: Session, lang: str = "de") -> dict[str, Any]:
    """Sites (confirmed, by name) and the catalogue's task types for the urgent-order form,
    names in ``lang``."""
    sites = session.scalars(
        select(Site).where(Site.status == "accepted").order_by(Site.name, Site.id)
    ).all()
    types = session.scalars(select(TaskType).order_by(TaskType.name_de)).all()
    return {
        "sites": [{"id": s.id, "label": site_label(s, lang)} for s in sites],
        "task_types": sorted(({"code": t.code, "label": t.name_en if lang == "en" else t.name_de}
                              for t in types),
                             key=lambda t: (t["code"] not in ORDER_FIRST, t["label"])),
    }


def add_urgent_order(
    session: Session,
    *,
    day: dt.date,
    site_id: int | None,
    task_type: str,
    duration_min: int | None,
    persons: int = 2,
    note: str = "",
) -> Task:
    """Create an order due ``day`` with the highest priority; returns the stored task.

    ``duration_min`` is the planner's target time in minutes (None: the task type's estimate).
    """
    if site_id is None:
        raise BadInput("Fläche für den Auftrag auswählen", en="Choose the site of the order")
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound(f"Fläche {site_id} gibt es nicht", en=f"There is no site {site_id}")
    if session.scalar(select(TaskType.id).where(TaskType.code == task_type)) is None:
        known = ", ".join(session.scalars(select(TaskType.name_de).order_by(TaskType.name_de)))
        raise BadInput(f"Aufgabenart {task_type!r} gibt es im Katalog dieses Bauhofs nicht "
                       f"(bekannt: {known})")
    if duration_min is not None and not 1 <= duration_min <= MAX_ORDER_MIN:
        raise BadInput(f"Dauer muss zwischen 1 und {MAX_ORDER_MIN} Minuten liegen",
                       en=f"The duration must be between 1 and {MAX_ORDER_MIN} minutes")
    if not 1 <= persons <= 10:
        raise BadInput("Personen müssen zwischen 1 und 10 liegen",
                       en="People must be between 1 and 10")
    try:
        with session.begin_nested():
            return create_order(
                session, None, site.id, task_type, due_latest=day, priority=3, persons=persons,
                hours=duration_min / 60.0 if duration_min else None,
                description=note.strip()[:500], today=day,
            )
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
