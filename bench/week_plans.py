"""Week plans a Bauhof would accept? greentour against VROOM on five weeks built from the sample.

Usage::

    python bench/week_plans.py [PBF] [--json PATH] [--scenarios sample,sick,...]
                               [--long-s 600] [--long-scenarios sample,sick] [--repeats 5]
                               [--vroom-timeout-s 120]

Scenarios, all from the Lauf week of ``bench/lauf_week.py`` (real OSM extract, 6 crews × 5 days):

* ``sample``: the week as built there;
* ``sick``: Kolonne 2 and Kolonne 4 ill all week (their crew-days removed);
* ``storm``: the sample plus 40 storm orders (urgency 5, due Monday or Tuesday, 30-120 min,
  1 m³ green waste each) at seeded random sites;
* ``leaves``: a November week (16-20 Nov 2026): every mowing job becomes leaf collection of the
  same area (``collect_leaves`` of ``data/task_types.toml``: 800 m²/h, 0.002 m³/m², blower noise
  rules), so the trucks fill up and need the green-waste yard;
* ``town5``: a town five times the sample: every task and every crew-day replicated five times
  (copies share the sites' locations).

Per scenario, in one run: greentour at the default budget (``SolveParams()``, 20 s), at 60 s,
at the default budget again while two CPU burner processes keep both cores busy, and VROOM
(pyvroom, exploration 5, due days as hard limits, ``routing.warmstart``) on the same Problem;
for the sample also ``--repeats`` default runs, and for each of ``--long-scenarios`` one
``--long-s`` run (the 10-minute plan). Printed per run: served/total, urgency-weighted on time,
drive h, km, crew-days used, tasks left that fit, idle crew-days beside fitting work (both from
``routing.audit``), reload trips, checker violations, objective in EUR (tour costs + penalties
of left-out tasks), wall s of the whole solve call, CPU s of this process during it (the
OR-Tools searches in other processes not included), and the load average before the run.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import lauf_week  # noqa: E402

from routing.audit import FindingCode, audit_plan  # noqa: E402
from routing.checker import check_solution  # noqa: E402
from routing.explain import precheck  # noqa: E402
from routing.finish import build_solution  # noqa: E402
from routing.params import SolveParams  # noqa: E402
from routing.problem import Problem, Task  # noqa: E402
from routing.repair import feasible_tours  # noqa: E402
from routing.solution import Solution  # noqa: E402
from routing.solve import solve  # noqa: E402
from routing.warmstart import vroom_routes  # noqa: E402

SCENARIOS = ("sample", "sick", "storm", "leaves", "town5")
SEED = 13
NOVEMBER_MONDAY = date(2026, 11, 16)


# ------------------------------------------------------------------------------------------
# scenarios
# ------------------------------------------------------------------------------------------


def sick(problem: Problem) -> Problem:
    """Kolonne 2 and 4 ill all week."""
    crews = tuple(c for c in problem.crew_days if not c.id.startswith(("K2-", "K4-")))
    return dataclasses.replace(problem, crew_days=crews)


def storm(problem: Problem, n: int = 40) -> Problem:
    """The sample plus ``n`` urgent storm orders due Monday or Tuesday."""
    rng = random.Random(SEED)
    axis = problem.time_axis
    locations = sorted({t.entry_location for t in problem.tasks})
    monday = problem.crew_days[0].day
    orders = []
    for k in range(n):
        due = monday + timedelta(days=rng.randint(0, 1))
        orders.append(Task(f"storm:{k + 1}", rng.choice(locations), rng.randint(6, 24) * 300,
                           urgency=5.0, due_latest_s=axis.day_end_s(due),
                           loads={"green_waste_m3": 1.0}, name=f"Sturmschaden {k + 1}"))
    return dataclasses.replace(problem, tasks=problem.tasks + tuple(orders))


#: the sample's job generator (``leaves`` swaps lauf_week.week_tasks for _leaf_jobs while it
#: builds the November week)
SAMPLE_JOBS = lauf_week.week_tasks


def _leaf_jobs(sites, task_types: dict) -> list[dict]:
    """The sample's jobs with every mowing job turned into leaf collection of the same area."""
    leaves = task_types["collect_leaves"]
    out = []
    for j in SAMPLE_JOBS(sites, task_types):
        tt = task_types[j["code"]]
        if j["code"].startswith("mow"):
            area_m2 = max(0.0, j["duration_s"] - tt["setup_s"]) / 3600 * tt["productivity"]
            j = {**j, "id": j["id"].replace(j["code"], "collect_leaves"), "code": "collect_leaves",
                 "duration_s": max(300, int(area_m2 / leaves["productivity"] * 3600
                                            + leaves["setup_s"])),
                 "load_m3": round(area_m2 * leaves["load_per_unit"], 3),
                 "equipment": set(leaves["equipment"]), "quals": set(leaves["qualifications"]),
                 "noise": lauf_week.NOISE[leaves["noise_class"]]}
        out.append(j)
    return out


