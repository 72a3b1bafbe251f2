"""One TOML file per tenant: schema, validation and loading.

A tenant file describes a town's Bauhof: the tenant itself, depots and reload points with opening
hours, staff with qualifications, vehicles, machines, weekly crew templates, shifts and fixed break
windows, vehicle profile overrides, the category -> care class mapping and the weather source.
See data/tenants/lauf.toml for a complete example and docs/store.md for every key.

:func:`load_tenant_config` refuses a bad file with :class:`~greentour.errors.ConfigError` naming the
file, the key (``staff[3] (mueller).qualifications[0]``) and the reason. Nothing is stored by this
module; :mod:`greentour.commands.tenants` writes a validated config into the store
(``Tenant.config_json``, the JSON dump of :class:`TenantConfig`).

Every reader gets the typed config through :func:`tenant_config` (validated once per tenant and
stored version, cached): sections are attributes with their defaults defined once, here or in the
section's own module (``privacy``, ``records``, ``routing``, ``gis``). No other module reads
``Tenant.config_json`` (tests/greentour/test_tenant_config.py walks the source to keep it so).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import threading
import zoneinfo
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StrictBool,
    field_validator,
)

from forecasting import DEFAULT_STORM_BFT, MARGIN_M, REGROWTH_PER_CUT_M, beaufort_ms
from greentour.config_io import read_toml, section_error, validate
from greentour.crew.privacy import PrivacySettings, privacy_settings
from greentour.errors import ConfigError, InvalidField
from greentour.gis.settings import GisSettings, GisSettingsError, parse_gis_section
from greentour.input_checks import check_json_tree
from greentour.planning.shifts import (
    DEFAULT_BREAKS,
    DEFAULT_SHIFTS,
    WEEKDAY_KEYS,
    parse_hhmm,
    shift_problem,
)
from greentour.records.rates import (
    RecordsSection,
    RecordsSettings,
    check_record_references,
    records_settings,
)
from greentour.routing_settings import RoutingSettings, routing_settings
from greentour.settings import REPO_ROOT
from greentour.store.models import Tenant

QUALIFICATIONS = frozenset(
    {
        "licence_B",
        "licence_BE",
        "licence_C1",
        "licence_C1E",
        "licence_C",
        "licence_CE",
        "licence_T",
        "licence_L",
        "chainsaw",
        "aerial_platform",
        "playground_inspector",
        "tree_inspector",
        "plant_protection",
        "first_aid",
    }
)
"""Known staff qualifications (driving licence classes, certificates)."""

LAENDER = frozenset(
    ["BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV", "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH"]
)
"""German Länder (ISO 3166-2:DE suffixes) for public holidays."""

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_KEY = r"^[a-z0-9][a-z0-9_-]*$"


def _hhmm(value: str) -> str:
    if not _HHMM.match(value):
        raise ValueError(f"{value!r} ist keine Uhrzeit im Format HH:MM")
    return value


HHMM = Annotated[str, AfterValidator(_hhmm)]


def _window(value: tuple[str, str]) -> tuple[str, str]:
    if value[0] >= value[1]:
        raise ValueError(f"Ende {value[1]} liegt nicht nach Beginn {value[0]}")
    return value


Window = Annotated[tuple[HHMM, HHMM], AfterValidator(_window)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
OpeningHours = dict[Weekday, list[Window]]
Lon = Annotated[float, Field(ge=-180, le=180)]
Lat = Annotated[float, Field(ge=-90, le=90)]


def _qualification(value: str) -> str:
    if value not in QUALIFICATIONS:
        raise ValueError(
            f"Qualifikation {value!r} unbekannt; erlaubt: {', '.join(sorted(QUALIFICATIONS))}"
        )
    return value


Qualification = Annotated[str, AfterValidator(_qualification)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TenantSection(_Strict):
    """``[tenant]``: who the tenant is."""

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)
    name: str = Field(min_length=1, max_length=200)
    land: str
    population: int | None = Field(default=None, gt=0)
    timezone: str = "Europe/Berlin"
    is_public: StrictBool = False

    @field_validator("land")
    @classmethod
    def _land(cls, value: str) -> str:
        if value not in LAENDER:
            raise ValueError(f"Land {value!r} unbekannt; erlaubt: {', '.join(sorted(LAENDER))}")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"Zeitzone {value!r} unbekannt") from None
        return value


class WeatherSection(_Strict):
    """``[weather]``: where daily weather comes from (paths relative to the data dir)."""

    source: Literal["dwd_kl_daily"]
    station_id: str = Field(pattern=r"^\d{5}$")
    station_name: str = ""
    files: list[str] = Field(min_length=1)
    history_files: list[str] = []
    stands_in: StrictBool = False
    """True when the station is not the town's own (sample data standing in)."""
    record_end: dt.date | None = None
    """Last day of the weather files; the demo plans as of a day inside the record."""
    note: str = ""
    nearest_station_id: str | None = Field(default=None, pattern=r"^\d{5}$")
    """The DWD station nearest to the depot (data/dwd_kl_stations.csv), when known."""
    nearest_station_name: str = ""
    nearest_distance_km: float | None = Field(default=None, ge=0)
    """Distance from the depot to the nearest station, km."""


