"""OR-Tools search: the portfolio of differently configured searches and how long they run.

:func:`run_search` builds the model (:mod:`routing.constraints`), optionally reads a warm start
(task and reload refs per crew-day), searches and returns the routes plus where OR-Tools placed
the fixed breaks, as a picklable :class:`RawResult`. :func:`run_portfolio` runs
``SolveParams.workers`` members in parallel (worker 0 in the calling process, the others in
forked processes).

**Budgets that survive a busy server** (:class:`Budget`): a time-limited search is measured in
*CPU seconds of this process*, not in wall-clock seconds. It runs until it has searched
``cpu_s``, or, once it has searched ``min_cpu_s``, until the best plan has not improved for
``stall_cpu_s``; the wall clock only sets a hard ceiling. On a quiet machine CPU and wall time
are the same; when other processes take half the CPU, the search takes up to twice as long and
does the same work, so the plan is not worse.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from routing.checker import BreakHint
from routing.constraints import TIME, build_model
from routing.insertion import WORK_UNITS_PER_S, work_done
from routing.params import SolveParams
from routing.problem import Problem

#: deterministic mode: search-tree branches allowed per requested solution
DETERMINISTIC_BRANCHES_PER_SOLUTION = 2000
#: the progress check reads the clocks every this many calls (a Python call per neighbour is
#: cheap, the clocks are not)
CHECK_EVERY = 64


@dataclass(frozen=True)
class Budget:
    """How much a time-limited search may do (see module docstring). Seconds of CPU time of the
    searching process, except ``wall_deadline`` (absolute ``time.time()``, the hard ceiling)."""

    cpu_s: float
    min_cpu_s: float
    stall_cpu_s: float
    wall_deadline: float

    @staticmethod
    def of(params: SolveParams, search_s: float, start: float | None = None) -> Budget:
        """The budget for ``search_s`` seconds of search under ``params``: at least
        ``params.min_search_share`` of it, stop after ``params.stall_share`` of it without
        improvement, never beyond ``params.max_wall_factor`` times it on the wall clock."""
        start = time.time() if start is None else start
        search_s = max(0.1, search_s)
        return Budget(search_s, params.min_search_share * search_s,
                      params.stall_share * search_s,
                      start + params.max_wall_factor * search_s)

    def scaled(self, share: float) -> Budget:
        """The same budget for a part (``share``) of the work, same wall ceiling."""
        return Budget(self.cpu_s * share, self.min_cpu_s * share, self.stall_cpu_s * share,
                      self.wall_deadline)


@dataclass
class SolveClock:
    """The budget of one whole :func:`routing.solve.solve` call (first plan, searches, repair,
    improvement) in seconds of work, not of the wall clock: insertion work counted in units
    (:func:`routing.insertion.work_done`; :data:`routing.insertion.WORK_UNITS_PER_S` units are a
    second on a quiet machine) plus the CPU budgets of the OR-Tools searches. On a quiet machine
    that is the wall time of the call; when other processes share the cores every step does the
    same work, so the plan stays the same and the call takes longer, up to ``max_wall_factor``
    × ``limit_s`` on the wall clock (the hard ceiling)."""

    problem: Problem
    limit_s: float
    max_wall_factor: float = 10.0
    wall0: float = field(default_factory=time.time)
    units0: int = 0
    searched_s: float = 0.0

    @staticmethod
    def of(problem: Problem, params: SolveParams, t0: float | None = None) -> SolveClock:
        """The clock of a solve of ``problem`` with ``params`` started at wall time ``t0``."""
        return SolveClock(problem, params.time_limit_s, params.max_wall_factor,
                          wall0=time.time() if t0 is None else t0,
                          units0=work_done(problem))

    def spent_s(self) -> float:
        """Work done so far (s)."""
        return (work_done(self.problem) - self.units0) / WORK_UNITS_PER_S + self.searched_s

    def left_s(self) -> float:
        """Work left within the budget (s, never negative)."""
        return max(0.0, self.limit_s - self.spent_s())

    def units_left(self, reserve_s: float = 0.0) -> float:
        """Insertion work units left when ``reserve_s`` of the budget is kept back."""
        return max(0.0, self.left_s() - reserve_s) * WORK_UNITS_PER_S

    @property
    def wall_ceiling(self) -> float:
        """Absolute ``time.time()`` after which every step stops."""
        return self.wall0 + self.max_wall_factor * self.limit_s

    def search_budget(self, params: SolveParams, search_s: float) -> Budget:
        """A search :class:`Budget` of ``search_s`` CPU seconds that stops at this clock's wall
        ceiling at the latest."""
        b = Budget.of(params, search_s)
        return Budget(b.cpu_s, b.min_cpu_s, b.stall_cpu_s, min(b.wall_deadline,
                                                                 self.wall_ceiling))


class ProgressStop:
    """OR-Tools search limit for a :class:`Budget`: records the CPU time of every improving
    solution (at-solution callback) and stops the search (custom limit) as the budget says."""

    def __init__(self, routing: pywrapcp.RoutingModel, budget: Budget) -> None:
        self.routing = routing
        self.budget = budget
        self.cpu0 = time.process_time()
        self.best: int | None = None
        self.last_improvement_cpu = 0.0
        self.calls = 0
        self.stopped_by = ""

    def at_solution(self) -> None:
        value = self.routing.CostVar().Value()
        if self.best is None or value < self.best:
            self.best = value
            self.last_improvement_cpu = time.process_time() - self.cpu0

    def should_stop(self) -> bool:
        self.calls += 1
        if self.calls % CHECK_EVERY:
            return False
        cpu = time.process_time() - self.cpu0
        if time.time() >= self.budget.wall_deadline:
            self.stopped_by = "wall ceiling"
        elif cpu >= self.budget.cpu_s:
            self.stopped_by = "budget"
        elif self.best is not None and cpu >= self.budget.min_cpu_s and \
                cpu - self.last_improvement_cpu >= self.budget.stall_cpu_s:
            self.stopped_by = "no improvement"
        return bool(self.stopped_by)

    def attach(self) -> None:
        self.routing.AddAtSolutionCallback(self.at_solution)
        self.routing.AddSearchMonitor(self.routing.solver().CustomLimit(self.should_stop))


#: local search operators switched off with ``SolveParams.lean_operators``: large-neighbourhood
#: insertions, Lin-Kernighan, sub-trip and pickup/delivery moves. On Solomon R/RC instances under
#: a 10 s budget this roughly halves the gap (guided local search gets many more iterations); on
#: the Lauf week, where many tasks stay optional, it loses work (those operators insert them).
LEAN_OPERATORS: tuple[tuple[str, object], ...] = tuple(
    (f"local_search_operators.{name}", 2)  # 2 = BOOL_FALSE
    for name in (
        "use_global_cheapest_insertion_path_lns", "use_local_cheapest_insertion_path_lns",
        "use_relocate_path_global_cheapest_insertion_insert_unperformed",
        "use_global_cheapest_insertion_visit_types_lns",
        "use_local_cheapest_insertion_visit_types_lns", "use_shortest_path_swap_active",
        "use_shortest_path_two_opt", "use_lin_kernighan", "use_exchange_subtrip",
        "use_relocate_subtrip", "use_light_relocate_pair", "use_exchange_pair",
        "use_relocate_pair",
    )
)


@dataclass(frozen=True)
class SearchConfig:
    """One member of the portfolio."""

    worker: int
    first_solution: str
    metaheuristic: str
    gls_lambda: float = 0.1
    #: extra RoutingSearchParameters fields as (dotted name, value) pairs
    extra: tuple[tuple[str, object], ...] = ()


@dataclass
class RawResult:
    """What a search returns across the process boundary (picklable, no OR-Tools objects)."""

    worker: int
    objective: int | None
    routes: dict[str, list[str]] = field(default_factory=dict)
    hints: dict[str, dict[int, BreakHint]] = field(default_factory=dict)
    status: str = ""
    #: why a budgeted search stopped ("budget", "no improvement", "wall ceiling")
    stopped_by: str = ""
    cpu_s: float = 0.0


def portfolio(params: SolveParams) -> list[SearchConfig]:
    """Differently configured searches: worker 0 follows ``params``, the others diversify the
    first solution (local cheapest insertion, savings) and the guided local search penalty."""
    extra = LEAN_OPERATORS if params.lean_operators else ()
    base = SearchConfig(0, params.first_solution_strategy, params.metaheuristic, params.gls_lambda,
                        extra)
    others = [
        SearchConfig(1, "LOCAL_CHEAPEST_INSERTION", "GUIDED_LOCAL_SEARCH", 0.2),
        SearchConfig(2, "SAVINGS", "GUIDED_LOCAL_SEARCH", 0.1),
        SearchConfig(3, "PATH_CHEAPEST_ARC", "GUIDED_LOCAL_SEARCH", 0.3),
    ]
    configs = [base] + [c for c in others if c.first_solution != base.first_solution]
    return [SearchConfig(i, c.first_solution, c.metaheuristic, c.gls_lambda, extra)
            for i, c in enumerate(configs[: params.workers])]


def search_parameters(config: SearchConfig, time_limit_s: float | None,
                      solution_limit: int | None):
    """OR-Tools RoutingSearchParameters for one portfolio member."""
    sp = pywrapcp.DefaultRoutingSearchParameters()
    sp.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy,
                                         config.first_solution)
    sp.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic,
                                            config.metaheuristic)
    sp.guided_local_search_lambda_coefficient = config.gls_lambda
    if time_limit_s is not None:
        sp.time_limit.FromMilliseconds(max(100, int(time_limit_s * 1000)))
    if solution_limit is not None:
        sp.solution_limit = solution_limit
    for name, value in config.extra:
        if name == "ils_sisr":
            _use_ils_sisr(sp, **dict(value))
            continue
        target = sp
        *path, last = name.split(".")
        for part in path:
            target = getattr(target, part)
        setattr(target, last, value)
    return sp


def _use_ils_sisr(sp, avg_removed: int = 10, max_sequence: int = 10,
                  temperature: float | None = None) -> None:
    """Iterated local search with SISR ruin & recreate (slack induction by string removals)."""
    sp.use_iterated_local_search = True
    ils = sp.iterated_local_search_parameters
    rr = ils.ruin_recreate_parameters
    del rr.ruin_strategies[:]
    sisr = rr.ruin_strategies.add().sisr
    sisr.max_removed_sequence_size = max_sequence
    sisr.avg_num_removed_visits = avg_removed
    sisr.bypass_factor = 0.01
    sa = ils.reference_solution_acceptance_strategy.simulated_annealing
    if temperature is None:
        sa.automatic_temperatures = True
    else:
        sa.initial_temperature = temperature
        sa.final_temperature = temperature / 1000


def run_search(
    problem: Problem,
    allowed: dict[str, list[str]],
    config: SearchConfig,
    deadline: float | None,
    solution_limit: int | None,
    initial_routes: dict[str, list[str]] | None = None,
    crew_day_ids: list[str] | None = None,
    skip: tuple[str, ...] = (),
    time_limit_s: float | None = None,
    budget: Budget | None = None,
    seed: int = 0,
) -> RawResult:
    """Build the model, search, and return routes plus where OR-Tools placed the breaks.

    With a ``budget`` the search stops on progress (see :class:`Budget`). Otherwise the clock
    stops it at ``deadline`` (absolute ``time.time()``) or after ``time_limit_s`` from the call;
    all None: only ``solution_limit`` stops the search (deterministic mode).
    ``initial_routes`` (task and reload refs per crew-day) warm-start the search when OR-Tools
    accepts them. ``skip`` names constraint functions to leave out (per-constraint tests);
    ``seed`` permutes the model's task order (see :func:`routing.constraints.create_context`).
    """
    if deadline is None and time_limit_s is not None:
        deadline = time.time() + time_limit_s
    if budget is not None:
        deadline = budget.wall_deadline
    ctx = build_model(problem, allowed, crew_day_ids, skip, seed=seed)
    routing = ctx.routing
    remaining = None if deadline is None else max(0.1, deadline - time.time())
    if budget is not None:
        # OR-Tools' own clock is only the safety net: ProgressStop ends a budgeted search (and
        # says why), also when building the model took the wall time on a busy machine
        remaining = (remaining or 0.0) + 1.0
    sp = search_parameters(config, remaining, solution_limit)
    routing.CloseModelWithParameters(sp)
    progress = None
    if budget is not None:
        progress = ProgressStop(routing, budget)
        progress.attach()
    elif deadline is None:
        # no clock: guided local search would run forever on tiny instances once no better
        # solution exists, so cap the search tree deterministically as well
        routing.AddSearchMonitor(routing.solver().BranchesLimit(
            DETERMINISTIC_BRANCHES_PER_SOLUTION * (solution_limit or 100)))
    solution = None
    if initial_routes:
        hint = routing.ReadAssignmentFromRoutes(_route_indices(ctx, initial_routes), True)
        if hint is not None:
            solution = routing.SolveFromAssignmentWithParameters(hint, sp)
    if solution is None:
        if sp.use_iterated_local_search:
            solution = routing.SolveWithIteratedLocalSearch(sp)
        else:
            solution = routing.SolveWithParameters(sp)
    status = str(routing.status())
    stopped_by = progress.stopped_by if progress else ""
    if progress is not None and not stopped_by and time.time() >= budget.wall_deadline:
        # OR-Tools' own time limit (set to the wall deadline) ended it between two checks
        stopped_by = "wall ceiling"
    cpu_s = round(time.process_time() - progress.cpu0, 2) if progress else 0.0
    if solution is None:
        return RawResult(config.worker, None, status=status, stopped_by=stopped_by, cpu_s=cpu_s)
    time_dim = routing.GetDimensionOrDie(TIME)
    routes: dict[str, list[str]] = {}
    cumuls: dict[int, list[tuple[int, int, str]]] = {}
    for v, c in enumerate(ctx.crew_days):
        index = routing.Start(v)
        seq, cs = [], [(solution.Min(time_dim.CumulVar(index)), -1, "start")]
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            node = ctx.nodes[ctx.manager.IndexToNode(index)]
            seq.append(node.ref)
            cs.append((solution.Min(time_dim.CumulVar(index)), len(seq) - 1, node.ref))
            index = solution.Value(routing.NextVar(index))
        cs.append((solution.Min(time_dim.CumulVar(index)), len(seq), "end"))
        routes[c.id] = seq
        cumuls[v] = cs
    hints: dict[str, dict[int, BreakHint]] = {}
    intervals = solution.IntervalVarContainer()
    for k in range(intervals.Size()):
        element = intervals.Element(k)
        _, v_s, i_s = element.Var().Name().split(":")
        v, i = int(v_s), int(i_s)
        if not element.PerformedValue():
            continue
        c = ctx.crew_days[v]
        hints.setdefault(c.id, {})[i] = _break_hint(problem, cumuls[v], element.StartValue())
    return RawResult(config.worker, solution.ObjectiveValue(), routes, hints, status,
                     stopped_by, cpu_s)


def _route_indices(ctx, initial_routes: dict[str, list[str]]) -> list[list[int]]:
    """Model indices of a warm start: task refs map to their node, the k-th visit of a reload
    point on a crew-day to that crew-day's k-th copy of it (visits beyond the copies and
    unknown refs are left out; the search then finds its own)."""
    copies: dict[tuple[int, str], list[int]] = {}
    for n, node in enumerate(ctx.nodes):
        if node.kind == "reload":
            copies.setdefault((node.vehicle, node.ref), []).append(ctx.index(n))
    out = []
    for v, c in enumerate(ctx.crew_days):
        used: dict[str, int] = {}
        seq = []
        for r in initial_routes.get(c.id, []):
            if r in ctx.task_node:
                seq.append(ctx.index(ctx.task_node[r]))
            elif (v, r) in copies:
                k = used.get(r, 0)
                if k < len(copies[(v, r)]):
                    seq.append(copies[(v, r)][k])
                    used[r] = k + 1
        out.append(seq)
    return out


def _break_hint(problem: Problem, cumuls: list[tuple[int, int, str]], start: int) -> BreakHint:
    """Which gap or service a break placed by OR-Tools at ``start`` belongs to."""
    *body, (end_t, n, _) = cumuls
    if start >= end_t:
        return ("after", 0)
    last = cumuls[0]
    for entry in body:
        if entry[0] <= start:
            last = entry
    cum, pos, ref = last
    if pos >= 0:
        task = problem.task_by_id.get(ref)
        if task is not None and problem.is_splittable(task) and \
                start < cum + task.service_duration_s:
            return ("inside", pos)
    return ("gap", pos + 1)


def run_portfolio(
    problem: Problem,
    allowed: dict[str, list[str]],
    params: SolveParams,
    deadline: float | None,
    initial_routes: dict[str, list[str]] | None = None,
    crew_day_ids: list[str] | None = None,
    budget: Budget | None = None,
) -> list[RawResult]:
    """Run the portfolio: worker 0 in this process, the others in forked processes. With a
    warm start, worker 0 polishes it and the others search from their own first solutions."""
    configs = portfolio(params)
    limit = params.effective_solution_limit
    if params.deterministic:
        deadline, budget = None, None
    args = (problem, allowed)
    kw = dict(crew_day_ids=crew_day_ids, budget=budget, seed=params.seed)
    if len(configs) == 1:
        return [run_search(*args, configs[0], deadline, limit, initial_routes, **kw)]
    ctx = mp.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(configs) - 1, mp_context=ctx) as pool:
        futures = [pool.submit(run_search, *args, cfg, deadline, limit,
                               initial_routes if problem.previous_plan is not None else None,
                               **kw) for cfg in configs[1:]]
        results = [run_search(*args, configs[0], deadline, limit, initial_routes, **kw)]
        results += [f.result() for f in futures]
    return results


def best_result(results: list[RawResult]) -> RawResult | None:
    """Lowest objective; ties broken by worker id (deterministic)."""
    found = [r for r in results if r.objective is not None]
    return min(found, key=lambda r: (r.objective, r.worker)) if found else None


def initial_routes_from(problem: Problem) -> dict[str, list[str]] | None:
    """Warm start from the previous plan (tasks and crew-days that still exist)."""
    if problem.previous_plan is None:
        return None
    routes = problem.previous_plan.routes()
    return {cd: [t for t in seq if t in problem.task_by_id]
            for cd, seq in routes.items() if cd in problem.crew_day_by_id}


