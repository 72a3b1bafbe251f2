"""The planner's page for crew tablets: create a device token with QR code, revoke, and see the
reports that arrived against an older plan version (``/crew/geraete``)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from greentour.crew import reports, tokens
from greentour.errors import BadInput, GreentourError
from web.auth import planner_required
from web.crew.blueprint import bp
from web.db import tenant_db


def _page(issued: dict[str, Any] | None = None, error: str | None = None) -> str:
    session = tenant_db()
    items = [(t, tokens.crew_name(session, t)) for t in tokens.list_tokens(session)]
    flagged = reports.list_reports(session, flagged_only=True)
    return render_template(
        "crew/devices.html",
        tokens=items,
        templates=tokens.crew_templates(session),
        flagged=flagged,
        issued=issued,
        error=error,
        status_de=reports.STATUS_DE,
    )


@bp.get("/geraete")
@planner_required
def devices() -> str:
    """Device tokens of the tenant's crews and reports against outdated plans."""
    return _page()


@bp.post("/geraete")
@planner_required
def create_device() -> Any:
    """Create a token for a crew and show its QR code once."""
    session = tenant_db()
    try:
        template_id = int(request.form.get("crew_template_id", ""))
    except ValueError:
        return _page(error=BadInput("Bitte eine Kolonne wählen").message), 400
    try:
        issued = tokens.issue_token(
            session, current_user.tenant_id, crew_template_id=template_id,
            name=request.form.get("name", ""),
        )
        session.commit()
    except GreentourError as exc:
        session.rollback()
        return _page(error=exc.message), exc.http_status
    url = tokens.crew_url(request.host_url + request.script_root.lstrip("/"), issued.token)
    return _page(issued={"url": url, "qr_svg": Markup(tokens.qr_svg(url)),
                         "crew": tokens.crew_name(session, issued.record)})


@bp.post("/geraete/<int:token_id>/widerrufen")
@planner_required
def revoke_device(token_id: int) -> Any:
    """Revoke a token (the tablet gets "Gerät gesperrt" on its next contact)."""
    session = tenant_db()
    record = tokens.revoke_token(session, token_id)
    session.commit()
    flash(_("Token „%(name)s“ widerrufen.", name=record.name or record.id), "info")
    return redirect(url_for("crew.devices"))