class OsmSection(_Strict):
    """``[osm]``: the OSM extract of the town (path relative to the data dir)."""

    pbf: str
    extract_date: str = ""


class ShiftSection(_Strict):
    """``[shifts]``: local shift times per weekday (absent: no shift) and fixed breaks."""

    mon: Window | None = None
    tue: Window | None = None
    wed: Window | None = None
    thu: Window | None = None
    fri: Window | None = None
    sat: Window | None = None
    sun: Window | None = None
    breaks: list[Window] = []

    def window(self, weekday_key: str) -> tuple[str, str] | None:
        """Local shift ``("HH:MM", "HH:MM")`` on a weekday (``"mon"``..``"sun"``): the file's,
        else the sample Bauhof's (:data:`~greentour.planning.shifts.DEFAULT_SHIFTS`); None: no
        shift that weekday."""
        return getattr(self, weekday_key) or DEFAULT_SHIFTS[weekday_key]

    def shift_on(self, day: dt.date) -> tuple[dt.time, dt.time] | None:
        """Local shift start and end on ``day`` (None: no shift that weekday)."""
        pair = self.window(WEEKDAY_KEYS[day.weekday()])
        return (parse_hhmm(pair[0]), parse_hhmm(pair[1])) if pair else None

    def break_windows(self) -> list[list[str]]:
        """The fixed break windows as ``[["09:00", "09:15"], ...]`` (local time; the sample's
        :data:`~greentour.planning.shifts.DEFAULT_BREAKS` when the file names none)."""
        return [[a, b] for a, b in (self.breaks or DEFAULT_BREAKS)]


class _PlaceEntry(_Strict):
    """A named place crews drive to: key, position, opening hours and its OSM object."""

    key: str = Field(pattern=_KEY)
    name: str
    lon: Lon
    lat: Lat
    opening_hours: OpeningHours = {}
    osm: str | None = Field(default=None, pattern=r"^(node|way|relation)/\d+$")


class DepotEntry(_PlaceEntry):
    """``[[depots]]``: where crews start and end."""


class ReloadPointEntry(_PlaceEntry):
    """``[[reload_points]]``: green-waste yards and water refill points."""

    kind: Literal["green_waste", "water"]
    service_s: int = Field(default=900, ge=0, le=7200)


class StaffEntry(_Strict):
    """``[[staff]]``: an employee."""

    key: str = Field(pattern=_KEY)
    name: str = Field(min_length=1)
    qualifications: list[Qualification] = []


class VehicleEntry(_Strict):
    """``[[vehicles]]``: a vehicle with its routing profile."""

    key: str = Field(pattern=_KEY)
    name: str
    kind: str
    profile: str
    capacity_m3: float = Field(default=0.0, ge=0)
    capacity_water_l: float = Field(default=0.0, ge=0)
    licence: Literal["B", "BE", "C1", "C1E", "C", "CE", "T", "L"] = "B"
    seats: int = Field(default=3, ge=1, le=9)


class MachineEntry(_Strict):
    """``[[machines]]``: a machine of the pool."""

    key: str = Field(pattern=_KEY)
    name: str
    kind: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    heavy: StrictBool = False
    qualification: Qualification | None = None
    capacity_water_l: float = Field(default=0.0, ge=0)


