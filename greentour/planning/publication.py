"""Draft and publish: plans reach the crews' tablets only when the planner publishes them.

Every plan, re-plan and board edit stores a new plan version with status ``done``: a *draft*. The
planner sees and edits the newest version of a day (:func:`~greentour.planning.current.
current_plan`); the tablets see the newest *published* version (:func:`~greentour.planning.
current.published_plan`).

Before publishing, :func:`preview` lists per crew-day what the draft changes against the version the
crew has now: stops added, removed (and where they went), moved within the tour (order) and new
start times. :func:`publish` marks the drafts of the chosen days published and keeps that summary
on the plan (``publish_summary_json``), so the tablet shows the crew what changed.

:func:`staleness` says whether the line-up (crew-days) or the orders changed after the plan shown:
the map and the board show a banner then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from greentour.errors import BadInput, Conflict
from greentour.planning.current import current_plan, published_plan
from greentour.store import session_tenant, tenant_zone
from greentour.store.base import utcnow
from greentour.store.models import CrewDay, Plan, Task, TaskType, Tour
from greentour.workplace.board import where_planned
from greentour.workplace.labels import WEEKDAYS_DE, day_text, site_label

#: a start time that moves by less than this is not reported as a new start time (minutes)
RETIME_MIN = 5
MAX_DAYS = 14


def _days(first: dt.date, count: int) -> list[dt.date]:
    if not 1 <= count <= MAX_DAYS:
        raise BadInput(f"Zwischen 1 und {MAX_DAYS} Tage veröffentlichen",
                       en=f"Publish between 1 and {MAX_DAYS} days")
    return [first + dt.timedelta(days=i) for i in range(count)]


def drafts(session: Session, days: Iterable[dt.date]) -> list[Plan]:
    """The unpublished current plans of ``days`` (each once, oldest version first)."""
    found: dict[int, Plan] = {}
    for day in days:
        plan = current_plan(session, day)
        if plan is not None and plan.status != "published":
            found[plan.id] = plan
    return sorted(found.values(), key=lambda p: (p.version, p.id))


def _tour_entries(session: Session, tour: Tour | None, tz: Any,
                  labels: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    """The task stops of ``tour`` with site and task names in German and English (``*_en``)."""
    if tour is None:
        return []
    out = []
    for stop in tour.stops:
        if stop.kind != "task" or stop.task is None:
            continue
        out.append({
            "task_id": stop.task_id,
            "site": site_label(stop.task.site),
            "site_en": site_label(stop.task.site, "en"),
            "task": labels.get(stop.task.task_type, (stop.task.task_type,) * 2)[0],
            "task_en": labels.get(stop.task.task_type, (stop.task.task_type,) * 2)[1],
            "start": stop.start_at.astimezone(tz).strftime("%H:%M") if stop.start_at else "",
            "start_at": stop.start_at,
        })
    return out


def _where(session: Session, task_id: int, day: dt.date) -> tuple[str, str] | None:
    """``"Kolonne 2 Di 16.06."``: the crew-day whose current tour holds ``task_id`` (around
    ``day``; None when it is in no tour)."""
    task = session.get(Task, task_id)
    found = where_planned(session, task, day) if task is not None else None
    if found is None:
        return None
    cd = found[0]
    return (f"{cd.name} {WEEKDAYS_DE[cd.date.weekday()]} {cd.date:%d.%m.}",
            f"{cd.name} {day_text(cd.date, 'en', 'short')}")


def _diff(session: Session, crew_day: CrewDay, old: list[dict[str, Any]],
          new: list[dict[str, Any]]) -> dict[str, Any] | None:
    old_ids = [e["task_id"] for e in old]
    new_ids = [e["task_id"] for e in new]
    old_by = {e["task_id"]: e for e in old}
    names = ("site", "site_en", "task", "task_en")
    added = [{**{k: e[k] for k in names}, "start": e["start"]}
             for e in new if e["task_id"] not in old_by]
    removed = []
    for e in old:
        if e["task_id"] not in set(new_ids):
            to = _where(session, e["task_id"], crew_day.date)
            removed.append({**{k: e[k] for k in names}, "to": to[0] if to else None,
                            "to_en": to[1] if to else None})
    kept_old = [t for t in old_ids if t in set(new_ids)]
    kept_new = [t for t in new_ids if t in set(old_ids)]
    moved = []
    for position, task_id in enumerate(kept_new):
        if kept_old.index(task_id) != position:
            e = old_by[task_id]
            moved.append({**{k: e[k] for k in names},
                          "from_seq": old_ids.index(task_id) + 1,
                          "to_seq": new_ids.index(task_id) + 1})
    retimed = []
    for e in new:
        before = old_by.get(e["task_id"])
        if before is None or before["start_at"] is None or e["start_at"] is None:
            continue
        if abs((e["start_at"] - before["start_at"]).total_seconds()) >= RETIME_MIN * 60:
            retimed.append({**{k: e[k] for k in names}, "old_start": before["start"],
                            "new_start": e["start"]})
    if not (added or removed or moved or retimed):
        return None
    return {
        "crew_day_id": crew_day.id,
        "crew": crew_day.name,
        "date": crew_day.date.isoformat(),
        "day_label": f"{WEEKDAYS_DE[crew_day.date.weekday()]} {crew_day.date:%d.%m.}",
        "day_label_en": day_text(crew_day.date, "en", "short"),
        "first_tour": not old,
        "added": added, "removed": removed, "moved": moved, "retimed": retimed,
    }


def _changes_of(session: Session, plan: Plan) -> list[dict[str, Any]]:
    """Per crew-day: what ``plan`` changes against the version published on its days now."""
    tz = tenant_zone(session_tenant(session))
    labels = {t.code: (t.name_de, t.name_en) for t in session.scalars(select(TaskType))}
    out = []
    day = plan.date_from
    while day <= plan.date_to:
        before = published_plan(session, day)
        if before is None or before.version < plan.version or before.id == plan.id:
            crew_days = session.scalars(
                select(CrewDay).where(CrewDay.date == day).order_by(CrewDay.name)).all()
            for cd in crew_days:
                old_tour = (next((t for t in before.tours if t.crew_day_id == cd.id), None)
                            if before is not None and before.id != plan.id else None)
                new_tour = next((t for t in plan.tours if t.crew_day_id == cd.id), None)
                entry = _diff(session, cd, _tour_entries(session, old_tour, tz, labels),
                              _tour_entries(session, new_tour, tz, labels))
                if entry is not None:
                    out.append(entry)
        day += dt.timedelta(days=1)
    return out


def preview(session: Session, first: dt.date, count: int = 1) -> dict[str, Any]:
    """What publishing the drafts of ``count`` days from ``first`` would change, per crew-day."""
    plans = drafts(session, _days(first, count))
    crews: list[dict[str, Any]] = []
    for plan in plans:
        crews.extend(_changes_of(session, plan))
    return {
        "drafts": [{"id": p.id, "version": p.version, "date_from": p.date_from.isoformat(),
                    "date_to": p.date_to.isoformat()} for p in plans],
        "crews": sorted(crews, key=lambda c: (c["date"], c["crew"])),
    }


def publish(session: Session, first: dt.date, count: int = 1,
            expected_ids: list[int] | None = None) -> dict[str, Any]:
    """Publish the drafts of ``count`` days from ``first``; returns what changed per crew-day.

    ``expected_ids`` are the draft ids the planner saw in the preview: if the drafts changed
    meanwhile (a re-plan finished), nothing is published and :class:`Conflict` asks to look again.
    """
    plans = drafts(session, _days(first, count))
    if not plans:
        raise Conflict("Nichts zu veröffentlichen: die Tablets haben schon den aktuellen Plan",
                       en="Nothing to publish: the tablets already have the current plan")
    if expected_ids is not None and sorted(expected_ids) != sorted(p.id for p in plans):
        raise Conflict("Der Entwurf hat sich inzwischen geändert; bitte die Änderungen erneut "
                       "ansehen", en="The draft has changed meanwhile; please look at the "
                                     "changes again")
    summary = preview(session, first, count)
    now = utcnow()
    for plan in plans:
        plan.publish_summary_json = {
            "crews": {str(c["crew_day_id"]): c for c in _changes_of(session, plan)}}
    for plan in plans:
        plan.status = "published"
        plan.published_at = now
    session.flush()
    return {**summary, "published": [p.id for p in plans]}


def crew_changes(plan: Plan, crew_day_id: int) -> dict[str, Any] | None:
    """What the publication of ``plan`` changed for one crew-day (None: nothing)."""
    crews = (plan.publish_summary_json or {}).get("crews") or {}
    return crews.get(str(crew_day_id))


def publication_state(session: Session, day: dt.date) -> dict[str, Any]:
    """Whether the day's current plan is published, and since when (local time text)."""
    plan = current_plan(session, day)
    published = published_plan(session, day)
    tz = tenant_zone(session_tenant(session))
    return {
        "draft": plan is not None and plan.status != "published",
        "plan_version": plan.version if plan else None,
        "published_version": published.version if published else None,
        "published_at": (published.published_at.astimezone(tz).strftime("%d.%m. %H:%M")
                         if published is not None and published.published_at else None),
    }


