"""Solver-neutral routing problem: tasks, crew-days, reload points, travel matrices.

All dataclasses are frozen and validate themselves on construction; bad input raises
:class:`ProblemError` (a ``ValueError``) with a message naming the object and the field.

Conventions
-----------
* Times are integer seconds on one absolute axis (see :mod:`routing.timeaxis`).
* Locations are indices into the travel matrices (one square matrix per speed profile).
* Loads are signed amounts per load kind whose name carries the unit: ``green_waste_m3`` is
  positive (the crew collects cuttings), ``water_l`` is negative (the crew pours water from its
  tank). The vehicle tracks the *magnitude* since its last reload, which must stay within its
  capacity for that kind; a reload point that handles the kind resets it (unload or refill), and
  the end depot unloads at the end of the day (each crew-day starts empty / with a full tank).
* A vehicle of the solver is a **crew-day**: one crew on one date with one vehicle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from routing.timeaxis import DayType, NoiseClass, TimeAxis, noise_allowed_windows

#: Travel durations at or above this value mean "no road connection".
UNREACHABLE_S = 10**8


class ProblemError(ValueError):
    """The routing problem is malformed; the message says which object and field."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ProblemError(message)


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


@dataclass(frozen=True)
class TimeWindow:
    """A closed interval ``[start_s, end_s]`` on the time axis."""

    start_s: int
    end_s: int

    def __post_init__(self) -> None:
        _require(
            _is_int(self.start_s) and _is_int(self.end_s),
            f"time window needs integer seconds, got {self.start_s!r}..{self.end_s!r}",
        )
        _require(
            self.start_s <= self.end_s,
            f"time window ends before it starts: {self.start_s} s > {self.end_s} s",
        )

    @property
    def length_s(self) -> int:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Break:
    """A fixed break of the service agreement: starts in [earliest, latest], lasts duration_s."""

    earliest_start_s: int
    latest_start_s: int
    duration_s: int
    name: str = ""

    def __post_init__(self) -> None:
        _require(
            all(_is_int(v) for v in (self.earliest_start_s, self.latest_start_s, self.duration_s)),
            f"break {self.name!r} needs integer seconds",
        )
        _require(
            self.earliest_start_s <= self.latest_start_s,
            f"break {self.name!r}: latest start {self.latest_start_s} s is before earliest "
            f"start {self.earliest_start_s} s",
        )
        _require(self.duration_s > 0, f"break {self.name!r}: duration must be positive")


