"""Live progress of a day for the planner: what the crews reported per stop, as it arrives.

The map and the week board poll :func:`day_progress` (a small JSON document) and colour each stop
by its reported state: ``planned`` (nothing reported), ``started``, ``done``, ``partly`` or
``not_possible`` (with the crew's reason), with grass length, note and photo. Reports are matched
to the planner's current plan by task and crew-day (a report names the stop of the version the
tablet had; after a re-plan the stop id differs, the task does not). Per crew a progress line:
the planned hours of the stops reported done against the planned hours of the tour, and how far
the crew is behind or ahead of plan: stops reported (done, partly, not possible) against the stops
planned to end by now. Per-stop times concern employees (staff council, GDPR): report times and
the minutes behind or ahead (the reported finish of the latest finished stop against its planned
end) are only included for roles in the tenant's ``privacy.stop_times_visible_to``
(:mod:`greentour.crew.privacy`, default admin).

Sites visited that day come with their need class and last service as they are now, so a popup
no longer says "überfällig" once the stop was reported done (the report marked the task done and
moved the last service, :mod:`greentour.crew.feedback`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from greentour.clock import tenant_now
from greentour.errors import BadInput
from greentour.planning import publication
from greentour.planning.current import current_plan
from greentour.store import session_tenant, tenant_zone
from greentour.store.models import (
    Completion,
    CrewDay,
    SiteLastService,
    Stop,
    Task,
    TaskType,
    Tour,
)
from greentour.store.models_crew import StopStart
from greentour.tenant_config import tenant_config
from greentour.workplace.map_view import NEED_LABELS, last_service_label, need_of

STATE_LABELS = {
    "planned": ("geplant", "planned"),
    "started": ("begonnen", "started"),
    "done": ("erledigt", "done"),
    "partly": ("teilweise erledigt", "partly done"),
    "not_possible": ("nicht möglich", "not possible"),
}
GRASS_LABELS = {
    "short": ("kurz", "short"),
    "medium": ("mittel", "medium"),
    "long": ("lang", "long"),
}
#: states that offer "in Plan übernehmen" (the rest of the work goes to a later day)
CARRY_OVER = ("partly", "not_possible")


def _li(lang: str) -> int:
    return 1 if lang == "en" else 0


def _latest_reports(session: Session, crew_day_ids: list[int]) -> dict[tuple[int, int], Any]:
    """The newest outcome report per (crew-day, task)."""
    out: dict[tuple[int, int], Completion] = {}
    if not crew_day_ids:
        return out
    rows = session.scalars(
        select(Completion).where(Completion.crew_day_id.in_(crew_day_ids))
        .order_by(Completion.server_time, Completion.id)
    )
    for row in rows:
        if row.task_id is not None:
            out[(row.crew_day_id, row.task_id)] = row
    return out


def _starts(session: Session, crew_day_ids: list[int]) -> dict[tuple[int, int], StopStart]:
    out: dict[tuple[int, int], StopStart] = {}
    if not crew_day_ids:
        return out
    for row in session.scalars(select(StopStart).where(StopStart.crew_day_id.in_(crew_day_ids))):
        if row.task_id is not None:
            out[(row.crew_day_id, row.task_id)] = row
    return out


def _hhmm(value: dt.datetime | None, tz: Any) -> str | None:
    return value.astimezone(tz).strftime("%H:%M") if value else None


def site_states(session: Session, site_ids: set[int], day: dt.date,
                lang: str = "de") -> dict[int, dict[str, Any]]:
    """Need class and last service of the given sites as they are now."""
    li = _li(lang)
    if not site_ids:
        return {}
    tasks: dict[int, list[Task]] = {}
    for task in session.scalars(select(Task).where(Task.site_id.in_(site_ids),
                                                   Task.status.in_(("open", "planned")))):
        tasks.setdefault(task.site_id, []).append(task)
    last: dict[int, SiteLastService] = {}
    for row in session.scalars(select(SiteLastService).where(SiteLastService.site_id.in_(
            site_ids))):
        if row.site_id not in last or row.last_date > last[row.site_id].last_date:
            last[row.site_id] = row
    labels = {t.code: (t.name_en if lang == "en" else t.name_de)
              for t in session.scalars(select(TaskType))}
    out = {}
    for site_id in site_ids:
        need = need_of(tasks.get(site_id, []), day)
        out[site_id] = {"need": need, "need_label": NEED_LABELS[need][li],
                        "last_service": last_service_label(last.get(site_id), lang, labels)}
    return out


def day_progress(
    session: Session, day: dt.date, photo_url: Callable[[str, bool], str] | None = None,
    lang: str = "de", with_times: bool = False, now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Reported state of every stop of the day's current plan and a progress line per crew
    (report times only ``with_times``; ``now`` for the stops due to be finished, default the
    tenant's now: on the demo clock the demo day at the real time of day).

    ``photo_url(client_uuid, thumbnail)`` gives the address of a report's photo (the planner
    endpoint of the crew API, ``/api/v1/reports/<client_uuid>/photo``)."""
    li = _li(lang)
    tenant = session_tenant(session)
    tz = tenant_zone(tenant)
    now = now or tenant_now(tenant)
    plan = current_plan(session, day)
    crew_days = {cd.id: cd for cd in session.scalars(select(CrewDay).where(CrewDay.date == day))}
    ids = list(crew_days)
    reports = _latest_reports(session, ids)
    starts = _starts(session, ids)
    crews = []
    stops: dict[str, dict[str, Any]] = {}
    site_ids: set[int] = set()
    tours = session.scalars(
        select(Tour).where(Tour.plan_id == plan.id).order_by(Tour.crew_day_id)
        .options(selectinload(Tour.stops).selectinload(Stop.task))
    ).all() if plan is not None else []
    for tour in tours:
        cd = crew_days.get(tour.crew_day_id)
        if cd is None:
            continue
        planned_s = done_s = 0
        due_by_now = 0
        counts = dict.fromkeys(STATE_LABELS, 0)
        lag_min = None
        latest_finish: dt.datetime | None = None
        for stop in tour.stops:
            if stop.kind != "task" or stop.task is None:
                continue
            task = stop.task
            site_ids.add(task.site_id)
            stop_s = (int((stop.end_at - stop.start_at).total_seconds())
                      if stop.start_at and stop.end_at else task.duration_s)
            planned_s += stop_s
            if stop.end_at is not None and stop.end_at <= now:
                due_by_now += 1
            report = reports.get((cd.id, task.id))
            start = starts.get((cd.id, task.id))
            state = report.status if report is not None else ("started" if start else "planned")
            counts[state] += 1
            item: dict[str, Any] = {
                "task_id": task.id, "crew_day_id": cd.id, "site_id": task.site_id,
                "state": state, "state_label": STATE_LABELS[state][li],
                "carry_over": state in CARRY_OVER,
            }
            if start is not None and with_times:
                item["started"] = _hhmm(start.device_time or start.server_time, tz)
            if report is not None:
                finished = report.finished_at or report.device_time or report.server_time
                item.update({
                    "reason": report.reason or None,
                    "grass_length": (GRASS_LABELS[report.grass_length][li]
                                     if report.grass_length else None),
                    "note": report.note or None,
                    "outdated": bool(report.flagged_outdated),
                    "photo_url": (photo_url(report.client_uuid, False)
                                  if photo_url and report.photo_path else None),
                    "photo_thumb_url": (photo_url(report.client_uuid, True)
                                        if photo_url and report.photo_path else None),
                })
                if with_times:
                    item["reported"] = _hhmm(report.server_time, tz)
                    item["finished"] = _hhmm(finished, tz)
                if state in ("done", "partly"):
                    if state == "done":
                        done_s += stop_s
                    if stop.end_at is not None and (latest_finish is None
                                                    or finished > latest_finish):
                        latest_finish = finished
                        lag_min = round((finished - stop.end_at).total_seconds() / 60)
            stops[f"{cd.id}:{task.id}"] = item
        reported = counts["done"] + counts["partly"] + counts["not_possible"]
        behind = due_by_now - reported
        if behind > 0:
            pace = (f"{behind} Stopps hinter Plan", f"{behind} stops behind plan")[li]
        elif behind < 0:
            pace = (f"{-behind} Stopps vor Plan", f"{-behind} stops ahead of plan")[li]
        else:
            pace = ("im Plan", "on plan")[li]
        if with_times and lag_min:
            pace += (f" (zuletzt {abs(lag_min)} min {'später' if lag_min > 0 else 'früher'})",
                     f" (latest {abs(lag_min)} min {'late' if lag_min > 0 else 'early'})")[li]
        if not with_times:
            lag_min = None
        crews.append({
            "crew_day_id": cd.id, "crew": cd.name,
            "done_h": round(done_s / 3600, 1), "planned_h": round(planned_s / 3600, 1),
            "done_pct": round(100 * done_s / planned_s) if planned_s else 0,
            "lag_min": lag_min, "stops_behind": behind, "pace": pace, "counts": counts,
        })
    return {
        "day": day.isoformat(),
        "plan_id": plan.id if plan else None,
        "crews": crews,
        "stops": stops,
        "sites": {str(k): v for k, v in site_states(session, site_ids, day, lang).items()},
        "stop_times_visible": with_times,
    }


def live_state(
    session: Session, first: dt.date, count: int = 1,
    photo_url: Callable[[str, bool], str] | None = None, lang: str = "de",
    role: str | None = None,
) -> dict[str, Any]:
    """What the map and the board poll: per day the progress (:func:`day_progress`), whether
    the shown plans are drafts and whether the line-up or orders changed after them. Report
    times only for a ``role`` the tenant's privacy settings allow."""
    if not 1 <= count <= 7:
        raise BadInput("Zwischen 1 und 7 Tage", en="Between 1 and 7 days")
    days = [first + dt.timedelta(days=i) for i in range(count)]
    with_times = tenant_config(session_tenant(session)).privacy.may_see_stop_times(role)
    progress_days = [day_progress(session, d, photo_url, lang, with_times) for d in days]
    return {
        "days": progress_days,
        "crews": [c for p in progress_days for c in p["crews"]],
        "stops": {k: v for p in progress_days for k, v in p["stops"].items()},
        "sites": {k: v for p in progress_days for k, v in p["sites"].items()},
        "publication": [{"date": d.isoformat(), **publication.publication_state(session, d)}
                        for d in days],
        "stale": publication.staleness(session, days),
        "stop_times_visible": with_times,
    }

