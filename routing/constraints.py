"""OR-Tools adapter: one function per constraint, each adding itself to a RoutingModel.

:func:`create_context` lays out the nodes (depots, tasks, optional reload copies) and creates the
``RoutingIndexManager``/``RoutingModel``; each ``add_*`` function then adds exactly one rule and can
be switched off on its own (``build_model(..., skip={"add_breaks"})``); :func:`finalize_arc_costs`
registers the per-crew-day arc costs collected by the cost functions.

Cost unit: :data:`UNITS_PER_EUR` integer units per euro, so that small per-second costs (lateness,
balance) stay representable in OR-Tools' int64 objective.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from ortools.constraint_solver import pywrapcp

from routing.checker import arbzg_latest_end_s
from routing.problem import UNREACHABLE_S, CrewDay, Problem, Task

UNITS_PER_EUR = 100_000
#: loads are integerised in thousandths of their unit (m3 -> l, l -> ml)
LOAD_SCALE = 1000
TIME = "time"
WORK = "work"


@dataclass
class Node:
    """A node of the OR-Tools model: depot, task or one optional copy of a reload point."""

    kind: str  # "depot" | "task" | "reload"
    ref: str
    entry: int
    exit: int
    service_s: int
    vehicle: int | None = None  # reload copies belong to one crew-day


@dataclass
class ModelContext:
    """The model under construction and the maps between our ids and OR-Tools indices."""

    problem: Problem
    crew_days: list[CrewDay]
    tasks: list[Task]
    allowed: dict[str, list[str]]
    nodes: list[Node]
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    task_node: dict[str, int]
    vehicle_of: dict[str, int]
    transit_cb: dict[str, int] = field(default_factory=dict)
    #: per vehicle: extra cost (units) for entering each node (stability)
    entry_cost: dict[int, np.ndarray] = field(default_factory=dict)
    arc_cost_enabled: bool = True
    notes: list[str] = field(default_factory=list)

    def index(self, node: int) -> int:
        return self.manager.NodeToIndex(node)

    def vehicle_indices(self, task: Task) -> list[int]:
        return [self.vehicle_of[c] for c in self.allowed[task.id]]

    @property
    def time_dim(self) -> pywrapcp.RoutingDimension:
        return self.routing.GetDimensionOrDie(TIME)


def eur(value: float) -> int:
    """Euro to integer cost units."""
    return int(round(value * UNITS_PER_EUR))


def create_context(
    problem: Problem, allowed: dict[str, list[str]], crew_day_ids: Iterable[str] | None = None,
    seed: int = 0,
) -> ModelContext:
    """Nodes and model for the tasks in ``allowed`` (task id -> allowed crew-day ids).

    ``seed`` 0 keeps the tasks in ``allowed`` order; any other seed shuffles them with
    ``numpy.random.default_rng(seed)`` (OR-Tools' first solution and neighbourhoods follow the
    node order, so another seed gives another, equally valid plan; the same seed the same)."""
    crew_days = [c for c in problem.crew_days
                 if crew_day_ids is None or c.id in set(crew_day_ids)]
    vehicle_of = {c.id: v for v, c in enumerate(crew_days)}
    tasks = [problem.task_by_id[tid] for tid in allowed]
    if seed:
        tasks = [tasks[i] for i in np.random.default_rng(seed).permutation(len(tasks))]
    nodes: list[Node] = []
    depot_node: dict[int, int] = {}
    for c in crew_days:
        for loc in (c.start_location, c.end_location):
            if loc not in depot_node:
                depot_node[loc] = len(nodes)
                nodes.append(Node("depot", f"depot:{loc}", loc, loc, 0))
    task_node = {}
    for t in tasks:
        task_node[t.id] = len(nodes)
        nodes.append(Node("task", t.id, t.entry_location, t.exit_location, t.service_duration_s))
    used_kinds = {k for t in tasks for k, a in t.loads.items() if a}
    copies = problem.weights.reload_copies
    for v, c in enumerate(crew_days):
        for r in problem.reload_points:
            if any(c.capacity.get(k, 0) > 0 for k in r.kinds & used_kinds):
                for _ in range(copies):
                    nodes.append(Node("reload", r.id, r.location, r.location,
                                      r.service_duration_s, vehicle=v))
    starts = [depot_node[c.start_location] for c in crew_days]
    ends = [depot_node[c.end_location] for c in crew_days]
    manager = pywrapcp.RoutingIndexManager(len(nodes), len(crew_days), starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    return ModelContext(problem, crew_days, tasks, dict(allowed), nodes, manager, routing,
                        task_node, vehicle_of)


def _leg_matrix(ctx: ModelContext, profile: str, what: str) -> np.ndarray:
    """Node x node matrix of travel (``duration_s`` or ``distance_m``) from exit to entry."""
    m = getattr(ctx.problem.matrices[profile], what)
    exits = np.array([n.exit for n in ctx.nodes])
    entries = np.array([n.entry for n in ctx.nodes])
    return m[np.ix_(exits, entries)]


# ------------------------------------------------------------------------------------------
# time: travel + service, shifts, windows, breaks
# ------------------------------------------------------------------------------------------


def add_travel_and_service_time(ctx: ModelContext) -> None:
    """Time dimension on the absolute axis: transit = service at the node + travel to the next.

    Waiting is allowed (slack). A leg without road connection gets a transit longer than the
    horizon, so it can never be used.
    """
    horizon = ctx.problem.horizon_end_s
    service = np.array([n.service_s for n in ctx.nodes], dtype=np.int64)
    for profile in sorted({c.profile for c in ctx.crew_days}):
        travel = _leg_matrix(ctx, profile, "duration_s")
        transit = np.where(travel >= UNREACHABLE_S, horizon + 1, travel + service[:, None])
        np.fill_diagonal(transit, 0)
        ctx.transit_cb[profile] = ctx.routing.RegisterTransitMatrix(transit.tolist())
    evaluators = [ctx.transit_cb[c.profile] for c in ctx.crew_days]
    ctx.routing.AddDimensionWithVehicleTransits(evaluators, horizon, horizon, False, TIME)


def add_shifts(ctx: ModelContext) -> None:
    """Each crew-day leaves after its shift start and is back by shift end + allowed overtime;
    the time after the regular end costs ``overtime_eur_per_hour``."""
    dim = ctx.time_dim
    coef = eur(ctx.problem.weights.overtime_eur_per_hour) // 3600
    for v, c in enumerate(ctx.crew_days):
        start, end = ctx.routing.Start(v), ctx.routing.End(v)
        dim.CumulVar(start).SetRange(c.shift.start_s, c.shift.end_s)
        dim.CumulVar(end).SetRange(c.shift.start_s, c.latest_end_s)
        if c.max_overtime_s > 0 and coef > 0:
            dim.SetCumulVarSoftUpperBound(end, c.shift.end_s, coef)


def add_working_time_limit(ctx: ModelContext) -> None:
    """ArbZG §4 made safe for the fixed breaks: a tour ends no later than the crew-day's breaks
    allow (see :func:`routing.checker.arbzg_latest_end_s`); the checker verifies it again."""
    if not ctx.problem.labour_rules:
        return
    dim = ctx.time_dim
    for v, c in enumerate(ctx.crew_days):
        end = ctx.routing.End(v)
        dim.CumulVar(end).SetMax(max(c.shift.start_s, min(c.latest_end_s, arbzg_latest_end_s(c))))


def add_time_windows(ctx: ModelContext) -> None:
    """Service start within the task's windows ∩ noise rules ∩ the shifts of its crew-days.

    The start domain is the union over the allowed crew-days (each crew-day's shift also bounds
    its own tour); gaps between windows are removed from the cumul variable.
    """
    dim = ctx.time_dim
    p = ctx.problem
    for t in ctx.tasks:
        domains = []
        for cid in ctx.allowed[t.id]:
            domains.extend(p.start_domains(t, p.crew_day_by_id[cid]))
        _restrict(dim.CumulVar(ctx.index(ctx.task_node[t.id])), domains)


def _restrict(var, domains: list[tuple[int, int]]) -> None:
    merged = _merge(domains)
    var.SetRange(merged[0][0], merged[-1][1])
    for (_, hi), (lo, _) in zip(merged, merged[1:], strict=False):
        if lo - hi > 1:
            var.RemoveInterval(hi + 1, lo - 1)


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def add_breaks(ctx: ModelContext) -> None:
    """The tenant's fixed break windows per crew-day (SetBreakIntervalsOfVehicle).

    A short service may not be interrupted (visit transit = service); a long one
    (``weights.break_split_min_service_s``) may, so its visit transit is 0.
    ArbZG §4 is not modelled here; the checker verifies it independently.
    """
    dim = ctx.time_dim
    solver = ctx.routing.solver()
    p = ctx.problem
    visit = []
    for index in range(ctx.routing.Size()):
        node = ctx.nodes[ctx.manager.IndexToNode(index)]
        split = node.kind == "task" and p.is_splittable(p.task_by_id[node.ref])
        visit.append(0 if split else node.service_s)
    for v, c in enumerate(ctx.crew_days):
        if not c.breaks:
            continue
        intervals = [
            solver.FixedDurationIntervalVar(b.earliest_start_s, b.latest_start_s, b.duration_s,
                                            False, f"break:{v}:{i}")
            for i, b in enumerate(c.breaks)
        ]
        dim.SetBreakIntervalsOfVehicle(intervals, v, visit)


# ------------------------------------------------------------------------------------------
# who may do what
# ------------------------------------------------------------------------------------------


def add_allowed_vehicles(ctx: ModelContext) -> None:
    """Only crew-days with the equipment, qualifications, load capacity and a window
    (pre-computed in ``ctx.allowed``) may serve a task; reload copies belong to one crew-day."""
    for t in ctx.tasks:
        _allow(ctx, ctx.index(ctx.task_node[t.id]), ctx.vehicle_indices(t))
    for n, node in enumerate(ctx.nodes):
        if node.kind == "reload":
            _allow(ctx, ctx.index(n), [node.vehicle])


def _allow(ctx: ModelContext, index: int, vehicles: list[int]) -> None:
    """Same effect as RoutingModel.SetAllowedVehiclesForIndex (whose Python wrapper in
    OR-Tools 9.15 rejects every sequence): restrict the vehicle variable; -1 = not visited."""
    if len(vehicles) < len(ctx.crew_days):
        ctx.routing.VehicleVar(index).SetValues([-1, *sorted(vehicles)])


def add_capacities(ctx: ModelContext) -> None:
    """One dimension per load kind tracking the amount since the last reload.

    Tasks add the magnitude of their load; a reload copy subtracts the largest capacity and has
    slack up to it, so the amount after a reload can drop to any value >= 0 (slack is fixed to 0
    at every other node). Reload copies are optional at no penalty and open only in their
    opening hours. Each crew-day starts empty (the end depot unloads).
    """
    p = ctx.problem
    kinds = sorted({k for t in ctx.tasks for k, a in t.loads.items() if a})
    dim_time = ctx.time_dim
    for n, node in enumerate(ctx.nodes):
        if node.kind == "reload":
            index = ctx.index(n)
            ctx.routing.AddDisjunction([index], 0)
            r = p.reload_by_id[node.ref]
            domains = [(w.start_s, w.end_s - r.service_duration_s) for w in r.opening]
            domains = [(a, b) for a, b in domains if b >= a]
            if r.opening:
                if domains:
                    _restrict(dim_time.CumulVar(index), domains)
                else:
                    ctx.routing.ActiveVar(index).SetValue(0)
    for kind in kinds:
        caps = [int(round(c.capacity.get(kind, 0.0) * LOAD_SCALE)) for c in ctx.crew_days]
        cap_max = max(caps)
        demand = []
        for node in ctx.nodes:
            if node.kind == "task":
                demand.append(int(round(abs(p.task_by_id[node.ref].loads.get(kind, 0.0))
                                        * LOAD_SCALE)))
            elif node.kind == "reload" and kind in p.reload_by_id[node.ref].kinds:
                demand.append(-cap_max)
            else:
                demand.append(0)
        cb = ctx.routing.RegisterUnaryTransitVector(demand)
        name = f"load:{kind}"
        ctx.routing.AddDimensionWithVehicleCapacity(cb, cap_max, caps, True, name)
        dim = ctx.routing.GetDimensionOrDie(name)
        for index in range(ctx.routing.Size()):
            node = ctx.nodes[ctx.manager.IndexToNode(index)]
            if ctx.routing.IsStart(index) or not (
                node.kind == "reload" and kind in p.reload_by_id[node.ref].kinds
            ):
                dim.SlackVar(index).SetValue(0)


# ------------------------------------------------------------------------------------------
# objective parts: optional tasks, lateness, balance, stability, travel cost
# ------------------------------------------------------------------------------------------


def task_penalty_eur(problem: Problem, task: Task) -> float:
    """What leaving the task out costs: locked >> due (by urgency) >> not yet due (prize).

    A task that the previous plan had on a crew-day that still exists costs ``move_eur`` more
    to drop: dropping it is also moving it away (stability)."""
    w = problem.weights
    if task.locked_crew_day is not None:
        return w.locked_penalty_eur
    base = (w.prize_not_due_eur if not problem.is_due_in_horizon(task) else w.penalty_due_eur)
    base *= task.urgency
    prev = problem.previous_plan
    if prev is not None and task.id in prev.assignments and \
            prev.assignments[task.id][0] in problem.crew_day_by_id:
        base += w.move_eur
    return base


def add_task_penalties(ctx: ModelContext) -> None:
    """Every task is optional with a penalty (disjunction): urgency-weighted for due tasks, a
    small prize for tasks not yet due (so crews fill early days), huge for locked tasks."""
    for t in ctx.tasks:
        ctx.routing.AddDisjunction([ctx.index(ctx.task_node[t.id])],
                                   eur(task_penalty_eur(ctx.problem, t)))


def add_lateness(ctx: ModelContext) -> None:
    """Starting after the due latest time costs ``late_eur_per_day`` × urgency per day late
    (a soft upper bound on the absolute start time)."""
    dim = ctx.time_dim
    w = ctx.problem.weights
    for t in ctx.tasks:
        if t.due_latest_s is None or t.due_latest_s >= ctx.problem.horizon_end_s:
            continue
        coef = int(round(eur(w.late_eur_per_day) * max(t.urgency, 0.01) / 86400))
        if coef > 0:
            dim.SetCumulVarSoftUpperBound(ctx.index(ctx.task_node[t.id]), t.due_latest_s, coef)


def add_locks(ctx: ModelContext) -> None:
    """Locked positions form a fixed prefix of the crew-day's tour (done and in-progress stops
    stay): the next-variables from the start along the prefix are fixed."""
    prefixes: dict[str, list[Task]] = {}
    for t in ctx.tasks:
        if t.locked_position is not None and t.locked_crew_day in ctx.vehicle_of:
            prefixes.setdefault(t.locked_crew_day, []).append(t)
    for cid, tasks in prefixes.items():
        v = ctx.vehicle_of[cid]
        chain = [ctx.routing.Start(v)] + [
            ctx.index(ctx.task_node[t.id]) for t in sorted(tasks, key=lambda t: t.locked_position)
        ]
        for a, b in zip(chain, chain[1:], strict=False):
            ctx.routing.NextVar(a).SetValue(b)


def add_balanced_workload(ctx: ModelContext) -> None:
    """Work (service + driving) above a common share of each crew-day's net shift costs
    ``balance_eur_per_hour``: a soft upper bound on a work dimension at every tour end.

    The share is the expected load factor: due service time × 1.25 / available crew time,
    clamped to [0.2, 1]."""
    w = ctx.problem.weights
    coef = eur(w.balance_eur_per_hour) // 3600
    if coef <= 0:
        return
    ctx.routing.AddDimensionWithVehicleTransits(
        [ctx.transit_cb[c.profile] for c in ctx.crew_days], 0, ctx.problem.horizon_end_s, True, WORK
    )
    dim = ctx.routing.GetDimensionOrDie(WORK)
    available = sum(c.shift.length_s - c.break_total_s for c in ctx.crew_days)
    due = sum(t.service_duration_s for t in ctx.tasks if ctx.problem.is_due_in_horizon(t))
    share = min(1.0, max(0.2, 1.25 * due / available)) if available else 1.0
    for v, c in enumerate(ctx.crew_days):
        target = int(share * (c.shift.length_s - c.break_total_s))
        dim.SetCumulVarSoftUpperBound(ctx.routing.End(v), target, coef)


def add_stability_cost(ctx: ModelContext) -> None:
    """Entering a task on another crew-day than in the previous plan costs ``move_eur``
    (tasks of crew-days that no longer exist move for free)."""
    prev = ctx.problem.previous_plan
    if prev is None or ctx.problem.weights.move_eur <= 0:
        return
    cost = eur(ctx.problem.weights.move_eur)
    for tid, (cid, _) in prev.assignments.items():
        if tid not in ctx.task_node or cid not in ctx.vehicle_of:
            continue
        node = ctx.task_node[tid]
        for v in range(len(ctx.crew_days)):
            if v != ctx.vehicle_of[cid]:
                arr = ctx.entry_cost.setdefault(v, np.zeros(len(ctx.nodes), dtype=np.int64))
                arr[node] += cost


def add_travel_cost(ctx: ModelContext) -> None:
    """Arc cost = driving time × cost per hour + distance × cost per km of the crew-day (service
    time is not a cost: the work has to be done anyway)."""
    ctx.arc_cost_enabled = True


def finalize_arc_costs(ctx: ModelContext) -> None:
    """Register one arc-cost matrix per distinct (profile, rates, stability) combination."""
    cache: dict[tuple, int] = {}
    base_cache: dict[tuple, np.ndarray] = {}
    for v, c in enumerate(ctx.crew_days):
        extra = ctx.entry_cost.get(v)
        key = (c.profile, c.cost_per_hour_eur, c.cost_per_km_eur,
               None if extra is None else extra.tobytes())
        if key not in cache:
            bkey = key[:3]
            if bkey not in base_cache:
                dur = _leg_matrix(ctx, c.profile, "duration_s")
                dist = _leg_matrix(ctx, c.profile, "distance_m")
                unreachable = dur >= UNREACHABLE_S
                cost = np.zeros_like(dur)
                if ctx.arc_cost_enabled:
                    cost = np.rint(dur * (UNITS_PER_EUR * c.cost_per_hour_eur / 3600)
                                   + dist * (UNITS_PER_EUR * c.cost_per_km_eur / 1000)
                                   ).astype(np.int64)
                cost[unreachable] = eur(10_000)
                np.fill_diagonal(cost, 0)
                base_cache[bkey] = cost
            cost = base_cache[bkey]
            if extra is not None:
                cost = cost + extra[None, :]
            cache[key] = ctx.routing.RegisterTransitMatrix(cost.tolist())
        ctx.routing.SetArcCostEvaluatorOfVehicle(cache[key], v)


#: the constraint functions in the order they are applied
CONSTRAINTS: tuple[Callable[[ModelContext], None], ...] = (
    add_travel_and_service_time,
    add_shifts,
    add_working_time_limit,
    add_time_windows,
    add_breaks,
    add_allowed_vehicles,
    add_capacities,
    add_task_penalties,
    add_lateness,
    add_balanced_workload,
    add_stability_cost,
    add_travel_cost,
    add_locks,
)


def build_model(
    problem: Problem,
    allowed: dict[str, list[str]],
    crew_day_ids: Iterable[str] | None = None,
    skip: Iterable[str] = (),
    seed: int = 0,
) -> ModelContext:
    """Create the context and apply every constraint function not named in ``skip``."""
    ctx = create_context(problem, allowed, crew_day_ids, seed)
    skip = set(skip)
    if "add_travel_cost" in skip:
        ctx.arc_cost_enabled = False
    for fn in CONSTRAINTS:
        if fn.__name__ not in skip or fn is add_travel_and_service_time:
            fn(ctx)
    finalize_arc_costs(ctx)
    ctx.notes.append(f"{len(ctx.nodes)} nodes, {len(ctx.crew_days)} crew-days")
    return ctx
