"""The ``cycle`` generator: recurring duties from rules with a season and a holiday policy.

Bins and litter Mon/Thu April-October, weekly visual / monthly operational / annual main playground
inspections (DIN EN 1176-7), FLL tree inspections. One task per selected site and occurrence; the
due window is the occurrence date plus the rule's ``window_days``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from greentour.demand.generators import GeneratorContext
from greentour.demand.model import DemandTask, SiteInfo
from greentour.demand.rules_config import CycleEntry, select_sites


def generate_cycle_tasks(
    sites: Sequence[SiteInfo],
    entries: Sequence[CycleEntry],
    start: dt.date,
    end: dt.date,
    ctx: GeneratorContext,
) -> list[DemandTask]:
    """Tasks of all cycle entries whose (holiday-moved) due date lies in [start, end]."""
    out: list[DemandTask] = []
    for entry in entries:
        ctx.spec(entry.task_type)  # unknown type -> clear error even without matching sites
        chosen = select_sites(sites, entry.sites)
        if not chosen:
            continue
        windows = entry.rule.occurrences(start, end, ctx.land)
        for earliest, latest in windows:
            for site in chosen:
                note = f"Zyklus „{entry.name}“"
                note_en = f"Recurring duty of the town (schedule “{entry.name}”)"
                if entry.reference:
                    note += f" ({entry.reference})"
                    note_en += f"; basis: {entry.reference}"
                task = ctx.task(site, entry.task_type, "cycle", (earliest, latest),
                                entry.urgency, note, explanation_en=note_en)
                out.append(task.with_(key=f"cycle:{entry.name}:{site.id}:{earliest}"))
    return out
