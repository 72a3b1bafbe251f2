"""The ``greentour`` command line.

The commands of the spine: ``init``, ``tenant``, ``user``, ``worker``, ``jobs`` here, and the
domain commands of :data:`COMMANDS` (each module's ``command``, imported by name: a missing
module is an ImportError). ``serve`` and ``demo`` start the web server and therefore live in
:mod:`web.serve`, which composes the whole ``greentour`` command.

Every :class:`~greentour.errors.GreentourError` (and every ``ValueError`` subclass raised by
routing/ or forecasting/, and a missing file) ends the command with one line
``Fehler: <message>`` on stderr and exit code 1 (no traceback).
"""

from __future__ import annotations

import importlib
import os
import signal
import threading
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

import greentour.crew.cache  # noqa: F401  (stamps tenant changes: tablets see new plans at once)
from greentour.accounts.members import create_user
from greentour.accounts.users import list_users, set_active, set_password, set_role
from greentour.cli_support import open_engine, resolve_tenant
from greentour.commands import (
    check_plan,
    demand,
    export,
    forecast,
    import_cadastre,
    import_osm,
    import_weather,
    plan,
)
from greentour.commands.handlers import HANDLERS
from greentour.commands.tenants import apply_tenant_file
from greentour.crew import cli as crew_cli
from greentour.crew import cli_token
from greentour.demand.cycle_store import cycle_rows, cycles_toml, import_cycles_file
from greentour.duty import cli as duty_cli
from greentour.errors import GreentourError
from greentour.jobs import Handlers, WorkerFiles, requeue_job, run_worker
from greentour.private_files import restrict_umask
from greentour.records import cli as records_cli
from greentour.settings import get_settings
from greentour.store import (
    delete_tenant,
    export_tenant_json,
    system_session,
    tenant_session,
    write_session,
)
from greentour.store.models import Job, Tenant
from greentour.task_types import catalogue_toml
from greentour.tenant_config import load_tenant_config
from greentour.town.service import Place, TownRequest, check_tenant_places, create_town

#: Domain commands: name -> click command of its module.
COMMANDS: dict[str, click.Command] = {
    "import-osm": import_osm.command,
    "import-cadastre": import_cadastre.command,
    "import-weather": import_weather.command,
    "forecast": forecast.command,
    "demand": demand.command,
    "plan": plan.command,
    "export": export.command,
    "check-plan": check_plan.command,
    "crew-token": cli_token.command,
    "crew-retention": crew_cli.command,
    "records": records_cli.command,
    "duty": duty_cli.command,
}

COMMAND_ORDER = [
    "init",
    "import-osm",
    "import-cadastre",
    "import-weather",
    "forecast",
    "demand",
    "plan",
    "check-plan",
    "export",
    "crew-token",
    "crew-retention",
    "records",
    "duty",
    "serve",
    "worker",
    "jobs",
    "demo",
    "tenant",
    "user",
]


class PlannerError(click.ClickException):
    """A GreentourError shown as one German line, exit code 1."""

    exit_code = 1

    def show(self, file: Any = None) -> None:
        click.echo(f"Fehler: {self.message}", err=True)


