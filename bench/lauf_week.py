"""A realistic week of green-space work in Lauf a.d. Pegnitz, planned by greentour.

Usage::

    python bench/lauf_week.py [PBF] [--budget-s 60] [--long-s 600] [--json out.json]

PBF defaults to ``$GREENTOUR_DATA_DIR/osm/lauf-an-der-pegnitz_2020-01-15.osm.pbf``
(``GREENTOUR_DATA_DIR`` defaults to ``../shared/data`` beside the repository).

The instance (self-contained, no database):

* **Sites**: OSM green features read with GDAL (pyogrio) from the real extract, accepted by a
  whitelist: parks, public lawns (landuse=grass / village_green), pitches, playgrounds,
  cemeteries, hedges (barrier=hedge). Meadows, gardens and scrub are not the town's.
* **Tasks of this week** (seeded, reproducible): about half of the lawns (mowing is due every
  2-3 weeks), half of the pitches (wide-area mower, before the weekend), every playground
  (weekly visual inspection, a qualified inspection for every fourth), cemeteries (tidy before
  the weekend), a third of the hedges; 10 % of the lawns are not due until next week (optional,
  small prize). Durations follow ``data/task_types.toml``: area (m²) or length (m) divided by
  the crew's productivity per hour, plus the set-up time; jobs over 4 h are split into work
  packages. Green waste: area × the task type's m³ per unit. Mowers and hedge trimmers follow
  the noise rules (32. BImSchV) at residential sites (all but pitches).
* **Crews**: 6 crews × 5 days (Mon 15 - Fri 19 June 2026), shifts 06:30-15:30 (Fri -12:30), fixed
  breaks 09:00 (15 min) and 12:00 (30 min); four trucks/vans with 6 m³, a tractor with 10 m³;
  machines and qualifications differ per crew. Depot: Bauhof Lauf (OSM way 45181081), green-waste
  yard: Wertstoffhof (node 403115167, open 07:00-15:00).
* **Matrices**: greentour's road graph of the extract (routing.graph / routing.speeds), access
  points on the roads (routing.access), fastest-path matrices per vehicle profile (routing.matrix).

Prints for the 60 s plan, a greedy baseline (each crew takes its nearest due task) and the
same model run ``--long-s`` seconds: urgency-weighted work done on time, overtime, drive time and
its share, km, unassigned by reason, plan cost; "gap to own best"; and the stability after
removing one crew-day (share of the other crew-days' tasks that stay on their crew-day).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import tomllib
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _greedy import greedy_plan  # noqa: E402

from routing.constraints import task_penalty_eur  # noqa: E402
from routing.explain import precheck, tour_cost_eur  # noqa: E402
from routing.params import SolveParams  # noqa: E402
from routing.problem import (  # noqa: E402
    UNREACHABLE_S,
    Break,
    CrewDay,
    Problem,
    ReloadPoint,
    Task,
    TimeWindow,
    TravelMatrix,
)
from routing.replan import PlanChanges, replan, stability_share  # noqa: E402
from routing.solution import Solution, TourKpis  # noqa: E402
from routing.solve import build_solution, solve  # noqa: E402
from routing.timeaxis import NoiseClass, TimeAxis  # noqa: E402

MONDAY = date(2026, 6, 15)
DEPOT_WAY = "45181081"
YARD_NODE = "403115167"
SEED = 20260615
PACKAGE_MAX_S = 4 * 3600
NOISE = {"lawn_mower": NoiseClass.MOWER, "brush_cutter": NoiseClass.BRUSH_CUTTER,
         "none": NoiseClass.NONE}

CREWS = [  # name, profile, equipment, qualifications, capacity m3
    ("Kolonne 1", "flatbed_truck", {"ride_on_mower", "hedge_trimmer", "brush_cutter"},
     {"licence_BE"}, 6.0),
    ("Kolonne 2", "flatbed_truck", {"ride_on_mower", "brush_cutter"}, set(), 6.0),
    ("Kolonne 3", "van_trailer", {"wide_area_mower", "ride_on_mower"}, {"playground_inspector"},
     6.0),
    ("Kolonne 4", "flatbed_truck", {"hedge_trimmer", "chipper", "brush_cutter"}, {"chainsaw"},
     6.0),
    ("Kolonne 5", "tractor_40", {"tractor_flail_mower", "ride_on_mower"}, {"licence_T"}, 10.0),
    ("Kolonne 6", "van", {"brush_cutter"}, {"playground_inspector"}, 3.0),
]


def default_pbf() -> Path:
    base = Path(os.environ.get("GREENTOUR_DATA_DIR", REPO.parent / "shared" / "data"))
    return base / "osm" / "lauf-an-der-pegnitz_2020-01-15.osm.pbf"


def read_sites(pbf: Path):
    """Accepted green sites (GeoDataFrame in WGS84) plus depot and yard geometries."""
    import pyogrio

    polys = pyogrio.read_dataframe(pbf, layer="multipolygons", on_invalid="ignore",
                                   columns=["osm_id", "osm_way_id", "name", "leisure", "landuse"])
    lines = pyogrio.read_dataframe(pbf, layer="lines", on_invalid="ignore",
                                   columns=["osm_id", "barrier", "name"])
    points = pyogrio.read_dataframe(pbf, layer="points", columns=["osm_id", "name"])
    depot = polys[polys.osm_way_id == DEPOT_WAY].geometry.iloc[0].centroid
    yard = points[points.osm_id == YARD_NODE].geometry.iloc[0]
    kind = np.select(
        [polys.leisure == "park", polys.leisure == "pitch", polys.leisure == "playground",
         polys.landuse == "cemetery", polys.landuse.isin(["grass", "village_green"])],
        ["park", "pitch", "playground", "cemetery", "lawn"], default="")
    polys = polys.assign(kind=kind)
    sites = polys[polys.kind != ""].copy()
    sites["site_id"] = [f"w{w}" if isinstance(w, str) else f"r{o}"
                        for w, o in zip(sites.osm_way_id, sites.osm_id, strict=False)]
    hedges = lines[lines.barrier == "hedge"].copy()
    hedges["kind"] = "hedge"
    hedges["site_id"] = ["l" + str(o) for o in hedges.osm_id]
    import pandas as pd

    allsites = pd.concat([sites[["site_id", "name", "kind", "geometry"]],
                          hedges[["site_id", "name", "kind", "geometry"]]], ignore_index=True)
    metric = allsites.set_crs(4326, allow_override=True).to_crs(25832)
    allsites["area_m2"] = metric.geometry.area
    allsites["length_m"] = metric.geometry.length
    return allsites, depot, yard


def week_tasks(sites, task_types: dict) -> list[dict]:
    """This week's jobs per site (seeded), with duration, load, equipment, due window."""
    rng = random.Random(SEED)
    jobs = []
    for s in sites.itertuples():
        plan = []
        if s.kind in ("lawn", "park"):
            r = rng.random()
            if r < 0.5:
                plan.append(("mow_ornamental" if s.kind == "park" else "mow", 1.0,
                             rng.randint(1, 4), False))
            elif r < 0.6:
                plan.append(("mow", 0.5, 7, True))
        elif s.kind == "pitch" and rng.random() < 0.5:
            plan.append(("mow_wide", 2.0, 4, False))
        elif s.kind == "playground":
            plan.append(("inspect_playground_visual", 1.5, 2, False))
            if rng.random() < 0.25:
                plan.append(("inspect_playground", 1.2, 4, False))
        elif s.kind == "cemetery":
            plan.append(("cemetery_tidy", 1.5, 4, False))
        elif s.kind == "hedge" and rng.random() < 0.35:
            plan.append(("hedge_cut", 0.8, 4, False))
        for code, urgency, due_day, not_due in plan:
            tt = task_types[code]
            units = s.length_m if tt["productivity_unit"] == "m_per_h" else s.area_m2
            if tt["productivity_unit"] == "m2_per_h" and s.kind == "hedge":
                continue
            work_s = units / tt["productivity"] * 3600
            # brush cutters may run 09-13 and 15-17 only: packages of at most 3 h
            pack_max = 3 * 3600 if tt["noise_class"] == "brush_cutter" else PACKAGE_MAX_S
            n_pack = max(1, int(np.ceil((work_s + tt["setup_s"]) / pack_max)))
            for k in range(n_pack):
                dur = int(work_s / n_pack + tt["setup_s"])
                load = units / n_pack * tt["load_per_unit"] if tt["load_kind"] == "green_waste" \
                    else 0.0
                jobs.append({
                    "id": f"{code}:{s.site_id}" + (f"#{k + 1}" if n_pack > 1 else ""),
                    "site": s.site_id, "name": (s.name if isinstance(s.name, str) else s.kind),
                    "code": code, "duration_s": max(300, dur), "urgency": urgency,
                    "due_day": due_day, "not_due": not_due, "load_m3": round(load, 3),
                    "equipment": set(tt["equipment"]), "quals": set(tt["qualifications"]),
                    "noise": NOISE[tt["noise_class"]], "sensitive": s.kind != "pitch",
                })
    return jobs


