"""Forecast service: stored weather, sites, reports and sensors → :mod:`forecasting` → forecasts.

* :func:`import_weather_file` / :func:`import_tenant_weather` read daily weather (DWD KL files,
  Bright Sky JSON, generic CSV), fill and flag gaps, and store one ``Observation`` of kind
  ``weather`` per station and day (values in ``values_json``; re-importing updates, never
  duplicates; one transaction per file, so a refused file leaves nothing half-stored).
* :func:`load_weather` builds the daily weather frame of a tenant from those observations.
* :func:`site_inputs` maps stored sites to :class:`forecasting.forecast.SiteInput`: lawns by their
  regime (``data/care_classes.toml``), hedges (``hedge_low``/``hedge_high``), young trees from the
  site's demand record; the last service per task family, the crews' grass-length reports, and the
  daily soil water of accepted LSE01 readings at the site or at a site within
  :data:`SENSOR_NEAR_M`.
* :func:`forecast_tenant` runs :func:`forecasting.forecast.forecast_site` for every site.

forecasting never sees the database; this module is the only place that maps records to its types.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from forecasting.care_classes import CareClasses
from forecasting.errors import ForecastInputError
from forecasting.explain import SiteForecast
from forecasting.forecast import CrewReport, ForecastContext, SiteInput, forecast_site
from forecasting.weather import (
    WEATHER_COLUMNS,
    fill_gaps,
    read_brightsky_json,
    read_dwd_daily,
    read_weather_csv,
)
from greentour.errors import BadInput, DataImportError, NotFound
from greentour.settings import REPO_ROOT, get_settings
from greentour.store import tenant_session
from greentour.store.models import Observation, Site, SiteLastService, Tenant
from greentour.store.models_demand import SiteDemand

CARE_CLASSES_FILE = REPO_ROOT / "data" / "care_classes.toml"
SENSOR_SOURCE = "ttn:dragino-lse01"
CREW_REPORT_SOURCE = "crew_report"
SENSOR_NEAR_M = 250.0
"""A soil sensor counts for a site when it stands at the site or at a site this close (m)."""
DEFAULT_STALE_DAYS = 400
"""How long after the last stored weather day forecasts still run (climatology, with a note)."""
TASK_FAMILY = {"lawn": "mow", "hedge": "hedge", "young_trees": "water"}


@dataclass
class ImportSummary:
    """What one weather import stored."""

    file: str
    station_id: str
    days: int
    created: int
    updated: int
    filled_days: int
    first_day: dt.date
    last_day: dt.date

    def line_de(self) -> str:
        return (
            f"{self.file}: Station {self.station_id}, {self.days} Tage "
            f"{self.first_day:%d.%m.%Y}-{self.last_day:%d.%m.%Y} ({self.created} neu, "
            f"{self.updated} aktualisiert, {self.filled_days} Tage mit ergänzten Werten)"
        )


@dataclass
class ForecastRun:
    """The forecasts of one tenant and day, with notes for the planner."""

    as_of: dt.date
    horizon_days: int
    forecasts: list[SiteForecast] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready summary (the daily paths left out)."""
        items = []
        for fc in self.forecasts:
            d = fc.to_dict()
            d.pop("daily")
            items.append(d)
        return {
            "as_of": self.as_of.isoformat(),
            "horizon_days": self.horizon_days,
            "forecasts": items,
            "notes": self.notes,
            "skipped": {str(k): v for k, v in self.skipped.items()},
        }


# --------------------------------------------------------------------------- weather import
def read_weather_any(path: Path) -> tuple[pd.DataFrame, str, str]:
    """Read a weather file by its format: (frame, station id, source label)."""
    name = path.name
    try:
        if name.startswith("produkt_klima_tag"):
            frame = read_dwd_daily(path)
            return frame, frame.attrs.get("station_id") or "dwd", f"dwd_kl_daily:{name}"
        if path.suffix.lower() == ".json":
            frame = read_brightsky_json(path)
            return frame, frame.attrs.get("station_id") or "brightsky", f"brightsky:{name}"
        if path.suffix.lower() == ".csv":
            return read_weather_csv(path), path.stem[:40], f"csv:{name}"
    except ForecastInputError as exc:
        raise DataImportError(f"Wetterdatei {name}: {exc}") from exc
    raise BadInput(
        f"Wetterdatei {name}: unbekanntes Format (erwartet produkt_klima_tag_*.txt, "
        "Bright-Sky-JSON oder CSV mit Spalte date)"
    )


