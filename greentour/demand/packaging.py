"""Work packages of generated tasks: group small neighbouring lawns, split what exceeds a shift.

Store-free: takes :class:`~greentour.demand.model.DemandTask` objects and the generator context,
returns new ones. The first half is the geometry and arithmetic (:class:`Lawn`,
:func:`group_lawns`, :func:`split_task`), the second applies them to demand tasks.

The rules:

**Split** (Teilflächen): a task longer than ``max_package_s`` (the shift's working time minus travel
and breaks) is cut into ``n = ceil(variable / (max_package_s - setup))`` parts of equal quantity.
Each part carries the visit's set-up again (the crew unloads and fences off again every day), so
the parts' variable work sums exactly to the whole's variable work, and the parts' durations sum to
the whole duration plus ``(n - 1)`` extra set-ups. Parts are *linked*: one link group, sequence
numbers 1..n and consecutive workdays as earliest dates, so the solver can prefer the same crew on
consecutive days.

**Group**: small lawns (below ``small_area_m2``) whose geometries lie within walking distance of
each other are served in one stop. Distances are straight-line distances between the geometries
(metric CRS) times a detour factor (default 1.3, typical for footpaths in towns); complete-linkage
clustering guarantees that *every pair* in a group is within the walking distance, so a chain of
lawns never drifts along a street. The grouped task has one set-up, the summed variable work and
the walking time between its members (4 km/h, there and back along the group's spanning path).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from shapely.geometry.base import BaseGeometry

from greentour.demand.capacity import workdays
from greentour.demand.durations import DurationEstimate
from greentour.demand.generators import GeneratorContext
from greentour.demand.model import DemandTask, SiteInfo
from greentour.task_types import TaskTypeSpec
from greentour.tenant_config import DemandSection as DemandSettings

WALK_SPEED_KPH = 4.0


class PackageError(ValueError):
    """A task cannot be split or grouped with the given limits."""


@dataclass(frozen=True)
class Part:
    """One package of a split task."""

    index: int
    """1-based sequence number within the link group."""
    count: int
    quantity: float
    duration_s: int
    day_offset: int
    """Workdays after the whole task's earliest due date (0, 1, 2, ...)."""


def split_task(
    *,
    quantity: float,
    variable_s: int,
    setup_s: int,
    max_package_s: int,
) -> list[Part]:
    """Split a task whose ``setup_s + variable_s`` exceeds ``max_package_s`` into equal parts.

    Returns one part (the whole) when it fits. The variable seconds are distributed so that they
    sum exactly to ``variable_s`` (remainders go to the first parts).
    """
    if max_package_s <= setup_s:
        raise PackageError(
            f"a package of at most {max_package_s / 3600:.1f} h cannot hold the set-up of "
            f"{setup_s / 60:.0f} min"
        )
    if setup_s + variable_s <= max_package_s:
        return [Part(1, 1, quantity, setup_s + variable_s, 0)]
    count = math.ceil(variable_s / (max_package_s - setup_s))
    base, remainder = divmod(variable_s, count)
    parts = []
    for i in range(count):
        var_i = base + (1 if i < remainder else 0)
        parts.append(Part(i + 1, count, quantity / count, setup_s + var_i, i))
    return parts


@dataclass(frozen=True)
class Lawn:
    """A small site that may be grouped: id, geometry in a metric CRS, variable work seconds."""

    site_id: int
    geometry: BaseGeometry
    variable_s: int
    quantity: float


@dataclass(frozen=True)
class Group:
    """Sites served in one stop."""

    site_ids: tuple[int, ...]
    quantity: float
    duration_s: int
    walk_s: int
    max_pair_distance_m: float
    """Largest straight-line distance x detour between two members, metres."""


def group_lawns(
    lawns: Sequence[Lawn],
    *,
    setup_s: int,
    walk_distance_m: float = 150.0,
    detour_factor: float = 1.3,
    max_package_s: int | None = None,
    walk_speed_kph: float = WALK_SPEED_KPH,
) -> list[Group]:
    """Cluster lawns so that every pair in a group is within ``walk_distance_m`` on foot.

    Lawns that have no neighbour stay alone (a group of one). When ``max_package_s`` is given,
    a cluster whose total work would not fit a package is broken up again by greedy filling in
    site-id order.
    """
    if walk_distance_m <= 0:
        raise PackageError("walking distance must be positive")
    if not lawns:
        return []
    n = len(lawns)
    dist = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            d = lawns[i].geometry.distance(lawns[j].geometry) * detour_factor
            dist[i, j] = dist[j, i] = d
    if n == 1:
        labels = np.array([1])
    else:
        tree = linkage(squareform(dist, checks=False), method="complete")
        labels = fcluster(tree, t=walk_distance_m, criterion="distance")
    groups: list[Group] = []
    for label in sorted(set(labels.tolist())):
        idx = sorted(np.flatnonzero(labels == label).tolist(), key=lambda k: lawns[k].site_id)
        for chunk in _fill(idx, lawns, setup_s, max_package_s):
            groups.append(_make_group(chunk, lawns, dist, setup_s, walk_speed_kph))
    return groups


def _fill(
    idx: list[int], lawns: Sequence[Lawn], setup_s: int, max_package_s: int | None
) -> list[list[int]]:
    if max_package_s is None:
        return [idx]
    chunks: list[list[int]] = [[]]
    used = setup_s
    for k in idx:
        if chunks[-1] and used + lawns[k].variable_s > max_package_s:
            chunks.append([])
            used = setup_s
        chunks[-1].append(k)
        used += lawns[k].variable_s
    return chunks


def _make_group(idx: list[int], lawns: Sequence[Lawn], dist: np.ndarray, setup_s: int,
                walk_speed_kph: float) -> Group:
    max_pair = max((dist[a, b] for a in idx for b in idx if a < b), default=0.0)
    # walking between members: a minimum spanning path approximated by the sorted nearest chain
    walk_m = 0.0
    if len(idx) > 1:
        order = [idx[0]]
        rest = set(idx[1:])
        while rest:
            nxt = min(rest, key=lambda k: dist[order[-1], k])
            walk_m += dist[order[-1], nxt]
            order.append(nxt)
            rest.remove(nxt)
    walk_s = int(round(2 * walk_m / (walk_speed_kph / 3.6)))
    variable = sum(lawns[k].variable_s for k in idx)
    return Group(
        site_ids=tuple(lawns[k].site_id for k in idx),
        quantity=sum(lawns[k].quantity for k in idx),
        duration_s=setup_s + variable + walk_s,
        walk_s=walk_s,
        max_pair_distance_m=float(max_pair),
    )


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
