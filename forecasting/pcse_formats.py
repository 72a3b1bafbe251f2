"""Readers for two crop-model weather formats shipped with PCSE (used as real test data).

* JRC MARS style CSV (``10870_munchen_flughafen.csv``): one row per day ending in ``);``, dates as
  ``DD-MON-YY``, radiation in kJ m-2 d-1, vapour pressure hPa, wind at 10 m, and the reference
  evapotranspiration ``ET0`` (mm/d) computed by the data provider — a real check for our ET0.
* CABO weather files (``NL1.976`` ... one per year): ``*`` comment lines, a line
  ``lon lat elevation A B`` (Ångström coefficients), then station, year, day of year, irradiation
  (kJ m-2 d-1), Tmin, Tmax (°C), early-morning vapour pressure (kPa), wind at 2 m (m/s), rain (mm);
  missing = -99.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.errors import WeatherFileError
from forecasting.weather import WEATHER_COLUMNS

KJ_TO_MJ = 0.001


def _frame(index: pd.DatetimeIndex) -> pd.DataFrame:
    frame = pd.DataFrame(index=index, columns=WEATHER_COLUMNS, dtype=float)
    frame.index.name = "date"
    return frame


def read_mars_csv(path: str | Path) -> pd.DataFrame:
    """A JRC MARS style daily CSV as a daily weather frame; the provider's ET0 is kept in
    ``et0_provider_mm`` (``et0_mm`` stays empty so that our own ET0 can be computed)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    cleaned = "\n".join(line.rstrip().removesuffix(");") for line in text.splitlines())
    try:
        raw = pd.read_csv(io.StringIO(cleaned))
    except pd.errors.ParserError as exc:
        raise WeatherFileError(f"{path.name}: not a MARS weather CSV ({exc})") from exc
    need = {"DAY", "TEMPERATURE_MIN", "TEMPERATURE_MAX", "RADIATION"}
    if not need <= set(raw.columns):
        raise WeatherFileError(f"{path.name}: needs columns {sorted(need)}")
    dates = pd.to_datetime(raw["DAY"], format="%d-%b-%y")
    frame = _frame(pd.DatetimeIndex(dates, name="date"))
    frame["tmin_c"] = raw["TEMPERATURE_MIN"].to_numpy(dtype=float)
    frame["tmax_c"] = raw["TEMPERATURE_MAX"].to_numpy(dtype=float)
    frame["tmean_c"] = (frame["tmin_c"] + frame["tmax_c"]) / 2
    frame["vp_hpa"] = raw["VAPOURPRESSURE"].to_numpy(dtype=float)
    frame["rs_mj"] = raw["RADIATION"].to_numpy(dtype=float) * KJ_TO_MJ
    frame["wind_ms"] = raw["WINDSPEED_10M"].to_numpy(dtype=float)
    frame["et0_provider_mm"] = raw["ET0"].to_numpy(dtype=float)
    if frame.index.duplicated().any():
        raise WeatherFileError(f"{path.name}: a day appears twice")
    frame = frame.sort_index()  # rows are not always in date order
    frame.attrs.update(station_id=str(raw["STATION_NUMBER"].iloc[0]), file=path.name)
    return frame


def read_cabo(paths: str | Path | list[Path]) -> pd.DataFrame:
    """CABO yearly files (a file, a list, or a folder of ``*.9xx`` files) as one daily frame.

    ``attrs`` holds ``lon``, ``lat``, ``elevation_m``, ``angstrom_a``, ``angstrom_b``. Wind is at
    2 m here (converted to an equivalent 10 m value for the frame's ``wind_ms``).
    """
    if isinstance(paths, str | Path) and Path(paths).is_dir():
        files = sorted(p for p in Path(paths).iterdir() if p.suffix[1:].isdigit())
    elif isinstance(paths, list):
        files = [Path(p) for p in paths]
    else:
        files = [Path(paths)]
    if not files:
        raise WeatherFileError("no CABO weather files found")
    parts = []
    header = None
    for file in files:
        lines = [ln for ln in file.read_text(encoding="latin-1").splitlines() if ln.strip()]
        body = [ln for ln in lines if not ln.lstrip().startswith("*")]
        if len(body) < 2:
            raise WeatherFileError(f"{file.name}: no CABO data lines")
        header = [float(x) for x in body[0].split()[:5]]
        rows = pd.read_csv(io.StringIO("\n".join(body[1:])), sep=r"\s+", header=None)
        parts.append(rows.iloc[:, :9])
    raw = pd.concat(parts, ignore_index=True)
    raw.columns = ["station", "year", "doy", "irr", "tmin", "tmax", "vp", "wind", "rain"]
    raw = raw.replace(-99.0, np.nan)
    dates = pd.to_datetime(raw["year"].astype(int).astype(str), format="%Y") + pd.to_timedelta(
        raw["doy"].astype(int) - 1, unit="D"
    )
    frame = _frame(pd.DatetimeIndex(dates, name="date"))
    frame["rs_mj"] = raw["irr"].to_numpy() * KJ_TO_MJ
    frame["tmin_c"] = raw["tmin"].to_numpy()
    frame["tmax_c"] = raw["tmax"].to_numpy()
    frame["tmean_c"] = (frame["tmin_c"] + frame["tmax_c"]) / 2
    frame["vp_hpa"] = raw["vp"].to_numpy() * 10.0
    frame["wind_ms"] = raw["wind"].to_numpy() * np.log(67.8 * 10 - 5.42) / 4.87
    frame["precip_mm"] = raw["rain"].to_numpy()
    lon, lat, elev, a, b = header
    frame.attrs.update(lon=lon, lat=lat, elevation_m=elev, angstrom_a=a, angstrom_b=b)
    return frame.sort_index()
