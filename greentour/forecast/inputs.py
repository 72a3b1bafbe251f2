"""Stored sites, reports and sensors → :class:`forecasting.SiteInput` (the inputs of a run).

:func:`site_inputs` maps stored sites: lawns by their regime (``data/care_classes.toml``),
hedges (``hedge_low``/``hedge_high``), young trees from the site's demand record; the last
service per task family, the crews' grass-length reports, and the daily soil water of accepted
LSE01 readings at the site or at a site within :data:`SENSOR_NEAR_M`. A lawn without a recorded
cut gets the steady-state assumption (:func:`assume_last_cuts`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from forecasting import (
    CareClasses,
    CrewReport,
    ForecastContext,
    SiteForecast,
    SiteInput,
    forecast_site,
)
from greentour.demand.model import DEFAULT_CARE_CLASS
from greentour.settings import REPO_ROOT
from greentour.store import tenant_zone
from greentour.store.models import Observation, Site, SiteLastService, Tenant
from greentour.store.models_demand import SiteDemand
from greentour.tenant_config import tenant_config

CARE_CLASSES_FILE = REPO_ROOT / "data" / "care_classes.toml"


SENSOR_SOURCE = "ttn:dragino-lse01"


CREW_REPORT_SOURCE = "crew_report"


SENSOR_NEAR_M = 250.0
"""A soil sensor counts for a site when it stands at the site or at a site this close (m)."""


TASK_FAMILY = {"lawn": "mow", "hedge": "hedge", "young_trees": "water"}
"""forecasting's site kinds → the stored forecast kind and the last-service family."""


SEASON_DAYS = 240
"""Mowing season (mid-March to mid-November) for the average cutting interval."""


GOLDEN = (math.sqrt(5) - 1) / 2


