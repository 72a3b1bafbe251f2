"""Texts of the live day, publishing and the keyboard board (live.js, map_live.js, board.js)."""

from __future__ import annotations

#: msgids used through GT.t(...) by live.js, map_live.js and board.js
LIVE_MSGIDS = (
    "Nicht gespeichert", "Entwurf", "Die Tablets zeigen die veröffentlichte Version",
    "Die Tablets zeigen noch keinen Plan.",
    "Erst „Veröffentlichen“ schickt diesen Plan an die Kolonnen.", "Plan veraltet",
    "Seit dem Plan geändert", "Kolonnentage (Besetzung)", "neue Aufträge", "Bitte neu planen.",
    "Erste Tour", "Stopps", "Jetzt veröffentlichen",
    "Veröffentlicht: die Tablets zeigen jetzt diesen Plan.", "Nicht veröffentlicht",
    "Änderungen für die Kolonnen", "Keine Änderung an den Touren.", "Abbrechen", "begonnen",
    "gemeldet", "Grund", "Graslänge", "Notiz", "zu einer älteren Planversion gemeldet",
    "Foto der Kolonne", "In Plan übernehmen", "erledigt", "Diese Kolonne ist gesperrt.",
    "Abgelegt abgebrochen.", "Aufgenommen", "Pfeiltasten wählen das Ziel, Leertaste legt ab, "
    "Esc bricht ab.", "Abgebrochen.", "Planung fehlgeschlagen",
)
