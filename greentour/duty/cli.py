"""CLI ``greentour duty …`` (plugged in by :mod:`greentour.cli`): chain check, overview, clearance
hazards, storm check, protocol PDF and insurer export (docs/duty.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from greentour.cli_support import open_engine, resolve_tenant, tenant_option
from greentour.demand.site_service import screen_sites
from greentour.duty import service
from greentour.errors import BadInput, DataImportError
from greentour.forecast.weather import online_forecast, tenant_weather
from greentour.settings import get_settings, resolve_data_file
from greentour.store import session_tenant, tenant_session, write_session
from greentour.tenant_config import tenant_config


def _day(value: str | None, name: str) -> dt.date:
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{name}: „{value}“ ist kein Datum (JJJJ-MM-TT)") from None


@click.group("duty", help="Verkehrssicherung: Kontrollprotokolle, Sturmrunden, Lichtraumprofil.")
def command() -> None:
    """Group of the duty-of-care commands."""


def _osm_file(tenant, data_dir: Path | None) -> Path:
    pbf = tenant_config(tenant).osm_pbf
    if not pbf:
        raise DataImportError("keine OSM-Datei konfiguriert ([osm] pbf)")
    return resolve_data_file(pbf, data_dir)


@command.command("screen", help="Hecken und Bäume an Straßen prüfen (Lichtraumprofil 4,50/2,50 m, "
                 "Sichtdreiecke) – Grundlage der Gefahrenvorhersage.")
@tenant_option
@click.option("--osm", "osm_file", type=click.Path(path_type=Path), default=None,
              help="OSM-Datei (Standard: [osm] pbf des Mandanten).")
def screen_cmd(tenant: str | None, osm_file: Path | None) -> None:
    """Run the traffic-safety screening of greentour.demand on the town's OSM file."""
    engine = open_engine()
    try:
        t = resolve_tenant(engine, tenant)
        with write_session(engine, t.id) as s:
            path = osm_file or _osm_file(session_tenant(s), get_settings().data_dir)
            counts = screen_sites(s, path)
    finally:
        engine.dispose()
    click.echo(f"{counts.get('sites', 0)} Flächen geprüft, {counts.get('traffic_safety', 0)} am "
               "Lichtraumprofil oder Sichtdreieck")


def demo_step(ctx) -> str:  # type: ignore[no-untyped-def]
    """Demo: screen hedges and trees at roads, and check the last days' gusts for a storm round."""
    assert ctx.tenant_id is not None
    with write_session(ctx.engine, ctx.tenant_id) as s:
        tenant = session_tenant(s)
        counts = screen_sites(s, _osm_file(tenant, ctx.data_dir))
        weather, _source = tenant_weather(s, tenant, ctx.day, ctx.data_dir)
        rounds = service.storm_check(s, weather, ctx.day)
    storms = ", ".join(f"Sturmrunde ab {r['first_day']}: {r['tasks']} Kontrollen"
                       for r in rounds) or "keine Sturmrunde"
    return (f"Verkehrssicherung: {counts.get('traffic_safety', 0)} Flächen an Lichtraumprofil "
            f"oder Sichtdreieck; {storms}")


@command.command("verify", help="Hash-Kette der Kontrollprotokolle prüfen (Exit 1 bei Bruch).")
@tenant_option
def verify_cmd(tenant: str | None) -> None:
    """Check the chain; one line per break."""
    engine = open_engine()
    try:
        t = resolve_tenant(engine, tenant)
        with tenant_session(engine, t.id) as s:
            report = service.verify_chain(s)
    finally:
        engine.dispose()
    if report.intact:
        click.echo(f"Hash-Kette unverändert: {report.records} Protokolle")
        return
    for problem in report.problems:
        click.echo(f"Fehler: {problem.message}", err=True)
    raise SystemExit(1)


@command.command("overview", help="Fällige Kontrollen, überfällige zuerst.")
@tenant_option
@click.option("--date", "day", default=None, help="Stichtag JJJJ-MM-TT (Standard: heute).")
def overview_cmd(tenant: str | None, day: str | None) -> None:
    """Print the owed inspections, overdue first."""
    today = _day(day, "--date")
    engine = open_engine()
    try:
        t = resolve_tenant(engine, tenant)
        with tenant_session(engine, t.id) as s:
            due = service.inspection_overview(s, today)
    finally:
        engine.dispose()
    for d in due:
        last = d.last_on.isoformat() if d.last_on else "noch nie"
        late = f", {d.overdue_days} Tage überfällig" if d.overdue_days else ""
        click.echo(f"{d.site_name}: {d.inspection_type} – zuletzt {last}, fällig "
                   f"{d.due_on.isoformat()}{late}")


