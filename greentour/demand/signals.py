"""Forecast signals for the demand step from the tenant's weather and sites (store side).

Reads the tenant's stored weather (or its configured DWD files), last services and young trees,
and runs :mod:`greentour.demand.forecast_input`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from forecasting.errors import ForecastInputError
from greentour.demand import forecast_input
from greentour.demand.generators.forecast import ForecastSignal
from greentour.demand.model import SiteInfo
from greentour.errors import NotFound
from greentour.settings import REPO_ROOT, get_settings
from greentour.store.models import SiteLastService, Tenant
from greentour.store.models_demand import SiteDemand


def _last_services(session: Session, prefix: str) -> dict[int, dt.date]:
    out: dict[int, dt.date] = {}
    for row in session.scalars(select(SiteLastService)):
        if row.task_type.startswith(prefix):
            out[row.site_id] = max(out.get(row.site_id, row.last_date), row.last_date)
    return out


def forecast_signals_for(
    session: Session, tenant: Tenant, sites: Sequence[SiteInfo], as_of: dt.date,
    horizon_days: int, data_dir: Path | None = None,
) -> tuple[list[ForecastSignal], list[str]]:
    """Run the forecasts for the tenant's sites (see :mod:`greentour.demand.forecast_input`).

    Weather: the observations stored by ``greentour import-weather`` when there are any (the
    same frame the forecast service uses), else the DWD files named in the tenant configuration.
    """
    from greentour.forecast_service import load_weather

    notes: list[str] = []
    config = tenant.config_json or {}
    weather_cfg = config.get("weather") or {}
    data_dir = data_dir or get_settings().data_dir
    if data_dir is None:
        return [], ["Kein Datenordner konfiguriert: keine Prognose-Aufgaben"]
    growth = data_dir / "growth" / "teagasc_grass10_weekly.csv"
    valentia = data_dir / "weather" / "meteireann_valentia_2019_modvege_input.csv"
    if not growth.is_file() or not valentia.is_file():
        return [], ["Wachstumsdaten für das Graswachstumsmodell fehlen: keine Prognose-Aufgaben"]
    depot = (config.get("depots") or [{}])[0]
    lat = float(depot.get("lat", 50.0))
    lon = float(depot.get("lon", 10.0))
    common = {"care_file": REPO_ROOT / "data" / "care_classes.toml", "grass10_csv": growth,
              "valentia_csv": valentia, "as_of": as_of, "horizon_days": horizon_days,
              "lat": lat, "lon": lon}
    try:
        inputs = forecast_input.inputs_from_frame(weather=load_weather(session, tenant), **common)
        source = "gespeicherte Wetterdaten"
    except NotFound:
        own = [data_dir / f for f in weather_cfg.get("files", [])]
        history = [data_dir / f for f in weather_cfg.get("history_files", [])]
        if not own or not all(f.is_file() for f in own):
            return [], ["Keine Wetterdaten gespeichert oder konfiguriert: keine Prognose-Aufgaben"]
        files = [f for f in history if f.is_file()] + own  # the own station wins on overlaps
        inputs = forecast_input.inputs_from_files(
            weather_files=files, since=as_of - dt.timedelta(days=3 * 365), **common)
        source = "Wetterdateien der Mandantenkonfiguration"
    last_weather = inputs.weather.index.max().date()
    if last_weather < as_of:
        return [], [f"Wetterdaten enden am {last_weather:%d.%m.%Y}, vor dem Stichtag "
                    f"{as_of:%d.%m.%Y}: keine Prognose-Aufgaben"]
    demands = {d.site_id: d for d in session.scalars(select(SiteDemand))}
    planted = {
        sid: d.young_trees_planted for sid, d in demands.items()
        if d.young_trees and d.young_trees_planted
    }
    try:
        signals = forecast_input.lawn_signals(sites, inputs, _last_services(session, "mow"))
        signals += forecast_input.hedge_signals(sites, inputs, _last_services(session, "hedge"))
        signals += forecast_input.young_tree_signals(
            sites, inputs, planted, _last_services(session, "water"))
    except ForecastInputError as exc:
        # the cycles, deadlines and orders are still planned; the planner sees why not these
        return [], [f"Prognose nicht möglich: {exc}"]
    notes.append(f"Prognose ab {as_of:%d.%m.%Y} über {horizon_days} Tage "
                 f"({weather_cfg.get('station_name', 'Station')}; {source})")
    return signals, notes
