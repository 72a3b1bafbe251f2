"""Forecast computation: :func:`compute_forecasts` runs :func:`forecasting.forecast_site` for
every site of a tenant (stores nothing); the context (care classes, grass model) and the notes on
what stands in for the town's own data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forecasting import (
    DriverGrassModel,
    ForecastContext,
    ForecastInputError,
    SiteForecast,
    SiteInput,
    forecast_site,
    load_care_classes,
)
from greentour.errors import BadInput, DataImportError, NotFound
from greentour.forecast.inputs import (
    CARE_CLASSES_FILE,
    SENSOR_SOURCE,
    TASK_FAMILY,
    assume_last_cuts,
    explain_assumed,
    site_inputs,
)
from greentour.forecast.weather import day_instant, tenant_weather
from greentour.settings import get_settings, resolve_data_file
from greentour.store import tenant_zone
from greentour.store.models import Observation, Tenant
from greentour.tenant_config import WeatherSection, tenant_config

DEFAULT_STALE_DAYS = 400
"""How long after the last stored weather day forecasts still run (climatology, with a note)."""


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


def weather_stand_in_note(weather: WeatherSection | None) -> str | None:
    """"Wetter stellvertretend: ..." when the tenant's weather station stands in for the town's
    own (``[weather] stands_in``), naming the nearest station and its distance when known, with
    the DWD attribution; else None."""
    if weather is None or not weather.stands_in:
        return None
    nearest = ""
    if weather.nearest_station_id:
        distance = weather.nearest_distance_km
        far = f", {distance:.0f} km vom Betriebshof" if distance is not None else ""
        nearest = (f" statt der nächsten Station {weather.nearest_station_id} "
                   f"{weather.nearest_station_name}{far}")
    return (f"Wetter stellvertretend: DWD-Station {weather.station_id} {weather.station_name}"
            f"{nearest} (Datenbasis: Deutscher Wetterdienst, CC BY 4.0)")


def stand_in_notes(tenant: Tenant, context: ForecastContext) -> list[str]:
    """What in a forecast run stands in for the town's own data (weather station, growth model)."""
    notes = []
    weather = weather_stand_in_note(tenant_config(tenant).weather)
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
        Observation.observed_at <= day_instant(as_of, tenant_zone(tenant)),
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
                explain_assumed(fc, *assumed[site_id])
            run.forecasts.append(fc)
            if progress:
                progress(i + 1, len(inputs))
    except ForecastInputError as exc:
        raise DataImportError(f"Prognose nicht möglich: {exc}") from exc
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