class CrewEntry(_Strict):
    """``[[crews]]``: a weekly crew template (members, vehicle and machines by key)."""

    name: str = Field(min_length=1)
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = [1, 2, 3, 4, 5]
    members: list[str] = Field(min_length=1)
    vehicle: str | None = None
    machines: list[str] = []
    depot: str | None = None
    district: str | None = None
    shift_start: HHMM | None = None
    shift_end: HHMM | None = None


class CareClassEntry(_Strict):
    """``[care_classes.<category>]``: care class and regime of a site category."""

    care_class: str
    regime: str | None = None
    accept_by_default: StrictBool = False


class DemandSection(_Strict):
    """``[demand]``: what a town sets for its work demand (defaults: a small town's Bauhof).

    Read by :mod:`greentour.demand` (``DemandSettings`` is this class).
    """

    walk_distance_m: float = Field(default=150.0, gt=0, le=1000)
    """Small lawns closer than this on foot (straight line × ``detour_factor``) are one stop."""
    detour_factor: float = Field(default=1.3, ge=1.0, le=3.0)
    """Footpath detour over the straight line (1.3 is typical in towns)."""
    walk_speed_kph: float = Field(default=4.0, gt=1.0, le=8.0)
    """Walking speed between grouped lawns."""
    small_lawn_area_m2: float = Field(default=1500.0, ge=0, le=50_000)
    """Lawns below this area are candidates for grouping."""
    max_package_h: float = Field(default=6.0, ge=1.0, le=12.0)
    """Longest work package: the working day minus travel, unloading and slack; longer sites
    are split into parts on consecutive workdays."""
    forecast_horizon_days: int = Field(default=7, ge=7, le=60)
    """Days ahead the forecast looks when demand generates a week (the map shows the same)."""
    forecast_stale_days: int = Field(default=0, ge=0, le=400)
    """Days the weather record may end before the planning day and forecast tasks are still
    generated (on climatology); 0: no forecast tasks on stale weather, cycles still run."""
    redo_after_days: int = Field(default=3, ge=0, le=30)
    """A forecast task is created again after a done one once the new window opens more than
    this many days after the done task's latest day."""

    @property
    def max_package_s(self) -> int:
        """``max_package_h`` in seconds."""
        return int(round(self.max_package_h * 3600))


class DutySection(_Strict):
    """``[duty]``: traffic-safety and storm settings of the town (docs/duty.md)."""

    storm_bft: int = DEFAULT_STORM_BFT
    """Storm threshold as a Beaufort number (6-12)."""
    storm_gust_ms: float | None = Field(default=None, gt=0, le=80)
    """Storm threshold as a gust speed, m/s; wins over ``storm_bft`` when set."""
    storm_round_sites: int = Field(default=10, ge=1, le=1000)
    """Highest-risk sites a storm round orders controls at."""
    margin_carriageway_m: float = Field(default=MARGIN_M["carriageway"], ge=0, le=5)
    """Vegetation left behind the carriageway clearance profile by a cut, m."""
    margin_path_m: float = Field(default=MARGIN_M["path"], ge=0, le=5)
    """Vegetation left behind the foot/cycle path profile by a cut, m."""
    margin_sight_triangle_m: float = Field(default=MARGIN_M["sight_triangle"], ge=0, le=5)
    """Vegetation left below the sight-triangle height by a cut, m."""
    regrowth_per_cut_m: float = Field(default=REGROWTH_PER_CUT_M, ge=0, le=5)
    """Regrowth between two cuts that the clearance prediction assumes, m."""

    @field_validator("storm_bft")
    @classmethod
    def _bft(cls, value: int) -> int:
        beaufort_ms(value)  # ValueError with the German range
        return value

    def margin_m(self, profile: str) -> float:
        """The margin of a clearance profile (``carriageway``, ``path``, ``sight_triangle``), m."""
        return float(getattr(self, f"margin_{profile}_m"))

    @property
    def storm_threshold_ms(self) -> float:
        """Gust speed from which a day counts as a storm, m/s."""
        if self.storm_gust_ms is not None:
            return float(self.storm_gust_ms)
        return beaufort_ms(self.storm_bft)


_T = TypeVar("_T")


