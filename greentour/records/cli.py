"""CLI ``greentour records …`` (plugged in by :mod:`greentour.cli`): figures, review, closing,
CSV and GeoPackage exports of the work records. See docs/records.md.

The CLI acts with the role ``admin`` for the privacy rules (person-level figures only with
``--per-person`` and only when the tenant's ``privacy.person_hours_visible_to`` allows admins).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from greentour.cli_support import open_engine, resolve_tenant, tenant_option
from greentour.errors import BadInput
from greentour.gis.costs import export_costs_gpkg
from greentour.records import csv_layouts, report, service
from greentour.store import tenant_session, write_session
from greentour.workplace.labels import number_text

CLI_ROLE = "admin"


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"Datum „{value}“ ist ungültig (JJJJ-MM-TT)") from None


@click.group("records", help="Leistungserfassung: Buchungen prüfen, abschließen, exportieren.")
def command() -> None:
    """Work records: hours, machines and kilometres booked to cost centres."""


@command.command("summary")
@tenant_option
@click.option("--period", required=True, metavar="JJJJ-MM|JJJJ",
              help="Monat (2026-06) oder Jahr (2026).")
@click.option("--by", "dimension", default="cost_centre", show_default=True,
              type=click.Choice(["cost_centre", "site", "task_type", "crew", "cost_object"]),
              help="Gruppierung.")
def summary(tenant: str | None, period: str, dimension: str) -> None:
    """Summen je Kostenstelle (Fläche, Aufgabe …): Personal-h, Maschinen-h, km, EUR, m²/h."""
    engine = open_engine()
    try:
        t = resolve_tenant(engine, tenant)
        first, last, _ = service.period_of(period)
        with tenant_session(engine, t.id) as s:
            lines = service.lines_between(s, first, last)
        rows = report.summarise(lines, dimension)
        click.echo(f"{report.DIMENSIONS[dimension]}\tPers.-h\tdavon Arbeit\tMasch.-h\tkm\tEUR"
                   "\tm²/h")
        for r in [*rows, report.total(lines)]:
            d = r.as_dict()
            m2 = number_text(d["m2_per_h"], "de", 0) if d["m2_per_h"] else "–"
            click.echo(f"{r.label}\t{number_text(d['person_h'], 'de', 2)}\t"
                       f"{number_text(d['work_person_h'], 'de', 2)}\t"
                       f"{number_text(d['machine_h'], 'de', 2)}\t{number_text(d['km'], 'de', 1)}"
                       f"\t{number_text(d['eur'], 'de', 2)}\t{m2}")
    finally:
        engine.dispose()


@command.command("close")
@tenant_option
@click.option("--day", required=True, metavar="JJJJ-MM-TT", help="Tag, der abgeschlossen wird.")
@click.option("--by", "by_user", default="cli", show_default=True, help="Wer abschließt.")
def close(tenant: str | None, day: str, by_user: str) -> None:
    """Einen Tag nach der Prüfung abschließen (danach schreibgeschützt)."""
    engine = open_engine()
    try:
        t = resolve_tenant(engine, tenant)
        with write_session(engine, t.id) as s:
            result = service.close_day(s, _day(day), by_user)
        click.echo(f"{day} abgeschlossen: {result['lines']} Buchungen, "
                   f"{number_text(result['person_s'] / 3600, 'de', 2)} Personalstunden, "
                   f"{number_text(result['amount_ct'] / 100, 'de', 2)} EUR")
    finally:
        engine.dispose()


@command.command("export")
@tenant_option
@click.option("--month", "period", default=None, metavar="JJJJ-MM", help="Monat.")
@click.option("--year", "year", default=None, metavar="JJJJ", help="Jahr.")
@click.option("--layout", type=click.Choice(csv_layouts.LAYOUTS), default="greentour",
              show_default=True, help="greentour (Buchungen) oder ilv (Finanzsoftware).")
@click.option("--per-person", is_flag=True,
              help="Personen einzeln (nur wenn privacy.person_hours_visible_to admin enthält).")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="CSV-Datei.")
def export(tenant: str | None, period: str | None, year: str | None, layout: str,
           per_person: bool, out: Path) -> None:
    """Buchungen eines Monats oder Jahres als CSV schreiben."""
    if (period is None) == (year is None):
        raise BadInput("Genau eines angeben: --month JJJJ-MM oder --year JJJJ")
    first, last, _ = service.period_of(period or year or "")
    engine = open_engine()
    try:
        t = resolve_tenant(engine, tenant)
        with tenant_session(engine, t.id) as s:
            _, privacy = service.settings_of(s)
            if per_person and not privacy.may_see_person_hours(CLI_ROLE):
                raise BadInput("Stunden je Person sind laut Dienstvereinbarung "
                               "(privacy.person_hours_visible_to) nicht freigegeben")
            data = service.export_csv(s, first, last, layout,
                                      CLI_ROLE if per_person else None)
        out.write_bytes(data)
        rows = len(data.splitlines()) - 1
        click.echo(f"{out} geschrieben ({layout}, {rows} Zeilen)")
    finally:
        engine.dispose()


@command.command("gpkg")
@tenant_option
@click.option("--year", required=True, type=int, help="Jahr der Kosten.")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="GeoPackage-Datei.")
def gpkg(tenant: str | None, year: int, out: Path) -> None:
    """Kosten je Fläche und Jahr als GeoPackage für QGIS."""
    engine = open_engine()
    try:
        t = resolve_tenant(engine, tenant)
        counts = export_costs_gpkg(engine, t.id, year, out)
        click.echo(f"{out} geschrieben: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    finally:
        engine.dispose()