@dataclass(frozen=True)
class Task:
    """One piece of work at a site.

    ``entry_location`` is where the crew starts working and ``exit_location`` where it ends (a
    hedge is cut from one end to the other); both default to the same point. ``time_windows`` are
    absolute windows in which the *whole service* must lie (empty: any time within a shift).
    ``due_earliest_s``/``due_latest_s`` bound when the work is due; work after ``due_latest_s`` is
    late (a soft cost), work whose due window starts after the horizon is optional with a small
    prize. ``allowed_crew_days`` restricts the crew-days explicitly (``None``: any crew-day with the
    equipment and qualifications). ``locked_crew_day`` forces the crew-day, ``locked_position``
    additionally fixes the position in that tour (0 = first stop; locked positions form a prefix).
    """

    id: str
    entry_location: int
    service_duration_s: int
    exit_location: int | None = None
    time_windows: tuple[TimeWindow, ...] = ()
    due_earliest_s: int | None = None
    due_latest_s: int | None = None
    urgency: float = 1.0
    loads: Mapping[str, float] = field(default_factory=dict)
    noise_class: NoiseClass = NoiseClass.NONE
    noise_sensitive: bool = False
    required_equipment: frozenset[str] = frozenset()
    required_qualifications: frozenset[str] = frozenset()
    allowed_crew_days: frozenset[str] | None = None
    locked_crew_day: str | None = None
    locked_position: int | None = None
    name: str = ""

    def __post_init__(self) -> None:
        label = f"task {self.id!r}"
        _require(isinstance(self.id, str) and self.id != "", "task id must be a non-empty string")
        _require(_is_int(self.entry_location) and self.entry_location >= 0,
                 f"{label}: entry_location must be a location index >= 0")
        if self.exit_location is None:
            object.__setattr__(self, "exit_location", self.entry_location)
        _require(_is_int(self.exit_location) and self.exit_location >= 0,
                 f"{label}: exit_location must be a location index >= 0")
        _require(_is_int(self.service_duration_s) and self.service_duration_s >= 0,
                 f"{label}: service_duration_s must be an integer >= 0 seconds")
        object.__setattr__(self, "time_windows", tuple(self.time_windows))
        for w in self.time_windows:
            _require(isinstance(w, TimeWindow), f"{label}: time_windows must be TimeWindow objects")
        _require(self.urgency >= 0, f"{label}: urgency must be >= 0, got {self.urgency}")
        if self.due_earliest_s is not None and self.due_latest_s is not None:
            _require(self.due_earliest_s <= self.due_latest_s,
                     f"{label}: due window ends ({self.due_latest_s} s) before it starts "
                     f"({self.due_earliest_s} s)")
        object.__setattr__(self, "loads", dict(self.loads))
        for kind, amount in self.loads.items():
            _require(isinstance(kind, str) and kind, f"{label}: load kinds must be names")
            _require(np.isfinite(amount), f"{label}: load {kind} must be a finite number")
        object.__setattr__(self, "noise_class", NoiseClass(self.noise_class))
        object.__setattr__(self, "required_equipment", frozenset(self.required_equipment))
        object.__setattr__(self, "required_qualifications", frozenset(self.required_qualifications))
        if self.allowed_crew_days is not None:
            object.__setattr__(self, "allowed_crew_days", frozenset(self.allowed_crew_days))
        if self.locked_position is not None:
            _require(self.locked_crew_day is not None,
                     f"{label}: a locked position needs a locked crew-day")
            _require(_is_int(self.locked_position) and self.locked_position >= 0,
                     f"{label}: locked_position must be an integer >= 0")

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class CrewDay:
    """A crew on one date with one vehicle: the solver's vehicle.

    ``shift`` is the regular working time; the tour may end up to ``max_overtime_s`` later at a
    cost. ``capacity`` is per load kind (missing kind: the vehicle cannot carry it). Costs are in
    euro per hour of driving and per km; service time is not a cost (the work has to be done).
    """

    id: str
    day: date
    start_location: int
    end_location: int
    shift: TimeWindow
    breaks: tuple[Break, ...] = ()
    max_overtime_s: int = 0
    capacity: Mapping[str, float] = field(default_factory=dict)
    profile: str = "default"
    cost_per_hour_eur: float = 40.0
    cost_per_km_eur: float = 0.5
    day_type: DayType = DayType.WORKDAY
    equipment: frozenset[str] = frozenset()
    qualifications: frozenset[str] = frozenset()
    name: str = ""

    def __post_init__(self) -> None:
        label = f"crew-day {self.id!r}"
        _require(isinstance(self.id, str) and self.id != "",
                 "crew-day id must be a non-empty string")
        _require(isinstance(self.day, date), f"{label}: day must be a date")
        for attr in ("start_location", "end_location"):
            v = getattr(self, attr)
            _require(_is_int(v) and v >= 0, f"{label}: {attr} must be a location index >= 0")
        _require(isinstance(self.shift, TimeWindow), f"{label}: shift must be a TimeWindow")
        _require(self.shift.length_s > 0, f"{label}: shift has zero length")
        _require(_is_int(self.max_overtime_s) and self.max_overtime_s >= 0,
                 f"{label}: max_overtime_s must be an integer >= 0")
        object.__setattr__(self, "breaks", tuple(sorted(self.breaks,
                                                        key=lambda b: b.earliest_start_s)))
        for b in self.breaks:
            _require(
                self.shift.start_s <= b.earliest_start_s
                and b.latest_start_s + b.duration_s <= self.shift.end_s,
                f"{label}: break {b.name!r} lies outside the shift",
            )
        object.__setattr__(self, "capacity", dict(self.capacity))
        for kind, cap in self.capacity.items():
            _require(cap >= 0, f"{label}: capacity for {kind} must be >= 0")
        _require(self.cost_per_hour_eur >= 0 and self.cost_per_km_eur >= 0,
                 f"{label}: costs must be >= 0")
        object.__setattr__(self, "day_type", DayType(self.day_type))
        object.__setattr__(self, "equipment", frozenset(self.equipment))
        object.__setattr__(self, "qualifications", frozenset(self.qualifications))

    @property
    def label(self) -> str:
        return self.name or self.id

    @property
    def latest_end_s(self) -> int:
        return self.shift.end_s + self.max_overtime_s

    @property
    def break_total_s(self) -> int:
        return sum(b.duration_s for b in self.breaks)


