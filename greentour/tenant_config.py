"""One TOML file per tenant: schema, validation and loading.

A tenant file describes a town's Bauhof: the tenant itself, depots and reload points with opening
hours, staff with qualifications, vehicles, machines, weekly crew templates, shifts and fixed break
windows, vehicle profile overrides, the category -> care class mapping and the weather source.
See data/tenants/lauf.toml for a complete example and docs/store.md for every key.

:func:`load_tenant_config` refuses a bad file with :class:`~greentour.errors.ConfigError` naming the
file, the key (``staff[3] (mueller).qualifications[0]``) and the reason. Nothing is stored by this
module; :mod:`greentour.commands.tenants` writes a validated config into the store.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, field_validator

from greentour.config_io import read_toml, validate
from greentour.crew.privacy import privacy_settings
from greentour.errors import ConfigError, InvalidField
from greentour.gis.settings import GisSettingsError, parse_gis_section
from greentour.input_checks import check_json_tree
from greentour.planning.shifts import DEFAULT_BREAKS, DEFAULT_SHIFTS, WEEKDAY_KEYS, shift_problem
from greentour.records.rates import records_settings
from greentour.routing_settings import check_routing_section
from greentour.settings import REPO_ROOT

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

    @classmethod
    def of_tenant(cls, config_json: dict[str, Any] | None) -> DemandSection:
        """The section of a stored tenant config (validated again; defaults when absent)."""
        data = (config_json or {}).get("demand") or {}
        return validate(cls, data, Path("Mandantenkonfiguration [demand]"))


class TenantConfig(_Strict):
    """A whole tenant file."""

    tenant: TenantSection
    weather: WeatherSection | None = None
    osm: OsmSection | None = None
    shifts: ShiftSection = ShiftSection()
    depots: list[DepotEntry] = Field(min_length=1)
    reload_points: list[ReloadPointEntry] = []
    staff: list[StaffEntry] = []
    vehicles: list[VehicleEntry] = []
    machines: list[MachineEntry] = []
    crews: list[CrewEntry] = []
    vehicle_profiles: dict[str, dict[str, float | int | bool | str]] = {}
    care_classes: dict[str, CareClassEntry] = {}
    demand: DemandSection = DemandSection()
    privacy: dict[str, Any] = {}
    """Crew data retention; checked on load by :func:`greentour.crew.privacy.privacy_settings`."""
    records: dict[str, Any] = {}
    """Work records (rates, rule, cost centres); checked on load by
    :func:`greentour.records.rates.records_settings`."""
    # Free sections read by other parts (validated there): planning, forecast, crew, api;
    # routing and gis are checked on load too (greentour.routing_settings, greentour.gis.settings).
    planning: dict[str, Any] = {}
    forecast: dict[str, Any] = {}
    routing: dict[str, Any] = {}
    crew: dict[str, Any] = {}
    gis: dict[str, Any] = {}
    api: dict[str, Any] = {}


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
    shifts = {day: getattr(cfg.shifts, day) or DEFAULT_SHIFTS[day] for day in WEEKDAY_KEYS}
    return shifts, list(cfg.shifts.breaks or DEFAULT_BREAKS)


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


def load_tenant_config(path: Path, profiles_file: Path | None = None) -> TenantConfig:
    """Read, validate and cross-check one tenant file (including its ``[privacy]``, ``[gis]`` and
    ``[routing]`` tables).

    ``profiles_file`` (default data/vehicle_profiles.toml) lists the vehicle profile names that
    ``vehicles[].profile`` may use.
    """
    raw = read_toml(path)
    try:
        check_json_tree(raw, "toml")
    except InvalidField as exc:
        raise ConfigError(path, exc.field, exc.message) from None
    cfg = validate(TenantConfig, raw, path)
    # refused now, not at the first report, export or import
    privacy_settings({"privacy": cfg.privacy}, str(path))
    try:
        parse_gis_section(cfg.gis)
    except GisSettingsError as exc:
        raise ConfigError(path, exc.key, str(exc)) from None
    check_routing_section({"routing": cfg.routing}, str(path))
    records_settings({"records": cfg.records}, path,
                     staff_keys={s.key for s in cfg.staff},
                     machine_keys={m.key for m in cfg.machines},
                     vehicle_keys={v.key for v in cfg.vehicles})

    profiles = known_vehicle_profiles(profiles_file or default_profiles_file())
    regimes = known_regimes(REPO_ROOT / "data" / "care_classes.toml")
    _check_references(cfg, path, profiles, regimes)
    return cfg
