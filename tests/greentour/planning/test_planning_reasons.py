"""Reasons render in planners' words: no solver euro figures on screens or exports."""

from __future__ import annotations

from greentour.workplace.labels import reason_text


def test_stored_reasons_with_euro_render_in_plain_words():
    """Plans stored before the new wording showed solver euro figures; the map and exports
    render them in plain words instead."""
    old = {"code": "search_stopped", "de": "Passt zu Kolonne 1 (3.28 € ≤ Strafe 493 €), die "
           "Suche endete vorher", "en": "Fits into Kolonne 1 (3.28 EUR <= penalty 493 EUR)"}
    assert reason_text(old) == "Passt in den Plan; die Suche endete, bevor sie es einplante"
    assert "EUR" not in reason_text(old, "en")
    fresh = {"code": "no_room", "de": "Keine Kolonne hat Platz", "en": "No crew-day has room"}
    assert reason_text(fresh, "en") == "No crew-day has room"
