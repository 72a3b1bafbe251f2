"""CLI hook ``greentour crew-token`` (plugged in by :mod:`greentour.cli`).

``greentour crew-token --tenant SLUG --crew NAME [--base-url URL] [--qr FILE.png|.svg]`` creates a
device token for a crew, prints the tablet URL and writes its QR code.
"""

from __future__ import annotations

from pathlib import Path

import click

from greentour.cli_support import open_engine, resolve_tenant, tenant_option
from greentour.crew import tokens
from greentour.errors import BadInput
from greentour.store.tenancy import tenant_session


@click.command("crew-token", help="Geräte-Token für eine Kolonne erzeugen (URL und QR-Code).")
@tenant_option
@click.option("--crew", "crew", required=True, metavar="NAME", help="Name der Kolonne.")
@click.option(
    "--base-url",
    default="http://127.0.0.1:5000",
    show_default=True,
    help="Adresse, unter der die Tablets greentour erreichen.",
)
@click.option(
    "--qr",
    "qr_path",
    type=click.Path(path_type=Path),
    default=None,
    help="QR-Code in diese Datei schreiben (.png oder .svg).",
)
@click.option("--name", default="", help="Bezeichnung des Geräts.")
def command(tenant: str | None, crew: str, base_url: str, qr_path: Path | None, name: str) -> None:
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
