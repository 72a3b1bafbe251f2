"""Per-site forecasts: when is mowing, hedge cutting or watering of young trees due, and why.

Entry point: :func:`forecast_site`. The caller passes the site (:class:`SiteInput`), the observed
daily weather (gaps filled, see :func:`forecasting.weather.fill_gaps`), the planning day and the
horizon, and a :class:`ForecastContext` with the care classes and the fitted grass model.
Weather after ``as_of`` in the observed frame is ignored; the days ahead come from ``forecast``
(e.g. Bright Sky MOSMIX) where given, else from climatology.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from forecasting.care_classes import CareClasses, load_care_classes
from forecasting.drivers import add_drivers
from forecasting.errors import ForecastInputError
from forecasting.explain import Explanation, SiteForecast, fmt_date_de, urgency_for
from forecasting.grass import GrassModel, weekly_training_table
from forecasting.growth_data import (
    VALENTIA_ELEVATION_M,
    VALENTIA_LAT_DEG,
    read_grass10,
    read_valentia,
)
from forecasting.hedges import forecast_hedge
from forecasting.lawn import site_factor_from_reports
from forecasting.planning import planning_weather
from forecasting.trees import forecast_young_trees
from forecasting.water import SoilBucket
from forecasting.workability import WorkabilityRules, day_workability

KINDS = ("lawn", "hedge", "young_trees")
SPIN_UP_DAYS = 60  # soil bucket warm-up before the last service


@dataclass
class CrewReport:
    """A crew's report at mowing: grass length as short, medium or long."""

    day: date
    grass_length: str


@dataclass
class SiteInput:
    """What forecasting needs to know about one site (no database ids beyond ``site_id``)."""

    site_id: str
    kind: str  # "lawn" | "hedge" | "young_trees"
    lat: float
    lon: float
    elevation_m: float = 50.0
    care_class: str | None = None  # lawn or hedge class key from the care-class file
    last_service: date | None = None  # last mowing / hedge cut / watering
    planted: date | None = None  # young trees
    tree_count: int = 0
    reports: list[CrewReport] = field(default_factory=list)
    sensor_water_pct: pd.Series | None = None  # daily soil water of a sensor near the site
    sensor_id: str | None = None
    hard_cut_wanted: bool = False  # hedge: a rejuvenation cut, not a form cut
    traffic_safety: bool = False  # hedge: Verkehrssicherung, exempt from BNatSchG §39(5)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ForecastInputError(
                f"site {self.site_id}: kind must be one of {', '.join(KINDS)}, got {self.kind!r}"
            )
        if not -90 <= self.lat <= 90 or not -180 <= self.lon <= 180:
            raise ForecastInputError(f"site {self.site_id}: position {self.lat}, {self.lon}")


@dataclass
class ForecastContext:
    """Care classes plus the fitted grass model; build once, use for many sites."""

    care: CareClasses
    grass: GrassModel
    rules: WorkabilityRules = field(default_factory=WorkabilityRules)
    _drivers_cache: dict = field(default_factory=dict, repr=False, compare=False)

    def planning_drivers(
        self,
        weather: pd.DataFrame,
        as_of: pd.Timestamp,
        horizon_days: int,
        lat: float,
        elevation_m: float,
        forecast: pd.DataFrame | None,
        allow_stale_days: int,
    ) -> pd.DataFrame:
        """Planning weather with drivers, shared by the sites of one run.

        One entry is cached: same (unmodified) weather and forecast objects, day, horizon, and
        position within 0.05° and 10 m.
        """
        key = (as_of, horizon_days, round(lat * 20), round(elevation_m / 10), allow_stale_days)
        hit = self._drivers_cache.get("entry")
        if hit and hit[0] is weather and hit[1] is forecast and hit[2] == key:
            return hit[3]
        plan = planning_weather(
            weather, as_of, horizon_days, forecast, allow_stale_days=allow_stale_days
        )
        drivers = add_drivers(plan, lat, elevation_m)
        drivers["weather_source"] = plan["weather_source"]
        drivers.attrs["observed_until"] = plan.attrs.get("observed_until")
        self._drivers_cache["entry"] = (weather, forecast, key, drivers)
        return drivers

    @classmethod
    def from_files(
        cls, care_classes_path: str | Path, grass10_csv: str | Path, valentia_csv: str | Path
    ) -> ForecastContext:
        """Load the care classes and fit the grass model on all Grass10 weeks with weather."""
        care = load_care_classes(care_classes_path)
        weather = add_drivers(read_valentia(valentia_csv), VALENTIA_LAT_DEG, VALENTIA_ELEVATION_M)
        table = weekly_training_table(read_grass10(grass10_csv), weather)
        return cls(care=care, grass=GrassModel().fit(table))