class GreentourGroup(click.Group):
    """Lists the commands in workflow order; turns GreentourErrors into one-line messages."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(self.commands)
        ordered = [n for n in COMMAND_ORDER if n in names]
        return ordered + sorted(names - set(ordered))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands with their short help under a German heading."""
        rows = [(name, self.commands[name].get_short_help_str(limit=70))
                for name in self.list_commands(ctx)]
        with formatter.section("Befehle"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GreentourError as exc:
            raise PlannerError(exc.message) from None
        except ValueError as exc:
            # input errors of the libraries (routing/, forecasting/) carry precise text
            if type(exc).__module__.split(".")[0] in ("routing", "forecasting", "greentour"):
                raise PlannerError(str(exc)) from None
            raise
        except FileNotFoundError as exc:
            raise PlannerError(f"Datei nicht gefunden: {exc.filename}") from None


@click.group(cls=GreentourGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="greentour")
def cli() -> None:
    """greentour – Pflege von Grünflächen planen: Vorhersage, Touren, Kolonnen, GIS.

    Einstellungen über GREENTOUR_*-Umgebungsvariablen (docs/store.md), Mandanten über je eine
    TOML-Datei (data/tenants/).
    """


for _name, _command in COMMANDS.items():
    cli.add_command(_command, _name)


# --------------------------------------------------------------------------- init / tenant
@cli.command()
@click.option(
    "--tenant-file",
    "tenant_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Mandantendatei (TOML) anlegen oder aktualisieren; mehrfach möglich.",
)
def init(tenant_files: tuple[Path, ...]) -> None:
    """Datenbank anlegen bzw. migrieren und Mandanten aus TOML-Dateien einlesen."""
    settings = get_settings()
    for path in tenant_files:  # refuse a missing OSM file or a depot outside it before writing
        check_tenant_places(load_tenant_config(path), path, settings.data_dir)
    engine = open_engine(settings)
    click.echo(f"Datenbank bereit: {engine.url.render_as_string(hide_password=True)}")
    for path in tenant_files:
        summary = apply_tenant_file(engine, path)
        verb = "angelegt" if summary.created else "aktualisiert"
        counts = ", ".join(f"{k} {v}" for k, v in summary.counts.items())
        click.echo(f"Mandant „{summary.name}“ ({summary.slug}) {verb}: {counts}")
    engine.dispose()


@cli.group()
def tenant() -> None:
    """Orte (Mandanten) einrichten, auflisten, exportieren, löschen; ihre Zyklen."""


@tenant.command("create")
@click.option("--name", required=True, help="Name des Orts, z. B. „Musterstadt“.")
@click.option("--slug", required=True, help="Kurzname (a-z, 0-9, -), z. B. „musterstadt“.")
@click.option("--land", required=True, help="Bundesland (BY, BW, NW, ...) für die Feiertage.")
@click.option("--osm", "osm_file", required=True, type=click.Path(path_type=Path),
              help="OSM-Datei des Orts (.osm.pbf, .osm, .osm.gz, .osm.bz2).")
@click.option("--depot", required=True, metavar="OSM|LÄNGE,BREITE",
              help="Betriebshof: OSM-Kennung (way/123, node/123) oder Position „11.27,49.51“.")
@click.option("--depot-name", default="", help="Name des Betriebshofs (sonst aus OSM).")
@click.option("--yard", "yards", multiple=True, metavar="OSM|LÄNGE,BREITE",
              help="Grünabfall-Annahme (mehrfach möglich), wie --depot.")
@click.option("--template", default="bauhof_klein", show_default=True,
              help="Vorlage für Kolonnen, Fahrzeuge, Maschinen (data/town_templates/).")
@click.option("--population", type=int, default=None, help="Einwohnerzahl.")
@click.option("--weather-file", "weather_files", multiple=True, type=click.Path(path_type=Path),
              help="Eigene DWD-Tageswerte (KL); ohne: die Beispieldaten stehen stellvertretend.")
def tenant_create(name: str, slug: str, land: str, osm_file: Path, depot: str, depot_name: str,
                  yards: tuple[str, ...], template: str, population: int | None,
                  weather_files: tuple[Path, ...]) -> None:
    """Einen Ort einrichten: OSM-Datei und Betriebshof prüfen, Wetterstation vorschlagen,
    Kolonnen aus einer Vorlage, Aufgabenkatalog und Zyklen aus der bundesweiten Vorgabe."""
    settings = get_settings()
    request = TownRequest(
        name=name, slug=slug, land=land, osm_file=osm_file,
        depot=Place.parse(depot, depot_name), yards=[Place.parse(y) for y in yards],
        template=template, population=population, weather_files=list(weather_files),
    )
    engine = open_engine(settings)
    try:
        summary = create_town(engine, settings, request)
    finally:
        engine.dispose()
    for line in summary.lines_de():
        click.echo(line)


_slug_option = click.option(
    "--tenant", "slug", envvar="GREENTOUR_TENANT", default=None, metavar="SLUG",
    help="Ort (Kurzname); entfällt, wenn es nur einen gibt.",
)


@tenant.command("cycles")
@_slug_option
@click.option("--export", "export_path", type=click.Path(path_type=Path), default=None,
              help="Zyklen des Orts als TOML-Datei schreiben.")
@click.option("--import", "import_path", type=click.Path(path_type=Path), default=None,
              help="Zyklen des Orts durch die einer TOML-Datei ersetzen.")
def tenant_cycles(slug: str | None, export_path: Path | None, import_path: Path | None) -> None:
    """Die Zyklen eines Orts anzeigen, als TOML exportieren oder aus TOML ersetzen."""
    engine = open_engine()
    try:
        t = resolve_tenant(engine, slug)
        if import_path is not None:
            if not import_path.is_file():
                raise FileNotFoundError(2, "not found", str(import_path))
            with write_session(engine, t.id) as s:
                n = import_cycles_file(s, import_path)
            click.echo(f"{n} Zyklen aus {import_path} übernommen")
        with tenant_session(engine, t.id) as s:
            if export_path is not None:
                export_path.write_text(cycles_toml(s, t.name), encoding="utf-8")
                click.echo(f"Zyklen von „{t.name}“ nach {export_path} geschrieben")
            elif import_path is None:
                for row in cycle_rows(s):
                    state = "" if row["active"] else " (aus)"
                    click.echo(f"{row['id']}\t{row['task_type']}\t{row['name']}{state}")
    finally:
        engine.dispose()


@tenant.command("list")
def tenant_list() -> None:
    """Alle Mandanten mit Kurzname und Name."""
    engine = open_engine()
    with system_session(engine) as s:
        for t in s.scalars(select(Tenant).order_by(Tenant.slug)):
            click.echo(f"{t.slug}\t{t.name}")


@tenant.command("export")
@click.option("--tenant", "slug", required=True, metavar="SLUG")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True)
def tenant_export(slug: str, output: Path) -> None:
    """Alle Daten eines Mandanten als JSON-Datei (Datenauskunft, Umzug)."""
    engine = open_engine()
    t = resolve_tenant(engine, slug)
    rows = export_tenant_json(engine, t.id, output)
    click.echo(f"{rows} Datensätze von „{t.name}“ nach {output} geschrieben")


