"""Daily weather of a town: import into the store, and the weather frame of a forecast run.

* :func:`import_weather_file` / :func:`import_tenant_weather` read daily weather (DWD KL files,
  Bright Sky JSON, generic CSV), fill and flag gaps, and store one ``Observation`` of kind
  ``weather`` per station and day (values in ``values_json``; re-importing updates, never
  duplicates; one transaction per file, so a refused file leaves nothing half-stored).
* :func:`load_weather` builds the daily weather frame of a tenant from those observations;
  :func:`tenant_weather` falls back to the configured files; :func:`online_forecast` fetches the
  coming days (DWD MOSMIX via Bright Sky).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from forecasting import (
    GUST_COLUMN,
    MAX_FILL_GAP_DAYS,
    WEATHER_COLUMNS,
    ForecastInputError,
    fetch_mosmix_daily,
    fill_gaps,
    read_brightsky_json,
    read_dwd_daily,
    read_weather_csv,
    reject_implausible,
    split_at_long_gaps,
)
from greentour.errors import BadInput, DataImportError, NotFound
from greentour.input_checks import DAY_MIN
from greentour.settings import get_settings, resolve_data_file
from greentour.store import session_tenant, tenant_session, tenant_zone
from greentour.store.models import Observation, Site, Tenant
from greentour.tenant_config import tenant_config

WEATHER_DAYS_AHEAD = 16
"""Weather rows may be dated at most this far ahead of today (forecasts), none later."""


@dataclass
class ImportSummary:
    """What one weather import stored."""

    file: str
    station_id: str
    days: int
    created: int
    updated: int
    filled_days: int
    first_day: dt.date
    last_day: dt.date
    rejected_values: int = 0
    """Values outside the plausible ranges: kept under ``rejected`` in the day's values, the
    value itself filled and flagged."""
    rejected_rows: int = 0
    """Rows dated outside 1900 … today + 16 days: not stored."""
    unfilled_gaps: int = 0
    """Gaps longer than MAX_FILL_GAP_DAYS: left open, not invented."""

    def line_de(self) -> str:
        problems = [
            text for count, text in (
                (self.rejected_values, f"{self.rejected_values} unplausible Werte verworfen"),
                (self.rejected_rows, f"{self.rejected_rows} Zeilen mit unmöglichem Datum "
                                     "verworfen"),
                (self.unfilled_gaps, f"{self.unfilled_gaps} Lücken über "
                                     f"{MAX_FILL_GAP_DAYS} Tage nicht aufgefüllt"),
            ) if count
        ]
        return (
            f"{self.file}: Station {self.station_id}, {self.days} Tage "
            f"{self.first_day:%d.%m.%Y}-{self.last_day:%d.%m.%Y} ({self.created} neu, "
            f"{self.updated} aktualisiert, {self.filled_days} Tage mit ergänzten Werten"
            + "".join(f"; {p}" for p in problems) + ")"
        )


def read_weather_any(path: Path) -> tuple[pd.DataFrame, str, str]:
    """Read a weather file by its format: (frame, station id, source label)."""
    name = path.name
    try:
        if name.startswith("produkt_klima_tag"):
            frame = read_dwd_daily(path)
            return frame, frame.attrs.get("station_id") or "dwd", f"dwd_kl_daily:{name}"
        if path.suffix.lower() == ".json":
            frame = read_brightsky_json(path)
            return frame, frame.attrs.get("station_id") or "brightsky", f"brightsky:{name}"
        if path.suffix.lower() == ".csv":
            return read_weather_csv(path), path.stem[:40], f"csv:{name}"
    except ForecastInputError as exc:
        raise DataImportError(f"Wetterdatei {name}: {exc}") from exc
    raise BadInput(
        f"Wetterdatei {name}: unbekanntes Format (erwartet produkt_klima_tag_*.txt, "
        "Bright-Sky-JSON oder CSV mit Spalte date)"
    )


def day_instant(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """A weather day is stored at local noon (as crew reports are)."""
    return dt.datetime.combine(day, dt.time(12, 0), tz).astimezone(dt.UTC)


def import_weather_file(
    engine: Engine, tenant_id: int, path: Path, since: dt.date | None = None
) -> ImportSummary:
    """Store the daily weather of ``path`` (from ``since``) as observations; gaps are filled
    and flagged (``<column>_filled`` in the values), never stored as zeros."""
    if not path.is_file():
        raise NotFound(f"Wetterdatei {path} gibt es nicht")
    frame, station_id, source = read_weather_any(path)
    if since is not None:
        frame = frame.loc[pd.Timestamp(since) :]
    latest = dt.date.today() + dt.timedelta(days=WEATHER_DAYS_AHEAD)
    plausible_day = (frame.index >= pd.Timestamp(DAY_MIN)) & (frame.index <= pd.Timestamp(latest))
    rejected_rows = int((~plausible_day).sum())
    frame, rejected = reject_implausible(frame[plausible_day])
    rejected_by_day: dict[dt.date, dict[str, float]] = {}
    for day, col, value in rejected:
        rejected_by_day.setdefault(day.date(), {})[col] = value
    frame = frame.dropna(how="all", subset=[c for c in WEATHER_COLUMNS if c in frame])
    if frame.empty:
        raise DataImportError(
            f"Wetterdatei {path.name}: keine Tage mit plausiblen Werten (ab {since}; "
            f"{len(rejected)} unplausible Werte, {rejected_rows} Zeilen mit unmöglichem Datum)"
        )
    segments = split_at_long_gaps(frame)
    filled = pd.concat([fill_gaps(part) for part in segments])
    columns = [c for c in WEATHER_COLUMNS if c in filled and filled[c].notna().any()]
    with tenant_session(engine, tenant_id) as s, s.begin():
        tenant = session_tenant(s)
        tz = tenant_zone(tenant)
        existing = {
            o.observed_at.replace(tzinfo=dt.UTC)
            if o.observed_at.tzinfo is None
            else o.observed_at: o
            for o in s.scalars(
                select(Observation).where(
                    Observation.kind == "weather", Observation.station_id == station_id
                )
            )
        }
        created = updated = 0
        for day, row in filled.iterrows():
            values = {c: round(float(row[c]), 3) for c in columns}
            flags = [c for c in columns if bool(row.get(f"{c}_filled", False))]
            values["filled"] = flags
            if GUST_COLUMN in filled and pd.notna(row[GUST_COLUMN]):
                values[GUST_COLUMN] = round(float(row[GUST_COLUMN]), 1)  # never filled
            if day.date() in rejected_by_day:
                values["rejected"] = rejected_by_day[day.date()]
            instant = day_instant(day.date(), tz)
            obs = existing.get(instant)
            if obs is None:
                s.add(
                    Observation(
                        kind="weather",
                        station_id=station_id,
                        observed_at=instant,
                        values_json=values,
                        source=source[:120],
                    )
                )
                created += 1
            else:
                obs.values_json = values
                obs.source = source[:120]
                updated += 1
    return ImportSummary(
        file=path.name,
        station_id=station_id,
        days=len(filled),
        created=created,
        updated=updated,
        filled_days=int(filled["filled"].sum()),
        first_day=filled.index.min().date(),
        last_day=filled.index.max().date(),
        rejected_values=len(rejected),
        rejected_rows=rejected_rows,
        unfilled_gaps=len(segments) - 1,
    )


def tenant_weather_files(tenant: Tenant, data_dir: Path | None) -> list[Path]:
    """The weather files the tenant's configuration names (history first, then recent)."""
    cfg = tenant_config(tenant).weather
    names = [*cfg.history_files, *cfg.files] if cfg else []
    if not names:
        raise NotFound(
            f"Mandant „{tenant.name}“ hat keine Wetterdateien konfiguriert ([weather] files)"
        )
    return [resolve_data_file(n, data_dir) for n in names]


