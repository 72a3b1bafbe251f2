"""Plug-in of the plan service (greentour/planning/): the ``plan`` job, ``greentour plan`` and the
demo's planning step.

``greentour plan --date 2026-06-15 [--mode replan] [--time-limit 10]`` plans one day of a tenant
in this process with a progress bar; the web page queues the same work as a ``plan`` job for the
worker.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from greentour.errors import BadInput
from greentour.jobs import JobContext, register_job
from greentour.planning.plan_service import MODES, run_plan_in_tenant, solve_params


@register_job("plan")
def plan_job(ctx: JobContext) -> dict[str, Any]:
    """Plan a day: params ``day`` (ISO date) and ``mode`` (plan, replan, optimize)."""
    try:
        day = dt.date.fromisoformat(str(ctx.params.get("day")))
    except ValueError as exc:
        raise BadInput(f"Planungstag {ctx.params.get('day')!r} ist kein Datum") from exc
    mode = str(ctx.params.get("mode", "plan"))
    if mode not in MODES:
        raise BadInput(f"Unbekannte Planungsart {mode!r}")
    return run_plan_in_tenant(ctx.engine, ctx.tenant_id, day, mode, progress=ctx.progress,
                              job_id=ctx.job_id)


def _summary(result: dict[str, Any]) -> str:
    return (f"Plan #{result['plan_id']}: {result['tours']} Touren, {result['tasks']} Aufgaben "
            f"betrachtet, {result['unassigned']} nicht eingeplant")


@click.command("plan", help="Einen Tag planen (Bedarf, Touren, nicht Eingeplantes mit Grund).")
@click.option("--tenant", envvar="GREENTOUR_TENANT", default=None, metavar="SLUG",
              help="Mandant (Kurzname); entfällt, wenn es nur einen gibt.")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="Plantag JJJJ-MM-TT.")
@click.option("--mode", type=click.Choice(MODES), default="plan", show_default=True,
              help="plan: neu planen; replan: möglichst wenig ändern; optimize: länger suchen.")
@click.option("--time-limit", type=float, default=None, help="Suchzeit in Sekunden.")
def command(tenant: str | None, day: dt.datetime, mode: str, time_limit: float | None) -> None:
    from tqdm import tqdm

    from greentour.cli_support import open_engine, resolve_tenant

    engine = open_engine()
    try:
        t = resolve_tenant(engine, tenant)
        params = solve_params(mode)
        if time_limit is not None:
            params = params.with_(time_limit_s=time_limit)
        with tqdm(total=100, desc="Planen", unit="%") as bar:
            def progress(percent: float, message: str | None = None) -> None:
                bar.n = int(percent)
                if message:
                    bar.set_postfix_str(message)
                bar.refresh()

            result = run_plan_in_tenant(engine, t.id, day.date(), mode, params, progress)
        click.echo(_summary(result))
    finally:
        engine.dispose()


def demo_step(ctx: Any) -> str:
    """Demo: plan the demo day (solver time from GREENTOUR_PLAN_TIME_LIMIT_S, default 10 s)."""
    assert ctx.tenant_id is not None
    result = run_plan_in_tenant(ctx.engine, ctx.tenant_id, ctx.day, "plan")
    return _summary(result)
