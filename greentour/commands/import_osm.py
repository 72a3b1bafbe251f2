"""Plug-in of the inventory service: ``greentour import-osm FILE``, the ``import-osm`` job and
the demo's import step.

The work is done by :func:`greentour.inventory.service.import_osm`; this module only parses
the command line (or the job parameters), reports progress and returns the import report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from greentour.cli_support import open_engine, progress_bar, resolve_tenant, tenant_option
from greentour.errors import BadInput, DataImportError
from greentour.inventory.service import import_osm
from greentour.jobs import JobContext
from greentour.settings import REPO_ROOT, get_settings, resolve_data_file
from greentour.store.models import Tenant
from greentour.store.tenancy import system_session
from greentour.tenant_config import tenant_config
from greentour.workplace.labels import number_text

DEMO_ACCEPTANCE = REPO_ROOT / "data" / "osm_acceptance_lauf.toml"


def _bar_progress(bar: Any):  # type: ignore[no-untyped-def]
    def progress(message: str, fraction: float) -> None:
        bar.n = int(fraction * 100)
        bar.set_postfix_str(message)
        bar.refresh()

    return progress


def job_path(value: object, what: str) -> Path:
    """A file named in job parameters: absolute, or relative to the data folder."""
    if not isinstance(value, str) or not value:
        raise BadInput(f"{what} fehlt im Auftrag")
    return get_settings().data_file(value)


def _job_progress(ctx: JobContext):  # type: ignore[no-untyped-def]
    def progress(message: str, fraction: float) -> None:
        ctx.progress(fraction * 100, message)

    return progress


def import_osm_job(ctx: JobContext) -> dict[str, Any]:
    """Import an OSM file: params ``path`` (relative to the data folder or absolute) and
    optional ``acceptance`` (acceptance-list TOML)."""
    acceptance = ctx.params.get("acceptance")
    report = import_osm(ctx.engine, ctx.tenant_id, job_path(ctx.params.get("path"), "OSM-Datei"),
                        acceptance_path=job_path(acceptance, "Annahmeliste") if acceptance
                        else None, progress=_job_progress(ctx))
    return report.to_dict()


@click.command("import-osm", help="Grünflächen und Straßennetz aus einer OSM-Datei importieren "
                                   "(.osm.pbf, .osm, .osm.gz, .osm.bz2).")
@tenant_option
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--acceptance", type=click.Path(exists=True, path_type=Path), default=None,
              help="Annahmeliste (TOML mit OSM-Kennungen und Entscheidungen).")
def command(tenant: str | None, file: Path, acceptance: Path | None) -> None:
    engine = open_engine()
    try:
        t = resolve_tenant(engine, tenant)
        with progress_bar(total=100, desc="OSM-Import", unit="%") as bar:
            report = import_osm(engine, t.id, file, acceptance_path=acceptance,
                                progress=_bar_progress(bar))
        click.echo(report.to_text())
    finally:
        engine.dispose()


def demo_step(ctx: Any) -> str:
    """Demo: import the tenant's OSM extract with the curated Lauf acceptance list."""
    assert ctx.tenant_id is not None
    with system_session(ctx.engine) as s:
        tenant = s.get(Tenant, ctx.tenant_id)
        pbf = tenant_config(tenant).osm_pbf if tenant else None
    if not pbf:
        raise DataImportError("Demo: keine OSM-Datei konfiguriert ([osm] pbf)")
    report = import_osm(ctx.engine, ctx.tenant_id, resolve_data_file(pbf, ctx.data_dir),
                        acceptance_path=DEMO_ACCEPTANCE)
    per_head = report.maintained_m2_per_inhabitant
    return (f"OSM-Import: {report.count('accepted')} Flächen in Pflege, "
            f"{report.count('candidate')} Kandidaten"
            + (f", {number_text(per_head)} m² je Einwohner" if per_head else ""))
