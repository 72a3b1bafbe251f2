"""``greentour forecast``: what is due at which site, and why (mowing, hedges, young trees).

Plugged into the CLI by :data:`greentour.cli.COMMANDS`; the job kind ``forecast`` runs
the same service in the worker. Both store the forecasts as ``SiteForecast`` rows (read by
demand and the planner map through :func:`greentour.forecast.store_io.latest_forecasts`); the
job also keeps a summary (without daily paths) in the job's result.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from greentour.cli_support import open_engine, progress_bar, resolve_tenant, tenant_option
from greentour.clock import tenant_today
from greentour.errors import BadInput
from greentour.forecast.compute import ForecastRun
from greentour.forecast.service import forecast_tenant
from greentour.forecast.weather import online_forecast
from greentour.jobs import JobContext
from greentour.store import session_tenant, tenant_session
from greentour.tenant_config import tenant_config

TASK_DE = {"mow": "Mähen", "cut_hedge": "Heckenschnitt", "water_trees": "Jungbäume wässern"}
TASK_EN = {"mow": "mowing", "cut_hedge": "hedge cut", "water_trees": "water young trees"}
URGENCY_DE = {
    "overdue": "überfällig",
    "high": "hoch",
    "normal": "normal",
    "low": "niedrig",
    "none": "–",
}


def format_run(run: ForecastRun, lang: str = "de", only_due: bool = True) -> list[str]:
    """Lines for the terminal: one per forecast, then its explanation indented."""
    de = lang == "de"
    head = "Prognose ab" if de else "Forecast from"
    lines = [
        f"{head} {run.as_of:%d.%m.%Y}, {run.horizon_days} Tage"
        if de
        else f"{head} {run.as_of.isoformat()}, {run.horizon_days} days"
    ]
    lines += [f"  Hinweis: {n}" for n in run.notes]
    shown = [f for f in run.forecasts if f.is_due or not only_due]
    shown.sort(
        key=lambda f: (
            f.due_date or dt.date.max,
            int(f.site_id) if f.site_id.isdigit() else 0,
            f.site_id,
        )
    )
    for fc in shown:
        task = (TASK_DE if de else TASK_EN)[fc.task]
        if fc.due_date is None:
            when = "nicht fällig" if de else "not due"
        elif de:
            when = (
                f"fällig {fc.due_date:%d.%m.} (Fenster {fc.due_window[0]:%d.%m.}-"
                f"{fc.due_window[1]:%d.%m.})"
            )
        else:
            when = f"due {fc.due_date} (window {fc.due_window[0]} to {fc.due_window[1]})"
        urgency = URGENCY_DE[fc.urgency] if de else fc.urgency
        lines.append(
            f"Fläche {fc.site_id:>6}  {task:18} {when}  Dringlichkeit {urgency}"
            if de
            else f"site {fc.site_id:>6}  {task:18} {when}  urgency {urgency}"
        )
        lines.append("    " + fc.explanation.text(lang))
    due = sum(1 for f in run.forecasts if f.is_due)
    lines.append(
        f"{due} von {len(run.forecasts)} Aufgaben fällig, {run.stored} Prognosen gespeichert"
        if de
        else f"{due} of {len(run.forecasts)} tasks due, {run.stored} forecasts stored"
    )
    return lines


@click.command(
    "forecast",
    help="Fälligkeiten aus Wetter, Sensoren und Rückmeldungen: Mähen, "
    "Hecken, Jungbäume – mit Begründung.",
)
@tenant_option
@click.option("--date", "day", metavar="JJJJ-MM-TT", help="Stichtag (Standard: heute).")
@click.option(
    "--days",
    "horizon_days",
    default=14,
    show_default=True,
    type=int,
    help="Vorhersagezeitraum in Tagen.",
)
@click.option("--site", "site_ids", multiple=True, type=int, help="Nur diese Fläche(n).")
@click.option("--all", "show_all", is_flag=True, help="Auch nicht fällige Aufgaben zeigen.")
@click.option("--lang", type=click.Choice(["de", "en"]), default="de", show_default=True)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ergebnis zusätzlich als JSON schreiben.",
)
@click.option(
    "--online",
    is_flag=True,
    help="Kommende Tage aus der DWD-MOSMIX-Vorhersage (Bright Sky, Internet nötig).",
)
def command(
    tenant: str | None,
    day: str | None,
    horizon_days: int,
    site_ids: tuple[int, ...],
    show_all: bool,
    lang: str,
    json_path: Path | None,
    online: bool,
) -> None:
    try:
        as_of = dt.date.fromisoformat(day) if day else None
    except ValueError:
        raise BadInput(f"Datum „{day}“ unlesbar (JJJJ-MM-TT erwartet)") from None
    engine = open_engine()
    try:
        t = resolve_tenant(engine, tenant)
        as_of = as_of or tenant_today(t)  # the demo clock in demo mode
        with progress_bar(desc="Flächen", unit="Fläche") as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            mosmix = online_forecast(engine, t.id, as_of, horizon_days) if online else None
            run = forecast_tenant(
                engine,
                t.id,
                as_of,
                horizon_days,
                site_ids=list(site_ids) or None,
                progress=progress,
                forecast=mosmix,
            )
    finally:
        engine.dispose()
    for line in format_run(run, lang, only_due=not show_all):
        click.echo(line)
    if json_path:
        json_path.write_text(
            json.dumps(run.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        click.echo(f"JSON nach {json_path} geschrieben")


def run_forecast_job(ctx: JobContext) -> dict[str, Any]:
    """Job ``forecast`` with params ``as_of`` (ISO date) and ``horizon_days``."""
    as_of = dt.date.fromisoformat(ctx.params.get("as_of") or dt.date.today().isoformat())
    horizon = int(ctx.params.get("horizon_days", 14))
    ctx.progress(5, "Wetter und Flächen werden gelesen")

    def progress(done: int, total: int) -> None:
        if done == total or done % 25 == 0:
            ctx.progress(5 + 90 * done / max(total, 1), f"{done} von {total} Flächen")

    run = forecast_tenant(ctx.engine, ctx.tenant_id, as_of, horizon, progress=progress)
    return run.to_dict()


def demo_step(ctx: Any) -> str:
    """Demo: the forecasts of the demo day, stored with the horizon demand uses next (so the
    demand step reads them instead of computing them again)."""
    assert ctx.tenant_id is not None
    with tenant_session(ctx.engine, ctx.tenant_id) as s:
        settings = tenant_config(session_tenant(s)).demand
    sunday = ctx.day + dt.timedelta(days=6 - ctx.day.weekday())
    horizon = max(settings.forecast_horizon_days, (sunday - ctx.day).days)
    run = forecast_tenant(ctx.engine, ctx.tenant_id, ctx.day, horizon)
    ctx.results["forecast"] = run
    due = [f for f in run.forecasts if f.is_due]
    kinds = ", ".join(
        f"{TASK_DE[k]} {sum(1 for f in due if f.task == k)}"
        for k in TASK_DE
        if any(f.task == k for f in due)
    )
    note = f" ({run.notes[0]})" if run.notes else ""
    return f"Prognose: {len(due)} von {len(run.forecasts)} Aufgaben fällig ({kinds or '–'}){note}"
