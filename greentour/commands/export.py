"""``greentour export``: a plan as GeoJSON, GeoPackage or GPX file (see docs/gis.md).

Thin CLI wrapper around :func:`greentour.gis.export.export_plan`, plugged into the CLI through
:data:`greentour.cli.COMMANDS`; the web downloads call the same service.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from greentour.cli_support import open_engine, resolve_tenant, tenant_option
from greentour.errors import BadInput
from greentour.gis.export import FORMATS, export_days, export_plan
from greentour.gis.records import LAYER_SPECS


@click.command("export", help="Touren als GeoJSON, GeoPackage oder GPX (QGIS, Navigation): "
               "die veröffentlichten Pläne von Tagen (--day) oder einen Plan (--plan).")
@tenant_option
@click.option("--plan", "plan_id", type=int, default=None,
              help="Plan-ID (nur veröffentlichte Pläne, außer mit --draft).")
@click.option("--day", "day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Erster Tag (JJJJ-MM-TT): was die Tablets an dem Tag zeigen.")
@click.option("--days", type=int, default=1, show_default=True,
              help="Anzahl Tage ab --day (eine Woche: 5 oder 7).")
@click.option("--draft", is_flag=True,
              help="Mit --plan: auch einen unveröffentlichten Entwurf exportieren.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Zieldatei (wird ersetzt).")
@click.option("--tour", "tour_id", type=int, default=None,
              help="Nur diese Tour (Tagesbesetzung), für GPX.")
@click.option("--layer", "layers", multiple=True,
              type=click.Choice([s.id for s in LAYER_SPECS]),
              help="Nur diese Ebene(n), für GeoJSON; mehrfach möglich.")
def command(tenant: str | None, plan_id: int | None, day: dt.datetime | None, days: int,
            draft: bool, fmt: str, out: Path, tour_id: int | None,
            layers: tuple[str, ...]) -> None:
    if (plan_id is None) == (day is None):
        raise BadInput("Bitte genau eines angeben: --plan ID oder --day JJJJ-MM-TT")
    if draft and plan_id is None:
        raise BadInput("--draft gilt nur mit --plan (Tage zeigen immer den veröffentlichten Plan)")
    engine = open_engine()
    try:
        t = resolve_tenant(engine, tenant)
        if plan_id is not None:
            result = export_plan(engine, t.id, plan_id, fmt, out, tour_id=tour_id,
                                 layer_ids=list(layers) or None, allow_draft=draft)
            what = f"Plan {plan_id}" + (" (Entwurf erlaubt)" if draft else "")
        else:
            assert day is not None
            result = export_days(engine, t.id, day.date(), days, fmt, out, tour_id=tour_id,
                                 layer_ids=list(layers) or None)
            what = f"Veröffentlichte Touren ab {day:%d.%m.%Y} ({days} Tage)"
    finally:
        engine.dispose()
    counts = ", ".join(f"{name} {n}" for name, n in result.counts.items() if n)
    click.echo(f"{what} als {fmt} nach {result.path} geschrieben ({counts})")
