"""The planner's workplace: map, week board (Plantafel), line-up (Tagesbesetzung), prints.

Every view parses the request, calls one service of :mod:`greentour.planning` inside a tenant
session of the logged-in user, and renders HTML or JSON. State-changing requests are POSTs with a
CSRF token (forms: hidden field; JavaScript: ``X-CSRFToken`` header).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from greentour.errors import BadInput, GreentourError
from greentour.input_checks import check_day
from greentour.planning import orders, plan_check, plan_service, publication
from greentour.records import service as records_service
from greentour.store import tenant_session, write_session
from greentour.workplace import board as board_service
from greentour.workplace import (
    inventory_review,
    jobs_view,
    labels,
    lineup,
    map_view,
    prints,
    progress,
)
from web.auth import planner_required, select_locale
from web.db import get_engine
from web.errors import json_error
from web.planner.texts import js_texts

bp = Blueprint(
    "planner",
    __name__,
    url_prefix="/planner",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


# --------------------------------------------------------------------------- helpers
@contextmanager
def tenant_tx() -> Iterator[Session]:
    """One transaction in the logged-in user's tenant (committed unless an error is raised).

    State-changing requests take SQLite's write lock up front (``BEGIN IMMEDIATE``, see
    :func:`greentour.store.write_session`) so that a commit of the worker in
    between cannot make them fail half-way.
    """
    if request.method in ("GET", "HEAD"):
        with tenant_session(get_engine(), current_user.tenant_id) as session, session.begin():
            yield session
    else:
        with write_session(get_engine(), current_user.tenant_id) as session:
            yield session


def _day_arg(name: str = "day") -> dt.date:
    value = request.values.get(name) or (request.get_json(silent=True) or {}).get(name)
    if not value:
        return plan_service.tenant_default_day(get_engine(), current_user.tenant_id)
    try:
        return check_day(dt.date.fromisoformat(str(value)), name)
    except ValueError as exc:
        raise BadInput(_("Datum %(value)s ist ungültig (JJJJ-MM-TT)", value=value)) from exc


def _week_arg() -> dt.date:
    day = _day_arg("week")
    return day - dt.timedelta(days=day.weekday())


def _int(value: Any, what: str) -> int | None:
    if value in (None, "", "none"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise BadInput(_("%(what)s ist keine Zahl", what=what)) from exc


def _json() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadInput(_("Anfrage ohne JSON-Inhalt"))
    return data


def _done(message: str, where: str) -> None:
    """A confirmation shown in place: beside the form ``where`` (its element id) that did it."""
    flash(message, f"done:{where}")


def _back_to(endpoint: str, where: str, **values: Any) -> Response:
    """Redirect to ``endpoint`` scrolled to the element ``where`` (the confirmation is there)."""
    return redirect(url_for(endpoint, **values) + f"#{where}")


@bp.errorhandler(GreentourError)
def _greentour_error(exc: GreentourError) -> Any:
    message = exc.text(select_locale())
    if request.path.startswith("/planner/api/") or request.is_json:
        return json_error(exc.http_status, message)
    flash(message, "error")
    return redirect(request.referrer or url_for("planner.index"))


# --------------------------------------------------------------------------- map
@bp.get("/")
@planner_required
def index() -> str:
    """The map with need per site, tours, KPIs, unassigned panel and the plan actions."""
    day = _day_arg()
    return render_template("planner/map.html", day=day)


@bp.get("/api/map")
@planner_required
def api_map() -> Response:
    """Sites, depots, tours and unassigned tasks of a day as JSON (GeoJSON inside)."""
    day = _day_arg()
    with tenant_tx() as session:
        data = map_view.map_data(session, day, print_url=_print_url, lang=select_locale())
    return jsonify(data)


@bp.post("/api/plan/<int:plan_id>/check")
@planner_required
def api_plan_check(plan_id: int) -> Response:
    """'Plan prüfen': recompute the plan check of a stored plan and keep it with the plan."""
    with tenant_tx() as session:
        findings = plan_check.check_plan(session, plan_id, store=True)
    return jsonify(check=[f.for_view(select_locale()) for f in findings])
@bp.get("/api/candidates")
@planner_required
def api_candidates() -> Response:
    """OSM candidates not yet confirmed, as GeoJSON: loaded only when the planner asks."""
    with tenant_tx() as session:
        data = map_view.candidates_geojson(session, lang=select_locale())
    return jsonify(data)


def _print_url(crew_day_id: int) -> str:
    return url_for("planner.print_day", crew_day_id=crew_day_id)


@bp.get("/api/roads")
@planner_required
def api_roads() -> Response:
    """Road network as GeoJSON lines: the vector fallback when no base-map tiles load."""
    with tenant_tx() as session:
        data = map_view.roads_geojson(session)
    response = jsonify(data)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.post("/api/plan")
@planner_required
def api_plan() -> Response:
    """Start "Planen" (demand + plan) as a job; answers with the URL to poll."""
    return _start_job("plan")


@bp.post("/api/replan")
@planner_required
def api_replan() -> Response:
    """Start "Neu planen": a re-plan that changes as little as it must."""
    return _start_job("replan")


@bp.post("/api/optimize")
@planner_required
def api_optimize() -> Response:
    """Start "Länger optimieren": the same plan with a longer search, in the background."""
    return _start_job("optimize")


def _start_job(mode: str) -> Response:
    day = _day_arg()
    days = _int((request.get_json(silent=True) or {}).get("days"), "days") or 1
    job_id = plan_service.enqueue_plan(get_engine(), current_user.tenant_id, day, mode, days)
    return jsonify(job_id=job_id, job_url=url_for("planner.api_job", job_id=job_id)), 202


@bp.get("/api/jobs/<int:job_id>")
@planner_required
def api_job(job_id: int) -> Response:
    """Status and progress of a job (polled by the page)."""
    with tenant_tx() as session:
        return jsonify(jobs_view.job_status(session, job_id, lang=select_locale()))


# --------------------------------------------------------------------------- live day, publish
def _photo_url(client_uuid: str, thumbnail: bool) -> str:
    """A report photo through the crew API's planner endpoint (its checks, one route)."""
    if thumbnail:
        return url_for("api_planner.report_photo", client_uuid=client_uuid, size="thumb")
    return url_for("api_planner.report_photo", client_uuid=client_uuid)


