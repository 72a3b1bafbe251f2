"""The demand side's plain records: a site as the generators see it, and a generated task.

Generators are pure functions from these records (plus signals, rules and dates) to
:class:`DemandTask` objects; :mod:`greentour.demand.service` maps stored rows to and from them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from shapely.geometry.base import BaseGeometry

from greentour.demand.durations import DurationEstimate, Visit, estimate_duration
from greentour.task_types import TaskTypeSpec

MOW_CARE_CLASSES = {
    "ornamental": "mow_ornamental",
    "sports": "mow_wide",
    "utility_intensive": "mow",
    "utility_extensive": "mow_extensive",
    "meadow": "mow_meadow",
}
"""Care class (Pflegeklasse, keys of data/care_classes.toml) -> mowing task type."""

DEFAULT_CARE_CLASS = {
    "park": "utility_intensive",
    "cemetery": "ornamental",
    "playground": "sports",
    "sports_pitch": "sports",
    "pitch": "sports",
    "lawn": "utility_extensive",
    "village_green": "utility_extensive",
    "grass": "utility_extensive",
    "recreation_ground": "utility_extensive",
    "verge": "utility_extensive",
    "meadow": "meadow",
    "dog_park": "utility_extensive",
}
"""Care class assumed when the site has none (the planner sets the real one)."""


@dataclass(frozen=True)
class SiteInfo:
    """What the generators need of a site. ``geometry`` is in EPSG:25832 (metres)."""

    id: int
    name: str
    category: str
    geometry: BaseGeometry
    area_m2: float | None = None
    length_m: float | None = None
    tree_count: int | None = None
    care_class: str | None = None
    noise_sensitive: bool = False
    tags: Mapping[str, Any] = field(default_factory=dict)
    status: str = "accepted"
    in_maintenance: bool = True
    maintained_by: str = "own"
    hedge_class: str | None = None
    """Hedge regime of data/care_classes.toml (``low``/``high``) for hedge sites."""
    traffic_safety: bool = False
    """Screened as reaching into a clearance profile or sight triangle (see clearance.py)."""
    label: str = ""
    """The one name of the site everywhere (``greentour.workplace.labels.site_label``: the name,
    else category and street); used in texts such as a group's explanation."""

    @property
    def maintained(self) -> bool:
        """True for confirmed sites our own crews maintain (the only ones that get tasks)."""
        return self.status == "accepted" and self.in_maintenance and self.maintained_by == "own"

    @property
    def effective_care_class(self) -> str | None:
        """The site's care class, else the default for its category."""
        return self.care_class or DEFAULT_CARE_CLASS.get(self.category)

    @property
    def mow_type(self) -> str | None:
        """The mowing task type code of the site's care class (None: not mown)."""
        cc = self.effective_care_class
        return MOW_CARE_CLASSES.get(cc) if cc else None


@dataclass(frozen=True)
class DemandTask:
    """A task as generated, before it is stored.

    ``key`` identifies the task across regenerations (generator, type, site(s), due date), so
    running the generators twice does not duplicate work.
    """

    key: str
    site_id: int
    task_type: str
    generator: str
    due_earliest: dt.date
    due_latest: dt.date
    urgency: float
    quantity: float
    estimate: DurationEstimate
    load_m3: float = 0.0
    water_l: float = 0.0
    priority: int = 0
    explanation: str = ""
    """Why the task is due, in German (stored as ``task.notes``)."""
    explanation_en: str = ""
    """The same in English (``task.notes_en``; empty: only the German text exists)."""
    traffic_safety: bool = False
    member_site_ids: tuple[int, ...] = ()
    package_index: int | None = None
    package_count: int | None = None
    link_group: str | None = None
    quantity_unit: str = ""
    """Unit of ``quantity``: m2, m, trees, items or sites."""

    @property
    def duration_s(self) -> int:
        """Wall-clock seconds on site."""
        return self.estimate.duration_s

    @property
    def person_s(self) -> int:
        """Person-seconds (duration x persons)."""
        return self.estimate.person_s

    def with_(self, **changes: Any) -> DemandTask:
        """A copy with some fields changed."""
        return replace(self, **changes)


@dataclass(frozen=True)
class TargetTime:
    """Planner's Sollzeit for a task type at a site."""

    persons: int
    hours: float


def estimate_for(
    spec: TaskTypeSpec,
    quantity: float,
    target: TargetTime | None = None,
    visits: Sequence[Visit] = (),
) -> DurationEstimate:
    """Duration of one visit of ``spec`` on ``quantity`` units, with target and learning."""
    return estimate_duration(
        quantity=quantity,
        productivity_per_person_h=spec.productivity_per_person_h,
        setup_s=spec.setup_s,
        persons=spec.persons,
        target_persons=target.persons if target else None,
        target_hours=target.hours if target else None,
        visits=visits,
    )


def site_quantity(spec: TaskTypeSpec, site: SiteInfo) -> float:
    """The site's quantity in the task type's unit."""
    return spec.quantity(
        area_m2=site.area_m2,
        length_m=site.length_m,
        tree_count=site.tree_count,
        category=site.category,
        tags=site.tags,
    )


def make_task(
    *,
    spec: TaskTypeSpec,
    site: SiteInfo,
    generator: str,
    due: tuple[dt.date, dt.date],
    urgency: float,
    explanation: str,
    target: TargetTime | None = None,
    explanation_en: str = "",
    visits: Sequence[Visit] = (),
    priority: int = 0,
    traffic_safety: bool = False,
    quantity: float | None = None,
) -> DemandTask:
    """One task for one site with its duration (formula / target / learned) and loads."""
    qty = site_quantity(spec, site) if quantity is None else quantity
    estimate = estimate_for(spec, qty, target, visits)
    load_m3, water_l = spec.load(qty)
    earliest, latest = due
    return DemandTask(
        key=f"{generator}:{spec.code}:{site.id}:{earliest.isoformat()}",
        site_id=site.id,
        task_type=spec.code,
        generator=generator,
        due_earliest=earliest,
        due_latest=max(latest, earliest),
        urgency=round(min(max(urgency, 0.0), 1.0), 3),
        quantity=qty,
        estimate=estimate,
        load_m3=load_m3,
        water_l=water_l,
        priority=priority,
        explanation=explanation,
        explanation_en=explanation_en,
        traffic_safety=traffic_safety,
        member_site_ids=(site.id,),
        quantity_unit=spec.productivity_unit.removesuffix("_per_h"),
    )
