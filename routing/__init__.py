"""routing: travel matrices → solver-neutral problem → OR-Tools → checked plan.

The public API of the planning side, for the spine (``greentour``) and the benches::

    from routing import Problem, Task, CrewDay, SolveParams, solve, audit_plan

The road-graph side (graph, speeds, access points, matrices, cache, profiles) needs osmnx and
has its own public module, :mod:`routing.network`, so that planning alone does not pay for
loading it. The application imports these two (``__all__``) only, never the modules behind them.
"""

from routing.audit import Finding, FindingCode, audit_plan
from routing.checker import check_solution, check_tour, retime_tour
from routing.insertion import Insertion, best_insertion
from routing.params import SolveParams
from routing.problem import (
    UNREACHABLE_S,
    Break,
    CrewDay,
    PreviousPlan,
    Problem,
    ProblemError,
    ReloadPoint,
    Task,
    TimeWindow,
    TravelMatrix,
    Weights,
)
from routing.reasons import describe_missing, make_reason
from routing.repair import plan_cost_eur, repair
from routing.replan import CrewState, PlanChanges, replan, stability_share
from routing.solution import Reason, Solution, Stop, StopKind, Tour, TourKpis, Unassigned
from routing.solve import solve
from routing.timeaxis import DayType, NoiseClass, TimeAxis

__all__ = [
    "UNREACHABLE_S", "Break", "CrewDay", "CrewState", "DayType", "Finding", "FindingCode",
    "Insertion", "NoiseClass", "PlanChanges", "PreviousPlan", "Problem", "ProblemError",
    "Reason", "ReloadPoint", "Solution", "SolveParams", "Stop", "StopKind", "Task", "TimeAxis",
    "TimeWindow", "Tour", "TourKpis", "TravelMatrix", "Unassigned", "Weights", "audit_plan",
    "best_insertion", "check_solution", "check_tour", "describe_missing", "make_reason",
    "plan_cost_eur", "repair", "replan",
    "retime_tour", "solve", "stability_share",
]
