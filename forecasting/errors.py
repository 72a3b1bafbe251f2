"""Errors raised by forecasting for bad input, each a ``ValueError`` with a precise message.

The application (greentour) maps them to its own error hierarchy; forecasting never imports it.
"""

from __future__ import annotations


class ForecastInputError(ValueError):
    """Input that forecasting cannot use (wrong file, wrong columns, impossible settings)."""


class WeatherFileError(ForecastInputError):
    """A weather file that cannot be read (format, columns, dates)."""


class SensorPayloadError(ForecastInputError):
    """A sensor message that is not a readable Dragino LSE01 uplink."""


class CareClassError(ForecastInputError):
    """A care-class file or care-class name that is missing or inconsistent."""
