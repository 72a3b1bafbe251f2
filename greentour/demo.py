"""``greentour demo``: the sample town "Lauf (Beispiel)" in one command.

The demo runs the ordered steps of :data:`DEMO_STEPS`: name -> a function taking a
:class:`DemoContext` and returning a line to print (or None), imported by name (a service module
adds its ``demo_step`` with one line there). A step that fails with a
:class:`~greentour.errors.GreentourError` is reported and the demo goes on (the web app still
starts); the tenant and admin steps are required.
"""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from greentour.accounts.members import ensure_user
from greentour.cli_support import open_engine, progress_bar
from greentour.commands import demand, forecast, import_osm, import_weather, plan
from greentour.commands.tenants import apply_tenant_file, set_demo_clock
from greentour.duty import cli as duty_cli
from greentour.errors import GreentourError
from greentour.settings import SAMPLE_DIR, Settings
from greentour.tenant_config import load_tenant_config

DEMO_TENANT_FILE = "lauf.toml"
DEMO_USERNAME = "admin"


@dataclass
class DemoContext:
    """State shared by the demo steps."""

    settings: Settings
    engine: Engine
    day: dt.date
    password: str
    echo: Callable[[str], Any]
    tenant_id: int | None = None
    slug: str = "lauf"
    username: str = DEMO_USERNAME
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def data_dir(self) -> Path | None:
        """The sample data folder (osm/, weather/, ...) or None when not configured."""
        return self.settings.data_dir


@dataclass
class DemoResult:
    """What the demo prints at the end."""

    tenant_id: int
    slug: str
    username: str
    password: str
    """The new account's password; empty when the account existed (its password is kept)."""
    day: dt.date
    failed: list[str]


#: the tenant summary's counts in the demo's German line ("Personen 15, Kolonnen 6")
COUNT_DE = {"depots": "Betriebshöfe", "reload_points": "Abladestellen", "staff": "Personen",
            "vehicles": "Fahrzeuge", "machines": "Maschinen", "crew_templates": "Kolonnen",
            "task_types": "Aufgabenarten", "crew_days_repaired": "Kolonnentage repariert",
            "cycles": "Zyklen"}


def create_tenant(ctx: DemoContext) -> str:
    """Create or update "Lauf (Beispiel)" from data/tenants/lauf.toml; its demo clock is set to
    the demo day (planner, tablets and API take that day as today)."""
    summary = apply_tenant_file(
        ctx.engine, ctx.settings.config_dir / DEMO_TENANT_FILE, ctx.settings.task_types_file
    )
    ctx.tenant_id, ctx.slug = summary.tenant_id, summary.slug
    set_demo_clock(ctx.engine, summary.tenant_id, ctx.day)
    counts = ", ".join(f"{COUNT_DE.get(k, k)} {v}" for k, v in summary.counts.items())
    return (f"Mandant „{summary.name}“ ({summary.slug}) bereit: {counts}; Demo-Uhr: "
            f"{ctx.day:%d.%m.%Y} gilt als heute")


def create_admin(ctx: DemoContext) -> str:
    """The demo account ``admin`` with role admin in the demo tenant."""
    assert ctx.tenant_id is not None
    _, created = ensure_user(ctx.engine, ctx.tenant_id, ctx.username, ctx.password, role="admin")
    if not created:
        ctx.password = ""  # an existing account keeps its password: the demo never resets it
        return f"Konto „{ctx.username}“ besteht schon, Passwort unverändert"
    return f"Konto „{ctx.username}“ (Rolle admin) bereit"


DemoStep = Callable[[DemoContext], str | None]

#: The demo's steps in order: name -> function.
DEMO_STEPS: dict[str, DemoStep] = {
    "greentour.demo:create_tenant": create_tenant,
    "greentour.demo:create_admin": create_admin,
    "greentour.commands.import_osm:demo_step": import_osm.demo_step,
    "greentour.commands.import_weather:demo_step": import_weather.demo_step,
    "greentour.duty.cli:demo_step": duty_cli.demo_step,
    "greentour.commands.forecast:demo_step": forecast.demo_step,
    "greentour.commands.demand:demo_step": demand.demo_step,
    "greentour.commands.plan:demo_step": plan.demo_step,
}
#: Steps whose failure ends the demo (the others are reported and the demo goes on).
REQUIRED_STEPS = {"greentour.demo:create_tenant", "greentour.demo:create_admin"}


def today_local(tz: str = "Europe/Berlin") -> dt.date:
    """Today's date in the planning time zone."""
    return dt.datetime.now(zoneinfo.ZoneInfo(tz)).date()


def default_demo_day(today: dt.date, record_end: dt.date | None) -> dt.date:
    """The day the demo plans: today, or the last Monday of the weather record when today lies
    after it (the forecast needs observed weather up to the planning day)."""
    if record_end is None or today <= record_end:
        return today
    return record_end - dt.timedelta(days=record_end.weekday())


def run_demo(
    settings: Settings,
    day: dt.date | None = None,
    password: str | None = None,
    echo: Callable[[str], Any] = print,
    steps: list[str] | None = None,
) -> DemoResult:
    """Create the instance database, migrate it and run the demo steps."""
    engine = open_engine(settings)
    echo(f"Datenbank: {engine.url.render_as_string(hide_password=True)}")
    echo(f"Daten: {settings.data_dir} (fehlende Dateien aus dem mitgelieferten Beispiel "
         f"{SAMPLE_DIR}; © OpenStreetMap-Mitwirkende, ODbL; Datenbasis: Deutscher Wetterdienst, "
         "CC BY 4.0)")
    if day is None:
        cfg = load_tenant_config(settings.config_dir / DEMO_TENANT_FILE)
        day = default_demo_day(
            today_local(settings.timezone), cfg.weather.record_end if cfg.weather else None
        )
    echo(f"Plantag der Demo: {day.isoformat()} (ändern mit --date)")
    ctx = DemoContext(
        settings=settings,
        engine=engine,
        day=day,
        password=password or secrets.token_urlsafe(9),
        echo=echo,
    )
    failed: list[str] = []
    todo = steps if steps is not None else list(DEMO_STEPS)
    with progress_bar(total=len(todo), desc="Demo", unit="Schritt") as bar:

        def say(line: str) -> None:
            with bar.external_write_mode():
                echo(line)

        ctx.echo = say
        for step in todo:
            bar.set_postfix_str(step.rpartition(":")[0].rpartition(".")[2])
            try:
                line = DEMO_STEPS[step](ctx)
            except GreentourError as exc:
                if step in REQUIRED_STEPS:
                    raise
                failed.append(step)
                say(f"! {step}: {exc.message}")
            else:
                if line:
                    say(f"✓ {line}")
            bar.update(1)
    ctx.echo = echo
    assert ctx.tenant_id is not None
    engine.dispose()
    return DemoResult(
        ctx.tenant_id, ctx.slug, ctx.username, ctx.password, ctx.day, failed
    )
