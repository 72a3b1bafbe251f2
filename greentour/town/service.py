"""Setting up a town: ``greentour tenant create`` and the admin page "Ort einrichten".

:func:`create_town` checks everything before it writes anything: the OSM file (readable, with
roads, its extent), the depot and the green-waste yards (by OSM id or position, inside the
extent), then proposes the nearest DWD station from the shipped list with its distance. The
town's tenant file is written into the instance folder (``<instance>/tenants/<slug>.toml``, never
into the repository) from a template of crews, vehicles, machines and staff, and stored; the task
catalogue and the national default cycles are copied into the town's own records.

:func:`check_tenant_places` runs the same OSM checks for ``greentour init --tenant-file`` so a
missing OSM file or a depot outside the extent is refused at once, not at the first plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import tomli_w
from sqlalchemy import Engine, select

from forecasting import read_dwd_daily
from greentour.commands.tenants import TenantSummary, apply_tenant_config
from greentour.config_io import read_toml
from greentour.errors import BadInput, ConfigError, Conflict
from greentour.settings import REPO_ROOT, Settings, resolve_data_file
from greentour.store import system_session
from greentour.store.models import Tenant
from greentour.task_types import load_task_types
from greentour.tenant_config import TenantConfig, load_tenant_config
from greentour.town.osm_check import OsmFacts, TownOsmError, inspect_osm, locate_osm_objects
from greentour.town.stations import Station, load_stations, nearest_station

TEMPLATES_DIR = REPO_ROOT / "data" / "town_templates"
#: Weather that stands in when the town brings none: the shipped sample's DWD files.
STAND_IN_WEATHER = {
    "station_id": "00691",
    "station_name": "Bremen",
    "files": ["weather/produkt_klima_tag_20241226_20260628_00691.txt"],
    "history_files": ["weather/produkt_klima_tag_20210101_20231231_01078.txt"],
}
TEMPLATE_SECTIONS = ("shifts", "staff", "vehicles", "vehicle_profiles", "machines", "crews",
                     "care_classes")


@dataclass(frozen=True)
class Place:
    """A depot or yard as given by the user: an OSM reference, or a position (lon, lat)."""

    osm: str | None = None
    lon: float | None = None
    lat: float | None = None
    name: str = ""

    @classmethod
    def parse(cls, text: str, name: str = "") -> Place:
        """``way/123``, ``node/123`` or ``lon,lat`` (decimal degrees, WGS84)."""
        text = text.strip()
        if "/" in text:
            return cls(osm=text, name=name)
        try:
            lon_text, lat_text = text.split(",")
            return cls(lon=float(lon_text), lat=float(lat_text), name=name)
        except ValueError:
            raise BadInput(f"Ort „{text}“ unlesbar: OSM-Kennung (way/123) oder „Länge,Breite“ "
                           "angeben") from None


@dataclass
class TownRequest:
    """What "Ort einrichten" asks for."""

    name: str
    slug: str
    land: str
    osm_file: Path
    depot: Place
    yards: list[Place] = field(default_factory=list)
    template: str = "bauhof_klein"
    population: int | None = None
    weather_files: list[Path] = field(default_factory=list)
    """The town's own DWD KL files (empty: the sample's files stand in, stated everywhere)."""


@dataclass
class TownSummary:
    """What :func:`create_town` stored and found."""

    tenant: TenantSummary
    tenant_file: Path
    extent: str
    roads: int
    station: Station
    distance_km: float
    weather_note: str
    depot: tuple[float, float]

    def lines_de(self) -> list[str]:
        """The report for the terminal."""
        counts = ", ".join(f"{k} {v}" for k, v in self.tenant.counts.items())
        return [
            f"Ort „{self.tenant.name}“ ({self.tenant.slug}) eingerichtet: {counts}",
            f"OSM: {self.roads} befahrbare Wege, Gebiet {self.extent}",
            f"Betriebshof: {self.depot[0]:.5f}, {self.depot[1]:.5f} (Länge, Breite)",
            f"Nächste DWD-Station: {self.station.station_id} {self.station.name} "
            f"({self.distance_km:.1f} km vom Betriebshof; Stationsliste unvollständig)",
            f"Wetter: {self.weather_note}",
            f"Mandantendatei: {self.tenant_file}",
        ]


def template_path(name: str) -> Path:
    """``data/town_templates/<name>.toml``; :class:`BadInput` listing the templates otherwise."""
    path = TEMPLATES_DIR / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in TEMPLATES_DIR.glob("*.toml")))
        raise BadInput(f"Vorlage „{name}“ unbekannt; vorhanden: {known}")
    return path


def list_templates() -> list[str]:
    """Names of the crew and vehicle templates."""
    return sorted(p.stem for p in TEMPLATES_DIR.glob("*.toml"))


@lru_cache(maxsize=8)
def _facts(path: str, mtime: float, size: int) -> OsmFacts:
    return inspect_osm(path)


def osm_facts(path: Path) -> OsmFacts:
    """:func:`inspect_osm`, cached per file version; :class:`BadInput` with the German reason."""
    try:
        stat = path.stat()
    except OSError:
        raise BadInput(f"OSM-Datei nicht gefunden: {path}") from None
    try:
        return _facts(str(path), stat.st_mtime, stat.st_size)
    except TownOsmError as exc:
        raise BadInput(str(exc)) from None


def _outside(what: str, lon: float, lat: float, facts: OsmFacts) -> str:
    swapped = " – Länge und Breite vertauscht?" if facts.contains(lat, lon) else ""
    return (f"{what} ({lon:.5f}, {lat:.5f}) liegt außerhalb des Gebiets der OSM-Datei "
            f"{facts.path.name} ({facts.extent_text()}){swapped}")


def _resolve_places(facts: OsmFacts, places: dict[str, Place]) -> dict[str, tuple[float, float,
                                                                                    str, str]]:
    refs = [p.osm for p in places.values() if p.osm]
    try:
        located = locate_osm_objects(facts.path, refs) if refs else {}
    except TownOsmError as exc:
        raise BadInput(str(exc)) from None
    out = {}
    for what, place in places.items():
        if place.osm:
            found = located[place.osm.strip()]
            lon, lat, name = found.lon, found.lat, place.name or found.name
        else:
            lon, lat, name = float(place.lon or 0), float(place.lat or 0), place.name
        if not facts.contains(lon, lat):
            raise BadInput(_outside(what, lon, lat, facts))
        out[what] = (lon, lat, name, place.osm or "")
    return out


def _weather_section(files: list[Path], station: Station, distance_km: float) -> dict[str, Any]:
    nearest = {"nearest_station_id": station.station_id, "nearest_station_name": station.name,
               "nearest_distance_km": round(distance_km, 1)}
    if files:
        for f in files:
            if not f.is_file():
                raise BadInput(f"Wetterdatei nicht gefunden: {f}")
        frame = read_dwd_daily(files[-1])
        own = str(frame.attrs.get("station_id") or "")
        names = {s.station_id: s.name for s in load_stations()}
        section = {"station_id": own or station.station_id, "station_name": names.get(own, ""),
                   "files": [str(f.resolve()) for f in files]}
    else:
        section = {**STAND_IN_WEATHER,
                   "files": list(STAND_IN_WEATHER["files"]),
                   "history_files": list(STAND_IN_WEATHER["history_files"])}
        frame = read_dwd_daily(resolve_data_file(section["files"][-1], None))
    stands_in = section["station_id"] != station.station_id
    note = ("Die Tageswerte der nächsten Station liegen nicht vor; stellvertretend "
            f"DWD {section['station_id']} {section.get('station_name', '')}".strip()
            if stands_in else "")
    return {"source": "dwd_kl_daily", **section, "stands_in": stands_in,
            "record_end": frame.index.max().date(), "note": note, **nearest}


def build_town_config(request: TownRequest, facts: OsmFacts) -> tuple[dict[str, Any], Station,
                                                                         float]:
    """The tenant file's content for ``request`` (not yet validated) and the nearest station."""
    places = {"Betriebshof": request.depot}
    places.update({f"Grünabfall-Annahme {i + 1}": y for i, y in enumerate(request.yards)})
    resolved = _resolve_places(facts, places)
    d_lon, d_lat, d_name, d_osm = resolved["Betriebshof"]
    station, distance_km = nearest_station(d_lat, d_lon)
    template = read_toml(template_path(request.template))
    depot = {"key": "bauhof", "name": d_name or f"Bauhof {request.name}", "lon": d_lon,
             "lat": d_lat}
    if d_osm:
        depot["osm"] = d_osm
    reloads = []
    for i, (what, (lon, lat, name, osm)) in enumerate(
            (k, v) for k, v in resolved.items() if k != "Betriebshof"):
        entry = {"key": f"gruenabfall-{i + 1}", "name": name or what, "kind": "green_waste",
                 "lon": lon, "lat": lat}
        if osm:
            entry["osm"] = osm
        reloads.append(entry)
    reloads.append({"key": "bauhof-wasser", "name": "Wassertank Bauhof", "kind": "water",
                    "lon": d_lon, "lat": d_lat, "service_s": 1200})
    tenant: dict[str, Any] = {"slug": request.slug, "name": request.name, "land": request.land}
    if request.population:
        tenant["population"] = request.population
    config = {
        "tenant": tenant,
        "osm": {"pbf": str(facts.path.resolve())},
        "weather": _weather_section(request.weather_files, station, distance_km),
        "depots": [depot],
        "reload_points": reloads,
        **{k: template[k] for k in TEMPLATE_SECTIONS if k in template},
    }
    return config, station, distance_km


