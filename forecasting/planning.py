"""Weather for planning ahead: observed days up to ``as_of``, then forecast, then climatology.

The coming days come from a forecast (Bright Sky MOSMIX when online) where it has them; beyond
it, and offline or in backtests, from the climatology of the past years in the observed record.
The observed future is never used: everything after ``as_of`` in the observed frame is dropped
before the climatology is built.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.errors import ForecastInputError
from forecasting.weather import WEATHER_COLUMNS, _doy_climatology

SOURCE_OBSERVED = "observed"
SOURCE_FORECAST = "forecast"
SOURCE_CLIMATOLOGY = "climatology"


def _doy(index: pd.DatetimeIndex) -> np.ndarray:
    doy = index.day_of_year.to_numpy()
    return np.where(doy == 366, 365, doy)


def climatology(observed: pd.DataFrame, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """Day-of-year mean of each weather column over the observed record, for ``dates``."""
    out = pd.DataFrame(index=dates, columns=WEATHER_COLUMNS, dtype=float)
    obs_doy = _doy(observed.index)
    target_doy = _doy(dates)
    for col in WEATHER_COLUMNS:
        if col in observed and observed[col].notna().any():
            clim = _doy_climatology(observed[col].astype(float), obs_doy)
            out[col] = clim[target_doy - 1]
    out.index.name = "date"
    return out


def planning_weather(
    observed: pd.DataFrame,
    as_of: pd.Timestamp | str,
    horizon_days: int,
    forecast: pd.DataFrame | None = None,
    min_history_days: int = 365,
    allow_stale_days: int = 0,
) -> pd.DataFrame:
    """Daily weather from the start of the record to ``as_of + horizon_days``.

    Column ``weather_source`` says per day where the values come from (observed, forecast,
    climatology). ``observed`` must reach ``as_of``; with ``allow_stale_days`` > 0 a record that
    ends up to that many days earlier is continued by climatology from its last day (those days
    are marked ``climatology`` too, and ``attrs['observed_until']`` tells the last observed day).
    """
    as_of = pd.Timestamp(as_of).normalize()
    if horizon_days < 0:
        raise ForecastInputError("horizon_days must be >= 0")
    past = observed.loc[:as_of]
    last_obs = None if past.empty else past.index.max()
    if last_obs is None or last_obs < as_of:
        stale = None if last_obs is None else (as_of - last_obs).days
        if stale is None or stale > allow_stale_days:
            last = "nothing" if last_obs is None else last_obs.date()
            raise ForecastInputError(
                f"observed weather must reach the planning day {as_of.date()}, it ends at {last}"
            )
        extended = planning_weather(
            observed, last_obs, stale + horizon_days, forecast, min_history_days
        )
        extended.attrs["observed_until"] = last_obs.date().isoformat()
        return extended
    if len(past) < min_history_days:
        raise ForecastInputError(
            f"climatology needs at least {min_history_days} observed days before "
            f"{as_of.date()}, got {len(past)}"
        )
    cols = [c for c in WEATHER_COLUMNS if c in past]
    result = past[cols].copy()
    result["weather_source"] = SOURCE_OBSERVED
    result.attrs["observed_until"] = as_of.date().isoformat()
    if horizon_days == 0:
        return result
    future = pd.date_range(as_of + pd.Timedelta(days=1), periods=horizon_days, freq="D")
    ahead = climatology(past, future)[cols]
    source = pd.Series(SOURCE_CLIMATOLOGY, index=future, dtype=object)
    if forecast is not None and not forecast.empty:
        fc = forecast.reindex(future)
        has = fc["tmean_c"].notna() if "tmean_c" in fc else pd.Series(False, index=future)
        for col in cols:
            if col in fc:
                ahead.loc[has, col] = fc.loc[has, col].where(
                    fc.loc[has, col].notna(), ahead.loc[has, col]
                )
        source[has] = SOURCE_FORECAST
    ahead["weather_source"] = source
    ahead.index.name = "date"
    combined = pd.concat([result, ahead])
    combined.attrs["observed_until"] = as_of.date().isoformat()
    return combined


def analog_years(
    observed: pd.DataFrame, as_of: pd.Timestamp | str, horizon_days: int
) -> dict[int, pd.DataFrame]:
    """The same calendar days ahead taken from each complete past year (an ensemble for spread).

    Member ``y`` holds the observed weather of year ``y`` for the days after ``as_of``, moved to
    this year's dates. Only years fully before ``as_of`` are used.
    """
    as_of = pd.Timestamp(as_of).normalize()
    past = observed.loc[:as_of]
    future = pd.date_range(as_of + pd.Timedelta(days=1), periods=horizon_days, freq="D")
    members: dict[int, pd.DataFrame] = {}
    for year in sorted(set(past.index.year)):
        shift = as_of.year - year
        if shift <= 0:
            continue
        dates = future - pd.DateOffset(years=shift)
        if dates.max() > as_of:
            continue
        part = past.reindex(dates)
        if part["tmean_c"].isna().mean() > 0.1:
            continue
        part.index = future
        members[year] = part
    return members
