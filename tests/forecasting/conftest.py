"""Fixtures for forecasting tests: the real weather/growth files, care classes, a fitted model."""

from __future__ import annotations

from pathlib import Path

import pytest

from forecasting.drivers import add_drivers
from forecasting.forecast import ForecastContext
from forecasting.weather import fill_gaps, read_dwd_daily

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DUS_LAT, DUS_ELEV = 51.2960, 37.0


@pytest.fixture(scope="session")
def weather_dir(data_dir: Path) -> Path:
    return data_dir / "weather"


@pytest.fixture(scope="session")
def care_path() -> Path:
    """The care-class file shipped with the repository."""
    return REPO_ROOT / "data" / "care_classes.toml"


@pytest.fixture(scope="session")
def grass10_csv(data_dir: Path) -> Path:
    return data_dir / "growth" / "teagasc_grass10_weekly.csv"


@pytest.fixture(scope="session")
def valentia_csv(weather_dir: Path) -> Path:
    return weather_dir / "meteireann_valentia_2019_modvege_input.csv"


@pytest.fixture(scope="session")
def dus_raw(weather_dir: Path):
    """DWD Düsseldorf 01078 daily KL, 1952-2023, as read (not filled)."""
    return read_dwd_daily(weather_dir / "produkt_klima_tag_19520101_20231231_01078.txt")


@pytest.fixture(scope="session")
def dus_weather(dus_raw):
    """Düsseldorf 2010-2023, gaps filled and flagged."""
    return fill_gaps(dus_raw.loc["2010-01-01":"2023-12-31"])


@pytest.fixture(scope="session")
def dus_drivers(dus_weather):
    return add_drivers(dus_weather, DUS_LAT, DUS_ELEV)


@pytest.fixture(scope="session")
def context(care_path, grass10_csv, valentia_csv) -> ForecastContext:
    """Care classes and the grass model fitted on all measured Grass10 weeks."""
    return ForecastContext.from_files(care_path, grass10_csv, valentia_csv)
