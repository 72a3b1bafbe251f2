"""Checks every piece of outside input passes before it is used or stored.

Pure functions (no Flask, no database), used by the web layer for every request and by file
readers:

* text never holds a NUL character (PostgreSQL cannot store it) nor an unpaired UTF-16 surrogate
  (no UTF-8 encoding exists for it; SQLite and every export fail on it) – :func:`check_text`;
* JSON is nested at most :data:`MAX_JSON_DEPTH` levels (a 100,000-deep body would exhaust the
  interpreter's recursion) – :func:`parse_json`, :func:`check_json_tree`;
* days lie in :data:`DAY_MIN` … :data:`DAY_MAX` (``9999-12-31`` plus a week is past the calendar
  Python can count) and ids in the range of a database integer – :func:`check_day`,
  :func:`check_id`.

Each refusal is an :class:`~greentour.errors.InvalidField` (HTTP 422) naming the field, or a
:class:`~greentour.errors.BadInput` (400) for a body that is not usable as a whole.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from greentour.errors import BadInput, InvalidField

#: Deepest nesting of arrays and objects a JSON body may have (GeoJSON needs 5).
MAX_JSON_DEPTH = 32
#: Earliest and latest day any input may name (weather records start in the 1950s).
DAY_MIN = dt.date(1900, 1, 1)
DAY_MAX = dt.date(2199, 12, 31)
#: Largest id a stored row can have (a signed 32-bit integer on PostgreSQL).
ID_MAX = 2**31 - 1


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored (German), or None if it can."""
    if "\x00" in value:
        return "enthält ein NUL-Zeichen (\\u0000), das nicht gespeichert werden kann"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "enthält ein ungepaartes Surrogat-Zeichen (kein gültiges Unicode)"
    return None


def check_text(value: str, field: str, location: str = "json") -> str:
    """``value`` unchanged, or :class:`InvalidField` (422) naming ``field``."""
    problem = text_problem(value)
    if problem is not None:
        raise InvalidField(field, f"Feld „{_printable(field)}“ {problem}", location)
    return value


def _printable(field: str) -> str:
    """A field name safe to echo back (its own bad characters replaced)."""
    return field.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")


def parse_json(raw: bytes | str) -> Any:
    """Parse a JSON body and check it with :func:`check_json_tree`.

    Raises :class:`BadInput` (400) for a body nested too deeply and ``ValueError`` for one that
    is no JSON at all (the caller answers that as it always did).
    """
    try:
        data = json.loads(raw)
    except RecursionError:
        raise BadInput(
            f"JSON zu tief verschachtelt (höchstens {MAX_JSON_DEPTH} Ebenen)"
        ) from None
    check_json_tree(data)
    return data


def check_json_tree(data: Any, location: str = "json") -> None:
    """Refuse deep nesting (400) and bad text in any key or string value (422, named by path).

    Walks the tree without recursion, so the check itself cannot exhaust the stack.
    """
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, str):
            check_text(node, path or "(Inhalt)", location)
            continue
        if not isinstance(node, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise BadInput(f"JSON zu tief verschachtelt (höchstens {MAX_JSON_DEPTH} Ebenen)")
        if isinstance(node, dict):
            for key, value in node.items():
                child = f"{path}.{key}" if path else str(key)
                check_text(str(key), child, location)
                stack.append((value, child, depth + 1))
        else:
            for index, value in enumerate(node):
                stack.append((value, f"{path}[{index}]", depth + 1))


def check_day(day: dt.date, field: str, location: str = "query") -> dt.date:
    """``day`` unchanged if it lies in :data:`DAY_MIN` … :data:`DAY_MAX`, else 422."""
    if not DAY_MIN <= day <= DAY_MAX:
        raise InvalidField(
            field,
            f"Datum {day.isoformat()} liegt außerhalb von {DAY_MIN.year}–{DAY_MAX.year}",
            location,
        )
    return day


def check_id(value: int, field: str, location: str = "query") -> int:
    """``value`` unchanged if it is a possible id (1 … :data:`ID_MAX`), else 422."""
    if not 1 <= value <= ID_MAX:
        raise InvalidField(field, f"{field} {value} ist keine gültige Nummer", location)
    return value
