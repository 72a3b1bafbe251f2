"""Run :mod:`forecasting` (issue #5) for a town's sites and turn the results into forecast signals.

One weather station serves the whole town, so a lawn's predicted grass length depends only on its
care class and on the day it was last cut. :func:`lawn_signals` therefore runs
:func:`forecasting.forecast.forecast_site` once per care class, with a reference last cut far
enough back, and evaluates the predicted daily growth path (median, 10 % and 90 % quantiles) for
each site from *its* last cut: length(t) = target + growth(last cut .. t). Due day, earliest day
(fast growth), latest day (slow growth, capped where the grass passes the tolerance) and the
"overdue" rule are the same as in the forecasting module; the workability of the days (no heavy
mowers on soaked ground) is taken from the same forecast.

Last cut: the site's ``SiteLastService`` row when the crews have reported one. Without any record
the operation is assumed to be in **steady state**: the crews have kept up so far, and the sites
of a care class are spread evenly over its *current* cutting interval (the days the predicted
grass took to grow from target to trigger height up to the planning day; the season average
length / mean cuts per year when it did not grow that much), each at a fixed deterministic offset
(golden-ratio sequence over the site id). Without that assumption every unknown lawn would be
"cut today" (nothing due) or "never cut" (everything overdue) in the demo week.

Hedges and young trees are forecast per distinct input (class and last cut; planting date and
tree count), which are few.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from forecasting.forecast import ForecastContext, SiteInput, forecast_site
from forecasting.weather import fill_gaps, read_dwd_daily
from greentour.demand.generators.forecast import ForecastSignal
from greentour.demand.model import SiteInfo

GOLDEN = (math.sqrt(5) - 1) / 2
SEASON_DAYS = 240  # mid-March to mid-November, the mowing season of data/task_types.toml


@dataclass(frozen=True)
class ForecastInputs:
    """Weather, fitted models and the planning day for one town."""

    weather: pd.DataFrame
    context: ForecastContext
    as_of: dt.date
    horizon_days: int
    lat: float
    lon: float


@lru_cache(maxsize=2)
def forecast_context(care_file: str, grass10_csv: str, valentia_csv: str) -> ForecastContext:
    """Care classes and the fitted grass model (fitting takes seconds: cached per process)."""
    return ForecastContext.from_files(care_file, grass10_csv, valentia_csv)


@lru_cache(maxsize=4)
def town_weather(files: tuple[str, ...], since: dt.date | None = None) -> pd.DataFrame:
    """Observed daily weather from DWD KL files (later files win on overlaps), gaps filled.

    ``since`` cuts long history files (the climatology needs a year or more, not 70).
    """
    frames = [read_dwd_daily(f) for f in files]
    weather = pd.concat(frames)
    weather = weather[~weather.index.duplicated(keep="last")].sort_index()
    if since is not None:
        weather = weather.loc[pd.Timestamp(since):]
    return fill_gaps(weather)


def inputs_from_frame(
    *,
    weather: pd.DataFrame,
    care_file: Path,
    grass10_csv: Path,
    valentia_csv: Path,
    as_of: dt.date,
    horizon_days: int,
    lat: float,
    lon: float,
) -> ForecastInputs:
    """Forecast inputs from a daily weather frame already loaded (e.g. stored observations)."""
    return ForecastInputs(
        weather=weather,
        context=forecast_context(str(care_file), str(grass10_csv), str(valentia_csv)),
        as_of=as_of,
        horizon_days=horizon_days,
        lat=lat,
        lon=lon,
    )


def inputs_from_files(
    *,
    weather_files: Sequence[Path],
    since: dt.date | None = None,
    care_file: Path,
    grass10_csv: Path,
    valentia_csv: Path,
    as_of: dt.date,
    horizon_days: int,
    lat: float,
    lon: float,
) -> ForecastInputs:
    """Load (cached) weather and models for a forecast run."""
    return ForecastInputs(
        weather=town_weather(tuple(str(p) for p in weather_files), since),
        context=forecast_context(str(care_file), str(grass10_csv), str(valentia_csv)),
        as_of=as_of,
        horizon_days=horizon_days,
        lat=lat,
        lon=lon,
    )


def assumed_last_cut(site_id: int, interval_days: int, as_of: dt.date) -> dt.date:
    """Steady-state assumption: a fixed per-site offset into the cutting interval."""
    offset = int(((site_id * GOLDEN) % 1.0) * interval_days)
    return as_of - dt.timedelta(days=offset)


def _current_interval(path: pd.Series, as_of: pd.Timestamp, growth_mm: float) -> int | None:
    """Days the grass took to grow ``growth_mm`` up to ``as_of`` (the current cutting interval).

    None when it did not grow that much within the path (dormancy, or a path too short).
    """
    upto = path.loc[:as_of]
    if upto.empty:
        return None
    now = float(upto.iloc[-1])
    enough = upto[now - upto >= growth_mm]
    if enough.empty:
        return None
    return max(3, int((as_of - enough.index[-1]).days))


def _first(mask: pd.Series) -> pd.Timestamp | None:
    hits = mask[mask]
    return hits.index[0] if len(hits) else None


def lawn_signals(
    sites: Sequence[SiteInfo],
    inputs: ForecastInputs,
    last_cut: Mapping[int, dt.date] | None = None,
) -> list[ForecastSignal]:
    """Mowing signals for every maintained lawn site (see module doc)."""
    last_cut = last_cut or {}
    care = inputs.context.care
    by_class: dict[str, list[SiteInfo]] = {}
    for site in sites:
        cc = site.effective_care_class
        if site.maintained and site.mow_type and cc in care.lawns:
            by_class.setdefault(cc, []).append(site)
    as_of = pd.Timestamp(inputs.as_of)
    horizon_end = as_of + pd.Timedelta(days=inputs.horizon_days)
    out: list[ForecastSignal] = []
    for cc, members in sorted(by_class.items()):
        lawn = care.lawn(cc)
        interval = max(3, int(round(SEASON_DAYS / lawn.cuts_mid)))
        ref_days = max(int(1.5 * interval), *[
            (inputs.as_of - last_cut[s.id]).days for s in members if s.id in last_cut
        ], 0) + 1
        ref_service = inputs.as_of - dt.timedelta(days=ref_days)
        fc = forecast_site(
            SiteInput(site_id=f"class:{cc}", kind="lawn", lat=inputs.lat, lon=inputs.lon,
                      care_class=cc, last_service=ref_service),
            inputs.weather, inputs.as_of, inputs.horizon_days, inputs.context,
        )
        daily = fc.daily
        workable = {w.date: w.heavy_machines_ok for w in fc.workability}
        unworkable = tuple(sorted(d for d, ok in workable.items() if not ok))
        target = lawn.target_height_mm
        trigger = lawn.trigger_height_mm
        tolerance = trigger + (trigger - target) / 2
        current = _current_interval(daily["value"], as_of, trigger - target) or interval
        for site in members:
            cut = last_cut.get(site.id) or assumed_last_cut(site.id, current, inputs.as_of)
            cut_ts = pd.Timestamp(max(cut, ref_service))
            paths = {}
            for col in ("value", "value_lo", "value_hi"):
                series = daily[col]
                base = float(series.loc[cut_ts]) if cut_ts in series.index else target
                paths[col] = target + (series.loc[cut_ts:horizon_end] - base)
            mid = paths["value"]
            window = mid.loc[as_of:horizon_end]
            now_mm = float(mid.loc[as_of]) if as_of in mid.index else target
            due = _first(window >= trigger)
            if due is None:
                continue
            earliest = _first(paths["value_hi"].loc[as_of:horizon_end] >= trigger) or due
            latest_lo = _first(paths["value_lo"].loc[as_of:horizon_end] >= trigger)
            latest_tol = _first(window >= tolerance)
            candidates = [d for d in (latest_lo, latest_tol) if d is not None]
            latest = max(min(candidates) if candidates else horizon_end, due)
            overdue = now_mm >= tolerance
            grown = now_mm - target
            urgency = 1.0 if overdue else min(0.95, 0.4 + 0.5 * grown / (trigger - target))
            days_ok = [workable.get(d.date(), True) for d in pd.date_range(earliest, latest)]
            assumed = site.id not in last_cut
            text = (
                f"{lawn.name_de}: letzter Schnitt {cut:%d.%m.%Y}"
                f"{' (angenommen, kein Schnitt erfasst)' if assumed else ''}, jetzt etwa "
                f"{now_mm:.0f} mm, Schnitt bei {trigger:.0f} mm; fällig "
                f"{due:%d.%m.} (frühestens {earliest:%d.%m.}, spätestens {latest:%d.%m.})"
                f"{'; überfällig' if overdue else ''}"
            )
            out.append(ForecastSignal(
                site_id=site.id, kind="mow",
                due_earliest=max(earliest.date(), inputs.as_of),
                due_latest=max(latest.date(), inputs.as_of),
                urgency=urgency, explanation=text, workable=any(days_ok) if days_ok else True,
                unworkable_days=unworkable,
            ))
    return out


def hedge_signals(
    sites: Sequence[SiteInfo],
    inputs: ForecastInputs,
    last_cut: Mapping[int, dt.date] | None = None,
    hedge_class: str = "low",
) -> list[ForecastSignal]:
    """Form-cut signals for hedge sites (one forecast per hedge class and last cut)."""
    last_cut = last_cut or {}
    cache: dict[tuple[str, dt.date | None], object] = {}
    out = []
    for site in sites:
        if not site.maintained or site.category != "hedge":
            continue
        cut = last_cut.get(site.id)
        cls = site.hedge_class if site.hedge_class in inputs.context.care.hedges else hedge_class
        if (cls, cut) not in cache:
            cache[(cls, cut)] = forecast_site(
                SiteInput(site_id=f"hedge:{cls}:{cut}", kind="hedge", lat=inputs.lat,
                          lon=inputs.lon, care_class=cls, last_service=cut),
                inputs.weather, inputs.as_of, inputs.horizon_days, inputs.context,
            )
        fc = cache[(cls, cut)]
        if fc.due_window is None:
            continue
        out.append(ForecastSignal(
            site_id=site.id, kind="hedge", due_earliest=fc.due_window[0],
            due_latest=fc.due_window[1], urgency=_urgency(fc.urgency),
            explanation=fc.explanation.text("de"),
        ))
    return out


def young_tree_signals(
    sites: Sequence[SiteInfo],
    inputs: ForecastInputs,
    planted: Mapping[int, dt.date],
    last_watered: Mapping[int, dt.date] | None = None,
) -> list[ForecastSignal]:
    """Watering signals for sites with young trees (``planted`` by site id)."""
    last_watered = last_watered or {}
    out = []
    for site in sites:
        if not site.maintained or site.id not in planted:
            continue
        trees = int(site.tags.get("greentour:young_trees") or site.tree_count or 1)
        fc = forecast_site(
            SiteInput(site_id=str(site.id), kind="young_trees", lat=inputs.lat, lon=inputs.lon,
                      planted=planted[site.id], tree_count=trees,
                      last_service=last_watered.get(site.id)),
            inputs.weather, inputs.as_of, inputs.horizon_days, inputs.context,
        )
        if fc.due_window is None:
            continue
        per_tree = (fc.quantity or 0.0) / trees if fc.quantity else None
        out.append(ForecastSignal(
            site_id=site.id, kind="water", due_earliest=fc.due_window[0],
            due_latest=fc.due_window[1], urgency=_urgency(fc.urgency),
            explanation=fc.explanation.text("de"), water_l_per_tree=per_tree,
        ))
    return out


def _urgency(level: str) -> float:
    return {"overdue": 1.0, "high": 0.85, "normal": 0.6, "low": 0.35}.get(level, 0.3)
