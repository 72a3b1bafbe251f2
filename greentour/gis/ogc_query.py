"""Query parameters of OGC API - Features Part 1 Core: limit, offset, bbox, datetime.

Pure parsing and filtering, no HTTP: errors are :class:`greentour.errors.BadInput` (HTTP 400)
with a message naming the parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import shapely

from greentour.errors import BadInput
from greentour.gis.records import Feature, LayerSpec
from greentour.input_checks import DAY_MAX, DAY_MIN

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
#: ``crs`` and ``bbox-crs`` (Part 2) are accepted with the only CRS offered, CRS84: GDAL and QGIS
#: send them when a collection lists its ``crs``.
ITEMS_PARAMS = frozenset({"limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "f"})
ITEM_PARAMS = frozenset({"crs", "f"})
FORMATS = ("json", "geojson")


@dataclass(frozen=True)
class ItemsQuery:
    """A parsed items request: page (limit after clamping, offset), bbox in CRS84 and a
    closed-or-open time interval (None ends are open)."""

    limit: int
    offset: int
    bbox: tuple[float, float, float, float] | None
    start: dt.datetime | None
    end: dt.datetime | None
    has_datetime: bool
    limit_clamped: bool


def check_known(args: Mapping[str, Sequence[str]], allowed: frozenset[str]) -> None:
    """Refuse parameters outside ``allowed`` (OGC API Features /req/core/query-param-unknown)."""
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise BadInput(
            f"Unbekannte Abfrageparameter: {', '.join(unknown)}; "
            f"erlaubt sind {', '.join(sorted(allowed))}"
        )
    for name, values in args.items():
        if len(values) > 1:
            raise BadInput(f"Parameter {name} ist mehrfach angegeben")
    for name in ("crs", "bbox-crs"):
        value = _one(args, name)
        if value is not None and value != CRS84:
            raise BadInput(f"{name} {value} wird nicht unterstützt; nur {CRS84}")
    fmt = _one(args, "f")
    if fmt is not None and fmt not in FORMATS:
        raise BadInput(f"f={fmt} wird nicht angeboten; möglich: {', '.join(FORMATS)}")


def _one(args: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = args.get(name)
    return values[0] if values else None


def parse_items_query(
    args: Mapping[str, Sequence[str]], tz: str, max_limit: int = MAX_LIMIT,
    default_limit: int = DEFAULT_LIMIT,
) -> ItemsQuery:
    """Parse an items request's parameters; a limit above ``max_limit`` is clamped, not refused."""
    check_known(args, ITEMS_PARAMS)
    limit, clamped = default_limit, False
    raw = _one(args, "limit")
    if raw is not None:
        limit = _int(raw, "limit")
        if limit < 1:
            raise BadInput("limit muss mindestens 1 sein")
        if limit > max_limit:
            limit, clamped = max_limit, True
    offset = 0
    raw = _one(args, "offset")
    if raw is not None:
        offset = _int(raw, "offset")
        if offset < 0:
            raise BadInput("offset darf nicht negativ sein")
    bbox = _bbox(_one(args, "bbox"))
    raw_dt = _one(args, "datetime")
    start, end = parse_datetime(raw_dt, ZoneInfo(tz)) if raw_dt is not None else (None, None)
    return ItemsQuery(limit, offset, bbox, start, end, raw_dt is not None, clamped)


