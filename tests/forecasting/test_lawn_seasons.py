"""Lawn seasons on real DWD weather (simulated cuts), calibration, crew-report corrections."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.care_classes import load_care_classes
from forecasting.errors import CareClassError, ForecastInputError
from forecasting.evaluation import lawn_relative_growth, season_evaluation
from forecasting.lawn import (
    calibrate_scale,
    crew_length_class,
    cuts_per_year,
    simulate_season,
    site_factor_from_reports,
)


@pytest.fixture(scope="module")
def rel_dus(context, dus_drivers):
    rel = lawn_relative_growth(context.grass, dus_drivers, context.care)
    return rel.loc["2014":"2023", "rel_growth"]


def test_care_classes_file_heilbronn_ranges_and_trigger(care_path):
    """The shipped file holds the five Heilbronn lawn regimes with trigger = 1.5 × target."""
    care = load_care_classes(care_path)
    ranges = {k: v.cuts_per_year for k, v in care.lawns.items()}
    assert ranges == {
        "meadow": (1, 4),
        "utility_extensive": (6, 10),
        "utility_intensive": (10, 20),
        "ornamental": (20, 30),
        "sports": (25, 40),
    }
    for lawn in care.lawns.values():
        assert lawn.trigger_height_mm == pytest.approx(1.5 * lawn.target_height_mm)
    assert set(care.hedges) == {"low", "high"}
    assert care.young_trees.years_after_planting == 3


def test_care_class_errors_name_the_field(tmp_path, care_path):
    """A broken care-class file is refused with the class and field named."""
    text = care_path.read_text(encoding="utf-8").replace("cuts_per_year = [6, 10]", "")
    path = tmp_path / "care.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CareClassError, match="'utility_extensive': field 'cuts_per_year'"):
        load_care_classes(path)
    care = load_care_classes(care_path)
    with pytest.raises(CareClassError, match="unknown lawn care class 'lawn'"):
        care.lawn("lawn")


def test_every_year_in_heilbronn_range_on_dusseldorf(rel_dus, context):
    """SIMULATED on real DWD Düsseldorf weather 2014-2023 with the stored scales: every class's
    cuts per year fall inside its Heilbronn range in every year."""
    result = season_evaluation(rel_dus, context.care)
    for key, res in result.items():
        assert res["years"] == 10
        assert res["years_in_range"] == 10, (key, res["cuts_per_year"])


def test_drought_summers_fewer_cuts_than_2021(rel_dus, context):
    """SIMULATED: the drought summers 2018 and 2022 get fewer June-August cuts than wet 2021 for
    every class cut at least six times a year (the meadow's one summer cut cannot show it)."""
    result = season_evaluation(rel_dus, context.care)
    for key in ("utility_extensive", "utility_intensive", "ornamental", "sports"):
        assert result[key]["drought_fewer_summer_cuts"], (key, result[key]["summer_cuts"])


def test_simulation_cuts_at_trigger_and_calibration_hits_target(context):
    """Constant growth of 1 mm/d cuts every 25 days for a 50 mm target (trigger 75 mm); the
    calibration finds the scale that gives the requested cuts per year."""
    lawn = context.care.lawn("utility_intensive")
    days = pd.date_range("2021-01-01", "2021-12-31")
    rel = pd.Series(1.0, index=days)
    season = simulate_season(rel, lawn, scale_mm_per_day=1.0)
    cut_days = season.index[season["cut"]]
    assert (cut_days[1] - cut_days[0]).days == 25
    assert season["length_mm"].max() < lawn.trigger_height_mm
    scale = calibrate_scale(rel, lawn, target_cuts_per_year=20)
    assert cuts_per_year(simulate_season(rel, lawn, scale)).iloc[0] == 20
    with pytest.raises(ForecastInputError):
        simulate_season(rel, lawn, scale_mm_per_day=0.0)


def test_crew_reports_correct_the_site(context):
    """'long' reports where the model predicted a medium height raise the site's growth factor,
    'short' ones lower it, consistent 'medium' reports leave it at 1; one report moves less
    than three."""
    lawn = context.care.lawn("utility_intensive")  # target 50, trigger 75
    assert site_factor_from_reports([("medium", 75.0)] * 3, lawn) == 1.0
    up_one = site_factor_from_reports([("long", 75.0)], lawn)
    up_three = site_factor_from_reports([("long", 75.0)] * 3, lawn)
    assert 1.0 < up_one < up_three
    assert site_factor_from_reports([("short", 75.0)] * 3, lawn) < 1.0
    assert crew_length_class(60.0, 50.0) == "short"
    assert crew_length_class(75.0, 50.0) == "medium"
    assert crew_length_class(90.0, 50.0) == "long"
    with pytest.raises(ForecastInputError, match="short, medium or long"):
        site_factor_from_reports([("lang", 75.0)], lawn)
