"""Import use cases: OSM and cadastre files -> stored sites, access points and matrices.

One import is one transaction: everything that can fail (reading the file, classifying,
building the road graph, snapping access points, computing matrices) runs *before* the
database is touched; the sites and their access points are then written in a single
transaction, and the per-profile matrices of the accepted sites are written to the cache
folder only after the commit. A failure at any step leaves the store as it was.

Re-importing a file updates geometry, tags and version of known sites (matched by OSM type
and id, or by cadastre id) but keeps a planner's decision: only sites that are still
candidates take the new classification.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import shapely
from shapely.geometry import mapping
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from greentour.errors import DataImportError
from greentour.inventory.acceptance import load_acceptance_list
from greentour.inventory.cadastre import cadastre_sites, load_mapping, read_cadastre_file
from greentour.inventory.classify import AcceptancePolicy, classify_features
from greentour.inventory.osm_features import read_green_features
from greentour.inventory.report import ImportReport, category_rows
from greentour.routing_settings import access_max_distance_m_of, calibration_factor_of
from greentour.store.models import AccessPoint, Site, Tenant, Vehicle
from greentour.store.tenancy import system_session, tenant_session
from routing._osm_reader import OsmFileError
from routing.access import SiteAccess, snap_sites
from routing.cache import cached_graph, save_matrix
from routing.graph import NoRoadsError
from routing.matrix import EdgePoint, Router, reverse_edge_key

Progress = Callable[[str, float], None]
DEFAULT_PROFILES = ("van",)


def _noop(message: str, fraction: float) -> None:
    return None


def default_cache_dir() -> Path:
    """The instance folder's cache (shared with the planner's graph cache)."""
    from greentour.settings import get_settings

    path = get_settings().instance_dir / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def matrix_path(cache_dir: Path, tenant_id: int, profile: str) -> Path:
    """Where the tenant's cached matrix of accepted sites for ``profile`` lives (.npz)."""
    return Path(cache_dir) / f"matrix-tenant{tenant_id}-{profile}.npz"


def _tenant(engine: Engine, tenant_id: int) -> Tenant:
    with system_session(engine) as s:
        tenant = s.get(Tenant, tenant_id)
        if tenant is None:
            raise DataImportError(f"Mandant {tenant_id} gibt es nicht")
        return tenant


def _vehicle_profiles(engine: Engine, tenant_id: int, known: Mapping[str, Any]) -> list[str]:
    with tenant_session(engine, tenant_id) as s:
        names = sorted(set(s.scalars(select(Vehicle.profile).where(Vehicle.active))))
    names = [n for n in names if n in known] or list(DEFAULT_PROFILES)
    return names


def _profiles(tenant: Tenant) -> dict[str, Any]:
    from greentour.planning.travel import tenant_profiles

    return tenant_profiles(tenant)


def calibration_factor(tenant: Tenant) -> float:
    """Tenant TOML ``[routing] calibration_factor`` on all travel times (default 1.0)."""
    return calibration_factor_of(tenant.config_json, tenant.config_file or tenant.slug)


def road_graph_for(path: Path, tenant: Tenant, cache_dir: Path) -> nx.MultiDiGraph:
    """The drivable graph of an OSM file with the tenant's profiles and calibration factor
    (cached by file hash, profiles and factor)."""
    try:
        return cached_graph(path, cache_dir, _profiles(tenant).values(),
                            calibration_factor(tenant))
    except OsmFileError as exc:
        raise DataImportError(f"OSM-Datei {Path(path).name} ist nicht lesbar: {exc}") from exc
    except NoRoadsError as exc:
        raise DataImportError(
            f"In {Path(path).name} gibt es kein befahrbares Straßennetz ({exc}); "
            "ohne Straßen lassen sich keine Zufahrten und Fahrzeiten berechnen"
        ) from exc


def _town_patterns(tenant: Tenant) -> tuple[str, ...]:
    town = tenant.name.split("(")[0].strip()
    if not town:
        return ()
    first = town.split()[0]
    return (rf"\b(Stadt|Gemeinde|Markt|Stadtverwaltung|Bauhof)\s+{first}\b",)


