"""CLI hooks of the crew side (plugged into ``greentour`` by :mod:`greentour.cli`).

* ``greentour crew-retention [--tenant SLUG]`` applies the retention periods (Löschfristen) of
  docs/datenschutz.md; meant for a daily cron job or systemd timer.
* ``greentour crew-token --tenant SLUG --crew NAME [--qr FILE.png|.svg]`` creates a device token
  for a crew and prints the tablet URL (and writes its QR code).
"""

from __future__ import annotations

from pathlib import Path

import click

from greentour.cli_support import open_engine, resolve_tenant, tenant_option
from greentour.crew import retention, tokens
from greentour.errors import BadInput
from greentour.settings import get_settings
from greentour.store.tenancy import tenant_session


@click.command(
    "crew-retention",
    help="Löschfristen für Kolonnendaten anwenden: Zeiten je Halt, Fotos, Notizen "
    "(Fristen je Mandant im Abschnitt [privacy]).",
)
@click.option("--tenant", "tenant", default=None, metavar="SLUG",
              help="Nur diesen Mandanten (sonst alle).")
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


@click.command("crew-token", help="Geräte-Token für eine Kolonne erzeugen (URL und QR-Code).")
@tenant_option
@click.option("--crew", "crew", required=True, metavar="NAME", help="Name der Kolonne.")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True,
              help="Adresse, unter der die Tablets greentour erreichen.")
@click.option("--qr", "qr_path", type=click.Path(path_type=Path), default=None,
              help="QR-Code in diese Datei schreiben (.png oder .svg).")
@click.option("--name", default="", help="Bezeichnung des Geräts.")
def token_command(tenant: str | None, crew: str, base_url: str, qr_path: Path | None,
                  name: str) -> None:
    """Issue a device token for a crew template and print its URL."""
    if qr_path is not None and qr_path.suffix.lower() not in (".png", ".svg"):
        raise BadInput("QR-Datei muss auf .png oder .svg enden")
    engine = open_engine()
    try:
        t = resolve_tenant(engine, tenant)
        with tenant_session(engine, t.id) as session, session.begin():
            template = tokens.find_template(session, template_id=None, name=crew)
            issued = tokens.issue_token(session, t.id, crew_template_id=template.id, name=name)
        url = tokens.crew_url(base_url, issued.token)
        click.echo(url)
        if qr_path is not None:
            if qr_path.suffix.lower() == ".png":
                qr_path.write_bytes(tokens.qr_png(url))
            else:
                qr_path.write_text(tokens.qr_svg(url), encoding="utf-8")
            click.echo(f"QR-Code: {qr_path}")
    finally:
        engine.dispose()
