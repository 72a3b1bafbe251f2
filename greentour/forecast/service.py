"""Forecast use cases: stored weather, sites, reports and sensors → :mod:`forecasting` → stored
forecasts.

:func:`forecast_tenant` computes (:mod:`.compute`) and stores (:mod:`.store_io`) in one
transaction (CLI ``greentour forecast``, job ``forecast``); :func:`ensure_forecasts` is demand's
entry (stored rows, recomputed where an input changed). The weather import is in
:mod:`.weather`, the mapping of records to forecasting's inputs in :mod:`.inputs`.

This package is the only place where forecasts are computed, and the only place that maps
records to forecasting's types; forecasting never sees the database.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from forecasting import ForecastContext
from greentour.forecast.compute import (
    DEFAULT_STALE_DAYS,
    ForecastRun,
    compute_forecasts,
    forecast_context,
    input_signature,
)
from greentour.forecast.inputs import TASK_FAMILY, site_inputs
from greentour.forecast.store_io import store_forecasts
from greentour.forecast.weather import tenant_weather
from greentour.store import session_tenant, tenant_session
from greentour.store.models import Tenant
from greentour.store.models_forecast import SiteForecast as StoredForecast
from greentour.tenant_config import tenant_config


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
    weather_cfg = tenant_config(tenant).weather
    station = (weather_cfg.station_name if weather_cfg else "") or "Station"
    notes.insert(0, f"Prognose ab {as_of:%d.%m.%Y} über {horizon_days} Tage "
                    f"({station}; {weather[1]}; {len(rows)} Flächenprognosen)")
    return rows, notes
