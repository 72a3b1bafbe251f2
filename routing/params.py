"""Search parameters of :func:`routing.solve.solve` as one small immutable object."""

from __future__ import annotations

from dataclasses import dataclass, replace

from routing.problem import ProblemError

FIRST_SOLUTION_STRATEGIES = (
    "PARALLEL_CHEAPEST_INSERTION", "LOCAL_CHEAPEST_INSERTION", "LOCAL_CHEAPEST_COST_INSERTION",
    "SEQUENTIAL_CHEAPEST_INSERTION", "PATH_CHEAPEST_ARC", "SAVINGS", "PARALLEL_SAVINGS",
    "GLOBAL_CHEAPEST_ARC", "LOCAL_CHEAPEST_ARC", "CHRISTOFIDES", "BEST_INSERTION", "AUTOMATIC",
)
METAHEURISTICS = ("GUIDED_LOCAL_SEARCH", "SIMULATED_ANNEALING", "TABU_SEARCH",
                  "GENERIC_TABU_SEARCH", "GREEDY_DESCENT", "AUTOMATIC")
METHODS = ("auto", "direct", "by_day")


@dataclass(frozen=True)
class SolveParams:
    """How long and how to search.

    * ``time_limit_s``: the budget of the whole call (default 20 s, what a week of about 300
      tasks needs), in counted work (:class:`routing.search.SolveClock`: insertion work units
      and OR-Tools CPU seconds; a busy machine makes the call longer, not the plan worse). An
      OR-Tools search ends after its CPU budget, or once ``min_search_share`` of it is done and
      the plan has not improved for ``stall_share`` of it; ``max_wall_factor`` × the budget is
      the hard wall-clock ceiling of the searches.
    * ``solution_limit``: stop each search after this many improving solutions; in
      ``deterministic`` mode it replaces the clock (default 100 then).
    * ``first_solution_strategy`` / ``metaheuristic``: for worker 0; the other workers of the
      portfolio use differently configured searches (see :mod:`routing.solve`).
    * ``workers``: parallel searches in separate processes (the best plan is kept; ties broken
      by cost, then worker id).
    * ``seed``: 0 keeps the model's task order; another seed shuffles it
      (``numpy.random.default_rng(seed)``), so OR-Tools starts and searches differently: another
      valid plan, the same one for the same seed in deterministic mode.
    * ``deterministic``: identical plans for identical inputs (no clock limits).
    * ``method``: ``direct`` (one OR-Tools model), ``by_day`` (assign days first, then route each
      day; for weeks of hundreds of tasks) or ``auto`` (chosen by size).
    * ``gls_lambda``: guided local search penalty factor (OR-Tools default 0.1).
    * ``repair``: after the search, insert every task that fits cheaper than its penalty and
      drop unneeded reload visits (:mod:`routing.repair`); off only to study the raw search.
    * ``lean_operators``: switch off OR-Tools' large-neighbourhood insertion, Lin-Kernighan,
      sub-trip and pickup/delivery operators. Much faster guided local search when every task
      gets served (Solomon); harmful when many tasks stay optional, because those operators
      are what inserts left-out tasks (the Lauf week), hence off by default.
    """

    time_limit_s: float = 20.0
    solution_limit: int | None = None
    first_solution_strategy: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    seed: int = 0
    workers: int = 2
    deterministic: bool = False
    method: str = "auto"
    gls_lambda: float = 0.1
    explain: bool = True
    lean_operators: bool = False
    repair: bool = True
    min_search_share: float = 0.8
    stall_share: float = 0.2
    max_wall_factor: float = 10.0

    def __post_init__(self) -> None:
        if self.time_limit_s <= 0:
            raise ProblemError(f"time_limit_s must be > 0, got {self.time_limit_s}")
        if self.solution_limit is not None and self.solution_limit < 1:
            raise ProblemError(f"solution_limit must be >= 1, got {self.solution_limit}")
        if self.first_solution_strategy not in FIRST_SOLUTION_STRATEGIES:
            raise ProblemError(f"unknown first_solution_strategy {self.first_solution_strategy!r}"
                               f"; choose one of {', '.join(FIRST_SOLUTION_STRATEGIES)}")
        if self.metaheuristic not in METAHEURISTICS:
            raise ProblemError(f"unknown metaheuristic {self.metaheuristic!r}; choose one of "
                               f"{', '.join(METAHEURISTICS)}")
        if self.workers < 1:
            raise ProblemError(f"workers must be >= 1, got {self.workers}")
        if not 0 <= self.min_search_share <= 1 or not 0 < self.stall_share <= 1:
            raise ProblemError("min_search_share must lie in [0, 1] and stall_share in (0, 1], "
                               f"got {self.min_search_share} and {self.stall_share}")
        if self.max_wall_factor < 1:
            raise ProblemError(f"max_wall_factor must be >= 1, got {self.max_wall_factor}")
        if self.method not in METHODS:
            raise ProblemError(f"unknown method {self.method!r}; choose one of {METHODS}")

    @property
    def effective_solution_limit(self) -> int | None:
        if self.deterministic and self.solution_limit is None:
            return 100
        return self.solution_limit

    def with_(self, **changes) -> SolveParams:
        return replace(self, **changes)
