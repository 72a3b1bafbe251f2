"""Evaluation of the forecasts against measured growth and real weather (used by the bench script
``bench/forecast_eval.py`` and the notebook ``notebooks/forecast_evaluation.ipynb``).

1. :func:`growth_backtest` — weekly growth against Teagasc Grass10: fit on one year, test on the
   other; Pearson r, RMSE after one scale factor, onset and peak week errors, next to the growth
   potential GP alone and the ModVege-style f(T)×PAR driver.
2. :func:`season_evaluation` — simulated seasons on real DWD weather per care class: cuts per year
   against the Heilbronn ranges, summer cuts in drought and wet years. (Simulated.)
3. :func:`decision_test` — non-circular: the truth is the *measured* Grass10 growth of the test
   year turned into lawn height; the forecaster decides each day from what it could know that day
   (observed weather so far, climatology ahead, the crews' length reports at its own cuts) and is
   compared with a fixed 14-day calendar. (Simulated lawn, measured growth.) The default policy
   is fixed in advance: cut when the fast-growth (90 % quantile) height path would reach the
   trigger by the next visit; :func:`choose_lookahead` is the fit-year-only alternative for the
   median path (tried first, documented in docs/forecasting.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.care_classes import CareClasses, LawnClass
from forecasting.drivers import PAR_FRACTION, add_drivers, daylight_hours, growth_potential
from forecasting.grass import (
    REFERENCE_GROWTH_KG_HA_D,
    T_OPT_C,
    GrassModel,
    weekly_driver_series,
    weekly_training_table,
)
from forecasting.lawn import (
    calibrate_scale,
    crew_length_class,
    cuts_per_year,
    simulate_season,
    site_factor_from_reports,
    summer_cuts_per_year,
)
from forecasting.planning import climatology
from forecasting.water import SoilBucket


def _scaled_rmse(obs: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    """RMSE after the one least-squares scale factor k (pred × k); returns (rmse, k)."""
    k = float(np.dot(obs, pred) / np.dot(pred, pred))
    return float(np.sqrt(np.mean((obs - k * pred) ** 2))), k


def _onset_peak(series: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Onset: first week the 3-week mean reaches half its maximum; peak: week of the maximum."""
    smooth = series.rolling(3, center=True, min_periods=1).mean()
    onset = smooth.index[np.argmax(smooth.to_numpy() >= 0.5 * smooth.max())]
    return onset, smooth.idxmax()


