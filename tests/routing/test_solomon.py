"""The Solomon bench reader and model: DIMACS units, feasible plans, never below the optimum."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from solomon import read_bks, read_solomon, to_problem  # noqa: E402

from routing.checker import check_solution  # noqa: E402
from routing.params import SolveParams  # noqa: E402
from routing.solve import solve  # noqa: E402


@pytest.fixture(scope="module")
def c101(bench_dir: Path):
    return read_solomon(bench_dir / "solomon" / "C101.txt")


def test_reader_and_dimacs_units(c101):
    """C101: 25 vehicles of 200, 101 nodes; distances are Euclidean × 10, truncated."""
    assert (c101["vehicles"], c101["capacity"], len(c101["xy"])) == (25, 200, 101)
    p = to_problem(c101)
    d = p.matrices["default"].distance_m
    x0, y0 = c101["xy"][0]
    x1, y1 = c101["xy"][1]
    assert d[0, 1] == int(((x0 - x1) ** 2 + (y0 - y1) ** 2) ** 0.5 * 10)
    assert p.task_by_id["c1"].time_windows[0].end_s == (c101["due"][1] + c101["service"][1]) * 10


def test_c101_solved_feasibly_close_to_best_known(c101, bench_dir: Path):
    """A short deterministic search serves all 100 customers feasibly within 5 % of the BKS."""
    p = to_problem(c101)
    sol = solve(p, SolveParams(deterministic=True, solution_limit=60, workers=1, explain=False))
    assert not sol.unassigned and check_solution(p, sol) == []
    distance = sum(t.kpis.distance_m for t in sol.tours) / 10
    bks = read_bks(bench_dir / "bks.csv")["C101"]
    assert bks - 1e-6 <= distance <= bks * 1.05