def forecast_site(
    site: SiteInput,
    weather: pd.DataFrame,
    as_of: date | str | pd.Timestamp,
    horizon_days: int,
    context: ForecastContext,
    forecast: pd.DataFrame | None = None,
    allow_stale_days: int = 0,
) -> SiteForecast:
    """Forecast the site's task from ``as_of`` over ``horizon_days`` days (see module doc).

    ``allow_stale_days``: how many days the observed weather may end before ``as_of``; the
    missing days are taken from climatology and the explanation says so (default 0: refused).
    """
    as_of_ts = pd.Timestamp(as_of).normalize()
    drivers = context.planning_drivers(
        weather, as_of_ts, horizon_days, site.lat, site.elevation_m, forecast, allow_stale_days
    )
    if site.kind == "lawn":
        result = _forecast_lawn(site, drivers, as_of_ts, horizon_days, context)
    elif site.kind == "hedge":
        result = forecast_hedge(site, drivers, weather, as_of_ts, horizon_days, context)
    else:
        result = forecast_young_trees(site, drivers, weather, as_of_ts, horizon_days, context)
    counts = drivers.loc[drivers.index > as_of_ts, "weather_source"].value_counts().to_dict()
    result.explanation.uncertainty["weather_days_ahead"] = {k: int(v) for k, v in counts.items()}
    observed_until = drivers.attrs.get("observed_until")
    result.explanation.uncertainty["observed_until"] = observed_until
    if observed_until and observed_until < as_of_ts.date().isoformat():
        until = pd.Timestamp(observed_until).date()
        result.explanation.add_note(
            "stale_weather",
            f"Wetterdaten enden am {fmt_date_de(until)}: bis heute und danach Klimatologie.",
            f"Weather data end on {until.isoformat()}: climatology up to today and beyond.",
        )
    return result


def _first_day(mask: pd.Series) -> pd.Timestamp | None:
    hits = mask[mask]
    return hits.index[0] if len(hits) else None


def _lawn_path(
    site: SiteInput, drivers: pd.DataFrame, as_of: pd.Timestamp, context: ForecastContext
):
    care = context.care.lawn(site.care_class or "")
    water = context.care.lawn_water
    assumed = site.last_service is None
    service = as_of if assumed else pd.Timestamp(site.last_service)
    if service > as_of:
        raise ForecastInputError(
            f"site {site.site_id}: last service {service.date()} lies after {as_of.date()}"
        )
    start = max(drivers.index[0], service - pd.Timedelta(days=SPIN_UP_DAYS))
    part = drivers.loc[start:]
    bucket = SoilBucket(taw_mm=water.taw_mm, kc=water.kc).simulate(
        part["precip_mm"], part["et0_mm"], site.sensor_water_pct
    )
    rel = context.grass.predict_daily(part, water.growth_factor(bucket["ks"]))
    return care, assumed, service, part, bucket, rel


