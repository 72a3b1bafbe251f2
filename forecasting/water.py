"""A daily soil water bucket (FAO-56 chapter 8) that a soil sensor replaces where one is near.

Depletion Dr (mm) of the root zone grows with crop evapotranspiration Kc·Ks·ET0 and shrinks with
rain (and watering); water beyond field capacity drains. Ks = 1 while Dr <= RAW = p·TAW and falls
linearly to 0 at Dr = TAW (FAO-56 Eq. 84). On days with a sensor reading, Dr is set from the
measured volumetric water content: Dr = TAW·(θfc - θ)/(θfc - θwp), clipped to 0..TAW.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.errors import ForecastInputError


@dataclass(frozen=True)
class SoilBucket:
    """Root-zone water store: total available water, depletion fraction p and soil constants."""

    taw_mm: float = 60.0
    p: float = 0.5
    kc: float = 1.0
    theta_fc_pct: float = 32.0  # field capacity, loam
    theta_wp_pct: float = 12.0  # wilting point, loam
    initial_depletion_mm: float = 0.0

    def __post_init__(self) -> None:
        if self.taw_mm <= 0 or not 0 < self.p < 1:
            raise ForecastInputError("soil bucket needs taw_mm > 0 and 0 < p < 1")
        if self.theta_fc_pct <= self.theta_wp_pct:
            raise ForecastInputError("field capacity must lie above the wilting point")

    @property
    def raw_mm(self) -> float:
        """Readily available water in mm."""
        return self.p * self.taw_mm

    def ks(self, depletion_mm: float) -> float:
        """Water stress coefficient Ks in 0..1 for a depletion (FAO-56 Eq. 84)."""
        if depletion_mm <= self.raw_mm:
            return 1.0
        return max(0.0, (self.taw_mm - depletion_mm) / (self.taw_mm - self.raw_mm))

    def depletion_from_sensor(self, water_pct) -> np.ndarray:
        """Depletion in mm from volumetric soil water in % (sensor)."""
        frac = (self.theta_fc_pct - np.asarray(water_pct, dtype=float)) / (
            self.theta_fc_pct - self.theta_wp_pct
        )
        return np.clip(frac, 0.0, 1.0) * self.taw_mm

    def simulate(
        self,
        precip_mm: pd.Series,
        et0_mm: pd.Series,
        sensor_water_pct: pd.Series | None = None,
        irrigation_mm: pd.Series | None = None,
    ) -> pd.DataFrame:
        """Run the bucket day by day; returns ``depletion_mm``, ``ks``, ``drainage_mm``,
        ``soil_water_frac`` (1 = full) and ``from_sensor`` (True where a sensor set the state)."""
        index = precip_mm.index
        rain = precip_mm.fillna(0.0).to_numpy(dtype=float)
        et0 = et0_mm.reindex(index).fillna(0.0).to_numpy(dtype=float)
        irr = (
            irrigation_mm.reindex(index).fillna(0.0).to_numpy(dtype=float)
            if irrigation_mm is not None
            else np.zeros(len(index))
        )
        sensor = (
            sensor_water_pct.reindex(index).to_numpy(dtype=float)
            if sensor_water_pct is not None
            else np.full(len(index), np.nan)
        )
        dep = np.zeros(len(index))
        ks = np.ones(len(index))
        drain = np.zeros(len(index))
        from_sensor = ~np.isnan(sensor)
        d = self.initial_depletion_mm
        for i in range(len(index)):
            k = self.ks(d)
            d = d + self.kc * k * et0[i] - rain[i] - irr[i]
            if d < 0:
                drain[i] = -d
                d = 0.0
            d = min(d, self.taw_mm)
            if from_sensor[i]:
                d = float(self.depletion_from_sensor(sensor[i]))
            dep[i] = d
            ks[i] = self.ks(d)
        return pd.DataFrame(
            {
                "depletion_mm": dep,
                "ks": ks,
                "drainage_mm": drain,
                "soil_water_frac": 1 - dep / self.taw_mm,
                "from_sensor": from_sensor,
            },
            index=index,
        )
