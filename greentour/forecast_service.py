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
* :func:`compute_forecasts` runs :func:`forecasting.forecast.forecast_site` for every site;
  a lawn without a recorded cut gets the steady-state assumption (:func:`assume_last_cuts`).
* :func:`store_forecasts` keeps the results as
  :class:`~greentour.store.models_forecast.SiteForecast` rows (one per site, kind and
  planning day, replaced when computed again);
  :func:`forecast_tenant` does both in one transaction (CLI ``greentour forecast``, job
  ``forecast``); :func:`ensure_forecasts` is demand's entry (stored rows, recomputed where an
  input changed); :func:`latest_forecasts` is the read for the planner map.

This is the only place where forecasts are computed, and the only place that maps records to
forecasting's types; forecasting never sees the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine, and_, delete, func, select
from sqlalchemy.orm import Session

from forecasting._brightsky import fetch_mosmix_daily
from forecasting.care_classes import CareClasses, load_care_classes
from forecasting.errors import ForecastInputError
from forecasting.explain import SiteForecast
from forecasting.forecast import CrewReport, ForecastContext, SiteInput, forecast_site
from forecasting.grass import DriverGrassModel
from forecasting.weather import (
    MAX_FILL_GAP_DAYS,
    WEATHER_COLUMNS,
    fill_gaps,
    read_brightsky_json,
    read_dwd_daily,
    read_weather_csv,
    reject_implausible,
    split_at_long_gaps,
)
from greentour.demand.model import DEFAULT_CARE_CLASS
from greentour.errors import BadInput, DataImportError, NotFound
from greentour.input_checks import DAY_MIN
from greentour.settings import REPO_ROOT, get_settings, resolve_data_file
from greentour.store import session_tenant, tenant_session, tenant_zone
from greentour.store.models import Observation, Site, SiteLastService, Tenant
from greentour.store.models_demand import SiteDemand
from greentour.store.models_forecast import SiteForecast as StoredForecast

CARE_CLASSES_FILE = REPO_ROOT / "data" / "care_classes.toml"
SENSOR_SOURCE = "ttn:dragino-lse01"
CREW_REPORT_SOURCE = "crew_report"
SENSOR_NEAR_M = 250.0
"""A soil sensor counts for a site when it stands at the site or at a site this close (m)."""
WEATHER_DAYS_AHEAD = 16
"""Weather rows may be dated at most this far ahead of today (forecasts), none later."""
DEFAULT_STALE_DAYS = 400
"""How long after the last stored weather day forecasts still run (climatology, with a note)."""
TASK_FAMILY = {"lawn": "mow", "hedge": "hedge", "young_trees": "water"}
"""forecasting's site kinds → the stored forecast kind and the last-service family."""
SEASON_DAYS = 240
"""Mowing season (mid-March to mid-November) for the average cutting interval."""
GOLDEN = (math.sqrt(5) - 1) / 2


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
    rejected_values: int = 0
    """Values outside the plausible ranges: kept under ``rejected`` in the day's values, the
    value itself filled and flagged."""
    rejected_rows: int = 0
    """Rows dated outside 1900 … today + 16 days: not stored."""
    unfilled_gaps: int = 0
    """Gaps longer than MAX_FILL_GAP_DAYS: left open, not invented."""

    def line_de(self) -> str:
        problems = [
            text for count, text in (
                (self.rejected_values, f"{self.rejected_values} unplausible Werte verworfen"),
                (self.rejected_rows, f"{self.rejected_rows} Zeilen mit unmöglichem Datum "
                                     "verworfen"),
                (self.unfilled_gaps, f"{self.unfilled_gaps} Lücken über "
                                     f"{MAX_FILL_GAP_DAYS} Tage nicht aufgefüllt"),
            ) if count
        ]
        return (
            f"{self.file}: Station {self.station_id}, {self.days} Tage "
            f"{self.first_day:%d.%m.%Y}-{self.last_day:%d.%m.%Y} ({self.created} neu, "
            f"{self.updated} aktualisiert, {self.filled_days} Tage mit ergänzten Werten"
            + "".join(f"; {p}" for p in problems) + ")"
        )