def _forecast_lawn(
    site: SiteInput,
    drivers: pd.DataFrame,
    as_of: pd.Timestamp,
    horizon_days: int,
    context: ForecastContext,
) -> SiteForecast:
    care, assumed, service, part, bucket, rel = _lawn_path(site, drivers, as_of, context)
    scale = care.growth_scale_mm_per_day
    factor = _site_factor(site, rel, care, scale)
    after = rel.loc[rel.index > service]
    length = care.target_height_mm + (after["rel_growth"] * scale * factor).cumsum()
    length_lo = care.target_height_mm + (after["rel_growth_lo"] * scale * factor).cumsum()
    length_hi = care.target_height_mm + (after["rel_growth_hi"] * scale * factor).cumsum()
    horizon_end = as_of + pd.Timedelta(days=horizon_days)
    window = length.loc[as_of:horizon_end]
    tolerance = care.trigger_height_mm + (care.trigger_height_mm - care.target_height_mm) / 2
    now_mm = float(length.loc[as_of]) if as_of in length.index else care.target_height_mm
    due = _first_day(window >= care.trigger_height_mm)
    earliest = _first_day(length_hi.loc[as_of:horizon_end] >= care.trigger_height_mm)
    latest_lo = _first_day(length_lo.loc[as_of:horizon_end] >= care.trigger_height_mm)
    latest_tol = _first_day(window >= tolerance)
    overdue = now_mm >= tolerance
    due_window = None
    if due is not None:
        earliest = earliest or due
        candidates = [d for d in (latest_lo, latest_tol) if d is not None]
        latest = min(candidates) if candidates else horizon_end
        latest = max(latest, due)
        due_window = (earliest.date(), latest.date())
    daily = pd.DataFrame(
        {
            "value": length.loc[:horizon_end],
            "value_lo": length_lo.loc[:horizon_end],
            "value_hi": length_hi.loc[:horizon_end],
            "weather_source": drivers["weather_source"].reindex(length.loc[:horizon_end].index),
        }
    )
    daily.index.name = "date"
    past = part.loc[service + pd.Timedelta(days=1) : as_of]
    last7 = part.loc[as_of - pd.Timedelta(days=6) : as_of]
    grown_mm = now_mm - care.target_height_mm
    drv = {
        "tmean_7d_c": round(float(last7["tmean_c"].mean()), 1),
        "growth_potential_7d": round(float(last7["gp"].mean()), 2),
        "par_7d_mj": round(float(last7["par_mj"].mean()), 1),
        "et0_7d_mm": round(float(last7["et0_mm"].sum()), 1),
        "rain_7d_mm": round(float(last7["precip_mm"].sum()), 1),
        "soil_water_frac": round(float(bucket.loc[as_of, "soil_water_frac"]), 2),
        "water_factor": round(float(rel.loc[as_of, "water_factor"]), 2),
        "dormant": bool(rel.loc[as_of, "dormant"]),
        "site_factor": round(factor, 2),
    }
    since = {
        "last_service": service.date().isoformat(),
        "assumed": assumed,
        "days": int((as_of - service).days),
        "growth_mm": round(grown_mm, 1),
        "gdd5": round(float(past["gdd5"].sum()), 0),
        "height_now_mm": round(now_mm, 1),
        "target_mm": care.target_height_mm,
        "trigger_mm": care.trigger_height_mm,
    }
    unc = {
        "earliest_if_fast": earliest.date().isoformat() if earliest is not None else None,
        "latest_if_slow": latest_lo.date().isoformat() if latest_lo is not None else None,
        "quantiles": [context.grass.quantiles[0], 0.5, context.grass.quantiles[1]],
    }
    head_de = (
        f"{care.name_de}: seit dem letzten Schnitt ({fmt_date_de(service.date())}, "
        f"vor {since['days']} Tagen) um {grown_mm:.0f} mm gewachsen, jetzt etwa "
        f"{now_mm:.0f} mm; Schnitt bei {care.trigger_height_mm:.0f} mm "
        f"(1,5 × Zielhöhe {care.target_height_mm:.0f} mm)."
    )
    head_en = (
        f"{care.name_en}: grown {grown_mm:.0f} mm since the last cut "
        f"({service.date().isoformat()}, {since['days']} days ago), now about {now_mm:.0f} mm; "
        f"cut at {care.trigger_height_mm:.0f} mm (1.5 × target {care.target_height_mm:.0f} mm)."
    )
    drivers_de = (
        f"Letzte 7 Tage: {drv['tmean_7d_c']} °C im Mittel (Wachstumspotenzial "
        f"{drv['growth_potential_7d']}), {drv['rain_7d_mm']} mm Regen, Bodenwasser "
        f"{drv['soil_water_frac'] * 100:.0f} %."
    )
    drivers_en = (
        f"Last 7 days: mean {drv['tmean_7d_c']} °C (growth potential "
        f"{drv['growth_potential_7d']}), {drv['rain_7d_mm']} mm rain, soil water "
        f"{drv['soil_water_frac'] * 100:.0f} %."
    )
    if overdue:
        reason = "overdue"
        why_de = f"Überfällig: Höhe über {tolerance:.0f} mm, bitte sofort mähen."
        why_en = f"Overdue: height above {tolerance:.0f} mm, mow now."
    elif due is not None and due <= as_of:
        reason = "trigger_reached"
        why_de = "Schnitthöhe erreicht: jetzt fällig."
        why_en = "Trigger height reached: due now."
    elif due is not None:
        reason = "trigger_expected"
        why_de = (
            f"Fällig voraussichtlich am {fmt_date_de(due.date())} "
            f"(frühestens {fmt_date_de(due_window[0])}, spätestens "
            f"{fmt_date_de(due_window[1])})."
        )
        why_en = (
            f"Expected due on {due.date().isoformat()} (window {due_window[0].isoformat()} to "
            f"{due_window[1].isoformat()})."
        )
    elif drv["dormant"]:
        reason = "dormant"
        why_de = "Vegetationsruhe (Wochenmittel unter 5 °C): kein Wachstum, nicht fällig."
        why_en = "Dormant (weekly mean below 5 °C): no growth, not due."
    else:
        reason = "not_due_in_horizon"
        why_de = f"In den nächsten {horizon_days} Tagen nicht fällig."
        why_en = f"Not due within the next {horizon_days} days."
    unc_de = (
        f" Unsicherheit: bei schnellem Wuchs (90 %-Quantil) ab {fmt_date_de(earliest.date())}."
        if earliest is not None
        else ""
    )
    unc_en = (
        f" Uncertainty: with fast growth (90 % quantile) from {earliest.date().isoformat()}."
        if earliest is not None
        else ""
    )
    expl = Explanation(
        reason=reason,
        text_de=f"{head_de} {drivers_de} {why_de}{unc_de}",
        text_en=f"{head_en} {drivers_en} {why_en}{unc_en}",
        drivers=drv,
        since_service=since,
        uncertainty=unc,
    )
    if assumed:
        expl.add_note(
            "assumed_last_service",
            "Kein Schnitt erfasst: angenommen, heute auf Zielhöhe gemäht.",
            "No cut recorded: assumed mown to target height today.",
        )
    if bucket["from_sensor"].any():
        expl.add_note(
            "sensor_soil_water",
            f"Bodenwasser aus Sensor {site.sensor_id or ''} statt Wasserbilanz.".replace("  ", " "),
            f"Soil water from sensor {site.sensor_id or ''} instead of the water balance.".replace(
                "  ", " "
            ),
        )
    if factor != 1.0:
        expl.add_note(
            "site_factor",
            f"Standortkorrektur aus {len(site.reports)} Rückmeldungen der Kolonnen: "
            f"× {factor:.2f}.",
            f"Site correction from {len(site.reports)} crew reports: × {factor:.2f}.",
        )
    days = pd.date_range(as_of, horizon_end, freq="D")
    work = day_workability(drivers, days, bucket, site.sensor_water_pct, context.rules)
    due_day = due.date() if due is not None else None
    return SiteForecast(
        site_id=site.site_id,
        task="mow",
        as_of=as_of.date(),
        horizon_days=horizon_days,
        due_date=max(due_day, as_of.date()) if due_day else None,
        due_window=due_window,
        urgency=urgency_for(due_day, as_of.date(), overdue),
        urgency_score=max(0.0, grown_mm / (care.trigger_height_mm - care.target_height_mm)),
        quantity=float(length.loc[due]) if due is not None else None,
        quantity_unit="mm",
        explanation=expl,
        daily=daily,
        workability=work,
        details={"care_class": care.key, "site_factor": factor},
    )


def _site_factor(site: SiteInput, rel: pd.DataFrame, care, scale: float) -> float:
    """Learn the site's growth factor from crew reports (each report after a previous one)."""
    reports = sorted(site.reports, key=lambda r: r.day)
    pairs = []
    for prev, rep in zip(reports, reports[1:], strict=False):
        span = rel.loc[pd.Timestamp(prev.day) + pd.Timedelta(days=1) : pd.Timestamp(rep.day)]
        if span.empty:
            continue
        predicted = care.target_height_mm + float(span["rel_growth"].sum()) * scale
        pairs.append((rep.grass_length, predicted))
    return site_factor_from_reports(pairs, care) if pairs else 1.0
