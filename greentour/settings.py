"""Process-wide settings from ``GREENTOUR_*`` environment variables.

Per-tenant configuration (depots, staff, crews, ...) lives in one TOML file per tenant, see
:mod:`greentour.tenant_config`. This module only holds what a process needs to start: where the
database, the instance folder, the sample data and the tenant files are.

==============================  ==============================================================
variable                        meaning (default)
==============================  ==============================================================
GREENTOUR_INSTANCE_DIR          instance folder for the SQLite file, secret key, worker pid file
                                (``./instance``)
GREENTOUR_DATABASE_URL          SQLAlchemy URL; ``postgresql+psycopg://...`` for PostgreSQL
                                (``sqlite:///<instance>/greentour.sqlite``)
GREENTOUR_DATA_DIR              data folder with osm/, weather/, ... (``<repo>/../shared/data``
                                when it exists, else the shipped sample ``<repo>/data/sample``);
                                a relative file missing there is read from ``data/sample``
GREENTOUR_BENCH_DIR             VRP benchmarks (``<repo>/../shared/bench`` when it exists)
GREENTOUR_CONFIG_DIR            tenant TOML files (``<repo>/data/tenants``)
GREENTOUR_TASK_TYPES_FILE       task type catalogue (``<repo>/data/task_types.toml``)
GREENTOUR_SECRET_KEY            Flask secret key (generated once into ``<instance>/secret_key``)
GREENTOUR_TIMEZONE              local time zone of planning (``Europe/Berlin``)
GREENTOUR_WORKER_POLL_S         how often an idle worker looks for jobs, seconds (``1.0``)
GREENTOUR_WORKER_HEARTBEAT_S    heartbeat interval of the worker and its running job, s (``5.0``)
GREENTOUR_WORKER_STALE_S        a running job without heartbeat this long is orphaned (``30``)
GREENTOUR_JOB_MODULES           extra modules with job handlers, comma-separated (empty)
GREENTOUR_HOST / GREENTOUR_PORT address of ``greentour serve`` (``127.0.0.1`` / ``5000``)
GREENTOUR_SESSION_IDLE_S        a login ends after this long without a request, s (``1800``)
GREENTOUR_SESSION_MAX_S         a login ends this long after it began, s (``43200``, 12 h)
GREENTOUR_LOGIN_WINDOW_S        window in which failed logins are counted, s (``900``)
GREENTOUR_LOGIN_MAX_FAILURES    failed logins per account name in the window (``5``)
GREENTOUR_LOGIN_MAX_FAILURES_PER_ADDRESS  failed logins per client address (``20``)
GREENTOUR_TRUSTED_PROXIES       reverse proxies in front of the app whose X-Forwarded-For/-Proto
                                are trusted (``0``; 1 behind one HTTPS proxy)
GREENTOUR_INSECURE_COOKIES      ``1``: session cookies without the Secure flag (plain-HTTP demo)
GREENTOUR_OSM_FILE              OSM file of a tenant without ``[osm] pbf`` (none)
GREENTOUR_PLAN_DAY              the planner's day when none is given (the tenant's today)
GREENTOUR_PLAN_TIME_LIMIT_S     solver time of "Planen", s (``20``)
GREENTOUR_OPTIMIZE_TIME_LIMIT_S solver time of "Optimieren", s (``60``)
GREENTOUR_PLAN_SOLUTION_LIMIT   deterministic plans: stop after this many solutions (none)
GREENTOUR_PLAN_MAX_OVERTIME_MIN overtime a planned tour may use, 0-240 min (``0``)
GREENTOUR_BASEMAP               planner map base layer: basemapde, osm, none or a URL template
                                (``basemapde``); GREENTOUR_BASEMAP_ATTRIBUTION for a URL
GREENTOUR_CACHE_STAMPS          folder of the cross-process cache stamps (a temp folder per user)
==============================  ==============================================================

This module is the only reader of the environment; the values below are read as the variables
say and checked where they are used (a planner-readable message there).
"""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from greentour.private_files import private_dir, write_private_text

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = REPO_ROOT / "data" / "sample"
"""The demo's own inputs shipped with the code (Lauf OSM extract, trimmed DWD files; see its
README for source, licence and attribution)."""


