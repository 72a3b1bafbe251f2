"""The ``greentour`` command line.

Built-in commands: ``init``, ``tenant``, ``worker``, ``serve``, ``demo``. The domain commands
(``import-osm``, ``import-cadastre``, ``import-weather``, ``forecast``, ``demand``, ``plan``,
``export``) are plugged in from :mod:`greentour.services`: the module named in
:data:`PLUGGABLE_COMMANDS` defines ``command`` (a click command); until it exists the command says
"noch nicht verfügbar" and exits with code 2.

Every :class:`~greentour.errors.GreentourError` (and every ``ValueError`` subclass raised by
routing/ or forecasting/, and a missing file) ends the command with one line
``Fehler: <message>`` on stderr and exit code 1 (no traceback).
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from greentour.errors import GreentourError
from greentour.private_files import restrict_umask

#: Command name -> module in greentour.services that defines ``command``.
PLUGGABLE_COMMANDS: dict[str, str] = {
    "import-osm": "greentour.services.import_osm",
    "import-cadastre": "greentour.services.import_cadastre",
    "import-weather": "greentour.services.import_weather",
    "forecast": "greentour.services.forecast",
    "demand": "greentour.services.demand",
    "plan": "greentour.services.plan",
    "export": "greentour.services.export",
    "check-plan": "greentour.services.check_plan",
    "crew-token": "greentour.crew.cli_token",
    "crew-retention": "greentour.crew.cli",
    "records": "greentour.records.cli",
    "duty": "greentour.duty.cli",
}

#: Short help of the plugged-in commands, shown by ``greentour --help`` without importing them.
PLUGGABLE_HELP: dict[str, str] = {
    "import-osm": "Grünflächen-Kandidaten und Straßennetz aus einer OSM-Datei einlesen.",
    "import-cadastre": "Grünflächenkataster (GeoPackage/GeoJSON/Shape) einlesen.",
    "import-weather": "DWD-Tageswerte (Wetter) einlesen.",
    "forecast": "Wachstum, Nachwuchs und Wasserbedarf je Fläche vorhersagen.",
    "demand": "Aufgaben aus Vorhersage, Zyklen, Fristen und Aufträgen erzeugen.",
    "plan": "Touren für Tage planen (OR-Tools).",
    "export": "Touren und Flächen als GeoJSON/GeoPackage/GPX exportieren.",
    "check-plan": "Einen gespeicherten Plan prüfen (liegengebliebene Arbeit, Leerlauf, Sperren).",
    "crew-token": "Geräte-Token für eine Kolonne erzeugen (URL und QR-Code).",
    "crew-retention": "Kolonnendaten nach den Löschfristen des Mandanten löschen.",
    "records": "Leistungserfassung: Buchungen prüfen, abschließen, als CSV/GeoPackage exportieren.",
    "duty": "Verkehrssicherung: Kontrollprotokolle, Sturmrunden, Lichtraumprofil.",
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


def _unavailable(name: str, module: str, reason: str) -> click.Command:
    @click.command(
        name,
        help=f"(noch nicht verfügbar: {reason})",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )
    @click.pass_context
    def placeholder(ctx: click.Context) -> None:
        click.echo(f"„greentour {name}“ ist noch nicht verfügbar ({reason}).", err=True)
        ctx.exit(2)

    return placeholder


def load_pluggable(name: str) -> click.Command:
    """The plugged-in command ``name``, or a placeholder saying why it is not available."""
    module_name = PLUGGABLE_COMMANDS[name]
    try:
        if importlib.util.find_spec(module_name) is None:
            return _unavailable(name, module_name, f"{module_name} fehlt")
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - a broken plug-in must not break the whole CLI
        return _unavailable(name, module_name, f"{module_name}: {type(exc).__name__}: {exc}")
    command = getattr(module, "command", None)
    if not isinstance(command, click.Command):
        return _unavailable(name, module_name, f"{module_name} definiert kein „command“")
    command.name = name
    return command


class GreentourGroup(click.Group):
    """Lists built-in and plugged-in commands; turns GreentourErrors into one-line messages."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(self.commands) | set(PLUGGABLE_COMMANDS)
        ordered = [n for n in COMMAND_ORDER if n in names]
        return ordered + sorted(names - set(ordered))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List commands without importing the plugged-in modules (fast ``--help``)."""
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                rows.append((name, self.commands[name].get_short_help_str(limit=70)))
                continue
            available = importlib.util.find_spec(PLUGGABLE_COMMANDS[name]) is not None
            text = PLUGGABLE_HELP.get(name, "") if available else "(noch nicht verfügbar)"
            rows.append((name, text))
        with formatter.section("Befehle"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name in PLUGGABLE_COMMANDS:
            return load_pluggable(cmd_name)
        return None

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
    from greentour.cli_support import open_engine
    from greentour.services.tenants import apply_tenant_file
    from greentour.settings import get_settings
    from greentour.tenant_config import load_tenant_config
    from greentour.town.service import check_tenant_places

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
    from greentour.cli_support import open_engine
    from greentour.settings import get_settings
    from greentour.town.service import Place, TownRequest, create_town

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
    from greentour.cli_support import open_engine, resolve_tenant
    from greentour.demand.cycle_store import cycle_rows, cycles_toml, import_cycles_file
    from greentour.store import tenant_session, write_session

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
    from sqlalchemy import select

    from greentour.cli_support import open_engine
    from greentour.store import system_session
    from greentour.store.models import Tenant

    engine = open_engine()
    with system_session(engine) as s:
        for t in s.scalars(select(Tenant).order_by(Tenant.slug)):
            click.echo(f"{t.slug}\t{t.name}")


@tenant.command("export")
@click.option("--tenant", "slug", required=True, metavar="SLUG")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True)
def tenant_export(slug: str, output: Path) -> None:
    """Alle Daten eines Mandanten als JSON-Datei (Datenauskunft, Umzug)."""
    from greentour.cli_support import open_engine, resolve_tenant
    from greentour.store import export_tenant_json

    engine = open_engine()
    t = resolve_tenant(engine, slug)
    rows = export_tenant_json(engine, t.id, output)
    click.echo(f"{rows} Datensätze von „{t.name}“ nach {output} geschrieben")


@tenant.command("delete")
@click.option("--tenant", "slug", required=True, metavar="SLUG")
@click.option("--yes", is_flag=True, help="Ohne Rückfrage löschen.")
def tenant_delete(slug: str, yes: bool) -> None:
    """Einen Mandanten mit allen Daten löschen."""
    from greentour.cli_support import open_engine, resolve_tenant
    from greentour.store import delete_tenant

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
    from greentour.store import tenant_session
    from greentour.task_types import catalogue_toml

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
    from greentour.cli_support import open_engine, resolve_tenant

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
    from greentour.planning.accounts import create_user

    def create(engine: Any, t: Any) -> Any:
        create_user(engine, t.id, username, password, role=role, display_name=display_name)
        return t

    t = _in_tenant(slug, create)
    click.echo(f"Benutzer „{username}“ ({role}) in „{t.name}“ angelegt")


@user.command("list")
@_slug_option
def user_list(slug: str | None) -> None:
    """Die Benutzer des Orts mit Rolle und Stand."""
    from greentour.accounts.users import list_users

    for row in _in_tenant(slug, lambda engine, t: list_users(engine, t.id)):
        state = "aktiv" if row.active else "gesperrt"
        click.echo(f"{row.username}\t{row.role}\t{state}\t{row.display_name}")


def _active_command(name: str, active: bool, doc: str, done: str) -> None:
    """Register ``greentour user disable`` / ``enable``."""

    @user.command(name, help=doc)
    @_slug_option
    @click.argument("username")
    def command(slug: str | None, username: str) -> None:
        from greentour.accounts.users import set_active

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
    from greentour.accounts.users import set_password

    _in_tenant(slug, lambda engine, t: set_password(engine, t.id, username, password))
    click.echo(f"Passwort von „{username}“ neu gesetzt")


@user.command("role")
@_slug_option
@click.argument("username")
@click.argument("role", type=click.Choice(["admin", "planner", "viewer"]))
def user_role(slug: str | None, username: str, role: str) -> None:
    """Die Rolle eines Benutzers ändern (admin, planner, viewer = nur lesen)."""
    from greentour.accounts.users import set_role

    _in_tenant(slug, lambda engine, t: set_role(engine, t.id, username, role))
    click.echo(f"Rolle von „{username}“: {role}")


# --------------------------------------------------------------------------- worker / serve
@cli.command()
@click.option("--once", is_flag=True, help="Alle wartenden Aufträge abarbeiten, dann enden.")
@click.option("--max-jobs", type=int, default=None, help="Nach so vielen Aufträgen enden.")
@click.option("--requeue-failed", "requeue", type=int, default=None, metavar="ID",
              help="Einen fehlgeschlagenen Auftrag erneut einreihen und enden.")
@click.option("--parent-pid", type=int, default=None, hidden=True,
              help="Enden, sobald dieser Prozess (greentour serve) nicht mehr läuft.")
def worker(once: bool, max_jobs: int | None, requeue: int | None, parent_pid: int | None) -> None:
    """Aufträge (Importe, Vorhersagen, Pläne) aus der Warteschlange ausführen."""
    import greentour.crew.cache  # noqa: F401  (stamps tenant changes: tablets see new plans at once)
    from greentour.cli_support import open_engine
    from greentour.jobs import WorkerFiles, requeue_job, run_worker
    from greentour.settings import get_settings

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
    from sqlalchemy import select

    from greentour.cli_support import open_engine, resolve_tenant
    from greentour.store import tenant_session
    from greentour.store.models import Job

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


def serve_app(host: str, port: int, with_worker: bool = True, banner: str = "") -> None:
    """Serve the web app with waitress (and one supervised worker subprocess) until interrupted."""
    from waitress import serve as waitress_serve

    from greentour.settings import get_settings
    from greentour.supervisor import WorkerSupervisor
    from web import create_app

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


@cli.command()
@click.option("--host", default=None, help="Adresse (Standard GREENTOUR_HOST, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (Standard GREENTOUR_PORT, 5000).")
@click.option("--no-worker", is_flag=True, help="Keinen Worker-Prozess starten.")
def serve(host: str | None, port: int | None, no_worker: bool) -> None:
    """Web-Anwendung starten (startet einen Worker, wenn keiner läuft)."""
    from greentour.cli_support import open_engine
    from greentour.settings import get_settings

    settings = get_settings()
    open_engine(settings).dispose()  # migrate before the first request
    serve_app(host or settings.host, port or settings.port, with_worker=not no_worker)


# --------------------------------------------------------------------------- demo
@cli.command()
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
    from greentour.demo import DEMO_STEPS, REQUIRED_STEPS, run_demo
    from greentour.settings import get_settings

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
    serve_app(
        host,
        port or settings.port,
        banner=login_line,
    )


def main() -> None:
    """Console entry point ``greentour`` (files it creates are owner-only: umask 077)."""
    restrict_umask()
    cli.main(prog_name="greentour")


if __name__ == "__main__":
    main()