def _policy(tenant: Tenant, acceptance_path: Path | None) -> AcceptancePolicy:
    care = (tenant.config_json or {}).get("care_classes") or {}
    accept = frozenset(c for c, e in care.items() if isinstance(e, dict)
                       and e.get("accept_by_default"))
    decisions = load_acceptance_list(acceptance_path) if acceptance_path else {}
    return AcceptancePolicy(accept_categories=accept or AcceptancePolicy().accept_categories,
                            town_patterns=_town_patterns(tenant), decisions=decisions)


def access_max_distance_m(tenant: Tenant) -> float:
    """Tenant TOML ``[routing] access_max_distance_m`` (m), default 250: farther sites are
    flagged "ohne Zufahrt"."""
    return access_max_distance_m_of(tenant.config_json, tenant.config_file or tenant.slug)


def _snap(G: nx.MultiDiGraph, sites: gpd.GeoDataFrame, profiles: list[str],
          progress: Progress, max_distance_m: float = 250.0) -> list[SiteAccess | None]:
    """Access points for every site that is not rejected (None for rejected ones)."""
    todo = [(i, g) for i, (g, st) in enumerate(zip(sites.geometry, sites["status"],
                                                    strict=True)) if st != "rejected"]
    progress("Zufahrtspunkte", 0.5)
    snapped = snap_sites(G, todo, profiles=profiles,
                         max_distance_m=max_distance_m) if todo else []
    result: list[SiteAccess | None] = [None] * len(sites)
    for access in snapped:
        result[access.site_id] = access
    return result


def _geojson(geom: Any) -> str:
    rounded = shapely.set_precision(geom, 1e-7) if not geom.is_empty else geom
    return json.dumps(mapping(rounded if not rounded.is_empty else geom))


def _access_rows(G: nx.MultiDiGraph, access: SiteAccess) -> list[AccessPoint]:
    if access.no_access:
        return [AccessPoint(profile=None, lon=0.0, lat=0.0, no_access=True,
                            distance_m=access.nearest_road_m)]
    rows = []
    for ap in access.access_points:
        e = ap.edge_point
        rows.append(AccessPoint(
            profile=None, lon=ap.lon, lat=ap.lat, edge_u=int(e.u), edge_v=int(e.v),
            edge_key=int(e.key), offset_m=e.fraction * G.edges[e.u, e.v, e.key]["length"],
            distance_m=ap.distance_m, no_access=False))
    return rows


def edge_point_of(G: nx.MultiDiGraph, row: AccessPoint) -> EdgePoint | None:
    """The routing location of a stored access point (None for a no-access flag)."""
    if row.no_access or row.edge_u is None or row.edge_v is None or row.edge_key is None:
        return None
    length_m = G.edges[row.edge_u, row.edge_v, row.edge_key]["length"]
    fraction = min(max((row.offset_m or 0.0) / length_m, 0.0), 1.0) if length_m else 0.0
    return EdgePoint(row.edge_u, row.edge_v, row.edge_key, fraction,
                     reverse_edge_key(G, row.edge_u, row.edge_v, row.edge_key))


def _persist(session: Session, sites: gpd.GeoDataFrame, access: list[SiteAccess | None],
             G: nx.MultiDiGraph, source: str, care: Mapping[str, Any],
             report: ImportReport) -> list[tuple[Site, SiteAccess | None]]:
    query = select(Site).where(Site.source == source).options(selectinload(Site.access_points))
    if source == "osm":
        existing = {(s.osm_type, s.osm_id): s for s in session.scalars(query)}
    else:
        existing = {s.cadastre_id: s for s in session.scalars(query)}
    stored = []
    with session.no_autoflush:
        for i, row in enumerate(sites.itertuples(index=False)):
            stored.append(_upsert(session, existing, i, row, access, G, source, care, report))
    session.flush()
    return stored


