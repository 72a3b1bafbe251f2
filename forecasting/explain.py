"""What a forecast says about itself: the result types shared by lawns, hedges and young trees.

A :class:`SiteForecast` carries what a task generator needs (``due_date``, ``due_window``,
``urgency``, ``quantity``) and an :class:`Explanation` a planner can read in German or English:
the drivers, the growth since the last service, why the task is due and how sure we are.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import pandas as pd

URGENCY_LEVELS = ("none", "low", "normal", "high", "overdue")


@dataclass
class Explanation:
    """Structured reasons with ready texts; ``reason`` is a stable code (``trigger_expected``)."""

    reason: str
    text_de: str
    text_en: str
    drivers: dict[str, float] = field(default_factory=dict)
    since_service: dict[str, Any] = field(default_factory=dict)
    uncertainty: dict[str, Any] = field(default_factory=dict)
    notes: list[dict[str, str]] = field(default_factory=list)

    def add_note(self, code: str, text_de: str, text_en: str) -> None:
        """Attach an extra remark (an assumption, a legal rule, a data gap)."""
        self.notes.append({"code": code, "text_de": text_de, "text_en": text_en})

    def text(self, lang: str = "de") -> str:
        """The main text plus notes in one language (``de`` or ``en``)."""
        key = "text_de" if lang == "de" else "text_en"
        parts = [getattr(self, key)] + [n[key] for n in self.notes]
        return " ".join(parts)


@dataclass
class DayWorkability:
    """Whether heavy mowers may drive on a day, and whether it is a hot day."""

    date: date
    heavy_machines_ok: bool
    hot: bool
    weather_source: str
    reasons: list[dict[str, str]] = field(default_factory=list)


@dataclass
class SiteForecast:
    """The forecast for one site and task from ``as_of`` over ``horizon_days``.

    ``due_date`` is None when the task is not due within the horizon. ``due_window`` is
    (earliest, latest) day to do it. ``quantity`` is task specific (mowing: predicted grass height
    in mm on the due date; hedges: degree days; watering: litres in total for all trees).
    ``daily`` holds the predicted state per day with columns ``value``, ``value_lo``,
    ``value_hi`` and ``weather_source``.
    """

    site_id: str
    task: str  # "mow" | "cut_hedge" | "water_trees"
    as_of: date
    horizon_days: int
    due_date: date | None
    due_window: tuple[date, date] | None
    urgency: str
    urgency_score: float
    quantity: float | None
    quantity_unit: str
    explanation: Explanation
    daily: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    workability: list[DayWorkability] = field(default_factory=list, repr=False)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def is_due(self) -> bool:
        return self.due_date is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (dates as ISO strings; the daily frame as a list of records)."""

        def iso(d):
            return d.isoformat() if d is not None else None

        daily = self.daily.reset_index()
        if "date" in daily:
            daily["date"] = daily["date"].dt.strftime("%Y-%m-%d")
        return {
            "site_id": self.site_id,
            "task": self.task,
            "as_of": iso(self.as_of),
            "horizon_days": self.horizon_days,
            "due_date": iso(self.due_date),
            "due_window": [iso(self.due_window[0]), iso(self.due_window[1])]
            if self.due_window
            else None,
            "urgency": self.urgency,
            "urgency_score": round(float(self.urgency_score), 3),
            "quantity": None if self.quantity is None else round(float(self.quantity), 2),
            "quantity_unit": self.quantity_unit,
            "explanation": asdict(self.explanation),
            "workability": [{**asdict(w), "date": w.date.isoformat()} for w in self.workability],
            "daily": daily.round(3).to_dict(orient="records"),
            "details": self.details,
        }


def urgency_for(due: date | None, as_of: date, overdue: bool = False) -> str:
    """Urgency level from the days until due: overdue, ≤2 d high, ≤7 d normal, else low."""
    if overdue:
        return "overdue"
    if due is None:
        return "none"
    days = (due - as_of).days
    if days <= 2:
        return "high"
    if days <= 7:
        return "normal"
    return "low"


def fmt_date_de(d: date) -> str:
    return d.strftime("%d.%m.%Y")