def import_tenant_weather(
    engine: Engine,
    tenant_id: int,
    files: Sequence[Path] = (),
    since: dt.date | None = None,
    data_dir: Path | None = None,
) -> list[ImportSummary]:
    """Import the given files, or the files of the tenant's configuration."""
    if not files:
        with tenant_session(engine, tenant_id) as s:
            tenant = session_tenant(s)
            files = tenant_weather_files(tenant, data_dir or get_settings().data_dir)
    return [import_weather_file(engine, tenant_id, Path(f), since) for f in files]


def load_weather(session: Session, tenant: Tenant) -> pd.DataFrame:
    """The tenant's daily weather from stored observations, gaps filled and flagged.

    Where stations overlap, the configured station (``[weather] station_id``) wins. A stand-in
    or history station only supplies the days the own station lacks.
    """
    rows = session.scalars(select(Observation).where(Observation.kind == "weather")).all()
    if not rows:
        raise NotFound(
            f"Für „{tenant.name}“ sind keine Wetterdaten gespeichert: zuerst "
            "„greentour import-weather“"
        )
    cfg = tenant_config(tenant).weather
    primary = cfg.station_id if cfg else None
    tz = tenant_zone(tenant)
    records = []
    for o in rows:
        at = o.observed_at if o.observed_at.tzinfo else o.observed_at.replace(tzinfo=dt.UTC)
        rec = {c: o.values_json.get(c) for c in (*WEATHER_COLUMNS, GUST_COLUMN)}
        rec["date"] = pd.Timestamp(at.astimezone(tz).date())
        rec["rank"] = 1 if o.station_id == primary else 0
        rec["stored_flags"] = tuple(o.values_json.get("filled", ()))
        records.append(rec)
    frame = pd.DataFrame(records).sort_values(["date", "rank"])
    frame = frame.drop_duplicates("date", keep="last").set_index("date")
    stored_flags = frame.pop("stored_flags")
    frame = frame.drop(columns="rank").astype(float)
    if frame[GUST_COLUMN].isna().all():
        frame = frame.drop(columns=GUST_COLUMN)
    frame.index.name = "date"
    weather = fill_gaps(frame)
    # Values filled at import time stay flagged.
    for day, flags in stored_flags.items():
        for col in flags:
            if f"{col}_filled" in weather:
                weather.loc[day, f"{col}_filled"] = True
                weather.loc[day, "filled"] = True
    return weather


