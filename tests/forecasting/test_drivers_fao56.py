"""Drivers against published numbers: FAO-56 worked examples and Gelernter & Stowell GP."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.drivers import (
    actual_vapour_pressure_from_rh_kpa,
    add_drivers,
    clear_sky_radiation_mj,
    daylight_hours,
    degree_days,
    dormant,
    et0_hargreaves_mm,
    et0_penman_monteith_mm,
    extraterrestrial_radiation_mj,
    growth_potential,
    modvege_temperature_factor,
    net_longwave_radiation_mj,
    solar_radiation_from_sunshine_mj,
    wind_at_2m,
)

BRUSSELS_LAT = 50 + 48 / 60
BANGKOK_LAT = 13 + 44 / 60


def test_growth_potential_published_values():
    """GP(20)=1, GP(14.5)=0.6065, GP(9)=0.1353 (Gelernter & Stowell 2005, Topt 20, var 5.5)."""
    assert growth_potential(20.0) == pytest.approx(1.0)
    assert growth_potential(14.5) == pytest.approx(0.6065, abs=1e-4)
    assert growth_potential(9.0) == pytest.approx(0.1353, abs=1e-4)
    assert growth_potential(25.5) == pytest.approx(growth_potential(14.5))


def test_fao56_example_8_and_9_ra_and_daylight():
    """Example 8: Ra at 20°S on 3 September = 32.2 MJ m-2 d-1; Example 9: N = 11.7 h."""
    assert extraterrestrial_radiation_mj(-20.0, 246) == pytest.approx(32.2, abs=0.05)
    assert daylight_hours(-20.0, 246) == pytest.approx(11.7, abs=0.05)


def test_fao56_example_18_brussels_daily_et0():
    """Example 18, Brussels 6 July: Ra 41.09, Rs 22.07, Rnl 3.71, ET0 = 3.9 mm/d."""
    doy = 187
    ea = actual_vapour_pressure_from_rh_kpa(12.3, 21.5, 63, 84)
    assert ea == pytest.approx(1.409, abs=0.002)
    u2 = wind_at_2m(10 / 3.6, 10.0)
    assert u2 == pytest.approx(2.078, abs=0.002)
    ra = extraterrestrial_radiation_mj(BRUSSELS_LAT, doy)
    assert ra == pytest.approx(41.09, abs=0.05)
    assert daylight_hours(BRUSSELS_LAT, doy) == pytest.approx(16.1, abs=0.05)
    rs = solar_radiation_from_sunshine_mj(9.25, BRUSSELS_LAT, doy)
    assert rs == pytest.approx(22.07, abs=0.05)
    rso = clear_sky_radiation_mj(ra, 100)
    assert net_longwave_radiation_mj(21.5, 12.3, ea, rs, rso) == pytest.approx(3.71, abs=0.03)
    et0 = et0_penman_monteith_mm(21.5, 12.3, rs, ea, u2, BRUSSELS_LAT, doy, 100)
    assert round(float(et0), 1) == 3.9


def test_fao56_example_17_bangkok_monthly_et0():
    """Example 17, Bangkok April (monthly means): Rs 22.65, ET0 = 5.72 mm/d with G = 0.14."""
    doy = 105
    rs = solar_radiation_from_sunshine_mj(8.5, BANGKOK_LAT, doy)
    assert extraterrestrial_radiation_mj(BANGKOK_LAT, doy) == pytest.approx(38.06, abs=0.05)
    assert rs == pytest.approx(22.65, abs=0.05)
    et0 = et0_penman_monteith_mm(
        34.8, 25.6, rs, 2.85, 2.0, BANGKOK_LAT, doy, 2, soil_heat_flux_mj=0.14
    )
    assert float(et0) == pytest.approx(5.72, abs=0.01)


def test_hargreaves_close_to_penman_monteith_for_brussels():
    """Hargreaves (temperature only) gives the right order of magnitude for Example 18."""
    et0 = et0_hargreaves_mm(21.5, 12.3, BRUSSELS_LAT, 187)
    assert 3.0 < float(et0) < 5.0


def test_degree_days_dormancy_and_modvege_factor():
    """GDD cut at the base; dormant after a week below 5 °C; ModVege f(T) shape 4/10/20/40 °C."""
    assert list(degree_days([-2.0, 4.0, 12.5], 5.0)) == [0.0, 0.0, 7.5]
    assert list(degree_days([-2.0, 4.0], 0.0)) == [0.0, 4.0]
    temps = pd.Series([8.0] * 7 + [2.0] * 10 + [12.0] * 10)
    flags = dormant(temps)
    assert not flags.iloc[6] and flags.iloc[16] and not flags.iloc[26]
    f = modvege_temperature_factor([3.0, 7.0, 15.0, 30.0, 41.0])
    assert list(np.round(f, 2)) == [0.0, 0.5, 1.0, 0.5, 0.0]


def test_add_drivers_on_dwd_uses_penman_monteith(dus_drivers):
    """Düsseldorf 2014-2023: Rs from sunshine, ET0 by Penman-Monteith, annual ET0 in the
    650-950 mm band of an open, windy airport site, the 2018 drought year above 2021."""
    part = dus_drivers.loc["2014":"2023"]
    assert (part["et0_method"] == "penman-monteith").mean() > 0.99
    annual = part["et0_mm"].groupby(part.index.year).sum()
    assert annual.between(650, 950).all()
    assert annual[2018] > annual[2021]
    assert part["rs_mj"].between(0, 35).all()


def test_add_drivers_falls_back_to_hargreaves():
    """Without humidity, vapour pressure, wind and sunshine ET0 comes from Hargreaves."""
    idx = pd.date_range("2024-07-01", periods=3, name="date")
    frame = pd.DataFrame(
        {"tmean_c": [20.0, 21.0, 22.0], "tmax_c": [26.0, 27, 28], "tmin_c": [14.0, 15, 16]},
        index=idx,
    )
    out = add_drivers(frame, 51.0, 50.0)
    assert (out["et0_method"] == "hargreaves").all()
    assert out["et0_mm"].between(3, 6).all()
