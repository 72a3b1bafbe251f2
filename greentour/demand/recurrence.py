"""Recurrence rules with a season and a public-holiday policy (the ``cycle`` generator's clock).

A rule says *on which local dates* a recurring task falls due: bins Mon/Thu April-October, a weekly
visual playground inspection (DIN EN 1176-7), an annual tree inspection (FLL). Dates come from
``dateutil.rrule`` (RFC 5545 semantics), filtered by a season (month-day range, may wrap over the
new year) and moved off public holidays of the tenant's Land according to ``on_holiday``.

Dates are local calendar dates (Europe/Berlin). Turning a date into absolute times is the job of
:mod:`greentour.demand.calendars`, which is where DST is handled: a rule never sees clock times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from dateutil import rrule

from greentour.demand.holidays_de import is_workday

HolidayPolicy = Literal["next_workday", "previous_workday", "skip", "keep"]

_FREQS = {
    "DAILY": rrule.DAILY,
    "WEEKLY": rrule.WEEKLY,
    "MONTHLY": rrule.MONTHLY,
    "YEARLY": rrule.YEARLY,
}
_WEEKDAYS = {
    "MO": rrule.MO,
    "TU": rrule.TU,
    "WE": rrule.WE,
    "TH": rrule.TH,
    "FR": rrule.FR,
    "SA": rrule.SA,
    "SU": rrule.SU,
}


class RecurrenceError(ValueError):
    """A recurrence rule in the cycle file cannot be understood."""


@dataclass(frozen=True)
class Season:
    """A yearly season from ``start`` to ``end`` inclusive, as (month, day); may wrap the year."""

    start: tuple[int, int] = (1, 1)
    end: tuple[int, int] = (12, 31)

    @classmethod
    def parse(cls, start: str, end: str) -> Season:
        """Parse ``"MM-DD"`` strings, e.g. ``Season.parse("04-01", "10-31")``."""
        return cls(_parse_mmdd(start), _parse_mmdd(end))

    def contains(self, day: dt.date) -> bool:
        """True when ``day`` lies in the season (inclusive at both ends)."""
        key = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= key <= self.end
        return key >= self.start or key <= self.end


def _parse_mmdd(text: str) -> tuple[int, int]:
    try:
        month_s, day_s = text.split("-")
        month, day = int(month_s), int(day_s)
        dt.date(2024, month, day)  # leap year: accepts 02-29
    except ValueError as exc:
        raise RecurrenceError(f"season date {text!r} is not MM-DD (e.g. 04-01)") from exc
    return (month, day)


@dataclass(frozen=True)
class CycleRule:
    """When a recurring task falls due.

    Parameters
    ----------
    freq:
        ``DAILY``, ``WEEKLY``, ``MONTHLY`` or ``YEARLY`` (RFC 5545).
    interval:
        Every n-th period (e.g. 3 with MONTHLY: quarterly).
    byweekday:
        Weekday codes ``MO``..``SU`` (WEEKLY rules).
    bymonthday, bymonth:
        Day of month / months (MONTHLY and YEARLY rules).
    season:
        Only occurrences inside the season count.
    on_holiday:
        What to do when an occurrence falls on a Sunday/public holiday of the Land (or a
        Saturday): move to the next or previous workday, skip it, or keep it.
    window_days:
        Length of the due window after the occurrence: due_latest = due_earliest + window_days
        (calendar days), so a weekly inspection may slip within its week.
    anchor:
        First day of the rule (``DTSTART``); intervals > 1 count from here.
    """

    freq: str
    interval: int = 1
    byweekday: tuple[str, ...] = ()
    bymonthday: tuple[int, ...] = ()
    bymonth: tuple[int, ...] = ()
    season: Season = Season()
    on_holiday: HolidayPolicy = "next_workday"
    window_days: int = 0
    anchor: dt.date = dt.date(2020, 1, 6)  # a Monday

    def __post_init__(self) -> None:
        if self.freq not in _FREQS:
            raise RecurrenceError(f"unknown frequency {self.freq!r}; use one of {sorted(_FREQS)}")
        if self.interval < 1:
            raise RecurrenceError(f"interval must be at least 1, got {self.interval}")
        bad = [d for d in self.byweekday if d not in _WEEKDAYS]
        if bad:
            raise RecurrenceError(f"unknown weekday code(s) {bad}; use MO TU WE TH FR SA SU")
        if self.on_holiday not in ("next_workday", "previous_workday", "skip", "keep"):
            raise RecurrenceError(f"unknown holiday policy {self.on_holiday!r}")
        if self.window_days < 0:
            raise RecurrenceError("window_days must not be negative")

    def _rrule(self, until: dt.date) -> rrule.rrule:
        kwargs: dict = {
            "freq": _FREQS[self.freq],
            "interval": self.interval,
            "dtstart": dt.datetime.combine(self.anchor, dt.time()),
            "until": dt.datetime.combine(until, dt.time()),
        }
        if self.byweekday:
            kwargs["byweekday"] = [_WEEKDAYS[d] for d in self.byweekday]
        if self.bymonthday:
            kwargs["bymonthday"] = list(self.bymonthday)
        if self.bymonth:
            kwargs["bymonth"] = list(self.bymonth)
        return rrule.rrule(**kwargs)

    def occurrences(
        self, start: dt.date, end: dt.date, land: str = "BY"
    ) -> list[tuple[dt.date, dt.date]]:
        """Due windows ``(earliest, latest)`` that meet [start, end].

        An occurrence counts when its (holiday-moved) date lies in the range or its window
        (date + ``window_days``) still reaches into it, so a monthly inspection due 1-15 June
        is in the week of 15 June. The raw rule dates are generated from a margin before
        ``start`` so that an occurrence moved forward over a holiday is not lost; the season is
        checked on the raw date (a Mon/Thu round on 31 October moved to 2 November still belongs
        to October).
        """
        margin = dt.timedelta(days=7 + self.window_days)
        rule = self._rrule(end + margin)
        out: list[tuple[dt.date, dt.date]] = []
        seen: set[dt.date] = set()
        for raw_dt in rule.between(
            dt.datetime.combine(max(self.anchor, start - margin), dt.time()),
            dt.datetime.combine(end + margin, dt.time()),
            inc=True,
        ):
            raw = raw_dt.date()
            if not self.season.contains(raw):
                continue
            moved = move_off_holiday(raw, self.on_holiday, land)
            if moved is None or moved in seen:
                continue
            if moved > end or moved + dt.timedelta(days=self.window_days) < start:
                continue
            seen.add(moved)
            out.append((moved, moved + dt.timedelta(days=self.window_days)))
        return out


def move_off_holiday(day: dt.date, policy: HolidayPolicy, land: str) -> dt.date | None:
    """Apply the holiday policy to one date; None means the occurrence is dropped."""
    if policy == "keep" or is_workday(day, land):
        return day
    if policy == "skip":
        return None
    step = dt.timedelta(days=1 if policy == "next_workday" else -1)
    moved = day
    for _ in range(10):
        moved += step
        if is_workday(moved, land):
            return moved
    raise RecurrenceError(f"no workday within 10 days of {day}")  # pragma: no cover


def rule_from_mapping(data: dict) -> CycleRule:
    """Build a rule from a TOML table (see data/cycles_lauf.toml); errors name the field."""
    known = {
        "freq",
        "interval",
        "byweekday",
        "bymonthday",
        "bymonth",
        "season",
        "on_holiday",
        "window_days",
        "anchor",
    }
    rule_keys = {k: v for k, v in data.items() if k in known}
    season = rule_keys.pop("season", None)
    if season is not None:
        try:
            rule_keys["season"] = Season.parse(season["start"], season["end"])
        except (KeyError, TypeError) as exc:
            raise RecurrenceError("season needs start and end as MM-DD") from exc
    if "anchor" in rule_keys and isinstance(rule_keys["anchor"], str):
        rule_keys["anchor"] = dt.date.fromisoformat(rule_keys["anchor"])
    for key in ("byweekday", "bymonthday", "bymonth"):
        if key in rule_keys:
            rule_keys[key] = tuple(_as_list(rule_keys[key]))
    if "freq" not in rule_keys:
        raise RecurrenceError("a cycle rule needs freq (DAILY, WEEKLY, MONTHLY or YEARLY)")
    return CycleRule(**rule_keys)


def _as_list(value: object) -> Iterable:
    return value if isinstance(value, list | tuple) else [value]
