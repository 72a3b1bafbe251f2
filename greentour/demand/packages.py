"""Work packages: split what does not fit a shift, group what is too small to drive to alone.

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
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from shapely.geometry.base import BaseGeometry

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
