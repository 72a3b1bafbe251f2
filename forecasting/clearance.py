"""When regrowth will violate a clearance profile or a sight triangle (pure).

A clearance cut leaves the vegetation ``margin_m`` behind the profile (sideways from the
carriageway's 4.50 m / the path's 2.50 m profile, or below the 0.80 m of a sight triangle). It
grows back with the hedge model's degree-day response (:func:`forecasting.hedges.gdd_crossing`):
one cutting cycle of the hedge class (``gdd5_per_cut`` °C·d, base 5 °C) grows
``regrowth_per_cut_m`` of new shoots. The profile is violated when the regrowth since the last
cut reaches the margin, i.e. after ``gdd5_per_cut × margin_m / regrowth_per_cut_m`` °C·d. The
date comes from the planning weather (observed, forecast, climatology), its spread from the past
years' weather (10 % and 90 % quantiles). A cut resets the count to zero.

Defaults (documented estimates, a town may set its own in ``[duty]``): hedges grow about 0.30 m
per cutting cycle; the cut leaves 0.50 m to the carriageway and path profiles and 0.20 m below the
sight-triangle height.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from forecasting.hedges import gdd_crossing

REGROWTH_PER_CUT_M = 0.30
MARGIN_M = {"carriageway": 0.50, "path": 0.50, "sight_triangle": 0.20}
PROFILE_DE = {"carriageway": "Lichtraumprofil Fahrbahn 4,50 m",
              "path": "Lichtraumprofil Geh-/Radweg 2,50 m",
              "sight_triangle": "Sichtdreieck 0,80 m"}
PROFILE_EN = {"carriageway": "carriageway clearance 4.50 m",
              "path": "foot/cycle path clearance 2.50 m",
              "sight_triangle": "sight triangle 0.80 m"}


@dataclass(frozen=True)
class ClearanceHazard:
    """The predicted violation of one profile at one site."""

    profile: str
    """``carriageway`` | ``path`` | ``sight_triangle``"""
    last_cut: dt.date
    gdd_now: float
    gdd_to_violation: float
    regrowth_now_m: float
    margin_m: float
    violation_date: dt.date | None
    """First day the profile is violated (as_of when already violated; None: not in horizon)."""
    violation_p10: dt.date | None
    violation_p90: dt.date | None
    analog_years: int

    @property
    def violated(self) -> bool:
        """True when the regrowth has already reached the margin."""
        return self.regrowth_now_m >= self.margin_m

    def text_de(self) -> str:
        """One German line for the planner."""
        head = (f"{PROFILE_DE[self.profile]}: seit Schnitt am {self.last_cut:%d.%m.%Y} "
                f"{self.regrowth_now_m:.2f} m von {self.margin_m:.2f} m nachgewachsen")
        if self.violation_date is None:
            return head + "; im Zeitraum nicht verletzt."
        spread = ""
        if self.violation_p10 and self.violation_p90:
            spread = f" (80 %: {self.violation_p10:%d.%m.}–{self.violation_p90:%d.%m.})"
        return head + f"; verletzt ab {self.violation_date:%d.%m.%Y}{spread}."

    def text_en(self) -> str:
        """The same line in English."""
        head = (f"{PROFILE_EN[self.profile]}: {self.regrowth_now_m:.2f} m of {self.margin_m:.2f} m "
                f"regrown since the cut on {self.last_cut:%d %b %Y}")
        if self.violation_date is None:
            return head + "; not violated in the period."
        spread = ""
        if self.violation_p10 and self.violation_p90:
            spread = f" (80 %: {self.violation_p10:%d %b}–{self.violation_p90:%d %b})"
        return head + f"; violated from {self.violation_date:%d %b %Y}{spread}."


def predict_violation(
    drivers: pd.DataFrame,
    observed: pd.DataFrame,
    last_cut: dt.date,
    as_of: dt.date,
    horizon_days: int,
    gdd5_per_cut: float,
    profile: str,
    margin_m: float | None = None,
    regrowth_per_cut_m: float = REGROWTH_PER_CUT_M,
) -> ClearanceHazard:
    """Predict when regrowth since ``last_cut`` violates ``profile`` (see module doc).

    ``drivers``: planning weather with ``gdd5`` (:func:`forecasting.drivers.add_drivers`);
    ``observed``: the observed weather for the analog-year spread.
    """
    if profile not in MARGIN_M:
        raise ValueError(f"unknown profile {profile!r}; known: {', '.join(MARGIN_M)}")
    if last_cut > as_of:
        raise ValueError(f"last cut {last_cut} lies after {as_of}")
    margin = MARGIN_M[profile] if margin_m is None else margin_m
    if margin <= 0 or regrowth_per_cut_m <= 0 or gdd5_per_cut <= 0:
        raise ValueError("margin, regrowth and gdd5_per_cut must be > 0")
    threshold = gdd5_per_cut * margin / regrowth_per_cut_m
    crossing = gdd_crossing(drivers, observed, pd.Timestamp(last_cut), pd.Timestamp(as_of),
                            horizon_days, threshold)
    unc = crossing.uncertainty()
    due = crossing.due.date() if crossing.due is not None else None
    return ClearanceHazard(
        profile=profile,
        last_cut=last_cut,
        gdd_now=round(crossing.gdd_now, 1),
        gdd_to_violation=round(threshold, 1),
        regrowth_now_m=round(regrowth_per_cut_m * crossing.gdd_now / gdd5_per_cut, 3),
        margin_m=margin,
        violation_date=max(due, as_of) if due is not None else None,
        violation_p10=dt.date.fromisoformat(unc["due_p10"]) if unc["due_p10"] else None,
        violation_p90=dt.date.fromisoformat(unc["due_p90"]) if unc["due_p90"] else None,
        analog_years=unc["analog_years"],
    )
