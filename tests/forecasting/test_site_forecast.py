"""Per-site forecasts on real Düsseldorf weather: lawns, hedges, young trees, workability."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from forecasting.errors import ForecastInputError
from forecasting.forecast import CrewReport, SiteInput, forecast_site
from forecasting.hedges import allowed_cut, in_protected_season
from forecasting.weather import read_brightsky_json

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LAT, LON, ELEV = 51.296, 6.769, 37.0


def lawn(**kw) -> SiteInput:
    base = dict(
        site_id="park-1",
        kind="lawn",
        lat=LAT,
        lon=LON,
        elevation_m=ELEV,
        care_class="utility_intensive",
        last_service=dt.date(2021, 5, 20),
    )
    base.update(kw)
    return SiteInput(**base)


def test_lawn_forecast_due_window_urgency_and_explanation(dus_weather, context):
    """A lawn cut on 20 May 2021 is due within two weeks of 1 June: the window brackets the due
    day, urgency follows the days left, and the explanation names growth and trigger in German
    and English; the result serialises to JSON."""
    fc = forecast_site(lawn(), dus_weather, "2021-06-01", 14, context)
    assert fc.task == "mow" and fc.is_due
    assert dt.date(2021, 6, 1) <= fc.due_date <= dt.date(2021, 6, 15)
    assert fc.due_window[0] <= fc.due_date <= fc.due_window[1]
    days_left = (fc.due_date - fc.as_of).days
    assert fc.urgency == ("high" if days_left <= 2 else "normal" if days_left <= 7 else "low")
    text_de, text_en = fc.explanation.text_de, fc.explanation.text_en
    assert "Schnitt bei 75 mm" in text_de and "cut at 75 mm" in text_en
    assert fc.explanation.since_service["days"] == 12
    assert fc.explanation.since_service["growth_mm"] > 0
    assert fc.explanation.uncertainty["weather_days_ahead"] == {"climatology": 14}
    assert fc.quantity >= 75.0
    daily = fc.daily
    assert (daily["value_lo"] <= daily["value"] + 1e-9).all()
    assert (daily["value"] <= daily["value_hi"] + 1e-9).all()
    json.dumps(fc.to_dict())


def test_forecast_never_reads_the_observed_future(dus_weather, context):
    """Changing every observed day after the planning day (a fake heat wave and deluge) does not
    change the forecast: the days ahead come from climatology of the past."""
    as_of = pd.Timestamp("2021-06-01")
    tampered = dus_weather.copy()
    future = tampered.index > as_of
    tampered.loc[future, ["tmean_c", "tmax_c", "tmin_c"]] = 35.0
    tampered.loc[future, "precip_mm"] = 80.0
    a = forecast_site(lawn(), dus_weather, as_of, 14, context)
    b = forecast_site(lawn(), tampered, as_of, 14, context)
    pd.testing.assert_frame_equal(a.daily, b.daily)
    assert a.due_date == b.due_date
    assert [w.heavy_machines_ok for w in a.workability] == [
        w.heavy_machines_ok for w in b.workability
    ]


def test_mosmix_forecast_days_are_used(dus_weather, context):
    """A MOSMIX forecast for the next days replaces climatology there; its hot day is flagged,
    the real 48 mm of 29 June block heavy mowers on 1 and 2 July, the forecast's 12 mm of 2 July
    on 3 July; on 4 July they may drive again."""
    mosmix = read_brightsky_json(FIXTURES / "brightsky_weather_mosmix.json")
    mosmix.index = mosmix.index - pd.DateOffset(years=5)  # 2026-07-01.. -> 2021-07-01..
    fc = forecast_site(
        lawn(last_service=dt.date(2021, 6, 25)),
        dus_weather,
        "2021-06-30",
        10,
        context,
        forecast=mosmix,
    )
    assert fc.explanation.uncertainty["weather_days_ahead"] == {"forecast": 3, "climatology": 7}
    by_day = {w.date: w for w in fc.workability}
    july1 = by_day[dt.date(2021, 7, 1)]
    assert july1.hot and not july1.heavy_machines_ok
    assert [r["code"] for r in july1.reasons] == ["wet_spell", "hot_day"]
    assert not by_day[dt.date(2021, 7, 2)].heavy_machines_ok  # 3-day sum still >= 25 mm
    assert by_day[dt.date(2021, 7, 4)].heavy_machines_ok
    assert not by_day[dt.date(2021, 7, 3)].heavy_machines_ok
    assert by_day[dt.date(2021, 7, 3)].reasons[0]["code"] == "heavy_rain"
    assert by_day[dt.date(2021, 7, 1)].weather_source == "forecast"


def test_workability_after_real_heavy_rain(dus_weather, context):
    """After the real 14 July 2021 downpour (Düsseldorf, >= 10 mm) heavy mowers stay off."""
    rain = dus_weather.loc["2021-07-14", "precip_mm"]
    assert rain >= 10
    fc = forecast_site(
        lawn(last_service=dt.date(2021, 7, 5)), dus_weather, "2021-07-15", 3, context
    )
    first = fc.workability[0]
    assert first.date == dt.date(2021, 7, 15)
    assert not first.heavy_machines_ok
    assert "keine schweren Mäher" in first.reasons[0]["text_de"]


def test_crew_reports_speed_up_the_due_date(dus_weather, context):
    """Reports of long grass at the last cuts raise the site factor: due earlier, with a note."""
    plain = forecast_site(lawn(), dus_weather, "2021-06-01", 21, context)
    reports = [
        CrewReport(dt.date(2021, 4, 20), "medium"),
        CrewReport(dt.date(2021, 5, 5), "long"),
        CrewReport(dt.date(2021, 5, 20), "long"),
    ]
    corrected = forecast_site(lawn(reports=reports), dus_weather, "2021-06-01", 21, context)
    assert corrected.details["site_factor"] > 1.0
    assert corrected.due_date <= plain.due_date
    assert corrected.daily["value"].iloc[-1] > plain.daily["value"].iloc[-1]
    assert any(n["code"] == "site_factor" for n in corrected.explanation.notes)


def test_sensor_soil_water_replaces_the_bucket(dus_weather, context):
    """In the dry June 2023 a wet soil sensor near the lawn lifts the water factor to 1."""
    days = pd.date_range("2023-06-10", "2023-06-20")
    sensor = pd.Series(35.0, index=days)
    dry = forecast_site(
        lawn(last_service=dt.date(2023, 6, 10)), dus_weather, "2023-06-20", 7, context
    )
    wet = forecast_site(
        lawn(last_service=dt.date(2023, 6, 10), sensor_water_pct=sensor, sensor_id="lse01"),
        dus_weather,
        "2023-06-20",
        7,
        context,
    )
    assert dry.explanation.drivers["water_factor"] < 0.9
    assert wet.explanation.drivers["water_factor"] == 1.0
    assert wet.explanation.drivers["soil_water_frac"] == 1.0
    assert wet.explanation.since_service["growth_mm"] > dry.explanation.since_service["growth_mm"]
    assert any(n["code"] == "sensor_soil_water" for n in wet.explanation.notes)


def test_no_recorded_cut_is_an_explained_assumption(dus_weather, context):
    """Without a recorded cut the lawn is assumed cut today, and the note says so."""
    fc = forecast_site(lawn(last_service=None), dus_weather, "2021-06-01", 7, context)
    assert fc.explanation.since_service["assumed"] is True
    assert fc.explanation.notes[0]["code"] == "assumed_last_service"
    assert not fc.is_due and fc.urgency == "none"


def test_dormant_winter_lawn_not_due(dus_weather, context):
    """In January (weekly mean below 5 °C) the lawn does not grow and the reason says so."""
    fc = forecast_site(
        lawn(last_service=dt.date(2021, 1, 2)), dus_weather, "2021-01-15", 14, context
    )
    assert not fc.is_due
    assert fc.explanation.reason == "dormant"
    assert "Vegetationsruhe" in fc.explanation.text_de


def test_hedge_hard_cut_waits_for_october(dus_weather, context):
    """BNatSchG §39: a wanted hard cut due in summer moves to 1 October; a traffic-safety cut
    does not; in summer the allowed cut is a form cut only."""
    hedge = dict(
        site_id="h",
        kind="hedge",
        lat=LAT,
        lon=LON,
        elevation_m=ELEV,
        care_class="low",
        last_service=dt.date(2021, 4, 1),
    )
    plain = forecast_site(SiteInput(**hedge), dus_weather, "2021-07-01", 150, context)
    assert plain.is_due and in_protected_season(plain.due_date)
    assert plain.details["allowed_cut"] == "form_cut_only"
    assert any(n["code"] == "form_cut_only" for n in plain.explanation.notes)
    hard = forecast_site(
        SiteInput(**hedge, hard_cut_wanted=True), dus_weather, "2021-07-01", 150, context
    )
    assert hard.due_date == dt.date(2021, 10, 1)
    assert hard.details["allowed_cut"] == "hard_cut_allowed"
    assert "BNatSchG §39" in hard.explanation.text("de")
    safety = forecast_site(
        SiteInput(**hedge, hard_cut_wanted=True, traffic_safety=True),
        dus_weather,
        "2021-07-01",
        150,
        context,
    )
    assert safety.due_date == plain.due_date
    assert safety.details["allowed_cut"] == "hard_cut_allowed"
    assert plain.explanation.uncertainty["analog_years"] >= 10
    assert allowed_cut(dt.date(2021, 2, 28)) == "hard_cut_allowed"
    assert allowed_cut(dt.date(2021, 3, 1)) == "form_cut_only"
    assert allowed_cut(dt.date(2021, 10, 1)) == "hard_cut_allowed"


def test_young_trees_watered_in_drought_not_after_three_years(dus_weather, context):
    """June 2023 (dry): young trees planted in autumn 2022 need water now, the amount per tree is
    within the regime's bounds; trees planted in 2019 are established; a wet sensor says wait."""
    trees = dict(site_id="t", kind="young_trees", lat=LAT, lon=LON, elevation_m=ELEV, tree_count=4)
    fc = forecast_site(
        SiteInput(**trees, planted=dt.date(2022, 11, 1)), dus_weather, "2023-06-15", 7, context
    )
    reg = context.care.young_trees
    assert fc.due_date == dt.date(2023, 6, 15) and fc.urgency == "high"
    per_tree = fc.details["per_tree_l"]
    assert reg.water_per_visit_l <= per_tree <= reg.max_water_per_visit_l
    assert fc.quantity == pytest.approx(per_tree * 4)
    assert "Wässern fällig" in fc.explanation.text_de
    old = forecast_site(
        SiteInput(**trees, planted=dt.date(2019, 4, 1)), dus_weather, "2023-06-15", 7, context
    )
    assert not old.is_due and old.explanation.reason == "established"
    sensor = pd.Series(38.0, index=pd.date_range("2023-06-10", "2023-06-15"))
    wet = forecast_site(
        SiteInput(**trees, planted=dt.date(2022, 11, 1), sensor_water_pct=sensor),
        dus_weather,
        "2023-06-15",
        2,
        context,
    )
    assert not wet.is_due
    assert wet.explanation.reason == "soil_moist"


