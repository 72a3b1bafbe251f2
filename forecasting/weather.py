"""Readers for daily weather: DWD CDC KL files, DWD station metadata, Bright Sky JSON, generic CSV.

Every reader returns the same *daily weather frame*: a ``DataFrame`` indexed by a daily
``DatetimeIndex`` named ``date`` (local calendar days, no time zone) with these columns, NaN where a
value is missing (never 0):

==================  ======================================  ============
column              meaning                                 unit
==================  ======================================  ============
``tmean_c``         daily mean air temperature, 2 m         °C
``tmax_c``          daily maximum air temperature           °C
``tmin_c``          daily minimum air temperature           °C
``precip_mm``       precipitation                           mm/d
``sunshine_h``      sunshine duration                       h/d
``wind_ms``         mean wind speed at 10 m                 m/s
``rh_pct``          mean relative humidity                  %
``vp_hpa``          mean vapour pressure                    hPa
``pressure_hpa``    mean air pressure at station level      hPa
``rs_mj``           global radiation (if measured)          MJ m-2 d-1
``par_mj``          photosynthetically active radiation     MJ m-2 d-1
``et0_mm``          reference evapotranspiration (if given) mm/d
==================  ======================================  ============

``frame.attrs`` carries ``source`` (licence/attribution text), ``station_id``, ``lat``/``lon``/
``elevation_m`` when known. Gaps are filled and flagged by :func:`fill_gaps`, never silently.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecasting.errors import WeatherFileError

WEATHER_COLUMNS = [
    "tmean_c",
    "tmax_c",
    "tmin_c",
    "precip_mm",
    "sunshine_h",
    "wind_ms",
    "rh_pct",
    "vp_hpa",
    "pressure_hpa",
    "rs_mj",
    "par_mj",
    "et0_mm",
]

DWD_ATTRIBUTION = "Datenbasis: Deutscher Wetterdienst (CC BY 4.0)"

# DWD KL daily column -> daily weather frame column.
_DWD_KL_MAP = {
    "TMK": "tmean_c",
    "TXK": "tmax_c",
    "TNK": "tmin_c",
    "RSK": "precip_mm",
    "SDK": "sunshine_h",
    "FM": "wind_ms",
    "UPM": "rh_pct",
    "VPM": "vp_hpa",
    "PM": "pressure_hpa",
}
_DWD_KL_REQUIRED = {"STATIONS_ID", "MESS_DATUM", "TMK", "RSK"}
_DWD_MISSING = -999


def _empty_frame(index: pd.DatetimeIndex) -> pd.DataFrame:
    frame = pd.DataFrame(index=index, columns=WEATHER_COLUMNS, dtype=float)
    frame.index.name = "date"
    return frame


def read_dwd_daily(path: str | Path) -> pd.DataFrame:
    """Read a DWD CDC daily climate file (``produkt_klima_tag_*.txt``, product KL).

    The format: ``;``-separated, fields padded with spaces, missing values ``-999``, a trailing
    ``eor`` column, CRLF or LF line ends. Returned as a daily weather frame (see module doc) with
    the DWD extras ``station_id``, ``qn_3``, ``qn_4`` (quality levels), ``snow_cm``, ``cloud_octa``,
    ``tgk_c`` (5 cm minimum), ``gust_max_ms`` (FX, the day's maximum wind gust, m/s). Missing
    days are *not* invented here: run :func:`fill_gaps`.

    Raises
    ------
    WeatherFileError
        if the file is not a KL daily file or its dates are unreadable or duplicated.
    """
    path = Path(path)
    try:
        raw = pd.read_csv(
            path,
            sep=";",
            skipinitialspace=True,
            na_values=[_DWD_MISSING, str(_DWD_MISSING)],
            dtype=str,
            encoding="latin-1",
        )
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise WeatherFileError(f"{path.name}: not a readable DWD daily file ({exc})") from exc
    raw.columns = [c.strip() for c in raw.columns]
    missing = _DWD_KL_REQUIRED - set(raw.columns)
    if missing:
        raise WeatherFileError(
            f"{path.name}: not a DWD KL daily file, columns {sorted(missing)} are missing"
        )
    raw = raw.drop(columns=[c for c in raw.columns if c.lower() == "eor"])
    raw = raw.apply(lambda col: col.str.strip())
    dates = pd.to_datetime(raw["MESS_DATUM"], format="%Y%m%d", errors="coerce")
    if dates.isna().any():
        bad = raw.loc[dates.isna(), "MESS_DATUM"].iloc[0]
        raise WeatherFileError(f"{path.name}: unreadable date {bad!r} in MESS_DATUM")
    if dates.duplicated().any():
        dup = dates[dates.duplicated()].iloc[0].date()
        raise WeatherFileError(f"{path.name}: date {dup} appears twice")
    numeric = raw.drop(columns=["MESS_DATUM"]).apply(pd.to_numeric, errors="coerce")
    numeric = numeric.mask(numeric == _DWD_MISSING)
    numeric.index = pd.DatetimeIndex(dates, name="date")
    frame = _empty_frame(numeric.index)
    for dwd_col, col in _DWD_KL_MAP.items():
        if dwd_col in numeric:
            frame[col] = numeric[dwd_col].astype(float)
    frame["par_mj"] = np.nan
    frame["station_id"] = numeric["STATIONS_ID"].astype("Int64")
    for dwd_col, col in {
        "QN_3": "qn_3",
        "QN_4": "qn_4",
        "SHK_TAG": "snow_cm",
        "NM": "cloud_octa",
        "TGK": "tgk_c",
        "FX": "gust_max_ms",
    }.items():
        if dwd_col in numeric:
            frame[col] = numeric[dwd_col]
    frame = frame.sort_index()
    station = frame["station_id"].dropna().unique()
    frame.attrs.update(
        source=DWD_ATTRIBUTION,
        station_id=f"{int(station[0]):05d}" if len(station) else None,
        file=path.name,
    )
    return frame


def read_dwd_station_meta(path: str | Path) -> pd.DataFrame:
    """Read DWD ``Metadaten_Geographie_*.txt`` (latin-1, ``;``): station positions over time.

    ``path`` is the text file or a DWD ``Meta_Daten_*.zip`` holding it. Returns one row per
    position period with ``station_id``, ``elevation_m``, ``lat``, ``lon``, ``valid_from``,
    ``valid_to`` (NaT = still valid) and ``name``. The current position is the last row.
    """
    import io
    import zipfile

    path = Path(path)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                member = next(
                    (n for n in zf.namelist() if n.startswith("Metadaten_Geographie")), None
                )
                if member is None:
                    raise WeatherFileError(f"{path.name}: no Metadaten_Geographie file inside")
                source = io.StringIO(zf.read(member).decode("latin-1"))
        else:
            source = path
        raw = pd.read_csv(source, sep=";", encoding="latin-1", dtype=str, skipinitialspace=True)
    except (OSError, pd.errors.ParserError) as exc:
        raise WeatherFileError(f"{path.name}: not a readable DWD metadata file ({exc})") from exc
    raw.columns = [c.strip() for c in raw.columns]
    need = {"Stations_id", "Stationshoehe", "Geogr.Breite", "Geogr.Laenge", "von_datum"}
    if not need <= set(raw.columns):
        raise WeatherFileError(
            f"{path.name}: not a DWD Metadaten_Geographie file, needs columns {sorted(need)}"
        )
    raw = raw.apply(lambda col: col.str.strip())
    meta = pd.DataFrame(
        {
            "station_id": raw["Stations_id"].astype(int),
            "elevation_m": raw["Stationshoehe"].astype(float),
            "lat": raw["Geogr.Breite"].astype(float),
            "lon": raw["Geogr.Laenge"].astype(float),
            "valid_from": pd.to_datetime(raw["von_datum"], format="%Y%m%d"),
            "valid_to": pd.to_datetime(
                raw.get("bis_datum", pd.Series([None] * len(raw))).replace("", None),
                format="%Y%m%d",
                errors="coerce",
            ),
            "name": raw.get("Stationsname", pd.Series([""] * len(raw))),
        }
    )
    return meta.sort_values("valid_from").reset_index(drop=True)


def station_position(meta: pd.DataFrame) -> dict[str, float]:
    """The current position (last period) of a station as ``lat``, ``lon``, ``elevation_m``."""
    last = meta.iloc[-1]
    return {
        "lat": float(last["lat"]),
        "lon": float(last["lon"]),
        "elevation_m": float(last["elevation_m"]),
    }


def read_brightsky_json(
    source: str | Path | dict[str, Any], tz: str = "Europe/Berlin", min_hours: int = 20
) -> pd.DataFrame:
    """Aggregate a Bright Sky ``/weather`` response (hourly, DWD units) to a daily weather frame.

    Bright Sky (https://brightsky.dev) serves DWD observations (``observation_type`` historical,
    current, synop) and MOSMIX forecasts (``forecast``) as ``{"weather": [...], "sources": [...]}``.
    Units with the default ``units=dwd``: temperature °C, precipitation mm in the previous hour,
    sunshine min in the previous hour, wind_speed km/h at 10 m, relative_humidity %, solar kWh/m²
    in the previous hour (null when not available, e.g. in MOSMIX for most stations),
    wind_gust_speed km/h (the extra column ``gust_max_ms`` holds the day's maximum, m/s).

    Hours are grouped by local day (``tz``). A day with fewer than ``min_hours`` records gets NaN
    for all variables so that :func:`fill_gaps` fills and flags it instead of a wrong daily sum.
    ``attrs['observation_types']`` lists the source types; ``attrs['is_forecast']`` is True when
    every record came from a MOSMIX forecast source.
    """
    if isinstance(source, dict):
        doc = source
        name = "Bright Sky response"
    else:
        path = Path(source)
        name = path.name
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise WeatherFileError(f"{name}: not readable Bright Sky JSON ({exc})") from exc
    if not isinstance(doc, dict) or "weather" not in doc or "sources" not in doc:
        raise WeatherFileError(f"{name}: a Bright Sky response needs 'weather' and 'sources'")
    records = doc["weather"]
    if not records:
        raise WeatherFileError(f"{name}: the response holds no weather records")
    hourly = pd.DataFrame(records)
    if "timestamp" not in hourly:
        raise WeatherFileError(f"{name}: weather records have no 'timestamp'")
    for col in (
        "temperature",
        "precipitation",
        "sunshine",
        "wind_speed",
        "relative_humidity",
        "solar",
        "pressure_msl",
        "wind_gust_speed",
    ):
        if col not in hourly:
            hourly[col] = np.nan
        hourly[col] = pd.to_numeric(hourly[col], errors="coerce")
    stamps = pd.to_datetime(hourly["timestamp"], utc=True).dt.tz_convert(tz)
    # A value "during the previous 60 minutes" stamped 00:00 belongs to the day before.
    day = (stamps - pd.Timedelta(minutes=1)).dt.tz_localize(None).dt.normalize()
    hourly["day"] = day
    groups = hourly.groupby("day")
    count = groups["timestamp"].count()
    daily = pd.DataFrame(index=pd.DatetimeIndex(count.index, name="date"))
    daily["tmean_c"] = groups["temperature"].mean()
    daily["tmax_c"] = groups["temperature"].max()
    daily["tmin_c"] = groups["temperature"].min()
    daily["precip_mm"] = groups["precipitation"].sum(min_count=1)
    daily["sunshine_h"] = groups["sunshine"].sum(min_count=1) / 60.0
    daily["wind_ms"] = groups["wind_speed"].mean() / 3.6
    daily["rh_pct"] = groups["relative_humidity"].mean()
    daily["rs_mj"] = groups["solar"].sum(min_count=1) * 3.6
    daily["gust_max_ms"] = groups["wind_gust_speed"].max() / 3.6
    frame = _empty_frame(daily.index)
    for col in daily:
        frame[col] = daily[col]
    frame.loc[count < min_hours, [*WEATHER_COLUMNS, "gust_max_ms"]] = np.nan
    sources = pd.DataFrame(doc["sources"])
    types = sorted(set(sources.get("observation_type", pd.Series(dtype=str)).dropna()))
    frame.attrs.update(
        source=DWD_ATTRIBUTION + " via Bright Sky",
        observation_types=types,
        is_forecast=types == ["forecast"],
        station_id=str(sources["dwd_station_id"].iloc[0]) if "dwd_station_id" in sources else None,
        lat=float(sources["lat"].iloc[0]) if "lat" in sources else None,
        lon=float(sources["lon"].iloc[0]) if "lon" in sources else None,
        elevation_m=float(sources["height"].iloc[0]) if "height" in sources else None,
    )
    return frame


def read_weather_csv(
    path: str | Path, columns: dict[str, str] | None = None, date_column: str = "date"
) -> pd.DataFrame:
    """Read a generic daily CSV into a daily weather frame.

    ``columns`` maps the file's column names to weather-frame names (e.g. the Met Éireann
    Valentia file: ``{"T": "tmean_c", "PAR": "par_mj", "RG": "rs_mj", "PP": "precip_mm",
    "PET": "et0_mm"}`` with ``date_column="time"``). Columns already named like the weather frame
    are taken as they are. Empty cells become NaN.
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise WeatherFileError(f"{path.name}: not a readable CSV file ({exc})") from exc
    if date_column not in raw:
        raise WeatherFileError(f"{path.name}: date column {date_column!r} not found")
    dates = pd.to_datetime(raw[date_column], errors="coerce")
    if dates.isna().any():
        raise WeatherFileError(f"{path.name}: unreadable dates in column {date_column!r}")
    if dates.duplicated().any():
        raise WeatherFileError(f"{path.name}: date {dates[dates.duplicated()].iloc[0]} twice")
    mapping = dict(columns or {})
    for col in WEATHER_COLUMNS:
        if col in raw and col not in mapping.values():
            mapping[col] = col
    unknown = [src for src in mapping if src not in raw]
    if unknown:
        raise WeatherFileError(f"{path.name}: columns {unknown} not found")
    frame = _empty_frame(pd.DatetimeIndex(dates.dt.normalize(), name="date"))
    for src, dst in mapping.items():
        frame[dst] = pd.to_numeric(raw[src], errors="coerce").to_numpy()
    frame = frame.sort_index()
    frame.attrs.update(file=path.name, source=path.name)
    return frame


#: Daily values outside these ranges cannot be measured at a station in Germany (records:
#: 41.2 °C, -45.9 °C, 312 mm of rain in a day); such a value is rejected, not used.
PLAUSIBLE_RANGES: dict[str, tuple[float, float]] = {
    "tmean_c": (-40.0, 45.0),
    "tmax_c": (-35.0, 50.0),
    "tmin_c": (-50.0, 40.0),
    "precip_mm": (0.0, 400.0),
    "sunshine_h": (0.0, 17.0),
    "wind_ms": (0.0, 60.0),
    "rh_pct": (0.0, 100.0),
    "vp_hpa": (0.0, 60.0),
    "pressure_hpa": (500.0, 1090.0),
    "rs_mj": (0.0, 40.0),
    "par_mj": (0.0, 20.0),
    "et0_mm": (0.0, 15.0),
}
#: Gaps longer than this many days are not filled at import (a file with two rows 226 years
#: apart would otherwise become 82,717 invented days).
MAX_FILL_GAP_DAYS = 62


Rejection = tuple[pd.Timestamp, str, float]
"""A rejected value: (day, column, value)."""


def reject_implausible(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Rejection]]:
    """``frame`` with every value outside :data:`PLAUSIBLE_RANGES` set to NaN (so that
    :func:`fill_gaps` fills and flags it), and the rejected (day, column, value) triples."""
    out = frame.copy()
    out.attrs = dict(frame.attrs)
    rejected: list[Rejection] = []
    for col, (low, high) in PLAUSIBLE_RANGES.items():
        if col not in out:
            continue
        values = pd.to_numeric(out[col], errors="coerce")
        bad = values.notna() & ((values < low) | (values > high))
        for day, value in values[bad].items():
            rejected.append((day, col, float(value)))
        out.loc[bad, col] = np.nan
    rejected.sort(key=lambda item: (item[0], item[1]))
    return out, rejected


