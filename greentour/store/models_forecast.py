"""Stored forecasts: what is due at a site, when and why (see docs/forecasting.md).

:class:`SiteForecast` holds one forecast of one site and task kind as of one planning day. The
forecast service (:mod:`greentour.forecast`, CLI ``greentour forecast``, job
``forecast``) writes it, replacing an older row of the same site, kind and day; demand's
``forecast`` generator reads it, and the planner map shows it
(:func:`greentour.forecast.store_io.latest_forecasts`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from sqlalchemy import Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greentour.store.base import Base, TenantScoped, choice, utcnow
from greentour.store.models import Site

ForecastKind = Literal["mow", "hedge", "water"]
UrgencyLevel = Literal["none", "low", "normal", "high", "overdue"]


class SiteForecast(TenantScoped, Base):
    """One site's forecast for one task kind as of one day (unique per site, kind, as_of)."""

    __tablename__ = "site_forecast"
    __table_args__ = (UniqueConstraint("tenant_id", "site_id", "kind", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ForecastKind] = choice("forecast_kind", ForecastKind)
    """mow (grass growth), hedge (regrowth), water (young trees' soil water)."""
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    """Planning day: weather up to this day is observed, later days are forecast."""
    horizon_days: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    """First day the task is due; None = not due within the horizon."""
    due_earliest: Mapped[dt.date | None] = mapped_column(Date)
    due_latest: Mapped[dt.date | None] = mapped_column(Date)
    urgency: Mapped[UrgencyLevel] = choice("forecast_urgency", UrgencyLevel)
    urgency_score: Mapped[float] = mapped_column(Float, default=0.0)
    """mow: growth since the cut / (trigger − target); hedge: GDD / GDD per cut; water: 1 − soil
    water fraction."""
    quantity: Mapped[float | None] = mapped_column(Float)
    """The kind's main quantity on the due day (today when not due): mow grass height mm (median),
    hedge °C·d since the cut, water litres for all young trees."""
    quantity_lo: Mapped[float | None] = mapped_column(Float)
    """Slow-growth (10 % quantile) value on the same day (mow only)."""
    quantity_hi: Mapped[float | None] = mapped_column(Float)
    """Fast-growth (90 % quantile) value on the same day (mow only)."""
    quantity_unit: Mapped[str] = mapped_column(String(20), default="")
    explanation_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """``reason``, ``text_de``, ``text_en``, ``drivers``, ``since_service``, ``uncertainty``,
    ``notes`` (each note with ``code``, ``text_de``, ``text_en``)."""
    workability_json: Mapped[list[Any]] = mapped_column(default=list)
    """Per day: ``date``, ``heavy_machines_ok``, ``hot``, ``weather_source``, ``reasons``."""
    details_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Kind-specific details: ``care_class``, ``site_factor``, ``allowed_cut``, ``per_tree_l`` …"""
    model_version: Mapped[str] = mapped_column(String(80))
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship()

    def text(self, lang: str = "de") -> str:
        """The explanation with its notes in one language (``de`` or ``en``)."""
        key = "text_de" if lang == "de" else "text_en"
        expl = self.explanation_json or {}
        return " ".join([expl.get(key, "")] + [n[key] for n in expl.get("notes", [])]).strip()

    @property
    def unworkable_days(self) -> tuple[dt.date, ...]:
        """Days heavy machines must stay off the ground (soaked after heavy rain)."""
        return tuple(
            dt.date.fromisoformat(d["date"])
            for d in self.workability_json or []
            if not d.get("heavy_machines_ok", True)
        )