@dataclass
class ForecastRun:
    """The forecasts of one tenant and day, with notes for the planner."""

    as_of: dt.date
    horizon_days: int
    forecasts: list[SiteForecast] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)
    weather_source: str = ""
    weather_until: dt.date | None = None
    signatures: dict[tuple[int, str], str] = field(default_factory=dict)
    """(site id, kind) → :func:`input_signature`, stored with each forecast."""
    stored: int = 0

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
            "stored": self.stored,
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
    latest = dt.date.today() + dt.timedelta(days=WEATHER_DAYS_AHEAD)
    plausible_day = (frame.index >= pd.Timestamp(DAY_MIN)) & (frame.index <= pd.Timestamp(latest))
    rejected_rows = int((~plausible_day).sum())
    frame, rejected = reject_implausible(frame[plausible_day])
    rejected_by_day: dict[dt.date, dict[str, float]] = {}
    for day, col, value in rejected:
        rejected_by_day.setdefault(day.date(), {})[col] = value
    frame = frame.dropna(how="all", subset=[c for c in WEATHER_COLUMNS if c in frame])
    if frame.empty:
        raise DataImportError(
            f"Wetterdatei {path.name}: keine Tage mit plausiblen Werten (ab {since}; "
            f"{len(rejected)} unplausible Werte, {rejected_rows} Zeilen mit unmöglichem Datum)"
        )
    segments = split_at_long_gaps(frame)
    filled = pd.concat([fill_gaps(part) for part in segments])
    columns = [c for c in WEATHER_COLUMNS if c in filled and filled[c].notna().any()]
    with tenant_session(engine, tenant_id) as s, s.begin():
        tenant = session_tenant(s)
        tz = tenant_zone(tenant)
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
            if day.date() in rejected_by_day:
                values["rejected"] = rejected_by_day[day.date()]
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
        rejected_values=len(rejected),
        rejected_rows=rejected_rows,
        unfilled_gaps=len(segments) - 1,
    )


def tenant_weather_files(tenant: Tenant, data_dir: Path | None) -> list[Path]:
    """The weather files the tenant's configuration names (history first, then recent)."""
    cfg = (tenant.config_json or {}).get("weather") or {}
    names = list(cfg.get("history_files", [])) + list(cfg.get("files", []))
    if not names:
        raise NotFound(
            f"Mandant „{tenant.name}“ hat keine Wetterdateien konfiguriert ([weather] files)"
        )
    return [resolve_data_file(n, data_dir) for n in names]


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
            tenant = session_tenant(s)
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
    tz = tenant_zone(tenant)
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


# --------------------------------------------------------------------------- weather for a run
def tenant_weather(
    session: Session, tenant: Tenant, as_of: dt.date, data_dir: Path | None = None
) -> tuple[pd.DataFrame, str]:
    """The daily weather for a forecast run, and where it came from.

    The observations stored by ``greentour import-weather`` (:func:`load_weather`); when none are
    stored, the files of the tenant configuration are read without storing them (history cut to
    the three years before ``as_of``; the own station wins on overlaps), so a fresh instance
    still forecasts. :class:`NotFound` when neither exists.
    """
    try:
        return load_weather(session, tenant), "gespeicherte Wetterdaten"
    except NotFound:
        pass
    cfg = (tenant.config_json or {}).get("weather") or {}
    data_dir = data_dir or get_settings().data_dir
    own = [resolve_data_file(f, data_dir) for f in cfg.get("files", [])]
    if not own or not all(f.is_file() for f in own):
        raise NotFound(
            f"Für „{tenant.name}“ sind keine Wetterdaten gespeichert oder konfiguriert: "
            "zuerst „greentour import-weather“"
        )
    history = [resolve_data_file(f, data_dir) for f in cfg.get("history_files", [])]
    since = pd.Timestamp(as_of - dt.timedelta(days=3 * 365))
    frames = []
    for path in [f for f in history if f.is_file()] + own:
        frame, _station, _source = read_weather_any(path)
        frames.append(frame.loc[since:])
    weather = pd.concat(frames)
    weather = weather[~weather.index.duplicated(keep="last")].sort_index()
    return fill_gaps(weather), "Wetterdateien der Mandantenkonfiguration (nicht gespeichert)"