def test_bad_inputs_are_refused_with_precise_messages(dus_weather, context):
    """Unknown kind, a last cut after the planning day, weather that ends too early and an
    unknown care class are refused with messages naming the problem."""
    with pytest.raises(ForecastInputError, match="kind must be one of"):
        SiteInput("x", "forest", LAT, LON)
    with pytest.raises(ForecastInputError, match="lies after"):
        forecast_site(lawn(last_service=dt.date(2021, 6, 5)), dus_weather, "2021-06-01", 7, context)
    with pytest.raises(ForecastInputError, match="must reach the planning day"):
        forecast_site(lawn(), dus_weather.loc[:"2021-05-25"], "2021-06-01", 7, context)
    with pytest.raises(ForecastInputError, match="unknown lawn care class"):
        forecast_site(lawn(care_class="golf"), dus_weather, "2021-06-01", 7, context)


def test_stale_weather_only_when_allowed(dus_weather, context):
    """Weather that ends before the planning day is refused, unless stale days are allowed: then
    climatology fills the days up to today and a note says when the data end."""
    ended = dus_weather.loc[:"2021-05-25"]
    with pytest.raises(ForecastInputError, match="ends at 2021-05-25"):
        forecast_site(lawn(), ended, "2021-06-01", 7, context)
    fc = forecast_site(lawn(), ended, "2021-06-01", 7, context, allow_stale_days=30)
    assert fc.explanation.uncertainty["observed_until"] == "2021-05-25"
    assert fc.explanation.notes[-1]["code"] == "stale_weather"
    assert "25.05.2021" in fc.explanation.text("de")
    with pytest.raises(ForecastInputError):
        forecast_site(lawn(), ended, "2021-08-01", 7, context, allow_stale_days=30)