def build_problem(pbf: Path) -> tuple[Problem, dict]:
    """Graph, access points, matrices and the week's problem."""
    from routing.access import snap_sites
    from routing.graph import graph_from_file
    from routing.matrix import Router
    from routing.profiles import load_profiles
    from routing.speeds import add_travel_times

    t0 = time.time()
    sites, depot, yard = read_sites(pbf)
    tt = {t["code"]: t for t in tomllib.loads((REPO / "data" / "task_types.toml").read_text())[
        "task_type"]}
    jobs = week_tasks(sites, tt)
    profiles = sorted({c[1] for c in CREWS})
    all_profiles = load_profiles()
    G = add_travel_times(graph_from_file(pbf), [all_profiles[p] for p in profiles])
    used_sites = sorted({j["site"] for j in jobs})
    geoms = dict(zip(sites.site_id, sites.geometry, strict=False))
    snapped = snap_sites(G, [("depot", depot), ("yard", yard)]
                         + [(sid, geoms[sid]) for sid in used_sites], profiles=profiles)
    loc_of, points, no_access = {}, [], []
    for sa in snapped:
        ap = sa.primary
        if ap is None:
            no_access.append(sa.site_id)
            continue
        loc_of[sa.site_id] = len(points)
        points.append(ap.edge_point)
    matrices = {}
    for p in profiles:
        m = Router(G, p).matrix(points)
        dur = np.where(np.isfinite(m.duration_s), np.rint(m.duration_s), UNREACHABLE_S)
        dist = np.where(np.isfinite(m.distance_m), np.rint(m.distance_m), 0)
        matrices[p] = TravelMatrix(dur.astype(np.int64), dist.astype(np.int64))
    axis = TimeAxis(MONDAY, land="BY")
    tasks = []
    for j in jobs:
        if j["site"] not in loc_of:
            continue
        due_day = MONDAY + timedelta(days=j["due_day"])
        due_latest = axis.day_end_s(due_day) if j["due_day"] < 5 else None
        due_earliest = axis.day_start_s(MONDAY + timedelta(days=7)) if j["not_due"] else None
        if j["not_due"]:
            due_latest = axis.day_end_s(MONDAY + timedelta(days=11))
        tasks.append(Task(
            j["id"], loc_of[j["site"]], j["duration_s"], urgency=j["urgency"],
            due_earliest_s=due_earliest, due_latest_s=due_latest,
            loads={"green_waste_m3": j["load_m3"]} if j["load_m3"] else {},
            noise_class=j["noise"], noise_sensitive=j["sensitive"],
            required_equipment=j["equipment"], required_qualifications=j["quals"],
            name=f"{j['name']} ({j['code']})",
        ))
    crew_days = []
    for d in range(5):
        day = MONDAY + timedelta(days=d)
        end = (12, 30) if d == 4 else (15, 30)
        breaks = [Break(axis.at(day, 9), axis.at(day, 9), 900, "Frühstück")]
        if d < 4:
            breaks.append(Break(axis.at(day, 12), axis.at(day, 12), 1800, "Mittag"))
        for k, (name, profile, eq, quals, cap) in enumerate(CREWS):
            crew_days.append(CrewDay(
                f"K{k + 1}-{day:%a}", day, loc_of["depot"], loc_of["depot"],
                TimeWindow(axis.at(day, 6, 30), axis.at(day, *end)), breaks=tuple(breaks),
                max_overtime_s=1800, capacity={"green_waste_m3": cap}, profile=profile,
                cost_per_hour_eur=45.0, cost_per_km_eur=0.6 if profile != "tractor_40" else 1.2,
                day_type=axis.day_type(day), equipment=eq, qualifications=quals,
                name=f"{name} {day:%d.%m.}"))
    yard_point = ReloadPoint("Wertstoffhof", loc_of["yard"], {"green_waste_m3"},
                             opening=tuple(TimeWindow(axis.at(MONDAY + timedelta(days=d), 7),
                                                      axis.at(MONDAY + timedelta(days=d), 15))
                                           for d in range(5)), service_duration_s=900)
    problem = Problem(tuple(tasks), tuple(crew_days), matrices, (yard_point,), time_axis=axis)
    info = {"sites": len(used_sites), "no_access": len(no_access), "tasks": len(tasks),
            "crew_days": len(crew_days), "locations": len(points),
            "due_hours": round(sum(t.service_duration_s for t in tasks
                                   if problem.is_due_in_horizon(t)) / 3600, 1),
            "crew_hours": round(sum(c.shift.length_s - c.break_total_s for c in crew_days)
                                / 3600, 1),
            "build_s": round(time.time() - t0, 1)}
    return problem, info


