"""Readers for measured grass growth (Teagasc Grass10) and its paired weather (Valentia).

Grass10: weekly national figures from the Teagasc newsletters; ``growth_dairy`` is the mean growth
on dairy farms in kg DM ha-1 d-1, indexed by the week's Monday. Valentia Observatory (Met Éireann,
CC BY 4.0) daily weather prepared as ModVege input: T (°C), PAR and RG (MJ m-2 d-1), PET and PP
(mm/d).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from forecasting.errors import ForecastInputError
from forecasting.weather import read_weather_csv

VALENTIA_LAT_DEG = 51.938  # Valentia Observatory, Met Éireann station 2275
VALENTIA_ELEVATION_M = 24.0
VALENTIA_COLUMNS = {
    "T": "tmean_c",
    "PAR": "par_mj",
    "RG": "rs_mj",
    "PP": "precip_mm",
    "PET": "et0_mm",
}


def read_grass10(path: str | Path, column: str = "growth_dairy") -> pd.Series:
    """Weekly measured growth (kg DM/ha/d) from a Grass10 CSV, weeks without a value dropped."""
    path = Path(path)
    try:
        raw = pd.read_csv(path)
    except (OSError, pd.errors.ParserError) as exc:
        raise ForecastInputError(f"{path.name}: not a readable Grass10 CSV ({exc})") from exc
    if "week" not in raw or column not in raw:
        raise ForecastInputError(f"{path.name}: needs columns 'week' and {column!r}")
    series = pd.Series(
        pd.to_numeric(raw[column], errors="coerce").to_numpy(),
        index=pd.DatetimeIndex(pd.to_datetime(raw["week"]), name="week"),
        name=column,
    )
    return series.dropna().sort_index()


def read_modvege_params(path: str | Path) -> dict[str, float]:
    """The ModVege parameter file (``param,value`` without header) as a dict."""
    path = Path(path)
    raw = pd.read_csv(path, header=None, names=["param", "value"])
    if raw.empty or raw["value"].isna().any():
        raise ForecastInputError(f"{path.name}: expected 'param,value' lines")
    return dict(zip(raw["param"].str.strip(), raw["value"].astype(float), strict=True))


def read_grasscheck(path: str | Path) -> pd.DataFrame:
    """GrassCheck NI weekly growth by county (kg DM/ha/d), indexed by the week's Monday; empty
    cells (no measurements in winter) stay NaN."""
    path = Path(path)
    raw = pd.read_csv(path)
    if "time" not in raw:
        raise ForecastInputError(f"{path.name}: needs a 'time' column")
    frame = raw.set_index(pd.DatetimeIndex(pd.to_datetime(raw.pop("time")), name="week"))
    return frame.apply(pd.to_numeric, errors="coerce")


_LEGEND_LINE = re.compile(r"^\s*(\d{9})\s+GRF:\s*(.+?)\s*$")
_CUTS = re.compile(r"(\d+)-(\d+)\s+Schn")


def read_heilbronn_legend(path: str | Path) -> pd.DataFrame:
    """The Heilbronn Grünflächenkataster layer legend: ``code``, ``name`` and, for lawn types
    classified by cuts per year ("Zierrasen 20-30 Schn"), ``cuts_min`` and ``cuts_max``."""
    path = Path(path)
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _LEGEND_LINE.match(line)
        if not match:
            continue
        code, name = match.groups()
        cuts = _CUTS.search(name)
        rows.append(
            {
                "code": int(code),
                "name": name,
                "cuts_min": int(cuts.group(1)) if cuts else None,
                "cuts_max": int(cuts.group(2)) if cuts else None,
            }
        )
    if not rows:
        raise ForecastInputError(f"{path.name}: no 'code GRF: name' lines")
    return pd.DataFrame(rows)


def read_valentia(path: str | Path) -> pd.DataFrame:
    """The Met Éireann Valentia daily file as a daily weather frame."""
    frame = read_weather_csv(path, VALENTIA_COLUMNS, date_column="time")
    frame.attrs["source"] = "Met Éireann, Valentia Observatory (CC BY 4.0)"
    frame.attrs.update(lat=VALENTIA_LAT_DEG, elevation_m=VALENTIA_ELEVATION_M)
    return frame
