"""Forecasting for green-space crews: weather and sensors in, due dates with reasons out.

Readers (``weather``, ``dwd_products``, ``sensors``, ``growth_data``), drivers (``drivers``,
``water``, ``planning``), models (``grass``, ``lawn``, ``hedges``, ``trees``, ``workability``) and
the entry point :func:`forecasting.forecast.forecast_site`. Never imports greentour, Flask or
SQLAlchemy. See docs/forecasting.md.

The application imports the public API below (``__all__``) only, never a module of its own.
"""

from forecasting._brightsky import fetch_mosmix_daily
from forecasting.care_classes import CareClasses, load_care_classes
from forecasting.errors import ForecastInputError, SensorPayloadError
from forecasting.explain import SiteForecast
from forecasting.forecast import CrewReport, ForecastContext, SiteInput, forecast_site
from forecasting.grass import DriverGrassModel
from forecasting.sensors import parse_uplink
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
    "MAX_FILL_GAP_DAYS", "WEATHER_COLUMNS", "CareClasses", "CrewReport", "DriverGrassModel",
    "ForecastContext", "ForecastInputError", "SensorPayloadError", "SiteForecast", "SiteInput",
    "fetch_mosmix_daily", "fill_gaps", "forecast_site", "load_care_classes", "parse_uplink",
    "read_brightsky_json", "read_dwd_daily", "read_weather_csv", "reject_implausible",
    "split_at_long_gaps",
]
