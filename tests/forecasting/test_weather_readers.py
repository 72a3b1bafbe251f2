"""Weather readers on the real DWD/Met Éireann files and on Bright Sky responses."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.dwd_products import (
    daily_from_solar_10min,
    read_dwd_poi_csv,
    read_dwd_solar_10min,
)
from forecasting.errors import WeatherFileError
from forecasting.growth_data import read_grass10, read_valentia
from forecasting.weather import (
    fill_gaps,
    read_brightsky_json,
    read_dwd_daily,
    read_dwd_station_meta,
    read_weather_csv,
    station_position,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"

SAMPLES = "api_samples/brightsky_test_fixtures"


def test_dwd_dusseldorf_rows_dates_and_missing_shares(dus_raw):
    """The Düsseldorf KL file has 26,298 days 1952-01-01..2023-12-31, none duplicated or missing,
    -999 read as NaN (24 % in TMK, complete from 1969-07; SDK from 1970, 25 days missing)."""
    assert len(dus_raw) == 26298
    assert dus_raw.index.min() == pd.Timestamp("1952-01-01")
    assert dus_raw.index.max() == pd.Timestamp("2023-12-31")
    assert not dus_raw.index.duplicated().any()
    assert len(pd.date_range("1952-01-01", "2023-12-31")) == len(dus_raw)
    assert dus_raw.attrs["station_id"] == "01078"
    assert dus_raw["tmean_c"].isna().mean() == pytest.approx(0.24, abs=0.01)
    assert dus_raw.loc["1969-07-01":, "tmean_c"].notna().all()
    sunshine = dus_raw["sunshine_h"]
    assert sunshine.first_valid_index().year == 1970
    assert int(sunshine.loc["1970-01-01":].isna().sum()) == 25  # single days 1994-2004
    assert (dus_raw.select_dtypes("number") != -999).all().all()


def test_dwd_dusseldorf_2014_2023_missing_as_readme(dus_raw):
    """2014-2023: 3,652 rows, TMK/TXK/TNK/RSK/SDK complete, FM 0.4 %, UPM 0.2 %, snow 16 %."""
    part = dus_raw.loc["2014":"2023"]
    assert len(part) == 3652
    for col in ("tmean_c", "tmax_c", "tmin_c", "precip_mm", "sunshine_h"):
        assert part[col].notna().all(), col
    assert part["wind_ms"].isna().mean() == pytest.approx(0.004, abs=0.001)
    assert part["rh_pct"].isna().mean() == pytest.approx(0.002, abs=0.001)
    assert part["snow_cm"].isna().mean() == pytest.approx(0.16, abs=0.005)
    annual_rain = part["precip_mm"].groupby(part.index.year).sum()
    assert annual_rain.idxmin() == 2018 and round(annual_rain.min()) == 564
    assert round(annual_rain.max()) == 1118


def test_dwd_bremen_recent_file_and_latin1_metadata(weather_dir):
    """Bremen recent KL: 550 days 2024-12-26..2026-06-28, SDK 3.1 %, NM 0.5 %, RSK 0.2 % missing;
    the latin-1 station metadata gives the current position 53.0451 N 8.7981 E 4.04 m."""
    frame = read_dwd_daily(weather_dir / "produkt_klima_tag_20241226_20260628_00691.txt")
    assert len(frame) == 550
    assert (frame.index.min(), frame.index.max()) == (
        pd.Timestamp("2024-12-26"),
        pd.Timestamp("2026-06-28"),
    )
    assert frame["sunshine_h"].isna().mean() == pytest.approx(0.031, abs=0.001)
    assert frame["cloud_octa"].isna().mean() == pytest.approx(0.005, abs=0.001)
    assert frame["precip_mm"].isna().mean() == pytest.approx(0.002, abs=0.001)
    assert frame["tmean_c"].notna().all()
    meta = read_dwd_station_meta(weather_dir / "Metadaten_Geographie_00691.txt")
    assert station_position(meta) == {"lat": 53.0451, "lon": 8.7981, "elevation_m": 4.04}
    assert meta["name"].iloc[-1] == "Bremen"
    assert pd.isna(meta["valid_to"].iloc[-1])


def test_fill_gaps_fills_and_flags_never_zero(weather_dir):
    """A KL file with a 10-day hole and single missing values: the dates come back, every filled
    value is flagged, temperatures and rain are plausible (not 0) and measured days stay as read."""
    frame = read_dwd_daily(weather_dir / "produkt_klima_tag_20241226_20260628_00691.txt")
    holed = frame.drop(pd.date_range("2025-07-10", "2025-07-19"))
    filled = fill_gaps(holed)
    hole = filled.loc["2025-07-10":"2025-07-19"]
    assert len(filled) == 550
    assert hole["filled"].all() and hole["tmean_c_filled"].all() and hole["precip_mm_filled"].all()
    assert hole["tmean_c"].between(10, 30).all()
    assert (hole["precip_mm"] > 0).all()
    assert hole["tmean_c"].notna().all() and hole["precip_mm"].notna().all()
    sunshine_gaps = frame["sunshine_h"].isna()
    assert filled.loc[sunshine_gaps[sunshine_gaps].index, "sunshine_h_filled"].all()
    kept = filled.loc[~filled["filled"]]
    pd.testing.assert_series_equal(kept["tmean_c"], frame.loc[kept.index, "tmean_c"])
    assert int(filled["sunshine_h_filled"].sum()) == int(frame["sunshine_h"].isna().sum()) + 10


def test_valentia_csv_and_grass10(weather_dir, data_dir):
    """Valentia: 1,096 days 2019-2021 without gaps; Grass10: 114 weeks with dairy growth 4-81."""
    valentia = read_valentia(weather_dir / "meteireann_valentia_2019_modvege_input.csv")
    assert len(valentia) == 1096
    assert valentia.index.min() == pd.Timestamp("2019-01-01")
    assert valentia.index.max() == pd.Timestamp("2021-12-31")
    assert valentia[["tmean_c", "par_mj", "rs_mj", "precip_mm", "et0_mm"]].notna().all().all()
    growth = read_grass10(data_dir / "growth" / "teagasc_grass10_weekly.csv")
    assert len(growth) == 114
    assert (growth.min(), growth.max()) == (4.0, 81.0)
    assert growth.mean() == pytest.approx(40.2, abs=0.05)


def test_generic_csv_errors_are_precise(tmp_path):
    """A generic CSV without the date column or with a duplicated day is refused by name."""
    path = tmp_path / "w.csv"
    path.write_text("day,tmean_c\n2024-01-01,3.0\n")
    with pytest.raises(WeatherFileError, match="date column 'date' not found"):
        read_weather_csv(path)
    path.write_text("date,tmean_c\n2024-01-01,3.0\n2024-01-01,4.0\n")
    with pytest.raises(WeatherFileError, match="twice"):
        read_weather_csv(path)


def test_dwd_reader_refuses_a_non_kl_file(tmp_path):
    """Any other semicolon file is refused with the missing DWD columns named."""
    path = tmp_path / "produkt_klima_tag_x.txt"
    path.write_text("A;B;eor\n1;2;eor\n")
    with pytest.raises(WeatherFileError, match="MESS_DATUM"):
        read_dwd_daily(path)


def test_brightsky_observations_aggregate_to_local_days():
    """Hourly Bright Sky records (previous-hour sums, local days) become daily values with units
    converted: sunshine min → h, wind km/h → m/s, solar kWh/m² → MJ/m²; a short day is NaN."""
    daily = read_brightsky_json(FIXTURES / "brightsky_weather_historical.json")
    assert list(daily.index) == list(pd.date_range("2023-06-09", "2023-06-11"))
    june9 = daily.loc["2023-06-09"]
    assert june9["tmax_c"] == 24.0 and june9["tmin_c"] == 12.0
    assert june9["sunshine_h"] == pytest.approx(12.0)
    assert june9["wind_ms"] == pytest.approx(3.0)
    doc = json.loads((FIXTURES / "brightsky_weather_historical.json").read_text())
    solar_kwh = sum(r["solar"] for r in doc["weather"] if r["timestamp"].startswith("2023-06-09"))
    assert june9["rs_mj"] == pytest.approx(solar_kwh * 3.6, rel=0.05)
    assert daily.loc["2023-06-10", "precip_mm"] == pytest.approx(5.0)
    assert daily.loc["2023-06-11"].isna().all()
    assert daily.attrs["station_id"] == "01766" and not daily.attrs["is_forecast"]


def test_brightsky_mosmix_is_marked_as_forecast():
    """A MOSMIX response is flagged as forecast; missing solar stays NaN (not 0)."""
    daily = read_brightsky_json(FIXTURES / "brightsky_weather_mosmix.json")
    assert daily.attrs["is_forecast"] is True
    assert daily.attrs["observation_types"] == ["forecast"]
    assert daily["rs_mj"].isna().all()
    assert daily.loc["2026-07-02", "precip_mm"] == pytest.approx(12.0)
    assert daily.loc["2026-07-01", "tmax_c"] == pytest.approx(31.0)


def test_brightsky_without_records_is_refused():
    """An empty weather list is an error a planner can read."""
    with pytest.raises(WeatherFileError, match="no weather records"):
        read_brightsky_json({"weather": [], "sources": []})


def test_dwd_solar_10min_sample(weather_dir):
    """The Münster/Osnabrück 10-min solar sample: 288 values 2023-06-09 00:00..06-10 23:50 UTC;
    only 9 June is complete (144 values) and its global radiation is summed in MJ/m²."""
    solar = read_dwd_solar_10min(weather_dir / SAMPLES / "10minutenwerte_SOLAR_01766_akt.zip")
    assert len(solar) == 288
    assert solar.index.min() == pd.Timestamp("2023-06-09 00:00", tz="UTC")
    assert solar.index.max() == pd.Timestamp("2023-06-10 23:50", tz="UTC")
    assert solar["longwave_j_cm2"].isna().all()
    daily = daily_from_solar_10min(solar)
    complete = daily[daily["values"] == 144]
    assert list(complete.index) == [pd.Timestamp("2023-06-09")]
    expected = solar.loc["2023-06-09 00:10":"2023-06-10 00:00", "global_j_cm2"].sum() * 0.01
    assert complete["rs_mj"].iloc[0] == pytest.approx(expected)
    assert 15 < complete["rs_mj"].iloc[0] < 35
    assert np.isnan(daily.loc["2023-06-10", "rs_mj"])
    meta = read_dwd_station_meta(weather_dir / SAMPLES / "Meta_Daten_zehn_min_sd_01766.zip")
    assert station_position(meta)["lat"] == pytest.approx(52.1344)


def test_dwd_poi_current_observations(weather_dir):
    """The POI CSV of station 01049: 3 header rows, 25 hourly rows (the README's 27 counts two of
    the header rows), decimal comma and '---' as NaN."""
    poi = read_dwd_poi_csv(weather_dir / SAMPLES / "observations_current.csv")
    assert len(poi) == 25
    assert poi.attrs["station_id"] == "01049"
    assert poi.index.min() == pd.Timestamp("2020-04-05 08:00", tz="UTC")
    assert poi.index.max() == pd.Timestamp("2020-04-06 08:00", tz="UTC")
    last = poi.iloc[-1]
    assert last["dew_point_temperature_at_2_meter_above_ground"] == pytest.approx(-10.0)
    assert poi["cloud_cover_total"].isna().all()
