"""Texts of the live day, publishing and the keyboard board (live.js, map_live.js, board.js)."""

from __future__ import annotations

from web.planner.marker import N_

#: msgids used through GT.t(...) by live.js, map_live.js and board.js
LIVE_MSGIDS = (
    N_("Nicht gespeichert"),
    N_("Entwurf"),
    N_("Die Tablets zeigen die veröffentlichte Version"),
    N_("Die Tablets zeigen noch keinen Plan."),
    N_("Erst „Veröffentlichen“ schickt diesen Plan an die Kolonnen."),
    N_("Plan veraltet"),
    N_("Seit dem Plan geändert"),
    N_("Kolonnentage (Besetzung)"),
    N_("neue Aufträge"),
    N_("Bitte neu planen."),
    N_("Erste Tour"),
    N_("Stopps"),
    N_("Jetzt veröffentlichen"),
    N_("Veröffentlicht: die Tablets zeigen jetzt diesen Plan."),
    N_("Nicht veröffentlicht"),
    N_("Änderungen für die Kolonnen"),
    N_("Keine Änderung an den Touren."),
    N_("Abbrechen"),
    N_("begonnen"),
    N_("gemeldet"),
    N_("Grund"),
    N_("Graslänge"),
    N_("Notiz"),
    N_("zu einer älteren Planversion gemeldet"),
    N_("Foto der Kolonne"),
    N_("In Plan übernehmen"),
    N_("erledigt"),
    N_("Diese Kolonne ist gesperrt."),
    N_("Abgelegt abgebrochen."),
    N_("Aufgenommen"),
    N_("Pfeiltasten wählen das Ziel, Leertaste legt ab, Esc bricht ab."),
    N_("Abgebrochen."),
    N_("Planung fehlgeschlagen"),
)
