"""How long a task takes: formula, planner's target time (Sollzeit), learned per-site correction.

* **Formula** (``Formel``): set-up time + quantity / (productivity per person-hour x persons).
  Quantity is the site's area in m², hedge length in m, or the number of items (bins, trees,
  play devices); productivity and set-up come from the task type (data/task_types.toml).
* **Target time** (``Sollzeit``): the planner knows better ("the cemetery takes 2 people 5 hours");
  persons and hours replace the formula.
* **Learned** (``gelernt aus n Besuchen``): the crews' start/finish reports of earlier visits
  correct the base (target time if set, else formula). Each visit gives a ratio of reported to
  planned person-seconds; the logarithms of the ratios are averaged with exponential weights
  (recent visits count more) and shrunk toward 0 (= the base) by ``prior_visits`` pseudo-visits,
  i.e. a normal-normal Bayesian update on the log scale. One odd visit therefore moves the duration
  a little, five consistent visits most of the way. Ratios outside [1/3, 3] are clipped: a crew
  that forgot to tap "done" must not triple next week's plan.

All durations are wall-clock seconds on site for the stated number of persons; person-hours
(``person_s``) are what the capacity balance adds up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

DurationSource = Literal["formula", "target", "learned"]

RATIO_MIN, RATIO_MAX = 1 / 3, 3.0


class DurationError(ValueError):
    """A duration cannot be computed from the given figures."""


@dataclass(frozen=True)
class DurationEstimate:
    """A task's duration and where it came from."""

    duration_s: int
    """Wall-clock time on site for ``persons`` people."""
    persons: int
    source: DurationSource
    base_s: int
    """The formula's (or the target time's) duration before learning."""
    n_visits: int = 0
    factor: float = 1.0
    """Learned multiplier applied to the base (1.0 without reports)."""

    @property
    def person_s(self) -> int:
        """Person-seconds: duration x persons (what the capacity balance adds)."""
        return self.duration_s * self.persons

    def label(self, lang: str = "de") -> str:
        """Human-readable source, e.g. ``"gelernt aus 4 Besuchen"``."""
        if lang == "de":
            if self.source == "formula":
                return "Formel"
            if self.source == "target":
                return "Sollzeit"
            word = "Besuch" if self.n_visits == 1 else "Besuchen"
            return f"gelernt aus {self.n_visits} {word}"
        if self.source == "formula":
            return "formula"
        if self.source == "target":
            return "target time"
        return f"learned from {self.n_visits} visit{'s' if self.n_visits != 1 else ''}"


@dataclass(frozen=True)
class Visit:
    """One reported visit: on-site seconds for the number of persons who did the work."""

    duration_s: int
    persons: int
    planned_person_s: int
    """What the base (formula or target) said for the same work, in person-seconds."""


def formula_duration_s(
    quantity: float, productivity_per_person_h: float, setup_s: int, persons: int
) -> int:
    """Set-up + quantity / (productivity per person-hour x persons), rounded to whole seconds.

    ``quantity`` in the task type's unit (m², m or items); ``productivity_per_person_h`` in the
    same unit per person-hour; ``setup_s`` is per visit (unloading, safety fencing, walking the
    site) and does not shrink with more persons.
    """
    if quantity < 0:
        raise DurationError(f"quantity must not be negative (got {quantity})")
    if productivity_per_person_h <= 0:
        raise DurationError("productivity must be positive")
    if persons < 1:
        raise DurationError("a task needs at least one person")
    variable_s = quantity / (productivity_per_person_h * persons) * 3600.0
    return int(round(setup_s + variable_s))


def learned_factor(
    visits: Sequence[Visit], prior_visits: float = 1.5, decay: float = 0.85
) -> float:
    """Multiplier on the base from reported visits (oldest first), shrunk toward 1.

    ``prior_visits`` is the weight of the base in pseudo-visits; ``decay`` the weight of each
    older visit relative to the next newer one.
    """
    if not visits:
        return 1.0
    num = 0.0
    den = prior_visits
    for age, visit in enumerate(reversed(visits)):
        if visit.planned_person_s <= 0 or visit.duration_s <= 0 or visit.persons < 1:
            continue
        ratio = visit.duration_s * visit.persons / visit.planned_person_s
        ratio = min(max(ratio, RATIO_MIN), RATIO_MAX)
        weight = decay**age
        num += weight * math.log(ratio)
        den += weight
    return math.exp(num / den)


def estimate_duration(
    *,
    quantity: float,
    productivity_per_person_h: float,
    setup_s: int,
    persons: int,
    target_persons: int | None = None,
    target_hours: float | None = None,
    visits: Sequence[Visit] = (),
    prior_visits: float = 1.5,
    decay: float = 0.85,
) -> DurationEstimate:
    """The duration of one visit with its source (target time > formula; learning corrects both)."""
    if target_hours is not None:
        if target_hours <= 0:
            raise DurationError("target time (Sollzeit) must be positive")
        persons_used = target_persons or persons
        base_s = int(round(target_hours * 3600))
        source: DurationSource = "target"
    else:
        persons_used = persons
        base_s = formula_duration_s(quantity, productivity_per_person_h, setup_s, persons)
        source = "formula"
    usable = [v for v in visits if v.planned_person_s > 0 and v.duration_s > 0]
    if not usable:
        return DurationEstimate(base_s, persons_used, source, base_s)
    factor = learned_factor(usable, prior_visits=prior_visits, decay=decay)
    return DurationEstimate(
        duration_s=int(round(base_s * factor)),
        persons=persons_used,
        source="learned",
        base_s=base_s,
        n_visits=len(usable),
        factor=factor,
    )
