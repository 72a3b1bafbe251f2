"""Storm days from daily maximum gusts, and the inspection rounds they trigger.

A *gust day* is a day whose maximum gust (DWD daily ``FX``, or the day's maximum of Bright Sky's
hourly ``wind_gust_speed`` from MOSMIX, column ``gust_max_ms`` of the daily weather frame) reaches
the town's threshold, by default Beaufort 8 (stormy wind, from 17.2 m/s = 62 km/h). After a gust
day the town owes an extra control (FLL: *Zusatzkontrolle* after extreme weather) of trees,
playgrounds and paths. Consecutive gust days (gaps of at most ``merge_days``) form one *storm
round*: the crews check once after the storm has passed, not every day of it.

Note on the comparison with DWD's *Sturmtag*: the climatological storm day counts a day whose
largest **10-minute mean** wind reaches Bft 8; a gust reaches the same speed far more often. Gust
days here are therefore more frequent than DWD storm days at the same station (docs/duty.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

BEAUFORT_LOWER_MS: dict[int, float] = {
    6: 10.8, 7: 13.9, 8: 17.2, 9: 20.8, 10: 24.5, 11: 28.5, 12: 32.7,
}
"""Lower bound (m/s, 10 m) of each Beaufort number from 6 (WMO scale)."""
DEFAULT_STORM_BFT = 8
GUST_COLUMN = "gust_max_ms"


def beaufort_ms(bft: int) -> float:
    """Lower wind speed bound of Beaufort number ``bft`` (6..12), m/s."""
    try:
        return BEAUFORT_LOWER_MS[int(bft)]
    except (KeyError, ValueError, TypeError):
        raise ValueError(f"Beaufort-Stufe muss zwischen 6 und 12 liegen, nicht {bft!r}") from None


@dataclass(frozen=True)
class StormRound:
    """One storm (consecutive gust days) and the inspection round it triggers."""

    first_day: dt.date
    last_day: dt.date
    max_gust_ms: float
    gust_days: int

    @property
    def check_from(self) -> dt.date:
        """The first day the round can start: the day after the last gust day."""
        return self.last_day + dt.timedelta(days=1)


def gust_days(frame: pd.DataFrame, threshold_ms: float) -> pd.Series:
    """Maximum gust (m/s) of every day that reaches ``threshold_ms``, indexed by date.

    Days without a gust value (NaN) are never counted.
    """
    if GUST_COLUMN not in frame:
        raise ValueError("Wetterdaten ohne Tagesmaximum der Böen (DWD FX / Bright Sky)")
    gusts = frame[GUST_COLUMN].astype(float)
    return gusts[gusts >= threshold_ms]


def gust_days_per_year(frame: pd.DataFrame, threshold_ms: float) -> pd.DataFrame:
    """Per calendar year: days with a gust value, gust days over the threshold, storm rounds."""
    gusts = frame[GUST_COLUMN].astype(float)
    days = gust_days(frame, threshold_ms)
    rounds = storm_rounds(days)
    years = sorted({d.year for d in frame.index})
    out = pd.DataFrame(
        {
            "days_measured": [int(gusts[gusts.index.year == y].notna().sum()) for y in years],
            "gust_days": [int((days.index.year == y).sum()) for y in years],
            "storm_rounds": [sum(1 for r in rounds if r.first_day.year == y) for y in years],
            "max_gust_ms": [float(gusts[gusts.index.year == y].max()) for y in years],
        },
        index=pd.Index(years, name="year"),
    )
    return out


def storm_rounds(days: pd.Series | Iterable[tuple[dt.date, float]], merge_days: int = 1
                 ) -> list[StormRound]:
    """Group gust days into rounds: a gap of at most ``merge_days`` days keeps one round."""
    items = (
        [(pd.Timestamp(k).date(), float(v)) for k, v in days.items()]
        if isinstance(days, pd.Series) else [(d, float(v)) for d, v in days]
    )
    items.sort()
    rounds: list[StormRound] = []
    for day, gust in items:
        last = rounds[-1] if rounds else None
        if last is not None and (day - last.last_day).days <= merge_days + 1:
            rounds[-1] = StormRound(last.first_day, day, max(last.max_gust_ms, gust),
                                    last.gust_days + 1)
        else:
            rounds.append(StormRound(day, day, gust, 1))
    return rounds


def forecast_storms(forecast: pd.DataFrame, threshold_ms: float, today: dt.date
                    ) -> list[StormRound]:
    """Storms a forecast frame (MOSMIX via Bright Sky) announces from ``today`` on."""
    ahead = forecast.loc[pd.Timestamp(today):]
    return storm_rounds(gust_days(ahead, threshold_ms))
