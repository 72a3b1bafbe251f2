"""One absolute time axis for a planning horizon, in seconds from local midnight of its first day.

Every time in the routing problem (shifts, breaks, windows, due dates) is an integer number of
seconds on this axis. Local wall-clock rules (shifts "06:30-15:30", the noise rule "not before
07:00") are converted through ``zoneinfo`` (Europe/Berlin), so a day around a daylight-saving change
is 23 h (last Sunday of March) or 25 h (last Sunday of October) long on the axis. Public holidays
come from the ``holidays`` package for the given Land (subdivision code such as "BY").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib

DEFAULT_TZ = "Europe/Berlin"


class DayType(StrEnum):
    """Kind of day for the noise rules (32. BImSchV): Saturday counts as a workday."""

    WORKDAY = "workday"
    SUNDAY = "sunday"
    HOLIDAY = "holiday"


class NoiseClass(StrEnum):
    """Noise class of the machine a task needs (32. BImSchV §7)."""

    NONE = "none"
    MOWER = "mower"
    BRUSH_CUTTER = "brush_cutter"


@dataclass(frozen=True)
class TimeAxis:
    """Absolute seconds since local midnight of ``first_day`` in ``tz``.

    ``land`` is the German subdivision code for public holidays (e.g. "BY" for Bavaria), or
    ``None`` for nationwide holidays only.
    """

    first_day: date
    tz_name: str = DEFAULT_TZ
    land: str | None = "BY"
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tz", ZoneInfo(self.tz_name))

    @property
    def origin(self) -> datetime:
        """Aware datetime of second 0 (local midnight of the first day)."""
        return datetime.combine(self.first_day, time(0, 0), tzinfo=self._tz)

    def to_seconds(self, moment: datetime) -> int:
        """Seconds on the axis of an aware datetime (naive datetimes are read as local time)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self._tz)
        # subtract in UTC: aware datetimes sharing a tzinfo subtract as wall-clock times
        return int((moment.astimezone(UTC) - self.origin.astimezone(UTC)).total_seconds())

    def at(self, day: date, hour: int, minute: int = 0) -> int:
        """Seconds on the axis of the local wall-clock time ``hour:minute`` on ``day``."""
        return self.to_seconds(datetime.combine(day, time(hour, minute), tzinfo=self._tz))

    def to_datetime(self, seconds: int) -> datetime:
        """Aware local datetime of a second on the axis (exact across DST changes)."""
        utc = self.origin.astimezone(UTC) + timedelta(seconds=seconds)
        return utc.astimezone(self._tz)

    def day_start_s(self, day: date) -> int:
        """Seconds of local midnight at the start of ``day``."""
        return self.at(day, 0, 0)

    def day_end_s(self, day: date) -> int:
        """Seconds of local midnight ending ``day`` (23 h or 25 h after its start on DST days)."""
        return self.day_start_s(day + timedelta(days=1))

    def day_length_s(self, day: date) -> int:
        """Length of ``day`` in seconds: 86 400, or 82 800 / 90 000 on DST change days."""
        return self.day_end_s(day) - self.day_start_s(day)

    def day_of(self, seconds: int) -> date:
        """Local calendar day containing a second on the axis."""
        return self.to_datetime(seconds).date()

    def is_public_holiday(self, day: date) -> bool:
        """True if ``day`` is a public holiday in the Land (``holidays`` package)."""
        return day in _public_holidays(self.land, day.year)

    def day_type(self, day: date) -> DayType:
        """Workday, Sunday or public holiday (Saturday is a workday under the 32. BImSchV)."""
        if self.is_public_holiday(day):
            return DayType.HOLIDAY
        if day.weekday() == 6:
            return DayType.SUNDAY
        return DayType.WORKDAY

    def format(self, seconds: int) -> str:
        """Planner-readable local time, e.g. 'Mo 24.03. 07:30' (German weekday abbreviations)."""
        moment = self.to_datetime(seconds)
        weekday = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")[moment.weekday()]
        return f"{weekday} {moment:%d.%m. %H:%M}"


@lru_cache(maxsize=64)
def _public_holidays(land: str | None, year: int) -> frozenset[date]:
    """The Land's public holidays of a year (building the ``holidays`` calendar costs about
    1 ms, and the checker asks for every stop)."""
    return frozenset(holidays_lib.Germany(subdiv=land, years=year).keys())


# 32. BImSchV §7 with Annex: local wall-clock hours in which a machine may run at a
# noise-sensitive (residential) site on workdays. None on Sundays and public holidays.
NOISE_ALLOWED_HOURS: dict[NoiseClass, tuple[tuple[int, int], ...]] = {
    NoiseClass.MOWER: ((7, 20),),
    NoiseClass.BRUSH_CUTTER: ((9, 13), (15, 17)),
}


def noise_allowed_windows(
    axis: TimeAxis, day: date, noise_class: NoiseClass, noise_sensitive: bool
) -> list[tuple[int, int]] | None:
    """Absolute (start_s, end_s) windows on ``day`` in which the machine may run.

    Returns ``None`` when no noise rule applies (quiet task or a site that is not noise
    sensitive), and an empty list when the machine may not run at all that day (Sunday or
    public holiday at a noise-sensitive site).
    """
    if not noise_sensitive or noise_class == NoiseClass.NONE:
        return None
    return list(_noise_windows(axis, day, NoiseClass(noise_class)))


@lru_cache(maxsize=4096)
def _noise_windows(axis: TimeAxis, day: date, noise_class: NoiseClass
                   ) -> tuple[tuple[int, int], ...]:
    """Cached body of :func:`noise_allowed_windows` (the checker asks for every stop)."""
    if axis.day_type(day) != DayType.WORKDAY:
        return ()
    return tuple((axis.at(day, a), axis.at(day, b)) for a, b in NOISE_ALLOWED_HOURS[noise_class])
