"""Task types as data: read and validate data/task_types.toml, or stored TaskType rows.

A task type says what a kind of work needs and how fast it goes: equipment (machine kinds of the
Bauhof pool), qualifications, productivity **per hour of the whole default crew** (``persons``
people) in the unit of the site quantity it works on, set-up time per visit, load per unit (green
waste m³ or water l), default season and noise class (32. BImSchV). See the comments in the TOML
file for the sources of the figures. The file's schema is validated by
:mod:`greentour.task_types` (which copies it into each tenant's ``task_type`` table); this module
gives the demand side its typed view of the same file or of the stored rows.

Productivity units and the site quantity they use:

=================  ===================================================================
``m2_per_h``       site area (``Site.area_m2``) x ``params.lawn_share[category]`` (the
                   mowable share of a cemetery or playground polygon; default 1)
``m_per_h``        line length (``Site.length_m``: hedges, tree rows, verges as lines)
``trees_per_h``    number of trees (``Site.tree_count``, 1 for a single tree)
``items_per_h``    number of items (bins, play devices) from ``params.items_per_site`` by
                   site category, or the site tag ``greentour:items``
``sites_per_h``    one unit per site: the visit takes set-up + 1 / productivity hours
=================  ===================================================================
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from greentour.demand.recurrence import Season

UNITS = ("m2_per_h", "m_per_h", "trees_per_h", "items_per_h", "sites_per_h")
LOAD_KINDS = ("none", "green_waste", "water")
NOISE_CLASSES = ("none", "mower", "brush_cutter")
NOISE_ALIASES = {"lawn_mower": "mower"}
"""The catalogue's ``lawn_mower`` is the solver's ``mower`` (routing.timeaxis.NoiseClass)."""


class TaskTypeError(ValueError):
    """The task type catalogue is wrong; the message names the type and the field."""


@dataclass(frozen=True)
class TaskTypeSpec:
    """One task type (immutable, validated)."""

    code: str
    name_de: str
    name_en: str
    productivity_unit: str
    productivity: float | None
    setup_s: int
    persons: int = 2
    equipment: tuple[str, ...] = ()
    qualifications: tuple[str, ...] = ()
    load_kind: str = "none"
    load_per_unit: float = 0.0
    season: Season | None = None
    noise_class: str = "none"
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = f"task type {self.code!r}"
        if self.productivity_unit not in UNITS:
            raise TaskTypeError(f"{where}: productivity_unit must be one of {UNITS}")
        if not (self.productivity or 0) > 0:
            raise TaskTypeError(f"{where}: productivity must be a positive number")
        if self.setup_s < 0:
            raise TaskTypeError(f"{where}: setup_s must not be negative")
        if self.persons < 1:
            raise TaskTypeError(f"{where}: persons must be at least 1")
        if self.load_kind not in LOAD_KINDS:
            raise TaskTypeError(f"{where}: load_kind must be one of {LOAD_KINDS}")
        if self.noise_class not in NOISE_CLASSES:
            raise TaskTypeError(f"{where}: noise_class must be one of {NOISE_CLASSES}")

    def in_season(self, day: dt.date) -> bool:
        """True when the type's default season contains ``day`` (no season: all year)."""
        return self.season is None or self.season.contains(day)

    def quantity(self, *, area_m2: float | None, length_m: float | None,
                 tree_count: int | None, category: str, tags: Mapping[str, Any]) -> float:
        """The site quantity this type works on, in its productivity unit (see module doc)."""
        unit = self.productivity_unit
        if unit == "m2_per_h":
            share = float(self.params.get("lawn_share", {}).get(category, 1.0))
            return float(area_m2 or 0.0) * share
        if unit == "m_per_h":
            if length_m:
                return float(length_m)
            # a hedge mapped as an area: its perimeter / 2 approximates the length
            return float(self.params.get("default_length_m", 0.0))
        if unit == "trees_per_h":
            count_tag = self.params.get("count_tag")
            if count_tag and tags.get(count_tag):
                return float(tags[count_tag])
            return float(tree_count or 1)
        if unit == "items_per_h":
            if "greentour:items" in tags:
                return float(tags["greentour:items"])
            per_site = self.params.get("items_per_site", {})
            if category in per_site:
                return float(per_site[category])
            per_area = float(self.params.get("items_per_1000_m2", 0.0))
            return max(1.0, round((area_m2 or 0.0) / 1000.0 * per_area))
        return 1.0

    def load(self, quantity: float) -> tuple[float, float]:
        """(green waste m³, water l) for ``quantity`` units of work."""
        amount = quantity * self.load_per_unit
        if self.load_kind == "green_waste":
            return (round(amount, 3), 0.0)
        if self.load_kind == "water":
            return (0.0, round(amount, 1))
        return (0.0, 0.0)

    @property
    def productivity_per_person_h(self) -> float:
        """Units per person-hour: the crew's productivity divided by its ``persons``."""
        return float(self.productivity or 0.0) / self.persons


