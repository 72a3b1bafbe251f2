"""Solomon VRPTW benchmark of the greentour solver (OR-Tools alone, no other solver's results).

Usage::

    python bench/solomon.py DIR --time-limit 10 [--json out.json] [--only R1,C101] [--workers 2]

DIR is the folder with the 56 Solomon ``*.txt`` files and ``bks.csv`` one level up (the shared
bench folder: ``$GREENTOUR_BENCH_DIR/solomon``). DIMACS convention: every arc distance and travel
time is the Euclidean distance × 10, truncated to an integer (so 1637.7 is 16377 units). The
objective is distance only; any number of vehicles up to the file's limit may be used. Every
visit is optional with a very large penalty, so the search always has a solution; an instance
with an unserved customer counts as failed. Wall time includes reading and model building.
Each tour is re-timed and verified by greentour's own checker.

Prints per instance, per class (C1, C2, R1, R2, RC1, RC2) and overall: vehicles, distance, gap to
the best-known distance-only value (``cvrplib_dimacs_distonly`` rows of bks.csv), and
``mean gap: X %``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from routing.params import SolveParams  # noqa: E402
from routing.problem import (  # noqa: E402
    CrewDay,
    Problem,
    Task,
    TimeWindow,
    TravelMatrix,
    Weights,
)
from routing.solve import solve  # noqa: E402

CLASSES = ("C1", "C2", "R1", "R2", "RC1", "RC2")


def read_solomon(path: Path) -> dict:
    """Vehicles, capacity and the customer table (node 0 = depot) of a Solomon text file."""
    lines = [ln.strip() for ln in path.read_text().splitlines()]
    i = lines.index("VEHICLE")
    n_veh, cap = (int(x) for x in lines[i + 2].split())
    rows = []
    for ln in lines[lines.index("CUSTOMER") + 2 :]:
        parts = ln.split()
        if len(parts) == 7:
            rows.append([float(x) for x in parts])
    arr = np.array(rows)
    return {
        "name": lines[0],
        "vehicles": n_veh,
        "capacity": cap,
        "xy": arr[:, 1:3],
        "demand": arr[:, 3],
        "ready": arr[:, 4],
        "due": arr[:, 5],
        "service": arr[:, 6],
    }


def to_problem(inst: dict) -> Problem:
    """The instance as a greentour Problem in DIMACS units (tenths, truncated)."""
    xy = inst["xy"]
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    dist = np.floor(d * 10 + 1e-9).astype(np.int64)
    scale = lambda v: int(round(v * 10))  # noqa: E731
    horizon = scale(inst["due"][0])
    tasks = [
        Task(
            f"c{i}",
            i,
            scale(inst["service"][i]),
            time_windows=(
                TimeWindow(
                    scale(inst["ready"][i]), scale(inst["due"][i]) + scale(inst["service"][i])
                ),
            ),
            loads={"demand": float(inst["demand"][i])},
        )
        for i in range(1, len(xy))
    ]
    day = date(2026, 1, 5)
    crews = [
        CrewDay(
            f"v{k}",
            day,
            0,
            0,
            TimeWindow(scale(inst["ready"][0]), horizon),
            capacity={"demand": float(inst["capacity"])},
            cost_per_hour_eur=0.0,
            cost_per_km_eur=0.01,
        )  # 1 cost unit per 0.1 distance
        for k in range(inst["vehicles"])
    ]
    weights = Weights(
        penalty_due_eur=1e5,
        balance_eur_per_hour=0.0,
        move_eur=0.0,
        reload_copies=0,
        break_split_min_service_s=10**9,
    )
    return Problem(
        tuple(tasks),
        tuple(crews),
        {"default": TravelMatrix(dist, dist)},
        weights=weights,
        labour_rules=False,
    )


def read_bks(path: Path) -> dict[str, float]:
    with path.open() as f:
        return {
            r["instance"]: float(r["distance"])
            for r in csv.DictReader(f)
            if r["source"] == "cvrplib_dimacs_distonly"
        }


def instance_class(name: str) -> str:
    m = re.match(r"([A-Z]+)(\d)", name)
    return f"{m.group(1)}{m.group(2)}"


def run_one(path: Path, time_limit_s: float, workers: int) -> dict:
    t0 = time.time()
    problem = to_problem(read_solomon(path))
    sol = solve(
        problem,
        SolveParams(time_limit_s=time_limit_s, workers=workers, explain=False, method="direct",
                    lean_operators=True),
    )
    wall = time.time() - t0
    used = [t for t in sol.tours if t.task_ids]
    return {
        "instance": path.stem,
        "vehicles": len(used),
        "distance": sum(t.kpis.distance_m for t in sol.tours) / 10,
        "unserved": len(sol.unassigned),
        "violations": len(sol.violations),
        "wall_s": round(wall, 2),
        "worker": sol.worker,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", type=Path, help="folder with the Solomon *.txt files")
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance")
    ap.add_argument("--workers", type=int, default=2, help="parallel searches (processes)")
    ap.add_argument("--json", type=Path, help="write per-instance results here")
    ap.add_argument("--only", default="", help="comma list of instances or class prefixes")
    args = ap.parse_args(argv)
    bks_path = (
        args.dir / "bks.csv" if (args.dir / "bks.csv").exists() else args.dir.parent / "bks.csv"
    )
    bks = read_bks(bks_path)
    files = sorted(args.dir.glob("*.txt"))
    if args.only:
        keys = [k.strip().upper() for k in args.only.split(",")]
        files = [f for f in files if any(f.stem == k or instance_class(f.stem) == k for k in keys)]
    results = []
    for f in files:
        r = run_one(f, args.time_limit, args.workers)
        best = bks.get(f.stem)
        r["bks"] = best
        r["gap_pct"] = (
            None
            if (best is None or r["unserved"])
            else round(100 * (r["distance"] - best) / best, 2)
        )
        results.append(r)
        print(
            f"{r['instance']:6s} veh {r['vehicles']:3d} dist {r['distance']:9.1f} "
            f"bks {best:8.1f} gap {r['gap_pct'] if r['gap_pct'] is not None else 'FAIL':>6} % "
            f"unserved {r['unserved']} viol {r['violations']} wall {r['wall_s']} s "
            f"(worker {r['worker']})",
            flush=True,
        )
    print()
    print(f"{'class':6s} {'n':>3s} {'vehicles':>9s} {'distance':>10s} {'gap %':>7s} failed")
    for cls in (*CLASSES, "all"):
        rs = [r for r in results if cls == "all" or instance_class(r["instance"]) == cls]
        if not rs:
            continue
        ok = [r for r in rs if r["gap_pct"] is not None]
        gap = sum(r["gap_pct"] for r in ok) / len(ok) if ok else math.nan
        print(
            f"{cls:6s} {len(rs):3d} {sum(r['vehicles'] for r in rs) / len(rs):9.2f} "
            f"{sum(r['distance'] for r in rs) / len(rs):10.1f} {gap:7.2f} "
            f"{len(rs) - len(ok)}"
        )
    ok = [r for r in results if r["gap_pct"] is not None]
    mean_gap = sum(r["gap_pct"] for r in ok) / len(ok) if ok else math.nan
    print(
        f"\nmean gap: {mean_gap:.2f} % ({len(ok)}/{len(results)} instances solved, "
        f"time limit {args.time_limit} s, {args.workers} workers)"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "time_limit_s": args.time_limit,
                    "workers": args.workers,
                    "mean_gap_pct": mean_gap,
                    "results": results,
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
