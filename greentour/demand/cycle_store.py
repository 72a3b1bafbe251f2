"""The town's own cycles (table ``tenant_cycle``): seeded from TOML, edited, exported to TOML.

A town set up with ``greentour tenant create`` gets the national default
(``data/cycles_default.toml``: bins, DIN EN 1176-7 visual/operational/annual playground
inspections, FLL tree inspections, traffic-safety cuts of hedges and trees, leaves) copied into
its records, unless the repository holds its own ``data/cycles_<slug>.toml`` (the Lauf sample).
Demand reads the records (:func:`stored_cycles`); a tenant without any record (created before
this table existed) still reads its repository file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from greentour.demand.recurrence import RecurrenceError, Season
from greentour.demand.rules_config import (
    CycleEntry,
    RulesConfigError,
    cycle_from_mapping,
    read_cycle_tables,
)
from greentour.errors import BadInput, NotFound
from greentour.settings import REPO_ROOT
from greentour.store.base import utcnow
from greentour.store.models_demand import TenantCycle

DEFAULT_CYCLES_FILE = REPO_ROOT / "data" / "cycles_default.toml"
"""The national default every new town starts from."""

FIELDS = ("name", "task_type", "sites", "rule", "urgency", "reference")


def cycles_source_for(slug: str) -> Path:
    """``data/cycles_<slug>.toml`` when the repository has one for the town, else the default."""
    own = REPO_ROOT / "data" / f"cycles_{slug}.toml"
    return own if own.is_file() else DEFAULT_CYCLES_FILE


def _table(row: TenantCycle) -> dict[str, Any]:
    table: dict[str, Any] = {"name": row.name, "task_type": row.task_type}
    if row.sites_json:
        table["sites"] = row.sites_json
    table["urgency"] = row.urgency
    if row.reference:
        table["reference"] = row.reference
    table["rule"] = row.rule_json
    if not row.active:
        table["active"] = False
    return table


def check_cycle(table: Mapping[str, Any], known_types: set[str] | None = None) -> CycleEntry:
    """A cycle table as a :class:`CycleEntry`; :class:`BadInput` naming the cycle and the reason."""
    where = f"Zyklus „{table.get('name') or table.get('task_type') or '?'}“"
    if not str(table.get("name", "")).strip():
        raise BadInput(f"{where}: Name fehlt")
    if known_types is not None and table.get("task_type") not in known_types:
        raise BadInput(f"{where}: Aufgabenart {table.get('task_type')!r} unbekannt")
    try:
        return cycle_from_mapping(table)
    except KeyError as exc:
        raise BadInput(f"{where}: Feld {exc.args[0]} fehlt") from None
    except (RecurrenceError, RulesConfigError, ValueError, TypeError) as exc:
        raise BadInput(f"{where}: {exc}") from None


def replace_cycles(session: Session, tables: list[Mapping[str, Any]], source: str) -> int:
    """Replace all of the tenant's cycles by ``tables`` (each checked first); returns the count."""
    entries = [check_cycle(t) for t in tables]
    names = [e.name for e in entries]
    doubles = sorted({n for n in names if names.count(n) > 1})
    if doubles:
        raise BadInput(f"Zyklus „{doubles[0]}“ kommt doppelt vor")
    for row in session.scalars(select(TenantCycle)):
        session.delete(row)
    session.flush()
    for i, table in enumerate(tables):
        session.add(TenantCycle(
            position=i,
            name=str(table["name"]),
            task_type=str(table["task_type"]),
            sites_json=dict(table.get("sites") or {}),
            rule_json=dict(table.get("rule") or {}),
            urgency=float(table.get("urgency", 0.6)),
            reference=str(table.get("reference", "")),
            active=bool(table.get("active", True)),
            source=source[:120],
        ))
    session.flush()
    return len(tables)


def import_cycles_file(session: Session, path: Path) -> int:
    """Replace the tenant's cycles by the ``[[cycle]]`` entries of a TOML file."""
    try:
        tables = read_cycle_tables(path)
    except RulesConfigError as exc:
        raise BadInput(f"Zyklen-Datei: {exc}") from None
    return replace_cycles(session, tables, path.name)


def seed_cycles(session: Session, slug: str) -> int:
    """Copy the town's repository file or the national default into a tenant that has no cycles
    yet; returns the number copied (0: the tenant already has its own)."""
    if session.scalar(select(func.count()).select_from(TenantCycle)):
        return 0
    return import_cycles_file(session, cycles_source_for(slug))


def has_cycles(session: Session) -> bool:
    """True when the tenant keeps its cycles in the database."""
    return bool(session.scalar(select(func.count()).select_from(TenantCycle)))


def stored_cycles(session: Session, default_seasons: Mapping[str, Season | None] | None = None
                  ) -> list[CycleEntry]:
    """The tenant's active cycles as :class:`CycleEntry` (demand's cycle generator input)."""
    rows = session.scalars(select(TenantCycle).where(TenantCycle.active.is_(True))
                           .order_by(TenantCycle.position, TenantCycle.id))
    return [cycle_from_mapping(_table(row), default_seasons) for row in rows]


def cycle_rows(session: Session) -> list[dict[str, Any]]:
    """Every cycle of the tenant (active or not) as a table with its id, for the UI."""
    rows = session.scalars(select(TenantCycle).order_by(TenantCycle.position, TenantCycle.id))
    return [{"id": row.id, "active": row.active, "source": row.source, **_table(row)}
            for row in rows]


def update_cycle(session: Session, cycle_id: int, table: Mapping[str, Any]) -> TenantCycle:
    """Change one cycle (name, task type, sites, rule, urgency, reference, active), checked
    before anything is written."""
    row = session.get(TenantCycle, cycle_id)
    if row is None:
        raise NotFound(f"Zyklus #{cycle_id} gibt es nicht")
    merged = {**_table(row), **{k: v for k, v in table.items() if k in FIELDS + ("active",)}}
    check_cycle(merged)
    other = session.scalar(select(TenantCycle).where(TenantCycle.name == merged["name"],
                                                     TenantCycle.id != cycle_id))
    if other is not None:
        raise BadInput(f"Zyklus „{merged['name']}“ gibt es schon")
    row.name, row.task_type = str(merged["name"]), str(merged["task_type"])
    row.sites_json, row.rule_json = dict(merged.get("sites") or {}), dict(merged["rule"])
    row.urgency, row.reference = float(merged["urgency"]), str(merged.get("reference", ""))
    row.active = bool(merged.get("active", True))
    row.source, row.updated_at = "UI", utcnow()
    session.flush()
    return row


def cycles_toml(session: Session, town_name: str) -> str:
    """The tenant's cycles as a cycles TOML file (the format of data/cycles_default.toml)."""
    rows = session.scalars(select(TenantCycle).order_by(TenantCycle.position, TenantCycle.id))
    head = (f"# Zyklen von {town_name}, exportiert aus greentour (Format: data/cycles_default.toml)"
            "\n\n")
    return head + tomli_w.dumps({"cycle": [_table(r) for r in rows]})
