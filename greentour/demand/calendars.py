"""Site calendars: when work at a site is allowed, as absolute time windows per date.

Three sources restrict the clock at a site:

* the site's own **time rules** (``allowed`` or ``blocked`` weekly windows, optionally limited to a
  date range or to single dates): school hours, funerals at the cemetery, training times on the
  pitch, market days on the square;
* **noise protection** (32. BImSchV §7) at noise-sensitive sites (residential surroundings): no
  machines listed in the ordinance on Sundays and public holidays nor on workdays 20:00-07:00;
  brush cutters, grass trimmers and leaf blowers without the EU eco-label additionally not
  07:00-09:00, 13:00-15:00 and 17:00-20:00;
* **public holidays** of the tenant's Land (through the noise rule and the crews' workdays).

Rules are written in local wall-clock time (Europe/Berlin). :func:`allowed_windows` turns them into
absolute, timezone-aware intervals for one date, so a day with a DST change (23 h or 25 h) comes out
right, and :func:`windows_in_seconds` expresses them in seconds from a planning epoch, which is what
the solver needs.

Semantics of ``allowed`` rules: on a date where at least one allowed rule applies, work is possible
only inside the union of the applicable allowed windows; on other dates the site is open all day
(a school's "only after 13:00 on school days" does not restrict the summer holidays). ``blocked``
rules are subtracted afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

from greentour.demand.holidays_de import is_sunday_or_holiday

BERLIN = ZoneInfo("Europe/Berlin")
DAY_MIN = 24 * 60

NoiseClass = Literal["none", "mower", "brush_cutter"]
"""The classes of :class:`routing.timeaxis.NoiseClass`. ``mower``: any device listed in the
32. BImSchV annex (lawn mowers, hedge trimmers, chippers); ``brush_cutter``: brush cutter, grass
trimmer, leaf blower/collector without EU eco-label (§7 (1) sentence 2)."""

_WEEKDAY_CODES = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}


class CalendarError(ValueError):
    """A site time rule cannot be understood."""


@dataclass(frozen=True)
class TimeRule:
    """One weekly window at a site, in local wall-clock minutes since midnight.

    ``kind`` allowed/blocked; ``weekdays`` 0=Monday..6=Sunday; ``start_min``/``end_min`` local
    minutes (0..1440); ``valid_from``/``valid_to`` optional date range (school term, market
    season); ``dates`` optional explicit dates (a funeral, the town festival) - when given the rule
    applies on these dates only; ``label`` is shown to the planner (``"Schulzeit"``).
    """

    kind: Literal["allowed", "blocked"]
    start_min: int
    end_min: int
    weekdays: frozenset[int] = frozenset(range(7))
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    dates: frozenset[dt.date] = frozenset()
    label: str = ""
    task_types: frozenset[str] = frozenset()
    """Task type codes the rule applies to; empty means every task at the site."""

    def __post_init__(self) -> None:
        if self.kind not in ("allowed", "blocked"):
            raise CalendarError(f"time rule kind must be allowed or blocked, not {self.kind!r}")
        if not 0 <= self.start_min < self.end_min <= DAY_MIN:
            raise CalendarError(
                f"time rule {self.label or self.kind!r}: start must be before end within one day "
                f"(got {_hhmm(self.start_min)}-{_hhmm(self.end_min)})"
            )

    def applies(self, day: dt.date, task_type: str | None = None) -> bool:
        """True when the rule is in force on ``day`` for ``task_type``."""
        if self.task_types and task_type is not None and task_type not in self.task_types:
            return False
        if self.dates:
            return day in self.dates
        if day.weekday() not in self.weekdays:
            return False
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_to and day > self.valid_to)


@dataclass(frozen=True)
class SiteCalendar:
    """Everything that restricts the clock at one site."""

    rules: tuple[TimeRule, ...] = ()
    noise_sensitive: bool = False
    land: str = "BY"
    eco_label_devices: bool = False
    """True when the tenant's hand-held devices carry the EU eco-label (relaxes §7 (1) s. 2)."""
    extra: dict = field(default_factory=dict, compare=False)