def great_circle_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in m (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


def site_regime(site: Site, tenant: Tenant) -> str | None:
    """The site's regime (a key of data/care_classes.toml, ``hedge_<class>`` for hedges).

    The site's own regime, else the tenant's ``[care_classes.<category>] regime``, else the
    default of the category (:data:`greentour.demand.model.DEFAULT_CARE_CLASS`; hedges
    ``hedge_low``). Demand chooses the mowing task type by the same regime.
    """
    if site.regime:
        return site.regime
    entry = tenant_config(tenant).care_classes.get(site.category)
    if entry is not None and entry.regime:
        return entry.regime
    if site.category == "hedge":
        return "hedge_low"
    return DEFAULT_CARE_CLASS.get(site.category)


def _local_day(at: dt.datetime, tz: ZoneInfo) -> dt.date:
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(tz).date()


def _sensor_series(session: Session, tz: ZoneInfo) -> dict[int, pd.Series]:
    """Daily mean soil water (%) of accepted sensor readings per site that has a sensor."""
    values: dict[int, dict[pd.Timestamp, list[float]]] = defaultdict(lambda: defaultdict(list))
    query = select(Observation).where(
        Observation.source == SENSOR_SOURCE,
        Observation.rejected.is_(False),
        Observation.site_id.is_not(None),
    )
    for o in session.scalars(query):
        water = (o.values_json or {}).get("water_pct")
        if water is not None:
            values[o.site_id][pd.Timestamp(_local_day(o.observed_at, tz))].append(float(water))
    series = {}
    for site_id, by_day in values.items():
        s = pd.Series({d: sum(v) / len(v) for d, v in by_day.items()}).sort_index()
        s.index.name = "date"
        series[site_id] = s
    return series


def _nearest_sensor(site: Site, sensors: dict, sites: dict[int, Site]):
    if site.id in sensors:
        return site.id, sensors[site.id]
    best = None
    for sid, s in sensors.items():
        other = sites.get(sid)
        if other is None:
            continue
        d = great_circle_m(site.lat, site.lon, other.lat, other.lon)
        if d <= SENSOR_NEAR_M and (best is None or d < best[0]):
            best = (d, sid, s)
    return (best[1], best[2]) if best else (None, None)


def site_inputs(
    session: Session, tenant: Tenant, care: CareClasses, as_of: dt.date
) -> tuple[list[tuple[int, SiteInput]], dict[int, str]]:
    """Forecast inputs for the tenant's maintained sites: (site id, input) pairs, and the sites
    that were left out with the reason.

    Maintained = accepted, in maintenance and by own crews (the sites demand plans). A lawn's
    ``last_service`` is None when no cut is recorded (see :func:`assume_last_cuts`).
    """
    tz = tenant_zone(tenant)
    sites = {
        s.id: s
        for s in session.scalars(
            select(Site).where(Site.in_maintenance.is_(True), Site.status == "accepted")
        )
        if s.maintained_by == "own"
    }
    last: dict[tuple[int, str], dt.date] = {}
    for row in session.scalars(select(SiteLastService)):
        key = (row.site_id, row.task_type.split("_")[0])
        if row.last_date <= as_of:
            last[key] = max(last.get(key, row.last_date), row.last_date)
    reports: dict[int, list[CrewReport]] = defaultdict(list)
    for o in session.scalars(select(Observation).where(Observation.source == CREW_REPORT_SOURCE)):
        length = (o.values_json or {}).get("grass_length")
        day = _local_day(o.observed_at, tz)
        if length in ("short", "medium", "long") and o.site_id and day <= as_of:
            reports[o.site_id].append(CrewReport(day, length))
    demand = {d.site_id: d for d in session.scalars(select(SiteDemand))}
    sensors = _sensor_series(session, tz)
    out: list[tuple[int, SiteInput]] = []
    skipped: dict[int, str] = {}
    for site in sites.values():
        regime = site_regime(site, tenant)
        sensor_id, sensor = _nearest_sensor(site, sensors, sites)
        common = dict(
            site_id=str(site.id),
            lat=site.lat,
            lon=site.lon,
            sensor_water_pct=sensor,
            sensor_id=f"Fläche {sensor_id}" if sensor_id else None,
        )
        d = demand.get(site.id)
        if regime in care.lawns:
            out.append((site.id, SiteInput(
                kind="lawn", care_class=regime, last_service=last.get((site.id, "mow")),
                reports=sorted(reports.get(site.id, []), key=lambda r: r.day), **common)))
        elif regime and regime.startswith("hedge_") and regime[6:] in care.hedges:
            out.append((site.id, SiteInput(
                kind="hedge", care_class=regime[6:], last_service=last.get((site.id, "hedge")),
                traffic_safety=bool(d and d.traffic_safety), **common)))
        elif d is None or not d.young_trees:
            skipped[site.id] = f"keine Prognose für Regime {regime or '–'} ({site.category})"
        if d is not None and d.young_trees and d.young_trees_planted:
            out.append((site.id, SiteInput(
                kind="young_trees", planted=d.young_trees_planted, tree_count=d.young_trees,
                last_service=last.get((site.id, "water")), **common)))
    return out, skipped


def _current_interval_days(
    care_class: str, weather: pd.DataFrame, as_of: dt.date, context: ForecastContext,
    lat: float, lon: float, allow_stale_days: int, forecast: pd.DataFrame | None,
) -> int:
    """The current cutting interval of a care class at this weather, in days.

    The days the grass took to grow from target to trigger height up to ``as_of``, looking back
    at most 1.5 × the season's average interval (240 days / mean cuts per year); when it grew
    slower than that (late autumn, dormancy, drought) the season's average interval: the
    regular rhythm of the Bauhof has then kept the lawns short.
    """
    lawn = context.care.lawn(care_class)
    season_interval = max(3, round(SEASON_DAYS / lawn.cuts_mid))
    lookback_days = int(1.5 * season_interval) + 1
    reference = SiteInput(
        site_id=f"class:{care_class}", kind="lawn", lat=lat, lon=lon, care_class=care_class,
        last_service=as_of - dt.timedelta(days=lookback_days),
    )
    fc = forecast_site(reference, weather, as_of, 1, context, forecast=forecast,
                       allow_stale_days=allow_stale_days)
    path = fc.daily["value"].loc[: pd.Timestamp(as_of)]
    grown = float(path.iloc[-1]) - path
    enough = path[grown >= lawn.trigger_height_mm - lawn.target_height_mm]
    if enough.empty:
        return season_interval
    return max(3, (pd.Timestamp(as_of) - enough.index[-1]).days)


def assume_last_cuts(
    inputs: Sequence[tuple[int, SiteInput]], weather: pd.DataFrame, as_of: dt.date,
    context: ForecastContext, allow_stale_days: int = 0, forecast: pd.DataFrame | None = None,
) -> dict[int, tuple[dt.date, int]]:
    """Steady-state assumption for lawns without a recorded cut; sets their ``last_service``.

    The Bauhof has kept up so far: the lawns of a care class are spread evenly over its current
    cutting interval, each at a fixed offset (golden-ratio sequence over the site id), so a
    week's mowing is what a running operation mows. Returns {site id: (assumed cut, interval)}.
    """
    assumed: dict[int, tuple[dt.date, int]] = {}
    intervals: dict[str, int] = {}
    for site_id, si in inputs:
        if si.kind != "lawn" or si.last_service is not None:
            continue
        if si.care_class not in intervals:
            intervals[si.care_class] = _current_interval_days(
                si.care_class, weather, as_of, context, si.lat, si.lon, allow_stale_days,
                forecast)
        interval = intervals[si.care_class]
        offset = int(((site_id * GOLDEN) % 1.0) * interval)
        si.last_service = as_of - dt.timedelta(days=offset)
        assumed[site_id] = (si.last_service, interval)
    return assumed


def explain_assumed(fc: SiteForecast, cut: dt.date, interval: int) -> None:
    """Say the steady-state assumption in the explanation (first note, before weather notes)."""
    fc.explanation.since_service["assumed"] = True
    fc.explanation.since_service["assumption"] = "steady_state"
    fc.explanation.notes.insert(0, {
        "code": "assumed_last_service",
        "text_de": (f"Kein Schnitt erfasst: laufender Betrieb angenommen – die Flächen dieser "
                    f"Pflegeklasse verteilen sich gleichmäßig über das aktuelle Schnittintervall "
                    f"von {interval} Tagen, für diese Fläche letzter Schnitt am "
                    f"{cut:%d.%m.%Y} (angenommen)."),
        "text_en": (f"No cut recorded: steady operation assumed – the lawns of this care class "
                    f"are spread evenly over the current cutting interval of {interval} days, "
                    f"for this site last cut on {cut.isoformat()} (assumed)."),
    })
