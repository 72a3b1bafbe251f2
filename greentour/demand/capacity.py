"""Capacity balance (Kapazitätsbilanz): due person-hours against available person-hours.

The one number that argues for staff in the council. Pure computation; the service
:func:`greentour.demand.service.capacity_balance` gathers tasks and crew-days from the store.

*Due* hours of a task are its person-seconds (duration x persons). They are spread evenly over the
workdays of its due window, so a task due "this week or next" counts half in each week and is
never counted twice; a task already overdue at the start of the week counts on the week's first
workday; a window of weekend or holiday days only counts on the workday before it.
*Available* hours of a crew-day are its people x (shift length - fixed breaks).

Urgency bands: ``dringend`` (urgency >= 0.8), ``fällig`` (>= 0.5), ``kann warten`` (< 0.5).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from greentour.demand.holidays_de import is_workday


@dataclass(frozen=True)
class DueItem:
    """What the balance needs of one task."""

    task_type: str
    generator: str
    urgency: float
    due_earliest: dt.date
    due_latest: dt.date
    person_s: int
    site: str = ""
    """The site's name, so an overloaded day can say which site fills it."""


@dataclass(frozen=True)
class CrewCapacity:
    """What the balance needs of one crew-day."""

    date: dt.date
    persons: int
    work_s: int
    """Working seconds per person (shift minus fixed breaks)."""

    @property
    def person_s(self) -> int:
        """Person-seconds the crew-day offers."""
        return self.persons * self.work_s


class _Balance:
    """Balance and status from ``due_h`` and ``available_h`` (person-hours)."""

    due_h: float
    available_h: float

    @property
    def balance_h(self) -> float:
        """Available minus due (negative: more work than people)."""
        return self.available_h - self.due_h

    @property
    def status(self) -> str:
        """``ok``, ``knapp`` (>= 90 % used) or ``überlastet``."""
        return _status(self.due_h, self.available_h)


@dataclass
class DayBalance(_Balance):
    """Due and available person-hours on one date."""

    date: dt.date
    due_h: float = 0.0
    available_h: float = 0.0
    crews: int = 0
    persons: int = 0
    by_site: dict[str, float] = field(default_factory=dict)
    """Due person-hours per site name on this date."""

    def top_sites(self, n: int = 3) -> list[tuple[str, float]]:
        """The ``n`` sites with the most due hours on this date (name, hours)."""
        return sorted(((k, v) for k, v in self.by_site.items() if k), key=lambda kv: -kv[1])[:n]


@dataclass
class WeekBalance(_Balance):
    """The week's balance with its breakdowns (person-hours)."""

    week_start: dt.date
    days: list[DayBalance]
    by_type: dict[str, float] = field(default_factory=dict)
    by_urgency: dict[str, float] = field(default_factory=dict)
    by_generator: dict[str, float] = field(default_factory=dict)
    task_count: int = 0

    @property
    def due_h(self) -> float:
        """Due person-hours of the week."""
        return sum(d.due_h for d in self.days)

    @property
    def available_h(self) -> float:
        """Available person-hours of the week."""
        return sum(d.available_h for d in self.days)

    @property
    def status(self) -> str:
        """``überlastet`` when the week or any of its days is over (a free Friday does not
        absorb an overloaded Wednesday), else ``knapp`` / ``ok`` for the week as a whole."""
        if any(d.status == "überlastet" for d in self.days):
            return "überlastet"
        return _status(self.due_h, self.available_h)

    @property
    def overloaded_days(self) -> list[DayBalance]:
        """The days with more due than available person-hours."""
        return [d for d in self.days if d.status == "überlastet"]

    def overload_note(self, lang: str = "de") -> str:
        """One sentence per overloaded day naming the sites that fill it ("" when none):
        "Mi 17.06.: 309,8 h fällig, 144,0 h verfügbar – vor allem Salvator-Friedhof (280,0 h)"."""
        notes = []
        for d in self.overloaded_days:
            sites = ", ".join(f"{name} ({_h(h, lang)} h)" for name, h in d.top_sites())
            if lang == "en":
                text = (f"{d.date:%a %d %b}: {_h(d.due_h, lang)} h due, "
                        f"{_h(d.available_h, lang)} h available")
                notes.append(text + (f" – mostly {sites}" if sites else ""))
            else:
                text = (f"{_WEEKDAYS_DE[d.date.weekday()]} {d.date:%d.%m.}: "
                        f"{_h(d.due_h, lang)} h fällig, {_h(d.available_h, lang)} h verfügbar")
                notes.append(text + (f" – vor allem {sites}" if sites else ""))
        return "; ".join(notes)

    def as_dict(self) -> dict:
        """JSON-ready form for the web map and the API (hours rounded to 0.1)."""
        return {
            "week_start": self.week_start.isoformat(),
            "due_h": round(self.due_h, 1),
            "available_h": round(self.available_h, 1),
            "balance_h": round(self.balance_h, 1),
            "status": self.status,
            "task_count": self.task_count,
            "overload_de": self.overload_note("de"),
            "overload_en": self.overload_note("en"),
            "by_type": {k: round(v, 1) for k, v in sorted(self.by_type.items())},
            "by_urgency": {k: round(v, 1) for k, v in self.by_urgency.items()},
            "by_generator": {k: round(v, 1) for k, v in sorted(self.by_generator.items())},
            "days": [
                {
                    "date": d.date.isoformat(),
                    "due_h": round(d.due_h, 1),
                    "available_h": round(d.available_h, 1),
                    "balance_h": round(d.balance_h, 1),
                    "crews": d.crews,
                    "persons": d.persons,
                    "status": d.status,
                    "sites": [{"site": k, "due_h": round(v, 1)} for k, v in d.top_sites()],
                }
                for d in self.days
            ],
        }