def _checked(kind: type[_T], loader: Callable[[Any], _T]) -> Callable[[Any], _T]:
    """A pydantic validator from a section's own loader (its German messages and keys kept)."""

    def check(value: Any) -> _T:
        if isinstance(value, kind):
            return value
        try:
            return loader(value)
        except ConfigError as exc:
            raise section_error(exc) from None

    return check


def _gis(table: Any) -> GisSettings:
    try:
        return parse_gis_section(table)
    except GisSettingsError as exc:
        raise ConfigError("Mandantenkonfiguration", exc.key, str(exc)) from None


def _dataclass_json(value: Any) -> dict[str, Any]:
    return json.loads(json.dumps(dataclasses.asdict(value)))


Privacy = Annotated[
    PrivacySettings,
    PlainValidator(_checked(PrivacySettings, lambda t: privacy_settings({"privacy": t}))),
    PlainSerializer(_dataclass_json),
]
Records = Annotated[
    RecordsSettings,
    PlainValidator(_checked(RecordsSettings, lambda t: records_settings({"records": t}))),
    PlainSerializer(lambda v: v.section.model_dump(mode="json")),
]
Routing = Annotated[
    RoutingSettings,
    PlainValidator(_checked(RoutingSettings,
                            lambda t: routing_settings({"routing": t}, "Mandantenkonfiguration"))),
    PlainSerializer(_dataclass_json),
]
Gis = Annotated[
    GisSettings,
    PlainValidator(_checked(GisSettings, _gis)),
    PlainSerializer(lambda v: {"epsg": v.epsg, "attribution": list(v.attribution)}),
]


class TenantConfig(_Strict):
    """A tenant's whole configuration, typed: what :func:`tenant_config` gives every reader.

    As stored, ``tenant`` and ``depots`` may be absent (the store's columns name the tenant); a
    tenant file must have them (:class:`TenantFile`).
    """

    tenant: TenantSection | None = None
    weather: WeatherSection | None = None
    osm: OsmSection | None = None
    shifts: ShiftSection = ShiftSection()
    depots: list[DepotEntry] = []
    reload_points: list[ReloadPointEntry] = []
    staff: list[StaffEntry] = []
    vehicles: list[VehicleEntry] = []
    machines: list[MachineEntry] = []
    crews: list[CrewEntry] = []
    vehicle_profiles: dict[str, dict[str, float | int | bool | str]] = {}
    care_classes: dict[str, CareClassEntry] = {}
    demand: DemandSection = DemandSection()
    duty: DutySection = DutySection()
    privacy: Privacy = PrivacySettings()
    """Crew data retention and visibility (:func:`greentour.crew.privacy.privacy_settings`)."""
    records: Records = RecordsSettings(RecordsSection())
    """Work records: rates, rule, cost centres (:mod:`greentour.records.rates`)."""
    routing: Routing = RoutingSettings()
    """Travel-time calibration and access distance (:mod:`greentour.routing_settings`)."""
    gis: Gis = GisSettings()
    """Export CRS and attribution (:mod:`greentour.gis.settings`)."""
    # Reserved tables that no part reads yet; accepted (any content) so older files still load.
    planning: dict[str, Any] = {}
    forecast: dict[str, Any] = {}
    crew: dict[str, Any] = {}
    api: dict[str, Any] = {}

    @property
    def osm_pbf(self) -> str | None:
        """``[osm] pbf``: the town's OSM extract (relative to the data folder), None: none."""
        return self.osm.pbf if self.osm else None


class TenantFile(TenantConfig):
    """A tenant file: as :class:`TenantConfig`, with ``[tenant]`` and at least one depot."""

    tenant: TenantSection
    depots: list[DepotEntry] = Field(min_length=1)


def _unique(path: Path, section: str, entries: list[Any], attr: str = "key") -> set[str]:
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        value = getattr(entry, attr)
        if value in seen:
            raise ConfigError(path, f"{section}[{i}].{attr}", f"{value!r} kommt doppelt vor")
        seen.add(value)
    return seen


