"""Weather drivers of growth and water use: radiation, ET0, growth potential, degree days, dormancy.

Formulas follow FAO Irrigation and Drainage Paper 56 (Allen, Pereira, Raes & Smith 1998; "FAO-56"),
equation numbers given per function; growth potential after Gelernter & Stowell (2005, Golf Course
Management 73(3)); the ModVege temperature response after Jouven, Carrère & Baumont (2006).
All functions are vectorised over numpy arrays or pandas Series.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SOLAR_CONSTANT_MJ_M2_MIN = 0.0820  # FAO-56 Gsc
STEFAN_BOLTZMANN_MJ_K4_M2_D = 4.903e-9  # FAO-56 sigma
PAR_FRACTION = 0.48  # PAR share of global radiation (ModVege, McCree 1972)


def _rad(deg):
    return np.deg2rad(np.asarray(deg, dtype=float))


def solar_declination_rad(doy) -> np.ndarray:
    """Solar declination δ in rad for day of year 1..366 (FAO-56 Eq. 24)."""
    return 0.409 * np.sin(2 * np.pi * np.asarray(doy, dtype=float) / 365 - 1.39)


def inverse_relative_distance(doy) -> np.ndarray:
    """Inverse relative Earth-Sun distance dr (FAO-56 Eq. 23)."""
    return 1 + 0.033 * np.cos(2 * np.pi * np.asarray(doy, dtype=float) / 365)


def sunset_hour_angle_rad(lat_deg, doy) -> np.ndarray:
    """Sunset hour angle ωs in rad (FAO-56 Eq. 25), clipped for polar day and night."""
    x = -np.tan(_rad(lat_deg)) * np.tan(solar_declination_rad(doy))
    return np.arccos(np.clip(x, -1.0, 1.0))


def extraterrestrial_radiation_mj(lat_deg, doy) -> np.ndarray:
    """Extraterrestrial radiation Ra in MJ m-2 d-1 (FAO-56 Eq. 21); southern latitudes negative."""
    phi = _rad(lat_deg)
    delta = solar_declination_rad(doy)
    ws = sunset_hour_angle_rad(lat_deg, doy)
    return (
        24
        * 60
        / np.pi
        * SOLAR_CONSTANT_MJ_M2_MIN
        * inverse_relative_distance(doy)
        * (ws * np.sin(phi) * np.sin(delta) + np.cos(phi) * np.cos(delta) * np.sin(ws))
    )


def daylight_hours(lat_deg, doy) -> np.ndarray:
    """Maximum possible sunshine duration N in h (FAO-56 Eq. 34)."""
    return 24 / np.pi * sunset_hour_angle_rad(lat_deg, doy)


def solar_radiation_from_sunshine_mj(
    sunshine_h, lat_deg, doy, a_s: float = 0.25, b_s: float = 0.50
) -> np.ndarray:
    """Global radiation Rs in MJ m-2 d-1 from sunshine hours (Ångström, FAO-56 Eq. 35).

    DWD KL daily files carry sunshine (SDK) but no radiation; a_s = 0.25 and b_s = 0.50 are the
    FAO-56 defaults when no local calibration exists.
    """
    ra = extraterrestrial_radiation_mj(lat_deg, doy)
    n_max = daylight_hours(lat_deg, doy)
    ratio = np.clip(np.asarray(sunshine_h, dtype=float) / n_max, 0.0, 1.0)
    return (a_s + b_s * ratio) * ra


def clear_sky_radiation_mj(ra_mj, elevation_m: float) -> np.ndarray:
    """Clear-sky radiation Rso in MJ m-2 d-1 (FAO-56 Eq. 37)."""
    return (0.75 + 2e-5 * elevation_m) * np.asarray(ra_mj, dtype=float)


def saturation_vapour_pressure_kpa(t_c) -> np.ndarray:
    """Saturation vapour pressure e°(T) in kPa (FAO-56 Eq. 11)."""
    t = np.asarray(t_c, dtype=float)
    return 0.6108 * np.exp(17.27 * t / (t + 237.3))


def actual_vapour_pressure_from_rh_kpa(tmin_c, tmax_c, rh_min_pct, rh_max_pct) -> np.ndarray:
    """Actual vapour pressure ea in kPa from RHmax and RHmin (FAO-56 Eq. 17)."""
    return (
        saturation_vapour_pressure_kpa(tmin_c) * np.asarray(rh_max_pct) / 100
        + saturation_vapour_pressure_kpa(tmax_c) * np.asarray(rh_min_pct) / 100
    ) / 2


def slope_vapour_pressure_kpa_per_c(t_c) -> np.ndarray:
    """Slope Δ of the saturation vapour pressure curve in kPa/°C (FAO-56 Eq. 13)."""
    t = np.asarray(t_c, dtype=float)
    return 4098 * saturation_vapour_pressure_kpa(t) / (t + 237.3) ** 2


def psychrometric_constant_kpa_per_c(elevation_m: float) -> float:
    """Psychrometric constant γ in kPa/°C from elevation (FAO-56 Eq. 7 and 8)."""
    pressure_kpa = 101.3 * ((293 - 0.0065 * elevation_m) / 293) ** 5.26
    return 0.665e-3 * pressure_kpa


def wind_at_2m(wind_ms, height_m: float = 10.0) -> np.ndarray:
    """Wind speed at 2 m in m/s from a measurement at ``height_m`` (FAO-56 Eq. 47)."""
    return np.asarray(wind_ms, dtype=float) * 4.87 / np.log(67.8 * height_m - 5.42)


def net_longwave_radiation_mj(tmax_c, tmin_c, ea_kpa, rs_mj, rso_mj) -> np.ndarray:
    """Net outgoing longwave radiation Rnl in MJ m-2 d-1 (FAO-56 Eq. 39)."""
    tmax_k4 = (np.asarray(tmax_c, dtype=float) + 273.16) ** 4
    tmin_k4 = (np.asarray(tmin_c, dtype=float) + 273.16) ** 4
    rel = np.clip(np.asarray(rs_mj, dtype=float) / np.asarray(rso_mj, dtype=float), 0.0, 1.0)
    return (
        STEFAN_BOLTZMANN_MJ_K4_M2_D
        * (tmax_k4 + tmin_k4)
        / 2
        * (0.34 - 0.14 * np.sqrt(np.asarray(ea_kpa, dtype=float)))
        * (1.35 * rel - 0.35)
    )


def et0_penman_monteith_mm(
    tmax_c,
    tmin_c,
    rs_mj,
    ea_kpa,
    u2_ms,
    lat_deg: float,
    doy,
    elevation_m: float,
    soil_heat_flux_mj=0.0,
) -> np.ndarray:
    """Reference evapotranspiration ET0 in mm/d, FAO-56 Penman-Monteith (Eq. 6).

    Tmean is (Tmax + Tmin) / 2 as FAO-56 prescribes; es from Tmax and Tmin (Eq. 12); net radiation
    from Rs with albedo 0.23 (Eq. 38) and Rnl (Eq. 39). G is 0 for daily steps (Eq. 42).
    """
    tmax = np.asarray(tmax_c, dtype=float)
    tmin = np.asarray(tmin_c, dtype=float)
    tmean = (tmax + tmin) / 2
    es = (saturation_vapour_pressure_kpa(tmax) + saturation_vapour_pressure_kpa(tmin)) / 2
    delta = slope_vapour_pressure_kpa_per_c(tmean)
    gamma = psychrometric_constant_kpa_per_c(elevation_m)
    ra = extraterrestrial_radiation_mj(lat_deg, doy)
    rso = clear_sky_radiation_mj(ra, elevation_m)
    rn = 0.77 * np.asarray(rs_mj, dtype=float) - net_longwave_radiation_mj(
        tmax, tmin, ea_kpa, rs_mj, rso
    )
    u2 = np.asarray(u2_ms, dtype=float)
    num = 0.408 * delta * (rn - soil_heat_flux_mj) + gamma * 900 / (tmean + 273) * u2 * (
        es - np.asarray(ea_kpa, dtype=float)
    )
    return num / (delta + gamma * (1 + 0.34 * u2))


def et0_hargreaves_mm(tmax_c, tmin_c, lat_deg: float, doy) -> np.ndarray:
    """Reference evapotranspiration ET0 in mm/d by Hargreaves (FAO-56 Eq. 52).

    Used when humidity, wind or sunshine are missing; needs only Tmax, Tmin and the date.
    """
    tmax = np.asarray(tmax_c, dtype=float)
    tmin = np.asarray(tmin_c, dtype=float)
    ra_mm = 0.408 * extraterrestrial_radiation_mj(lat_deg, doy)
    return 0.0023 * ((tmax + tmin) / 2 + 17.8) * np.sqrt(np.clip(tmax - tmin, 0, None)) * ra_mm


def growth_potential(t_c, t_opt_c: float = 20.0, variance_c: float = 5.5) -> np.ndarray:
    """Cool-season turfgrass growth potential GP in 0..1 (Gelernter & Stowell 2005).

    GP = exp(-0.5 ((T - Topt) / var)²) with Topt = 20 °C and var = 5.5 °C for cool-season grass.
    """
    t = np.asarray(t_c, dtype=float)
    return np.exp(-0.5 * ((t - t_opt_c) / variance_c) ** 2)


def modvege_temperature_factor(
    t_c, t0_c: float = 4.0, t1_c: float = 10.0, t2_c: float = 20.0, tmax_c: float = 40.0
) -> np.ndarray:
    """ModVege temperature response f(T) in 0..1 (Jouven et al. 2006, ClimAg parameters).

    0 below t0, rising linearly to 1 at t1, 1 up to t2, falling linearly to 0 at tmax.
    """
    t = np.asarray(t_c, dtype=float)
    rise = np.clip((t - t0_c) / (t1_c - t0_c), 0.0, 1.0)
    fall = np.clip((tmax_c - t) / (tmax_c - t2_c), 0.0, 1.0)
    return np.minimum(rise, fall)


def degree_days(t_c, base_c: float) -> np.ndarray:
    """Daily growing degree days max(T - base, 0) in °C·d."""
    return np.clip(np.asarray(t_c, dtype=float) - base_c, 0.0, None)


def dormant(tmean_c: pd.Series, threshold_c: float = 5.0, window_days: int = 7) -> pd.Series:
    """True on days when the mean of the last ``window_days`` daily means is below threshold.

    Cool-season grass stops growing when the weekly mean stays below about 5 °C; the crews
    know this as "Vegetationsruhe". Days without a full window use what is there.
    """
    weekly = tmean_c.rolling(window_days, min_periods=1).mean()
    return weekly < threshold_c


def add_drivers(
    weather: pd.DataFrame, lat_deg: float, elevation_m: float, wind_height_m: float = 10.0
) -> pd.DataFrame:
    """Return a copy of a daily weather frame with radiation, ET0 and growth drivers added.

    Adds ``ra_mj``, ``n_max_h``, ``rs_mj`` (measured, else from sunshine by Ångström),
    ``par_mj`` (measured, else 0.48·Rs), ``et0_mm`` (given, else Penman-Monteith where Tmax, Tmin,
    Rs, vapour pressure or humidity and wind exist, else Hargreaves), ``et0_method``, ``gp``
    (growth potential), ``f_temp`` (ModVege f(T)), ``gdd0`` and ``gdd5`` (daily °C·d, base 0 and
    5 °C), ``dormant``.
    """
    out = weather.copy()
    doy = out.index.day_of_year.to_numpy()
    ra = extraterrestrial_radiation_mj(lat_deg, doy)
    out["ra_mj"] = ra
    out["n_max_h"] = daylight_hours(lat_deg, doy)
    rs = out["rs_mj"].astype(float) if "rs_mj" in out else pd.Series(np.nan, index=out.index)
    if "sunshine_h" in out:
        from_sun = solar_radiation_from_sunshine_mj(out["sunshine_h"], lat_deg, doy)
        rs = rs.fillna(pd.Series(from_sun, index=out.index))
    out["rs_mj"] = rs
    par = out["par_mj"].astype(float) if "par_mj" in out else pd.Series(np.nan, index=out.index)
    out["par_mj"] = par.fillna(PAR_FRACTION * rs)
    tmax = out.get("tmax_c", pd.Series(np.nan, index=out.index)).astype(float)
    tmin = out.get("tmin_c", pd.Series(np.nan, index=out.index)).astype(float)
    if "vp_hpa" in out and out["vp_hpa"].notna().any():
        ea = out["vp_hpa"].astype(float) / 10.0
    else:
        ea = pd.Series(np.nan, index=out.index)
    if "rh_pct" in out:
        es_mean = (saturation_vapour_pressure_kpa(tmax) + saturation_vapour_pressure_kpa(tmin)) / 2
        ea = ea.fillna(out["rh_pct"].astype(float) / 100 * pd.Series(es_mean, index=out.index))
    wind = out.get("wind_ms", pd.Series(np.nan, index=out.index)).astype(float)
    u2 = pd.Series(wind_at_2m(wind, wind_height_m), index=out.index).fillna(2.0)
    pm = et0_penman_monteith_mm(tmax, tmin, rs, ea, u2, lat_deg, doy, elevation_m)
    hg = et0_hargreaves_mm(tmax, tmin, lat_deg, doy)
    given = out["et0_mm"].astype(float) if "et0_mm" in out else pd.Series(np.nan, index=out.index)
    pm_s = pd.Series(pm, index=out.index).clip(lower=0)
    hg_s = pd.Series(hg, index=out.index).clip(lower=0)
    method = pd.Series("given", index=out.index, dtype=object)
    method[given.isna() & pm_s.notna()] = "penman-monteith"
    method[given.isna() & pm_s.isna() & hg_s.notna()] = "hargreaves"
    method[given.isna() & pm_s.isna() & hg_s.isna()] = "none"
    out["et0_mm"] = given.fillna(pm_s).fillna(hg_s)
    out["et0_method"] = method
    tmean = out["tmean_c"].astype(float)
    out["gp"] = growth_potential(tmean)
    out["f_temp"] = modvege_temperature_factor(tmean)
    out["gdd0"] = degree_days(tmean, 0.0)
    out["gdd5"] = degree_days(tmean, 5.0)
    out["dormant"] = dormant(tmean)
    return out
