"""Workability per day: may heavy mowers drive on the turf, and is it a hot day?

Rules (defaults, overridable): no heavy machines on the day after ≥ 10 mm of rain in a day, after
≥ 25 mm in three days, or when the soil is soaked (a sensor reading at or above
``soaked_water_pct``, or the bucket at field capacity with drainage that day). A day with a
maximum of ≥ 30 °C is a hot day (DWD "heißer Tag"): move the shift earlier.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from forecasting.explain import DayWorkability


@dataclass(frozen=True)
class WorkabilityRules:
    """Thresholds for heavy machines and heat."""

    heavy_rain_day_mm: float = 10.0
    heavy_rain_3d_mm: float = 25.0
    soaked_water_pct: float = 40.0
    hot_day_tmax_c: float = 30.0


def day_workability(
    weather: pd.DataFrame,
    days: pd.DatetimeIndex,
    bucket: pd.DataFrame | None = None,
    sensor_water_pct: pd.Series | None = None,
    rules: WorkabilityRules | None = None,
) -> list[DayWorkability]:
    """Workability for each of ``days`` from a planning weather frame (observed/forecast/clim.).

    Rain of the day before and of the three days before counts (the turf is soft the morning
    after). ``bucket`` is a soil bucket frame (drainage_mm, depletion_mm).
    """
    rules = rules or WorkabilityRules()
    rain = weather["precip_mm"].astype(float).fillna(0.0)
    rain_prev = rain.shift(1).fillna(0.0)
    rain_3d = rain.shift(1).rolling(3, min_periods=1).sum().fillna(0.0)
    tmax = weather.get("tmax_c", weather["tmean_c"] + 5).astype(float)
    source = weather.get("weather_source", pd.Series("observed", index=weather.index))
    out = []
    for day in days:
        reasons: list[dict[str, str]] = []
        if day not in weather.index:
            continue
        if rain_prev[day] >= rules.heavy_rain_day_mm:
            reasons.append(
                {
                    "code": "heavy_rain",
                    "text_de": f"Starkregen am Vortag ({rain_prev[day]:.0f} mm): "
                    "keine schweren Mäher",
                    "text_en": f"heavy rain the day before ({rain_prev[day]:.0f} mm): "
                    "no heavy mowers",
                }
            )
        elif rain_3d[day] >= rules.heavy_rain_3d_mm:
            reasons.append(
                {
                    "code": "wet_spell",
                    "text_de": f"{rain_3d[day]:.0f} mm Regen in drei Tagen: keine schweren Mäher",
                    "text_en": f"{rain_3d[day]:.0f} mm of rain in three days: no heavy mowers",
                }
            )
        soaked = False
        if sensor_water_pct is not None and day in sensor_water_pct.index:
            soaked = bool(sensor_water_pct[day] >= rules.soaked_water_pct)
        elif bucket is not None and day in bucket.index:
            prev = day - pd.Timedelta(days=1)
            soaked = bool(
                prev in bucket.index
                and bucket.loc[prev, "depletion_mm"] == 0
                and bucket.loc[prev, "drainage_mm"] >= 5.0
            )
        if soaked:
            reasons.append(
                {
                    "code": "soaked_soil",
                    "text_de": "Boden wassergesättigt: keine schweren Mäher",
                    "text_en": "soil soaked: no heavy mowers",
                }
            )
        hot = bool(tmax[day] >= rules.hot_day_tmax_c)
        if hot:
            reasons.append(
                {
                    "code": "hot_day",
                    "text_de": f"Hitzetag (bis {tmax[day]:.0f} °C): Schicht früher beginnen",
                    "text_en": f"hot day (up to {tmax[day]:.0f} °C): start the shift earlier",
                }
            )
        heavy_ok = not any(r["code"] != "hot_day" for r in reasons)
        out.append(
            DayWorkability(
                date=day.date(),
                heavy_machines_ok=heavy_ok,
                hot=hot,
                weather_source=str(source[day]),
                reasons=reasons,
            )
        )
    return out