@dataclass(frozen=True)
class ReloadPoint:
    """A place to unload green waste or refill water, with opening hours (empty: always open)."""

    id: str
    location: int
    kinds: frozenset[str]
    opening: tuple[TimeWindow, ...] = ()
    service_duration_s: int = 600
    name: str = ""

    def __post_init__(self) -> None:
        label = f"reload point {self.id!r}"
        _require(_is_int(self.location) and self.location >= 0,
                 f"{label}: location must be an index >= 0")
        object.__setattr__(self, "kinds", frozenset(self.kinds))
        _require(bool(self.kinds), f"{label}: needs at least one load kind")
        object.__setattr__(self, "opening", tuple(self.opening))
        _require(_is_int(self.service_duration_s) and self.service_duration_s >= 0,
                 f"{label}: service_duration_s must be an integer >= 0")

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class TravelMatrix:
    """Travel durations (s) and distances (m) between all locations for one speed profile."""

    duration_s: np.ndarray
    distance_m: np.ndarray

    def __post_init__(self) -> None:
        dur = np.asarray(self.duration_s)
        dist = np.asarray(self.distance_m)
        _require(dur.ndim == 2 and dur.shape[0] == dur.shape[1],
                 f"duration matrix must be square, got shape {dur.shape}")
        _require(dist.shape == dur.shape,
                 f"distance matrix shape {dist.shape} differs from duration {dur.shape}")
        _require(np.issubdtype(dur.dtype, np.integer) and np.issubdtype(dist.dtype, np.integer),
                 "matrices must hold integers (seconds, metres)")
        _require(bool((dur >= 0).all()) and bool((dist >= 0).all()),
                 "matrices must not hold negative values")
        object.__setattr__(self, "duration_s", dur.astype(np.int64))
        object.__setattr__(self, "distance_m", dist.astype(np.int64))

    @property
    def size(self) -> int:
        return int(self.duration_s.shape[0])