def parse_hhmm(text: str) -> int:
    """``"13:30"`` -> 810 local minutes; ``"24:00"`` is allowed as the end of the day."""
    try:
        hh, mm = text.split(":")
        minutes = int(hh) * 60 + int(mm)
    except ValueError as exc:
        raise CalendarError(f"time {text!r} is not HH:MM") from exc
    if not 0 <= minutes <= DAY_MIN or not 0 <= int(mm) < 60:
        raise CalendarError(f"time {text!r} is outside 00:00-24:00")
    return minutes


def parse_weekdays(codes: Iterable[str] | str) -> frozenset[int]:
    """``["MO", "TU"]`` or ``"MO-FR"`` -> weekday numbers (0 = Monday)."""
    if isinstance(codes, str):
        if "-" in codes:
            first, last = (c.strip().upper() for c in codes.split("-"))
            try:
                a, b = _WEEKDAY_CODES[first], _WEEKDAY_CODES[last]
            except KeyError as exc:
                raise CalendarError(f"unknown weekday range {codes!r}") from exc
            return frozenset(range(a, b + 1))
        codes = [codes]
    out = set()
    for code in codes:
        try:
            out.add(_WEEKDAY_CODES[code.strip().upper()])
        except KeyError as exc:
            raise CalendarError(f"unknown weekday {code!r}; use MO TU WE TH FR SA SU") from exc
    return frozenset(out)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# --- interval arithmetic on local minutes ---------------------------------------------------

Interval = tuple[int, int]


def _union(intervals: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _subtract(base: Sequence[Interval], cut: Iterable[Interval]) -> list[Interval]:
    result = list(base)
    for c_start, c_end in _union(cut):
        nxt: list[Interval] = []
        for start, end in result:
            if c_end <= start or c_start >= end:
                nxt.append((start, end))
                continue
            if start < c_start:
                nxt.append((start, c_start))
            if c_end < end:
                nxt.append((c_end, end))
        result = nxt
    return result


def _intersect(base: Sequence[Interval], keep: Sequence[Interval]) -> list[Interval]:
    out = []
    for a_start, a_end in base:
        for b_start, b_end in keep:
            start, end = max(a_start, b_start), min(a_end, b_end)
            if start < end:
                out.append((start, end))
    return _union(out)


def noise_blocked_minutes(
    day: dt.date, noise_class: NoiseClass, calendar: SiteCalendar
) -> list[Interval]:
    """Local-minute intervals the 32. BImSchV §7 forbids at a noise-sensitive site."""
    if not calendar.noise_sensitive or noise_class == "none":
        return []
    if is_sunday_or_holiday(day, calendar.land):
        return [(0, DAY_MIN)]
    blocked = [(0, 7 * 60), (20 * 60, DAY_MIN)]
    if noise_class == "brush_cutter" and not calendar.eco_label_devices:
        blocked += [(7 * 60, 9 * 60), (13 * 60, 15 * 60), (17 * 60, 20 * 60)]
    return blocked


def allowed_minutes(
    day: dt.date,
    calendar: SiteCalendar,
    task_type: str | None = None,
    noise_class: NoiseClass = "none",
) -> list[Interval]:
    """Allowed local-minute intervals on ``day`` (wall clock, 0..1440)."""
    allowed_rules = [
        r for r in calendar.rules if r.kind == "allowed" and r.applies(day, task_type)
    ]
    base: list[Interval] = (
        _union((r.start_min, r.end_min) for r in allowed_rules) if allowed_rules else [(0, DAY_MIN)]
    )
    blocked = [
        (r.start_min, r.end_min)
        for r in calendar.rules
        if r.kind == "blocked" and r.applies(day, task_type)
    ]
    blocked += noise_blocked_minutes(day, noise_class, calendar)
    return _subtract(base, blocked)


def longest_work_minutes(
    day: dt.date,
    calendar: SiteCalendar,
    task_type: str | None,
    shift_min: Interval | None,
    breaks_min: Sequence[Interval] = (),
) -> int:
    """The longest stretch of work (minutes) a crew can give the site on ``day`` in one go.

    The site's allowed windows cut to the shift ``shift_min`` (local minutes; None: no shift
    that day, 0); a fixed break inside a stretch does not end it (the crew resumes after it)
    but its minutes do not count as work. A task longer than this cannot be done in one visit
    that day, however the tours are laid out.
    """
    if shift_min is None:
        return 0
    start, end = shift_min
    best = 0
    for a, b in allowed_minutes(day, calendar, task_type):
        lo, hi = max(a, start), min(b, end)
        if hi <= lo:
            continue
        pause = sum(max(0, min(hi, y) - max(lo, x)) for x, y in breaks_min)
        best = max(best, hi - lo - pause)
    return best


def local_datetime(day: dt.date, minutes: int, tz: ZoneInfo = BERLIN) -> dt.datetime:
    """Local wall-clock minute of ``day`` as an aware datetime (24:00 = next midnight).

    A wall time inside the spring-forward gap (02:00-03:00 on the last Sunday in March) is
    resolved by ``zoneinfo``'s ``fold=0`` rule; work windows never start there in practice.
    """
    if minutes >= DAY_MIN:
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=tz)