def _check_references(
    cfg: TenantConfig, path: Path, profiles: set[str] | None, regimes: set[str] | None
) -> None:
    staff = _unique(path, "staff", cfg.staff)
    vehicles = _unique(path, "vehicles", cfg.vehicles)
    machines = _unique(path, "machines", cfg.machines)
    depots = _unique(path, "depots", cfg.depots)
    _unique(path, "reload_points", cfg.reload_points)
    _unique(path, "crews", cfg.crews, "name")
    for i, crew in enumerate(cfg.crews):
        where = f"crews[{i}] ({crew.name})"
        for j, member in enumerate(crew.members):
            if member not in staff:
                raise ConfigError(
                    path, f"{where}.members[{j}]", f"kein Personal mit key {member!r}"
                )
        if crew.vehicle is not None and crew.vehicle not in vehicles:
            raise ConfigError(path, f"{where}.vehicle", f"kein Fahrzeug mit key {crew.vehicle!r}")
        for j, machine in enumerate(crew.machines):
            if machine not in machines:
                raise ConfigError(path, f"{where}.machines[{j}]", f"keine Maschine {machine!r}")
        if crew.depot is not None and crew.depot not in depots:
            raise ConfigError(path, f"{where}.depot", f"kein Betriebshof mit key {crew.depot!r}")
        if (crew.shift_start is None) != (crew.shift_end is None):
            raise ConfigError(path, f"{where}.shift_start", "Beginn und Ende nur gemeinsam angeben")
        if crew.shift_start is not None and crew.shift_end is not None:
            problem = shift_problem(crew.shift_start, crew.shift_end, _effective_shifts(cfg)[1])
            if problem:
                raise ConfigError(path, f"{where}.shift_end", problem)
    _check_shifts(cfg, path)
    if regimes is not None:
        for category, entry in cfg.care_classes.items():
            if entry.regime is not None and entry.regime not in regimes:
                raise ConfigError(
                    path,
                    f"care_classes.{category}.regime",
                    f"Regime {entry.regime!r} unbekannt; bekannt: {', '.join(sorted(regimes))}",
                )
    if profiles is not None:
        for i, vehicle in enumerate(cfg.vehicles):
            if vehicle.profile not in profiles:
                raise ConfigError(
                    path,
                    f"vehicles[{i}] ({vehicle.key}).profile",
                    f"Fahrzeugprofil {vehicle.profile!r} unbekannt; bekannt: "
                    + ", ".join(sorted(profiles)),
                )
        for name in cfg.vehicle_profiles:
            if name not in profiles:
                raise ConfigError(path, f"vehicle_profiles.{name}", "Fahrzeugprofil unbekannt")


def _effective_shifts(cfg: TenantConfig) -> tuple[dict[str, tuple[str, str] | None], list]:
    """Shift per weekday and fixed breaks as planning reads them (sample defaults where the
    file is silent, :mod:`greentour.planning.shifts`)."""
    shifts = {day: cfg.shifts.window(day) for day in WEEKDAY_KEYS}
    return shifts, cfg.shifts.break_windows()


def _check_shifts(cfg: TenantConfig, path: Path) -> None:
    """Breaks do not overlap each other; each lies wholly inside a weekday's shift or outside it,
    and inside at least one shift (else it never applies)."""
    shifts, breaks = _effective_shifts(cfg)
    ordered = sorted(range(len(breaks)), key=lambda i: tuple(breaks[i]))
    for i, j in zip(ordered, ordered[1:], strict=False):
        if breaks[j][0] < breaks[i][1]:
            raise ConfigError(
                path, f"shifts.breaks[{j}]",
                f"Pause {breaks[j][0]}–{breaks[j][1]} überschneidet sich mit "
                f"{breaks[i][0]}–{breaks[i][1]}",
            )
    for day, window in shifts.items():
        problem = shift_problem(window[0], window[1], breaks) if window else None
        if problem:
            raise ConfigError(path, f"shifts.{day}", problem)
    for i, (a, b) in enumerate(breaks):
        if not any(w is not None and w[0] <= a and b <= w[1] for w in shifts.values()):
            raise ConfigError(path, f"shifts.breaks[{i}]", f"Pause {a}–{b} liegt in keiner Schicht")


def known_vehicle_profiles(profiles_file: Path | None) -> set[str] | None:
    """Profile names of data/vehicle_profiles.toml (None: file absent, names not checked)."""
    if profiles_file is None or not profiles_file.exists():
        return None
    data = read_toml(profiles_file)
    profiles = data.get("profiles", {})
    return set(profiles) if isinstance(profiles, dict) else None


