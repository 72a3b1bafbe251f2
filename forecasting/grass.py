"""Grass growth: a response learned with scikit-learn from measured weekly growth.

The training data is Teagasc Grass10 (Irish dairy farms, weekly growth in kg DM ha-1 d-1) with the
Valentia weather (Met Éireann). Features are rolling windows that exist for any daily weather
frame with drivers (see :func:`growth_features`): the 7-day mean temperature, the mean temperature
of the 14 days before (canopy memory), the 7-day mean PAR and the day length. The model is a
gradient-boosted tree ensemble with monotone increasing response to each feature (more warmth,
more light, longer days never mean less growth *within the training range*). The uncertainty
band (10 % and 90 %) comes from out-of-fold residuals: five-fold cross-validation on the training
weeks, the residual quantiles added to the prediction (a cross-validated conformal band).

Two things the Irish data cannot teach are applied explicitly on top, and documented as such:

* heat: weekly means above 20 °C never occur at Valentia; above Topt the Gelernter-Stowell growth
  potential's decline is applied (cool-season grass slows in heat);
* drought: Valentia rarely dries out; a FAO-56 water-stress coefficient Ks from the soil bucket
  (or a soil sensor) multiplies growth;
* dormancy: a weekly mean below 5 °C stops growth.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import KFold, cross_val_predict
from threadpoolctl import threadpool_limits

from forecasting.drivers import growth_potential, modvege_temperature_factor
from forecasting.errors import ForecastInputError

FEATURES = ["t7_c", "tlag14_c", "par7_mj", "daylength_h"]
REFERENCE_GROWTH_KG_HA_D = 100.0  # relative growth 1.0 = 100 kg DM/ha/d
T_OPT_C = 20.0


def growth_features(drivers: pd.DataFrame) -> pd.DataFrame:
    """Rolling-window features per day from a frame with ``tmean_c``, ``par_mj``, ``n_max_h``.

    The window for day d covers d-6..d (7 days) and d-20..d-7 (the 14 days before).
    """
    need = {"tmean_c", "par_mj", "n_max_h"}
    if not need <= set(drivers.columns):
        raise ForecastInputError(f"growth features need columns {sorted(need)} (run add_drivers)")
    t = drivers["tmean_c"].astype(float)
    feats = pd.DataFrame(index=drivers.index)
    feats["t7_c"] = t.rolling(7, min_periods=4).mean()
    feats["tlag14_c"] = t.shift(7).rolling(14, min_periods=7).mean()
    feats["par7_mj"] = drivers["par_mj"].astype(float).rolling(7, min_periods=4).mean()
    feats["daylength_h"] = drivers["n_max_h"].astype(float)
    feats["tlag14_c"] = feats["tlag14_c"].fillna(feats["t7_c"])
    return feats


def weekly_training_table(
    growth_kg_ha_d: pd.Series, drivers: pd.DataFrame, week_offset_days: int = 0
) -> pd.DataFrame:
    """Join weekly measured growth with the features of the matching week.

    ``growth_kg_ha_d`` is indexed by the week's date (Grass10: Monday). The week's weather is the
    7 days starting ``week_offset_days`` after that date; its features are taken on the last day.
    Weeks without weather are dropped.
    """
    feats = growth_features(drivers)
    growth = growth_kg_ha_d.dropna().sort_index()
    end_days = growth.index + pd.Timedelta(days=week_offset_days + 6)
    ok = end_days.isin(feats.index)
    table = feats.loc[end_days[ok]].copy()
    table.index = growth.index[ok]
    table.index.name = "week"
    table["growth_kg_ha_d"] = growth.to_numpy()[ok]
    return table.dropna()


@dataclass
class GrassModel:
    """Learned growth response (kg DM ha-1 d-1) with a 10 % / 90 % band from CV residuals."""

    random_state: int = 0
    quantiles: tuple[float, float] = (0.1, 0.9)
    models_: dict[str, HistGradientBoostingRegressor] = field(default_factory=dict, repr=False)
    training_range_: dict[str, tuple[float, float]] = field(default_factory=dict)
    residual_quantiles_: tuple[float, float] = (0.0, 0.0)

    def _make(self, loss: str) -> HistGradientBoostingRegressor:
        kwargs = dict(
            max_iter=200,
            learning_rate=0.05,
            max_depth=2,
            min_samples_leaf=4,
            monotonic_cst=[1, 1, 1, 1],
            random_state=self.random_state,
        )
        return HistGradientBoostingRegressor(loss=loss, **kwargs)

    def fit(self, table: pd.DataFrame) -> GrassModel:
        """Fit on a table from :func:`weekly_training_table` (features + ``growth_kg_ha_d``)."""
        missing = set(FEATURES + ["growth_kg_ha_d"]) - set(table.columns)
        if missing:
            raise ForecastInputError(f"training table lacks columns {sorted(missing)}")
        if len(table) < 20:
            raise ForecastInputError(
                f"at least 20 weeks of measured growth are needed to learn, got {len(table)}"
            )
        x = table[FEATURES].to_numpy()
        y = table["growth_kg_ha_d"].to_numpy()
        lo, hi = self.quantiles
        # One thread: on tiny data OpenMP start-up costs far more than it saves.
        with threadpool_limits(limits=1):
            self.models_ = {"median": self._make("squared_error").fit(x, y)}
            # Uncertainty from out-of-fold residuals (cross-validated conformal band): the
            # quantiles of y - prediction on weeks the fold's model has not seen.
            folds = KFold(n_splits=5, shuffle=True, random_state=self.random_state)
            oof = cross_val_predict(self._make("squared_error"), x, y, cv=folds)
        residual = y - np.clip(oof, 0, None)
        self.residual_quantiles_ = (
            float(np.quantile(residual, lo)),
            float(np.quantile(residual, hi)),
        )
        self.training_range_ = {f: (float(table[f].min()), float(table[f].max())) for f in FEATURES}
        return self

    @property
    def fitted(self) -> bool:
        return bool(self.models_)

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        """Growth in kg DM/ha/d from features alone: ``growth``, ``growth_lo``, ``growth_hi``."""
        if not self.fitted:
            raise ForecastInputError("the grass model is not fitted yet")
        x = features[FEATURES].to_numpy()
        ok = ~np.isnan(x).any(axis=1)
        out = pd.DataFrame(index=features.index, columns=["growth", "growth_lo", "growth_hi"])
        out = out.astype(float)
        if ok.any():
            with threadpool_limits(limits=1):
                mid = np.clip(self.models_["median"].predict(x[ok]), 0, None)
            low_res, high_res = self.residual_quantiles_
            lo = np.clip(mid + low_res, 0, None)
            hi = np.clip(mid + high_res, 0, None)
            out.loc[ok, "growth"] = mid
            out.loc[ok, "growth_lo"] = np.minimum(lo, mid)
            out.loc[ok, "growth_hi"] = np.maximum(hi, mid)
        return out

    def predict_daily(
        self, drivers: pd.DataFrame, water_stress: pd.Series | None = None
    ) -> pd.DataFrame:
        """Daily relative growth (1.0 = 100 kg DM/ha/d) with heat, drought and dormancy applied.

        Returns ``rel_growth``, ``rel_growth_lo``, ``rel_growth_hi``, ``heat_factor``,
        ``water_factor``, ``dormant``.
        """
        feats = growth_features(drivers)
        raw = self.predict(feats)
        t7 = feats["t7_c"].fillna(drivers["tmean_c"])
        heat = pd.Series(np.where(t7 > T_OPT_C, growth_potential(t7), 1.0), index=drivers.index)
        water = (
            water_stress.reindex(drivers.index).fillna(1.0)
            if water_stress is not None
            else pd.Series(1.0, index=drivers.index)
        )
        is_dormant = (
            drivers["dormant"].astype(bool)
            if "dormant" in drivers
            else pd.Series(False, index=drivers.index)
        )
        factor = heat * water * (~is_dormant).astype(float)
        out = pd.DataFrame(index=drivers.index)
        for src, dst in (
            ("growth", "rel_growth"),
            ("growth_lo", "rel_growth_lo"),
            ("growth_hi", "rel_growth_hi"),
        ):
            out[dst] = (raw[src].fillna(0.0) / REFERENCE_GROWTH_KG_HA_D) * factor
        out["heat_factor"] = heat
        out["water_factor"] = water
        out["dormant"] = is_dormant
        return out


def weekly_driver_series(drivers: pd.DataFrame, weeks: pd.DatetimeIndex, week_offset_days: int = 0):
    """Weekly means of the two reference drivers for the same weeks: ``gp`` and ``ftpar``.

    ``ftpar`` is the ModVege-style driver f(T)×PAR (MJ m-2 d-1).
    """
    rows = []
    for week in weeks:
        start = week + pd.Timedelta(days=week_offset_days)
        part = drivers.loc[start : start + pd.Timedelta(days=6)]
        rows.append(
            {
                "week": week,
                "gp": float(part["gp"].mean()),
                "ftpar": float((part["f_temp"] * part["par_mj"]).mean()),
            }
        )
    return pd.DataFrame(rows).set_index("week")


#: Scale of the stand-in model: kg DM/ha/d per MJ/m²/d of f(T)×PAR. Set once so that its mean
#: growth equals the learned model's over DWD Düsseldorf 2014-2023 (38.2 kg DM/ha/d; Pearson r of
#: the two daily series 0.91), so the care classes' calibrated mm-per-day scales stay valid.
STAND_IN_KG_HA_PER_MJ = 8.41
#: Relative width of the stand-in's 10 % / 90 % band (the learned model's band is not available).
STAND_IN_BAND = 0.3


@dataclass
class DriverGrassModel(GrassModel):
    """Stand-in growth without measured growth data: ModVege's f(T)×PAR, scaled.

    Used when the measured growth series (no open licence, kept outside the repository) are not
    there, e.g. in a bare clone running the demo. Growth = :data:`STAND_IN_KG_HA_PER_MJ` ×
    f(T7) × PAR7 (kg DM/ha/d), band ± :data:`STAND_IN_BAND`; heat, drought and dormancy are applied
    by :meth:`GrassModel.predict_daily` as for the learned model. Nothing is fitted.
    """

    stand_in: bool = True

    @property
    def fitted(self) -> bool:
        return True

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        """Growth in kg DM/ha/d from ``t7_c`` and ``par7_mj``: ``growth``, ``growth_lo/hi``."""
        mid = (
            STAND_IN_KG_HA_PER_MJ
            * modvege_temperature_factor(features["t7_c"].astype(float))
            * features["par7_mj"].astype(float)
        ).clip(lower=0)
        return pd.DataFrame(
            {
                "growth": mid,
                "growth_lo": mid * (1 - STAND_IN_BAND),
                "growth_hi": mid * (1 + STAND_IN_BAND),
            },
            index=features.index,
        )
