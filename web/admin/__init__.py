"""Administration of a town (role admin): users, the town's cycles, and "Ort einrichten".

``/verwaltung/``: users (create, disable/enable, reset password, role) and the cycles (edit,
switch off, export as TOML); ``/verwaltung/ort-einrichten``: set up a new town like
``greentour tenant create``. Views parse the form, call one service function and render.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename

from greentour import task_types
from greentour.accounts import users as accounts
from greentour.accounts.members import create_user
from greentour.demand import cycle_store
from greentour.errors import BadInput, GreentourError
from greentour.town.service import (
    Place,
    TownRequest,
    create_town,
    list_templates,
    osm_facts,
)
from greentour.workplace.labels import productivity_unit_label
from web.auth import admin_required, select_locale
from web.db import get_engine, tenant_db

bp = Blueprint("admin", __name__, url_prefix="/verwaltung", template_folder="templates")


def _index(error: str | None = None, status: int = 200) -> tuple[str, int]:
    session = tenant_db()
    lang = select_locale()
    rows = task_types.task_type_rows(session)
    return render_template(
        "admin/index.html",
        users=accounts.list_users(get_engine(), current_user.tenant_id),
        cycles=cycle_store.cycle_rows(session),
        task_types=rows,
        type_names={spec.code: spec.name_en if lang == "en" else spec.name_de
                    for spec, _edited in rows},
        unit_label=lambda unit: productivity_unit_label(unit, lang),
        roles=accounts.ROLES,
        role_de=accounts.ROLE_DE,
        error=error,
    ), status


@bp.get("/")
@admin_required
def index() -> tuple[str, int]:
    """Users and cycles of the admin's town."""
    return _index()


@bp.post("/benutzer")
@admin_required
def user_create() -> Any:
    """Create a user in the admin's town."""
    form = request.form
    try:
        create_user(get_engine(), current_user.tenant_id, form.get("username", ""),
                    form.get("password", ""), role=form.get("role", "planner"),
                    display_name=form.get("display_name", ""))
    except GreentourError as exc:
        return _index(exc.message, exc.http_status)
    flash(_("Benutzer „%(name)s“ angelegt.", name=form.get("username", "").strip()), "info")
    return redirect(url_for("admin.index"))


@bp.post("/benutzer/<username>")
@admin_required
def user_change(username: str) -> Any:
    """One change of a user: ``action`` = disable, enable, password or role."""
    form = request.form
    action = form.get("action", "")
    engine, tenant_id = get_engine(), current_user.tenant_id
    try:
        if action in ("disable", "enable"):
            if action == "disable" and username == current_user.account.username:
                raise BadInput("Das eigene Konto lässt sich nicht sperren")
            accounts.set_active(engine, tenant_id, username, action == "enable")
        elif action == "password":
            accounts.set_password(engine, tenant_id, username, form.get("password", ""))
        elif action == "role":
            accounts.set_role(engine, tenant_id, username, form.get("role", ""))
        else:
            raise BadInput(f"Unbekannte Aktion „{action}“")
    except GreentourError as exc:
        return _index(exc.message, exc.http_status)
    flash(_("Benutzer „%(name)s“ geändert.", name=username), "info")
    return redirect(url_for("admin.index"))


def _cycle_form(form: Any) -> dict[str, Any]:
    """The edited cycle from the form; sites and rule are TOML inline tables."""
    try:
        sites = tomllib.loads(f"sites = {form.get('sites') or '{}'}")["sites"]
        rule = tomllib.loads(f"rule = {form.get('rule') or '{}'}")["rule"]
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"Flächen oder Regel sind kein gültiges TOML: {exc}") from None
    try:
        urgency = float(form.get("urgency", "0.6").replace(",", "."))
    except ValueError:
        raise BadInput("Dringlichkeit ist keine Zahl") from None
    return {"name": form.get("name", "").strip(), "task_type": form.get("task_type", ""),
            "sites": sites, "rule": rule, "urgency": urgency,
            "reference": form.get("reference", ""), "active": form.get("active") == "on"}


@bp.post("/zyklen/<int:cycle_id>")
@admin_required
def cycle_update(cycle_id: int) -> Any:
    """Save one edited cycle (checked first; nothing stored on an error)."""
    session = tenant_db()
    try:
        cycle_store.update_cycle(session, cycle_id, _cycle_form(request.form))
        session.commit()
    except GreentourError as exc:
        session.rollback()
        return _index(exc.message, exc.http_status)
    flash(_("Zyklus gespeichert."), "info")
    return redirect(url_for("admin.index") + f"#zyklus-{cycle_id}")


@bp.get("/zyklen.toml")
@admin_required
def cycles_export() -> Response:
    """The town's cycles as a TOML file (format of data/cycles_default.toml)."""
    text = cycle_store.cycles_toml(tenant_db(), current_user.account.tenant_name)
    return Response(text, mimetype="application/toml", headers={
        "Content-Disposition": "attachment; filename=zyklen.toml"})


