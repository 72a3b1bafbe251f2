"""Planner-readable names of sites and task types (OSM names are plain text, never markup)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal

from greentour.planning.streets import site_street

#: German weekday abbreviations, Monday first (index: ``date.weekday()``)
WEEKDAYS_DE = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
#: German weekday names, Monday first (index: ``date.weekday()``)
WEEKDAY_NAMES_DE = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")

#: site categories in German and English
CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "park": ("Park", "Park"),
    "playground": ("Spielplatz", "Playground"),
    "cemetery": ("Friedhof", "Cemetery"),
    "sports_pitch": ("Sportplatz", "Sports pitch"),
    "garden": ("Garten", "Garden"),
    "verge": ("Straßenbegleitgrün", "Road verge"),
    "hedge": ("Hecke", "Hedge"),
    "meadow": ("Wiese", "Meadow"),
    "tree_group": ("Baumgruppe", "Tree group"),
    "tree": ("Baum", "Tree"),
    "lawn": ("Rasen", "Lawn"),
    "grass": ("Rasen", "Lawn"),
    "village_green": ("Grünanlage", "Village green"),
    "recreation_ground": ("Freizeitgelände", "Recreation ground"),
    "scrub": ("Gebüsch", "Scrub"),
    "dog_park": ("Hundewiese", "Dog park"),
}


#: machine kinds (equipment of task types) in German and English
EQUIPMENT_LABELS: dict[str, tuple[str, str]] = {
    "ride_on_mower": ("Aufsitzmäher", "Ride-on mower"),
    "wide_area_mower": ("Großflächenmäher", "Wide-area mower"),
    "tractor_flail_mower": ("Traktor mit Schlegelmäher", "Tractor flail mower"),
    "hedge_trimmer": ("Heckenschere", "Hedge trimmer"),
    "brush_cutter": ("Freischneider", "Brush cutter"),
    "aerial_lift": ("Hubsteiger", "Aerial lift"),
    "chipper": ("Häcksler", "Chipper"),
    "water_trailer": ("Wasseranhänger", "Water trailer"),
    "leaf_blower": ("Laubbläser", "Leaf blower"),
    "chainsaw": ("Motorsäge", "Chainsaw"),
}

#: staff qualifications in German and English (:data:`greentour.tenant_config.QUALIFICATIONS`)
QUALIFICATION_LABELS: dict[str, tuple[str, str]] = {
    "licence_B": ("Führerschein B", "Driving licence B"),
    "licence_BE": ("Führerschein BE", "Driving licence BE"),
    "licence_C1": ("Führerschein C1", "Driving licence C1"),
    "licence_C1E": ("Führerschein C1E", "Driving licence C1E"),
    "licence_C": ("Führerschein C", "Driving licence C"),
    "licence_CE": ("Führerschein CE", "Driving licence CE"),
    "licence_T": ("Führerschein T", "Driving licence T"),
    "licence_L": ("Führerschein L", "Driving licence L"),
    "chainsaw": ("Motorsägenschein", "Chainsaw certificate"),
    "aerial_platform": ("Hubarbeitsbühne", "Aerial work platform"),
    "playground_inspector": ("Spielplatzprüfer", "Playground inspector"),
    "tree_inspector": ("Baumkontrolleur", "Tree inspector"),
    "plant_protection": ("Pflanzenschutz-Sachkunde", "Plant protection certificate"),
    "first_aid": ("Ersthelfer", "First aider"),
}

#: vehicle kinds in German and English
VEHICLE_LABELS: dict[str, tuple[str, str]] = {
    "flatbed_trailer": ("Pritsche mit Anhänger", "Flatbed with trailer"),
    "flatbed_truck": ("Pritschenwagen", "Flatbed truck"),
    "tractor": ("Traktor", "Tractor"),
    "van": ("Transporter", "Van"),
    "van_trailer": ("Transporter mit Anhänger", "Van with trailer"),
}

#: job states (the job queue's codes) in German and English
JOB_STATUS_LABELS: dict[str, tuple[str, str]] = {
    "queued": ("wartet", "queued"),
    "running": ("läuft", "running"),
    "done": ("fertig", "done"),
    "failed": ("fehlgeschlagen", "failed"),
    "cancelled": ("abgebrochen", "cancelled"),
}


#: productivity units of task types (``productivity_unit``) as a page writes them
PRODUCTIVITY_UNIT_LABELS: dict[str, tuple[str, str]] = {
    "m2_per_h": ("m²/h", "m²/h"),
    "m_per_h": ("m/h", "m/h"),
    "trees_per_h": ("Bäume/h", "trees/h"),
    "items_per_h": ("Stück/h", "items/h"),
    "sites_per_h": ("Flächen/h", "sites/h"),
}


def _pick(table: dict[str, tuple[str, str]], code: str, lang: str) -> str:
    pair = table.get(code)
    if pair:
        return pair[1 if lang == "en" else 0]
    return code.replace("_", " ")


def category_label(category: str, lang: str = "de") -> str:
    """``playground`` -> ``Spielplatz`` (unknown categories with spaces for underscores)."""
    return _pick(CATEGORY_LABELS, category, lang)


def equipment_label(kind: str, lang: str = "de") -> str:
    """``wide_area_mower`` -> ``Großflächenmäher``."""
    return _pick(EQUIPMENT_LABELS, kind, lang)


def qualification_label(code: str, lang: str = "de") -> str:
    """``playground_inspector`` -> ``Spielplatzprüfer``."""
    return _pick(QUALIFICATION_LABELS, code, lang)


def vehicle_kind_label(kind: str, lang: str = "de") -> str:
    """``flatbed_trailer`` -> ``Pritsche mit Anhänger``."""
    return _pick(VEHICLE_LABELS, kind, lang)


def job_status_label(status: str, lang: str = "de") -> str:
    """``queued`` -> ``wartet``."""
    return _pick(JOB_STATUS_LABELS, status, lang)


def _locale(lang: str) -> str:
    return "en_GB" if lang == "en" else "de_DE"


def day_text(day: dt.date, lang: str = "de", style: str = "long") -> str:
    """A date in the user's language: ``long`` "Montag, 15.06.2026" / "Monday, 15/06/2026",
    ``short`` "Mo 15.06." / "Mon 15/06", ``date`` "15.06.2026" (Babel, CLDR patterns)."""
    patterns = {"long": "EEEE, dd.MM.yyyy", "short": "EEE dd.MM.", "date": "dd.MM.yyyy"}
    if lang == "en":
        patterns = {"long": "EEEE, dd/MM/yyyy", "short": "EEE dd/MM", "date": "dd/MM/yyyy"}
    text = format_date(day, patterns[style], locale=_locale(lang))
    return text.replace(".", "", 1) if lang != "en" and style == "short" else text


def weekday_short(iso_weekday: int, lang: str = "de") -> str:
    """ISO weekday 1..7 -> "Mo".."So" / "Mon".."Sun"."""
    if lang == "en":
        return ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[iso_weekday - 1]
    return WEEKDAYS_DE[iso_weekday - 1]


def number_text(value: float, lang: str = "de", digits: int = 1, signed: bool = False) -> str:
    """A number in the user's locale with ``digits`` decimals: 1,3 (de) / 1.3 (en); ``signed``
    writes "+" before positive numbers (a balance)."""
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    if signed:
        pattern = f"+{pattern};-{pattern}"
    return format_decimal(value, format=pattern, locale=_locale(lang))


#: German street-name endings that take "am" (masculine, neuter); the rest takes "an der"
_AM_ENDINGS = ("weg", "platz", "ring", "damm", "pfad", "steig", "graben", "berg", "markt",
               "anger", "hof", "winkel", "bogen", "feld", "ufer", "tor", "eck", "rain", "grund",
               "park", "kanal", "see", "bach", "hang", "stieg", "gries", "wall")
_FEMININE_ENDINGS = ("straße", "strasse", "gasse", "allee", "zeile", "chaussee", "promenade",
                     "brücke", "leite", "au", "halde", "steige", "siedlung", "höhe", "wiese")
#: street names that begin with a preposition ("Am Gries") are named as they are
_PREPOSITIONS = ("am ", "an ", "auf ", "bei ", "beim ", "hinter ", "im ", "in ", "unter ",
                 "vor ", "zum ", "zur ", "über ", "untere ", "obere ")


def at_street(category: str, street: str, lang: str = "de") -> str:
    """``Spielplatz`` + ``Bahnhofstraße`` -> ``Spielplatz an der Bahnhofstraße``.

    German: "an der" for feminine endings (-straße, -gasse, -allee ...), "am" for masculine and
    neuter ones (-weg, -platz, -ring ...), a comma where the ending says nothing or the name
    begins with a preposition ("Spielplatz, Am Gries"). English: "Playground on Bahnhofstraße".
    """
    if lang == "en":
        return f"{category} on {street}"
    low = street.lower()
    if low.startswith(_PREPOSITIONS):
        return f"{category}, {street}"
    if low.endswith(_FEMININE_ENDINGS):
        return f"{category} an der {street}"
    if low.endswith(_AM_ENDINGS):
        return f"{category} am {street}"
    return f"{category}, {street}"


def site_ref(site: Any) -> str:
    """The site's source reference as a secondary detail: ``OSM way/38725248`` or ``#12``."""
    if getattr(site, "osm_id", None):
        kind = getattr(site, "osm_type", None)
        return f"OSM {kind}/{site.osm_id}" if kind else f"OSM {site.osm_id}"
    return f"#{site.id}"


