"""Watering of young trees in their first years: water need from a soil bucket or a sensor.

A young tree's root ball and tree pit form a small bucket (``taw_mm`` over ``tree_pit_area_m2``).
Rain fills it, ET0 × Kc empties it; a recorded watering adds its litres. Watering is due when the
soil water falls below ``water_when_soil_water_below_frac`` of the bucket, or a sensor nearby reads
below ``sensor_water_below_pct``. The amount refills the deficit, at least ``water_per_visit_l``
and at most ``max_water_per_visit_l`` per tree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.drivers import add_drivers
from forecasting.errors import ForecastInputError
from forecasting.explain import Explanation, SiteForecast, fmt_date_de, urgency_for
from forecasting.planning import analog_years
from forecasting.water import SoilBucket


def forecast_young_trees(site, drivers, observed, as_of, horizon_days, context) -> SiteForecast:
    """Due date and amount of the next watering of the site's young trees."""
    reg = context.care.young_trees
    if site.planted is None:
        raise ForecastInputError(f"site {site.site_id}: young trees need a planting date")
    planted = pd.Timestamp(site.planted)
    age_years = (as_of - planted).days / 365.25
    horizon_end = as_of + pd.Timedelta(days=horizon_days)
    trees = max(int(site.tree_count), 1)
    if age_years > reg.years_after_planting or age_years < 0:
        expl = Explanation(
            reason="established" if age_years > 0 else "not_planted",
            text_de=(
                f"Gepflanzt am {fmt_date_de(planted.date())}: außerhalb der ersten "
                f"{reg.years_after_planting} Standjahre, keine Wässerung geplant."
            ),
            text_en=(
                f"Planted {planted.date().isoformat()}: outside the first "
                f"{reg.years_after_planting} years, no watering planned."
            ),
            since_service={"planted": planted.date().isoformat(), "age_years": round(age_years, 2)},
        )
        return SiteForecast(
            site.site_id,
            "water_trees",
            as_of.date(),
            horizon_days,
            None,
            None,
            "none",
            0.0,
            None,
            "l",
            expl,
        )
    start = max(drivers.index[0], planted, as_of - pd.Timedelta(days=60))
    part = drivers.loc[start:horizon_end]
    irrigation = pd.Series(0.0, index=part.index)
    if site.last_service is not None and pd.Timestamp(site.last_service) in irrigation.index:
        irrigation[pd.Timestamp(site.last_service)] = reg.water_per_visit_l / reg.tree_pit_area_m2
    bucket_def = SoilBucket(taw_mm=reg.taw_mm, kc=reg.kc, p=reg.water_when_soil_water_below_frac)
    bucket = bucket_def.simulate(
        part["precip_mm"], part["et0_mm"], site.sensor_water_pct, irrigation
    )
    dry = bucket["soil_water_frac"] < reg.water_when_soil_water_below_frac
    if site.sensor_water_pct is not None:
        sensor = site.sensor_water_pct.reindex(bucket.index)
        dry = dry | (sensor < reg.sensor_water_below_pct).fillna(False)
    window_mask = dry.loc[as_of:horizon_end]
    hits = window_mask[window_mask]
    due = hits.index[0] if len(hits) else None
    deficit_mm = float(bucket.loc[due, "depletion_mm"]) if due is not None else 0.0
    per_tree_l = float(
        np.clip(deficit_mm * reg.tree_pit_area_m2, reg.water_per_visit_l, reg.max_water_per_visit_l)
    )
    # Spread: continue the bucket with each past year's weather for the days ahead.
    state = float(bucket.loc[as_of, "depletion_mm"])
    member_dues = []
    for member in analog_years(observed, as_of, horizon_days).values():
        mdrv = add_drivers(member, site.lat, site.elevation_m)
        sim = SoilBucket(
            taw_mm=reg.taw_mm,
            kc=reg.kc,
            p=reg.water_when_soil_water_below_frac,
            initial_depletion_mm=state,
        ).simulate(mdrv["precip_mm"], mdrv["et0_mm"])
        mdry = sim["soil_water_frac"] < reg.water_when_soil_water_below_frac
        if bool(dry.loc[as_of]):
            member_dues.append(as_of)
        elif mdry.any():
            member_dues.append(mdry[mdry].index[0])
    due_q = sorted(member_dues)
    now_frac = float(bucket.loc[as_of, "soil_water_frac"])
    due_day = due.date() if due is not None else None
    window = None
    if due_day is not None:
        end = min(due + pd.Timedelta(days=reg.window_days), horizon_end)
        window = (due_day, end.date())
    drv = {
        "soil_water_frac": round(now_frac, 2),
        "rain_14d_mm": round(
            float(part.loc[as_of - pd.Timedelta(days=13) : as_of, "precip_mm"].sum()), 1
        ),
        "et0_14d_mm": round(
            float(part.loc[as_of - pd.Timedelta(days=13) : as_of, "et0_mm"].sum()), 1
        ),
    }
    if due_day is not None:
        reason = "soil_dry" if due_day <= as_of.date() else "soil_drying"
        why_de = (
            f"Wässern fällig am {fmt_date_de(due_day)}: {per_tree_l:.0f} l je Baum, "
            f"{per_tree_l * trees:.0f} l für {trees} Bäume."
        )
        why_en = (
            f"Watering due on {due_day.isoformat()}: {per_tree_l:.0f} l per tree, "
            f"{per_tree_l * trees:.0f} l for {trees} trees."
        )
    else:
        reason = "soil_moist"
        why_de = f"Boden ausreichend feucht, in den nächsten {horizon_days} Tagen nicht fällig."
        why_en = f"Soil moist enough, not due within the next {horizon_days} days."
    expl = Explanation(
        reason=reason,
        text_de=(
            f"Jungbäume (gepflanzt {fmt_date_de(planted.date())}, {age_years:.1f} Jahre): "
            f"Bodenwasser {now_frac * 100:.0f} % der nutzbaren Feldkapazität, Regen 14 Tage "
            f"{drv['rain_14d_mm']} mm gegen Verdunstung {drv['et0_14d_mm']} mm. {why_de}"
        ),
        text_en=(
            f"Young trees (planted {planted.date().isoformat()}, {age_years:.1f} years): soil "
            f"water {now_frac * 100:.0f} % of available capacity, rain over 14 days "
            f"{drv['rain_14d_mm']} mm against evaporation {drv['et0_14d_mm']} mm. {why_en}"
        ),
        drivers=drv,
        since_service={
            "last_watering": site.last_service.isoformat() if site.last_service else None,
            "planted": planted.date().isoformat(),
            "age_years": round(age_years, 2),
        },
        uncertainty={
            "analog_years": len(member_dues),
            "due_p10": due_q[int(0.1 * (len(due_q) - 1))].date().isoformat() if due_q else None,
            "due_p90": due_q[int(0.9 * (len(due_q) - 1))].date().isoformat() if due_q else None,
        },
    )
    if bucket["from_sensor"].any():
        expl.add_note(
            "sensor_soil_water",
            "Bodenwasser aus einem Sensor in der Nähe.",
            "Soil water from a sensor nearby.",
        )
    daily = pd.DataFrame(
        {
            "value": bucket["soil_water_frac"],
            "value_lo": bucket["soil_water_frac"],
            "value_hi": bucket["soil_water_frac"],
            "weather_source": drivers["weather_source"].reindex(bucket.index),
        }
    )
    daily.index.name = "date"
    return SiteForecast(
        site_id=site.site_id,
        task="water_trees",
        as_of=as_of.date(),
        horizon_days=horizon_days,
        due_date=max(due_day, as_of.date()) if due_day else None,
        due_window=window,
        urgency=urgency_for(due_day, as_of.date()),
        urgency_score=1 - now_frac,
        quantity=per_tree_l * trees if due_day else None,
        quantity_unit="l",
        explanation=expl,
        daily=daily,
        details={"per_tree_l": per_tree_l, "tree_count": trees},
    )
