"""Urgent orders from the line-up page (storm damage, citizens' reports).

The order goes through the demand service's ``create_order`` (due today, priority "sofort"), so
its duration, equipment and qualifications come from the task type like every other task.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from greentour.errors import BadInput, NotFound
from greentour.planning.labels import site_label
from greentour.store.models import Site, Task, TaskType

MAX_ORDER_MIN = 12 * 60

#: ad-hoc work types the order form always offers; added to the tenant's task types on first use
#: when the catalogue (data/task_types.toml) lacks them
ORDER_TYPES: dict[str, dict[str, Any]] = {
    "clear_storm_damage": {
        "name_de": "Sturmschaden beseitigen (Motorsäge)",
        "name_en": "Clear storm damage (chainsaw)",
        "equipment": [],
        "qualifications": ["chainsaw"],
        "persons": 2,
        "productivity": 0.5,
        "productivity_unit": "sites_per_h",
        "setup_s": 600,
        "load_kind": "green_waste",
        "load_per_unit": 1.0,
        "noise_class": "none",
    },
}


def ensure_order_types(session: Session) -> None:
    """Add the ad-hoc order types missing from the tenant's catalogue."""
    existing = set(session.scalars(select(TaskType.code)))
    for code, spec in ORDER_TYPES.items():
        if code not in existing:
            session.add(TaskType(code=code, **spec))
    session.flush()


def order_form_data(session: Session) -> dict[str, Any]:
    """Sites (confirmed, by name) and task types for the urgent-order form."""
    ensure_order_types(session)
    sites = session.scalars(
        select(Site).where(Site.status == "accepted").order_by(Site.name, Site.id)
    ).all()
    types = session.scalars(select(TaskType).order_by(TaskType.name_de)).all()
    return {
        "sites": [{"id": s.id, "label": site_label(s)} for s in sites],
        "task_types": sorted(({"code": t.code, "label": t.name_de} for t in types),
                             key=lambda t: (t["code"] not in ORDER_TYPES, t["label"])),
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
    """Create an order due today with the highest priority; returns the stored task."""
    if site_id is None:
        raise BadInput("Fläche für den Auftrag auswählen")
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound(f"Fläche {site_id} gibt es nicht")
    ensure_order_types(session)
    ttype = session.scalar(select(TaskType).where(TaskType.code == task_type))
    if ttype is None:
        raise BadInput(f"Aufgabenart {task_type!r} gibt es nicht")
    if duration_min is not None and not 1 <= duration_min <= MAX_ORDER_MIN:
        raise BadInput(f"Dauer muss zwischen 1 und {MAX_ORDER_MIN} Minuten liegen")
    if not 1 <= persons <= 10:
        raise BadInput("Personen müssen zwischen 1 und 10 liegen")
    note = note.strip()[:500]
    service = _demand_service()
    create = getattr(service, "create_order", None) if service else None
    if create is not None:
        try:
            task = _call_create_order(create, session, site, ttype, day, duration_min, persons,
                                      note)
        except BadInput:
            if ttype.code not in ORDER_TYPES:
                raise
            task = None  # an order type the demand catalogue does not know yet: stored below
        if isinstance(task, Task):
            return task
    # thin fallback while the demand service is missing: the same fields, stored directly
    task = Task(
        site_id=site.id,
        task_type=ttype.code,
        generator="order",
        due_earliest=day,
        due_latest=day,
        urgency=1.0,
        duration_s=int((duration_min or 60) * 60),
        duration_source="Sollzeit (Auftrag)" if duration_min else "Schätzung",
        persons=persons,
        priority=3,
        notes=f"Auftrag (sofort): {note}" if note else "Auftrag (sofort)",
    )
    session.add(task)
    session.flush()
    return task


def _demand_service() -> Any:
    try:
        return importlib.import_module("greentour.demand.service")
    except ModuleNotFoundError:
        return None


def _call_create_order(
    create: Any, session: Session, site: Site, ttype: TaskType, day: dt.date,
    duration_min: int | None, persons: int, note: str,
) -> Any:
    params = inspect.signature(create).parameters
    candidates: dict[str, Any] = {
        "tenant": None, "site_id": site.id, "site": site, "task_type": ttype.code,
        "today": day, "day": day,
        "priority": 3, "persons": persons,
        "hours": (duration_min / 60.0) if duration_min else None,
        "description": note, "note": note,
    }
    kwargs = {k: v for k, v in candidates.items() if k in params}
    try:
        with session.begin_nested():
            return create(session, **kwargs)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
