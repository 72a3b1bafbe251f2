"""Shift and break times of a crew-day: the sample's defaults and the time arithmetic.

The tenant TOML may hold ``[shifts]`` with keys ``mon`` .. ``sun`` = ``["06:30", "15:30"]`` and
``breaks = [["09:00", "09:15"], ...]`` (typed as :class:`greentour.tenant_config.ShiftSection`,
whose ``shift_on`` and ``break_windows`` fill in the defaults below). Where it is silent, the
sample Bauhof's service agreement applies: Mon-Thu 06:30-15:30, Fri 06:30-12:30, no weekend
shift, fixed breaks 09:00-09:15 and 12:00-12:30 (see USERS.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_SHIFTS: dict[str, tuple[str, str] | None] = {
    "mon": ("06:30", "15:30"),
    "tue": ("06:30", "15:30"),
    "wed": ("06:30", "15:30"),
    "thu": ("06:30", "15:30"),
    "fri": ("06:30", "12:30"),
    "sat": None,
    "sun": None,
}
DEFAULT_BREAKS: list[tuple[str, str]] = [("09:00", "09:15"), ("12:00", "12:30")]


def parse_hhmm(text: str) -> dt.time:
    """``"06:30"`` -> ``time(6, 30)``; refuses anything else with a clear message."""
    try:
        hours, minutes = text.split(":")
        return dt.time(int(hours), int(minutes))
    except (ValueError, AttributeError) as exc:
        raise ValueError(f"Uhrzeit {text!r} ist nicht im Format HH:MM") from exc


def hhmm(value: dt.time) -> str:
    """``time(6, 30)`` -> ``"06:30"``."""
    return value.strftime("%H:%M")


def shift_problem(start: str, end: str, breaks: Sequence[Sequence[str]]) -> str | None:
    """Why a shift ``start``–``end`` ("HH:MM") with these fixed breaks cannot be planned (German),
    or None. A break lies wholly inside the shift or wholly outside it (then it does not apply)."""
    if start >= end:
        return f"Schichtende {end} liegt nicht nach Beginn {start}"
    for a, b in breaks:
        if a < end and b > start and not (start <= a and b <= end):
            return f"Pause {a}–{b} liegt nicht ganz in der Schicht {start}–{end}"
    return None


def shift_work_seconds(start: dt.time, end: dt.time, breaks: list[list[str]]) -> int:
    """Working seconds of a shift: its length minus the fixed breaks inside it."""
    length = (end.hour * 3600 + end.minute * 60) - (start.hour * 3600 + start.minute * 60)
    inside = 0
    s0 = start.hour * 3600 + start.minute * 60
    e0 = end.hour * 3600 + end.minute * 60
    for b_start, b_end in breaks:
        a, b = parse_hhmm(b_start), parse_hhmm(b_end)
        a_s, b_s = a.hour * 3600 + a.minute * 60, b.hour * 3600 + b.minute * 60
        inside += max(0, min(b_s, e0) - max(a_s, s0))
    return max(0, length - inside)
