"""``solve(problem, params) -> Solution``: a pure function around OR-Tools.

Steps: pre-check (tasks no crew-day can serve get their reason at once) → a portfolio of
differently configured OR-Tools searches in parallel processes on the same model (the best plan
is kept; ties: lower cost, then lower worker id) → every tour re-timed and verified by our own
checker → unassigned tasks explained by our checker's best insertion.

Large horizons (a week of a town) go through :mod:`routing.assign` (days first, then routes).
"""

from __future__ import annotations

import multiprocessing as mp
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from routing.checker import BreakHint, retime_tour
from routing.constraints import TIME, build_model, eur, task_penalty_eur
from routing.explain import explain_unassigned, precheck
from routing.params import SolveParams
from routing.problem import Problem
from routing.solution import Solution, Tour, TourKpis, Unassigned

#: above this many (task, allowed crew-day) pairs ``method="auto"`` assigns days first
DIRECT_MAX_PAIRS = 2500
#: deterministic mode: search-tree branches allowed per requested solution
DETERMINISTIC_BRANCHES_PER_SOLUTION = 2000


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
) -> RawResult:
    """Build the model, search, and return routes plus where OR-Tools placed the breaks.

    The clock stops at ``deadline`` (absolute ``time.time()``) or after ``time_limit_s`` from
    the call; both None: only ``solution_limit`` stops the search (deterministic mode).
    ``skip`` names constraint functions to leave out (used by the per-constraint tests).
    """
    if deadline is None and time_limit_s is not None:
        deadline = time.time() + time_limit_s
    ctx = build_model(problem, allowed, crew_day_ids, skip)
    routing = ctx.routing
    remaining = None if deadline is None else max(0.1, deadline - time.time())
    sp = search_parameters(config, remaining, solution_limit)
    routing.CloseModelWithParameters(sp)
    if deadline is None:
        # no clock: guided local search would run forever on tiny instances once no better
        # solution exists, so cap the search tree deterministically as well
        routing.AddSearchMonitor(routing.solver().BranchesLimit(
            DETERMINISTIC_BRANCHES_PER_SOLUTION * (solution_limit or 100)))
    solution = None
    if initial_routes:
        routes_idx = []
        for c in ctx.crew_days:
            seq = [ctx.index(ctx.task_node[r]) for r in initial_routes.get(c.id, [])
                   if r in ctx.task_node]
            routes_idx.append(seq)
        hint = routing.ReadAssignmentFromRoutes(routes_idx, True)
        if hint is not None:
            solution = routing.SolveFromAssignmentWithParameters(hint, sp)
    if solution is None:
        if sp.use_iterated_local_search:
            solution = routing.SolveWithIteratedLocalSearch(sp)
        else:
            solution = routing.SolveWithParameters(sp)
    status = str(routing.status())
    if solution is None:
        return RawResult(config.worker, None, status=status)
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
    return RawResult(config.worker, solution.ObjectiveValue(), routes, hints, status)


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
) -> list[RawResult]:
    """Run the portfolio: worker 0 in this process, the others in forked processes."""
    configs = portfolio(params)
    limit = params.effective_solution_limit
    if params.deterministic:
        deadline = None
    args = (problem, allowed)
    if len(configs) == 1:
        return [run_search(*args, configs[0], deadline, limit, initial_routes, crew_day_ids)]
    ctx = mp.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(configs) - 1, mp_context=ctx) as pool:
        futures = [pool.submit(run_search, *args, cfg, deadline, limit, initial_routes,
                               crew_day_ids) for cfg in configs[1:]]
        results = [run_search(*args, configs[0], deadline, limit, initial_routes, crew_day_ids)]
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


def solve(problem: Problem, params: SolveParams | None = None) -> Solution:
    """Plan the crew-days of ``problem``; pure: same inputs and deterministic params give the
    same plan. Tasks that cannot or should not be done are returned with reasons."""
    params = params or SolveParams()
    t0 = time.time()
    allowed, pre_reasons = precheck(problem)
    method = params.method
    if method == "auto":
        pairs = sum(len(v) for v in allowed.values())
        days = {c.day for c in problem.crew_days}
        method = "by_day" if pairs > DIRECT_MAX_PAIRS and len(days) > 1 else "direct"
    if method == "by_day":
        from routing.assign import solve_by_days

        return solve_by_days(problem, params, allowed, pre_reasons, t0)
    reserve = min(3.0, 0.1 * params.time_limit_s) if params.explain else 0.5
    deadline = t0 + params.time_limit_s - reserve
    results = run_portfolio(problem, allowed, params, deadline, initial_routes_from(problem))
    best = best_result(results)
    routes = best.routes if best else {}
    hints = best.hints if best else {}
    notes = [] if best else ["no solution found within the limits; every task left unassigned"]
    return build_solution(problem, routes, hints, allowed, pre_reasons, params, t0,
                          objective=best.objective if best else None,
                          worker=best.worker if best else None,
                          status=best.status if best else "no solution", method="direct",
                          notes=notes)


def build_solution(
    problem: Problem,
    routes: dict[str, list[str]],
    hints: dict[str, dict[int, BreakHint]],
    allowed: dict[str, list[str]],
    pre_reasons: dict,
    params: SolveParams,
    t0: float,
    objective: int | None = None,
    worker: int | None = None,
    status: str = "",
    method: str = "direct",
    notes: list[str] | None = None,
) -> Solution:
    """Re-time every route with our checker and explain what was left out."""
    tours: dict[str, Tour] = {}
    notes = list(notes or [])
    for c in problem.crew_days:
        seq = routes.get(c.id, [])
        tour = retime_tour(problem, c.id, seq, hints.get(c.id))
        if tour.violations and hints.get(c.id):
            alt = retime_tour(problem, c.id, seq)
            if len(alt.violations) < len(tour.violations):
                tour = alt
        if tour.violations:
            notes.append(f"{c.id}: checker found {len(tour.violations)} violation(s)")
        tours[c.id] = tour
    assigned = {tid for t in tours.values() for tid in t.task_ids}
    left = [tid for tid in allowed if tid not in assigned]
    explained = {}
    if left:
        if params.explain:
            explained = explain_unassigned(problem, tours, left, allowed,
                                           penalty_of=lambda t: task_penalty_eur(problem, t),
                                           deadline=None if params.deterministic
                                           else t0 + params.time_limit_s)
        else:
            from routing.explain import make_reason

            explained = {tid: [make_reason("search_stopped", crew_day="-", cost_eur="?",
                                           penalty_eur=round(task_penalty_eur(
                                               problem, problem.task_by_id[tid]), 2))]
                         for tid in left}
    unassigned = [Unassigned(tid, tuple(rs)) for tid, rs in pre_reasons.items()]
    unassigned += [Unassigned(tid, tuple(explained[tid])) for tid in left]
    order = {t.id: i for i, t in enumerate(problem.tasks)}
    unassigned.sort(key=lambda u: order[u.task_id])
    available = sum(c.shift.length_s - c.break_total_s for c in problem.crew_days)
    ordered = tuple(tours[c.id] for c in problem.crew_days)
    kpis = TourKpis.total([t.kpis for t in ordered], available)
    return Solution(ordered, tuple(unassigned), kpis, objective, status, worker,
                    round(time.time() - t0, 3), method, tuple(notes))


__all__ = ["solve", "SolveParams", "eur"]
