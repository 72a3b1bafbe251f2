"""Decision test (evaluation 3): the mowing policy and how its parameter is chosen."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.care_classes import load_care_classes
from forecasting.drivers import add_drivers
from forecasting.evaluation import (
    _ForecastInputs,
    _simulate_forecaster,
    choose_lookahead,
    decision_test,
)
from forecasting.grass import weekly_training_table
from forecasting.growth_data import (
    VALENTIA_ELEVATION_M,
    VALENTIA_LAT_DEG,
    read_grass10,
    read_valentia,
)
from forecasting.water import SoilBucket


@pytest.fixture(scope="module")
def inputs(care_path, grass10_csv, valentia_csv):
    """Measured Grass10 growth, Valentia weather and the care classes."""
    return read_grass10(grass10_csv), read_valentia(valentia_csv), load_care_classes(care_path)


def _synthetic(days: pd.DatetimeIndex, median: float, upper: float) -> _ForecastInputs:
    const = lambda v: pd.Series(v, index=days)  # noqa: E731
    return _ForecastInputs(const(median), const(median), const(upper), const(upper))


def test_upper_quantile_path_cuts_earlier_than_median(care_path):
    """On the same lawn the fast-growth (90 %) path reaches the trigger sooner: more cuts, lower
    heights; the crew-report correction is learned from the median path only."""
    lawn = load_care_classes(care_path).lawn("utility_intensive")
    days = pd.date_range("2021-01-01", "2021-12-31", freq="D")
    truth = pd.Series(1.0, index=days)  # 1 mm per day, predicted exactly by the median
    in_season = np.ones(len(days), dtype=bool)
    inputs = _synthetic(days, median=1.0, upper=1.5)
    med, med_state = _simulate_forecaster(truth, inputs, 1.0, lawn, in_season, 0, "median")
    up, up_state = _simulate_forecaster(truth, inputs, 1.0, lawn, in_season, 0, "upper")
    assert len(up.cut_days) > len(med.cut_days)
    assert up.length_mm.max() < med.length_mm.max()
    assert med_state["factor"] == pytest.approx(1.0)
    assert up_state["factor"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="decision path"):
        _simulate_forecaster(truth, inputs, 1.0, lawn, in_season, 0, "mean")


def test_fit_year_choice_ignores_the_test_year(inputs):
    """choose_lookahead gives the same choice whether or not the test year's growth exists."""
    growth, valentia, care = inputs
    lawn = care.lawn("utility_intensive")
    drivers = add_drivers(valentia, VALENTIA_LAT_DEG, VALENTIA_ELEVATION_M)
    water = care.lawn_water
    ks = SoilBucket(taw_mm=water.taw_mm, kc=water.kc).simulate(
        drivers["precip_mm"], drivers["et0_mm"]
    )["ks"]
    factor = water.growth_factor(ks)
    args = (drivers, factor, lawn, 2020, VALENTIA_LAT_DEG)
    full = choose_lookahead(
        weekly_training_table(growth, drivers), growth, *args, candidates=(1, 3)
    )
    only_fit = growth[growth.index.year == 2020]
    alone = choose_lookahead(
        weekly_training_table(only_fit, drivers), only_fit, *args, candidates=(1, 3)
    )
    assert full == alone
    assert full["lookahead_days"] in (1, 3)
    assert [c["lookahead_days"] for c in full["fit_year_candidates"]] == [1, 3]


@pytest.mark.parametrize(("train_year", "test_year"), [(2020, 2021), (2021, 2020)])
def test_default_policy_beats_the_calendar(inputs, train_year, test_year):
    """The default policy (90 % path, next visit tomorrow) mows less often than the 14-day
    calendar with no more days over the trigger, in both directions (simulated lawn)."""
    growth, valentia, care = inputs
    result = decision_test(
        growth,
        valentia,
        VALENTIA_LAT_DEG,
        VALENTIA_ELEVATION_M,
        care,
        train_year=train_year,
        test_year=test_year,
    )
    assert result["policy"] == "upper_quantile" and result["lookahead_days"] == 1
    assert "SIMULATED" in result["label"]
    forecast, calendar = result["forecast"], result["calendar"]
    assert forecast["cuts"] < calendar["cuts"]
    assert forecast["days_over_trigger"] <= calendar["days_over_trigger"]


def test_unknown_policy_is_refused(inputs):
    """An unknown policy name is a ValueError naming the allowed ones."""
    growth, valentia, care = inputs
    with pytest.raises(ValueError, match="upper_quantile"):
        decision_test(growth, valentia, VALENTIA_LAT_DEG, VALENTIA_ELEVATION_M, care, policy="x")
