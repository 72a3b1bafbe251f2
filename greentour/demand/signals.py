"""Forecast signals for the demand step: the forecast service's stored per-site forecasts.

Demand does not forecast. :func:`greentour.forecast.service.ensure_forecasts` gives the stored
:class:`~greentour.store.models_forecast.SiteForecast` rows of the planning day (computing and
storing them where missing or stale, with the sites' weather, soil sensors and crews' reports);
this module maps each row to a :class:`~greentour.demand.generators.forecast.ForecastSignal`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from greentour.demand.generators.forecast import ForecastSignal
from greentour.errors import GreentourError
from greentour.forecast.service import ensure_forecasts
from greentour.store.models import Tenant
from greentour.store.models_forecast import SiteForecast

URGENCY_OF_LEVEL = {"overdue": 1.0, "high": 0.85, "normal": 0.6, "low": 0.35}
"""Hedges and young trees: the forecast's urgency level → demand urgency 0..1."""


def urgency_of(row: SiteForecast) -> float:
    """Demand urgency 0..1 of a forecast.

    Mowing: 1 when overdue, else 0.4 + 0.5 × (growth since the cut / (trigger − target)), at
    most 0.95; hedges and trees by level (:data:`URGENCY_OF_LEVEL`).
    """
    if row.kind == "mow":
        return 1.0 if row.urgency == "overdue" else min(0.95, 0.4 + 0.5 * row.urgency_score)
    return URGENCY_OF_LEVEL.get(row.urgency, 0.3)


def signal_of(row: SiteForecast) -> ForecastSignal | None:
    """The demand signal of a stored forecast (None when not due within its horizon)."""
    if row.due_earliest is None or row.due_latest is None:
        return None
    earliest, latest = max(row.due_earliest, row.as_of), max(row.due_latest, row.as_of)
    days = [d for d in row.workability_json or []
            if earliest.isoformat() <= d["date"] <= latest.isoformat()]
    details = row.details_json or {}
    return ForecastSignal(
        site_id=row.site_id,
        kind=row.kind,
        due_earliest=earliest,
        due_latest=latest,
        urgency=urgency_of(row),
        explanation=row.text("de"),
        explanation_en=row.text("en"),
        water_l_per_tree=details.get("per_tree_l") if row.kind == "water" else None,
        workable=any(d.get("heavy_machines_ok", True) for d in days) if days else True,
        unworkable_days=row.unworkable_days,
        care_class=details.get("care_class") if row.kind == "mow" else None,
    )


def forecast_signals_for(
    session: Session, tenant: Tenant, as_of: dt.date, horizon_days: int,
    stale_days: int = 0, data_dir: Path | None = None,
) -> tuple[list[ForecastSignal], list[str]]:
    """Signals of every maintained site from the stored forecasts of ``as_of``, and notes.

    When the forecast cannot run (no weather, weather ending more than ``stale_days`` before
    ``as_of``, no growth data) there are no signals and the note says why; cycles, deadlines
    and orders are generated all the same.
    """
    try:
        rows, notes = ensure_forecasts(session, tenant, as_of, horizon_days,
                                       allow_stale_days=stale_days, data_dir=data_dir)
    except (GreentourError, ValueError) as exc:
        message = exc.message if isinstance(exc, GreentourError) else str(exc)
        return [], [f"{message}: keine Prognose-Aufgaben"]
    signals = [s for s in (signal_of(r) for r in rows) if s is not None]
    return signals, notes
