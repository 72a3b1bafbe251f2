"""A stored sample plan for the GIS tests, built from real Lauf OSM objects via the store models.

Tenant "lauf" (not public, member "gis"/"geheim-123") gets the real parks, playgrounds and
cemeteries, hedges and trees of the Lauf extract as sites, a depot at the Bauhof, the Wertstoffhof
as reload point, two crew-days on Monday 2026-06-01 and a published plan with two tours whose legs
follow real Lauf streets (the first stop reported done by the crew), plus one unassigned task.
Tenant "offen" is public and holds two OSM sites (share-alike warning). No solver is needed: rows
are written as a solver would write them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import osmium
import shapely
from osmium.geom import GeoJSONFactory
from pyproj import Geod
from shapely.geometry import LineString, mapping, shape
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from greentour.store import models as M
from greentour.store.db import make_engine, upgrade
from greentour.store.tenancy import system_session, tenant_session

BERLIN = ZoneInfo("Europe/Berlin")
DAY = dt.date(2026, 6, 1)
GIS_USER, GIS_PASSWORD = "gis", "geheim-123"
_GEOD = Geod(ellps="WGS84")
_AREA_TAGS = {("leisure", "park"): "park", ("leisure", "playground"): "playground",
              ("landuse", "cemetery"): "cemetery"}
_ROADS = ("Beethovenstraße", "Erbsenbodenstraße", "Mozartstraße", "Schützenstraße")


@dataclass
class Sample:
    """Ids and expectations of the stored sample."""

    db_url: str
    tenant_id: int
    public_tenant_id: int
    plan_id: int
    tour_ids: list[int]
    stop_ids: list[int]
    unassigned_ids: list[int]
    site_ids: dict[str, list[int]]
    user_id: int


def _read_osm(pbf: Path) -> dict:
    factory = GeoJSONFactory()
    out: dict = {"areas": [], "hedges": [], "trees": [], "roads": {}}
    fp = osmium.FileProcessor(str(pbf)).with_areas().with_locations()
    for o in fp:
        if o.is_area():
            for (key, value), category in _AREA_TAGS.items():
                if o.tags.get(key) == value:
                    geom = shape(json.loads(factory.create_multipolygon(o)))
                    kind = "way" if o.from_way() else "relation"
                    out["areas"].append((kind, o.orig_id(), o.version, category,
                                         o.tags.get("name", category), geom))
        elif o.is_way() and o.tags.get("barrier") == "hedge" and len(out["hedges"]) < 5:
            coords = [(n.lon, n.lat) for n in o.nodes if n.location.valid()]
            if len(coords) >= 2:
                out["hedges"].append((o.id, o.version, LineString(coords)))
        elif o.is_node() and o.tags.get("natural") == "tree" and len(out["trees"]) < 8:
            out["trees"].append((o.id, o.version, shapely.Point(o.location.lon, o.location.lat)))
        elif o.is_way() and o.tags.get("name") in _ROADS and o.tags.get("highway"):
            coords = [(n.lon, n.lat) for n in o.nodes if n.location.valid()]
            if len(coords) >= 2:
                out["roads"].setdefault(o.tags["name"], LineString(coords))
    return out


def _site(geom, category, name, osm_type, osm_id, version, **kw) -> M.Site:
    rep = geom.representative_point()
    area = abs(_GEOD.geometry_area_perimeter(geom)[0]) if geom.area > 0 else None
    length = _GEOD.geometry_length(geom) if geom.geom_type.endswith("LineString") else None
    return M.Site(
        name=name, category=category, geometry_geojson=json.dumps(mapping(geom)),
        geometry_type=geom.geom_type, area_m2=area, length_m=length, lon=rep.x, lat=rep.y,
        care_class="B", cost_centre="5530", source="osm", osm_type=osm_type, osm_id=osm_id,
        osm_version=version, status="accepted", in_maintenance=True, maintained_by="own", **kw,
    )


def build_sample(db_path: Path, lauf_pbf: Path) -> Sample:
    """Migrate a fresh SQLite file at ``db_path`` and store the sample; return its ids."""
    url = f"sqlite:///{db_path}"
    upgrade(url)
    engine = make_engine(url)
    osm = _read_osm(lauf_pbf)
    with system_session(engine) as s, s.begin():
        lauf = M.Tenant(slug="lauf", name="Stadt Lauf a.d. Pegnitz", is_public=False)
        offen = M.Tenant(slug="offen", name="Offene Stadt", is_public=True)
        user = M.User(username=GIS_USER, display_name="GIS-Kollegin",
                      password_hash=generate_password_hash(GIS_PASSWORD))
        s.add_all([lauf, offen, user])
        s.flush()
        s.add(M.Membership(tenant_id=lauf.id, user_id=user.id, role="planner"))
    site_ids: dict[str, list[int]] = {"site_areas": [], "site_lines": [], "site_points": []}
    with tenant_session(engine, lauf.id) as s, s.begin():
        sites = [_site(g, c, n, t, i, v) for t, i, v, c, n, g in sorted(
            osm["areas"], key=lambda a: a[1])]
        sites += [_site(g, "hedge", "Hecke", "way", i, v, ) for i, v, g in osm["hedges"]]
        sites += [_site(g, "tree_group", "Baum", "node", i, v, tree_count=1)
                  for i, v, g in osm["trees"]]
        s.add_all(sites)
        depot = M.Depot(name="Bauhof Lauf", lon=11.27849, lat=49.50989)
        reload = M.ReloadPoint(name="Wertstoffhof", kind="green_waste", lon=11.2745885,
                               lat=49.5043554)
        vehicle = M.Vehicle(name="Pritsche 1", kind="truck", profile="truck_3_5t")
        s.add_all([depot, reload, vehicle])
        s.flush()
        for site in sites:
            key = {"Polygon": "site_areas", "MultiPolygon": "site_areas",
                   "LineString": "site_lines", "Point": "site_points"}[site.geometry_type]
            site_ids[key].append(site.id)
        # an access point on the road for the first site (stop position comes from it)
        s.add(M.AccessPoint(site_id=sites[0].id, lon=sites[0].lon + 0.0003, lat=sites[0].lat))
        tasks = [
            M.Task(site_id=site.id, task_type="mow" if site.category != "hedge" else "hedge_cut",
                   generator="cycle", due_earliest=DAY, due_latest=DAY + dt.timedelta(days=4),
                   duration_s=1800, status="planned")
            for site in sites[:6]
        ]
        late = M.Task(site_id=sites[-1].id, task_type="tree_inspection", generator="cycle",
                      due_earliest=DAY, due_latest=DAY + dt.timedelta(days=2),
                      duration_s=3600, status="open")
        s.add_all([*tasks, late])
        crew_days = [
            M.CrewDay(date=DAY, name=f"Kolonne {n}", vehicle_id=vehicle.id,
                      shift_start=dt.time(6, 30), shift_end=dt.time(15, 30), depot_id=depot.id)
            for n in (1, 2)
        ]
        plan = M.Plan(date_from=DAY, date_to=DAY, status="published", solver_version="test")
        s.add_all([*crew_days, plan])
        s.flush()
        roads = [osm["roads"][name] for name in _ROADS]
        for n, crew_day in enumerate(crew_days):
            tour = M.Tour(plan_id=plan.id, crew_day_id=crew_day.id)
            s.add(tour)
            s.flush()
            clock = dt.datetime.combine(DAY, dt.time(7, 0), BERLIN)
            for seq, task in enumerate(tasks[3 * n:3 * n + 3], start=1):
                leg = roads[(n * 2 + seq) % len(roads)]
                arrive = clock + dt.timedelta(minutes=12)
                stop = M.Stop(
                    tour_id=tour.id, seq=seq, kind="task", task_id=task.id, arrival_at=arrive,
                    start_at=arrive, end_at=arrive + dt.timedelta(seconds=task.duration_s),
                    leg_distance_m=_GEOD.geometry_length(leg), leg_duration_s=720,
                    leg_geometry_geojson=json.dumps(mapping(leg)),
                )
                s.add(stop)
                if n == 0 and seq == 1:  # the crew reported the first stop as done
                    s.flush()
                    s.add(M.Completion(
                        crew_day_id=crew_day.id, stop_id=stop.id, task_id=task.id,
                        client_uuid="gis-sample-1", status="done", grass_length="medium",
                        started_at=arrive, finished_at=arrive + dt.timedelta(minutes=28),
                    ))
                clock = arrive + dt.timedelta(seconds=task.duration_s)
            s.add(M.Stop(tour_id=tour.id, seq=4, kind="reload", reload_point_id=reload.id,
                         arrival_at=clock + dt.timedelta(minutes=10),
                         start_at=clock + dt.timedelta(minutes=10),
                         end_at=clock + dt.timedelta(minutes=25), leg_distance_m=900.0,
                         leg_duration_s=600))
        s.add(M.Unassigned(plan_id=plan.id, task_id=late.id, reasons_json=[
            {"code": "no_qualified_crew",
             "message": "braucht einen Baumkontrolleur: keiner verfügbar bis Mittwoch"}]))
    with tenant_session(engine, offen.id) as s, s.begin():
        t, i, v, c, n, g = osm["areas"][0]
        s.add(_site(g, c, n, t, i, v))
        t, i, v, c, n, g = osm["areas"][1]
        s.add(_site(g, c, n, t, i, v))
    with tenant_session(engine, lauf.id) as s:
        tour_ids = list(s.scalars(select(M.Tour.id).order_by(M.Tour.id)))
        stop_ids = list(s.scalars(select(M.Stop.id).order_by(M.Stop.id)))
        unassigned_ids = list(s.scalars(select(M.Unassigned.id)))
    engine.dispose()
    return Sample(url, lauf.id, offen.id, plan.id, tour_ids, stop_ids, unassigned_ids,
                  site_ids, user.id)