def site_label(site: Any, lang: str = "de") -> str:
    """The one name of a site, used by the map, the tablet, prints, exports and GPX: its name;
    without one its category and the street it lies on ("Spielplatz an der Bahnhofstraße",
    stored at import, see :mod:`greentour.planning.streets`); the category with
    :func:`site_ref` only when no street is known. Plain text: OSM names are escaped where
    they are shown."""
    if site.name:
        return site.name
    category = category_label(site.category, lang)
    street = site_street(site)
    if street:
        return at_street(category, street, lang)
    return f"{category} ({site_ref(site)})"


#: plain wording for reasons of plans stored before the messages left out the solver's euro
#: figures (code -> German, English); a stored message showing euro is replaced by these
_PLAIN_REASONS = {
    "insertion_too_costly": ("Bei dieser Dringlichkeit zurückgestellt (zu viel Umweg)",
                             "Deferred at this urgency (too much detour)"),
    "not_due_yet": ("Noch nicht fällig", "Not due yet"),
    "search_stopped": ("Passt in den Plan; die Suche endete, bevor sie es einplante",
                       "Fits into the plan; the search ended before placing it"),
}


def reason_text(reason: Any, lang: str = "de") -> str:
    """The planner's text of a stored reason ({code, de, en}) in ``lang``: never a solver euro
    figure (older plans stored "kostet 3.28 € > Strafe 493 €"; those are shown in plain words)."""
    if not isinstance(reason, dict):
        return str(reason)
    key = "en" if lang == "en" else "de"
    text = str(reason.get(key) or reason.get("de") or reason.get("message")
               or reason.get("code") or "–")
    if "€" in text or "EUR" in text:
        de, en = _PLAIN_REASONS.get(str(reason.get("code")), ("Nicht eingeplant", "Not planned"))
        text = en if key == "en" else de
    return text


def productivity_unit_label(unit: str, lang: str = "de") -> str:
    """``m2_per_h`` -> "m²/h", ``trees_per_h`` -> "Bäume/h" / "trees/h"."""
    return _pick(PRODUCTIVITY_UNIT_LABELS, unit, lang)