@dataclass(frozen=True)
class PreviousPlan:
    """The plan to stay close to: task id -> (crew-day id, position in that tour)."""

    assignments: Mapping[str, tuple[str, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "assignments", dict(self.assignments))

    def routes(self) -> dict[str, list[str]]:
        """Crew-day id -> task ids in their previous order."""
        out: dict[str, list[tuple[int, str]]] = {}
        for task_id, (cd, pos) in self.assignments.items():
            out.setdefault(cd, []).append((pos, task_id))
        return {cd: [t for _, t in sorted(items)] for cd, items in out.items()}


@dataclass(frozen=True)
class Weights:
    """Objective weights in euro; the solver scales them to integer cost units."""

    #: penalty for leaving out a task that is due in the horizon, per unit of urgency
    penalty_due_eur: float = 1000.0
    #: prize for doing a task whose due window starts after the horizon, per unit of urgency
    prize_not_due_eur: float = 40.0
    #: cost per day of lateness after the due day, per unit of urgency
    late_eur_per_day: float = 100.0
    #: cost per hour beyond the regular shift end
    overtime_eur_per_hour: float = 60.0
    #: cost for moving a task away from its crew-day in the previous plan
    move_eur: float = 25.0
    #: cost per hour of work (service + driving) above the balanced target of a crew-day
    balance_eur_per_hour: float = 10.0
    #: penalty for leaving out a locked task (effectively mandatory)
    locked_penalty_eur: float = 1_000_000.0
    #: services at least this long may be interrupted by a fixed break
    break_split_min_service_s: int = 3600
    #: optional reload visits offered per crew-day and reload point
    reload_copies: int = 3


@dataclass(frozen=True)
class Problem:
    """Everything the solver needs, validated as a whole on construction."""

    tasks: tuple[Task, ...]
    crew_days: tuple[CrewDay, ...]
    matrices: Mapping[str, TravelMatrix]
    reload_points: tuple[ReloadPoint, ...] = ()
    previous_plan: PreviousPlan | None = None
    time_axis: TimeAxis | None = None
    weights: Weights = Weights()
    location_names: tuple[str, ...] = ()
    #: check ArbZG §4 working-time rules (off only for abstract benchmarks whose time unit
    #: is not the second)
    labour_rules: bool = True
    #: German and English names of equipment and of qualification codes, for the reasons
    #: ("Kolonne hat nicht Gerät Großflächenmäher"); codes without a name are shown as they are
    equipment_names: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    qualification_names: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tasks", tuple(self.tasks))
        object.__setattr__(self, "crew_days", tuple(self.crew_days))
        object.__setattr__(self, "reload_points", tuple(self.reload_points))
        object.__setattr__(self, "matrices", dict(self.matrices))
        _require(bool(self.matrices), "problem needs at least one travel matrix")
        sizes = {name: m.size for name, m in self.matrices.items()}
        _require(len(set(sizes.values())) == 1,
                 f"all travel matrices must cover the same locations, got sizes {sizes}")
        n_loc = next(iter(sizes.values()))
        _require(len(self.crew_days) > 0, "problem needs at least one crew-day")
        self._unique("task", [t.id for t in self.tasks])
        self._unique("crew-day", [c.id for c in self.crew_days])
        self._unique("reload point", [r.id for r in self.reload_points])
        self._unique("task or reload point", [t.id for t in self.tasks]
                     + [r.id for r in self.reload_points])
        for c in self.crew_days:
            _require(c.profile in self.matrices,
                     f"crew-day {c.id!r}: no travel matrix for speed profile {c.profile!r} "
                     f"(have {sorted(self.matrices)})")
            for loc in (c.start_location, c.end_location):
                _require(loc < n_loc, f"crew-day {c.id!r}: location {loc} outside the matrix "
                                      f"({n_loc} locations)")
        crew_ids = {c.id for c in self.crew_days}
        for t in self.tasks:
            for loc in (t.entry_location, t.exit_location):
                _require(loc < n_loc,
                         f"task {t.id!r}: location {loc} outside the matrix ({n_loc} locations)")
            if t.allowed_crew_days is not None:
                unknown = t.allowed_crew_days - crew_ids
                _require(not unknown, f"task {t.id!r}: unknown allowed crew-days {sorted(unknown)}")
            if t.locked_crew_day is not None:
                _require(t.locked_crew_day in crew_ids,
                         f"task {t.id!r}: locked to unknown crew-day {t.locked_crew_day!r}")
            if t.noise_sensitive and t.noise_class != NoiseClass.NONE:
                _require(self.time_axis is not None,
                         f"task {t.id!r}: noise rules need a time axis in the problem")
        for r in self.reload_points:
            _require(r.location < n_loc, f"reload point {r.id!r}: location outside the matrix")
        # locked positions: a prefix 0..k-1 per crew-day, no duplicates
        prefixes: dict[str, list[int]] = {}
        for t in self.tasks:
            if t.locked_position is not None:
                prefixes.setdefault(t.locked_crew_day, []).append(t.locked_position)
        for cd, positions in prefixes.items():
            _require(sorted(positions) == list(range(len(positions))),
                     f"crew-day {cd!r}: locked positions {sorted(positions)} must be 0..k-1 "
                     "without gaps or duplicates")
        _require(self.weights.reload_copies >= 0, "weights.reload_copies must be >= 0")
        object.__setattr__(self, "_task_by_id", {t.id: t for t in self.tasks})
        object.__setattr__(self, "_crew_day_by_id", {c.id: c for c in self.crew_days})
        object.__setattr__(self, "_reload_by_id", {r.id: r for r in self.reload_points})

    @staticmethod
    def _unique(what: str, ids: list[str]) -> None:
        seen: set[str] = set()
        for i in ids:
            _require(i not in seen, f"duplicate {what} id {i!r}")
            seen.add(i)

    # --- lookups (built eagerly in __post_init__: a lazily filled __dict__ could change
    # while another thread pickles the problem for a worker process) ------------------------
    @property
    def task_by_id(self) -> dict[str, Task]:
        return self._task_by_id

    @property
    def crew_day_by_id(self) -> dict[str, CrewDay]:
        return self._crew_day_by_id

    @property
    def reload_by_id(self) -> dict[str, ReloadPoint]:
        return self._reload_by_id

    @property
    def n_locations(self) -> int:
        return next(iter(self.matrices.values())).size

    @property
    def horizon_end_s(self) -> int:
        """Latest moment any crew-day may still work (end of the last shift incl. overtime)."""
        return max(c.latest_end_s for c in self.crew_days)

    def matrix_for(self, crew_day: CrewDay) -> TravelMatrix:
        return self.matrices[crew_day.profile]

    # --- derived rules ---------------------------------------------------------------------
    def is_splittable(self, task: Task) -> bool:
        """True if a fixed break may interrupt this task's service (long services)."""
        return task.service_duration_s >= self.weights.break_split_min_service_s

    def qualifies(self, task: Task, crew_day: CrewDay) -> bool:
        """Crew-day has the equipment and qualifications and is explicitly allowed / locked."""
        if task.locked_crew_day is not None and task.locked_crew_day != crew_day.id:
            return False
        if task.allowed_crew_days is not None and crew_day.id not in task.allowed_crew_days:
            return False
        if not task.required_equipment <= crew_day.equipment:
            return False
        return task.required_qualifications <= crew_day.qualifications

    def can_carry(self, task: Task, crew_day: CrewDay) -> bool:
        """Crew-day's vehicle can carry the task's load of every kind (magnitude <= capacity)."""
        return all(
            abs(amount) <= crew_day.capacity.get(kind, 0.0) + 1e-9
            for kind, amount in task.loads.items()
            if amount != 0
        )

    def allowed_windows(self, task: Task, crew_day: CrewDay) -> list[tuple[int, int]]:
        """Windows in which the whole service may lie on this crew-day.

        Intersection of the shift (incl. overtime), the task's own windows and the noise rules
        for the crew-day's date and day type.
        """
        base = [(crew_day.shift.start_s, crew_day.latest_end_s)]
        if task.time_windows:
            base = _intersect(base, [(w.start_s, w.end_s) for w in task.time_windows])
        if task.noise_sensitive and task.noise_class != NoiseClass.NONE:
            assert self.time_axis is not None
            if crew_day.day_type != DayType.WORKDAY:
                return []
            noise = noise_allowed_windows(self.time_axis, crew_day.day, task.noise_class, True)
            if noise is not None:
                base = _intersect(base, noise)
        return [(a, b) for a, b in base if b - a >= task.service_duration_s]

    def start_domains(self, task: Task, crew_day: CrewDay) -> list[tuple[int, int]]:
        """Intervals of allowed service *start* times on this crew-day.

        A service of a splittable (long) task may be interrupted by fixed breaks, which lengthen
        it; its latest start is moved earlier by the breaks that can fall into the window, so the
        whole span including the break stays inside the window.
        """
        out = []
        split = self.is_splittable(task)
        for a, b in self.allowed_windows(task, crew_day):
            latest = b - task.service_duration_s
            if split:
                latest -= sum(
                    br.duration_s
                    for br in crew_day.breaks
                    if br.earliest_start_s < b and br.latest_start_s + br.duration_s > a
                )
            if latest >= a:
                out.append((a, latest))
        return out

    def allowed_crew_day_ids(self, task: Task) -> list[str]:
        """Crew-days that may serve the task: qualified, can carry the load, have a window."""
        return [
            c.id
            for c in self.crew_days
            if self.qualifies(task, c) and self.can_carry(task, c) and self.start_domains(task, c)
        ]

    def is_due_in_horizon(self, task: Task) -> bool:
        """False if the task's due window starts after the last shift of the horizon."""
        return task.due_earliest_s is None or task.due_earliest_s <= self.horizon_end_s


def _intersect(
    a: list[tuple[int, int]], b: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Intersection of two unions of closed intervals (each sorted or not)."""
    out = []
    for s1, e1 in a:
        for s2, e2 in b:
            s, e = max(s1, s2), min(e1, e2)
            if s <= e:
                out.append((s, e))
    return sorted(out)
