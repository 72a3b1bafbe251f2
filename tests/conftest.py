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


# --------------------------------------------------------------------------- store (issue #2)
# A migrated SQLite file per test (copied from one migrated once per session), a tenant factory,
# and the Flask app/client/runner fixtures in flaskr style.
import shutil as _shutil  # noqa: E402
from collections.abc import Callable as _Callable  # noqa: E402
from collections.abc import Iterator as _Iterator  # noqa: E402

from sqlalchemy import Engine as _Engine  # noqa: E402


@pytest.fixture(scope="session")
def _migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty greentour database migrated to head once per test session (copied per test)."""
    from greentour.store.db import upgrade

    path = tmp_path_factory.mktemp("store-template") / "template.sqlite"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def db_url(tmp_path: Path, _migrated_sqlite_template: Path) -> str:
    """URL of a fresh SQLite file migrated to the newest Alembic revision (one per test)."""
    path = tmp_path / "instance" / "greentour.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    _shutil.copyfile(_migrated_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine(db_url: str) -> _Iterator[_Engine]:
    """A SQLAlchemy engine on the per-test database (WAL, foreign keys on)."""
    from greentour.store.db import make_engine

    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def make_tenant(engine: _Engine) -> _Callable[..., object]:
    """Factory: ``make_tenant("slug", name=...)`` stores a tenant and returns it (detached)."""
    from greentour.store.models import Tenant
    from greentour.store.tenancy import system_session

    def _make(slug: str = "stadt-a", name: str | None = None, **fields: object) -> Tenant:
        with system_session(engine) as session, session.begin():
            tenant = Tenant(slug=slug, name=name or slug.title(), **fields)
            session.add(tenant)
        return tenant

    return _make


@pytest.fixture
def tenant(make_tenant: _Callable[..., object]) -> object:
    """One stored tenant "stadt-a" (a :class:`greentour.store.models.Tenant`)."""
    return make_tenant("stadt-a", "Stadt A")


@pytest.fixture
def app(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> _Iterator[object]:
    """The Flask app on the per-test database (TESTING on; CSRF stays on as in production)."""
    from web import create_app

    instance = tmp_path / "instance"
    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(instance))
    monkeypatch.setenv("GREENTOUR_DATABASE_URL", db_url)
    flask_app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "GREENTOUR_DATABASE_URL": db_url,
            "GREENTOUR_AUTO_MIGRATE": False,
        }
    )
    yield flask_app
    flask_app.extensions["greentour_engine"].dispose()


@pytest.fixture
def client(app: object) -> object:
    """Flask test client of :func:`app`."""
    return app.test_client()  # type: ignore[attr-defined]


@pytest.fixture
def runner(app: object) -> object:
    """Flask CLI test runner of :func:`app` (flaskr style)."""
    return app.test_cli_runner()  # type: ignore[attr-defined]


@pytest.fixture
def cli_runner(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    """A click runner for the ``greentour`` CLI with env pointing at the per-test database.

    Use ``cli_runner.invoke(greentour.cli.cli, [...])``.
    """
    from click.testing import CliRunner

    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("GREENTOUR_DATABASE_URL", db_url)
    return CliRunner()


# --------------------------------------------------------------------------- GIS (issue #9)
@pytest.fixture(scope="session")
def gis_sample(tmp_path_factory: pytest.TempPathFactory, lauf_pbf: Path):
    """A migrated SQLite file with a published Lauf plan (2 tours, stops, 1 unassigned task) and
    real OSM sites, built once per session through the store models (see tests/gis_sample.py).
    Read-only for tests: the OGC server subprocess reads the same file."""
    from gis_sample import build_sample

    return build_sample(tmp_path_factory.mktemp("gis") / "gis.sqlite", lauf_pbf)


# --------------------------------------------------------------------- road graph (issue #3)
@pytest.fixture(scope="session")
def vehicle_profiles():
    """The shipped vehicle profiles (data/vehicle_profiles.toml), by name."""
    from routing.profiles import load_profiles

    return load_profiles()


@pytest.fixture(scope="session")
def lauf_graph(lauf_pbf: Path, vehicle_profiles):
    """Drivable Lauf graph with travel times for every shipped profile, built once per run.

    Shared by many tests: treat it as read-only (copy before changing it)."""
    from routing.graph import graph_from_file
    from routing.speeds import add_travel_times

    return add_travel_times(graph_from_file(lauf_pbf), vehicle_profiles.values())


@pytest.fixture(scope="session")
def heidelberg_graph(heidelberg_pbf: Path, vehicle_profiles):
    """Drivable Heidelberg graph (~8k nodes) with travel times for every profile, read-only."""
    from routing.graph import graph_from_file
    from routing.speeds import add_travel_times

    return add_travel_times(graph_from_file(heidelberg_pbf), vehicle_profiles.values())


# --------------------------------------------------------------- planner workplace (issue #7)
@pytest.fixture(scope="session")
def planner_scenario_template(tmp_path_factory: pytest.TempPathFactory, lauf_pbf: Path):
    """The walkthrough's Monday in Lauf (tenant from data/tenants/lauf.toml, real OSM sites, a
    fixed set of tasks, planner login) stored once per session; copy it before writing
    (see tests/planner_scenario.py and :func:`planner_scenario`)."""
    from planner_scenario import build

    return build(tmp_path_factory.mktemp("planner") / "template.sqlite", lauf_pbf)


@pytest.fixture
def planner_scenario(planner_scenario_template, tmp_path: Path):
    """A per-test copy of :func:`planner_scenario_template` (same ids, own SQLite file)."""
    import dataclasses

    path = tmp_path / "planner.sqlite"
    _shutil.copyfile(planner_scenario_template.db_url.removeprefix("sqlite:///"), path)
    return dataclasses.replace(planner_scenario_template, db_url=f"sqlite:///{path}")


@pytest.fixture
def planner_store(planner_scenario):
    """Engine, tenant id and day (a Monday) of a fresh copy of the walkthrough scenario."""
    from greentour.store import make_engine

    engine = make_engine(planner_scenario.db_url)
    yield engine, planner_scenario.tenant_id, planner_scenario.day
    engine.dispose()




# --------------------------------------------------------------------------- inventory imports
#: care classes of the inventory import tests: the whitelist categories with their regimes
INVENTORY_CARE = {
    "park": {"care_class": "PK 2", "regime": "utility_intensive", "accept_by_default": True},
    "playground": {"care_class": "PK 1", "regime": "sports", "accept_by_default": True},
    "cemetery": {"care_class": "PK 1", "regime": "ornamental", "accept_by_default": True},
}


@pytest.fixture(scope="module")
def graph_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One graph cache (``<instance>/cache``) per test module: the Lauf graph is built once."""
    cache = tmp_path_factory.mktemp("instance") / "cache"
    cache.mkdir()
    return cache


@pytest.fixture
def lauf_tenant(make_tenant):  # type: ignore[no-untyped-def]
    """A tenant named like the town, with population and whitelist categories."""
    return make_tenant("lauf", "Lauf (Test)", population=27000,
                       config_json={"care_classes": INVENTORY_CARE})


# ------------------------------------------------------------------ PostgreSQL in CI (issue 14)
from postgres_required import (  # noqa: E402, F401  (hooks: GREENTOUR_REQUIRE_POSTGRES=1)
    pytest_runtest_makereport,
    pytest_sessionfinish,
    pytest_terminal_summary,
)
