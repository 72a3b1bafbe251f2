"""Crop-model weather files from PCSE: readers, and our FAO-56 ET0 against the provider's ET0."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.drivers import add_drivers
from forecasting.pcse_formats import read_cabo, read_mars_csv

MUNICH_LAT, MUNICH_ELEV = 48.35, 453.0  # München Flughafen (WMO 10870)


def test_munich_mars_csv_rows_and_units(weather_dir):
    """527 days (one row, 11 June 2014, sits out of order mid-file), ``);`` stripped,
    radiation kJ → MJ."""
    frame = read_mars_csv(weather_dir / "pcse_10870_munchen_flughafen_2013.csv")
    assert len(frame) == 527
    assert frame.index.is_monotonic_increasing and not frame.index.duplicated().any()
    assert frame.index.min() == pd.Timestamp("2013-01-01")
    assert frame.index.max() == pd.Timestamp("2014-06-11")
    assert frame.loc["2013-01-01", "rs_mj"] == pytest.approx(2.497)
    assert frame.loc["2013-01-01", "tmin_c"] == -5.2


def test_our_penman_monteith_reproduces_the_provider_et0(weather_dir):
    """From the file's Tmin/Tmax/vapour pressure/radiation/wind our FAO-56 Penman-Monteith ET0
    matches the provider's ET0 column (so it is FAO-56 ET0 in mm/d): r > 0.999, sums within 1 %."""
    frame = read_mars_csv(weather_dir / "pcse_10870_munchen_flughafen_2013.csv")
    ours = add_drivers(frame.drop(columns="et0_provider_mm"), MUNICH_LAT, MUNICH_ELEV)
    assert (ours["et0_method"] == "penman-monteith").all()
    provider = frame["et0_provider_mm"]
    assert np.corrcoef(ours["et0_mm"], provider)[0, 1] > 0.999
    assert ours["et0_mm"].sum() / provider.sum() == pytest.approx(1.0, abs=0.01)
    assert (ours["et0_mm"] - provider).abs().max() < 0.1


def test_wageningen_cabo_files_and_radiation_bounds(weather_dir):
    """24 yearly CABO files: 8,732 days 1976-1999, wind 0.1 % missing (-99), means as in the
    README; measured irradiation stays below the extraterrestrial radiation Ra of FAO-56."""
    frame = read_cabo(weather_dir / "pcse_wageningen_NL1")
    assert len(frame) == 8732
    assert frame.index.min() == pd.Timestamp("1976-01-01")
    assert frame.index.max() == pd.Timestamp("1999-12-31")
    assert frame["wind_ms"].isna().mean() == pytest.approx(0.001, abs=0.0005)
    assert frame["rs_mj"].mean() * 1000 == pytest.approx(9450, abs=1)
    assert frame["tmin_c"].mean() == pytest.approx(5.3, abs=0.05)
    assert frame["tmax_c"].mean() == pytest.approx(13.5, abs=0.05)
    assert frame["precip_mm"].mean() == pytest.approx(1.99, abs=0.01)
    assert frame.attrs["lat"] == 51.97
    drivers = add_drivers(frame, frame.attrs["lat"], frame.attrs["elevation_m"])
    ratio = drivers["rs_mj"] / drivers["ra_mj"]
    assert ratio.quantile(0.999) < 0.8
    assert 0.3 < ratio.mean() < 0.45