@tenant.command("delete")
@click.option("--tenant", "slug", required=True, metavar="SLUG")
@click.option("--yes", is_flag=True, help="Ohne Rückfrage löschen.")
def tenant_delete(slug: str, yes: bool) -> None:
    """Einen Mandanten mit allen Daten löschen."""
    engine = open_engine()
    t = resolve_tenant(engine, slug)
    if not yes:
        click.confirm(f"Mandant „{t.name}“ mit allen Daten löschen?", abort=True)
    counts = delete_tenant(engine, t.id)
    click.echo(f"Mandant „{t.name}“ gelöscht ({sum(counts.values())} Datensätze)")


@tenant.command("catalogue")
@_slug_option
@click.option("--export", "export_path", type=click.Path(path_type=Path), required=True,
              help="Aufgabenkatalog des Orts als TOML-Datei schreiben.")
def tenant_catalogue(slug: str | None, export_path: Path) -> None:
    """Den Aufgabenkatalog eines Orts (mit seinen Änderungen) als TOML exportieren."""
    def export(engine: Any, t: Any) -> Any:
        with tenant_session(engine, t.id) as s:
            export_path.write_text(catalogue_toml(s, t.name), encoding="utf-8")
        return t

    t = _in_tenant(slug, export)
    click.echo(f"Aufgabenkatalog von „{t.name}“ nach {export_path} geschrieben")


# --------------------------------------------------------------------------- users
@cli.group()
def user() -> None:
    """Benutzer eines Orts: anlegen, sperren, Passwort zurücksetzen, Rollen."""


def _password_option(func: Any) -> Any:
    return click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
                        envvar="GREENTOUR_NEW_PASSWORD",
                        help="Neues Passwort (sonst wird gefragt).")(func)


def _in_tenant(slug: str | None, action: Any) -> Any:
    """Open the store, find the tenant ``slug`` and run ``action(engine, tenant)``."""
    engine = open_engine()
    try:
        return action(engine, resolve_tenant(engine, slug))
    finally:
        engine.dispose()


@user.command("create")
@_slug_option
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "planner", "viewer"]), default="planner",
              show_default=True, help="admin: Verwaltung; planner: Disposition; viewer: nur lesen.")
@click.option("--display-name", default="", help="Angezeigter Name.")
@_password_option
def user_create(slug: str | None, username: str, role: str, display_name: str,
                password: str) -> None:
    """Einen Benutzer im Ort anlegen."""
    def create(engine: Any, t: Any) -> Any:
        create_user(engine, t.id, username, password, role=role, display_name=display_name)
        return t

    t = _in_tenant(slug, create)
    click.echo(f"Benutzer „{username}“ ({role}) in „{t.name}“ angelegt")


@user.command("list")
@_slug_option
def user_list(slug: str | None) -> None:
    """Die Benutzer des Orts mit Rolle und Stand."""
    for row in _in_tenant(slug, lambda engine, t: list_users(engine, t.id)):
        state = "aktiv" if row.active else "gesperrt"
        click.echo(f"{row.username}\t{row.role}\t{state}\t{row.display_name}")


def _active_command(name: str, active: bool, doc: str, done: str) -> None:
    """Register ``greentour user disable`` / ``enable``."""

    @user.command(name, help=doc)
    @_slug_option
    @click.argument("username")
    def command(slug: str | None, username: str) -> None:
        _in_tenant(slug, lambda engine, t: set_active(engine, t.id, username, active))
        click.echo(f"Benutzer „{username}“ {done}")


_active_command("disable", False, "Einen Benutzer sperren (keine Anmeldung mehr).", "gesperrt")
_active_command("enable", True, "Einen gesperrten Benutzer wieder zulassen.", "zugelassen")


