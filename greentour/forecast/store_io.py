"""Stored forecasts: :func:`store_forecasts` keeps a run's results as
:class:`~greentour.store.models_forecast.SiteForecast` rows (one per site, kind and planning day,
replaced when computed again); :func:`latest_forecasts` is the read for the planner map.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import pandas as pd
from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import Session

from forecasting import SiteForecast
from greentour.forecast.compute import ForecastRun, model_version
from greentour.store.models_forecast import SiteForecast as StoredForecast

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