def _day_instant(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """A weather day is stored at local noon (as crew reports are)."""
    return dt.datetime.combine(day, dt.time(12, 0), tz).astimezone(dt.UTC)


def import_weather_file(
    engine: Engine, tenant_id: int, path: Path, since: dt.date | None = None
) -> ImportSummary:
    """Store the daily weather of ``path`` (from ``since``) as observations; gaps are filled
    and flagged (``<column>_filled`` in the values), never stored as zeros."""
    if not path.is_file():
        raise NotFound(f"Wetterdatei {path} gibt es nicht")
    frame, station_id, source = read_weather_any(path)
    if since is not None:
        frame = frame.loc[pd.Timestamp(since) :]
    frame = frame.dropna(how="all", subset=[c for c in WEATHER_COLUMNS if c in frame])
    if frame.empty:
        raise DataImportError(f"Wetterdatei {path.name}: keine Tage mit Werten (ab {since})")
    filled = fill_gaps(frame)
    columns = [c for c in WEATHER_COLUMNS if c in filled and filled[c].notna().any()]
    with tenant_session(engine, tenant_id) as s, s.begin():
        tenant = s.get(Tenant, tenant_id)
        tz = ZoneInfo(tenant.timezone or "Europe/Berlin")
        existing = {
            o.observed_at.replace(tzinfo=dt.UTC)
            if o.observed_at.tzinfo is None
            else o.observed_at: o
            for o in s.scalars(
                select(Observation).where(
                    Observation.kind == "weather", Observation.station_id == station_id
                )
            )
        }
        created = updated = 0
        for day, row in filled.iterrows():
            values = {c: round(float(row[c]), 3) for c in columns}
            flags = [c for c in columns if bool(row.get(f"{c}_filled", False))]
            values["filled"] = flags
            instant = _day_instant(day.date(), tz)
            obs = existing.get(instant)
            if obs is None:
                s.add(
                    Observation(
                        kind="weather",
                        station_id=station_id,
                        observed_at=instant,
                        values_json=values,
                        source=source[:120],
                    )
                )
                created += 1
            else:
                obs.values_json = values
                obs.source = source[:120]
                updated += 1
    return ImportSummary(
        file=path.name,
        station_id=station_id,
        days=len(filled),
        created=created,
        updated=updated,
        filled_days=int(filled["filled"].sum()),
        first_day=filled.index.min().date(),
        last_day=filled.index.max().date(),
    )


def tenant_weather_files(tenant: Tenant, data_dir: Path | None) -> list[Path]:
    """The weather files the tenant's configuration names (history first, then recent)."""
    cfg = (tenant.config_json or {}).get("weather") or {}
    names = list(cfg.get("history_files", [])) + list(cfg.get("files", []))
    if not names:
        raise NotFound(
            f"Mandant „{tenant.name}“ hat keine Wetterdateien konfiguriert ([weather] files)"
        )
    if data_dir is None:
        raise NotFound("Kein Datenordner konfiguriert (GREENTOUR_DATA_DIR)")
    return [data_dir / n for n in names]


def import_tenant_weather(
    engine: Engine,
    tenant_id: int,
    files: Sequence[Path] = (),
    since: dt.date | None = None,
    data_dir: Path | None = None,
) -> list[ImportSummary]:
    """Import the given files, or the files of the tenant's configuration."""
    if not files:
        with tenant_session(engine, tenant_id) as s:
            tenant = s.get(Tenant, tenant_id)
            files = tenant_weather_files(tenant, data_dir or get_settings().data_dir)
    return [import_weather_file(engine, tenant_id, Path(f), since) for f in files]


def load_weather(session: Session, tenant: Tenant) -> pd.DataFrame:
    """The tenant's daily weather from stored observations, gaps filled and flagged.

    Where stations overlap, the configured station (``[weather] station_id``) wins. A stand-in
    or history station only supplies the days the own station lacks.
    """
    rows = session.scalars(select(Observation).where(Observation.kind == "weather")).all()
    if not rows:
        raise NotFound(
            f"Für „{tenant.name}“ sind keine Wetterdaten gespeichert: zuerst "
            "„greentour import-weather“"
        )
    primary = ((tenant.config_json or {}).get("weather") or {}).get("station_id")
    tz = ZoneInfo(tenant.timezone or "Europe/Berlin")
    records = []
    for o in rows:
        at = o.observed_at if o.observed_at.tzinfo else o.observed_at.replace(tzinfo=dt.UTC)
        rec = {c: o.values_json.get(c) for c in WEATHER_COLUMNS}
        rec["date"] = pd.Timestamp(at.astimezone(tz).date())
        rec["rank"] = 1 if o.station_id == primary else 0
        rec["stored_flags"] = tuple(o.values_json.get("filled", ()))
        records.append(rec)
    frame = pd.DataFrame(records).sort_values(["date", "rank"])
    frame = frame.drop_duplicates("date", keep="last").set_index("date")
    stored_flags = frame.pop("stored_flags")
    frame = frame.drop(columns="rank").astype(float)
    frame.index.name = "date"
    weather = fill_gaps(frame)
    # Values filled at import time stay flagged.
    for day, flags in stored_flags.items():
        for col in flags:
            if f"{col}_filled" in weather:
                weather.loc[day, f"{col}_filled"] = True
                weather.loc[day, "filled"] = True
    return weather


# --------------------------------------------------------------------------- site mapping
def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in m (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


def _regime(site: Site, tenant: Tenant) -> str | None:
    if site.regime:
        return site.regime
    entry = ((tenant.config_json or {}).get("care_classes") or {}).get(site.category) or {}
    return entry.get("regime")


def _sensor_series(session: Session, sites: dict[int, Site], tz: ZoneInfo):
    """Daily mean soil water (%) of accepted sensor readings per site that has a sensor."""
    values: dict[int, dict[pd.Timestamp, list[float]]] = defaultdict(lambda: defaultdict(list))
    query = select(Observation).where(
        Observation.source == SENSOR_SOURCE,
        Observation.rejected.is_(False),
        Observation.site_id.is_not(None),
    )
    for o in session.scalars(query):
        water = (o.values_json or {}).get("water_pct")
        if water is None:
            continue
        at = o.observed_at if o.observed_at.tzinfo else o.observed_at.replace(tzinfo=dt.UTC)
        values[o.site_id][pd.Timestamp(at.astimezone(tz).date())].append(float(water))
    series = {}
    for site_id, by_day in values.items():
        s = pd.Series({d: sum(v) / len(v) for d, v in by_day.items()}).sort_index()
        s.index.name = "date"
        series[site_id] = s
    return series


def _nearest_sensor(site: Site, sensors: dict, sites: dict[int, Site]):
    if site.id in sensors:
        return site.id, sensors[site.id]
    best = None
    for sid, s in sensors.items():
        other = sites.get(sid)
        if other is None:
            continue
        d = _distance_m(site.lat, site.lon, other.lat, other.lon)
        if d <= SENSOR_NEAR_M and (best is None or d < best[0]):
            best = (d, sid, s)
    return (best[1], best[2]) if best else (None, None)


def site_inputs(
    session: Session, tenant: Tenant, care: CareClasses, as_of: dt.date
) -> tuple[list[tuple[int, SiteInput]], dict[int, str]]:
    """Forecast inputs for the tenant's maintained sites: (site id, input) pairs, and the sites
    that were left out with the reason."""
    tz = ZoneInfo(tenant.timezone or "Europe/Berlin")
    sites = {
        s.id: s
        for s in session.scalars(select(Site).where(Site.in_maintenance.is_(True)))
        if s.maintained_by == "own"
    }
    last: dict[tuple[int, str], dt.date] = {}
    for row in session.scalars(select(SiteLastService)):
        family = row.task_type.split("_")[0]
        key = (row.site_id, family)
        if row.last_date <= as_of:
            last[key] = max(last.get(key, row.last_date), row.last_date)
    reports: dict[int, list[CrewReport]] = defaultdict(list)
    for o in session.scalars(select(Observation).where(Observation.source == CREW_REPORT_SOURCE)):
        length = (o.values_json or {}).get("grass_length")
        at = o.observed_at if o.observed_at.tzinfo else o.observed_at.replace(tzinfo=dt.UTC)
        day = at.astimezone(tz).date()
        if length in ("short", "medium", "long") and o.site_id and day <= as_of:
            reports[o.site_id].append(CrewReport(day, length))
    demand = {d.site_id: d for d in session.scalars(select(SiteDemand))}
    sensors = _sensor_series(session, sites, tz)
    out: list[tuple[int, SiteInput]] = []
    skipped: dict[int, str] = {}
    for site in sites.values():
        regime = _regime(site, tenant)
        sensor_id, sensor = _nearest_sensor(site, sensors, sites)
        common = dict(
            lat=site.lat,
            lon=site.lon,
            sensor_water_pct=sensor,
            sensor_id=f"Fläche {sensor_id}" if sensor_id else None,
        )
        if regime in care.lawns:
            out.append(
                (
                    site.id,
                    SiteInput(
                        site_id=str(site.id),
                        kind="lawn",
                        care_class=regime,
                        last_service=last.get((site.id, "mow")),
                        reports=sorted(reports.get(site.id, []), key=lambda r: r.day),
                        **common,
                    ),
                )
            )
        elif regime and regime.startswith("hedge_") and regime[6:] in care.hedges:
            out.append(
                (
                    site.id,
                    SiteInput(
                        site_id=str(site.id),
                        kind="hedge",
                        care_class=regime[6:],
                        last_service=last.get((site.id, "hedge")),
                        traffic_safety=bool(demand.get(site.id) and demand[site.id].traffic_safety),
                        **common,
                    ),
                )
            )
        elif site.id not in demand or not demand[site.id].young_trees:
            skipped[site.id] = f"keine Prognose für Regime {regime or '–'} ({site.category})"
        d = demand.get(site.id)
        if d is not None and d.young_trees and d.young_trees_planted:
            out.append(
                (
                    site.id,
                    SiteInput(
                        site_id=str(site.id),
                        kind="young_trees",
                        planted=d.young_trees_planted,
                        tree_count=d.young_trees,
                        last_service=last.get((site.id, "water")),
                        **common,
                    ),
                )
            )
    return out, skipped


# --------------------------------------------------------------------------- forecasting
def online_forecast(
    engine: Engine, tenant_id: int, as_of: dt.date, horizon_days: int
) -> pd.DataFrame:
    """The coming days from DWD MOSMIX via Bright Sky at the tenant's depot (needs internet;
    never called by the tests)."""
    from forecasting._brightsky import fetch_mosmix_daily

    with tenant_session(engine, tenant_id) as s:
        tenant = s.get(Tenant, tenant_id)
        depots = (tenant.config_json or {}).get("depots") or []
        if depots and "lat" in depots[0]:
            lat, lon = float(depots[0]["lat"]), float(depots[0]["lon"])
        else:
            site = s.scalars(select(Site).limit(1)).first()
            if site is None:
                raise NotFound(
                    "Keine Position für die Wettervorhersage (kein Bauhof, keine Fläche)"
                )
            lat, lon = site.lat, site.lon
    try:
        return fetch_mosmix_daily(lat, lon, as_of, horizon_days)
    except ForecastInputError as exc:
        raise DataImportError(f"Wettervorhersage nicht abrufbar: {exc}") from exc


@lru_cache(maxsize=2)
def _context(care_file: str, grass10_csv: str, valentia_csv: str) -> ForecastContext:
    return ForecastContext.from_files(care_file, grass10_csv, valentia_csv)


def forecast_context(data_dir: Path | None = None) -> ForecastContext:
    """Care classes and the grass model fitted on the measured growth in the data folder
    (cached per process; fitting takes about a second)."""
    data_dir = data_dir or get_settings().data_dir
    if data_dir is None:
        raise NotFound("Kein Datenordner konfiguriert (GREENTOUR_DATA_DIR)")
    growth = data_dir / "growth" / "teagasc_grass10_weekly.csv"
    valentia = data_dir / "weather" / "meteireann_valentia_2019_modvege_input.csv"
    for path in (growth, valentia):
        if not path.is_file():
            raise NotFound(f"Wachstumsdaten für das Graswachstumsmodell fehlen: {path}")
    return _context(str(CARE_CLASSES_FILE), str(growth), str(valentia))


def forecast_tenant(
    engine: Engine,
    tenant_id: int,
    as_of: dt.date,
    horizon_days: int = 14,
    context: ForecastContext | None = None,
    site_ids: Sequence[int] | None = None,
    allow_stale_days: int = DEFAULT_STALE_DAYS,
    progress: Callable[[int, int], None] | None = None,
    forecast: pd.DataFrame | None = None,
) -> ForecastRun:
    """Forecast every maintained site of the tenant (or ``site_ids``) from ``as_of``.

    ``forecast``: daily weather for the coming days (e.g. from :func:`online_forecast`); days it
    does not cover come from climatology.
    """
    if not 1 <= horizon_days <= 60:
        raise BadInput(f"Vorhersagezeitraum {horizon_days} Tage: erlaubt sind 1 bis 60")
    context = context or forecast_context()
    run = ForecastRun(as_of=as_of, horizon_days=horizon_days)
    with tenant_session(engine, tenant_id) as s:
        tenant = s.get(Tenant, tenant_id)
        weather = load_weather(s, tenant)
        inputs, run.skipped = site_inputs(s, tenant, context.care, as_of)
    if site_ids is not None:
        wanted = set(site_ids)
        missing = wanted - {sid for sid, _ in inputs}
        if missing:
            raise NotFound(f"Keine Prognose für Fläche(n) {', '.join(map(str, sorted(missing)))}")
        inputs = [(sid, si) for sid, si in inputs if sid in wanted]
    last_day = weather.index.max().date()
    if last_day < as_of:
        run.notes.append(
            f"Wetterdaten enden am {last_day:%d.%m.%Y}: bis zum Stichtag und danach Klimatologie"
        )
    for i, (_site_id, site_input) in enumerate(inputs):
        try:
            run.forecasts.append(
                forecast_site(
                    site_input,
                    weather,
                    as_of,
                    horizon_days,
                    context,
                    allow_stale_days=allow_stale_days,
                )
            )
        except ForecastInputError as exc:
            raise DataImportError(f"Fläche {site_input.site_id}: {exc}") from exc
        if progress:
            progress(i + 1, len(inputs))
    return run