def allowed_windows(
    day: dt.date,
    calendar: SiteCalendar,
    task_type: str | None = None,
    noise_class: NoiseClass = "none",
    tz: ZoneInfo = BERLIN,
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Absolute (timezone-aware) allowed windows at a site on one local date."""
    return [
        (local_datetime(day, start, tz), local_datetime(day, end, tz))
        for start, end in allowed_minutes(day, calendar, task_type, noise_class)
    ]


def windows_in_seconds(
    windows: Iterable[tuple[dt.datetime, dt.datetime]], epoch: dt.datetime
) -> list[tuple[int, int]]:
    """Windows as integer seconds since ``epoch`` (an aware datetime), as the solver needs them.

    Absolute arithmetic (through UTC), so 07:00 on the Monday after the spring DST change lies
    23 h + 24 h * n after 07:00 of the Saturday before, not 24 h * (n + 1).
    """
    if epoch.tzinfo is None:
        raise CalendarError("the planning epoch must be timezone-aware")
    # Python subtracts two datetimes sharing one tzinfo object as wall-clock times; go via UTC.
    origin = epoch.astimezone(dt.UTC)
    return [
        (
            int((start.astimezone(dt.UTC) - origin).total_seconds()),
            int((end.astimezone(dt.UTC) - origin).total_seconds()),
        )
        for start, end in windows
    ]


def rules_from_records(records: Iterable[dict]) -> tuple[TimeRule, ...]:
    """Build time rules from plain mappings (a TOML table or stored rows).

    Keys: ``kind``, ``start`` ``"HH:MM"``, ``end``, ``weekdays`` (``"MO-FR"`` or a list),
    optional ``valid_from``/``valid_to`` (ISO dates), ``dates`` (ISO dates), ``label``,
    ``task_types``.
    """
    rules = []
    for rec in records:
        dates = frozenset(_as_date(d) for d in rec.get("dates", ()) or ())
        rules.append(
            TimeRule(
                kind=rec.get("kind", "blocked"),
                start_min=parse_hhmm(rec.get("start", "00:00")),
                end_min=parse_hhmm(rec.get("end", "24:00")),
                weekdays=parse_weekdays(rec["weekdays"]) if rec.get("weekdays") else frozenset(
                    range(7)
                ),
                valid_from=_as_date(rec["valid_from"]) if rec.get("valid_from") else None,
                valid_to=_as_date(rec["valid_to"]) if rec.get("valid_to") else None,
                dates=dates,
                label=rec.get("label", ""),
                task_types=frozenset(rec.get("task_types", ()) or ()),
            )
        )
    return tuple(rules)


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise CalendarError(f"date {value!r} is not YYYY-MM-DD") from exc
