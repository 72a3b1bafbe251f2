"""The learned grass response against measured Grass10 growth and its physical shape."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.drivers import add_drivers
from forecasting.errors import ForecastInputError
from forecasting.evaluation import growth_backtest
from forecasting.grass import FEATURES, GrassModel, growth_features, weekly_training_table
from forecasting.growth_data import (
    VALENTIA_ELEVATION_M,
    VALENTIA_LAT_DEG,
    read_grass10,
    read_valentia,
)


@pytest.fixture(scope="module")
def valentia_drivers(valentia_csv):
    return add_drivers(read_valentia(valentia_csv), VALENTIA_LAT_DEG, VALENTIA_ELEVATION_M)


@pytest.fixture(scope="module")
def growth(grass10_csv):
    return read_grass10(grass10_csv)


@pytest.fixture(scope="module")
def backtest_2021(growth, valentia_drivers):
    return growth_backtest(growth, valentia_drivers, 2020, 2021)


def test_fit_2020_test_2021_beats_both_drivers(backtest_2021):
    """Fitted on 2020 only, the learned response reaches r >= 0.85 on the 2021 weeks and beats
    the growth potential alone and the f(T)×PAR driver (r and scaled RMSE)."""
    learned, gp, ftpar = (backtest_2021[k] for k in ("learned", "gp", "ftpar"))
    assert backtest_2021["weeks_test"] == 49
    assert learned["pearson_r"] >= 0.85
    assert learned["pearson_r"] > gp["pearson_r"] and learned["pearson_r"] > ftpar["pearson_r"]
    assert learned["rmse_scaled_kg_ha_d"] < min(
        gp["rmse_scaled_kg_ha_d"], ftpar["rmse_scaled_kg_ha_d"]
    )
    assert abs(learned["onset_error_weeks"]) <= 2


def test_reverse_direction_also_holds(growth, valentia_drivers):
    """Fitted on 2021, tested on 2020: again r >= 0.85 and above both drivers."""
    result = growth_backtest(growth, valentia_drivers, 2021, 2020)
    assert result["learned"]["pearson_r"] >= 0.85
    assert result["learned"]["pearson_r"] > result["ftpar"]["pearson_r"]
    assert result["learned"]["pearson_r"] > result["gp"]["pearson_r"]


def test_shape_follows_temperature_and_light(growth, valentia_drivers):
    """Within the training range more warmth or more light never predicts less growth, and the
    band is ordered lo <= median <= hi."""
    model = GrassModel().fit(weekly_training_table(growth, valentia_drivers))
    base = {"t7_c": 10.0, "tlag14_c": 10.0, "par7_mj": 6.0, "daylength_h": 14.0}
    temps = pd.DataFrame([{**base, "t7_c": t, "tlag14_c": t} for t in (6, 9, 12, 15)])
    light = pd.DataFrame([{**base, "par7_mj": p} for p in (2, 5, 8, 11)])
    for frame in (temps, light):
        pred = model.predict(frame[FEATURES])
        assert np.all(np.diff(pred["growth"].to_numpy()) >= 0)
        assert (pred["growth_lo"] <= pred["growth"]).all()
        assert (pred["growth"] <= pred["growth_hi"]).all()
    assert (
        model.predict(temps[FEATURES])["growth"].iloc[-1]
        > model.predict(temps[FEATURES])["growth"].iloc[0]
    )


def test_heat_drought_and_dormancy_reduce_daily_growth(context, dus_drivers):
    """On real Düsseldorf days: the July 2019 heat wave slows growth (GP decline above 20 °C),
    full water stress halves growth at most (min_growth_factor), dormant days grow nothing."""
    model = context.grass
    part = dus_drivers.loc["2019-01-01":"2019-12-31"]
    rel = model.predict_daily(part)
    hot = rel.loc["2019-07-25":"2019-07-28"]  # record heat: 7-day mean above 24 °C
    assert (hot["heat_factor"] < 0.8).all()
    assert (rel.loc[rel["dormant"], "rel_growth"] == 0).all()
    assert rel["dormant"].loc["2019-01"].any()
    stressed = model.predict_daily(part, pd.Series(0.5, index=part.index))
    june = slice("2019-06-01", "2019-06-30")
    ratio = stressed.loc[june, "rel_growth"].sum() / rel.loc[june, "rel_growth"].sum()
    assert ratio == pytest.approx(0.5)


def test_too_few_weeks_is_refused(growth, valentia_drivers):
    """Learning from fewer than 20 measured weeks is refused with the count."""
    table = weekly_training_table(growth, valentia_drivers).iloc[:10]
    with pytest.raises(ForecastInputError, match="got 10"):
        GrassModel().fit(table)


def test_features_need_drivers():
    """Features on a raw weather frame name the missing driver columns."""
    frame = pd.DataFrame({"tmean_c": [1.0]}, index=pd.date_range("2024-01-01", periods=1))
    with pytest.raises(ForecastInputError, match="add_drivers"):
        growth_features(frame)


def test_stand_in_model_keeps_the_learned_mean_and_shape(context, dus_drivers):
    """The stand-in growth model (used when the unlicensed growth series are absent) is within
    10 % of the learned model's mean growth over Düsseldorf 2014-2023 (its scale was set on that
    mean), follows it day by day (r > 0.85), and stops in the cold like the learned one."""
    from forecasting.grass import DriverGrassModel

    drivers = dus_drivers.loc["2014":"2023"]
    learned = context.grass.predict(growth_features(drivers))["growth"]
    stand_in = DriverGrassModel().predict(growth_features(drivers))
    ok = learned.notna() & stand_in["growth"].notna()
    ratio = stand_in["growth"][ok].mean() / learned[ok].mean()
    assert 0.9 < ratio < 1.1
    assert np.corrcoef(learned[ok], stand_in["growth"][ok])[0, 1] > 0.85
    assert (stand_in["growth_lo"][ok] <= stand_in["growth"][ok]).all()
    assert (stand_in["growth"][ok] <= stand_in["growth_hi"][ok]).all()
    cold = growth_features(drivers)["t7_c"] < 4.0
    assert (stand_in["growth"][cold & ok] == 0).all()
    daily = DriverGrassModel().predict_daily(drivers)
    assert set(daily.columns) >= {"rel_growth", "rel_growth_lo", "rel_growth_hi", "dormant"}
