"""On-disk cache of built graphs and matrices (pickle / npz in a folder passed in).

A graph is keyed by the SHA-256 of the source OSM file, the vehicle profiles (their full
definition, so editing a speed invalidates the entry), the calibration factor and
:data:`CACHE_VERSION` (bumped when the build rules change). Writes are atomic (temporary
file, then rename), so a crash never leaves a half-written entry behind.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Iterable
from pathlib import Path

import networkx as nx
import numpy as np

from routing.graph import graph_from_file
from routing.matrix import Matrix
from routing.profiles import VehicleProfile
from routing.speeds import add_travel_times

CACHE_VERSION = 1


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def graph_cache_key(source_sha256: str, profiles: Iterable[VehicleProfile],
                    calibration_factor: float = 1.0) -> str:
    """Cache key of a graph built from a source file for a set of profiles."""
    spec = {
        "version": CACHE_VERSION,
        "source": source_sha256,
        "calibration_factor": calibration_factor,
        "profiles": sorted(
            json.dumps(dataclasses.asdict(p), sort_keys=True, default=sorted) for p in profiles
        ),
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:32]


def _atomic_write(path: Path, write) -> None:  # type: ignore[no-untyped-def]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cached_graph(
    path: str | Path,
    cache_dir: str | Path,
    profiles: Iterable[VehicleProfile],
    calibration_factor: float = 1.0,
) -> nx.MultiDiGraph:
    """Graph with travel times for ``profiles``, built once per source hash and profiles.

    ``G.graph["cache_key"]`` names the entry; a second call with the same file and
    profiles loads the pickle instead of rebuilding.
    """
    profiles = list(profiles)
    key = graph_cache_key(file_sha256(path), profiles, calibration_factor)
    entry = Path(cache_dir) / f"graph-{key}.pickle"
    if entry.is_file():
        with open(entry, "rb") as fh:
            G = pickle.load(fh)
        G.graph["cache_hit"] = True
        return G
    G = graph_from_file(path)
    add_travel_times(G, profiles, calibration_factor)
    G.graph["cache_key"] = key
    _atomic_write(entry, lambda fh: pickle.dump(G, fh, protocol=pickle.HIGHEST_PROTOCOL))
    G.graph["cache_hit"] = False
    return G


def save_matrix(path: str | Path, matrix: Matrix, location_ids: Iterable[object]) -> None:
    """Store a matrix as ``.npz`` (duration_s, distance_m, profile, location ids as text)."""
    ids = np.asarray([str(i) for i in location_ids])
    if len(ids) != matrix.duration_s.shape[0]:
        raise ValueError("one location id per matrix row is needed")

    def write(fh) -> None:  # type: ignore[no-untyped-def]
        np.savez_compressed(fh, duration_s=matrix.duration_s, distance_m=matrix.distance_m,
                            profile=np.asarray(matrix.profile), location_ids=ids)

    _atomic_write(Path(path), write)


def load_matrix(path: str | Path) -> tuple[str, np.ndarray, np.ndarray, list[str]]:
    """Read a matrix written by :func:`save_matrix`: (profile, duration_s, distance_m, ids)."""
    with np.load(path, allow_pickle=False) as data:
        return (str(data["profile"]), data["duration_s"], data["distance_m"],
                [str(i) for i in data["location_ids"]])