def _existing(path: Path) -> Path | None:
    return path if path.is_dir() else None


class Settings(BaseSettings):
    """Settings of one greentour process (CLI, web app or worker)."""

    model_config = SettingsConfigDict(env_prefix="GREENTOUR_", extra="ignore")

    instance_dir: Path = Field(default_factory=lambda: Path("instance").resolve())
    database_url: str | None = None
    data_dir: Path | None = Field(
        default_factory=lambda: _existing(REPO_ROOT.parent / "shared" / "data")
        or _existing(SAMPLE_DIR)
    )
    bench_dir: Path | None = Field(
        default_factory=lambda: _existing(REPO_ROOT.parent / "shared" / "bench")
    )
    config_dir: Path = REPO_ROOT / "data" / "tenants"
    task_types_file: Path = REPO_ROOT / "data" / "task_types.toml"
    secret_key: str | None = None
    timezone: str = "Europe/Berlin"
    worker_poll_s: float = 1.0
    worker_heartbeat_s: float = 5.0
    worker_stale_s: float = 30.0
    job_modules: str = ""
    host: str = "127.0.0.1"
    port: int = 5000
    session_idle_s: float = 1800.0
    session_max_s: float = 12 * 3600.0
    login_window_s: float = 900.0
    login_max_failures: int = 5
    login_max_failures_per_address: int = 20
    trusted_proxies: int = 0
    insecure_cookies: str = ""
    osm_file: str | None = None
    plan_day: str | None = None
    plan_time_limit_s: float = 20.0
    optimize_time_limit_s: float = 60.0
    plan_solution_limit: str | None = None
    plan_max_overtime_min: str = "0"
    basemap: str = "basemapde"
    basemap_attribution: str = ""
    cache_stamps: str | None = None

    @property
    def extra_job_modules(self) -> list[str]:
        """Modules named in ``GREENTOUR_JOB_MODULES``."""
        return [m.strip() for m in self.job_modules.split(",") if m.strip()]

    @property
    def db_url(self) -> str:
        """The database URL in effect (explicit URL, else the SQLite file in the instance dir)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.instance_dir / 'greentour.sqlite'}"

    def data_file(self, relative: str | Path) -> Path:
        """A data file named relative to the data folder (``osm/lauf-....osm.pbf``).

        Absolute paths are returned as they are. A relative file is looked up in the data folder
        first, then in the shipped sample (:data:`SAMPLE_DIR`), so ``GREENTOUR_DATA_DIR`` overrides
        and a bare clone still finds the demo's inputs. When neither has it, the path below the
        data folder is returned (the caller's "not found" names it).
        """
        return resolve_data_file(relative, self.data_dir)

    def ensure_instance_dir(self) -> Path:
        """Create the instance folder if needed (mode 0700) and return it."""
        return private_dir(self.instance_dir)

    def flask_secret_key(self) -> str:
        """The configured secret key, else one generated once and kept in the instance folder."""
        if self.secret_key:
            return self.secret_key
        path = self.ensure_instance_dir() / "secret_key"
        if not path.exists():
            write_private_text(path, secrets.token_hex(32))
        return path.read_text(encoding="utf-8").strip()


def resolve_data_file(relative: str | Path, data_dir: Path | None) -> Path:
    """``relative`` below ``data_dir`` if it exists there, else below :data:`SAMPLE_DIR` if it
    exists there, else below ``data_dir`` (or the sample when no data folder is set)."""
    path = Path(relative)
    if path.is_absolute():
        return path
    candidates = [d for d in (data_dir, SAMPLE_DIR) if d is not None]
    for base in candidates:
        if (base / path).exists():
            return base / path
    return candidates[0] / path


def get_settings(**overrides: object) -> Settings:
    """Read the settings from the environment now (cheap; not cached so tests can set env vars)."""
    return Settings(**overrides)  # type: ignore[arg-type]
