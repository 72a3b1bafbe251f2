"""Lawn height from relative growth: simulation of seasons, cut counting, scale calibration.

Height grows by ``scale_mm_per_day × site_factor × rel_growth`` per day. Mowing cuts back to the
target height; a cut is due once the height passes the trigger (1.5 × target).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.care_classes import LawnClass
from forecasting.errors import ForecastInputError

SUMMER_MONTHS = (6, 7, 8)


def simulate_season(
    rel_growth: pd.Series,
    care: LawnClass,
    scale_mm_per_day: float | None = None,
    site_factor: float = 1.0,
) -> pd.DataFrame:
    """Mow whenever the height passes the trigger; returns ``length_mm`` (after the day's cut)
    and ``cut`` (True on cut days). The lawn starts at the target height."""
    scale = care.growth_scale_mm_per_day if scale_mm_per_day is None else scale_mm_per_day
    if scale <= 0:
        raise ForecastInputError("growth scale must be > 0 mm/d")
    growth = rel_growth.fillna(0.0).to_numpy(dtype=float) * scale * site_factor
    length = np.empty(len(growth))
    cut = np.zeros(len(growth), dtype=bool)
    h = care.target_height_mm
    for i, g in enumerate(growth):
        h += g
        if h >= care.trigger_height_mm:
            cut[i] = True
            h = care.target_height_mm
        length[i] = h
    return pd.DataFrame({"length_mm": length, "cut": cut}, index=rel_growth.index)


def cuts_per_year(season: pd.DataFrame) -> pd.Series:
    """Number of cuts in each calendar year of a simulated season."""
    return season["cut"].groupby(season.index.year).sum().astype(int)


def summer_cuts_per_year(season: pd.DataFrame) -> pd.Series:
    """Number of cuts in June-August of each year."""
    summer = season[season.index.month.isin(SUMMER_MONTHS)]
    return summer["cut"].groupby(summer.index.year).sum().astype(int)


def calibrate_scale(
    rel_growth: pd.Series, care: LawnClass, target_cuts_per_year: float | None = None
) -> float:
    """Growth scale (mm/d at relative growth 1) whose mean simulated cuts per year hit the target
    (default: the middle of the care class's Heilbronn range). Bisection on a monotone count."""
    target = care.cuts_mid if target_cuts_per_year is None else target_cuts_per_year
    years = rel_growth.index.year.nunique()

    def mean_cuts(scale: float) -> float:
        return simulate_season(rel_growth, care, scale)["cut"].sum() / years

    lo, hi = 0.01, 200.0
    if mean_cuts(hi) < target:
        raise ForecastInputError(f"{care.key}: even {hi} mm/d gives fewer than {target} cuts")
    for _ in range(60):
        mid = (lo + hi) / 2
        if mean_cuts(mid) < target:
            lo = mid
        else:
            hi = mid
    return round(hi, 3)


# Crews report the grass length at mowing as a class; as heights: × target height.
CREW_LENGTH_CLASSES = {"short": (0.0, 1.35), "medium": (1.35, 1.65), "long": (1.65, 3.0)}


def crew_length_class(height_mm: float, target_height_mm: float) -> str:
    """The class a crew would report for a grass height (short, medium or long)."""
    ratio = height_mm / target_height_mm
    for name, (lo, hi) in CREW_LENGTH_CLASSES.items():
        if lo <= ratio < hi:
            return name
    return "long"


def site_factor_from_reports(
    reports: list[tuple[str, float]], care: LawnClass, prior_weight: float = 2.0
) -> float:
    """Per-site growth correction learned from crews' reports at mowing.

    ``reports`` holds (``"short"|"medium"|"long"``, predicted height in mm on that day without a
    site correction). A report is an interval: if the predicted height lies inside the reported
    class, it confirms the prediction (ratio 1); otherwise the growth ratio to the class's nearest
    edge, (edge − target) / (predicted − target), is implied. The factor is the geometric mean of
    the ratios shrunk towards 1 with the weight of ``prior_weight`` reports, so that one odd report
    moves little. Ratios are clipped to 0.33..3.
    """
    logs = []
    target = care.target_height_mm
    for length_class, predicted_mm in reports:
        if length_class not in CREW_LENGTH_CLASSES:
            raise ForecastInputError(
                f"grass length report must be short, medium or long, got {length_class!r}"
            )
        lo, hi = (f * target for f in CREW_LENGTH_CLASSES[length_class])
        grown_pred = max(predicted_mm - target, 1e-6)
        if predicted_mm < lo:
            ratio = (lo - target) / grown_pred
        elif predicted_mm > hi:
            ratio = max(hi - target, 1e-6) / grown_pred
        else:
            ratio = 1.0
        logs.append(np.log(np.clip(ratio, 0.33, 3.0)))
    if not logs:
        return 1.0
    return float(np.exp(np.sum(logs) / (len(logs) + prior_weight)))
