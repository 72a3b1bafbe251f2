"""Readers for further DWD open-data products that Bright Sky ingests (also usable directly).

* 10-minute solar (``10minutenwerte_SOLAR_<id>_akt.zip``, ``produkt_zehn_min_sd_*.txt``): global,
  diffuse and longwave radiation in J/cm² per 10 min, sunshine in h; timestamps UTC. Daily sums
  give measured radiation where a station has it (KL daily files have none).
* POI current observations (``observations_current.csv`` style): ``;``-separated, three header
  rows (English name, unit, German name), decimal comma, missing ``---``, hourly rows in UTC.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.errors import WeatherFileError
from forecasting.weather import DWD_ATTRIBUTION

J_CM2_TO_MJ_M2 = 0.01  # 1 J/cm² = 10^4 J/m² = 0.01 MJ/m²


def _open_text(path: Path, prefix: str) -> str:
    """The text of ``path``, or of the first member starting with ``prefix`` in a zip file."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if Path(n).name.startswith(prefix)]
            if not names:
                raise WeatherFileError(f"{path.name}: no {prefix}* file inside the zip")
            return zf.read(names[0]).decode("latin-1")
    return path.read_text(encoding="latin-1")


def read_dwd_solar_10min(path: str | Path) -> pd.DataFrame:
    """10-minute DWD solar values indexed by UTC timestamp.

    Columns: ``global_j_cm2``, ``diffuse_j_cm2``, ``longwave_j_cm2`` (per 10 min) and
    ``sunshine_h`` (per 10 min); -999 becomes NaN.
    """
    path = Path(path)
    text = _open_text(path, "produkt_zehn_min_sd")
    raw = pd.read_csv(io.StringIO(text), sep=";", skipinitialspace=True, dtype=str)
    raw.columns = [c.strip() for c in raw.columns]
    need = {"MESS_DATUM", "GS_10", "SD_10"}
    if not need <= set(raw.columns):
        raise WeatherFileError(f"{path.name}: not a DWD 10-minute solar file")
    stamps = pd.to_datetime(raw["MESS_DATUM"].str.strip(), format="%Y%m%d%H%M", utc=True)
    values = raw[["DS_10", "GS_10", "SD_10", "LS_10"]].apply(pd.to_numeric, errors="coerce")
    values = values.mask(values == -999)
    frame = pd.DataFrame(
        {
            "global_j_cm2": values["GS_10"].to_numpy(),
            "diffuse_j_cm2": values["DS_10"].to_numpy(),
            "longwave_j_cm2": values["LS_10"].to_numpy(),
            "sunshine_h": values["SD_10"].to_numpy(),
        },
        index=pd.DatetimeIndex(stamps, name="time"),
    )
    frame.attrs.update(source=DWD_ATTRIBUTION, station_id=raw["STATIONS_ID"].iloc[0].strip())
    return frame


def daily_from_solar_10min(solar: pd.DataFrame, tz: str = "UTC") -> pd.DataFrame:
    """Daily ``rs_mj`` (MJ m-2 d-1) and ``sunshine_h`` from 10-minute values.

    A day needs all 144 values; otherwise both are NaN (to be filled and flagged, not summed
    short). DWD stamps the end of each interval: 00:00 belongs to the day before.
    """
    local = solar.index.tz_convert(tz) - pd.Timedelta(minutes=1)
    day = local.tz_localize(None).normalize()
    groups = solar.groupby(day)
    count = groups["global_j_cm2"].count()
    out = pd.DataFrame(index=pd.DatetimeIndex(count.index, name="date"))
    out["rs_mj"] = groups["global_j_cm2"].sum() * J_CM2_TO_MJ_M2
    out["sunshine_h"] = groups["sunshine_h"].sum()
    out.loc[count < 144, ["rs_mj", "sunshine_h"]] = np.nan
    out["values"] = count
    return out


def read_dwd_poi_csv(path: str | Path) -> pd.DataFrame:
    """DWD POI current observations (hourly) indexed by UTC time, English column names.

    Values are floats (decimal comma read), ``---`` is NaN. ``attrs['units']`` maps column to unit
    and ``attrs['station_id']`` is the station id from the unit row.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        lines = path.read_text(encoding="latin-1").splitlines()
    if len(lines) < 4:
        raise WeatherFileError(f"{path.name}: a POI file has 3 header rows and data rows")
    names = lines[0].split(";")
    units = lines[1].split(";")
    body = "\n".join(lines[3:])
    raw = pd.read_csv(
        io.StringIO(body), sep=";", header=None, names=names, dtype=str, na_values=["---"]
    )
    stamps = pd.to_datetime(
        raw[names[0]] + " " + raw[names[1]], format="%d.%m.%y %H:%M", utc=True, errors="coerce"
    )
    if stamps.isna().any():
        raise WeatherFileError(f"{path.name}: unreadable date/time in the POI rows")
    values = raw[names[2:]].apply(lambda c: pd.to_numeric(c.str.replace(",", "."), errors="coerce"))
    values.index = pd.DatetimeIndex(stamps, name="time")
    values = values.sort_index()
    values.attrs.update(
        source=DWD_ATTRIBUTION,
        station_id=units[0].strip(),
        units=dict(zip(names[2:], units[2:], strict=False)),
    )
    return values
