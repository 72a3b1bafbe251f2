"""``greentour demand``: generate the week's tasks and print them with the capacity balance.

Plugged into the CLI by :data:`greentour.cli.COMMANDS`. Calls the same services as the
web map and the planner (:mod:`greentour.demand.service`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from greentour.cli_support import open_engine, resolve_tenant, tenant_option
from greentour.demand.capacity import WeekBalance, parse_week
from greentour.demand.service import (
    apply_site_rules,
    capacity_balance,
    generate_demand,
    tenant_data_file,
)
from greentour.errors import BadInput
from greentour.store import session_tenant, write_session
from greentour.store.models import Task, TaskType
from greentour.workplace.labels import WEEKDAYS_DE

#: the generators as the demo's German summary names them ("Zyklus 88, Prognose 36")
GENERATOR_DE = {"cycle": "Zyklus", "deadline": "Termin", "forecast": "Prognose",
                "order": "Auftrag"}


def _hours(value: float) -> str:
    return f"{value:7.1f} h"


def _source_group(label: str) -> str:
    return "gelernt" if label.startswith("gelernt") else label


def format_tasks(rows: list[Task], names: dict[str, str]) -> list[str]:
    """Lines: per task type and generator the count, person-hours and duration sources."""
    groups: dict[tuple[str, str], list[Task]] = defaultdict(list)
    for task in rows:
        groups[(task.task_type, task.generator)].append(task)
    lines = [f"{'Code':26} {'Aufgabenart':36} {'Erzeuger':9} {'Anzahl':>6} {'Personenstd.':>12}"
             "  Dauer aus"]
    for (code, gen), tasks in sorted(groups.items()):
        person_h = sum(t.duration_s * t.persons for t in tasks) / 3600
        sources: dict[str, int] = defaultdict(int)
        for t in tasks:
            sources[_source_group(t.duration_source)] += 1
        src = ", ".join(f"{k} {v}" for k, v in sorted(sources.items()))
        name = names.get(code, code)[:36]
        lines.append(f"{code:26} {name:36} {gen:9} {len(tasks):6d} {person_h:10.1f} h  {src}")
    return lines


def format_balance(balance: WeekBalance) -> list[str]:
    """Lines of the capacity balance: per day, the week, and the breakdowns."""
    lines = [f"Kapazitätsbilanz Woche ab {balance.week_start:%d.%m.%Y} (Personenstunden)"]
    lines.append(f"  {'Tag':10} {'fällig':>10} {'verfügbar':>10} {'Saldo':>10}  Status")
    for day in balance.days:
        if day.due_h == 0 and day.available_h == 0:
            continue
        lines.append(
            f"  {WEEKDAYS_DE[day.date.weekday()]} {day.date:%d.%m.} {_hours(day.due_h):>10} "
            f"{_hours(day.available_h):>10} {_hours(day.balance_h):>10}  {day.status}"
        )
    lines.append(
        f"  {'Woche':10} {_hours(balance.due_h):>10} {_hours(balance.available_h):>10} "
        f"{_hours(balance.balance_h):>10}  {balance.status}"
    )
    lines.append("  nach Dringlichkeit: " + ", ".join(
        f"{k} {v:.1f} h" for k, v in balance.by_urgency.items()))
    lines.append("  nach Erzeuger: " + ", ".join(
        f"{k} {v:.1f} h" for k, v in sorted(balance.by_generator.items())))
    return lines


@click.command("demand", help="Aufgaben einer Woche erzeugen, nach Art und Herkunft auflisten "
                              "und die Kapazitätsbilanz (fällig gegen verfügbar) zeigen.")
@tenant_option
@click.option("--week", required=True, metavar="JJJJ-Www",
              help="ISO-Woche (z. B. 2026-W25) oder ein Datum in der Woche.")
@click.option("--as-of", "as_of", default=None, metavar="JJJJ-MM-TT",
              help="Stichtag der Prognose (Standard: Montag der Woche).")
@click.option("--no-generate", is_flag=True, help="Nur die gespeicherten Aufgaben auswerten.")
@click.option("--no-forecast", is_flag=True, help="Ohne Wetterprognose (nur Zyklen/Termine).")
@click.option("--site-rules", "site_rules", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Zeitregeln der Flächen aus einer TOML-Datei übernehmen "
                   "(z. B. data/site_rules_lauf.toml).")
def command(tenant: str | None, week: str, as_of: str | None, no_generate: bool,
            no_forecast: bool, site_rules: Path | None) -> None:
    """See the help text."""
    try:
        monday = parse_week(week)
        as_of_day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
    sunday = monday + dt.timedelta(days=6)
    engine = open_engine()
    row = resolve_tenant(engine, tenant)
    with write_session(engine, row.id) as s:
        if site_rules is not None:
            counts = apply_site_rules(s, site_rules)
            click.echo(f"Zeitregeln: {counts.get('rules', 0)} gespeichert")
        if not no_generate:
            click.echo(f"Erzeuge Aufgaben für {row.name}, Woche ab {monday:%d.%m.%Y} …", err=True)
            summary = generate_demand(s, monday, forecast=not no_forecast, as_of=as_of_day)
            for note in summary.get("notes", []):
                click.echo(f"Hinweis: {note}")
            click.echo(
                f"Aufgaben: {summary['tasks']} (neu {summary.get('created', 0)}, "
                f"aktualisiert {summary.get('updated', 0)}, "
                f"entfallen {summary.get('cancelled', 0)})"
            )
        names = {t.code: t.name_de for t in s.scalars(select(TaskType))}
        tasks = s.scalars(
            select(Task).where(Task.status.in_(("open", "planned")), Task.due_earliest <= sunday,
                               Task.due_latest >= monday)
        ).all()
        click.echo("")
        for line in format_tasks(list(tasks), names):
            click.echo(line)
        balance = capacity_balance(s, row, monday)
    click.echo("")
    for line in format_balance(balance):
        click.echo(line)
    engine.dispose()


def demo_step(ctx: Any) -> str:
    """Demo: generate the tasks of the demo day's week and report the capacity balance."""
    assert ctx.tenant_id is not None
    monday = ctx.day - dt.timedelta(days=ctx.day.weekday())
    with write_session(ctx.engine, ctx.tenant_id) as s:
        slug = session_tenant(s).slug
        rules_file = tenant_data_file("site_rules", slug)
        if rules_file is not None:
            apply_site_rules(s, rules_file)
        summary = generate_demand(s, monday, as_of=ctx.day, data_dir=ctx.data_dir)
        balance = capacity_balance(s, ctx.tenant_id, monday)
    ctx.results["demand"] = summary
    ctx.results["balance"] = balance.as_dict()
    gens = ", ".join(f"{GENERATOR_DE.get(k, k)} {v}"
                     for k, v in sorted(summary["by_generator"].items()))
    return (f"Bedarf: {summary['tasks']} Aufgaben ({gens or '–'}); Woche ab "
            f"{monday:%d.%m.}: {balance.due_h:.0f} h fällig, {balance.available_h:.0f} h "
            f"verfügbar ({balance.status})")
