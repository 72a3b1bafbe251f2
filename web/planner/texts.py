"""Texts the planner's JavaScript shows, translated on the server (one catalogue for all)."""

from __future__ import annotations

from flask_babel import gettext as _

from web.planner.live_texts import LIVE_MSGIDS

#: msgids used by static/*.js through GT.t(...)
JS_MSGIDS = (
    "Fläche ohne Namen", "Bedarf", "Pflegeklasse", "Letzte Pflege", "Prognose", "Warum", "Fällig",
    "Dauer", "Quelle", "Aufgabe", "Beginn", "Ende", "Tagesauftrag",
    "Noch kein Plan für diesen Tag.",
    "Verfügbar", "Plan", "Fehler", "fertig", "Planen", "Neu planen", "Länger optimieren",
    "Fläche", "Umplanung möglich", "Umplanung nicht möglich", "Übernehmen", "Verwerfen",
    "dringend", "Woche planen", "Mit Überstunden übernehmen",
)


def js_texts() -> dict[str, str]:
    """msgid -> text in the current UI language, embedded in every page as JSON."""
    return {msgid: _(msgid) for msgid in (*JS_MSGIDS, *LIVE_MSGIDS)}