@bp.get("/api/live")
@planner_required
def api_live() -> Response:
    """Reported state per stop, progress per crew, sites' need, publication state (polled)."""
    day = _day_arg()
    days = _int(request.args.get("days"), "days") or 1
    with tenant_tx() as session:
        data = progress.live_state(session, day, days, photo_url=_photo_url,
                                   lang=select_locale(), role=current_user.role)
    return jsonify(data)


@bp.get("/api/publish")
@planner_required
def api_publish_preview() -> Response:
    """What publishing the drafts of the days would change, per crew-day (nothing stored)."""
    day = _day_arg()
    days = _int(request.args.get("days"), "days") or 1
    with tenant_tx() as session:
        return jsonify(publication.preview(session, day, days))


@bp.post("/api/publish")
@planner_required
def api_publish() -> Response:
    """Publish the drafts of the days to the tablets (refused if the drafts changed meanwhile)."""
    data = _json()
    day = _day_arg()
    ids = data.get("draft_ids")
    if ids is not None and (not isinstance(ids, list)
                            or not all(isinstance(i, int) for i in ids)):
        raise BadInput(_("draft_ids muss eine Liste von Zahlen sein"))
    with tenant_tx() as session:
        result = publication.publish(session, day, _int(data.get("days"), "days") or 1, ids)
    return jsonify(result)


