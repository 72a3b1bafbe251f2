"""The ``deadline`` generator: work that must be done by a date (events calendar).

The cemetery before All Saints' Day (Allerheiligen, 1 November), the pitch before Saturday's match,
the market square before the town festival. The due window runs from ``lead_days`` before the
done-by date to the done-by date; urgency rises as the window closes (from the entry's urgency
minus 0.2 at the window start to the entry's urgency at its end, measured at ``as_of``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from greentour.demand.generators import GeneratorContext
from greentour.demand.model import DemandTask, SiteInfo
from greentour.demand.rules_config import EventEntry, select_sites


def generate_deadline_tasks(
    sites: Sequence[SiteInfo],
    events: Sequence[EventEntry],
    start: dt.date,
    end: dt.date,
    ctx: GeneratorContext,
    as_of: dt.date | None = None,
) -> list[DemandTask]:
    """Tasks of every event whose due window meets [start, end]."""
    as_of = as_of or start
    out: list[DemandTask] = []
    for event in events:
        for code in event.task_types:
            ctx.spec(code)
        chosen = select_sites(sites, event.sites)
        for done_by in event.deadlines(start, end, ctx.land):
            earliest = done_by - dt.timedelta(days=event.lead_days)
            span = max((done_by - earliest).days, 1)
            progress = min(max((as_of - earliest).days / span, 0.0), 1.0)
            urgency = event.urgency - 0.2 * (1.0 - progress)
            for site in chosen:
                for code in event.task_types:
                    if not ctx.spec(code).in_season(done_by) and code.startswith("hedge_hard"):
                        continue  # BNatSchG §39: no hard cut outside October-February
                    note = f"Termin „{event.name}“: fertig bis {done_by:%d.%m.%Y}"
                    note_en = f"Deadline “{event.name}”: done by {done_by:%d/%m/%Y}"
                    task = ctx.task(site, code, "deadline", (earliest, done_by), urgency, note,
                                    explanation_en=note_en)
                    out.append(task.with_(key=f"deadline:{event.name}:{code}:{site.id}:{done_by}"))
    return out
