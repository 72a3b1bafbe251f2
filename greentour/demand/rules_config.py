"""Read the tenant's cycle rules (data/cycles_<town>.toml) and deadlines (events_<town>.toml).

Both files select sites with a ``sites`` table whose keys are AND-ed and whose lists are OR-ed:

=================  ==============================================================
``categories``     site categories (``playground``, ``cemetery``, ``park``, ...)
``care_classes``   effective care classes (``ornamental``, ``utility``, ...)
``names``          exact site names (``"Salvator-Friedhof"``)
``osm``            OSM ids as ``"way/23081830"``
``tags``           tag values that must all be present (``{ leisure = "pitch" }``)
``min_area_m2``    only sites at least this large
``min_trees``      only sites with at least this many trees (``Site.tree_count``)
``traffic_safety`` only sites flagged (true) / not flagged (false) by the clearance screening
=================  ==============================================================
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from greentour.demand.calendars import CalendarError, parse_hhmm, parse_weekdays
from greentour.demand.model import SiteInfo
from greentour.demand.recurrence import CycleRule, RecurrenceError, Season, rule_from_mapping


class RulesConfigError(ValueError):
    """A cycle or event file is wrong; the message names the file, entry and field."""


@dataclass(frozen=True)
class SiteSelector:
    """Which sites an entry applies to (see module doc)."""

    categories: frozenset[str] = frozenset()
    care_classes: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    osm: frozenset[str] = frozenset()
    tags: Mapping[str, str] = field(default_factory=dict)
    min_area_m2: float = 0.0
    traffic_safety: bool | None = None
    min_trees: int = 0

    def matches(self, site: SiteInfo) -> bool:
        """True when the site passes every given criterion."""
        if self.categories and site.category not in self.categories:
            return False
        if self.care_classes and site.effective_care_class not in self.care_classes:
            return False
        if self.names and site.name not in self.names:
            return False
        if self.osm:
            ref = f"{site.tags.get('osm_type', '')}/{site.tags.get('osm_id', '')}"
            if ref not in self.osm:
                return False
        for key, value in self.tags.items():
            if str(site.tags.get(key)) != str(value):
                return False
        if self.min_trees and (site.tree_count or 0) < self.min_trees:
            return False
        if self.traffic_safety is not None and site.traffic_safety != self.traffic_safety:
            return False
        return not (self.min_area_m2 and (site.area_m2 or 0.0) < self.min_area_m2)


def selector_from_mapping(data: Mapping[str, Any] | None) -> SiteSelector:
    """Build a selector from a TOML table."""
    data = data or {}
    unknown = set(data) - {"categories", "care_classes", "names", "osm", "tags", "min_area_m2",
                           "traffic_safety", "min_trees"}
    if unknown:
        raise RulesConfigError(f"unknown site selector key(s) {sorted(unknown)}")
    return SiteSelector(
        categories=frozenset(data.get("categories", ())),
        care_classes=frozenset(data.get("care_classes", ())),
        names=frozenset(data.get("names", ())),
        osm=frozenset(data.get("osm", ())),
        tags=dict(data.get("tags", {})),
        min_area_m2=float(data.get("min_area_m2", 0.0)),
        traffic_safety=(bool(data["traffic_safety"]) if "traffic_safety" in data else None),
        min_trees=int(data.get("min_trees", 0)),
    )


@dataclass(frozen=True)
class CycleEntry:
    """One recurring duty: a task type at selected sites on a rule."""

    name: str
    task_type: str
    sites: SiteSelector
    rule: CycleRule
    urgency: float = 0.6
    reference: str = ""
    """The norm or agreement behind the cycle (``DIN EN 1176-7``)."""


@dataclass(frozen=True)
class EventEntry:
    """A deadline: the task types at the selected sites must be done by ``date``(s)."""

    name: str
    task_types: tuple[str, ...]
    sites: SiteSelector
    by: str | None = None
    """``YYYY-MM-DD`` once, or ``MM-DD`` every year."""
    rule: CycleRule | None = None
    """Alternatively a recurrence giving the event dates (a match every Saturday)."""
    lead_days: int = 7
    done_days_before: int = 0
    urgency: float = 0.9

    def deadlines(self, start: dt.date, end: dt.date, land: str) -> list[dt.date]:
        """The dates by which the work must be done whose window meets [start, end]."""
        out: list[dt.date] = []
        lo = start - dt.timedelta(days=self.done_days_before)
        hi = end + dt.timedelta(days=self.lead_days + self.done_days_before)
        if self.rule is not None:
            events = [d for d, _ in self.rule.occurrences(lo, hi, land)]
        elif self.by and len(self.by) == 5:
            events = []
            for year in range(lo.year, hi.year + 1):
                month, day = int(self.by[:2]), int(self.by[3:])
                events.append(dt.date(year, month, day))
        else:
            events = [dt.date.fromisoformat(str(self.by))]
        for event in events:
            done_by = event - dt.timedelta(days=self.done_days_before)
            window_start = done_by - dt.timedelta(days=self.lead_days)
            if window_start <= end and done_by >= start:
                out.append(done_by)
        return sorted(set(out))


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RulesConfigError(f"{path.name}: cannot read ({exc})") from exc


def _entries(path: Path, section: str, build: Callable[[int, dict[str, Any]], Any]) -> list[Any]:
    """Build one record per ``[[section]]`` entry; any error names the file and the entry."""
    out = []
    for i, entry in enumerate(_read(path).get(section, [])):
        where = f"{path.name}: {section} {entry.get('name', i + 1)!r}"
        try:
            out.append(build(i, entry))
        except KeyError as exc:
            raise RulesConfigError(f"{where}: missing field {exc.args[0]}") from exc
        except (RecurrenceError, RulesConfigError, ValueError, TypeError) as exc:
            raise RulesConfigError(f"{where}: {exc}") from exc
    return out


def cycle_from_mapping(entry: Mapping[str, Any],
                       default_seasons: Mapping[str, Season | None] | None = None) -> CycleEntry:
    """One ``[[cycle]]`` table (or a stored cycle record) as a :class:`CycleEntry`; a rule
    without season inherits the task type's season."""
    rule_data = dict(entry.get("rule", {}))
    rule = rule_from_mapping(rule_data)
    if "season" not in rule_data and default_seasons:
        season = default_seasons.get(entry["task_type"])
        if season is not None:
            rule = CycleRule(**{**rule.__dict__, "season": season})
    return CycleEntry(
        name=str(entry.get("name", entry["task_type"])),
        task_type=str(entry["task_type"]),
        sites=selector_from_mapping(entry.get("sites")),
        rule=rule,
        urgency=float(entry.get("urgency", 0.6)),
        reference=str(entry.get("reference", "")),
    )


