"""The planner's duty-of-care pages (Verkehrssicherung): parse, call one service, render.

Overview (overdue inspections first, chain check, storm risk state, predicted clearance
violations of the next 4 weeks), the map layer of those violations (GeoJSON), the protocol PDF
of a site and period, and the insurer export (CSV).
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Flask, Response, render_template, request
from flask_babel import gettext as _

from greentour.duty import service
from greentour.errors import BadInput
from greentour.input_checks import check_day
from web.auth import planner_required, select_locale
from web.planner import _day_arg, tenant_tx

bp = Blueprint("duty", __name__, url_prefix="/planner/verkehrssicherung",
               template_folder="templates")


def _date(name: str, default: dt.date) -> dt.date:
    value = request.args.get(name)
    if not value:
        return default
    try:
        return check_day(dt.date.fromisoformat(value), name)
    except ValueError as exc:
        raise BadInput(_("Datum %(value)s ist ungültig (JJJJ-MM-TT)", value=value)) from exc


def _site_arg() -> int:
    try:
        return int(request.args.get("site", ""))
    except ValueError:
        raise BadInput(_("Fläche (site) fehlt oder ist keine Zahl")) from None


@bp.get("/", endpoint="index")
@planner_required
def index() -> str:
    """Overdue inspections first, chain check, storms, predicted clearance violations."""
    day = _day_arg()
    with tenant_tx() as session:
        page = service.planner_overview(session, day, lang=select_locale())
    return render_template("duty/index.html", page=page, lang=select_locale())


@bp.get("/gefahren.geojson", endpoint="hazards")
@planner_required
def hazards() -> Response:
    """Map layer: predicted clearance and sight-triangle violations of the next 4 weeks."""
    day = _day_arg()
    with tenant_tx() as session:
        doc = service.hazards_geojson(session, day, lang=select_locale())
    return Response(service.json.dumps(doc, ensure_ascii=False),
                    mimetype="application/geo+json")


@bp.get("/protokoll.pdf", endpoint="protocol")
@planner_required
def protocol() -> Response:
    """Inspection protocol of a site and period (PDF)."""
    site_id = _site_arg()
    last = _date("to", dt.date.today())
    first = _date("from", last - dt.timedelta(days=365))
    with tenant_tx() as session:
        pdf = service.protocol_pdf(session, site_id, first, last, lang=select_locale())
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="kontrollprotokoll-{site_id}.pdf"'})


@bp.get("/versicherung.csv", endpoint="insurer_export")
@planner_required
def insurer_export() -> Response:
    """All inspection records of a period with their hashes, for the municipal insurer."""
    last = _date("to", dt.date.today())
    first = _date("from", last - dt.timedelta(days=365))
    with tenant_tx() as session:
        body = service.insurer_export(session, first, last)
    return Response(body, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="kontrollen-{first}-{last}.csv"'})


def init_app(app: Flask) -> None:
    """Register the duty-of-care pages."""
    app.register_blueprint(bp)