def evaluate(problem: Problem, sol: Solution) -> dict:
    """The figures of a plan (our own evaluation, identical for every method)."""
    due_total = sum(t.urgency * t.service_duration_s for t in problem.tasks
                    if problem.is_due_in_horizon(t))
    on_time = 0.0
    for tour in sol.tours:
        for s in tour.stops:
            t = problem.task_by_id.get(s.ref)
            if t is not None and problem.is_due_in_horizon(t) and (
                    t.due_latest_s is None or s.start_s <= t.due_latest_s):
                on_time += t.urgency * t.service_duration_s
    k = sol.kpis
    cost = sum(tour_cost_eur(problem, t) for t in sol.tours) + sum(
        task_penalty_eur(problem, problem.task_by_id[u.task_id]) for u in sol.unassigned)
    return {
        "on_time_pct": round(100 * on_time / due_total, 1) if due_total else 100.0,
        "tasks_done": k.n_tasks, "unassigned": len(sol.unassigned),
        "unassigned_by_reason": dict(Counter(u.reasons[0].code for u in sol.unassigned)),
        "overtime_h": round(k.overtime_s / 3600, 2), "drive_h": round(k.drive_s / 3600, 1),
        "drive_share_pct": round(100 * k.drive_s / max(1, k.drive_s + k.work_s), 1),
        "km": round(k.distance_m / 1000, 1), "reloads": k.n_reloads,
        "plan_cost_eur": round(cost, 0), "violations": len(sol.violations),
        "wall_s": sol.wall_s, "method": sol.method,
    }