@contextlib.contextmanager
def _patched(**attrs):
    old = {k: getattr(lauf_week, k) for k in attrs}
    for k, v in attrs.items():
        setattr(lauf_week, k, v)
    try:
        yield
    finally:
        for k, v in old.items():
            setattr(lauf_week, k, v)


def leaves(pbf: Path) -> Problem:
    """The sample built for 16-20 November with leaf collection instead of mowing."""
    with _patched(MONDAY=NOVEMBER_MONDAY, week_tasks=_leaf_jobs):
        problem, _ = lauf_week.build_problem(pbf)
    return problem


def town5(problem: Problem, copies: int = 5) -> Problem:
    """Every task and crew-day ``copies`` times (ids suffixed ``~k``; same locations)."""
    def suffix(x: str, k: int) -> str:
        return x if k == 0 else f"{x}~{k}"

    tasks = tuple(dataclasses.replace(t, id=suffix(t.id, k)) for k in range(copies)
                  for t in problem.tasks)
    crews = tuple(dataclasses.replace(c, id=suffix(c.id, k), name=f"{c.label} ({k + 1})")
                  for k in range(copies) for c in problem.crew_days)
    return dataclasses.replace(problem, tasks=tasks, crew_days=crews)


def build(name: str, pbf: Path, sample: Problem) -> Problem:
    if name == "sample":
        return sample
    if name == "sick":
        return sick(sample)
    if name == "storm":
        return storm(sample)
    if name == "leaves":
        return leaves(pbf)
    if name == "town5":
        return town5(sample)
    raise SystemExit(f"Fehler: unbekanntes Szenario {name!r} ({', '.join(SCENARIOS)})")


# ------------------------------------------------------------------------------------------
# runs and figures
# ------------------------------------------------------------------------------------------


@contextlib.contextmanager
def cpu_burners(n: int = 2, max_s: float = 900.0):
    """``n`` processes spinning on the CPU (each stops by itself after ``max_s``)."""
    code = f"import time\nend = time.time() + {max_s}\nwhile time.time() < end:\n    pass\n"
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(n)]
    try:
        yield
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()


def run_vroom(problem: Problem, timeout_s: float | None) -> Solution:
    """VROOM's plan (exploration 5, due days hard) re-timed and checked by our checker."""
    t0 = time.time()
    allowed, pre = precheck(problem)
    routes = vroom_routes(problem, allowed, exploration=5, threads=2, hard_due=True,
                          timeout_s=timeout_s)
    tours = feasible_tours(problem, routes)
    return build_solution(problem, {}, {}, allowed, pre, SolveParams(repair=False, explain=False),
                          t0, status="vroom", method="vroom", tours=tours)


def figures(problem: Problem, sol: Solution, load: float, cpu_s: float = 0.0) -> dict:
    """The bench's figures of one plan."""
    base = lauf_week.evaluate(problem, sol)
    found = Counter(f.code for f in audit_plan(problem, sol))
    return {
        "served": base["tasks_done"], "total": len(problem.tasks),
        "on_time_pct": base["on_time_pct"], "drive_h": base["drive_h"], "km": base["km"],
        "crew_days_used": sum(1 for t in sol.tours if t.task_ids),
        "crew_days": len(problem.crew_days),
        "left_that_fits": found.get(FindingCode.TASK_LEFT_FITS, 0),
        "idle_beside_fitting": found.get(FindingCode.CREW_DAY_IDLE, 0),
        "unneeded_reloads": found.get(FindingCode.UNNEEDED_RELOAD, 0),
        "reloads": base["reloads"], "violations": len(check_solution(problem, sol)),
        "objective_eur": base["plan_cost_eur"], "wall_s": round(sol.wall_s, 1),
        "cpu_s": round(cpu_s, 1), "load_before": round(load, 1), "method": sol.method,
        "notes": list(sol.notes),
    }


HEADER = (f"{'run':16s} {'served':>9s} {'on-time':>7s} {'drive h':>7s} {'km':>6s} "
          f"{'crews':>6s} {'fits':>4s} {'idle':>4s} {'reload':>6s} {'viol':>4s} "
          f"{'EUR':>8s} {'wall s':>6s} {'cpu s':>6s} {'load':>4s}")


