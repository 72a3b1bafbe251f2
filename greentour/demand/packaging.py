"""Work packages of generated tasks: group small neighbouring lawns, split what exceeds a shift.

Store-free: takes :class:`~greentour.demand.model.DemandTask` objects and the generator context,
returns new ones. The geometry and arithmetic are in :mod:`greentour.demand.packages`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence

from greentour.demand.capacity import workdays
from greentour.demand.durations import DurationEstimate
from greentour.demand.generators import GeneratorContext
from greentour.demand.model import DemandTask, SiteInfo
from greentour.demand.packages import Lawn, group_lawns, split_task
from greentour.task_types import TaskTypeSpec
from greentour.tenant_config import DemandSection as DemandSettings

MOW_TYPES = re.compile(r"^mow(_|$)")
__all__ = ["DemandSettings", "group_small_lawns", "split_long_tasks"]


def _variable_s(task: DemandTask, spec: TaskTypeSpec) -> int:
    return max(0, task.duration_s - spec.setup_s)


def group_small_lawns(
    tasks: Sequence[DemandTask], sites: dict[int, SiteInfo], ctx: GeneratorContext,
    settings: DemandSettings,
) -> list[DemandTask]:
    """Merge small mowing tasks within walking distance whose due windows overlap."""
    keep: list[DemandTask] = []
    buckets: dict[tuple[str, str], list[DemandTask]] = defaultdict(list)
    for task in tasks:
        site = sites.get(task.site_id)
        if (MOW_TYPES.match(task.task_type) and task.generator in ("forecast", "cycle")
                and site is not None and (site.area_m2 or 0) < settings.small_lawn_area_m2):
            buckets[(task.generator, task.task_type)].append(task)
        else:
            keep.append(task)
    for (_generator, code), members in sorted(buckets.items()):
        spec = ctx.spec(code)
        by_site = {t.site_id: t for t in members}
        lawns = [Lawn(t.site_id, sites[t.site_id].geometry, _variable_s(t, spec), t.quantity)
                 for t in members]
        groups = group_lawns(lawns, setup_s=spec.setup_s,
                             walk_distance_m=settings.walk_distance_m,
                             detour_factor=settings.detour_factor,
                             max_package_s=settings.max_package_s,
                             walk_speed_kph=settings.walk_speed_kph)
        for group in groups:
            parts = [by_site[sid] for sid in group.site_ids]
            for chunk in _overlapping(parts):
                if len(chunk) == 1:
                    keep.append(chunk[0])
                    continue
                keep.append(_merge(chunk, spec, sites, group.walk_s, group.max_pair_distance_m))
    return keep


def _overlapping(tasks: list[DemandTask]) -> list[list[DemandTask]]:
    """Split tasks into runs whose due windows share at least one day (greedy by latest day)."""
    out: list[list[DemandTask]] = []
    for task in sorted(tasks, key=lambda t: (t.due_latest, t.site_id)):
        if out:
            lo = max(t.due_earliest for t in out[-1] + [task])
            hi = min(t.due_latest for t in out[-1] + [task])
            if lo <= hi:
                out[-1].append(task)
                continue
        out.append([task])
    return out


def _merge(chunk: list[DemandTask], spec: TaskTypeSpec, sites: dict[int, SiteInfo],
           walk_s: int, max_pair_m: float) -> DemandTask:
    anchor = max(chunk, key=lambda t: (t.quantity, -t.site_id))
    ids = tuple(sorted(t.site_id for t in chunk))
    variable = sum(_variable_s(t, spec) for t in chunk)
    duration = spec.setup_s + variable + walk_s
    earliest = max(t.due_earliest for t in chunk)
    latest = min(t.due_latest for t in chunk)
    names = ", ".join(sites[i].label or sites[i].name or f"#{i}" for i in ids)
    sources = {t.estimate.source for t in chunk}
    estimate = DurationEstimate(
        duration_s=duration, persons=spec.persons,
        source="learned" if sources == {"learned"} else "formula",
        base_s=duration, n_visits=min(t.estimate.n_visits for t in chunk),
    )
    key = f"{anchor.generator}:{spec.code}:group:{'-'.join(map(str, ids))}"
    if anchor.generator != "forecast":
        key += f":{earliest.isoformat()}"
    return anchor.with_(
        key=key, due_earliest=earliest, due_latest=latest,
        urgency=max(t.urgency for t in chunk), quantity=sum(t.quantity for t in chunk),
        estimate=estimate, load_m3=round(sum(t.load_m3 for t in chunk), 3),
        explanation=(f"Gruppe aus {len(chunk)} kleinen Flächen in Gehweite "
                     f"(max. {max_pair_m:.0f} m): {names}; {anchor.explanation}"),
        explanation_en=(f"Group of {len(chunk)} small sites within walking distance "
                        f"(at most {max_pair_m:.0f} m): {names}; "
                        f"{anchor.explanation_en or anchor.explanation}"),
        member_site_ids=ids,
    )


def split_long_tasks(
    tasks: Sequence[DemandTask], ctx: GeneratorContext, settings: DemandSettings,
    longest_visit_s: Callable[[DemandTask], int | None] | None = None,
) -> list[DemandTask]:
    """Split tasks longer than a package into linked parts of at most one package each, spread
    evenly over the workdays of the task's due window.

    ``longest_visit_s`` gives, for a task, the longest stretch a crew may work at its site in
    one go in its due window (site time rules such as "Schulsport: erst ab 13:00" or "keine
    Arbeiten 10–12 Uhr (Beerdigungen)" within the shift; None: no limit). A task longer than
    that is split into parts that fit, else it could never be planned.

    Forecast parts: part ``i`` of ``n`` is due on the workday at ``i * d / n`` of the window's
    ``d`` workdays (forecast work may still be done earlier), so the capacity balance sees the
    site's hours where they fall (a 52.7 ha cemetery due in a week is about five parts a day,
    not 25 parts on the last day). Fixed-day parts (cycle, deadline) keep the whole window (a
    deadline stays the deadline); the balance spreads each evenly over it. Several crews may do
    parts of one site on one day.
    """
    out: list[DemandTask] = []
    for task in tasks:
        spec = ctx.spec(task.task_type)
        limit_s = settings.max_package_s
        visit_s = longest_visit_s(task) if longest_visit_s is not None else None
        if visit_s is not None and spec.setup_s < visit_s < limit_s:
            limit_s = visit_s
        if task.duration_s <= limit_s:
            out.append(task)
            continue
        parts = split_task(quantity=task.quantity, variable_s=_variable_s(task, spec),
                           setup_s=spec.setup_s, max_package_s=limit_s)
        days = workdays(task.due_earliest, task.due_latest, ctx.land) or [task.due_latest]
        for k, part in enumerate(parts):
            due = days[min(len(days) - 1, k * len(days) // part.count)]
            forecast = task.generator == "forecast"
            est = task.estimate
            out.append(task.with_(
                key=f"{task.key}#{part.index}/{part.count}",
                due_earliest=due if forecast else task.due_earliest,
                due_latest=due if forecast else task.due_latest,
                quantity=part.quantity,
                estimate=DurationEstimate(part.duration_s, est.persons, est.source,
                                          est.base_s, est.n_visits, est.factor),
                load_m3=round(task.load_m3 / part.count, 3),
                water_l=round(task.water_l / part.count, 1),
                explanation=f"Teilfläche {part.index}/{part.count}; {task.explanation}",
                explanation_en=(f"Part {part.index}/{part.count} of the site; "
                                f"{task.explanation_en or task.explanation}"),
                package_index=part.index, package_count=part.count, link_group=task.key,
            ))
    return out
