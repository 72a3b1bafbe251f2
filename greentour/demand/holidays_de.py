"""Public holidays per German Land and the workday test, for greentour.

The one place that knows the holidays is :meth:`routing.timeaxis.TimeAxis.is_public_holiday`
(the ``holidays`` package per Land): the solver's time axis and greentour's calendars, cycles,
packages and capacity balance answer the same question the same way. This module adds the Land
check and a cache, and the workday rules of a Bauhof.

The Land is the ISO 3166-2 subdivision code without the country prefix (``BY`` Bavaria, ``NW``
North Rhine-Westphalia, ...). Regional holidays that apply only to some municipalities of a Land
(Augsburg's Friedensfest, Assumption Day in Catholic parts of Bavaria) follow the ``holidays``
package's default for the Land; a tenant that differs adds them as blocked calendar days.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from greentour.tenant_config import LAENDER
from routing import TimeAxis


class UnknownLandError(ValueError):
    """The tenant's Land code is not a German federal state."""


@lru_cache(maxsize=8192)
def is_public_holiday(day: dt.date, land: str) -> bool:
    """True on a statutory public holiday of the Land."""
    if land not in LAENDER:
        raise UnknownLandError(
            f"unknown Land {land!r}; use one of {', '.join(sorted(LAENDER))} (e.g. BY for Bavaria)"
        )
    return TimeAxis(first_day=day, land=land).is_public_holiday(day)


def is_workday(day: dt.date, land: str) -> bool:
    """Monday to Friday and not a public holiday (Bauhof crews do not work weekends by default)."""
    return day.weekday() < 5 and not is_public_holiday(day, land)


def is_sunday_or_holiday(day: dt.date, land: str) -> bool:
    """Sundays and public holidays: the 32. BImSchV forbids mowing in residential areas."""
    return day.weekday() == 6 or is_public_holiday(day, land)