def tenant_weather(
    session: Session, tenant: Tenant, as_of: dt.date, data_dir: Path | None = None
) -> tuple[pd.DataFrame, str]:
    """The daily weather for a forecast run, and where it came from.

    The observations stored by ``greentour import-weather`` (:func:`load_weather`); when none are
    stored, the files of the tenant configuration are read without storing them (history cut to
    the three years before ``as_of``; the own station wins on overlaps), so a fresh instance
    still forecasts. :class:`NotFound` when neither exists.
    """
    try:
        return load_weather(session, tenant), "gespeicherte Wetterdaten"
    except NotFound:
        pass
    cfg = tenant_config(tenant).weather
    data_dir = data_dir or get_settings().data_dir
    own = [resolve_data_file(f, data_dir) for f in (cfg.files if cfg else [])]
    if not own or not all(f.is_file() for f in own):
        raise NotFound(
            f"Für „{tenant.name}“ sind keine Wetterdaten gespeichert oder konfiguriert: "
            "zuerst „greentour import-weather“"
        )
    history = [resolve_data_file(f, data_dir) for f in (cfg.history_files if cfg else [])]
    since = pd.Timestamp(as_of - dt.timedelta(days=3 * 365))
    frames = []
    for path in [f for f in history if f.is_file()] + own:
        frame, _station, _source = read_weather_any(path)
        frames.append(frame.loc[since:])
    weather = pd.concat(frames)
    weather = weather[~weather.index.duplicated(keep="last")].sort_index()
    return fill_gaps(weather), "Wetterdateien der Mandantenkonfiguration (nicht gespeichert)"


def online_forecast(
    engine: Engine, tenant_id: int, as_of: dt.date, horizon_days: int
) -> pd.DataFrame:
    """The coming days from DWD MOSMIX via Bright Sky at the tenant's depot (needs internet;
    never called by the tests)."""
    with tenant_session(engine, tenant_id) as s:
        tenant = session_tenant(s)
        depots = tenant_config(tenant).depots
        if depots:
            lat, lon = depots[0].lat, depots[0].lon
        else:
            site = s.scalars(select(Site).limit(1)).first()
            if site is None:
                raise NotFound(
                    "Keine Position für die Wettervorhersage (kein Bauhof, keine Fläche)"
                )
            lat, lon = site.lat, site.lon
    try:
        return fetch_mosmix_daily(lat, lon, as_of, horizon_days)
    except ForecastInputError as exc:
        raise DataImportError(f"Wettervorhersage nicht abrufbar: {exc}") from exc