def growth_backtest(
    growth: pd.Series,
    drivers: pd.DataFrame,
    train_year: int,
    test_year: int,
    week_offset_days: int = 0,
) -> dict:
    """Fit the grass model on ``train_year`` weeks, score it on ``test_year`` with GP and f(T)×PAR.

    ``drivers`` is the Valentia weather with :func:`forecasting.drivers.add_drivers` applied.
    """
    table = weekly_training_table(growth, drivers, week_offset_days)
    train = table[table.index.year == train_year]
    test = table[table.index.year == test_year]
    model = GrassModel().fit(train)
    pred = model.predict(test)
    refs = weekly_driver_series(drivers, test.index, week_offset_days)
    obs = test["growth_kg_ha_d"]
    candidates = {
        "learned": pred["growth"],
        "gp": refs["gp"],
        "ftpar": refs["ftpar"],
    }
    obs_onset, obs_peak = _onset_peak(obs)
    result = {
        "train_year": train_year,
        "test_year": test_year,
        "weeks_train": len(train),
        "weeks_test": len(test),
        "week_offset_days": week_offset_days,
        "observed_onset": obs_onset.date().isoformat(),
        "observed_peak": obs_peak.date().isoformat(),
    }
    series = {"week": [d.date().isoformat() for d in test.index], "observed": obs.tolist()}
    for name, values in candidates.items():
        r = float(np.corrcoef(values, obs)[0, 1])
        rmse, k = _scaled_rmse(obs.to_numpy(), values.to_numpy())
        onset, peak = _onset_peak(values)
        result[name] = {
            "pearson_r": round(r, 3),
            "rmse_scaled_kg_ha_d": round(rmse, 1),
            "scale_factor": round(k, 3),
            "onset_error_weeks": int((onset - obs_onset).days // 7),
            "peak_error_weeks": int((peak - obs_peak).days // 7),
        }
        series[name] = (values * k).round(2).tolist()
    inside = ((pred["growth_lo"] <= obs) & (obs <= pred["growth_hi"])).mean()
    result["learned"]["quantile_band_coverage"] = round(float(inside), 2)
    result["series"] = series
    return result


def lawn_relative_growth(
    grass: GrassModel, drivers: pd.DataFrame, care: CareClasses
) -> pd.DataFrame:
    """Relative growth of a lawn on real weather with the lawn soil bucket (no sensor)."""
    water = care.lawn_water
    bucket = SoilBucket(taw_mm=water.taw_mm, kc=water.kc).simulate(
        drivers["precip_mm"], drivers["et0_mm"]
    )
    return grass.predict_daily(drivers, water.growth_factor(bucket["ks"]))


def season_evaluation(
    rel_growth: pd.Series, care: CareClasses, drought_years=(2018, 2022), wet_year: int = 2021
) -> dict:
    """Simulated cuts per year per lawn class with the class's stored scale (simulated)."""
    out = {}
    for key, lawn in care.lawns.items():
        sim = simulate_season(rel_growth, lawn)
        cuts = cuts_per_year(sim)
        summer = summer_cuts_per_year(sim)
        lo, hi = lawn.cuts_per_year
        out[key] = {
            "heilbronn_range": [lo, hi],
            "cuts_per_year": {int(y): int(c) for y, c in cuts.items()},
            "years_in_range": int(((cuts >= lo) & (cuts <= hi)).sum()),
            "years": len(cuts),
            "summer_cuts": {int(y): int(c) for y, c in summer.items()},
            "drought_fewer_summer_cuts": all(
                summer.get(y, 0) < summer.get(wet_year, 0) for y in drought_years
            ),
        }
    return out


def calibrate_lawn_scales(rel_growth: pd.Series, care: CareClasses) -> dict[str, float]:
    """Scale per lawn class so the mean simulated cuts per year hit the middle of its range."""
    return {key: calibrate_scale(rel_growth, lawn) for key, lawn in care.lawns.items()}


@dataclass
class PolicyResult:
    """One mowing policy run against the measured truth (simulated lawn)."""

    name: str
    cut_days: list[pd.Timestamp]
    length_mm: pd.Series

    def summary(self, lawn: LawnClass, in_season: np.ndarray) -> dict:
        over = (self.length_mm > lawn.trigger_height_mm).to_numpy()
        return {
            "cuts": len(self.cut_days),
            "days_over_trigger": int((over & in_season).sum()),
            "days_over_trigger_all_year": int(over.sum()),
            "max_height_in_season_mm": round(float(self.length_mm[in_season].max()), 1),
        }


def truth_daily_growth(growth: pd.Series, year: int, week_offset_days: int = 0) -> pd.Series:
    """Measured weekly growth (kg DM/ha/d) spread over the days of each week of ``year``;
    weeks without a value are interpolated, days outside the record take the nearest week."""
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    weekly = growth[growth.index.year == year]
    daily = pd.Series(np.nan, index=days)
    for week, value in weekly.items():
        start = week + pd.Timedelta(days=week_offset_days)
        daily.loc[start : start + pd.Timedelta(days=6)] = value
    return daily.interpolate(limit_direction="both")


LOOKAHEAD_CANDIDATES_DAYS = tuple(range(8))  # 0..7 days: up to one week, the planning rhythm
LOOKAHEAD_CV_BLOCKS = 5  # contiguous blocks of the fit year's measured weeks


@dataclass
class _ForecastInputs:
    """What the forecaster knows each day: growth of the observed day and expected growth of the
    next day (observed weather so far, climatology ahead), relative (1.0 = 100 kg DM/ha/d)."""

    rel_obs: pd.Series
    expected_next: pd.Series
    rel_obs_hi: pd.Series | None = None  # the same for the upper (90 %) quantile
    expected_next_hi: pd.Series | None = None


def _forecast_inputs(
    model: GrassModel,
    drivers: pd.DataFrame,
    growth_factor: pd.Series,
    year: int,
    lat_deg: float,
    growth_column: str,
) -> _ForecastInputs:
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    # Growth for each observed day uses only weather up to that day (windows look back).
    daily = model.predict_daily(drivers, growth_factor)
    expected = expected_growth_tomorrow(model, drivers, growth_factor, year, lat_deg, growth_column)
    expected_hi = expected_growth_tomorrow(
        model, drivers, growth_factor, year, lat_deg, "rel_growth_hi"
    )
    return _ForecastInputs(
        daily[growth_column].reindex(days),
        expected.reindex(days),
        daily["rel_growth_hi"].reindex(days),
        expected_hi.reindex(days),
    )


def _cross_fitted_inputs(
    table: pd.DataFrame,
    drivers: pd.DataFrame,
    growth_factor: pd.Series,
    year: int,
    lat_deg: float,
    growth_column: str,
    n_blocks: int = LOOKAHEAD_CV_BLOCKS,
) -> _ForecastInputs:
    """Forecaster inputs for the *fit* year in which every day is predicted by a model that has not
    seen the measured weeks around it: the fit year's weeks are cut into ``n_blocks`` contiguous
    blocks (blocked cross-validation, so neighbouring autocorrelated weeks do not leak), and each
    day uses the model fitted on the other blocks. This gives the fit year out-of-sample model
    errors, as the test year will have, using no test-year data."""
    weeks = table.index
    blocks = np.array_split(np.arange(len(weeks)), n_blocks)
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    # Each day belongs to the block of the last measured week starting on or before it.
    week_pos = np.clip(
        np.searchsorted(weeks.to_numpy(), days.to_numpy(), side="right") - 1, 0, None
    )
    block_of_week = np.empty(len(weeks), dtype=int)
    for b, idx in enumerate(blocks):
        block_of_week[idx] = b
    day_block = block_of_week[week_pos]
    rel_obs = pd.Series(np.nan, index=days)
    expected = pd.Series(np.nan, index=days)
    for b, idx in enumerate(blocks):
        keep = np.ones(len(weeks), dtype=bool)
        keep[idx] = False
        model = GrassModel().fit(table[keep])
        part = _forecast_inputs(model, drivers, growth_factor, year, lat_deg, growth_column)
        mask = day_block == b
        rel_obs[mask] = part.rel_obs[mask]
        expected[mask] = part.expected_next[mask]
    return _ForecastInputs(rel_obs, expected)


def _simulate_forecaster(
    truth: pd.Series,
    inputs: _ForecastInputs,
    scale: float,
    lawn: LawnClass,
    in_season: np.ndarray,
    lookahead_days: int,
    path: str = "median",
) -> tuple[PolicyResult, dict]:
    """The forecast policy against the true lawn: cut when the predicted height (``path``
    ``"median"``, or ``"upper"``: the fast-growth 90 % path) plus ``lookahead_days`` of expected
    growth on that path reaches the trigger. The crew reports the true length class at each cut;
    the per-site correction is learned from the median path and scales both paths."""
    if path not in ("median", "upper"):
        raise ValueError(f"decision path must be 'median' or 'upper', got {path!r}")
    upper = path == "upper"
    state = {
        "h_pred": lawn.target_height_mm,
        "h_hi": lawn.target_height_mm,
        "factor": 1.0,
        "reports": [],
    }

    def decide(i: int, day: pd.Timestamp, h_true: float) -> bool:
        state["h_pred"] += inputs.rel_obs[day] * scale * state["factor"]
        if upper:
            state["h_hi"] += inputs.rel_obs_hi[day] * scale * state["factor"]
            height = state["h_hi"]
            ahead = inputs.expected_next_hi[day] * scale * state["factor"]
        else:
            height = state["h_pred"]
            ahead = inputs.expected_next[day] * scale * state["factor"]
        if not in_season[i] or height + lookahead_days * ahead < lawn.trigger_height_mm:
            return False
        plain = lawn.target_height_mm + (state["h_pred"] - lawn.target_height_mm) / state["factor"]
        state["reports"].append((crew_length_class(h_true, lawn.target_height_mm), plain))
        state["factor"] = site_factor_from_reports(state["reports"], lawn)
        state["h_pred"] = state["h_hi"] = lawn.target_height_mm
        return True

    return _run_policy("forecast", truth, lawn, decide), state


def _season_mask(days: pd.DatetimeIndex, year: int, mowing_season: tuple[str, str]) -> np.ndarray:
    start = pd.Timestamp(f"{year}-{mowing_season[0]}")
    end = pd.Timestamp(f"{year}-{mowing_season[1]}")
    return np.asarray((days >= start) & (days <= end))


def _calendar(truth: pd.Series, lawn: LawnClass, year: int, mowing_season, interval_days: int):
    start = pd.Timestamp(f"{year}-{mowing_season[0]}")
    end = pd.Timestamp(f"{year}-{mowing_season[1]}")
    calendar_days = set(pd.date_range(start, end, freq=f"{interval_days}D"))
    return _run_policy(
        f"calendar_{interval_days}d", truth, lawn, lambda i, d, h: d in calendar_days
    )


def choose_lookahead(
    table: pd.DataFrame,
    growth: pd.Series,
    drivers: pd.DataFrame,
    growth_factor: pd.Series,
    lawn: LawnClass,
    train_year: int,
    lat_deg: float,
    calendar_interval_days: int = 14,
    mowing_season: tuple[str, str] = ("03-01", "11-30"),
    growth_column: str = "rel_growth",
    candidates: tuple[int, ...] = LOOKAHEAD_CANDIDATES_DAYS,
) -> dict:
    """Choose the look-ahead (days) on the FIT year only, by a rule fixed in advance.

    The fit year's lawn is simulated from the fit year's *measured* growth (scale set on the fit
    year, as in the test); the forecaster runs on cross-fitted growth predictions
    (:func:`_cross_fitted_inputs`), so its errors are out-of-sample. Rule: among the candidates
    whose days over the trigger do not exceed the 14-day calendar's on the fit year, the one with
    the fewest cuts (ties: fewer days over, then the shorter look-ahead); when none qualifies, the
    one with the fewest days over (ties: fewer cuts). No test-year data is read.
    """
    fit = table[table.index.year == train_year]
    train_truth = truth_daily_growth(growth, train_year) / REFERENCE_GROWTH_KG_HA_D
    scale = calibrate_scale(train_truth, lawn)
    truth = train_truth * scale
    in_season = _season_mask(truth.index, train_year, mowing_season)
    calendar = _calendar(truth, lawn, train_year, mowing_season, calendar_interval_days)
    cal = calendar.summary(lawn, in_season)
    inputs = _cross_fitted_inputs(fit, drivers, growth_factor, train_year, lat_deg, growth_column)
    rows = []
    for days_ahead in candidates:
        result, _ = _simulate_forecaster(truth, inputs, scale, lawn, in_season, days_ahead)
        s = result.summary(lawn, in_season)
        rows.append(
            {
                "lookahead_days": days_ahead,
                "cuts": s["cuts"],
                "days_over_trigger": s["days_over_trigger"],
            }
        )
    ok = [r for r in rows if r["days_over_trigger"] <= cal["days_over_trigger"]]
    if ok:
        best = min(ok, key=lambda r: (r["cuts"], r["days_over_trigger"], r["lookahead_days"]))
    else:
        best = min(rows, key=lambda r: (r["days_over_trigger"], r["cuts"], r["lookahead_days"]))
    return {
        "lookahead_days": best["lookahead_days"],
        "rule": (
            f"chosen on the fit year {train_year} only (simulated lawn from its measured growth, "
            f"{LOOKAHEAD_CV_BLOCKS}-block cross-fitted growth model): fewest cuts with no more "
            "days "
            "over the trigger than the 14-day calendar there"
        ),
        "fit_year_calendar": {"cuts": cal["cuts"], "days_over_trigger": cal["days_over_trigger"]},
        "fit_year_candidates": rows,
    }


def decision_test(
    growth: pd.Series,
    weather: pd.DataFrame,
    lat_deg: float,
    elevation_m: float,
    care: CareClasses,
    lawn_key: str = "utility_intensive",
    train_year: int = 2020,
    test_year: int = 2021,
    calendar_interval_days: int = 14,
    mowing_season: tuple[str, str] = ("03-01", "11-30"),
    growth_column: str = "rel_growth",
    policy: str = "upper_quantile",
    lookahead_days: int | None = None,
) -> dict:
    """Run the forecaster and a fixed calendar against the measured test-year growth.

    The mm per kg DM conversion is set on the *training* year: the scale at which cutting at the
    trigger on the measured training-year growth gives the middle of the class's range. The grass
    model is fitted on the training year only. Both policies mow only within ``mowing_season``.
    Each day of the test year the forecaster knows the observed weather up to that day and the
    climatology of the complete years before. ``policy``:

    * ``"upper_quantile"`` (default, fixed in advance, nothing fitted): cut when the fast-growth
      height path (the model's 90 % quantile, the same path that gives ``forecast_site``'s
      earliest due day) would reach the trigger by the next possible visit, tomorrow
      (``lookahead_days`` = 1 unless given);
    * ``"median"``: cut when today's median height plus ``lookahead_days`` days of expected growth
      reaches the trigger; ``None`` chooses the look-ahead on the training year with
      :func:`choose_lookahead`.

    At each cut the crew reports the true length as short/medium/long, which feeds the per-site
    correction. The calendar cuts every ``calendar_interval_days`` days from the season's first
    day. The oracle (cutting when the true height passes the trigger) is given for reference.
    """
    if policy not in ("upper_quantile", "median"):
        raise ValueError(f"policy must be 'upper_quantile' or 'median', got {policy!r}")
    lawn = care.lawn(lawn_key)
    drivers = add_drivers(weather, lat_deg, elevation_m)
    table = weekly_training_table(growth, drivers)
    model = GrassModel().fit(table[table.index.year == train_year])
    train_truth = truth_daily_growth(growth, train_year) / REFERENCE_GROWTH_KG_HA_D
    scale = calibrate_scale(train_truth, lawn)
    water = care.lawn_water
    bucket = SoilBucket(taw_mm=water.taw_mm, kc=water.kc).simulate(
        drivers["precip_mm"], drivers["et0_mm"]
    )
    growth_factor = water.growth_factor(bucket["ks"])
    if policy == "upper_quantile":
        path = "upper"
        lookahead_days = 1 if lookahead_days is None else lookahead_days
        choice = {
            "lookahead_days": lookahead_days,
            "rule": (
                "fixed in advance, nothing fitted: cut when the fast-growth (90 % quantile) "
                f"height path reaches the trigger within {lookahead_days} day(s) (next visit)"
            ),
        }
    elif lookahead_days is None:
        path = "median"
        choice = choose_lookahead(
            table,
            growth,
            drivers,
            growth_factor,
            lawn,
            train_year,
            lat_deg,
            calendar_interval_days,
            mowing_season,
            growth_column,
        )
        lookahead_days = choice["lookahead_days"]
    else:
        path = "median"
        choice = {"lookahead_days": lookahead_days, "rule": "given by the caller"}
    # Test-year data is read only from here on.
    truth = truth_daily_growth(growth, test_year) * scale / REFERENCE_GROWTH_KG_HA_D
    inputs = _forecast_inputs(model, drivers, growth_factor, test_year, lat_deg, growth_column)
    days = truth.index
    in_season = _season_mask(days, test_year, mowing_season)
    calendar = _calendar(truth, lawn, test_year, mowing_season, calendar_interval_days)
    oracle = _run_policy(
        "oracle", truth, lawn, lambda i, day, h: in_season[i] and h >= lawn.trigger_height_mm
    )
    forecaster, state = _simulate_forecaster(
        truth, inputs, scale, lawn, in_season, lookahead_days, path
    )
    return {
        "label": "SIMULATED lawn heights from MEASURED Grass10 growth",
        "lawn_class": lawn_key,
        "train_year": train_year,
        "test_year": test_year,
        "mowing_season": list(mowing_season),
        "mm_per_day_at_100_kg": scale,
        "trigger_mm": lawn.trigger_height_mm,
        "policy": policy,
        "lookahead_days": lookahead_days,
        "lookahead_choice": choice,
        "calendar": {**calendar.summary(lawn, in_season), "interval_days": calendar_interval_days},
        "forecast": {
            **forecaster.summary(lawn, in_season),
            "final_site_factor": round(state["factor"], 3),
        },
        "oracle": oracle.summary(lawn, in_season),
        "reports": [r for r, _ in state["reports"]],
        "series": {
            "date": [d.date().isoformat() for d in days],
            "truth_growth_mm": truth.round(3).tolist(),
            "calendar_height_mm": calendar.length_mm.round(1).tolist(),
            "forecast_height_mm": forecaster.length_mm.round(1).tolist(),
            "forecast_cuts": [d.date().isoformat() for d in forecaster.cut_days],
            "calendar_cuts": [d.date().isoformat() for d in calendar.cut_days],
        },
    }


def _run_policy(name: str, truth: pd.Series, lawn: LawnClass, decide) -> PolicyResult:
    """Grow the true lawn day by day; ``decide(i, day, true_height)`` says whether to cut."""
    h = lawn.target_height_mm
    heights, cuts = [], []
    for i, (day, grown) in enumerate(truth.items()):
        h += grown
        if decide(i, day, h):
            cuts.append(day)
            h = lawn.target_height_mm
        heights.append(h)
    return PolicyResult(name, cuts, pd.Series(heights, index=truth.index))


def expected_growth_tomorrow(
    model: GrassModel,
    drivers: pd.DataFrame,
    growth_factor: pd.Series,
    year: int,
    lat_deg: float,
    growth_column: str = "rel_growth",
) -> pd.Series:
    """For each day d of ``year``: the relative growth expected for d+1 from the observed weather
    up to d and the climatology of the complete years before ``year`` for d+1."""
    past = drivers.loc[: f"{year - 1}-12-31"]
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    tomorrow = days + pd.Timedelta(days=1)
    clim = climatology(past, tomorrow)
    t = drivers["tmean_c"].astype(float)
    par = drivers["par_mj"].astype(float)
    # Windows for d+1: the 6 observed days d-5..d plus the climatology day d+1.
    t_sum6 = t.rolling(6, min_periods=6).sum().reindex(days).to_numpy()
    par_sum6 = par.rolling(6, min_periods=6).sum().reindex(days).to_numpy()
    t_clim = clim["tmean_c"].to_numpy()
    par_clim = clim["par_mj"].fillna(PAR_FRACTION * clim["rs_mj"]).to_numpy()
    feats = pd.DataFrame(index=days)
    feats["t7_c"] = (t_sum6 + t_clim) / 7
    feats["tlag14_c"] = t.shift(6).rolling(14, min_periods=7).mean().reindex(days).to_numpy()
    feats["par7_mj"] = (par_sum6 + par_clim) / 7
    feats["daylength_h"] = daylight_hours(lat_deg, tomorrow.day_of_year.to_numpy())
    raw_column = {
        "rel_growth": "growth",
        "rel_growth_lo": "growth_lo",
        "rel_growth_hi": "growth_hi",
    }
    raw = model.predict(feats)[raw_column[growth_column]].fillna(0.0) / REFERENCE_GROWTH_KG_HA_D
    heat = np.where(feats["t7_c"] > T_OPT_C, growth_potential(feats["t7_c"]), 1.0)
    dormant = feats["t7_c"] < 5.0
    return raw * heat * growth_factor.reindex(days).to_numpy() * (~dormant)
