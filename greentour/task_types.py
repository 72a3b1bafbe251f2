"""Task types as data: read and validate data/task_types.toml, copy them into a tenant.

The file is the catalogue; each tenant gets its own copy in the ``task_type`` table when it is
created (:func:`sync_task_types`), so tenants may tune productivity without editing the file.
Generator-specific parameters live in the free ``[task_type.params]`` table of each entry.
This module is the one loader and validator of the catalogue and of stored rows
(:func:`spec_from_row`); demand works with the same :class:`TaskTypeSpec`.

A task type says what a kind of work needs and how fast it goes: equipment (machine kinds of the
Bauhof pool), qualifications, productivity **per hour of the whole default crew** (``persons``
people) in the unit of the site quantity it works on, set-up time per visit, load per unit (green
waste m³ or water l), default season and noise class (32. BImSchV). Productivity units and the
site quantity they use (:meth:`TaskTypeSpec.quantity`):

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
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from greentour.config_io import read_toml, validate
from greentour.demand.recurrence import Season
from greentour.errors import BadInput, ConfigError, NotFound
from greentour.store.base import utcnow
from greentour.store.models import TaskType

ProductivityUnit = Literal["m2_per_h", "m_per_h", "trees_per_h", "items_per_h", "sites_per_h"]
_MMDD = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


class TaskTypeSpec(BaseModel):
    """One ``[[task_type]]`` entry of the catalogue."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)
    name_de: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    equipment: list[str] = []
    qualifications: list[str] = []
    productivity: float = Field(gt=0)
    productivity_unit: ProductivityUnit
    setup_s: int = Field(ge=0, le=4 * 3600)
    persons: int = Field(default=2, ge=1, le=8)
    load_kind: Literal["none", "green_waste", "water"] = "none"
    load_per_unit: float = Field(default=0.0, ge=0)
    season_start: str | None = None
    season_end: str | None = None
    noise_class: Literal["lawn_mower", "brush_cutter", "none"] = "none"
    params: dict[str, Any] = {}

    @field_validator("season_start", "season_end")
    @classmethod
    def _mmdd(cls, value: str | None) -> str | None:
        if value is not None and not _MMDD.match(value):
            raise ValueError(f"{value!r} ist kein Tag im Format MM-TT")
        return value

    @model_validator(mode="after")
    def _season_pair(self) -> TaskTypeSpec:
        if (self.season_start is None) != (self.season_end is None):
            raise ValueError("season_start und season_end nur gemeinsam angeben")
        return self

    @property
    def season(self) -> Season | None:
        """The default season (None: all year)."""
        if self.season_start is None or self.season_end is None:
            return None
        return Season.parse(self.season_start, self.season_end)

    def in_season(self, day: dt.date) -> bool:
        """True when the type's default season contains ``day`` (no season: all year)."""
        season = self.season
        return season is None or season.contains(day)

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
        return float(self.productivity) / self.persons


class TaskTypeCatalogue(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid")

    task_type: list[TaskTypeSpec] = Field(min_length=1)


class TaskTypeError(ValueError):
    """A stored task type is wrong; the message names the type and the field."""


def load_task_types(path: Path) -> list[TaskTypeSpec]:
    """Read and validate the catalogue; duplicate codes are refused."""
    catalogue = validate(TaskTypeCatalogue, read_toml(path), path)
    seen: set[str] = set()
    for i, spec in enumerate(catalogue.task_type):
        if spec.code in seen:
            raise ConfigError(path, f"task_type[{i}].code", f"Code {spec.code!r} doppelt")
        seen.add(spec.code)
    return catalogue.task_type


def task_types_by_code(path: Path) -> dict[str, TaskTypeSpec]:
    """The catalogue by code (:func:`load_task_types`)."""
    return {spec.code: spec for spec in load_task_types(Path(path))}


ROW_FIELDS = (
    "name_de", "name_en", "equipment", "qualifications", "productivity", "productivity_unit",
    "setup_s", "persons", "load_kind", "load_per_unit", "season_start", "season_end",
    "noise_class",
)
"""Fields copied as they are between a spec and its ``task_type`` row (plus params ↔
params_json)."""


def spec_from_row(row: TaskType) -> TaskTypeSpec:
    """The validated spec of a tenant's stored ``task_type`` row."""
    values = {name: getattr(row, name) for name in ROW_FIELDS}
    values["noise_class"] = values["noise_class"] or "none"
    try:
        return TaskTypeSpec.model_validate(
            {**values, "code": row.code, "params": dict(row.params_json or {})})
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise TaskTypeError(f"task type {row.code!r}: {where}: {first['msg']}") from None


def sync_task_types(session: Session, specs: list[TaskTypeSpec]) -> int:
    """Insert or update the tenant's task types from ``specs`` (by code); returns their number.

    ``session`` is a tenant session; types not in ``specs`` are kept (tasks may refer to them);
    types the town edited (``edited_at``) keep the town's values.
    """
    existing = {t.code: t for t in session.scalars(select(TaskType))}
    for spec in specs:
        row = existing.get(spec.code) or TaskType(code=spec.code)
        if row.edited_at is not None:
            continue
        for name in ROW_FIELDS:
            value = getattr(spec, name)
            setattr(row, name, list(value) if isinstance(value, list) else value)
        row.params_json = dict(spec.params)
        session.add(row)
    session.flush()
    return len(specs)


#: What the town may change of a task type in the UI.
EDITABLE_FIELDS = ("productivity", "setup_s", "persons", "season_start", "season_end")


def update_task_type(session: Session, code: str, values: dict[str, Any]) -> TaskType:
    """Change the town's own copy of a task type (:data:`EDITABLE_FIELDS`), checked like the
    catalogue file; :class:`BadInput` naming the field, nothing written on an error."""
    row = session.scalar(select(TaskType).where(TaskType.code == code))
    if row is None:
        raise NotFound(f"Aufgabenart „{code}“ gibt es nicht")
    changed = {k: v for k, v in values.items() if k in EDITABLE_FIELDS}
    current = spec_from_row(row).model_dump()
    try:
        spec = TaskTypeSpec.model_validate({**current, **changed})
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "Saison"
        raise BadInput(f"Aufgabenart „{code}“: {where}: {first['msg']}") from None
    for name in EDITABLE_FIELDS:
        setattr(row, name, getattr(spec, name))
    row.edited_at = utcnow()
    session.flush()
    return row


def catalogue_toml(session: Session, town_name: str) -> str:
    """The town's task types as a catalogue TOML file (the format of data/task_types.toml)."""
    rows = session.scalars(select(TaskType).order_by(TaskType.id))
    entries = [spec_from_row(r).model_dump(exclude_none=True) for r in rows]
    head = (f"# Aufgabenkatalog von {town_name}, exportiert aus greentour "
            "(Format: data/task_types.toml)\n\n")
    return head + tomli_w.dumps({"task_type": entries})


def task_type_rows(session: Session) -> list[tuple[TaskTypeSpec, bool]]:
    """The town's task types with whether the town edited them (admin page)."""
    rows = session.scalars(select(TaskType).order_by(TaskType.id))
    return [(spec_from_row(r), r.edited_at is not None) for r in rows]