def known_regimes(care_classes_file: Path | None) -> set[str] | None:
    """Regime names of data/care_classes.toml: lawn keys and ``hedge_<key>`` (None: no file)."""
    if care_classes_file is None or not care_classes_file.exists():
        return None
    data = read_toml(care_classes_file)
    lawns = data.get("lawn", {})
    hedges = data.get("hedge", {})
    return set(lawns if isinstance(lawns, dict) else ()) | {
        f"hedge_{k}" for k in (hedges if isinstance(hedges, dict) else ())
    }


def default_profiles_file() -> Path:
    """data/vehicle_profiles.toml of the repository."""
    return REPO_ROOT / "data" / "vehicle_profiles.toml"


def load_tenant_config(path: Path, profiles_file: Path | None = None) -> TenantFile:
    """Read, validate and cross-check one tenant file (every section, including ``[privacy]``,
    ``[records]``, ``[gis]``, ``[routing]`` and ``[duty]``: refused now, not at the first report,
    export or import).

    ``profiles_file`` (default data/vehicle_profiles.toml) lists the vehicle profile names that
    ``vehicles[].profile`` may use.
    """
    raw = read_toml(path)
    try:
        check_json_tree(raw, "toml")
    except InvalidField as exc:
        raise ConfigError(path, exc.field, exc.message) from None
    cfg = validate(TenantFile, raw, path)
    check_record_references(cfg.records, path,
                            staff_keys={s.key for s in cfg.staff},
                            machine_keys={m.key for m in cfg.machines},
                            vehicle_keys={v.key for v in cfg.vehicles})

    profiles = known_vehicle_profiles(profiles_file or default_profiles_file())
    regimes = known_regimes(REPO_ROOT / "data" / "care_classes.toml")
    _check_references(cfg, path, profiles, regimes)
    return cfg


# --------------------------------------------------------------------------- the accessor
CACHE_SIZE = 64
"""Typed configs kept (one per tenant and stored version; least recently used dropped)."""

_cache: OrderedDict[tuple[int | None, str, str], TenantConfig] = OrderedDict()
_cache_lock = threading.Lock()


def config_stamp(config_json: dict[str, Any] | None) -> str:
    """SHA-256 of a stored config (canonical JSON): changes whenever the stored config does."""
    text = json.dumps(config_json or {}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


_MEMO = "_greentour_typed_config"
"""Attribute of a loaded :class:`Tenant` holding ``(its config_json object, typed config)``."""


def tenant_config(tenant: Tenant) -> TenantConfig:
    """The tenant's typed configuration, validated once per stored version and cached.

    Keyed by tenant id, slug and :func:`config_stamp`, so a tenant file loaded again (or a config
    changed in the store) is seen at the next call; thread-safe; at most :data:`CACHE_SIZE`
    entries. The loaded ``Tenant`` object also remembers its typed config for as long as its
    ``config_json`` is the same object (a reload or an assignment replaces it; change the
    config by assigning a new dict, as SQLAlchemy only stores those), so repeated calls within a
    request do not hash the config again. A stored config that no longer validates is refused
    with :class:`~greentour.errors.ConfigError` naming the tenant's file, the key and the reason.
    Treat the result as read-only (it is shared between callers).
    """
    raw = tenant.config_json
    memo = getattr(tenant, _MEMO, None)
    if memo is not None and memo[0] is raw:
        return memo[1]
    key = (tenant.id, tenant.slug or "", config_stamp(raw))
    with _cache_lock:
        cfg = _cache.get(key)
        if cfg is not None:
            _cache.move_to_end(key)
    if cfg is None:
        cfg = validate(TenantConfig, dict(raw or {}),
                       tenant.config_file or tenant.slug or "Mandantenkonfiguration")
        with _cache_lock:
            _cache[key] = cfg
            _cache.move_to_end(key)
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    setattr(tenant, _MEMO, (raw, cfg))
    return cfg


def store_tenant_config(tenant: Tenant, cfg: TenantConfig) -> None:
    """Write a validated config into the tenant's row (``Tenant.config_json``, its JSON dump);
    :func:`tenant_config` sees it at the next call."""
    tenant.config_json = cfg.model_dump(mode="json")


def clear_tenant_config_cache() -> None:
    """Forget every cached config (tests; never needed for correctness)."""
    with _cache_lock:
        _cache.clear()