def _season(data: Mapping[str, Any], where: str) -> Season | None:
    start, end = data.get("season_start"), data.get("season_end")
    if start is None and end is None:
        return None
    if not (start and end):
        raise TaskTypeError(f"{where}: give both season_start and season_end (MM-DD)")
    try:
        return Season.parse(str(start), str(end))
    except ValueError as exc:
        raise TaskTypeError(f"{where}: {exc}") from exc


def spec_from_mapping(code: str, data: Mapping[str, Any]) -> TaskTypeSpec:
    """Build a spec from a TOML table or a TaskType row's column values."""
    where = f"task type {code!r}"
    try:
        return TaskTypeSpec(
            code=code,
            name_de=str(data["name_de"]),
            name_en=str(data.get("name_en", data["name_de"])),
            productivity_unit=str(data.get("productivity_unit", "m2_per_h")),
            productivity=(
                float(data["productivity"]) if data.get("productivity") is not None else None
            ),
            setup_s=int(data.get("setup_s", 0)),
            persons=int(data.get("persons", 2)),
            equipment=tuple(data.get("equipment", ()) or ()),
            qualifications=tuple(data.get("qualifications", ()) or ()),
            load_kind=str(data.get("load_kind", "none")),
            load_per_unit=float(data.get("load_per_unit", 0.0) or 0.0),
            season=_season(data, where),
            noise_class=NOISE_ALIASES.get(
                str(data.get("noise_class") or "none"), str(data.get("noise_class") or "none")
            ),
            params=dict(data.get("params", data.get("params_json", {})) or {}),
        )
    except KeyError as exc:
        raise TaskTypeError(f"{where}: missing field {exc.args[0]}") from exc
    except (TypeError, ValueError) as exc:
        if isinstance(exc, TaskTypeError):
            raise
        raise TaskTypeError(f"{where}: {exc}") from exc


def load_task_types(path: str | Path) -> dict[str, TaskTypeSpec]:
    """Read the catalogue: ``[task_type.<code>]`` tables (or a top-level ``[[task_type]]`` list)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TaskTypeError(f"{path.name}: cannot read task types ({exc})") from exc
    tables = data.get("task_type", data.get("task_types"))
    if tables is None:
        raise TaskTypeError(f"{path.name}: no [task_type.<code>] tables")
    if isinstance(tables, list):
        items = [(str(t.get("code", "")), t) for t in tables]
    else:
        items = list(tables.items())
    specs: dict[str, TaskTypeSpec] = {}
    for code, table in items:
        if not code:
            raise TaskTypeError(f"{path.name}: a task type without code")
        if code in specs:
            raise TaskTypeError(f"{path.name}: task type {code!r} defined twice")
        specs[code] = spec_from_mapping(code, table)
    return specs


def spec_from_row(row: Any) -> TaskTypeSpec:
    """Spec from a stored :class:`greentour.store.models.TaskType` row."""
    return spec_from_mapping(
        row.code,
        {
            "name_de": row.name_de,
            "name_en": row.name_en,
            "productivity_unit": row.productivity_unit,
            "productivity": row.productivity,
            "setup_s": row.setup_s,
            "persons": row.persons,
            "equipment": row.equipment,
            "qualifications": row.qualifications,
            "load_kind": row.load_kind,
            "load_per_unit": row.load_per_unit,
            "season_start": row.season_start,
            "season_end": row.season_end,
            "noise_class": row.noise_class,
            "params": row.params_json,
        },
    )
