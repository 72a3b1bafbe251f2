"""The DWD KL stations shipped in data/dwd_kl_stations.csv and the nearest one to a place.

The list is incomplete (see the file's header and data/sample/README.md): the proposal always
comes with its distance, and a town whose nearest listed station is far away sees that.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from greentour.forecast.inputs import great_circle_m
from greentour.settings import REPO_ROOT

STATIONS_FILE = REPO_ROOT / "data" / "dwd_kl_stations.csv"


@dataclass(frozen=True)
class Station:
    """A DWD station with daily climate data (KL)."""

    station_id: str
    name: str
    lat: float
    lon: float
    height_m: float
    land: str


@lru_cache(maxsize=2)
def load_stations(path: Path = STATIONS_FILE) -> tuple[Station, ...]:
    """The stations of the CSV file (comment lines start with ``#``)."""
    with path.open(encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return tuple(
            Station(r["station_id"], r["name"], float(r["lat"]), float(r["lon"]),
                    float(r["height_m"]), r["land"])
            for r in rows
        )


def nearest_station(lat: float, lon: float, path: Path = STATIONS_FILE) -> tuple[Station, float]:
    """The listed station nearest to (lat, lon) and its great-circle distance in km."""
    stations = load_stations(path)
    best = min(stations, key=lambda s: great_circle_m(lat, lon, s.lat, s.lon))
    return best, great_circle_m(lat, lon, best.lat, best.lon) / 1000.0
