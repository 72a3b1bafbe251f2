"""``greentour export``: a plan as GeoJSON, GeoPackage or GPX file (see docs/gis.md).

Thin CLI wrapper around :func:`greentour.gis.export.export_plan`, plugged into the CLI through
:data:`greentour.cli.COMMANDS`; the web downloads call the same service.
"""

from __future__ import annotations

from pathlib import Path

import click

from greentour.cli_support import open_engine, resolve_tenant, tenant_option
from greentour.gis.export import FORMATS, export_plan
from greentour.gis.records import LAYER_SPECS


@click.command("export", help="Plan als GeoJSON, GeoPackage oder GPX (QGIS, Navigation).")
@tenant_option
@click.option("--plan", "plan_id", type=int, required=True, help="Plan-ID.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Zieldatei (wird ersetzt).")
@click.option("--tour", "tour_id", type=int, default=None,
              help="Nur diese Tour (Tagesbesetzung), für GPX.")
@click.option("--layer", "layers", multiple=True,
              type=click.Choice([s.id for s in LAYER_SPECS]),
              help="Nur diese Ebene(n), für GeoJSON; mehrfach möglich.")
def command(tenant: str | None, plan_id: int, fmt: str, out: Path, tour_id: int | None,
            layers: tuple[str, ...]) -> None:
    engine = open_engine()
    try:
        t = resolve_tenant(engine, tenant)
        result = export_plan(engine, t.id, plan_id, fmt, out, tour_id=tour_id,
                             layer_ids=list(layers) or None)
    finally:
        engine.dispose()
    counts = ", ".join(f"{name} {n}" for name, n in result.counts.items() if n)
    click.echo(f"Plan {plan_id} als {fmt} nach {result.path} geschrieben ({counts})")