@bp.post("/api/carry-over")
@planner_required
def api_carry_over() -> Response:
    """Check "in Plan übernehmen": the stop on its crew's next working day (nothing saved)."""
    data = _json()
    with tenant_tx() as session:
        result = board_service.check_carry_over(
            session, _int(data.get("task_id"), "task_id"),
            _int(data.get("crew_day_id"), "crew_day_id"), lang=select_locale())
    return jsonify(result)


# --------------------------------------------------------------------------- line-up
@bp.get("/lineup", endpoint="lineup")
@planner_required
def lineup_page() -> str:
    """Morning line-up with absences, machines, urgent orders and the capacity balance."""
    day = _day_arg()
    with tenant_tx() as session:
        view = lineup.get_lineup(session, day, lang=select_locale())
        balance = plan_service.balance_for(session, day)
        order_form = orders.order_form_data(session, lang=select_locale())
    return render_template(
        "planner/lineup.html", day=day, view=view, balance=balance, order_form=order_form
    )


@bp.post("/lineup/person")
@planner_required
def lineup_move_person() -> Response:
    """Move a person into another crew (or out of all crews)."""
    day = _day_arg()
    with tenant_tx() as session:
        person, target = lineup.move_person(
            session,
            day,
            _int(request.form.get("staff_id"), "staff_id"),
            _int(request.form.get("crew_day_id"), "crew_day_id"),
        )
        message = (_("%(name)s arbeitet jetzt in %(crew)s.", name=person.name, crew=target.name)
                   if target else _("%(name)s ist in keiner Kolonne mehr.", name=person.name))
    _done(message, "form-move-person")
    return _back_to("planner.lineup", "form-move-person", day=day.isoformat())


@bp.post("/lineup/machine")
@planner_required
def lineup_move_machine() -> Response:
    """Give a pool machine to a crew (or back to the pool)."""
    day = _day_arg()
    with tenant_tx() as session:
        machine, target = lineup.move_machine(
            session,
            day,
            _int(request.form.get("machine_id"), "machine_id"),
            _int(request.form.get("crew_day_id"), "crew_day_id"),
        )
        message = (_("%(name)s ist jetzt bei %(crew)s.", name=machine.name, crew=target.name)
                   if target else _("%(name)s ist zurück im Pool.", name=machine.name))
    _done(message, "form-move-machine")
    return _back_to("planner.lineup", "form-move-machine", day=day.isoformat())


@bp.post("/lineup/absence")
@planner_required
def lineup_absence() -> Response:
    """Record an absence (e.g. sick today) and take the person out of the crews."""
    day = _day_arg()
    until = _day_arg("until") if request.form.get("until") else day
    with tenant_tx() as session:
        absence = lineup.report_absence(
            session,
            _int(request.form.get("staff_id"), "staff_id"),
            day,
            until,
            request.form.get("reason", ""),
        )
        message = _("Abwesenheit gespeichert: %(name)s bis %(until)s.",
                    name=absence.staff.name, until=day_filter(absence.date_to))
    _done(message, "form-absence")
    return _back_to("planner.lineup", "form-absence", day=day.isoformat())


@bp.post("/lineup/absence/<int:absence_id>")
@planner_required
def lineup_change_absence(absence_id: int) -> Response:
    """Shorten an absence (new last day) or withdraw it from the shown day on (no date)."""
    day = _day_arg()
    until = _day_arg("until") if request.form.get("until") else None
    if request.form.get("withdraw") == "1":
        until = None
    with tenant_tx() as session:
        person, absence = lineup.change_absence(session, absence_id, day, until)
        if absence is None or absence.date_to < day:
            message = _("Abwesenheit von %(name)s ab %(day)s zurückgenommen.",
                        name=person.name, day=day_filter(day))
        else:
            message = _("Abwesenheit von %(name)s endet jetzt am %(until)s.",
                        name=person.name, until=day_filter(absence.date_to))
    _done(message, "absences")
    return _back_to("planner.lineup", "absences", day=day.isoformat())