@user.command("reset-password")
@_slug_option
@click.argument("username")
@_password_option
def user_reset_password(slug: str | None, username: str, password: str) -> None:
    """Das Passwort eines Benutzers neu setzen."""
    _in_tenant(slug, lambda engine, t: set_password(engine, t.id, username, password))
    click.echo(f"Passwort von „{username}“ neu gesetzt")


@user.command("role")
@_slug_option
@click.argument("username")
@click.argument("role", type=click.Choice(["admin", "planner", "viewer"]))
def user_role(slug: str | None, username: str, role: str) -> None:
    """Die Rolle eines Benutzers ändern (admin, planner, viewer = nur lesen)."""
    _in_tenant(slug, lambda engine, t: set_role(engine, t.id, username, role))
    click.echo(f"Rolle von „{username}“: {role}")


# --------------------------------------------------------------------------- worker / jobs
def worker_handlers(extra_modules: list[str]) -> Handlers:
    """The product's job handlers plus the ``HANDLERS`` of each module named in
    ``GREENTOUR_JOB_MODULES`` (a deployment's own kinds). A module that cannot be imported or has
    no ``HANDLERS`` stops the worker with a message (never a silently missing kind)."""
    handlers = dict(HANDLERS)
    for name in extra_modules:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise click.ClickException(f"Auftragsmodul „{name}“ nicht gefunden: {exc}") from None
        extra = getattr(module, "HANDLERS", None)
        if not isinstance(extra, dict):
            raise click.ClickException(f"Auftragsmodul „{name}“ hat kein HANDLERS-Verzeichnis")
        handlers.update(extra)
    return handlers


@cli.command()
@click.option("--once", is_flag=True, help="Alle wartenden Aufträge abarbeiten, dann enden.")
@click.option("--max-jobs", type=int, default=None, help="Nach so vielen Aufträgen enden.")
@click.option("--requeue-failed", "requeue", type=int, default=None, metavar="ID",
              help="Einen fehlgeschlagenen Auftrag erneut einreihen und enden.")
@click.option("--parent-pid", type=int, default=None, hidden=True,
              help="Enden, sobald dieser Prozess (greentour serve) nicht mehr läuft.")
def worker(once: bool, max_jobs: int | None, requeue: int | None, parent_pid: int | None) -> None:
    """Aufträge (Importe, Vorhersagen, Pläne) aus der Warteschlange ausführen."""
    settings = get_settings()
    engine = open_engine(settings)
    if requeue is not None:
        requeue_job(engine, requeue)
        click.echo(f"Auftrag #{requeue} erneut eingereiht")
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if parent_pid is not None:
        threading.Thread(target=_watch_parent, args=(parent_pid, stop), daemon=True).start()
    files = None if once else WorkerFiles(settings.ensure_instance_dir())
    click.echo("Worker gestartet" + (" (einmalig)" if once else ""), err=True)
    try:
        n = run_worker(
            engine,
            worker_handlers(settings.extra_job_modules),
            poll_s=settings.worker_poll_s,
            heartbeat_s=settings.worker_heartbeat_s,
            stale_after_s=settings.worker_stale_s,
            once=once,
            max_jobs=max_jobs,
            files=files,
            stop=stop,
            echo=lambda line: click.echo(line, err=True),
            supervise_children=True,
        )
    except KeyboardInterrupt:
        n = 0
    click.echo(f"Worker beendet ({n} Aufträge)", err=True)


@cli.command()
@click.option("--tenant", "slug", envvar="GREENTOUR_TENANT", default=None, metavar="SLUG")
@click.option("--limit", type=int, default=20, show_default=True)
def jobs(slug: str | None, limit: int) -> None:
    """Die letzten Aufträge eines Mandanten mit Stand und Meldung."""
    engine = open_engine()
    t = resolve_tenant(engine, slug)
    with tenant_session(engine, t.id) as s:
        rows = s.scalars(select(Job).order_by(Job.id.desc()).limit(limit)).all()
    for job in rows:
        created = job.created_at.strftime("%Y-%m-%d %H:%M")
        click.echo(f"#{job.id}\t{job.kind}\t{job.status}\t{job.progress:3d} %\t{created} UTC"
                   f"\t{job.message}")


def _watch_parent(parent_pid: int, stop: threading.Event) -> None:
    while not stop.wait(2.0):
        if os.getppid() != parent_pid:
            stop.set()


def main() -> None:
    """Console entry point ``greentour`` (files it creates are owner-only: umask 077)."""
    restrict_umask()
    cli.main(prog_name="greentour")


if __name__ == "__main__":
    main()