def _int(raw: str, name: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise BadInput(f"{name} muss eine ganze Zahl sein, nicht „{raw}“") from None


def _bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    if raw is None:
        return None
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        raise BadInput(f"bbox „{raw}“: vier Zahlen lon,lat,lon,lat erwartet") from None
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4:
        raise BadInput(f"bbox „{raw}“: vier (oder sechs) Zahlen erwartet")
    minx, miny, maxx, maxy = values
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise BadInput(f"bbox „{raw}“: Längen in -180..180, Breiten in -90..90 (CRS84)")
    if minx > maxx:
        raise BadInput(f"bbox „{raw}“: über die Datumsgrenze wird nicht gesucht")
    return minx, miny, maxx, maxy


def _instant(text: str, tz: ZoneInfo, end: bool) -> dt.datetime | None:
    if text in ("", ".."):
        return None
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            _check_year(text, day)
            start = dt.datetime.combine(day, dt.time(0), tz)
            return start + dt.timedelta(days=1) if end else start
        # an unencoded "+01:00" arrives as " 01:00": read it as the offset it was meant to be
        value = dt.datetime.fromisoformat(text.replace("z", "Z").replace(" ", "+"))
    except ValueError:
        raise BadInput(
            f"datetime „{text}“ ist kein RFC-3339-Zeitpunkt (z. B. 2026-06-01T07:00:00Z)"
        ) from None
    _check_year(text, value.date())
    return value if value.tzinfo else value.replace(tzinfo=tz)


def _check_year(text: str, day: dt.date) -> None:
    if not DAY_MIN <= day <= DAY_MAX:
        raise BadInput(
            f"datetime „{text}“ liegt außerhalb von {DAY_MIN.year}–{DAY_MAX.year}"
        )


def parse_datetime(raw: str, tz: ZoneInfo) -> tuple[dt.datetime | None, dt.datetime | None]:
    """An instant, a date, or an interval ``a/b`` with ``..`` for an open end (RFC 3339).

    A date means the whole local day; times without offset are read in the tenant's zone."""
    if "/" in raw:
        first, second = raw.split("/", 1)
        start, end = _instant(first, tz, False), _instant(second, tz, True)
        if start is None and end is None:
            raise BadInput("datetime: mindestens ein Ende des Intervalls angeben")
        if start and end and start > end:
            raise BadInput(f"datetime „{raw}“: Beginn liegt nach dem Ende")
        return start, end
    start = _instant(raw, tz, False)
    if start is None:
        raise BadInput("datetime: leerer Wert")
    return start, _instant(raw, tz, True) if len(raw) == 10 else start


def feature_interval(
    spec: LayerSpec, feature: Feature, tz: ZoneInfo
) -> tuple[dt.datetime, dt.datetime] | None:
    """The time a feature covers: tours start..end, stops ETA..service end, unassigned the due
    window (whole local days); None for layers without time (sites)."""
    p = feature.properties
    if spec.id == "tours" and p["start_at"]:
        return p["start_at"], p["end_at"] or p["start_at"]
    if spec.id == "stops" and p["eta"]:
        return p["eta"], p["service_end"] or p["eta"]
    if spec.id == "unassigned" and p["due_from"]:
        start = dt.datetime.combine(p["due_from"], dt.time(0), tz)
        end = dt.datetime.combine(p["due_by"] or p["due_from"], dt.time(0), tz)
        return start, end + dt.timedelta(days=1)
    return None


def has_time(spec: LayerSpec) -> bool:
    """Whether a collection supports the datetime parameter."""
    return spec.id in ("tours", "stops", "unassigned")


def filter_features(
    spec: LayerSpec, features: Sequence[Feature], query: ItemsQuery, tz: str
) -> list[Feature]:
    """Features matching the query's bbox and datetime, in stable id order."""
    zone = ZoneInfo(tz)
    selected = sorted(features, key=lambda f: f.fid)
    if query.bbox is not None:
        box = shapely.box(*query.bbox)
        geoms = [f.geometry for f in selected]
        hits = shapely.intersects(geoms, box)
        selected = [f for f, hit in zip(selected, hits, strict=True) if hit]
    if query.has_datetime:
        if not has_time(spec):
            raise BadInput(f"Die Sammlung {spec.id} hat keine Zeitangaben; datetime weglassen")
        kept = []
        for feature in selected:
            span = feature_interval(spec, feature, zone)
            if span is None:
                continue
            if query.end is not None and span[0] > query.end:
                continue
            if query.start is not None and span[1] < query.start:
                continue
            kept.append(feature)
        selected = kept
    return selected
