"""Benchmark: travel-time/distance matrices on a real OSM extract, next to networkx.

Usage::

    .venv/bin/python bench/matrix.py FILE [--json PATH] [--sites 1000] [--nx-sources 50]

FILE is a local OSM extract, e.g. ``$GREENTOUR_DATA_DIR/osm/heidelberg_*.osm.pbf``. The
script builds the drivable graph (drive_service, simplified, LSCC), places ``--sites``
seeded access points on edges every benchmarked profile may use, and prints wall-clock
times for: the full matrix (time and km) of one profile, of three profiles, and adding one
site to an existing matrix. networkx (Dijkstra with paths, km summed along the path) runs
on the same augmented network from ``--nx-sources`` sources and is scaled linearly to all
sources; its values are checked against ours. Targets on the 2-core dev machine: one
profile <= 0.6 s, one added site <= 0.05 s.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from routing.access import usable_edges  # noqa: E402
from routing.graph import graph_from_file  # noqa: E402
from routing.matrix import EdgePoint, Router, reverse_edge_key  # noqa: E402
from routing.profiles import load_profiles  # noqa: E402
from routing.speeds import add_travel_times  # noqa: E402

PROFILES = ("van", "tractor_40", "flatbed_truck")


def _best_of(fn, repeat: int = 3) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best, result = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def _networkx_run(router: Router, points: list[EdgePoint], sources: np.ndarray):  # type: ignore[no-untyped-def]
    """networkx Dijkstra (with paths) on the same augmented network; (seconds, rows)."""
    csr, index = router._prepare(points)
    coo = csr.tocoo()
    t_s, l_m = router._unpack(coo.data)
    H = nx.DiGraph()
    H.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), t_s.tolist(),
                                  strict=True), weight="time_s")
    for a, b, length in zip(coo.row.tolist(), coo.col.tolist(), l_m.tolist(), strict=True):
        H[a][b]["length_m"] = length
    start = time.perf_counter()
    rows = []
    for s in sources:
        dist, paths = nx.single_source_dijkstra(H, int(index[s]), weight="time_s")
        row_t, row_m = [], []
        for t in index:
            path = paths.get(int(t))
            row_t.append(dist.get(int(t), math.inf))
            row_m.append(math.inf if path is None else sum(
                H[a][b]["length_m"] for a, b in zip(path[:-1], path[1:], strict=True)))
        rows.append((row_t, row_m))
    return time.perf_counter() - start, rows


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path, help="local OSM extract (.osm.pbf/.osm/.osm.gz)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--nx-sources", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    G = graph_from_file(args.file)
    profiles = load_profiles()
    add_travel_times(G, profiles.values())
    build_s = time.perf_counter() - start

    edges = usable_edges(G, PROFILES)
    rng = np.random.default_rng(args.seed)
    picks = rng.choice(len(edges), args.sites + 1, replace=len(edges) < args.sites + 1)
    points = []
    for i in picks:
        u, v, k = edges[int(i)]
        points.append(EdgePoint(u, v, k, float(rng.random()), reverse_edge_key(G, u, v, k)))
    sites, extra = points[:-1], points[-1]

    routers = {}
    one_s, matrix = _best_of(lambda: Router(G, PROFILES[0]).matrix(sites))
    def three() -> None:
        for p in PROFILES:
            routers[p] = Router(G, p)
            routers[p].matrix(sites)
    three_s, _ = _best_of(three, repeat=2)
    router = routers[PROFILES[0]]
    add_s, added = _best_of(lambda: router.add_location(matrix, extra), repeat=5)

    nx_sources = rng.choice(args.sites, min(args.nx_sources, args.sites), replace=False)
    nx_s, nx_rows = _networkx_run(router, sites, nx_sources)
    nx_full_s = nx_s * args.sites / len(nx_sources)
    max_dt = max_dm = 0.0
    for s, (row_t, row_m) in zip(nx_sources, nx_rows, strict=True):
        ours_t, ours_m = matrix.duration_s[s], matrix.distance_m[s]
        finite = np.isfinite(ours_t)
        max_dt = max(max_dt, float(np.abs(ours_t[finite] - np.asarray(row_t)[finite]).max()))
        max_dm = max(max_dm, float(np.abs(ours_m[finite] - np.asarray(row_m)[finite]).max()))
    figures = {
        "file": args.file.name,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}",
        "load_average_1min": round(os.getloadavg()[0], 2),
        "graph_nodes": G.number_of_nodes(),
        "graph_edges": G.number_of_edges(),
        "graph_build_s": round(build_s, 2),
        "sites": args.sites,
        "profiles": list(PROFILES),
        "matrix_one_profile_s": round(one_s, 3),
        "matrix_three_profiles_s": round(three_s, 3),
        "add_one_site_s": round(add_s, 4),
        "networkx_sources_measured": len(nx_sources),
        "networkx_measured_s": round(nx_s, 2),
        "networkx_one_profile_s_scaled": round(nx_full_s, 2),
        "speedup_vs_networkx": round(nx_full_s / one_s, 1),
        "max_abs_diff_vs_networkx_s": round(max_dt, 4),
        "max_abs_diff_vs_networkx_m": round(max_dm, 3),
        "unreachable_pairs": int((~np.isfinite(matrix.duration_s)).sum()),
        "added_matrix_shape": list(added.duration_s.shape),
        "targets": {"matrix_one_profile_s": 0.6, "add_one_site_s": 0.05},
    }
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return figures


if __name__ == "__main__":
    main()
