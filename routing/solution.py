"""The result of planning: tours of timed stops, KPIs, and unassigned tasks with reasons.

Times are seconds on the problem's time axis; durations in s, distances in m, loads in the
units of their kind (the magnitude carried since the last reload).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class Reason:
    """A structured explanation: stable code, parameters, German and English text (the wording
    comes from the catalogue in :mod:`routing.reasons`)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    message_de: str = ""
    message_en: str = ""

    @property
    def message(self) -> str:
        return self.message_de


class StopKind(StrEnum):
    TASK = "task"
    RELOAD = "reload"
    BREAK = "break"


@dataclass(frozen=True)
class Stop:
    """One timed entry of a tour.

    For a task or reload ``arrival_s`` is when the crew arrives, ``start_s``/``end_s`` the service
    (``end_s`` includes a break taken inside a long service). A break has arrival = start.
    ``loads`` is the amount per kind on board after the stop.
    """

    kind: StopKind
    ref: str
    arrival_s: int
    start_s: int
    end_s: int
    location: int | None = None
    exit_location: int | None = None
    loads: dict[str, float] = field(default_factory=dict)
    drive_s: int = 0
    distance_m: int = 0
    inside_service: bool = False

    @property
    def wait_s(self) -> int:
        return self.start_s - self.arrival_s


@dataclass(frozen=True)
class TourKpis:
    """Per-tour figures: drive, service work, waiting, breaks (s), distance (m), overtime (s)."""

    drive_s: int = 0
    work_s: int = 0
    wait_s: int = 0
    break_s: int = 0
    distance_m: int = 0
    span_s: int = 0
    overtime_s: int = 0
    n_tasks: int = 0
    n_reloads: int = 0
    utilisation: float = 0.0

    @staticmethod
    def total(kpis: list[TourKpis], available_s: int) -> TourKpis:
        """Sum over tours; utilisation = (work + drive) / available crew time."""
        s = TourKpis(
            drive_s=sum(k.drive_s for k in kpis),
            work_s=sum(k.work_s for k in kpis),
            wait_s=sum(k.wait_s for k in kpis),
            break_s=sum(k.break_s for k in kpis),
            distance_m=sum(k.distance_m for k in kpis),
            span_s=sum(k.span_s for k in kpis),
            overtime_s=sum(k.overtime_s for k in kpis),
            n_tasks=sum(k.n_tasks for k in kpis),
            n_reloads=sum(k.n_reloads for k in kpis),
        )
        util = (s.work_s + s.drive_s) / available_s if available_s > 0 else 0.0
        return TourKpis(**{**s.__dict__, "utilisation": round(util, 4)})


@dataclass(frozen=True)
class Tour:
    """The stops of one crew-day from leaving the start depot to arriving at the end depot."""

    crew_day_id: str
    stops: tuple[Stop, ...]
    start_s: int
    end_s: int
    kpis: TourKpis
    violations: tuple[Reason, ...] = ()

    @property
    def task_ids(self) -> list[str]:
        return [s.ref for s in self.stops if s.kind == StopKind.TASK]

    @property
    def sequence(self) -> list[str]:
        """Task and reload refs in order (what a planner drags around)."""
        return list(self.refs)

    @cached_property
    def refs(self) -> tuple[str, ...]:
        """:attr:`sequence` as a tuple (computed once per tour)."""
        return tuple(s.ref for s in self.stops if s.kind != StopKind.BREAK)

    @property
    def is_feasible(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class Unassigned:
    """A task left out, with at least one reason."""

    task_id: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Solution:
    """Tours (one per crew-day, possibly empty), unassigned tasks, totals and search facts."""

    tours: tuple[Tour, ...]
    unassigned: tuple[Unassigned, ...]
    kpis: TourKpis
    objective: int | None = None
    status: str = ""
    worker: int | None = None
    wall_s: float = 0.0
    method: str = "direct"
    notes: tuple[str, ...] = ()

    def tour(self, crew_day_id: str) -> Tour:
        for t in self.tours:
            if t.crew_day_id == crew_day_id:
                return t
        raise KeyError(crew_day_id)

    def assignment(self) -> dict[str, tuple[str, int]]:
        """Task id -> (crew-day id, position among the tour's tasks)."""
        out = {}
        for t in self.tours:
            for pos, tid in enumerate(t.task_ids):
                out[tid] = (t.crew_day_id, pos)
        return out

    def routes(self) -> dict[str, list[str]]:
        """Crew-day id -> ordered task and reload refs (comparable across identical runs)."""
        return {t.crew_day_id: t.sequence for t in self.tours}

    @property
    def violations(self) -> list[Reason]:
        return [v for t in self.tours for v in t.violations]