@bp.post("/lineup/repair")
@planner_required
def lineup_repair() -> Response:
    """Mark a machine in repair until a date (empty date: back in service)."""
    day = _day_arg()
    until = _day_arg("until") if request.form.get("until") else None
    with tenant_tx() as session:
        machine = lineup.set_machine_repair(
            session, _int(request.form.get("machine_id"), "machine_id"), until, day
        )
        message = (_("%(name)s ist in Reparatur bis %(until)s.", name=machine.name,
                     until=day_filter(until)) if until
                   else _("%(name)s ist wieder einsatzbereit.", name=machine.name))
    _done(message, "form-repair")
    return _back_to("planner.lineup", "form-repair", day=day.isoformat())


@bp.post("/lineup/order")
@planner_required
def lineup_order() -> Response:
    """Add an urgent order (storm damage, citizen report) for a site."""
    day = _day_arg()
    with tenant_tx() as session:
        orders.add_urgent_order(
            session,
            day=day,
            site_id=_int(request.form.get("site_id"), "site_id"),
            task_type=request.form.get("task_type", ""),
            duration_min=_int(request.form.get("duration_min"), "duration_min"),
            persons=_int(request.form.get("persons"), "persons") or 2,
            note=request.form.get("note", ""),
        )
    _done(_("Dringender Auftrag angelegt."), "form-order")
    return _back_to("planner.lineup", "form-order", day=day.isoformat())


# --------------------------------------------------------------------------- week board
@bp.get("/board")
@planner_required
def board() -> str:
    """Week board: crew-days x days with load bars and the capacity balance."""
    week = _week_arg()
    with tenant_tx() as session:
        view = board_service.week_board(session, week, lang=select_locale())
    return render_template("planner/board.html", view=view, week=week)


@bp.post("/api/board/check")
@planner_required
def api_board_check() -> Response:
    """Check moving a task to a crew-day: re-timed tour and violations, nothing saved."""
    data = _json()
    with tenant_tx() as session:
        result = board_service.check_move(
            session,
            _int(data.get("task_id"), "task_id"),
            _int(data.get("crew_day_id"), "crew_day_id"),
            lang=select_locale(),
        )
    return jsonify(result)


@bp.post("/api/board/move")
@planner_required
def api_board_move() -> Response:
    """Apply a checked move (refused again if it became infeasible meanwhile)."""
    data = _json()
    with tenant_tx() as session:
        result = board_service.apply_move(
            session,
            _int(data.get("task_id"), "task_id"),
            _int(data.get("crew_day_id"), "crew_day_id"),
            lang=select_locale(),
            confirm_overtime=data.get("confirm_overtime") is True,
        )
    return jsonify(result)


@bp.post("/board/lock")
@planner_required
def board_lock() -> Response:
    """Lock or unlock a crew-day (a locked crew-day keeps its tour on re-planning)."""
    week = _week_arg()
    locked = request.form.get("locked") == "1"
    with tenant_tx() as session:
        crew_day = board_service.set_locked(
            session, _int(request.form.get("crew_day_id"), "crew_day_id"), locked)
        name, day = crew_day.name, crew_day.date
    message = (_("%(crew)s am %(day)s gesperrt: die Tour bleibt beim Neu planen.", crew=name,
                 day=day_filter(day, "short")) if locked
               else _("%(crew)s am %(day)s entsperrt.", crew=name, day=day_filter(day, "short")))
    _done(message, f"lock-{crew_day.id}")
    return redirect(url_for("planner.board", week=week.isoformat()))


@bp.post("/board/undo")
@planner_required
def board_undo() -> Response:
    """Undo the last manual edit of the plan."""
    week = _week_arg()
    with tenant_tx() as session:
        message = board_service.undo_last_edit(session, week)
    flash(message, "info")
    return redirect(url_for("planner.board", week=week.isoformat()))


