"""Which inspections are due or overdue, overdue first (pure).

Per maintained site the inspection types of its category (:mod:`greentour.duty.checklists`);
the last valid record (corrections replace the record they correct) gives the due day: last day
+ interval (trees: by the FLL phase and condition recorded then). A site without any record is
listed as *never inspected in greentour* and due today, but not counted as overdue: the town's
paper records before greentour are not known here. Overdue inspections raise the urgency of the
matching planned tasks (:func:`overdue_by_task_type`, used by the demand generators).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from greentour.duty.checklists import INSPECTION_TYPES, interval_days


@dataclass(frozen=True)
class SiteRef:
    """What the overview needs of a site."""

    id: int
    name: str
    category: str
    traffic_safety: bool = False


@dataclass(frozen=True)
class LastInspection:
    """The newest valid record of a site and inspection type."""

    on: dt.date
    condition: Mapping[str, str]
    seq: int


@dataclass(frozen=True)
class DueInspection:
    """One line of the overview."""

    site_id: int
    site_name: str
    inspection_type: str
    task_type: str
    last_on: dt.date | None
    due_on: dt.date
    overdue_days: int

    @property
    def never(self) -> bool:
        """True when greentour holds no record of this inspection at this site."""
        return self.last_on is None


def applies(itype_code: str, site: SiteRef) -> bool:
    """True when the inspection type is owed at the site (clearance: flagged sites only)."""
    itype = INSPECTION_TYPES[itype_code]
    if itype_code == "tree_extra":
        return False  # by event (storm), never by interval
    if itype_code == "clearance":
        return site.traffic_safety
    return site.category in itype.categories


def due_inspections(sites: Iterable[SiteRef], last: Mapping[tuple[int, str], LastInspection],
                    today: dt.date) -> list[DueInspection]:
    """Every owed inspection with its due day; overdue first (most overdue first), then by due
    day, never-inspected last among the due ones."""
    out: list[DueInspection] = []
    for site in sites:
        for code, itype in INSPECTION_TYPES.items():
            if not applies(code, site):
                continue
            prev = last.get((site.id, code))
            if prev is None:
                out.append(DueInspection(site.id, site.name, code, itype.task_type, None, today, 0))
                continue
            days = interval_days(code, dict(prev.condition))
            due = prev.on + dt.timedelta(days=days or 0)
            out.append(DueInspection(site.id, site.name, code, itype.task_type, prev.on, due,
                                     max((today - due).days, 0)))
    out.sort(key=lambda d: (-d.overdue_days, d.never, d.due_on, d.site_name, d.inspection_type))
    return out


def overdue_by_task_type(due: Iterable[DueInspection]) -> dict[tuple[int, str], int]:
    """(site id, task type) → days overdue, for every overdue inspection."""
    out: dict[tuple[int, str], int] = {}
    for item in due:
        if item.overdue_days > 0:
            key = (item.site_id, item.task_type)
            out[key] = max(out.get(key, 0), item.overdue_days)
    return out
