"""Names, dates and numbers in the planner's language (German first, English second)."""

from __future__ import annotations

import datetime as dt

from greentour.workplace import labels
from greentour.workplace.map_view import _hours, duration_source_label

MONDAY = dt.date(2026, 6, 15)


def test_dates_and_numbers_follow_the_language() -> None:
    """German: "Montag, 15.06.2026", "Mo 15.06.", 1,3 and 1.234,5; English: "Monday,
    15/06/2026", "Mon 15/06", 1.3 and 1,234.5; a signed balance keeps its plus."""
    assert labels.day_text(MONDAY) == "Montag, 15.06.2026"
    assert labels.day_text(MONDAY, "de", "short") == "Mo 15.06."
    assert labels.day_text(MONDAY, "en") == "Monday, 15/06/2026"
    assert labels.day_text(MONDAY, "en", "short") == "Mon 15/06"
    assert labels.number_text(1.3, "de") == "1,3"
    assert labels.number_text(1234.5, "de") == "1.234,5"
    assert labels.number_text(1234.5, "en") == "1,234.5"
    assert labels.number_text(3.0, "de", signed=True) == "+3,0"
    assert labels.number_text(-3.0, "de", signed=True) == "-3,0"


def test_codes_get_names() -> None:
    """Categories, machines, qualifications and job states have German and English names;
    an unknown code at least loses its underscores."""
    assert labels.category_label("village_green") == "Grünanlage"
    assert labels.category_label("village_green", "en") == "Village green"
    assert labels.equipment_label("wide_area_mower") == "Großflächenmäher"
    assert labels.qualification_label("playground_inspector", "en") == "Playground inspector"
    assert labels.job_status_label("queued") == "wartet"
    assert labels.category_label("allotment_garden") == "allotment garden"
    assert duration_source_label("formula") == "Formel"


def test_opening_hours_read_like_a_sign() -> None:
    """{"mon": ..., "fri": ...} becomes "Mo–Do 06:00–16:00; Fr 06:00–12:00", not "mon: …"."""
    hours = {d: [["06:00", "16:00"]] for d in ("mon", "tue", "wed", "thu")}
    hours["fri"] = [["06:00", "12:00"]]
    assert _hours(hours) == "Mo–Do 06:00–16:00; Fr 06:00–12:00"
    assert _hours(hours, "en") == "Mon–Thu 06:00–16:00; Fri 06:00–12:00"
    assert _hours({"sat": [["08:00", "12:00"]]}) == "Sa 08:00–12:00"