def row(label: str, f: dict) -> str:
    return (f"{label:16s} {f['served']:>4d}/{f['total']:<4d} {f['on_time_pct']:>6.1f}% "
            f"{f['drive_h']:>7.1f} {f['km']:>6.0f} {f['crew_days_used']:>3d}/{f['crew_days']:<2d} "
            f"{f['left_that_fits']:>4d} {f['idle_beside_fitting']:>4d} {f['reloads']:>6d} "
            f"{f['violations']:>4d} {f['objective_eur']:>8.0f} {f['wall_s']:>6.1f} "
            f"{f['cpu_s']:>6.1f} {f['load_before']:>4.1f}")


def measure(label: str, problem: Problem, run, out: dict) -> dict:
    load = os.getloadavg()[0]
    cpu0 = time.process_time()
    sol = run()
    f = figures(problem, sol, load, time.process_time() - cpu0)
    out[label] = f
    print(row(label, f), flush=True)
    return f


def pct(a: float, b: float) -> float:
    return round(100 * (a - b) / b, 1) if b else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pbf", nargs="?", type=Path, default=lauf_week.default_pbf())
    ap.add_argument("--json", type=Path)
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--long-s", type=float, default=600.0, help="0: skip")
    ap.add_argument("--long-scenarios", default="sample",
                    help="scenarios that get the --long-s run")
    ap.add_argument("--repeats", type=int, default=5, help="default runs of the sample")
    ap.add_argument("--vroom-timeout-s", type=float, default=None)
    ap.add_argument("--runs", default="default,60,loaded,long,vroom",
                    help="which runs (a subset of default,60,loaded,long,vroom)")
    args = ap.parse_args(argv)
    names = [n for n in args.scenarios.split(",") if n]
    sample, info = lauf_week.build_problem(args.pbf)
    print(f"sample week: {info}", flush=True)
    default = SolveParams()
    result: dict = {}
    for name in names:
        problem = build(name, args.pbf, sample)
        print(f"\n== {name}: {len(problem.tasks)} tasks, {len(problem.crew_days)} crew-days",
              flush=True)
        print(HEADER, flush=True)
        out: dict = {}
        runs = set(args.runs.split(","))
        measure("default", problem, lambda p=problem: solve(p, default), out)
        if name == "sample":
            for k in range(2, args.repeats + 1):
                measure(f"default #{k}", problem, lambda p=problem: solve(p, default), out)
        if "60" in runs:
            measure("60 s", problem,
                    lambda p=problem: solve(p, default.with_(time_limit_s=60)), out)
        if "loaded" in runs:
            with cpu_burners():
                time.sleep(1.0)
                measure("default loaded", problem, lambda p=problem: solve(p, default), out)
        if "long" in runs and name in args.long_scenarios.split(",") and args.long_s > 0:
            measure(f"{args.long_s:.0f} s", problem,
                    lambda p=problem: solve(p, default.with_(time_limit_s=args.long_s)), out)
        if "vroom" in runs:
            measure("VROOM expl. 5", problem,
                    lambda p=problem: run_vroom(p, args.vroom_timeout_s), out)
        d = out["default"]["objective_eur"]
        checks = {}
        if "VROOM expl. 5" in out:
            checks["default_vs_vroom_pct"] = pct(d, out["VROOM expl. 5"]["objective_eur"])
        if "default loaded" in out:
            checks["loaded_vs_quiet_pct"] = pct(out["default loaded"]["objective_eur"], d)
        if "60 s" in out:
            checks["default_vs_60s_pct"] = pct(d, out["60 s"]["objective_eur"])
        if f"{args.long_s:.0f} s" in out:
            checks["default_vs_long_pct"] = pct(d, out[f"{args.long_s:.0f} s"]["objective_eur"])
        reps = [f["objective_eur"] for k, f in out.items() if k.startswith("default") and
                "loaded" not in k]
        if len(reps) > 1:
            checks["repeat_spread_pct"] = pct(max(reps), min(reps))
        print("   " + ", ".join(f"{k} {v:+.1f} %" for k, v in checks.items()), flush=True)
        result[name] = {"runs": out, "checks": checks}
        if args.json:
            args.json.write_text(json.dumps(result, indent=1, default=str))
    print(f"\nload average at end: {os.getloadavg()[0]:.1f}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str))
    return 0


__all__ = ["build", "figures", "leaves", "sick", "storm", "town5"]

if __name__ == "__main__":
    raise SystemExit(main())