def create_town(engine: Engine, settings: Settings, request: TownRequest) -> TownSummary:
    """Check, write the tenant file into the instance folder and store the new town.

    Refused with :class:`BadInput` (nothing written) for a missing or road-less OSM file, a depot
    or yard outside its extent, an unknown OSM id or template; :class:`Conflict` when the slug
    exists.
    """
    with system_session(engine) as s:
        if s.scalar(select(Tenant.id).where(Tenant.slug == request.slug)) is not None:
            raise Conflict(f"Mandant „{request.slug}“ gibt es schon")
    facts = osm_facts(request.osm_file)
    config, station, distance_km = build_town_config(request, facts)
    folder = settings.ensure_instance_dir() / "tenants"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{request.slug}.toml"
    draft = path.with_suffix(".toml.new")
    draft.write_text(_header(request, station, distance_km) + tomli_w.dumps(config),
                     encoding="utf-8")
    try:
        cfg = load_tenant_config(draft)
    except ConfigError as exc:
        draft.unlink(missing_ok=True)
        raise BadInput(exc.message) from None
    types = load_task_types(settings.task_types_file)
    summary = apply_tenant_config(engine, cfg, path, types)
    draft.replace(path)
    weather = config["weather"]
    note = (weather["note"] + f" (bis {weather['record_end']:%d.%m.%Y})" if weather["stands_in"]
            else f"eigene Station {weather['station_id']}")
    return TownSummary(summary, path, facts.extent_text(), facts.roads, station, distance_km,
                       note, (config["depots"][0]["lon"], config["depots"][0]["lat"]))


