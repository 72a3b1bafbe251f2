"""Stored rows -> demand records: sites, task types, target times, past visits.

Reads only; writing tasks is :mod:`greentour.demand.service`'s job. All functions take a tenant
session (see :mod:`greentour.store.tenancy`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from greentour.demand.durations import Visit
from greentour.demand.model import SiteInfo, TargetTime, estimate_for, site_quantity
from greentour.settings import get_settings
from greentour.store.models import (
    Completion,
    CrewDay,
    Site,
    SiteTargetTime,
    Task,
    TaskType,
)
from greentour.store.models_demand import SiteDemand, TaskDetail
from greentour.task_types import TaskTypeSpec, spec_from_row, task_types_by_code
from greentour.workplace.labels import site_label

METRIC_CRS = "EPSG:25832"


@lru_cache(maxsize=1)
def _to_metric() -> Transformer:
    return Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)


def metric_geometry(geojson: str):
    """A stored WGS84 GeoJSON geometry in EPSG:25832 (metres)."""
    geom = shape(json.loads(geojson))
    return shapely.transform(geom, lambda xy: np.column_stack(
        _to_metric().transform(xy[:, 0], xy[:, 1])))


def site_info(site: Site, demand: SiteDemand | None = None) -> SiteInfo:
    """The generators' view of a stored site.

    The lawn regime (``Site.regime``, a key of data/care_classes.toml) is the care class the
    mowing type is chosen by; ``Site.care_class`` is the town's own label ("Pflegeklasse 2").
    Bins and young trees counted by the planner come from :class:`SiteDemand`.
    """
    tags = dict(site.tags_json or {})
    if site.osm_type and site.osm_id:
        tags.setdefault("osm_type", site.osm_type)
        tags.setdefault("osm_id", site.osm_id)
    if demand is not None and demand.bins is not None:
        tags["greentour:items"] = demand.bins
    if demand is not None and demand.young_trees:
        tags["greentour:young_trees"] = demand.young_trees
    return SiteInfo(
        id=site.id,
        name=site.name or "",
        category=site.category,
        geometry=metric_geometry(site.geometry_geojson),
        area_m2=site.area_m2,
        length_m=site.length_m,
        tree_count=site.tree_count,
        care_class=site.regime if site.regime and not site.regime.startswith("hedge") else None,
        noise_sensitive=bool(site.noise_sensitive),
        tags=tags,
        status=site.status,
        in_maintenance=bool(site.in_maintenance),
        maintained_by=site.maintained_by,
        traffic_safety=bool(demand is not None and demand.traffic_safety),
        hedge_class=(site.regime.removeprefix("hedge_")
                     if site.regime and site.regime.startswith("hedge") else None),
        label=site_label(site),
    )


def load_sites(session: Session, maintained_only: bool = True) -> list[SiteInfo]:
    """All sites of the tenant as :class:`SiteInfo` (by default only those our crews maintain)."""
    demands = {d.site_id: d for d in session.scalars(select(SiteDemand))}
    query = select(Site).order_by(Site.id)
    if maintained_only:
        query = query.where(
            Site.status == "accepted", Site.in_maintenance.is_(True), Site.maintained_by == "own"
        )
    return [site_info(s, demands.get(s.id)) for s in session.scalars(query)]


def task_type_specs(session: Session, fallback_file: Path | None = None) -> dict[str, TaskTypeSpec]:
    """The tenant's task types from the store; the catalogue file when none are stored yet."""
    rows = session.scalars(select(TaskType)).all()
    if rows:
        return {r.code: spec_from_row(r) for r in rows}
    return task_types_by_code(fallback_file or get_settings().task_types_file)


def target_times(session: Session) -> dict[tuple[int, str], TargetTime]:
    """Planner's Sollzeiten by (site id, task type)."""
    return {
        (t.site_id, t.task_type): TargetTime(persons=t.persons, hours=t.hours)
        for t in session.scalars(select(SiteTargetTime))
    }


def past_visits(
    session: Session,
    specs: Mapping[str, TaskTypeSpec],
    sites: Sequence[SiteInfo],
    targets: Mapping[tuple[int, str], TargetTime],
) -> dict[tuple[int, str], list[Visit]]:
    """Reported visits per (site, task type), oldest first, for the learned correction.

    A visit counts when the crew reported ``done`` with start and finish. Persons are the
    crew-day's members. The planned person-seconds are the *current* base (target time or
    formula) for the part of the site the task covered (a work package covers a share of it;
    grouped tasks are skipped, their time cannot be attributed to one site).
    """
    by_site = {s.id: s for s in sites}
    rows = session.execute(
        select(Completion, Task, CrewDay)
        .join(Task, Completion.task_id == Task.id)
        .join(CrewDay, Completion.crew_day_id == CrewDay.id)
        .where(
            Completion.status == "done",
            Completion.started_at.is_not(None),
            Completion.finished_at.is_not(None),
        )
        .order_by(Completion.finished_at)
    ).all()
    details = {d.task_id: d for d in session.scalars(select(TaskDetail))}
    out: dict[tuple[int, str], list[Visit]] = defaultdict(list)
    for completion, task, crew_day in rows:
        site = by_site.get(task.site_id)
        spec = specs.get(task.task_type)
        if site is None or spec is None:
            continue
        detail = details.get(task.id)
        if detail is not None and len(detail.member_site_ids or []) > 1:
            continue
        whole = site_quantity(spec, site)
        share = 1.0
        if detail is not None and detail.package_count and whole > 0:
            share = min(max(detail.quantity / whole, 0.0), 1.0)
        target = targets.get((site.id, spec.code))
        if target is not None:
            planned = int(round(estimate_for(spec, whole, target).person_s * share))
        else:
            planned = estimate_for(spec, whole * share).person_s
        duration_s = int((completion.finished_at - completion.started_at).total_seconds())
        persons = max(1, len(crew_day.member_ids or []))
        if duration_s > 0 and planned > 0:
            out[(site.id, spec.code)].append(Visit(duration_s, persons, planned))
    return dict(out)
