"""The plan service: demand -> routing problem -> OR-Tools -> stored plan, as a durable job.

Three actions of the planner, all one function :func:`run_plan_in_tenant` with a mode:

* ``plan`` ("Planen"): generate the demand of the week (task generators), then plan the day from
  scratch;
* ``replan`` ("Neu planen"): after an absence, a broken machine or an urgent order; the previous
  plan is handed to the solver, which pays for every task moved away from its crew-day, so the
  plan changes as little as it must; locked crew-days keep their tours;
* ``optimize`` ("Länger optimieren"): like ``replan`` with a longer search in the background.

Solver budgets come from ``GREENTOUR_PLAN_TIME_LIMIT_S`` (default 20 s),
``GREENTOUR_OPTIMIZE_TIME_LIMIT_S`` (default 60 s) and ``GREENTOUR_PLAN_SOLUTION_LIMIT`` (unset: the
budget decides; set for fast reproducible tests and demos). A budget covers the whole solve in
counted work (:class:`routing.search.SolveClock`): its seconds on a quiet machine, longer on a
busy one, the same plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from greentour.clock import tenant_today
from greentour.demand.service import settle_past_tasks
from greentour.errors import BadInput
from greentour.jobs import enqueue
from greentour.planning import demand_step
from greentour.planning.plan_check import findings_of, store_check
from greentour.planning.problem_builder import build_problem
from greentour.planning.store_solution import store_solution
from greentour.settings import get_settings
from greentour.store import system_session, tenant_session, write_session
from greentour.store.models import Tenant
from greentour.workplace.lineup import ensure_crew_days
from routing import SolveParams, solve

MODES = ("plan", "replan", "optimize")
#: at most this many consecutive days in one plan (a week)
MAX_DAYS = 7
Progress = Callable[[int, str], None]


def default_day(tenant: Tenant | None = None) -> dt.date:
    """The day the planner works on when none is given: ``GREENTOUR_PLAN_DAY``, else the tenant's
    today (its demo clock when set, :func:`greentour.clock.tenant_today`), else today."""
    value = get_settings().plan_day
    if value:
        return dt.date.fromisoformat(value)
    if tenant is not None:
        return tenant_today(tenant)
    return dt.date.today()


def tenant_default_day(engine: Engine, tenant_id: int) -> dt.date:
    """:func:`default_day` of the tenant with id ``tenant_id`` (planner pages)."""
    with system_session(engine) as session:
        return default_day(session.get(Tenant, tenant_id))


def solve_params(mode: str) -> SolveParams:
    """Search parameters of a mode from the environment (see module docstring)."""
    settings = get_settings()
    limit = settings.plan_solution_limit
    if mode == "optimize" and not limit:
        return SolveParams(time_limit_s=settings.optimize_time_limit_s, workers=2)
    seconds = settings.plan_time_limit_s
    return SolveParams(
        time_limit_s=seconds,
        solution_limit=int(limit) if limit else None,
        deterministic=bool(limit),
        workers=1 if limit else 2,
        seed=0,
    )


def run_plan_in_tenant(
    engine: Engine,
    tenant_id: int,
    day: dt.date,
    mode: str = "plan",
    params: SolveParams | None = None,
    progress: Progress | None = None,
    job_id: int | None = None,
    with_demand: bool | None = None,
    days_count: int = 1,
) -> dict[str, Any]:
    """Plan ``day`` (and the following days up to ``days_count``, e.g. the rest of the week) of a
    tenant and store the plan; returns a short summary.

    The work runs in short transactions (demand, crew-days, reading, storing) and the search runs
    outside any transaction, so neither the web app nor the job's progress updates wait for the
    solver on the database's write lock. ``with_demand`` (default: only in mode ``plan``) runs the
    task generators first.
    """
    if mode not in MODES:
        raise BadInput(f"Unbekannte Planungsart {mode!r}")
    report = progress or (lambda _p, _m=None: None)
    params = params or solve_params(mode)
    if not 1 <= days_count <= MAX_DAYS:
        raise BadInput(f"Es lassen sich 1 bis {MAX_DAYS} Tage auf einmal planen",
                       en=f"1 to {MAX_DAYS} days can be planned at once")
    days = [day + dt.timedelta(days=i) for i in range(days_count)]
    demand_summary: dict[str, Any] = {}
    if with_demand if with_demand is not None else mode == "plan":
        report(5, "Bedarf ermitteln")
        with write_session(engine, tenant_id) as session:
            demand_summary = demand_step.generate(session, day)
    report(10, "Planungsdaten laden")
    with write_session(engine, tenant_id) as session:
        # stale open work of past days is closed with its reason or carried forward first
        settle_past_tasks(session, day)
        days = [d for d in days if any(cd.member_ids for cd in ensure_crew_days(session, d))]
    if not days:
        raise BadInput("Für diese Tage gibt es keine Kolonne mit Personal",
                       en="No crew with people on these days")
    with tenant_session(engine, tenant_id) as session:
        built = build_problem(session, days, stability=mode != "plan", progress=report)
        session.rollback()
    report(30, f"Optimieren ({len(built.problem.tasks)} Aufgaben, "
               f"{len(built.problem.crew_days)} Kolonnen)")
    solution = solve(built.problem, params)
    report(85, "Plan speichern")
    with write_session(engine, tenant_id) as session:
        plan = store_solution(
            session, built, solution, days,
            params=dict(asdict(params)), job_id=job_id, mode=mode,
        )
        session.refresh(plan)
        findings = findings_of(session, built, solution, plan)
        store_check(session, plan, findings)
        summary = {
            "plan_id": plan.id,
            "tours": len(plan.tours),
            "unassigned": len(plan.unassigned),
            "tasks": len(built.problem.tasks),
            "findings": len(findings),
            "demand": demand_summary,
        }
    note = demand_summary.get("error")
    report(100, f"fertig – {note}" if note else "fertig")
    return summary


def enqueue_plan(
    engine: Engine, tenant_id: int, day: dt.date, mode: str, days_count: int = 1
) -> int:
    """Queue a plan job for the worker; returns the job id the page polls."""
    if mode not in MODES:
        raise BadInput(f"Unbekannte Planungsart {mode!r}")
    if not 1 <= days_count <= MAX_DAYS:
        raise BadInput(f"Es lassen sich 1 bis {MAX_DAYS} Tage auf einmal planen",
                       en=f"1 to {MAX_DAYS} days can be planned at once")
    return enqueue(engine, tenant_id, "plan",
                   {"day": day.isoformat(), "mode": mode, "days": days_count})


def balance_for(session: Session, day: dt.date) -> dict[str, Any] | None:
    """The capacity balance of the week of ``day`` (from the demand service), JSON-ready."""
    return demand_step.balance(session, day)
