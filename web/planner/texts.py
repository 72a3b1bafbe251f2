"""Texts the planner's JavaScript shows, translated on the server (one catalogue for all)."""

from __future__ import annotations

from flask_babel import gettext as _

from web.planner.live_texts import LIVE_MSGIDS
from web.planner.marker import N_

#: msgids used by static/*.js through GT.t(...)
JS_MSGIDS = (
    N_("Fläche ohne Namen"),
    N_("Bedarf"),
    N_("Pflegeklasse"),
    N_("Letzte Pflege"),
    N_("Prognose"),
    N_("Warum"),
    N_("Fällig"),
    N_("Dauer"),
    N_("Quelle"),
    N_("Aufgabe"),
    N_("Beginn"),
    N_("Ende"),
    N_("Tagesauftrag"),
    N_("Noch kein Plan für diesen Tag."),
    N_("Verfügbar"),
    N_("Plan"),
    N_("Fehler"),
    N_("fertig"),
    N_("Planen"),
    N_("Neu planen"),
    N_("Länger optimieren"),
    N_("Fläche"),
    N_("Umplanung möglich"),
    N_("Umplanung nicht möglich"),
    N_("Übernehmen"),
    N_("Verwerfen"),
    N_("dringend"),
    N_("Woche planen"),
    N_("Mit Überstunden übernehmen"),
    N_("Druck"),
    N_("Noch nicht geprüft."),
    N_("Keine Beanstandungen."),
    N_("Woche überlastet"),
    N_("Fahrbahn 4,50 m"),
    N_("Geh-/Radweg 2,50 m"),
    N_("Sichtdreieck 0,80 m"),
    N_("verletzt ab"),
    N_("Vorhergesagte Verletzungen: {n}"),
)


def js_texts() -> dict[str, str]:
    """msgid -> text in the current UI language, embedded in every page as JSON."""
    return {msgid: _(msgid) for msgid in (*JS_MSGIDS, *LIVE_MSGIDS)}