def load_cycles(path: str | Path, default_seasons: Mapping[str, Season | None] | None = None
                ) -> list[CycleEntry]:
    """Read ``[[cycle]]`` entries; a rule without season inherits the task type's season."""
    return _entries(Path(path), "cycle", lambda _i, entry: cycle_from_mapping(entry,
                                                                              default_seasons))


def read_cycle_tables(path: str | Path) -> list[dict[str, Any]]:
    """The raw ``[[cycle]]`` tables of a file, each checked by :func:`cycle_from_mapping`."""
    tables = list(_read(Path(path)).get("cycle", []))
    load_cycles(path)
    return tables


def load_events(path: str | Path) -> list[EventEntry]:
    """Read ``[[event]]`` entries of the deadline calendar."""

    def build(i: int, entry: dict[str, Any]) -> EventEntry:
        rule = rule_from_mapping(dict(entry["rule"])) if "rule" in entry else None
        by = entry.get("by")
        if by is not None:
            by = str(by)
            if len(by) == 5:
                dt.date(2024, int(by[:2]), int(by[3:]))
            else:
                dt.date.fromisoformat(by)
        if rule is None and by is None:
            raise RulesConfigError("give either by (date) or rule (recurrence)")
        types = entry["task_types"]
        return EventEntry(
            name=str(entry.get("name", f"event {i + 1}")),
            task_types=tuple(types if isinstance(types, list) else [types]),
            sites=selector_from_mapping(entry.get("sites")),
            by=by,
            rule=rule,
            lead_days=int(entry.get("lead_days", 7)),
            done_days_before=int(entry.get("done_days_before", 0)),
            urgency=float(entry.get("urgency", 0.9)),
        )

    return _entries(Path(path), "event", build)


def select_sites(sites: Sequence[SiteInfo], selector: SiteSelector) -> list[SiteInfo]:
    """Maintained sites matching the selector (candidates and others' sites never get work)."""
    return [s for s in sites if s.maintained and selector.matches(s)]


@dataclass(frozen=True)
class SiteRuleEntry:
    """A time rule to store at every selected site (see data/site_rules_<town>.toml)."""

    sites: SiteSelector
    kind: str
    weekdays: tuple[int, ...]
    """ISO weekdays 1=Monday .. 7=Sunday."""
    start: dt.time
    end: dt.time
    reason: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


def load_site_rules(path: str | Path) -> list[SiteRuleEntry]:
    """Read ``[[rule]]`` entries; times and weekdays are checked like the calendar's."""
    path = Path(path)
    out = []
    for i, entry in enumerate(_read(path).get("rule", [])):
        where = f"{path.name}: rule {i + 1}"
        try:
            kind = str(entry.get("kind", "blocked"))
            if kind not in ("blocked", "allowed"):
                raise RulesConfigError("kind must be blocked or allowed")
            start, end = parse_hhmm(entry["start"]), parse_hhmm(entry["end"])
            if not start < end:
                raise RulesConfigError(f"start {entry['start']} must be before end {entry['end']}")
            days = sorted(d + 1 for d in parse_weekdays(entry.get("weekdays", "MO-SU")))
            out.append(SiteRuleEntry(
                sites=selector_from_mapping(entry.get("sites")), kind=kind,
                weekdays=tuple(days),
                start=dt.time(start // 60, start % 60),
                end=dt.time(0, 0) if end == 24 * 60 else dt.time(end // 60, end % 60),
                reason=str(entry["reason"]),
                valid_from=(dt.date.fromisoformat(str(entry["valid_from"]))
                            if entry.get("valid_from") else None),
                valid_to=(dt.date.fromisoformat(str(entry["valid_to"]))
                          if entry.get("valid_to") else None),
            ))
        except KeyError as exc:
            raise RulesConfigError(f"{where}: missing field {exc.args[0]}") from exc
        except (CalendarError, RulesConfigError, ValueError, TypeError) as exc:
            raise RulesConfigError(f"{where}: {exc}") from exc
    return out
