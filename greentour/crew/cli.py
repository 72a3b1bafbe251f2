"""CLI hook ``greentour crew-retention [--tenant SLUG]`` (plugged in by :mod:`greentour.cli`).

Applies the retention periods (Löschfristen) of docs/datenschutz.md; meant for a daily cron job
or systemd timer. ``greentour crew-token`` lives in :mod:`greentour.crew.cli_token`.
"""

from __future__ import annotations

import click

from greentour.cli_support import open_engine, resolve_tenant
from greentour.crew import retention
from greentour.settings import get_settings
from greentour.store.tenancy import tenant_session


@click.command(
    "crew-retention",
    help="Löschfristen für Kolonnendaten anwenden: Zeiten je Halt, Fotos, Notizen "
    "(Fristen je Mandant im Abschnitt [privacy]).",
)
@click.option(
    "--tenant", "tenant", default=None, metavar="SLUG", help="Nur diesen Mandanten (sonst alle)."
)
def command(tenant: str | None) -> None:
    """Apply the retention periods to one or all tenants and print what was erased."""
    settings = get_settings()
    engine = open_engine(settings)
    try:
        if tenant:
            t = resolve_tenant(engine, tenant)
            with tenant_session(engine, t.id) as session, session.begin():
                results = [retention.purge_tenant(session, t, settings.instance_dir)]
        else:
            results = retention.purge_all_tenants(engine, settings.instance_dir)
        for r in results:
            click.echo(
                f"Mandant {r.tenant_id}: Zeiten gelöscht {r.stop_times_erased}, "
                f"Beginn-Meldungen gelöscht {r.starts_deleted}, Fotos gelöscht "
                f"{r.photos_deleted}, Notizen geleert {r.notes_erased}"
            )
    finally:
        engine.dispose()
