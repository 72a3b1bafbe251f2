"""Work records (Leistungserfassung) pages: day-end review, corrections, closing, reports with
charts, CSV and GeoPackage downloads (issue 17, docs/records.md).

Each view parses the request, calls one service of :mod:`greentour.records.service` in the
logged-in user's tenant and renders. Person-level figures follow the tenant's
``privacy.person_hours_visible_to`` (the service checks the role).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from flask import Blueprint, Flask, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from greentour.errors import BadInput
from greentour.gis.costs import export_costs_gpkg
from greentour.input_checks import check_day
from greentour.planning import plan_service
from greentour.records import service
from web.auth import planner_required, select_locale
from web.db import get_engine
from web.planner import tenant_tx

bp = Blueprint("records", __name__, url_prefix="/records", template_folder="templates")


def _day() -> dt.date:
    value = request.values.get("day")
    if not value:
        return plan_service.tenant_default_day(get_engine(), current_user.tenant_id)
    try:
        return check_day(dt.date.fromisoformat(str(value)), "day")
    except ValueError as exc:
        raise BadInput(_("Datum %(value)s ist ungültig (JJJJ-MM-TT)", value=value)) from exc


def _int(name: str, required: bool = True) -> int | None:
    value = request.values.get(name, "").strip()
    if not value:
        if required:
            raise BadInput(_("%(what)s fehlt", what=name))
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise BadInput(_("%(what)s ist keine Zahl", what=name)) from exc


def _period() -> str:
    value = (request.values.get("period") or "").strip()
    if value:
        return value
    day = plan_service.tenant_default_day(get_engine(), current_user.tenant_id)
    return f"{day:%Y-%m}"


@bp.get("/day", endpoint="day")
@planner_required
def day_page() -> str:
    """The day-end review of one day."""
    day = _day()
    with tenant_tx() as session:
        review = service.day_review(session, day, current_user.role, select_locale())
    return render_template("records/day.html", r=review)


@bp.post("/day/correct")
@planner_required
def correct() -> Response:
    """A correction with reason (409 on a closed day)."""
    day = _day()
    kind = request.form.get("kind", "")
    value = request.form.getlist("value") if kind == "members" else request.form.get("value")
    with tenant_tx() as session:
        service.correct(session, day, _int("crew_day_id"), kind, value,
                        request.form.get("reason", ""), current_user.account.username,
                        task_id=_int("task_id", required=False))
    flash(_("Korrektur gespeichert."), "info")
    return redirect(url_for("records.day", day=day.isoformat()) + "#corrections")


@bp.post("/day/close")
@planner_required
def close() -> Response:
    """"Abschließen": freeze the day's bookings (409 when already closed)."""
    day = _day()
    with tenant_tx() as session:
        service.close_day(session, day, current_user.account.username)
    flash(_("Der Tag ist abgeschlossen; die Buchungen sind schreibgeschützt."), "info")
    return redirect(url_for("records.day", day=day.isoformat()))


@bp.get("/report", endpoint="report")
@planner_required
def report_page() -> str:
    """Monthly or yearly report per cost centre, site and task type with charts."""
    with tenant_tx() as session:
        data = service.period_report(session, _period(), current_user.role, select_locale())
    return render_template("records/report.html", r=data)


@bp.get("/export.csv")
@planner_required
def export_csv() -> Response:
    """CSV of a month or year: ``layout=greentour`` (documented) or ``ilv`` (finance import)."""
    period = _period()
    layout = request.values.get("layout", "greentour")
    first, last, _kind = service.period_of(period)
    with tenant_tx() as session:
        data = service.export_csv(session, first, last, layout, current_user.role)
    charset = "windows-1252" if layout == "ilv" else "utf-8"
    return Response(data, content_type=f"text/csv; charset={charset}", headers={
        "Content-Disposition": f'attachment; filename="buchungen-{period}-{layout}.csv"'})


@bp.get("/costs.gpkg")
@planner_required
def costs_gpkg() -> Response:
    """GeoPackage of the sites with cost per m² and year for QGIS."""
    year = _int("year", required=False) or plan_service.tenant_default_day(
        get_engine(), current_user.tenant_id).year
    if not 2000 <= year <= 2100:
        raise BadInput(_("Jahr muss zwischen 2000 und 2100 liegen"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "costs.gpkg"
        export_costs_gpkg(get_engine(), current_user.tenant_id, year, out)
        data = out.read_bytes()
    return Response(data, mimetype="application/geopackage+sqlite3", headers={
        "Content-Disposition": f'attachment; filename="kosten-je-flaeche-{year}.gpkg"'})


def init_app(app: Flask) -> None:
    """Register the records blueprint."""
    app.register_blueprint(bp)