def print_row(label: str, r: dict) -> None:
    print(f"{label:18s} on-time {r['on_time_pct']:5.1f} %  done {r['tasks_done']:3d}  "
          f"unassigned {r['unassigned']:3d}  overtime {r['overtime_h']:5.2f} h  "
          f"drive {r['drive_h']:5.1f} h ({r['drive_share_pct']:4.1f} %)  {r['km']:6.1f} km  "
          f"reloads {r['reloads']:2d}  cost {r['plan_cost_eur']:9.0f} EUR  "
          f"viol {r['violations']}  {r['wall_s']} s", flush=True)
    print(f"{'':18s} unassigned by reason: {r['unassigned_by_reason']}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pbf", nargs="?", type=Path, default=default_pbf())
    ap.add_argument("--budget-s", type=float, default=60.0)
    ap.add_argument("--long-s", type=float, default=600.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    load = os.getloadavg()[0]
    problem, info = build_problem(args.pbf)
    print(f"Lauf week: {info}  (load average {load:.1f})", flush=True)
    out: dict = {"instance": info}

    allowed, pre = precheck(problem)
    t0 = time.time()
    tours = greedy_plan(problem, allowed)
    routes = {cid: t.sequence for cid, t in tours.items()}
    greedy = build_solution(problem, routes, {}, allowed, pre, SolveParams(), t0,
                            method="greedy")
    out["greedy"] = evaluate(problem, greedy)
    print_row("greedy baseline", out["greedy"])

    params = SolveParams(time_limit_s=args.budget_s, workers=args.workers)
    sol = solve(problem, params)
    out["budget"] = evaluate(problem, sol)
    print_row(f"greentour {args.budget_s:.0f} s", out["budget"])

    long_sol = solve(problem, params.with_(time_limit_s=args.long_s))
    out["long"] = evaluate(problem, long_sol)
    print_row(f"greentour {args.long_s:.0f} s", out["long"])
    best = min(out["long"]["plan_cost_eur"], out["budget"]["plan_cost_eur"])
    gap = 100 * (out["budget"]["plan_cost_eur"] - best) / best
    out["gap_to_own_best_pct"] = round(gap, 2)
    print(f"gap to own best (plan cost, {args.budget_s:.0f} s vs {args.long_s:.0f} s): "
          f"{gap:.2f} %", flush=True)

    busiest = max((t for t in sol.tours if t.crew_day_id.endswith("Tue")),
                  key=lambda t: len(t.task_ids))
    victim = busiest.crew_day_id
    changes = PlanChanges(removed_crew_days=frozenset({victim}))
    after = replan(problem, sol, changes, params)
    share = stability_share(sol, after, exclude_crew_days={victim})
    out["stability"] = {"removed": victim, "share_kept_pct": round(100 * share, 1),
                        "after": evaluate(problem, after)}
    print(f"stability: removed {victim}; {100 * share:.1f} % of the other crew-days' tasks "
          f"stay on their crew-day", flush=True)
    print(f"\nload average at end: {os.getloadavg()[0]:.1f}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, default=str))
    return 0


__all__ = ["build_problem", "evaluate", "TourKpis"]

if __name__ == "__main__":
    raise SystemExit(main())