@command.command("hazards", help="Vorhergesagte Verletzungen von Lichtraumprofil/Sichtdreieck.")
@tenant_option
@click.option("--date", "day", default=None, help="Stichtag JJJJ-MM-TT (Standard: heute).")
@click.option("--days", type=click.IntRange(1, 120), default=28, show_default=True)
@click.option("--candidates", is_flag=True, help="Auch nicht bestätigte OSM-Kandidaten.")
def hazards_cmd(tenant: str | None, day: str | None, days: int, candidates: bool) -> None:
    """Print predicted violations with their dates and spread."""
    today = _day(day, "--date")
    engine = open_engine()
    try:
        t = resolve_tenant(engine, tenant)
        with tenant_session(engine, t.id) as s:
            hazards = service.clearance_hazards(s, today, days, candidates=candidates)
    finally:
        engine.dispose()
    for h in hazards:
        click.echo(f"{h['site_name']}: {h['text']}")
    click.echo(f"{sum(1 for h in hazards if h['violation_date'])} von {len(hazards)} Profilen "
               f"in {days} Tagen verletzt")


@command.command("storm-check", help="Sturmrunden nach beobachteten und vor vorhergesagten Böen "
                 "anlegen (Zusatzkontrollen nach Risiko).")
@tenant_option
@click.option("--date", "day", default=None, help="Stichtag JJJJ-MM-TT (Standard: heute).")
@click.option("--online", is_flag=True, help="MOSMIX-Vorhersage über Bright Sky abrufen.")
def storm_cmd(tenant: str | None, day: str | None, online: bool) -> None:
    """Order storm rounds once per storm and print them."""
    today = _day(day, "--date")
    engine = open_engine()
    try:
        t = resolve_tenant(engine, tenant)
        forecast = online_forecast(engine, t.id, today, 10) if online else None
        with write_session(engine, t.id) as s:
            weather, _source = tenant_weather(s, session_tenant(s), today)
            rounds = service.storm_check(s, weather, today, forecast)
    finally:
        engine.dispose()
    for r in rounds:
        state = "neu" if r["created"] else "schon angelegt"
        click.echo(f"Sturmrunde {r['kind']} ab {r['first_day']}: {r['tasks']} Kontrollaufträge "
                   f"({state})")
    if not rounds:
        click.echo("Keine Böen über der Schwelle")


@command.command("protocol", help="Kontrollprotokoll einer Fläche als PDF.")
@tenant_option
@click.option("--site", "site_id", type=int, required=True)
@click.option("--from", "first", required=True, help="Beginn JJJJ-MM-TT.")
@click.option("--to", "last", required=True, help="Ende JJJJ-MM-TT.")
@click.option("--out", type=click.Path(path_type=Path), required=True)
def protocol_cmd(tenant: str | None, site_id: int, first: str, last: str, out: Path) -> None:
    """Write the protocol PDF."""
    engine = open_engine()
    try:
        t = resolve_tenant(engine, tenant)
        with tenant_session(engine, t.id) as s:
            pdf = service.protocol_pdf(s, site_id, _day(first, "--from"), _day(last, "--to"))
    finally:
        engine.dispose()
    out.write_bytes(pdf)
    click.echo(f"{out} ({len(pdf)} Bytes)")


@command.command("export", help="Alle Kontrollprotokolle eines Zeitraums für die Versicherung.")
@tenant_option
@click.option("--from", "first", required=True, help="Beginn JJJJ-MM-TT.")
@click.option("--to", "last", required=True, help="Ende JJJJ-MM-TT.")
@click.option("--out", type=click.Path(path_type=Path), required=True)
def export_cmd(tenant: str | None, first: str, last: str, out: Path) -> None:
    """Write the insurer CSV."""
    engine = open_engine()
    try:
        t = resolve_tenant(engine, tenant)
        with tenant_session(engine, t.id) as s:
            body = service.insurer_export(s, _day(first, "--from"), _day(last, "--to"))
    finally:
        engine.dispose()
    out.write_text(body, encoding="utf-8")
    click.echo(f"{out} ({body.count(chr(10)) - 2} Protokolle)")
