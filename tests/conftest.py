"""Shared fixtures: where the real sample data lives.

The data in ../shared (OSM extracts, DWD weather, sensors, growth series, VRP benchmarks) is read
from a configurable path and never copied into the repository. ``GREENTOUR_DATA_DIR`` and
``GREENTOUR_BENCH_DIR`` override the default, which is ``../shared/data`` and ``../shared/bench``
beside the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def _dir_from_env(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value) if value else default


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared sample data folder (osm/, weather/, sensors/, growth/)."""
    path = _dir_from_env("GREENTOUR_DATA_DIR", REPO_ROOT.parent / "shared" / "data")
    if not path.is_dir():
        pytest.fail(f"sample data not found at {path}; set GREENTOUR_DATA_DIR")
    return path


@pytest.fixture(scope="session")
def bench_dir() -> Path:
    """The shared VRP benchmark folder (solomon/, cvrp_x/, bks.csv)."""
    path = _dir_from_env("GREENTOUR_BENCH_DIR", REPO_ROOT.parent / "shared" / "bench")
    if not path.is_dir():
        pytest.fail(f"benchmark data not found at {path}; set GREENTOUR_BENCH_DIR")
    return path


@pytest.fixture(scope="session")
def lauf_pbf(data_dir: Path) -> Path:
    """The real Lauf a.d. Pegnitz extract (clipped bbox extract, 2020-01-15)."""
    return data_dir / "osm" / "lauf-an-der-pegnitz_2020-01-15.osm.pbf"


@pytest.fixture(scope="session")
def heidelberg_pbf(data_dir: Path) -> Path:
    """The real Heidelberg routing-filtered extract (2024-09-08)."""
    return data_dir / "osm" / "heidelberg_2024-09-08_routing-filtered.osm.pbf"