@bp.post("/aufgabenarten/<code>")
@admin_required
def task_type_update(code: str) -> Any:
    """Save the town's productivity, set-up time, crew size and season of one task type."""
    form = request.form
    session = tenant_db()
    try:
        values: dict[str, Any] = {
            "productivity": _number(form.get("productivity", ""), "Leistung"),
            "setup_s": int(round(_number(form.get("setup_min", ""), "Rüstzeit") * 60)),
            "persons": int(_number(form.get("persons", ""), "Personen")),
            "season_start": form.get("season_start", "").strip() or None,
            "season_end": form.get("season_end", "").strip() or None,
        }
        row = task_types.update_task_type(session, code, values)
        name = row.name_en if select_locale() == "en" else row.name_de
        session.commit()
    except GreentourError as exc:
        session.rollback()
        return _index(exc.message, exc.http_status)
    flash(_("Aufgabenart „%(name)s“ gespeichert.", name=name), "info")
    return redirect(url_for("admin.index") + f"#art-{code}")


def _number(text: str, what: str) -> float:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise BadInput(f"{what}: „{text}“ ist keine Zahl") from None


@bp.get("/aufgabenarten.toml")
@admin_required
def task_types_export() -> Response:
    """The town's task catalogue as a TOML file (format of data/task_types.toml)."""
    text = task_types.catalogue_toml(tenant_db(), current_user.account.tenant_name)
    return Response(text, mimetype="application/toml", headers={
        "Content-Disposition": "attachment; filename=aufgabenarten.toml"})


def _town_page(error: str | None = None, summary: Any = None, status: int = 200,
               facts: Any = None, osm_path: str = "") -> tuple[str, int]:
    return render_template(
        "admin/town.html", templates=list_templates(), error=error, summary=summary,
        form=request.form, facts=facts, osm_path=osm_path or request.form.get("osm_path", ""),
        roads_json=json.dumps(facts.roads_geojson()) if facts else "null",
        extent_json=json.dumps(facts.extent) if facts else "null"), status


@bp.get("/ort-einrichten")
@admin_required
def town() -> tuple[str, int]:
    """The form "Ort einrichten"."""
    return _town_page()


def _osm_path(form: Any, files: Any, slug: str) -> Path:
    """The OSM file: an upload (kept in the instance folder) or a path on the server."""
    upload = files.get("osm_upload")
    if upload is not None and upload.filename:
        settings = get_engine_settings()
        folder = settings.ensure_instance_dir() / "osm"
        folder.mkdir(parents=True, exist_ok=True)
        name = secure_filename(upload.filename) or "town.osm.pbf"
        target = folder / f"{secure_filename(slug) or 'ort'}-{name}"
        upload.save(target)
        return target
    text = (form.get("osm_path") or "").strip()
    if not text:
        raise BadInput("OSM-Datei fehlt: hochladen oder Pfad auf dem Server angeben")
    return Path(text)


def get_engine_settings() -> Any:
    """The process settings the app was created with."""
    return current_app.extensions["greentour_settings"]


@bp.post("/ort-einrichten")
@admin_required
def town_create() -> Any:
    """``action=check``: check the OSM file and show its roads and extent on a map (click to
    place the depot and yards); otherwise check and create the town, then its first admin."""
    form = request.form
    if form.get("action") == "check":
        try:
            path = _osm_path(form, request.files, form.get("slug", "").strip())
            facts = osm_facts(path)
        except GreentourError as exc:
            return _town_page(exc.message, status=exc.http_status)
        return _town_page(facts=facts, osm_path=str(path))
    try:
        slug = form.get("slug", "").strip()
        yards = [y for y in form.get("yards", "").split(";") if y.strip()]
        population = form.get("population", "").strip()
        town_request = TownRequest(
            name=form.get("name", "").strip(), slug=slug, land=form.get("land", "").strip(),
            osm_file=_osm_path(form, request.files, slug),
            depot=Place.parse(form.get("depot", ""), form.get("depot_name", "").strip()),
            yards=[Place.parse(y) for y in yards], template=form.get("template", "bauhof_klein"),
            population=int(population) if population.isdigit() else None,
        )
        if not form.get("admin_username", "").strip():
            raise BadInput("Erstes Konto des Orts fehlt (Benutzername und Passwort)")
        # the policy is checked before anything is written
        accounts.password_hash(form.get("admin_password", ""), form.get("admin_username", ""))
        summary = create_town(get_engine(), get_engine_settings(), town_request)
        create_user(get_engine(), summary.tenant.tenant_id, form.get("admin_username", ""),
                    form.get("admin_password", ""), role="admin")
    except GreentourError as exc:
        return _town_page(exc.message, status=exc.http_status)
    return _town_page(summary=summary, status=201)


def init_app(app: Any) -> None:
    """Register the blueprint (the JSON filter shows cycle tables as TOML-like text)."""
    app.register_blueprint(bp)
    app.jinja_env.filters.setdefault("inline_toml", _inline_toml)


def _inline_toml(value: Any) -> str:
    """A dict as a TOML inline table for the edit form."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_inline_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_inline_toml(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