def split_at_long_gaps(
    frame: pd.DataFrame, max_gap_days: int = MAX_FILL_GAP_DAYS
) -> list[pd.DataFrame]:
    """``frame`` (sorted by day) cut where more than ``max_gap_days`` days are missing."""
    if frame.empty:
        return []
    steps = frame.index.to_series().diff().dt.days.fillna(1).to_numpy()
    starts = [0, *np.flatnonzero(steps > max_gap_days + 1).tolist(), len(frame)]
    parts = []
    for a, b in zip(starts[:-1], starts[1:], strict=True):
        part = frame.iloc[a:b]
        part.attrs = dict(frame.attrs)
        parts.append(part)
    return parts


def fill_gaps(
    frame: pd.DataFrame,
    columns: list[str] | None = None,
    max_interpolate_days: int = 3,
) -> pd.DataFrame:
    """Make the daily series complete and flag every value that was not measured.

    Missing dates are added; then per column: gaps up to ``max_interpolate_days`` are linearly
    interpolated (not precipitation: rain does not interpolate), longer gaps and all precipitation
    gaps take the day-of-year mean of the other years in the same frame (smoothed over ±7 days);
    if there is no other year, the column mean. For each filled column a boolean
    ``<column>_filled`` is added, and ``filled`` says whether any listed column was filled that
    day. Values are never silently set to 0.
    """
    if frame.empty:
        raise WeatherFileError("the weather series is empty")
    columns = columns or [c for c in WEATHER_COLUMNS if c in frame and frame[c].notna().any()]
    full_index = pd.date_range(frame.index.min(), frame.index.max(), freq="D", name="date")
    out = frame.reindex(full_index)
    out.attrs = dict(frame.attrs)
    any_filled = pd.Series(False, index=full_index)
    doy = full_index.day_of_year.to_numpy()
    doy = np.where(doy == 366, 365, doy)
    for col in columns:
        series = out[col].astype(float)
        missing = series.isna()
        flag = missing.copy()
        if missing.any():
            filled = series.copy()
            if col != "precip_mm":
                interp = series.interpolate(method="linear", limit_area="inside")
                run_id = (~missing).cumsum()
                run_len = missing.groupby(run_id).transform("sum")
                short = missing & (run_len <= max_interpolate_days) & interp.notna()
                filled[short] = interp[short]
            still = filled.isna()
            if still.any():
                clim = _doy_climatology(series, doy)
                fallback = clim[doy - 1]
                fallback = np.where(np.isnan(fallback), np.nanmean(series), fallback)
                filled[still] = fallback[still.to_numpy()]
            out[col] = filled
        out[f"{col}_filled"] = flag.to_numpy()
        any_filled |= flag
    out["filled"] = any_filled.to_numpy()
    return out


def _doy_climatology(series: pd.Series, doy: np.ndarray, half_window_days: int = 7) -> np.ndarray:
    """Mean per day of year (1..365), smoothed circularly over ± ``half_window_days``."""
    values = series.to_numpy(dtype=float)
    sums = np.zeros(365)
    counts = np.zeros(365)
    ok = ~np.isnan(values)
    np.add.at(sums, doy[ok] - 1, values[ok])
    np.add.at(counts, doy[ok] - 1, 1)
    kernel = np.ones(2 * half_window_days + 1)
    pad = half_window_days
    sums_c = np.convolve(np.concatenate([sums[-pad:], sums, sums[:pad]]), kernel, "valid")
    counts_c = np.convolve(np.concatenate([counts[-pad:], counts, counts[:pad]]), kernel, "valid")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts_c > 0, sums_c / counts_c, np.nan)