def _header(request: TownRequest, station: Station, distance_km: float) -> str:
    stamp = dt.date.today().isoformat()
    return (f"# Ort „{request.name}“, eingerichtet mit greentour am {stamp} "
            f"(Vorlage {request.template}).\n"
            "# OSM-Daten © OpenStreetMap-Mitwirkende, ODbL; Wetter: Datenbasis Deutscher "
            "Wetterdienst (CC BY 4.0).\n"
            f"# Nächste DWD-Station laut data/dwd_kl_stations.csv (unvollständig): "
            f"{station.station_id} {station.name}, {distance_km:.1f} km.\n\n")


def check_tenant_places(cfg: TenantConfig, source: Path, data_dir: Path | None) -> None:
    """For a tenant file with ``[osm]``: the file exists and has roads, and every depot and
    reload point lies inside its extent; :class:`ConfigError` naming the key otherwise."""
    if cfg.osm is None:
        return
    path = resolve_data_file(cfg.osm.pbf, data_dir)
    try:
        facts = osm_facts(path)
    except BadInput as exc:
        raise ConfigError(source, "osm.pbf", exc.message) from None
    for section, entries in (("depots", cfg.depots), ("reload_points", cfg.reload_points)):
        for i, entry in enumerate(entries):
            if not facts.contains(entry.lon, entry.lat):
                raise ConfigError(source, f"{section}[{i}] ({entry.key})",
                                  _outside(entry.name, entry.lon, entry.lat, facts))
