"""Task generators: ``forecast``, ``cycle``, ``deadline``, ``order``.

Each generator is a pure function of sites (:class:`~greentour.demand.model.SiteInfo`), its signals
or rules, a date range and a :class:`GeneratorContext` (task types, target times, past visits,
traffic-safety screening, Land); it returns :class:`~greentour.demand.model.DemandTask` objects.
Only *maintained* sites (accepted, in maintenance, by our own crews) ever get a task.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from greentour.demand.clearance import TrafficSafety
from greentour.demand.durations import Visit
from greentour.demand.model import DemandTask, SiteInfo, TargetTime, make_task
from greentour.task_types import TaskTypeSpec


class GeneratorError(ValueError):
    """A generator input names something that does not exist (an unknown task type)."""


@dataclass(frozen=True)
class GeneratorContext:
    """What every generator needs besides its own signals."""

    types: Mapping[str, TaskTypeSpec]
    land: str = "BY"
    targets: Mapping[tuple[int, str], TargetTime] = field(default_factory=dict)
    visits: Mapping[tuple[int, str], Sequence[Visit]] = field(default_factory=dict)
    traffic: Mapping[int, TrafficSafety] = field(default_factory=dict)
    overdue: Mapping[tuple[int, str], int] = field(default_factory=dict)
    """(site id, task type) → days an inspection is overdue (greentour.duty.overview)."""

    def spec(self, code: str) -> TaskTypeSpec:
        """The task type, or a clear error naming the unknown code."""
        try:
            return self.types[code]
        except KeyError as exc:
            raise GeneratorError(
                f"unknown task type {code!r}; known: {', '.join(sorted(self.types))}"
            ) from exc

    def task(
        self, site: SiteInfo, code: str, generator: str, due: tuple, urgency: float,
        explanation: str, priority: int = 0, explanation_en: str = "",
    ) -> DemandTask:
        """Build a task with the site's target time, learned visits and traffic-safety flag
        (``explanation`` German, ``explanation_en`` English)."""
        spec = self.spec(code)
        safety = self.traffic.get(site.id)
        traffic = bool(safety and safety.priority and code in TRAFFIC_RELEVANT)
        if traffic:
            urgency = max(urgency, 0.9)
            explanation = f"{explanation}; Verkehrssicherung: {safety.reason}"
            height = (f" ({safety.clearance_height_m:.2f} m)"
                      if safety.clearance_height_m else "")
            explanation_en = (f"{explanation_en}; traffic safety: keep the clearance or sight "
                              f"triangle free{height}")
        late = self.overdue.get((site.id, code))
        if late:
            urgency = 1.0
            explanation = f"{explanation}; Kontrolle seit {late} Tagen überfällig"
            if explanation_en:
                explanation_en = f"{explanation_en}; inspection {late} days overdue"
        return make_task(
            spec=spec,
            site=site,
            generator=generator,
            due=due,
            urgency=urgency,
            explanation=explanation,
            explanation_en=explanation_en,
            target=self.targets.get((site.id, code)),
            visits=self.visits.get((site.id, code), ()),
            priority=priority,
            traffic_safety=traffic,
        )


TRAFFIC_RELEVANT = frozenset(
    {"hedge_cut", "hedge_hard_cut", "clearance_cut", "clearance_prune", "prune_trees",
     "inspect_trees"}
)
"""Task types whose urgency the traffic-safety screening raises."""
