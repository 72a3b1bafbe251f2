"""A test week of work records on the Lauf sample (issue 17 acceptance), shared by
tests/greentour/records/test_records_week.py and bench/records_week.py.

The planner walkthrough's Lauf (real OSM sites, the sample tenant with its [records] rates) gets
extra mowing and playground tasks for Tuesday to Friday, is planned Monday-Friday with OR-Tools
(deterministic), published, and every crew reports every stop through the real report service
(the tablets' "begonnen" and "erledigt", device clock a few minutes off the plan, seeded; one
stop "nicht möglich"). :func:`expected_figures` recomputes what the bookings must give straight
from the stored reports and tours, with its own minute-by-minute arithmetic.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from greentour.crew import tokens
from greentour.crew.reports import ReportInput, submit_report
from greentour.planning.current import driven
from greentour.planning.plan_service import run_plan_in_tenant
from greentour.planning.publication import publish
from greentour.records import service, store_io
from greentour.store import models, session_tenant, tenant_session, tenant_zone, write_session
from greentour.tenant_config import tenant_config
from routing.params import SolveParams

FAST = SolveParams(time_limit_s=30, solution_limit=5, deterministic=True, workers=1)
SEED = 17


@dataclass
class Week:
    """The planned and reported week."""

    monday: dt.date
    days: list[dt.date]
    plan_id: int
    reports: int
    not_possible_task: int | None


def add_week_tasks(engine, tenant_id: int, monday: dt.date) -> int:
    """Mowing tasks due Tuesday-Friday at parks and pitches without a Monday task; returns how
    many were added."""
    added = 0
    with tenant_session(engine, tenant_id) as s, s.begin():
        busy = set(s.scalars(select(models.Task.site_id)))
        sites = s.scalars(select(models.Site).where(models.Site.status == "accepted",
                                                    models.Site.category.in_(
                                                        ("park", "sports_pitch", "playground")))
                          .order_by(models.Site.id)).all()
        free = [site for site in sites if site.id not in busy] or list(sites)
        for i, site in enumerate(free[:12]):
            day = monday + dt.timedelta(days=1 + i % 4)
            code = "inspect_playground" if site.category == "playground" else "mow"
            minutes = 30 if code == "inspect_playground" else int(
                min(150, max(40, (site.area_m2 or 0) / 1200 * 60)))
            s.add(models.Task(site_id=site.id, task_type=code, generator="cycle" if code !=
                              "mow" else "forecast", due_earliest=day, due_latest=day,
                              urgency=0.6, duration_s=minutes * 60, persons=2,
                              notes="Testwoche Leistungserfassung"))
            added += 1
    return added


def plan_and_publish(engine, tenant_id: int, monday: dt.date) -> int:
    """Plan Monday-Friday with OR-Tools and publish it; returns the plan id."""
    result = run_plan_in_tenant(engine, tenant_id, monday, "plan", FAST, with_demand=False,
                                days_count=5)
    with write_session(engine, tenant_id) as s:
        publish(s, monday, 5)
    return result["plan_id"]


def report_week(engine, tenant_id: int, monday: dt.date, days: list[dt.date]) -> tuple[int, int]:
    """Every crew reports every stop of the published tours (started, done), the device clock
    -3..+6 min off the planned start and end (seeded); the 3rd stop of the week is "nicht
    möglich". Returns (reports stored, the not-possible task id)."""
    rng = random.Random(SEED)
    stored = 0
    not_possible = None
    with write_session(engine, tenant_id) as s:
        tenant = session_tenant(s)
        privacy = tenant_config(tenant).privacy
        devices: dict[int, models.DeviceToken] = {}
        n = 0
        for day in days:
            for cd in store_io.crew_days_on(s, day):
                tour = service.tour_for(s, cd)
                if tour is None or cd.template_id is None:
                    continue
                if cd.template_id not in devices:
                    issued = tokens.issue_token(s, tenant_id, crew_template_id=cd.template_id,
                                                name="Testtablet")
                    devices[cd.template_id] = issued.record
                device = devices[cd.template_id]
                for stop in sorted(tour.stops, key=lambda x: x.seq):
                    if stop.kind != "task":
                        continue
                    n += 1
                    start = stop.start_at + dt.timedelta(minutes=rng.randint(-3, 6))
                    end = stop.end_at + dt.timedelta(minutes=rng.randint(-3, 6))
                    end = max(end, start + dt.timedelta(minutes=5))
                    if n == 3:
                        submit_report(s, device, ReportInput(
                            str(uuid.UUID(int=rng.getrandbits(128))), "not_possible",
                            tour.plan.version, end, stop_id=stop.id,
                            reason="Zufahrt zugeparkt"), privacy, now=end)
                        not_possible = stop.task_id
                        stored += 1
                        continue
                    for status, at in (("started", start), ("done", end)):
                        submit_report(s, device, ReportInput(
                            str(uuid.UUID(int=rng.getrandbits(128))), status,
                            tour.plan.version, at, stop_id=stop.id, grass_length="medium"
                            if status == "done" else None), privacy, now=at)
                        stored += 1
    return stored, not_possible


