"""Plug-in of the inventory service: ``greentour import-cadastre FILE --mapping M``.

The work is done by :func:`greentour.inventory.service.import_cadastre`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from greentour.cli_support import open_engine, progress_bar, resolve_tenant, tenant_option
from greentour.commands.import_osm import _bar_progress, _job_progress, job_path
from greentour.inventory.service import import_cadastre
from greentour.jobs import JobContext


def import_cadastre_job(ctx: JobContext) -> dict[str, Any]:
    """Import a cadastre: params ``path``, ``mapping`` and optional ``osm`` (road network)."""
    osm = ctx.params.get("osm")
    report = import_cadastre(ctx.engine, ctx.tenant_id,
                             job_path(ctx.params.get("path"), "Katasterdatei"),
                             job_path(ctx.params.get("mapping"), "Zuordnung"),
                             osm_path=job_path(osm, "OSM-Datei") if osm else None,
                             progress=_job_progress(ctx))
    return report.to_dict()


@click.command("import-cadastre", help="Grünflächenkataster (GeoPackage, Shapefile, GeoJSON) "
                                        "mit Zuordnungstabelle importieren.")
@tenant_option
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--mapping", type=click.Path(exists=True, path_type=Path), required=True,
              help="Zuordnung der Flächenarten (TOML, z. B. data/cadastre_mapping_heilbronn.toml).")
@click.option("--osm", "osm_file", type=click.Path(exists=True, path_type=Path), default=None,
              help="OSM-Datei für das Straßennetz (sonst die des Mandanten).")
def command(tenant: str | None, file: Path, mapping: Path, osm_file: Path | None) -> None:
    engine = open_engine()
    try:
        t = resolve_tenant(engine, tenant)
        with progress_bar(total=100, desc="Kataster-Import", unit="%") as bar:
            report = import_cadastre(engine, t.id, file, mapping, osm_path=osm_file,
                                     progress=_bar_progress(bar))
        click.echo(report.to_text())
    finally:
        engine.dispose()