# --------------------------------------------------------------------------- inventory review
@bp.get("/inventory")
@planner_required
def inventory() -> str:
    """Candidate sites from OSM awaiting the planner's decision."""
    with tenant_tx() as session:
        view = inventory_review.candidates(session, category=request.args.get("category"),
                                           lang=select_locale())
    return render_template("planner/inventory.html", view=view)


@bp.post("/inventory")
@planner_required
def inventory_decide() -> Response:
    """Accept or reject the selected candidate sites in one go."""
    ids = [i for i in (_int(v, "site_id") for v in request.form.getlist("site_id")) if i]
    decision = request.form.get("decision", "")
    with tenant_tx() as session:
        count = inventory_review.decide(session, ids, decision)
    flash(_("%(n)d Flächen aktualisiert.", n=count), "info")
    return redirect(url_for("planner.inventory"))


# --------------------------------------------------------------------------- prints
@bp.get("/print", endpoint="prints")
@planner_required
def prints_page() -> str:
    """Overview of the printable sheets of a day and week."""
    day = _day_arg()
    with tenant_tx() as session:
        crews = prints.printable_crew_days(session, day)
    return render_template("planner/prints.html", day=day, crews=crews)


@bp.get("/print/day/<int:crew_day_id>")
@planner_required
def print_day(crew_day_id: int) -> str:
    """Day sheet (Tagesauftrag) of one crew, A4 portrait."""
    with tenant_tx() as session:
        sheet = prints.day_sheet(session, crew_day_id, lang=select_locale(),
                                 crew_base_url=url_for("crew.index", _external=True))
    return render_template("planner/print_day.html", sheet=sheet)


@bp.get("/print/week")
@planner_required
def print_week() -> str:
    """Week plan for the wall, A4 landscape."""
    week = _week_arg()
    with tenant_tx() as session:
        sheet = prints.week_plan(session, week, lang=select_locale())
    return render_template("planner/print_week.html", sheet=sheet)


@bp.get("/print/timesheet/<int:crew_day_id>")
@planner_required
def print_timesheet(crew_day_id: int) -> str:
    """Time sheet of one crew-day to sign: booked times once the crew reported (issue 17)."""
    with tenant_tx() as session:
        sheet = records_service.time_sheet(session, crew_day_id, current_user.role,
                                           select_locale())
    return render_template("planner/print_timesheet.html", sheet=sheet)


# --------------------------------------------------------------------------- vendor files
@bp.get("/vendor/leaflet/<path:filename>")
def leaflet(filename: str) -> Response:
    """Leaflet from the XStatic-Leaflet package, served by the app (no CDN)."""
    import xstatic.pkg.leaflet as leaflet_pkg

    return send_from_directory(Path(leaflet_pkg.BASE_DIR), filename, max_age=86400)


def favicon() -> Response:
    """The browser's tab icon (the greentour leaf, SVG) so that no page logs a 404."""
    return send_from_directory(Path(__file__).parent / "static", "favicon.svg",
                               mimetype="image/svg+xml", max_age=86400)


def day_filter(value: dt.date | str, style: str = "date") -> str:
    """Jinja filter ``{{ day|day_text }}``: a date (or an ISO date text) in the UI language (see
    :func:`greentour.workplace.labels.day_text`)."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return labels.day_text(value, select_locale(), style)


def number_filter(value: float, digits: int = 1, signed: bool = False) -> str:
    """Jinja filter ``{{ hours|number }}``: 1,3 in German, 1.3 in English (``signed``: +1,3)."""
    return labels.number_text(value, select_locale(), digits, signed)


def init_app(app: Flask) -> None:
    """Register the planner blueprint and its template helpers."""
    app.register_blueprint(bp)
    app.add_template_global(js_texts, "js_texts")
    app.add_template_filter(day_filter, "day_text")
    app.add_template_filter(number_filter, "number")

    app.add_url_rule("/favicon.ico", "favicon", favicon)

    if not any(rule.rule == "/" for rule in app.url_map.iter_rules()):
        app.add_url_rule("/", "root", lambda: redirect(url_for("planner.index")))
