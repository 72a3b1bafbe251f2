"""Properties that must hold for any input (hypothesis, fixed seed via the derandomize profile)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.care_classes import LawnClass
from forecasting.drivers import extraterrestrial_radiation_mj, growth_potential
from forecasting.lawn import simulate_season
from forecasting.water import SoilBucket
from forecasting.weather import fill_gaps

LAWN = LawnClass("t", "t", "t", (10, 20), 50.0, 75.0, 3.0)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.lists(st.floats(-30, 45, allow_nan=False), min_size=1, max_size=50))
def test_growth_potential_between_0_and_1(temps):
    """GP is a bell curve: always in (0, 1], highest at 20 °C."""
    gp = growth_potential(temps)
    assert np.all(gp > 0) and np.all(gp <= 1)
    assert np.all(gp <= growth_potential(20.0))


@settings(derandomize=True, max_examples=40, deadline=None)
@given(st.floats(-66, 66), st.integers(1, 365))
def test_ra_positive_and_bounded(lat, doy):
    """Ra outside the polar circles is positive and below the solar-constant bound."""
    ra = float(extraterrestrial_radiation_mj(lat, doy))
    assert 0 <= ra < 0.0820 * 24 * 60 * 1.04


@settings(derandomize=True, max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 3, allow_nan=False), min_size=5, max_size=200))
def test_lawn_never_left_above_trigger(growth):
    """Whatever the growth, the simulated lawn is cut back at the trigger (height after the day's
    cut never reaches it)."""
    rel = pd.Series(growth, index=pd.date_range("2021-01-01", periods=len(growth)))
    season = simulate_season(rel, LAWN)
    assert (season["length_mm"] < LAWN.trigger_height_mm).all()
    assert (season["length_mm"] >= LAWN.target_height_mm).all()


@settings(derandomize=True, max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0, 60, allow_nan=False), min_size=3, max_size=100),
    st.lists(st.floats(0, 8, allow_nan=False), min_size=3, max_size=100),
)
def test_bucket_stays_within_its_capacity(rain, et0):
    """Depletion stays in 0..TAW and Ks in 0..1 for any rain and ET0."""
    n = min(len(rain), len(et0))
    idx = pd.date_range("2021-01-01", periods=n)
    out = SoilBucket(taw_mm=60).simulate(pd.Series(rain[:n], idx), pd.Series(et0[:n], idx))
    assert out["depletion_mm"].between(0, 60).all()
    assert out["ks"].between(0, 1).all()


@settings(derandomize=True, max_examples=30, deadline=None)
@given(st.sets(st.integers(1, 728), min_size=1, max_size=200))
def test_fill_gaps_fills_every_hole_and_flags_it(holes):
    """Removing any days from two years of temperature and rain: every day comes back, the
    removed ones flagged, none filled with NaN and no rain filled with 0."""
    idx = pd.date_range("2020-01-01", periods=730, name="date")
    doy = idx.day_of_year.to_numpy()
    frame = pd.DataFrame(
        {"tmean_c": 10 + 8 * np.sin(doy / 58.0), "precip_mm": 1.0 + (doy % 3)}, index=idx
    )
    holed = frame.drop(idx[sorted(holes)])
    filled = fill_gaps(holed, ["tmean_c", "precip_mm"])
    assert len(filled) == 730
    removed = idx[sorted(holes)]
    assert filled.loc[removed, "filled"].all()
    assert filled[["tmean_c", "precip_mm"]].notna().all().all()
    assert (filled.loc[removed, "precip_mm"] > 0).all()