def _upsert(session: Session, existing: Mapping[Any, Site], i: int, row: Any,
            access: list[SiteAccess | None], G: nx.MultiDiGraph, source: str,
            care: Mapping[str, Any], report: ImportReport) -> tuple[Site, SiteAccess | None]:
    """Insert or update one site row and replace its access points."""
    geom = row.geometry
    key = (row.osm_type, int(row.osm_id)) if source == "osm" else row.cadastre_id
    site = existing.get(key)
    if site is None:
        site = Site(source=source, status="candidate")
        session.add(site)
        report.sites_new += 1
    else:
        report.sites_updated += 1
    keep_decision = site.status != "candidate"
    point = geom.representative_point()
    tags = dict(row.tags)
    if row.merged_from:
        tags["greentour:merged_from"] = list(row.merged_from)
    tags["greentour:reason"] = row.reason
    site.name = (row.name or "")[:300]
    site.category = row.category
    site.geometry_geojson = _geojson(geom)
    site.geometry_type = geom.geom_type
    site.area_m2 = None if row.area_m2 is None or row.area_m2 != row.area_m2 else float(
        row.area_m2)
    site.length_m = None if row.length_m is None or row.length_m != row.length_m else \
        float(row.length_m)
    site.tree_count = int(row.tree_count) if row.tree_count else None
    site.lon, site.lat = float(point.x), float(point.y)
    site.tags_json = tags
    if source == "osm":
        site.osm_type, site.osm_id = row.osm_type, int(row.osm_id)
        site.osm_version = int(row.osm_version)
    else:
        site.cadastre_id = row.cadastre_id
    if not keep_decision:
        site.status = row.status
        site.in_maintenance = bool(row.in_maintenance)
        site.maintained_by = "own"
        entry = care.get(row.category) or {}
        site.care_class = getattr(row, "care_class", None) or entry.get("care_class")
        site.regime = getattr(row, "regime", None) or entry.get("regime")
    site.access_points = _access_rows(G, access[i]) if access[i] is not None else []
    return site, access[i]


def _finish_report(report: ImportReport, sites: gpd.GeoDataFrame,
                   access: list[SiteAccess | None]) -> None:
    report.rows = category_rows(sites)
    report.sites_total = len(sites)
    accepted = sites["status"] == "accepted"
    report.maintained_area_m2 = float(sites.loc[accepted, "area_m2"].fillna(0).sum())
    report.with_access = sum(1 for a in access if a is not None and not a.no_access)
    report.no_access = [(str(sites.iloc[i]["name"] or sites.iloc[i]["key"]),
                         float(a.nearest_road_m)) for i, a in enumerate(access)
                        if a is not None and a.no_access]


def _store(engine: Engine, tenant: Tenant, sites: gpd.GeoDataFrame,
           access: list[SiteAccess | None], G: nx.MultiDiGraph, source: str,
           profiles: list[str], cache_dir: Path, report: ImportReport,
           progress: Progress) -> None:
    care = (tenant.config_json or {}).get("care_classes") or {}
    progress("Fahrzeitmatrizen", 0.7)
    matrices = {}
    with tenant_session(engine, tenant.id) as session, session.begin():
        progress("Speichern", 0.8)
        stored = _persist(session, sites, access, G, source, care, report)
        accepted = [(site.id, a.primary.edge_point) for site, a in stored
                    if site.status == "accepted" and a is not None and a.primary is not None]
        if accepted:
            points = [p for _, p in accepted]
            for profile in profiles:
                matrices[profile] = Router(G, profile).matrix(points)
    for profile, matrix in matrices.items():
        save_matrix(matrix_path(cache_dir, tenant.id, profile), matrix,
                    [site_id for site_id, _ in accepted])
        report.matrices[profile] = len(accepted)
    progress("Fertig", 1.0)


def import_osm(engine: Engine, tenant_id: int, path: str | Path, *,
               acceptance_path: str | Path | None = None, cache_dir: str | Path | None = None,
               progress: Progress | None = None) -> ImportReport:
    """Import the green features and road network of an OSM file for a tenant.

    Returns the import report; raises :class:`greentour.errors.DataImportError` (nothing
    stored) for an unreadable file, a file without green features or without roads.
    """
    progress = progress or _noop
    path = Path(path)
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    tenant = _tenant(engine, tenant_id)
    policy = _policy(tenant, Path(acceptance_path) if acceptance_path else None)
    progress("OSM lesen", 0.05)
    try:
        features = read_green_features(path)
    except OsmFileError as exc:
        raise DataImportError(f"OSM-Datei {path.name} ist nicht lesbar: {exc}") from exc
    sites, stats = classify_features(features.frame, policy)
    if not len(sites):
        raise DataImportError(f"In {path.name} gibt es keine Grünflächen (Parks, Rasen, ...)")
    progress("Straßennetz", 0.2)
    G = road_graph_for(path, tenant, cache)
    profiles = _vehicle_profiles(engine, tenant_id, G.graph.get("travel_profiles", {}))
    access = _snap(G, sites, profiles, progress, access_max_distance_m(tenant))
    report = ImportReport(source="OpenStreetMap", file=path.name, population=tenant.population)
    report.trees_total, report.trees_in_sites = stats.trees_total, stats.trees_in_sites
    report.merged = {"Doppelt erfasst": stats.duplicates_merged,
                     "Punkt in Fläche": stats.points_merged,
                     "Splitter angefügt": stats.slivers_merged,
                     "Splitter verworfen": stats.slivers_dropped,
                     "Flächen nicht bildbar": features.areas_failed}
    for refused in stats.decisions_refused:
        report.notes.append(f"Annahmeliste: {refused} – nicht übernommen")
    if stats.decisions_unknown:
        report.notes.append("Annahmeliste: nicht in der Datei: "
                            + ", ".join(stats.decisions_unknown[:10]))
    _finish_report(report, sites, access)
    _store(engine, tenant, sites, access, G, "osm", profiles, cache, report, progress)
    return report


