"""Public holidays per German Land (via the ``holidays`` package) and the workday test.

The Land is the ISO 3166-2 subdivision code without the country prefix (``BY`` Bavaria, ``NW``
North Rhine-Westphalia, ...). Regional holidays that apply only to some municipalities of a Land
(Augsburg's Friedensfest, Assumption Day in Catholic parts of Bavaria) follow the ``holidays``
package's default for the Land; a tenant that differs adds them as blocked calendar days.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

LANDS = ("BB", "BE", "BW", "BY", "HB", "HE", "HH", "MV", "NI", "NW", "RP", "SH", "SL", "SN",
         "ST", "TH")


class UnknownLandError(ValueError):
    """The tenant's Land code is not a German federal state."""


@lru_cache(maxsize=64)
def _holidays(land: str, year: int) -> dict[dt.date, str]:
    if land not in LANDS:
        raise UnknownLandError(
            f"unknown Land {land!r}; use one of {', '.join(LANDS)} (e.g. BY for Bavaria)"
        )
    return dict(holidays.country_holidays("DE", subdiv=land, years=year, language="de"))


def holiday_name(day: dt.date, land: str) -> str | None:
    """The public holiday's German name on ``day`` in ``land``, or None."""
    return _holidays(land, day.year).get(day)


def is_public_holiday(day: dt.date, land: str) -> bool:
    """True on a statutory public holiday of the Land."""
    return day in _holidays(land, day.year)


def is_workday(day: dt.date, land: str) -> bool:
    """Monday to Friday and not a public holiday (Bauhof crews do not work weekends by default)."""
    return day.weekday() < 5 and not is_public_holiday(day, land)


def is_sunday_or_holiday(day: dt.date, land: str) -> bool:
    """Sundays and public holidays: the 32. BImSchV forbids mowing in residential areas."""
    return day.weekday() == 6 or is_public_holiday(day, land)