# --------------------------------------------------------------------------- site mapping
def great_circle_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in m (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


def site_regime(site: Site, tenant: Tenant) -> str | None:
    """The site's regime (a key of data/care_classes.toml, ``hedge_<class>`` for hedges).

    The site's own regime, else the tenant's ``[care_classes.<category>] regime``, else the
    default of the category (:data:`greentour.demand.model.DEFAULT_CARE_CLASS`; hedges
    ``hedge_low``). Demand chooses the mowing task type by the same regime.
    """
    if site.regime:
        return site.regime
    entry = ((tenant.config_json or {}).get("care_classes") or {}).get(site.category) or {}
    if entry.get("regime"):
        return entry["regime"]
    if site.category == "hedge":
        return "hedge_low"
    return DEFAULT_CARE_CLASS.get(site.category)


def _local_day(at: dt.datetime, tz: ZoneInfo) -> dt.date:
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(tz).date()


def _sensor_series(session: Session, tz: ZoneInfo) -> dict[int, pd.Series]:
    """Daily mean soil water (%) of accepted sensor readings per site that has a sensor."""
    values: dict[int, dict[pd.Timestamp, list[float]]] = defaultdict(lambda: defaultdict(list))
    query = select(Observation).where(
        Observation.source == SENSOR_SOURCE,
        Observation.rejected.is_(False),
        Observation.site_id.is_not(None),
    )
    for o in session.scalars(query):
        water = (o.values_json or {}).get("water_pct")
        if water is not None:
            values[o.site_id][pd.Timestamp(_local_day(o.observed_at, tz))].append(float(water))
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
        d = great_circle_m(site.lat, site.lon, other.lat, other.lon)
        if d <= SENSOR_NEAR_M and (best is None or d < best[0]):
            best = (d, sid, s)
    return (best[1], best[2]) if best else (None, None)


def site_inputs(
    session: Session, tenant: Tenant, care: CareClasses, as_of: dt.date
) -> tuple[list[tuple[int, SiteInput]], dict[int, str]]:
    """Forecast inputs for the tenant's maintained sites: (site id, input) pairs, and the sites
    that were left out with the reason.

    Maintained = accepted, in maintenance and by own crews (the sites demand plans). A lawn's
    ``last_service`` is None when no cut is recorded (see :func:`assume_last_cuts`).
    """
    tz = tenant_zone(tenant)
    sites = {
        s.id: s
        for s in session.scalars(
            select(Site).where(Site.in_maintenance.is_(True), Site.status == "accepted")
        )
        if s.maintained_by == "own"
    }
    last: dict[tuple[int, str], dt.date] = {}
    for row in session.scalars(select(SiteLastService)):
        key = (row.site_id, row.task_type.split("_")[0])
        if row.last_date <= as_of:
            last[key] = max(last.get(key, row.last_date), row.last_date)
    reports: dict[int, list[CrewReport]] = defaultdict(list)
    for o in session.scalars(select(Observation).where(Observation.source == CREW_REPORT_SOURCE)):
        length = (o.values_json or {}).get("grass_length")
        day = _local_day(o.observed_at, tz)
        if length in ("short", "medium", "long") and o.site_id and day <= as_of:
            reports[o.site_id].append(CrewReport(day, length))
    demand = {d.site_id: d for d in session.scalars(select(SiteDemand))}
    sensors = _sensor_series(session, tz)
    out: list[tuple[int, SiteInput]] = []
    skipped: dict[int, str] = {}
    for site in sites.values():
        regime = site_regime(site, tenant)
        sensor_id, sensor = _nearest_sensor(site, sensors, sites)
        common = dict(
            site_id=str(site.id),
            lat=site.lat,
            lon=site.lon,
            sensor_water_pct=sensor,
            sensor_id=f"Fläche {sensor_id}" if sensor_id else None,
        )
        d = demand.get(site.id)
        if regime in care.lawns:
            out.append((site.id, SiteInput(
                kind="lawn", care_class=regime, last_service=last.get((site.id, "mow")),
                reports=sorted(reports.get(site.id, []), key=lambda r: r.day), **common)))
        elif regime and regime.startswith("hedge_") and regime[6:] in care.hedges:
            out.append((site.id, SiteInput(
                kind="hedge", care_class=regime[6:], last_service=last.get((site.id, "hedge")),
                traffic_safety=bool(d and d.traffic_safety), **common)))
        elif d is None or not d.young_trees:
            skipped[site.id] = f"keine Prognose für Regime {regime or '–'} ({site.category})"
        if d is not None and d.young_trees and d.young_trees_planted:
            out.append((site.id, SiteInput(
                kind="young_trees", planted=d.young_trees_planted, tree_count=d.young_trees,
                last_service=last.get((site.id, "water")), **common)))
    return out, skipped


# --------------------------------------------------------------------------- no recorded cut
def _current_interval_days(
    care_class: str, weather: pd.DataFrame, as_of: dt.date, context: ForecastContext,
    lat: float, lon: float, allow_stale_days: int, forecast: pd.DataFrame | None,
) -> int:
    """The current cutting interval of a care class at this weather, in days.

    The days the grass took to grow from target to trigger height up to ``as_of``, looking back
    at most 1.5 × the season's average interval (240 days / mean cuts per year); when it grew
    slower than that (late autumn, dormancy, drought) the season's average interval: the
    regular rhythm of the Bauhof has then kept the lawns short.
    """
    lawn = context.care.lawn(care_class)
    season_interval = max(3, round(SEASON_DAYS / lawn.cuts_mid))
    lookback_days = int(1.5 * season_interval) + 1
    reference = SiteInput(
        site_id=f"class:{care_class}", kind="lawn", lat=lat, lon=lon, care_class=care_class,
        last_service=as_of - dt.timedelta(days=lookback_days),
    )
    fc = forecast_site(reference, weather, as_of, 1, context, forecast=forecast,
                       allow_stale_days=allow_stale_days)
    path = fc.daily["value"].loc[: pd.Timestamp(as_of)]
    grown = float(path.iloc[-1]) - path
    enough = path[grown >= lawn.trigger_height_mm - lawn.target_height_mm]
    if enough.empty:
        return season_interval
    return max(3, (pd.Timestamp(as_of) - enough.index[-1]).days)


def assume_last_cuts(
    inputs: Sequence[tuple[int, SiteInput]], weather: pd.DataFrame, as_of: dt.date,
    context: ForecastContext, allow_stale_days: int = 0, forecast: pd.DataFrame | None = None,
) -> dict[int, tuple[dt.date, int]]:
    """Steady-state assumption for lawns without a recorded cut; sets their ``last_service``.

    The Bauhof has kept up so far: the lawns of a care class are spread evenly over its current
    cutting interval, each at a fixed offset (golden-ratio sequence over the site id), so a
    week's mowing is what a running operation mows. Returns {site id: (assumed cut, interval)}.
    """
    assumed: dict[int, tuple[dt.date, int]] = {}
    intervals: dict[str, int] = {}
    for site_id, si in inputs:
        if si.kind != "lawn" or si.last_service is not None:
            continue
        if si.care_class not in intervals:
            intervals[si.care_class] = _current_interval_days(
                si.care_class, weather, as_of, context, si.lat, si.lon, allow_stale_days,
                forecast)
        interval = intervals[si.care_class]
        offset = int(((site_id * GOLDEN) % 1.0) * interval)
        si.last_service = as_of - dt.timedelta(days=offset)
        assumed[site_id] = (si.last_service, interval)
    return assumed


def _explain_assumed(fc: SiteForecast, cut: dt.date, interval: int) -> None:
    """Say the steady-state assumption in the explanation (first note, before weather notes)."""
    fc.explanation.since_service["assumed"] = True
    fc.explanation.since_service["assumption"] = "steady_state"
    fc.explanation.notes.insert(0, {
        "code": "assumed_last_service",
        "text_de": (f"Kein Schnitt erfasst: laufender Betrieb angenommen – die Flächen dieser "
                    f"Pflegeklasse verteilen sich gleichmäßig über das aktuelle Schnittintervall "
                    f"von {interval} Tagen, für diese Fläche letzter Schnitt am "
                    f"{cut:%d.%m.%Y} (angenommen)."),
        "text_en": (f"No cut recorded: steady operation assumed – the lawns of this care class "
                    f"are spread evenly over the current cutting interval of {interval} days, "
                    f"for this site last cut on {cut.isoformat()} (assumed)."),
    })


# --------------------------------------------------------------------------- forecasting
def online_forecast(
    engine: Engine, tenant_id: int, as_of: dt.date, horizon_days: int
) -> pd.DataFrame:
    """The coming days from DWD MOSMIX via Bright Sky at the tenant's depot (needs internet;
    never called by the tests)."""
    with tenant_session(engine, tenant_id) as s:
        tenant = session_tenant(s)
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
    (cached per process; fitting takes about a second).

    Without the measured growth series (no open licence: they never ship with the code, so a bare
    clone lacks them) the stand-in :class:`~forecasting.grass.DriverGrassModel` is used and every
    run says so (:func:`stand_in_notes`).
    """
    data_dir = data_dir or get_settings().data_dir
    growth = resolve_data_file("growth/teagasc_grass10_weekly.csv", data_dir)
    valentia = resolve_data_file("weather/meteireann_valentia_2019_modvege_input.csv", data_dir)
    if not (growth.is_file() and valentia.is_file()):
        return _stand_in_context(str(CARE_CLASSES_FILE))
    return _context(str(CARE_CLASSES_FILE), str(growth), str(valentia))


@lru_cache(maxsize=1)
def _stand_in_context(care_file: str) -> ForecastContext:
    return ForecastContext(care=load_care_classes(care_file), grass=DriverGrassModel())


def weather_stand_in_note(tenant_config: dict[str, Any]) -> str | None:
    """"Wetter stellvertretend: ..." when the tenant's weather station stands in for the town's
    own (``[weather] stands_in``), naming the nearest station and its distance when known, with
    the DWD attribution; else None. ``tenant_config``: the stored tenant configuration."""
    cfg = tenant_config.get("weather") or {}
    if not cfg.get("stands_in"):
        return None
    name = cfg.get("station_name") or ""
    nearest = ""
    if cfg.get("nearest_station_id"):
        distance = cfg.get("nearest_distance_km")
        far = f", {distance:.0f} km vom Betriebshof" if distance is not None else ""
        nearest = (f" statt der nächsten Station {cfg['nearest_station_id']} "
                   f"{cfg.get('nearest_station_name', '')}{far}")
    return (f"Wetter stellvertretend: DWD-Station {cfg.get('station_id', '?')} {name}{nearest} "
            "(Datenbasis: Deutscher Wetterdienst, CC BY 4.0)")


def stand_in_notes(tenant: Tenant, context: ForecastContext) -> list[str]:
    """What in a forecast run stands in for the town's own data (weather station, growth model)."""
    notes = []
    weather = weather_stand_in_note(tenant.config_json or {})
    if weather:
        notes.append(weather)
    if isinstance(context.grass, DriverGrassModel):
        notes.append("Graswachstum: Ersatzmodell f(T)×PAR (gemessene Wachstumsreihen nicht "
                     "vorhanden), ungenauer als das gelernte Modell")
    return notes


@lru_cache(maxsize=1)
def model_version() -> str:
    """Version of what produced a forecast: greentour's version and the care-class file."""
    digest = hashlib.sha1(CARE_CLASSES_FILE.read_bytes()).hexdigest()[:8]
    try:
        version = importlib.metadata.version("greentour")
    except importlib.metadata.PackageNotFoundError:
        version = "dev"
    return f"greentour {version}; care_classes {digest}; grass hgb-monotone"


def compute_forecasts(
    session: Session,
    tenant: Tenant,
    as_of: dt.date,
    horizon_days: int = 14,
    context: ForecastContext | None = None,
    site_ids: Sequence[int] | None = None,
    allow_stale_days: int = DEFAULT_STALE_DAYS,
    progress: Callable[[int, int], None] | None = None,
    forecast: pd.DataFrame | None = None,
    data_dir: Path | None = None,
    weather: tuple[pd.DataFrame, str] | None = None,
) -> ForecastRun:
    """Forecast the tenant's maintained sites (or ``site_ids``) from ``as_of``; stores nothing.

    ``forecast``: daily weather for the coming days (e.g. from :func:`online_forecast`); days it
    does not cover come from climatology. ``allow_stale_days``: how long after the last weather
    day a run may still go on climatology (0: refused with :class:`DataImportError`).
    """
    if not 1 <= horizon_days <= 60:
        raise BadInput(f"Vorhersagezeitraum {horizon_days} Tage: erlaubt sind 1 bis 60")
    context = context or forecast_context(data_dir)
    run = ForecastRun(as_of=as_of, horizon_days=horizon_days)
    frame, run.weather_source = weather or tenant_weather(session, tenant, as_of, data_dir)
    run.weather_until = frame.index.max().date()
    run.notes += stand_in_notes(tenant, context)
    inputs, run.skipped = site_inputs(session, tenant, context.care, as_of)
    if site_ids is not None:
        wanted = set(site_ids)
        missing = wanted - {sid for sid, _ in inputs}
        if missing:
            raise NotFound(f"Keine Prognose für Fläche(n) {', '.join(map(str, sorted(missing)))}")
        inputs = [(sid, si) for sid, si in inputs if sid in wanted]
    if run.weather_until < as_of:
        if (as_of - run.weather_until).days > allow_stale_days:
            raise DataImportError(
                f"Wetterdaten enden am {run.weather_until:%d.%m.%Y}, vor dem Stichtag "
                f"{as_of:%d.%m.%Y}")
        run.notes.append(f"Wetterdaten enden am {run.weather_until:%d.%m.%Y}: bis zum Stichtag "
                         "und danach Klimatologie")
    refused = session.scalar(select(func.count()).select_from(Observation).where(
        Observation.source == SENSOR_SOURCE, Observation.rejected.is_(True),
        Observation.observed_at <= _day_instant(as_of, tenant_zone(tenant)),
    ))
    if refused:
        run.notes.append(f"{refused} Sensormesswerte unplausibel (gespeichert, nicht verwendet)")
    run.signatures = {
        (sid, TASK_FAMILY[si.kind]): input_signature(si, run) for sid, si in inputs
    }
    try:
        assumed = assume_last_cuts(inputs, frame, as_of, context, allow_stale_days, forecast)
        for i, (site_id, site_input) in enumerate(inputs):
            fc = forecast_site(site_input, frame, as_of, horizon_days, context,
                               forecast=forecast, allow_stale_days=allow_stale_days)
            if site_input.kind == "lawn" and site_id in assumed:
                _explain_assumed(fc, *assumed[site_id])
            run.forecasts.append(fc)
            if progress:
                progress(i + 1, len(inputs))
    except ForecastInputError as exc:
        raise DataImportError(f"Prognose nicht möglich: {exc}") from exc
    return run


# --------------------------------------------------------------------------- stored forecasts
KIND_OF_TASK = {"mow": "mow", "cut_hedge": "hedge", "water_trees": "water"}
"""forecasting's task names → the stored kind (mow | hedge | water)."""


def _on_day(fc: SiteForecast, day: dt.date | None) -> tuple[float | None, float | None]:
    """The 10 % and 90 % quantile values of a mowing forecast on ``day``."""
    if fc.task != "mow" or day is None or fc.daily.empty:
        return None, None
    row = fc.daily.loc[fc.daily.index == pd.Timestamp(day)]
    if row.empty:
        return None, None
    return round(float(row["value_lo"].iloc[0]), 2), round(float(row["value_hi"].iloc[0]), 2)


def _row_values(fc: SiteForecast, signature: str) -> dict[str, Any]:
    quantity = fc.quantity
    day = fc.due_date
    if quantity is None and fc.task == "mow":
        day = fc.as_of  # not due: today's height
        quantity = fc.explanation.since_service.get("height_now_mm")
    lo, hi = _on_day(fc, day)
    return {
        "site_id": int(fc.site_id),
        "kind": KIND_OF_TASK[fc.task],
        "as_of": fc.as_of,
        "horizon_days": fc.horizon_days,
        "due_date": fc.due_date,
        "due_earliest": fc.due_window[0] if fc.due_window else None,
        "due_latest": fc.due_window[1] if fc.due_window else None,
        "urgency": fc.urgency,
        "urgency_score": round(float(fc.urgency_score), 4),
        "quantity": None if quantity is None else round(float(quantity), 2),
        "quantity_lo": lo,
        "quantity_hi": hi,
        "quantity_unit": fc.quantity_unit,
        "explanation_json": _jsonable(asdict(fc.explanation)),
        "workability_json": [
            {**_jsonable(asdict(w)), "date": w.date.isoformat()} for w in fc.workability
        ],
        "details_json": {**_jsonable(fc.details), "inputs": signature},
        "model_version": model_version(),
    }


def _jsonable(value: Any) -> Any:
    """Plain JSON values (numpy numbers and dates as Python numbers and ISO strings)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def store_forecasts(session: Session, run: ForecastRun) -> list[StoredForecast]:
    """Store a run's forecasts, replacing the rows of its sites and planning day."""
    site_ids = sorted({int(fc.site_id) for fc in run.forecasts})
    for start in range(0, len(site_ids), 500):
        session.execute(delete(StoredForecast).where(
            StoredForecast.as_of == run.as_of,
            StoredForecast.site_id.in_(site_ids[start:start + 500])))
    rows = [
        StoredForecast(**_row_values(
            fc, run.signatures.get((int(fc.site_id), KIND_OF_TASK[fc.task]), "")))
        for fc in run.forecasts
    ]
    session.add_all(rows)
    session.flush()
    return rows


def forecast_tenant(
    engine: Engine,
    tenant_id: int,
    as_of: dt.date,
    horizon_days: int = 14,
    **kwargs: Any,
) -> ForecastRun:
    """Compute and store the forecasts of the tenant's sites in one transaction
    (:func:`compute_forecasts` takes the keyword arguments)."""
    with tenant_session(engine, tenant_id) as s, s.begin():
        tenant = session_tenant(s)
        run = compute_forecasts(s, tenant, as_of, horizon_days, **kwargs)
        run.stored = len(store_forecasts(s, run))
    return run


def input_signature(si: SiteInput, run: ForecastRun) -> str:
    """What a site's forecast depends on, as a short text: kind, class, last service, crew
    reports, sensor days, young trees, weather end and source, horizon, model. A stored forecast
    whose signature differs from the current one is stale."""
    reports = f"{len(si.reports)}:{si.reports[-1].day if si.reports else '-'}"
    sensor = "-"
    if si.sensor_water_pct is not None and len(si.sensor_water_pct):
        sensor = f"{len(si.sensor_water_pct)}:{si.sensor_water_pct.index[-1].date()}"
    return "|".join(str(x) for x in (
        si.kind, si.care_class, si.last_service, reports, sensor, si.planted, si.tree_count,
        si.traffic_safety, run.weather_until, run.weather_source[:20], run.horizon_days,
        model_version()))


def ensure_forecasts(
    session: Session,
    tenant: Tenant,
    as_of: dt.date,
    horizon_days: int = 14,
    allow_stale_days: int = DEFAULT_STALE_DAYS,
    data_dir: Path | None = None,
    context: ForecastContext | None = None,
) -> tuple[list[StoredForecast], list[str]]:
    """The stored forecasts of ``as_of`` for every maintained site, computed and stored where
    missing or stale (an input changed since: a cut, a report, a sensor day, new weather).

    Demand's ``forecast`` generator reads these. Returns (rows, notes for the planner).
    """
    context = context or forecast_context(data_dir)
    weather = tenant_weather(session, tenant, as_of, data_dir)
    probe = ForecastRun(as_of=as_of, horizon_days=horizon_days, weather_source=weather[1],
                        weather_until=weather[0].index.max().date())
    inputs, _skipped = site_inputs(session, tenant, context.care, as_of)
    wanted = {(sid, TASK_FAMILY[si.kind]): input_signature(si, probe) for sid, si in inputs}
    stored = {(r.site_id, r.kind): r for r in session.scalars(
        select(StoredForecast).where(StoredForecast.as_of == as_of))}
    stale = sorted({sid for key, sig in wanted.items() for sid in [key[0]]
                    if key not in stored or (stored[key].details_json or {}).get("inputs") != sig})
    notes = []
    if stale:
        run = compute_forecasts(session, tenant, as_of, horizon_days, context,
                                site_ids=stale, allow_stale_days=allow_stale_days,
                                data_dir=data_dir, weather=weather)
        store_forecasts(session, run)
        notes += run.notes
        notes.append(f"Prognose für {len(stale)} Flächen neu berechnet")
    rows = [r for r in session.scalars(
        select(StoredForecast).where(StoredForecast.as_of == as_of)
        .order_by(StoredForecast.site_id, StoredForecast.kind))
        if (r.site_id, r.kind) in wanted]
    station = ((tenant.config_json or {}).get("weather") or {}).get("station_name") or "Station"
    notes.insert(0, f"Prognose ab {as_of:%d.%m.%Y} über {horizon_days} Tage "
                    f"({station}; {weather[1]}; {len(rows)} Flächenprognosen)")
    return rows, notes


def latest_forecasts(
    session: Session, site_ids: Sequence[int] | None = None, as_of: dt.date | None = None
) -> list[StoredForecast]:
    """The newest stored forecast per site and kind (planning day ≤ ``as_of`` when given).

    For the planner map's site popups and demand. ``session`` is a tenant session; sorted by
    site id and kind. Each row carries the due window, urgency, quantity and the explanation
    in German and English (:meth:`~greentour.store.models_forecast.SiteForecast.text`).
    """
    newest = select(
        StoredForecast.site_id, StoredForecast.kind, func.max(StoredForecast.as_of).label("day")
    )
    if as_of is not None:
        newest = newest.where(StoredForecast.as_of <= as_of)
    if site_ids is not None:
        newest = newest.where(StoredForecast.site_id.in_(list(site_ids)))
    newest = newest.group_by(StoredForecast.site_id, StoredForecast.kind).subquery()
    query = select(StoredForecast).join(newest, and_(
        StoredForecast.site_id == newest.c.site_id, StoredForecast.kind == newest.c.kind,
        StoredForecast.as_of == newest.c.day,
    )).order_by(StoredForecast.site_id, StoredForecast.kind)
    return list(session.scalars(query))