_WEEKDAYS_DE = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


def _h(hours: float, lang: str) -> str:
    text = f"{hours:.1f}"
    return text if lang == "en" else text.replace(".", ",")


def _status(due_h: float, available_h: float) -> str:
    if due_h > available_h:
        return "überlastet"
    if available_h > 0 and due_h >= 0.9 * available_h:
        return "knapp"
    return "ok"


def urgency_band(urgency: float) -> str:
    """The planner's three urgency bands."""
    if urgency >= 0.8:
        return "dringend"
    if urgency >= 0.5:
        return "fällig"
    return "kann warten"


def week_days(week_start: dt.date) -> list[dt.date]:
    """The seven dates Monday..Sunday of the week starting at ``week_start`` (a Monday)."""
    return [week_start + dt.timedelta(days=i) for i in range(7)]


def spread_over_days(
    item: DueItem, week_start: dt.date, land: str
) -> dict[dt.date, float]:
    """Share of the item's person-seconds falling on each date of the week (see module doc)."""
    days = week_days(week_start)
    week_end = days[-1]
    if item.due_earliest > week_end:
        return {}
    window_days = workdays(item.due_earliest, item.due_latest, land)
    if item.due_latest < week_start:
        first = next((d for d in days if is_workday(d, land)), days[0])
        return {first: float(item.person_s)}
    if not window_days:
        # a window of weekend/holiday days only: the last workday before it in the week,
        # else the week's first workday
        day = min(max(item.due_earliest, week_start), week_end)
        before = [d for d in days if d <= day and is_workday(d, land)]
        after = [d for d in days if is_workday(d, land)]
        target = before[-1] if before else (after[0] if after else day)
        return {target: float(item.person_s)}
    share = item.person_s / len(window_days)
    out: dict[dt.date, float] = {}
    # an overdue-start window counts its past workdays on the week's first workday
    first_in_week = next((d for d in days if is_workday(d, land)), week_start)
    for day in window_days:
        if day < week_start:
            out[first_in_week] = out.get(first_in_week, 0.0) + share
        elif day <= week_end:
            out[day] = out.get(day, 0.0) + share
    return out


def workdays(first: dt.date, last: dt.date, land: str) -> list[dt.date]:
    """The workdays (not Sunday, Saturday or a public holiday of ``land``) from ``first`` to
    ``last`` inclusive."""
    out = []
    day = first
    while day <= last:
        if is_workday(day, land):
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def balance_week(
    items: Iterable[DueItem],
    crews: Iterable[CrewCapacity],
    week_start: dt.date,
    land: str = "BY",
) -> WeekBalance:
    """Compute the week's balance per day and its breakdowns by type, urgency and generator."""
    if week_start.weekday() != 0:
        raise ValueError(f"a week starts on a Monday; {week_start} is not one")
    days = {d: DayBalance(d) for d in week_days(week_start)}
    by_type: dict[str, float] = defaultdict(float)
    by_urgency: dict[str, float] = {"dringend": 0.0, "fällig": 0.0, "kann warten": 0.0}
    by_generator: dict[str, float] = defaultdict(float)
    count = 0
    for item in items:
        shares = spread_over_days(item, week_start, land)
        if not shares:
            continue
        count += 1
        total_h = sum(shares.values()) / 3600.0
        for day, person_s in shares.items():
            days[day].due_h += person_s / 3600.0
            days[day].by_site[item.site] = days[day].by_site.get(item.site, 0.0) + (
                person_s / 3600.0)
        by_type[item.task_type] += total_h
        by_urgency[urgency_band(item.urgency)] += total_h
        by_generator[item.generator] += total_h
    for crew in crews:
        if crew.date in days:
            day = days[crew.date]
            day.available_h += crew.person_s / 3600.0
            day.crews += 1
            day.persons += crew.persons
    return WeekBalance(
        week_start=week_start,
        days=list(days.values()),
        by_type=dict(by_type),
        by_urgency=by_urgency,
        by_generator=dict(by_generator),
        task_count=count,
    )


def parse_week(text: str) -> dt.date:
    """``2025-W25`` (ISO week) or any date inside the week -> the week's Monday."""
    text = text.strip()
    try:
        if "W" in text.upper():
            year_s, week_s = text.upper().split("-W")
            return dt.date.fromisocalendar(int(year_s), int(week_s), 1)
        day = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(
            f"week {text!r} not understood; write e.g. 2025-W25 or a date like 2025-06-16"
        ) from exc
    return day - dt.timedelta(days=day.weekday())
