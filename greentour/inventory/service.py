"""Import use cases: OSM and cadastre files -> stored sites, access points and matrices.

One import is one transaction: everything that can fail (reading the file, classifying,
building the road graph, snapping access points, computing matrices) runs *before* the
database is touched; the sites and their access points are then written in a single
transaction, and the per-profile matrices of the accepted sites are written to the cache
folder only after the commit. A failure at any step leaves the store as it was.

Re-importing a file updates geometry, tags and version of known sites (matched by OSM type
and id, or by cadastre id) and applies the new classification (an edited acceptance list)
where the status is still the one the last import gave (``Site.import_status``); a status
the planner changed is kept. Every change of a stored site's geometry, name, category or
status is recorded (:class:`~greentour.store.models.SiteRevision`, file named), sites leaving
maintenance lose their open tasks, and OSM areas a cadastre covers are linked to the cadastre
site (:mod:`greentour.inventory.links`): one site per real area. Cadastre coordinates outside
the town's road network (swapped axes, wrong CRS) are refused (:mod:`greentour.inventory.
extent`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import shapely
from shapely.geometry import mapping, shape
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, selectinload

from greentour.errors import DataImportError
from greentour.inventory.acceptance import load_acceptance_list
from greentour.inventory.cadastre import cadastre_sites, load_mapping, read_cadastre_file
from greentour.inventory.classify import AcceptancePolicy, classify_features
from greentour.inventory.extent import MARGIN_M, graph_extent, outside_extent, swapped_inside
from greentour.inventory.links import covered_line_links, covered_links
from greentour.inventory.network import (
    default_cache_dir,
    osm_file_for,
    road_graph_for,
)
from greentour.inventory.osm_features import read_green_features
from greentour.inventory.report import ImportReport, category_rows
from greentour.planning.streets import StreetIndex, street_for, street_index
from greentour.store.models import AccessPoint, Site, SiteRevision, Task, Tenant, Vehicle
from greentour.store.tenancy import system_session, tenant_session
from greentour.tenant_config import CareClassEntry, tenant_config
from greentour.workplace.labels import site_label
from routing.network import OsmFileError, Router, SiteAccess, save_matrix, snap_sites

Progress = Callable[[str, float], None]
DEFAULT_PROFILES = ("van",)


def _noop(message: str, fraction: float) -> None:
    return None


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


def _town_patterns(tenant: Tenant) -> tuple[str, ...]:
    town = tenant.name.split("(")[0].strip()
    if not town:
        return ()
    first = town.split()[0]
    return (rf"\b(Stadt|Gemeinde|Markt|Stadtverwaltung|Bauhof)\s+{first}\b",)


def _policy(tenant: Tenant, acceptance_path: Path | None) -> AcceptancePolicy:
    care = tenant_config(tenant).care_classes
    accept = frozenset(c for c, e in care.items() if e.accept_by_default)
    decisions = load_acceptance_list(acceptance_path) if acceptance_path else {}
    return AcceptancePolicy(accept_categories=accept or AcceptancePolicy().accept_categories,
                            town_patterns=_town_patterns(tenant), decisions=decisions)


def access_max_distance_m(tenant: Tenant) -> float:
    """Tenant TOML ``[routing] access_max_distance_m`` (m), default 250: farther sites are
    flagged "ohne Zufahrt"."""
    return tenant_config(tenant).routing.access_max_distance_m


def _snap(G: nx.MultiDiGraph, sites: gpd.GeoDataFrame, profiles: list[str],
          progress: Progress, max_distance_m: float) -> list[SiteAccess | None]:
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


#: stored reasons of statuses an import gives (for sites stored before ``import_status``)
_ACCEPTING_REASONS = ("Positivliste der Kategorie", "Betreiber/Eigentümer ist die Stadt")
#: reason of an OSM site linked to the cadastre site covering it; when that cadastre site is
#: deleted (link cleared), the next import classifies the OSM site again
LINKED_REASON = "im Kataster erfasst"
#: what a revision records of a site
_TRACKED = ("name", "category", "status", "in_maintenance", "geometry_geojson", "source_file")


def _last_import_status(site: Site) -> str:
    """The status the last import gave the site; for sites stored before it was kept, read
    from the stored reason (list decisions and whitelist acceptances came from the import)."""
    if site.import_status is not None:
        return site.import_status
    reason = str((site.tags_json or {}).get("greentour:reason") or "")
    if reason == "Annahmeliste":
        return site.status
    if reason in _ACCEPTING_REASONS or reason.startswith("Kataster"):
        return "accepted"
    return "candidate"


def _snapshot(site: Site) -> dict[str, Any]:
    return {k: getattr(site, k) for k in _TRACKED}


def _record(session: Session, site: Site, before: dict[str, Any], source: str, file_name: str,
            change: str | None = None) -> bool:
    """Store a revision of ``site`` if a tracked field changed (True when one was stored)."""
    after = _snapshot(site)
    changed = [k for k in _TRACKED if before[k] != after[k] and k != "source_file"]
    if not changed and change is None:
        return False
    names = [change] if change else []
    names += ["geometry" if k == "geometry_geojson" else k for k in changed]
    keys = [k for k in _TRACKED if before[k] != after[k]] or list(_TRACKED[:4])
    session.add(SiteRevision(site_id=site.id, source=source, file=file_name[:300],
                             change=",".join(dict.fromkeys(names))[:40],
                             before_json={k: before[k] for k in keys},
                             after_json={k: after[k] for k in keys}))
    return True


def _persist(session: Session, sites: gpd.GeoDataFrame, access: list[SiteAccess | None],
             G: nx.MultiDiGraph, source: str, care: Mapping[str, CareClassEntry],
             report: ImportReport, file_name: str = "") -> list[tuple[Site, SiteAccess | None]]:
    query = select(Site).where(Site.source == source).options(selectinload(Site.access_points))
    if source == "osm":
        existing = {(s.osm_type, s.osm_id): s for s in session.scalars(query)}
    else:
        existing = {s.cadastre_id: s for s in session.scalars(query)}
    index = street_index(G)
    stored = []
    before: dict[int, dict[str, Any]] = {}
    with session.no_autoflush:
        for i, row in enumerate(sites.itertuples(index=False)):
            stored.append(_upsert(session, existing, i, row, access, G, source, care, report,
                                  file_name, index, before))
    session.flush()
    for site, _ in stored:
        if site.id in before:
            old = before[site.id]
            if old["source_file"] and old["source_file"] != file_name and (
                    old["geometry_geojson"] != site.geometry_geojson):
                report.overwritten_other_file += 1
            if _record(session, site, old, source, file_name):
                report.revisions += 1
            if old["in_maintenance"] and not site.in_maintenance:
                report.left_maintenance.append(site.id)
    return stored


def _upsert(session: Session, existing: Mapping[Any, Site], i: int, row: Any,
            access: list[SiteAccess | None], G: nx.MultiDiGraph, source: str,
            care: Mapping[str, CareClassEntry], report: ImportReport, file_name: str = "",
            index: StreetIndex | None = None,
            before: dict[int, dict[str, Any]] | None = None) -> tuple[Site, SiteAccess | None]:
    """Insert or update one site row and replace its access points.

    The new classification applies where the status is still the last import's; a status the
    planner set is kept (counted), a site linked to a cadastre site stays out of maintenance.
    """
    geom = row.geometry
    key = (row.osm_type, int(row.osm_id)) if source == "osm" else row.cadastre_id
    site = existing.get(key)
    if site is None:
        site = Site(source=source, status="candidate")
        session.add(site)
        report.sites_new += 1
        by_import = True
    else:
        report.sites_updated += 1
        if before is not None:
            before[site.id] = _snapshot(site)
        unlinked = site.superseded_by_id is None and str(
            (site.tags_json or {}).get("greentour:reason", "")).startswith(LINKED_REASON)
        by_import = site.superseded_by_id is None and (
            unlinked or site.status == _last_import_status(site))
        if not by_import and site.superseded_by_id is None and site.status != row.status:
            report.decisions_kept += 1
        if by_import and site.status != row.status:
            report.status_changed += 1
    point = geom.representative_point()
    tags = dict(row.tags)
    if row.merged_from:
        tags["greentour:merged_from"] = list(row.merged_from)
    tags["greentour:reason"] = row.reason
    stored_tags = site.tags_json or {}
    if site.superseded_by_id is not None:
        tags["greentour:reason"] = stored_tags.get("greentour:reason", row.reason)
    name = (row.name or "")[:300]
    if stored_tags.get("greentour:osm_sites"):  # links made by earlier imports stay
        tags["greentour:osm_sites"] = stored_tags["greentour:osm_sites"]
        if site.name and name == tags.get("cadastre_label"):
            name = site.name  # the name taken from the linked OSM site, not the class label
    site.name = name
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
    site.source_file = file_name[:300] or site.source_file
    if source == "osm":
        site.osm_type, site.osm_id = row.osm_type, int(row.osm_id)
        site.osm_version = int(row.osm_version)
    else:
        site.cadastre_id = row.cadastre_id
    if by_import:
        site.status = row.status
        site.in_maintenance = bool(row.in_maintenance)
        site.maintained_by = "own"
        entry = care.get(row.category)
        site.care_class = getattr(row, "care_class", None) or (entry.care_class if entry else None)
        site.regime = getattr(row, "regime", None) or (entry.regime if entry else None)
    site.import_status = row.status
    site.access_points = _access_rows(G, access[i]) if access[i] is not None else []
    if access[i] is not None or not site.street:  # a rejected site keeps its known street
        site.street = (street_for(tags, site.access_points, site.lon, site.lat, index)
                       or "")[:200]
    return site, access[i]


def _metric(sites: list[Site]) -> list[tuple[int, Any]]:
    """``(site id, geometry in EPSG:25832)`` of stored sites (for overlap shares)."""
    if not sites:
        return []
    geoms = gpd.GeoSeries([shape(json.loads(s.geometry_geojson)) for s in sites],
                          crs="EPSG:4326").to_crs("EPSG:25832")
    return list(zip([s.id for s in sites], geoms, strict=True))


def _link_sources(session: Session, source: str, file_name: str,
                  report: ImportReport) -> None:
    """Link OSM areas the cadastre covers to the cadastre site (one site per real area): the
    OSM site leaves maintenance, keeps its data as provenance and points at the cadastre site;
    the cadastre site lists the OSM objects it replaces."""
    polygonal = Site.geometry_type.in_(("Polygon", "MultiPolygon"))
    linear = Site.geometry_type.in_(("LineString", "MultiLineString"))
    cadastre = session.scalars(select(Site).where(Site.source == "cadastre", polygonal)).all()
    if not cadastre:
        return
    open_osm = (Site.source == "osm", Site.superseded_by_id.is_(None))
    osm = session.scalars(select(Site).where(*open_osm, polygonal)).all()
    lines = session.scalars(select(Site).where(*open_osm, linear)).all()
    if not osm and not lines:
        return
    by_id = {s.id: s for s in [*cadastre, *osm, *lines]}
    cad_metric = _metric(list(cadastre))
    links = covered_links(cad_metric, _metric(list(osm))) if osm else []
    if lines:
        category = {s.id: s.category for s in [*cadastre, *lines]}
        links += covered_line_links([(i, category[i], g) for i, g in cad_metric],
                                    [(i, category[i], g) for i, g in _metric(list(lines))])
    for link in links:
        osm_site, cad_site = by_id[link.osm_id], by_id[link.cadastre_id]
        before = _snapshot(osm_site)
        osm_site.superseded_by_id = cad_site.id
        osm_site.status, osm_site.in_maintenance = "rejected", False
        osm_site.tags_json = {**(osm_site.tags_json or {}),
                              "greentour:reason": f"{LINKED_REASON} ({cad_site.cadastre_id}, "
                                                  f"{link.share:.0%} überdeckt)"}
        _record(session, osm_site, before, source, file_name, change="linked")
        report.revisions += 1
        if before["in_maintenance"]:
            report.left_maintenance.append(osm_site.id)
        replaced = list((cad_site.tags_json or {}).get("greentour:osm_sites", []))
        replaced.append(f"{osm_site.osm_type}/{osm_site.osm_id}")
        cad_site.tags_json = {**(cad_site.tags_json or {}),
                              "greentour:osm_sites": sorted(set(replaced))}
        if osm_site.name and (not cad_site.name or cad_site.name == (
                cad_site.tags_json or {}).get("cadastre_label")):
            cad_before = _snapshot(cad_site)
            cad_site.name = osm_site.name[:300]  # the cadastre had only its class label
            report.revisions += int(_record(session, cad_site, cad_before, source, file_name,
                                            change="linked"))
        report.linked += 1
    session.flush()


def _retire_tasks(session: Session, report: ImportReport) -> None:
    """Open tasks of sites that left maintenance are cancelled (planned ones stay in their
    plan and are counted)."""
    if not report.left_maintenance:
        return
    ids = sorted(set(report.left_maintenance))
    for task in session.scalars(select(Task).where(Task.site_id.in_(ids),
                                                   Task.status == "open")):
        task.status = "cancelled"
        report.tasks_cancelled += 1
    report.tasks_still_planned = int(session.scalar(
        select(func.count()).select_from(Task).where(Task.site_id.in_(ids),
                                                     Task.status == "planned")) or 0)


def _inventory_totals(session: Session, report: ImportReport) -> None:
    """The tenant's whole inventory in maintenance (all sources, every real area once)."""
    maintained = (Site.status == "accepted", Site.in_maintenance.is_(True))
    report.inventory_sites = int(session.scalar(
        select(func.count()).select_from(Site).where(*maintained)) or 0)
    report.inventory_area_m2 = float(session.scalar(
        select(func.coalesce(func.sum(Site.area_m2), 0.0)).where(*maintained)) or 0.0)


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
    care = tenant_config(tenant).care_classes
    progress("Fahrzeitmatrizen", 0.7)
    matrices = {}
    with tenant_session(engine, tenant.id) as session, session.begin():
        progress("Speichern", 0.8)
        stored = _persist(session, sites, access, G, source, care, report, report.file)
        report.no_access = [(site_label(site), float(a.nearest_road_m)) for site, a in stored
                            if a is not None and a.no_access]
        _link_sources(session, source, report.file, report)
        _retire_tasks(session, report)
        _inventory_totals(session, report)
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
    if features.failed_ids:
        report.notes.append("keine Fläche bildbar (Ring offen, entartet oder am Rand des "
                            "Ausschnitts abgeschnitten): " + ", ".join(features.failed_ids[:10])
                            + (f" und {len(features.failed_ids) - 10} weitere"
                               if len(features.failed_ids) > 10 else ""))
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
    sites, stats = cadastre_sites(frame, mapping_cfg, source_name=path.stem,
                                  file_name=path.name)
    if not len(sites):
        raise DataImportError(f"In {path.name} ist keine Fläche einer zugeordneten Art")
    if osm_path is None:
        osm_path = osm_file_for(tenant)
    if osm_path is None:
        raise DataImportError("Für Zufahrtspunkte fehlt das Straßennetz: OSM-Datei angeben "
                              "(--osm) oder [osm] pbf in der Mandanten-Konfiguration")
    progress("Straßennetz", 0.2)
    G = road_graph_for(Path(osm_path), tenant, cache)
    town = tenant.name.split("(")[0].strip()
    extent = graph_extent(G, town).widened(MARGIN_M)
    outside = outside_extent(list(sites.geometry), list(sites["feature"]), extent,
                             stats.source_crs)
    if outside is not None:
        source_geom = frame.geometry.iloc[int(sites["position"].iloc[outside.index])]
        if not frame.crs.is_geographic and swapped_inside(source_geom, frame.crs, extent):
            outside = replace(outside, reason="Rechts- und Hochwert vertauscht? "
                                              "(Achsenreihenfolge prüfen)")
        raise DataImportError(outside.message(path.name, town))
    profiles = _vehicle_profiles(engine, tenant_id, G.graph.get("travel_profiles", {}))
    access = _snap(G, sites, profiles, progress, access_max_distance_m(tenant))
    report = ImportReport(source="Kataster", file=path.name, population=tenant.population)
    report.merged = {"Ungültige Ringe repariert": stats.invalid_repaired,
                     "Leer verworfen": stats.empty_dropped,
                     "Entartet verworfen": stats.degenerate_dropped}
    if stats.degenerate_features:
        report.notes.append("entartete Geometrie verworfen (Fläche < 1 m² oder keine Fläche): "
                            + ", ".join(stats.degenerate_features[:10]))
    report.notes.append(f"Koordinatensystem {stats.source_crs}; {stats.transformation}")
    for label, n in sorted(stats.skipped_by_class.items()):
        report.notes.append(f"nicht übernommen (keine Pflegefläche): {label} × {n}")
    for value, n in sorted(stats.unmapped_classes.items()):
        report.notes.append(f"Flächenart {value!r} nicht in der Zuordnung × {n}")
    _finish_report(report, sites, access)
    _store(engine, tenant, sites, access, G, "cadastre", profiles, cache, report, progress)
    return report
