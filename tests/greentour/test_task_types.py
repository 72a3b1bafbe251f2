"""Task types as data: the catalogue loads, bad entries are refused, types are copied per tenant."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from greentour.errors import ConfigError
from greentour.settings import REPO_ROOT
from greentour.store import tenant_session
from greentour.store.models import TaskType
from greentour.task_types import load_task_types, sync_task_types

CATALOGUE = REPO_ROOT / "data" / "task_types.toml"


def test_catalogue_has_the_core_kinds_of_work() -> None:
    """The shipped catalogue holds mowing, hedges, watering, inspections with sane figures."""
    specs = {s.code: s for s in load_task_types(CATALOGUE)}
    assert {"mow", "hedge_cut", "water_trees", "inspect_playground", "inspect_trees"} <= set(specs)
    assert specs["water_trees"].load_kind == "water"
    assert specs["inspect_playground"].qualifications == ["playground_inspector"]
    assert specs["hedge_cut"].noise_class == "brush_cutter"
    assert all(s.productivity > 0 for s in specs.values())


def test_duplicate_code_and_bad_season_refused(tmp_path: Path) -> None:
    """A duplicated code or a season day that is not MM-DD is refused with its key."""
    text = CATALOGUE.read_text(encoding="utf-8")
    dup = tmp_path / "dup.toml"
    dup.write_text(text.replace('code = "mow_wide"', 'code = "mow"'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"task_type\[1\]\.code.*doppelt"):
        load_task_types(dup)
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('season_start = "03-15"', 'season_start = "15.03."', 1),
                   encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_task_types(bad)
    assert info.value.key == "task_type[0] (mow).season_start"


def test_sync_upserts_per_tenant(engine: Engine, make_tenant) -> None:
    """Syncing twice keeps one row per code; each tenant gets its own copy."""
    specs = load_task_types(CATALOGUE)
    a, b = make_tenant("a"), make_tenant("b")
    for tenant_id in (a.id, a.id, b.id):
        with tenant_session(engine, tenant_id) as s, s.begin():
            sync_task_types(s, specs)
    with tenant_session(engine, a.id) as s:
        codes = s.scalars(select(TaskType.code)).all()
    assert sorted(codes) == sorted(spec.code for spec in specs)
