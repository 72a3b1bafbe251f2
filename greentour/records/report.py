"""Reports over booking lines, pure: sums per cost centre, site, task type, crew or person, and
the geometry of a bar chart drawn as server-rendered SVG (no script, no CDN).

Every figure is summed from integer base units (seconds, metres, cents) and converted once at
the end, so a report and a CSV of the same lines agree to the cent and the second.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from greentour.records.booking import Line

#: the dimensions a report can group by, with the German column title
DIMENSIONS: dict[str, str] = {
    "cost_centre": "Kostenstelle",
    "site": "Fläche",
    "task_type": "Aufgabe",
    "crew": "Kolonne",
    "cost_object": "Kostenträger",
    "person": "Person",
}


@dataclass
class Row:
    """Sums of one group (base units)."""

    key: str
    label: str
    person_s: int = 0
    work_person_s: int = 0
    machine_s: int = 0
    distance_m: int = 0
    person_ct: int = 0
    machine_ct: int = 0
    vehicle_ct: int = 0
    area_m2: float = 0.0
    area_work_s: int = 0

    @property
    def amount_ct(self) -> int:
        return self.person_ct + self.machine_ct + self.vehicle_ct

    @property
    def m2_per_h(self) -> float | None:
        """Area worked per person work-hour of the area-measured work done in full (None when
        there was none)."""
        if self.area_work_s <= 0 or self.area_m2 <= 0:
            return None
        return self.area_m2 / (self.area_work_s / 3600)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "label": self.label,
            "person_h": self.person_s / 3600, "work_person_h": self.work_person_s / 3600,
            "machine_h": self.machine_s / 3600, "km": self.distance_m / 1000,
            "person_eur": self.person_ct / 100, "machine_eur": self.machine_ct / 100,
            "vehicle_eur": self.vehicle_ct / 100, "eur": self.amount_ct / 100,
            "m2_per_h": self.m2_per_h,
            "person_s": self.person_s, "machine_s": self.machine_s,
            "distance_m": self.distance_m, "amount_ct": self.amount_ct,
        }


def key_of(dimension: str) -> Callable[[Line], tuple[str, str]]:
    """(key, label) of a line in ``dimension``; machine and vehicle lines have no person."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    if dimension == "site":
        return lambda ln: (str(ln.site_id or ""), ln.site_name or ln.cost_centre)
    if dimension == "person":
        return lambda ln: ((str(ln.resource_id), ln.resource_name) if ln.resource_kind == "person"
                           else ("", "—"))
    return lambda ln: (getattr(ln, dimension) or "", getattr(ln, dimension) or "—")


def summarise(lines: Iterable[Line], dimension: str,
              labels: dict[str, str] | None = None) -> list[Row]:
    """Rows per group of ``dimension``, largest amount first (then by label)."""
    pick = key_of(dimension)
    rows: dict[str, Row] = {}
    for ln in lines:
        key, label = pick(ln)
        if dimension == "person" and ln.resource_kind != "person":
            continue
        row = rows.setdefault(key, Row(key, (labels or {}).get(key, label)))
        add(row, ln)
    return sorted(rows.values(), key=lambda r: (-r.amount_ct, -r.person_s, r.label))


def add(row: Row, ln: Line) -> None:
    """Add one line's figures to ``row``."""
    if ln.resource_kind == "person":
        row.person_s += ln.quantity
        row.person_ct += ln.amount_ct
        if ln.share == "work":
            row.work_person_s += ln.quantity
            if ln.area_m2 > 0:
                row.area_m2 += ln.area_m2
                row.area_work_s += ln.quantity
    elif ln.resource_kind == "machine":
        row.machine_s += ln.quantity
        row.machine_ct += ln.amount_ct
    else:
        row.distance_m += ln.quantity
        row.vehicle_ct += ln.amount_ct


def total(lines: Iterable[Line]) -> Row:
    """One row over all lines."""
    row = Row("", "Summe")
    for ln in lines:
        add(row, ln)
    return row


# --------------------------------------------------------------------------- SVG bar chart
CHART_W, BAR_H, LABEL_W, GAP = 660, 18, 240, 6
#: longest label drawn (characters at 12 px); the full text is in the bar's tooltip
LABEL_MAX_CHARS = 30


def bar_chart(items: Sequence[tuple[str, float, str]], max_bars: int = 12) -> dict[str, Any]:
    """Geometry of a horizontal bar chart: ``items`` are (label, value, value text).

    Returns the SVG size and one bar per item (label, x, y, width, value text) for the template;
    the largest value spans the plot area. Items beyond ``max_bars`` are summed into "übrige".
    """
    items = list(items)
    if len(items) > max_bars:
        rest = items[max_bars - 1:]
        items = items[: max_bars - 1] + [("übrige", sum(v for _, v, _ in rest), "")]
    top = max((v for _, v, _ in items), default=0.0)
    plot_w = CHART_W - LABEL_W - 90
    bars = []
    for i, (label, value, text) in enumerate(items):
        width = 0.0 if top <= 0 else round(plot_w * value / top, 1)
        short = label if len(label) <= LABEL_MAX_CHARS else label[:LABEL_MAX_CHARS - 1] + "…"
        bars.append({"label": short,
                     "title": label, "x": LABEL_W, "y": i * (BAR_H + GAP),
                     "width": max(width, 0.5 if value > 0 else 0.0),
                     "text": text, "text_x": LABEL_W + width + 4,
                     "text_y": i * (BAR_H + GAP) + BAR_H - 5, "label_y": i * (BAR_H + GAP)
                     + BAR_H - 5})
    return {"width": CHART_W, "height": max(1, len(bars)) * (BAR_H + GAP), "bars": bars,
            "label_x": LABEL_W - 6, "bar_h": BAR_H}
