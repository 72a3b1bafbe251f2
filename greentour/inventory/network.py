"""The town's road network: its OSM file, its vehicle profiles and the one road-graph cache.

The inventory import snaps sites to this graph and caches matrices on it; the planner
(:mod:`greentour.planning.travel`) computes its travel times on the same graph, and the site
labels (:mod:`greentour.planning.streets`) read street names from it. One graph per OSM file,
profiles and calibration factor: kept in the instance folder's cache
(:func:`routing.cache.cached_graph`) and in this process (the worker plans many times with one
graph).
"""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import Any

import networkx as nx
from sqlalchemy.orm import Session

from greentour.errors import BadInput, DataImportError
from greentour.settings import get_settings
from greentour.store import session_tenant
from greentour.store.models import AccessPoint, Tenant
from greentour.tenant_config import tenant_config
from routing.network import (
    EdgePoint,
    NoRoadsError,
    OsmFileError,
    VehicleProfile,
    cached_graph,
    load_profiles,
    reverse_edge_key,
)

_GRAPHS: dict[tuple[Any, ...], nx.MultiDiGraph] = {}
_GRAPHS_LOCK = threading.Lock()


def default_cache_dir() -> Path:
    """The instance folder's cache of graphs and matrices (created when missing)."""
    path = get_settings().instance_dir / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def osm_file_for(tenant: Tenant) -> Path | None:
    """The tenant's OSM file from its configuration (``[osm] pbf``) or ``GREENTOUR_OSM_FILE``
    (None: unknown, or no such file).

    Relative paths are read below the data folder."""
    candidates = [tenant_config(tenant).osm_pbf, get_settings().osm_file]
    for value in candidates:
        if not value:
            continue
        path = get_settings().data_file(value)
        if path.exists():
            return path
    return None


def tenant_profiles(tenant: Tenant | None) -> dict[str, VehicleProfile]:
    """The shipped vehicle profiles with the tenant's overrides (``[vehicle_profiles.<name>]``)."""
    profiles = load_profiles()
    overrides = tenant_config(tenant).vehicle_profiles if tenant else {}
    fields = {f.name for f in dataclasses.fields(VehicleProfile)}
    for name, changes in overrides.items():
        if name in profiles and isinstance(changes, dict):
            known = {k: v for k, v in changes.items() if k in fields and v is not None}
            profiles[name] = dataclasses.replace(profiles[name], **known)
    return profiles


def calibration_factor(tenant: Tenant) -> float:
    """Tenant TOML ``[routing] calibration_factor`` on all travel times (default 1.0)."""
    return tenant_config(tenant).routing.calibration_factor


def road_graph_for(path: Path, tenant: Tenant, cache_dir: Path) -> nx.MultiDiGraph:
    """The drivable graph of an OSM file with the tenant's profiles and calibration factor
    (cached by file hash, profiles and factor)."""
    try:
        return cached_graph(path, cache_dir, tenant_profiles(tenant).values(),
                            calibration_factor(tenant))
    except OsmFileError as exc:
        raise DataImportError(f"OSM-Datei {Path(path).name} ist nicht lesbar: {exc}") from exc
    except NoRoadsError as exc:
        raise DataImportError(
            f"In {Path(path).name} gibt es kein befahrbares Straßennetz ({exc}); "
            "ohne Straßen lassen sich keine Zufahrten und Fahrzeiten berechnen"
        ) from exc


def road_graph(session: Session) -> nx.MultiDiGraph:
    """The session tenant's drivable graph with travel times for every profile.

    The same graph as the inventory import built (profiles and calibration factor), so travel
    times of plans and of the matrices cached at import agree. Kept per process.
    Raises :class:`~greentour.errors.BadInput` when the tenant has no OSM file.
    """
    tenant = session_tenant(session)
    path = osm_file_for(tenant)
    if path is None:
        raise BadInput(
            "Kein Straßennetz für diesen Mandanten: OSM-Datei fehlt ([osm] pbf in der "
            "Mandanten-Konfiguration oder GREENTOUR_OSM_FILE)"
        )
    key = (str(path.resolve()), path.stat().st_mtime,
           repr(sorted(tenant_profiles(tenant).items())), calibration_factor(tenant))
    with _GRAPHS_LOCK:
        if key not in _GRAPHS:
            _GRAPHS[key] = road_graph_for(path, tenant, default_cache_dir())
        return _GRAPHS[key]


def edge_point_of(graph: nx.MultiDiGraph, row: AccessPoint) -> EdgePoint | None:
    """The routing location of a stored access point (None for a no-access flag)."""
    if row.no_access or row.edge_u is None or row.edge_v is None or row.edge_key is None:
        return None
    length_m = graph.edges[row.edge_u, row.edge_v, row.edge_key]["length"]
    fraction = min(max((row.offset_m or 0.0) / length_m, 0.0), 1.0) if length_m else 0.0
    return EdgePoint(row.edge_u, row.edge_v, row.edge_key, fraction,
                     reverse_edge_key(graph, row.edge_u, row.edge_v, row.edge_key))


def stored_edge_point(graph: nx.MultiDiGraph, row: AccessPoint | None) -> EdgePoint | None:
    """The routing location of a stored access point; None when there is no row or its edge is
    not in ``graph`` (the OSM file changed since the import: the point is snapped again)."""
    if row is None or row.edge_u is None or row.edge_v is None or row.edge_key is None:
        return None
    if not graph.has_edge(row.edge_u, row.edge_v, row.edge_key):
        return None
    return edge_point_of(graph, row)