def _solved_at(session: Session, plan: Plan) -> dt.datetime:
    """When the solver made ``plan`` (a board edit keeps the time of the plan it edits)."""
    seen = set()
    while (plan.solver_params_json or {}).get("mode") == "edit" and plan.parent_id \
            and plan.parent_id not in seen:
        seen.add(plan.parent_id)
        parent = session.get(Plan, plan.parent_id)
        if parent is None:
            break
        plan = parent
    return plan.created_at


def staleness(session: Session, days: Iterable[dt.date]) -> dict[str, Any]:
    """Whether the line-up or the orders of ``days`` changed after their current plan was made.

    Counts crew-days changed (people, vehicle, machines) and new open orders due on those days
    after the solver made the day's current plan; ``stale`` when any.
    """
    lineup = orders = 0
    for day in days:
        plan = current_plan(session, day)
        if plan is None:
            continue
        since = _solved_at(session, plan)
        lineup += session.scalar(
            select(func.count(CrewDay.id)).where(CrewDay.date == day, CrewDay.updated_at > since)
        ) or 0
        orders += session.scalar(
            select(func.count(Task.id)).where(
                Task.generator == "order", Task.created_at > since,
                Task.due_earliest <= day, Task.due_latest >= day,
                Task.status.in_(("open", "planned")))
        ) or 0
    return {"stale": bool(lineup or orders), "lineup": lineup, "orders": orders}
