"""``greentour import-weather``: store daily weather (DWD KL, Bright Sky JSON, CSV) as observations.

Plugged into the CLI by :data:`greentour.cli.COMMANDS`; the work is done by
:func:`greentour.forecast.weather.import_tenant_weather`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from greentour.cli_support import open_engine, progress_bar, resolve_tenant, tenant_option
from greentour.errors import BadInput
from greentour.forecast.weather import import_tenant_weather, import_weather_file

DEMO_SINCE = dt.date(2010, 1, 1)


def _parse_day(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"Datum „{value}“ unlesbar (JJJJ-MM-TT erwartet)") from None


@click.command(
    "import-weather",
    help="Tägliche Wetterdaten speichern (DWD-KL-Datei, Bright-Sky-JSON oder CSV); ohne "
    "Dateien die Dateien aus der Mandantenkonfiguration ([weather]). Lücken werden ergänzt "
    "und markiert.",
)
@tenant_option
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--since", metavar="JJJJ-MM-TT", help="Nur Tage ab diesem Datum speichern.")
def command(tenant: str | None, files: tuple[Path, ...], since: str | None) -> None:
    engine = open_engine()
    try:
        t = resolve_tenant(engine, tenant)
        day = _parse_day(since)
        if files:
            summaries = []
            with progress_bar(total=len(files), desc="Wetterdateien", unit="Datei") as bar:
                for path in files:
                    summaries.append(import_weather_file(engine, t.id, path, day))
                    bar.update(1)
        else:
            summaries = import_tenant_weather(engine, t.id, since=day)
    finally:
        engine.dispose()
    for summary in summaries:
        click.echo(summary.line_de())
    click.echo("Datenbasis: Deutscher Wetterdienst (CC BY 4.0)")


def demo_step(ctx: Any) -> str:
    """Demo: the tenant's configured weather files from 2010 on."""
    assert ctx.tenant_id is not None
    summaries = import_tenant_weather(
        ctx.engine, ctx.tenant_id, since=DEMO_SINCE, data_dir=ctx.data_dir
    )
    days = sum(s.days for s in summaries)
    last = max(s.last_day for s in summaries)
    return f"Wetter gespeichert: {days} Tage aus {len(summaries)} Dateien, bis {last:%d.%m.%Y}"