def build_week(engine, tenant_id: int, monday: dt.date) -> Week:
    """Tasks, plan, publication and reports of the test week."""
    add_week_tasks(engine, tenant_id, monday)
    plan_id = plan_and_publish(engine, tenant_id, monday)
    days = [monday + dt.timedelta(days=i) for i in range(5)]
    reports, not_possible = report_week(engine, tenant_id, monday, days)
    return Week(monday, days, plan_id, reports, not_possible)


# --------------------------------------------------------------------------- expectations
def _minutes_outside(start: dt.datetime, end: dt.datetime, breaks) -> int:
    """Seconds from start to end outside the break windows, second by second in 1 s steps
    over the break edges (an independent check of the booking's interval arithmetic)."""
    seconds = int((end - start).total_seconds())
    inside = 0
    for a, b in breaks:
        lo, hi = max(start, a), min(end, b)
        if hi > lo:
            inside += int((hi - lo).total_seconds())
    return seconds - inside


def expected_figures(engine, tenant_id: int, days: list[dt.date],
                     corrections: dict[tuple[int, int], int] | None = None) -> dict:
    """What the bookings must give, from the stored reports and tours: person work seconds per
    cost centre (persons × reported time, fixed breaks out; ``corrections`` (crew-day, task) ->
    minutes replace a stop's time), machine work seconds per machine, metres per crew-day."""
    corrections = corrections or {}
    person_s: dict[str, int] = defaultdict(int)
    machine_s: dict[int, int] = defaultdict(int)
    metres: dict[int, int] = {}
    with tenant_session(engine, tenant_id) as s:
        tz = tenant_zone(session_tenant(s))
        settings = tenant_config(session_tenant(s)).records
        types = {t.code: t for t in s.scalars(select(models.TaskType))}
        for day in days:
            for cd in store_io.crew_days_on(s, day):
                reports = s.scalars(select(models.Completion).where(
                    models.Completion.crew_day_id == cd.id)).all()
                if not reports:
                    continue
                breaks = [(dt.datetime.combine(day, dt.time.fromisoformat(a), tzinfo=tz),
                           dt.datetime.combine(day, dt.time.fromisoformat(b), tzinfo=tz))
                          for a, b in cd.breaks_json]
                machines = s.scalars(select(models.Machine).where(
                    models.Machine.id.in_(cd.machine_ids))).all()
                for c in reports:
                    task = s.get(models.Task, c.task_id)
                    if (cd.id, task.id) in corrections:
                        seconds = corrections[(cd.id, task.id)] * 60
                    elif c.finished_at is None:
                        continue
                    else:
                        seconds = _minutes_outside(c.started_at, c.finished_at, breaks)
                    centre = settings.cost_centre(task.site.cost_centre, task.site.category)
                    person_s[centre] += seconds * len(cd.member_ids)
                    for m in machines:
                        if m.kind in types[task.task_type].equipment:
                            machine_s[m.id] += seconds
                metres[cd.id] = int(round(driven(service.tour_for(s, cd))[0]))
    return {"person_work_s": dict(person_s), "machine_s": dict(machine_s), "metres": metres}