def import_cadastre(engine: Engine, tenant_id: int, path: str | Path,
                    mapping_path: str | Path, *, osm_path: str | Path | None = None,
                    cache_dir: str | Path | None = None,
                    progress: Progress | None = None) -> ImportReport:
    """Import a green-space cadastre (authoritative: every mapped feature is accepted).

    Access points need the road network: ``osm_path`` or the tenant's configured OSM file.
    Raises :class:`greentour.errors.DataImportError` (nothing stored) for a file without
    CRS, an unreadable file, a missing class column or no usable feature.
    """
    progress = progress or _noop
    path = Path(path)
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    tenant = _tenant(engine, tenant_id)
    mapping_cfg = load_mapping(mapping_path)
    progress("Kataster lesen", 0.05)
    frame = read_cadastre_file(path)
    sites, stats = cadastre_sites(frame, mapping_cfg, source_name=path.stem)
    if not len(sites):
        raise DataImportError(f"In {path.name} ist keine Fläche einer zugeordneten Art")
    if osm_path is None:
        from greentour.planning.travel import osm_file_for

        osm_path = osm_file_for(tenant)
    if osm_path is None:
        raise DataImportError("Für Zufahrtspunkte fehlt das Straßennetz: OSM-Datei angeben "
                              "(--osm) oder [osm] pbf in der Mandanten-Konfiguration")
    progress("Straßennetz", 0.2)
    G = road_graph_for(Path(osm_path), tenant, cache)
    profiles = _vehicle_profiles(engine, tenant_id, G.graph.get("travel_profiles", {}))
    access = _snap(G, sites, profiles, progress, access_max_distance_m(tenant))
    report = ImportReport(source="Kataster", file=path.name, population=tenant.population)
    report.merged = {"Ungültige Ringe repariert": stats.invalid_repaired,
                     "Leer verworfen": stats.empty_dropped}
    report.notes.append(f"Koordinatensystem {stats.source_crs}; {stats.transformation}")
    for label, n in sorted(stats.skipped_by_class.items()):
        report.notes.append(f"nicht übernommen (keine Pflegefläche): {label} × {n}")
    for value, n in sorted(stats.unmapped_classes.items()):
        report.notes.append(f"Flächenart {value!r} nicht in der Zuordnung × {n}")
    _finish_report(report, sites, access)
    _store(engine, tenant, sites, access, G, "cadastre", profiles, cache, report, progress)
    return report


_GRAPHS: dict[tuple[Any, ...], nx.MultiDiGraph] = {}
_GRAPHS_LOCK = threading.Lock()


def road_graph(session: Session) -> nx.MultiDiGraph | None:
    """The tenant's road graph as the import built it (profiles and calibration factor).

    The planner (:mod:`greentour.planning.travel`) asks for it, so travel times of plans
    and of the matrices cached at import agree. None when the tenant has no OSM file.
    Kept per process (the worker plans many times with one graph).
    """
    from greentour.planning.travel import osm_file_for
    from greentour.store import session_tenant

    tenant = session_tenant(session)
    path = osm_file_for(tenant)
    if path is None:
        return None
    key = (str(path.resolve()), path.stat().st_mtime, repr(sorted(_profiles(tenant).items())),
           calibration_factor(tenant))
    with _GRAPHS_LOCK:
        if key not in _GRAPHS:
            _GRAPHS[key] = road_graph_for(path, tenant, default_cache_dir())
        return _GRAPHS[key]
