"""``greentour serve`` and ``greentour demo``: the commands that start the web server.

The spine's command line (:mod:`greentour.cli`) knows no HTTP; this module, the outermost
layer, composes :data:`cli`: the spine's commands plus the two that serve the Flask app with
waitress (and one supervised worker subprocess). It is the console entry point ``greentour``
(also ``python -m web.serve``).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
from typing import Any

import click
from waitress import serve as waitress_serve

from greentour.cli import GreentourGroup
from greentour.cli import cli as spine_cli
from greentour.cli_support import open_engine
from greentour.demo import DEMO_STEPS, REQUIRED_STEPS, run_demo
from greentour.private_files import restrict_umask
from greentour.settings import get_settings
from greentour.supervisor import WorkerSupervisor
from web import create_app


def serve_app(host: str, port: int, with_worker: bool = True, banner: str = "") -> None:
    """Serve the web app with waitress (and one supervised worker subprocess) until interrupted."""
    settings = get_settings()
    app = create_app()
    supervisor = None
    if with_worker:
        supervisor = WorkerSupervisor(
            app.extensions["greentour_engine"], settings.ensure_instance_dir(),
            echo=lambda line: click.echo(line, err=True),
        )
        supervisor.start()

    def _terminate(*_: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _terminate)
    click.echo(f"greentour läuft: http://{host}:{port}/")
    if banner:
        click.echo(banner)
    sys.stdout.flush()
    try:
        waitress_serve(app, host=host, port=port, threads=4, _quiet=True)
    finally:
        if supervisor is not None:
            supervisor.stop()


@click.command()
@click.option("--host", default=None, help="Adresse (Standard GREENTOUR_HOST, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (Standard GREENTOUR_PORT, 5000).")
@click.option("--no-worker", is_flag=True, help="Keinen Worker-Prozess starten.")
def serve(host: str | None, port: int | None, no_worker: bool) -> None:
    """Web-Anwendung starten (startet einen Worker, wenn keiner läuft)."""
    settings = get_settings()
    open_engine(settings).dispose()  # migrate before the first request
    serve_app(host or settings.host, port or settings.port, with_worker=not no_worker)


@click.command()
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Plantag der Demo (Standard: heute).")
@click.option("--host", default=None)
@click.option("--port", type=int, default=None)
@click.option("--password", envvar="GREENTOUR_DEMO_PASSWORD", default=None,
              help="Passwort eines neuen Demo-Kontos „admin“ (Standard: zufällig, wird "
                   "angezeigt); ein bestehendes Konto behält sein Passwort.")
@click.option("--no-serve", is_flag=True, help="Nur einrichten, nicht starten.")
@click.option("--quick", is_flag=True,
              help="Nur Mandant und Konto anlegen (ohne Importe, Vorhersage und Plan).")
def demo(day: dt.datetime | None, host: str | None, port: int | None, password: str | None,
         no_serve: bool, quick: bool) -> None:
    """Beispiel „Lauf (Beispiel)“ einrichten und die Planungsoberfläche starten."""
    settings = get_settings()
    steps = [s for s in DEMO_STEPS if s in REQUIRED_STEPS] if quick else None
    result = run_demo(settings, day.date() if day else None, password, echo=click.echo,
                      steps=steps)
    login_line = (f"Anmeldung: {result.username} / {result.password}" if result.password else
                  f"Anmeldung: {result.username} mit dem bisherigen Passwort (unverändert)")
    if no_serve:
        click.echo(login_line)
        return
    host = host or settings.host
    if host in ("127.0.0.1", "localhost", "::1"):
        # the local demo runs over plain HTTP: session cookies without the Secure flag
        os.environ.setdefault("GREENTOUR_INSECURE_COOKIES", "1")
    serve_app(host, port or settings.port, banner=login_line)


#: The whole ``greentour`` command: the spine's commands plus ``serve`` and ``demo``.
cli = GreentourGroup(
    name="greentour",
    commands={**spine_cli.commands, "serve": serve, "demo": demo},
    callback=spine_cli.callback,
    params=spine_cli.params,
    help=spine_cli.help,
    context_settings=spine_cli.context_settings,
)


def main() -> None:
    """Console entry point ``greentour`` (files it creates are owner-only: umask 077)."""
    restrict_umask()
    cli.main(prog_name="greentour")


if __name__ == "__main__":
    main()
