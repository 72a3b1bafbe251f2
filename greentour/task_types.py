"""Task types as data: read and validate data/task_types.toml, copy them into a tenant.

The file is the catalogue; each tenant gets its own copy in the ``task_type`` table when it is
created (:func:`sync_task_types`), so tenants may tune productivity without editing the file.
Generator-specific parameters live in the free ``[task_type.params]`` table of each entry.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from greentour.config_io import read_toml, validate
from greentour.errors import ConfigError
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


class TaskTypeCatalogue(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid")

    task_type: list[TaskTypeSpec] = Field(min_length=1)


def load_task_types(path: Path) -> list[TaskTypeSpec]:
    """Read and validate the catalogue; duplicate codes are refused."""
    catalogue = validate(TaskTypeCatalogue, read_toml(path), path)
    seen: set[str] = set()
    for i, spec in enumerate(catalogue.task_type):
        if spec.code in seen:
            raise ConfigError(path, f"task_type[{i}].code", f"Code {spec.code!r} doppelt")
        seen.add(spec.code)
    return catalogue.task_type


def sync_task_types(session: Session, specs: list[TaskTypeSpec]) -> int:
    """Insert or update the tenant's task types from ``specs`` (by code); returns their number.

    ``session`` is a tenant session; types not in ``specs`` are kept (tasks may refer to them).
    """
    existing = {t.code: t for t in session.scalars(select(TaskType))}
    for spec in specs:
        row = existing.get(spec.code) or TaskType(code=spec.code)
        row.name_de = spec.name_de
        row.name_en = spec.name_en
        row.equipment = list(spec.equipment)
        row.qualifications = list(spec.qualifications)
        row.productivity = spec.productivity
        row.productivity_unit = spec.productivity_unit
        row.setup_s = spec.setup_s
        row.persons = spec.persons
        row.load_kind = spec.load_kind
        row.load_per_unit = spec.load_per_unit
        row.season_start = spec.season_start
        row.season_end = spec.season_end
        row.noise_class = spec.noise_class
        row.params_json = dict(spec.params)
        session.add(row)
    session.flush()
    return len(specs)
