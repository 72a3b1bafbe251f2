"""Forecasting for green-space crews: weather and sensors in, due dates with reasons out.

Readers (``weather``, ``dwd_products``, ``sensors``, ``growth_data``), drivers (``drivers``,
``water``, ``planning``), models (``grass``, ``lawn``, ``hedges``, ``trees``, ``workability``) and
the entry point :func:`forecasting.forecast.forecast_site`. Never imports greentour, Flask or
SQLAlchemy. See docs/forecasting.md.

The application imports the public API below (``__all__``) only, never a module of its own.
"""

from forecasting._brightsky import fetch_mosmix_daily
from forecasting.care_classes import CareClasses, load_care_classes
from forecasting.clearance import MARGIN_M, REGROWTH_PER_CUT_M, predict_violation
from forecasting.drivers import add_drivers
from forecasting.errors import ForecastInputError, SensorPayloadError
from forecasting.explain import SiteForecast
from forecasting.forecast import CrewReport, ForecastContext, SiteInput, forecast_site
from forecasting.grass import DriverGrassModel
from forecasting.planning import planning_weather
from forecasting.sensors import parse_uplink
from forecasting.storm_risk import RiskModel, Sample, fit, site_features
from forecasting.storms import DEFAULT_STORM_BFT, GUST_COLUMN, beaufort_ms, storm_rounds
from forecasting.weather import (
    MAX_FILL_GAP_DAYS,
    WEATHER_COLUMNS,
    fill_gaps,
    read_brightsky_json,
    read_dwd_daily,
    read_weather_csv,
    reject_implausible,
    split_at_long_gaps,
)

__all__ = [
    "CareClasses", "CrewReport", "DEFAULT_STORM_BFT", "DriverGrassModel", "ForecastContext",
    "ForecastInputError", "GUST_COLUMN", "MARGIN_M", "MAX_FILL_GAP_DAYS", "REGROWTH_PER_CUT_M",
    "RiskModel", "Sample", "SensorPayloadError", "SiteForecast", "SiteInput", "WEATHER_COLUMNS",
    "add_drivers", "beaufort_ms", "fetch_mosmix_daily", "fill_gaps", "fit", "forecast_site",
    "load_care_classes", "parse_uplink", "planning_weather", "predict_violation",
    "read_brightsky_json", "read_dwd_daily", "read_weather_csv", "reject_implausible",
    "site_features", "split_at_long_gaps", "storm_rounds",
]
