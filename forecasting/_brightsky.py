"""Online fetch from the Bright Sky API (https://api.brightsky.dev), used only when online.

Network I/O lives here, apart from the parsers; tests never call it (they parse recorded or
schema-built responses with :func:`forecasting.weather.read_brightsky_json`).
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from datetime import date, timedelta
from typing import Any

from forecasting.errors import WeatherFileError
from forecasting.weather import read_brightsky_json

BRIGHTSKY_URL = "https://api.brightsky.dev/weather"
USER_AGENT = "greentour-forecasting (municipal green-space planning)"


def fetch_brightsky_weather(
    lat: float,
    lon: float,
    first_day: date,
    last_day: date,
    tz: str = "Europe/Berlin",
    timeout_s: float = 20.0,
) -> dict[str, Any]:
    """Hourly weather for a position: observations for past days, MOSMIX for coming days.

    Returns the decoded JSON; aggregate it with ``read_brightsky_json``.
    """
    query = urllib.parse.urlencode(
        {
            "lat": f"{lat:.4f}",
            "lon": f"{lon:.4f}",
            "date": first_day.isoformat(),
            "last_date": (last_day + timedelta(days=1)).isoformat(),
            "tz": tz,
            "units": "dwd",
        }
    )
    request = urllib.request.Request(f"{BRIGHTSKY_URL}?{query}", headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return json.loads(response.read().decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise WeatherFileError(f"Bright Sky not reachable or answered badly: {exc}") from exc


def fetch_mosmix_daily(lat: float, lon: float, today: date, days: int = 10):
    """The coming ``days`` days of MOSMIX as a daily weather frame (online only)."""
    doc = fetch_brightsky_weather(lat, lon, today, today + timedelta(days=days))
    return read_brightsky_json(doc)
