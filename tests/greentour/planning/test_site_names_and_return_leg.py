"""One site name everywhere and tours that end at the depot, on a real planned Lauf Monday.

The planner scenario (real Lauf sites, unnamed playgrounds among them) is planned with OR-Tools;
the tablet's tour document, the planner map data, the GeoPackage, GeoJSON and GPX exports (read
back with GDAL via pyogrio and with ElementTree) and the day sheet must name each stop the same
way and count the drive back to the depot as the plan drives it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import xml.etree.ElementTree as ET

import pyogrio
import pytest
from pyproj import Geod
from sqlalchemy import select

from greentour.crew.tour import tour_payload
from greentour.gis.export import export_plan
from greentour.gis.gpx import GPX_NS
from greentour.planning.current import current_plan
from greentour.planning.plan_service import run_plan_in_tenant
from greentour.store import make_engine, models, tenant_session
from greentour.tenant_config import tenant_config
from greentour.workplace import map_view, prints
from greentour.workplace.labels import site_label
from routing.params import SolveParams

FAST = SolveParams(time_limit_s=20, solution_limit=5, deterministic=True, workers=1)
_GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def planned(planner_scenario_template, tmp_path_factory):
    """A planned copy of the walkthrough scenario and its GeoPackage, GeoJSON and GPX export."""
    out = tmp_path_factory.mktemp("names")
    path = out / "planned.sqlite"
    shutil.copyfile(planner_scenario_template.db_url.removeprefix("sqlite:///"), path)
    engine = make_engine(f"sqlite:///{path}")
    sc = planner_scenario_template
    result = run_plan_in_tenant(engine, sc.tenant_id, sc.day, "plan", FAST, with_demand=False)
    files = {fmt: out / f"plan.{fmt}" for fmt in ("gpkg", "geojson", "gpx")}
    for fmt, file in files.items():
        export_plan(engine, sc.tenant_id, result["plan_id"], fmt, file, allow_draft=True)
    yield engine, sc.tenant_id, sc.day, result["plan_id"], files
    engine.dispose()


def _crew_docs(s, plan) -> dict[int, dict]:
    tenant = s.get(models.Tenant, plan.tenant_id)
    return {t.id: tour_payload(s, t, tenant_config(tenant).privacy) for t in plan.tours}


def test_unnamed_site_has_one_name_on_tablet_map_exports_and_gpx(planned) -> None:
    """An unnamed OSM site is "Spielplatz an der Mozartstraße" on the tablet, the map, the
    GeoPackage (sites and stops), the GeoJSON, the GPX route and the day sheet, never
    "Fläche 428"."""
    engine, tenant_id, day, plan_id, files = planned
    with tenant_session(engine, tenant_id) as s:
        plan = current_plan(s, day)
        labels = {}
        for tour in plan.tours:
            for stop in tour.stops:
                if stop.kind == "task":
                    labels[stop.id] = (stop.task.site_id, site_label(stop.task.site),
                                       stop.task.site.name, tour.crew_day_id)
        unnamed = {k: v for k, v in labels.items() if not v[2]}
        assert unnamed, "the plan visits unnamed OSM sites"
        assert all(" an der " in v[1] or " am " in v[1] or ", " in v[1]
                   for v in unnamed.values()), unnamed
        docs = _crew_docs(s, plan)
        data = map_view.map_data(s, day)
        sheets = {cd: prints.day_sheet(s, cd) for cd in {v[3] for v in labels.values()}}
    tablet = {st["id"]: st["site"]["name"] for doc in docs.values() for st in doc["stops"]
              if st["kind"] == "task"}
    map_sites = {f["properties"]["id"]: f["properties"]["label"]
                 for f in data["sites"]["features"]}
    map_stops = {st["stop_id"]: st["site"] for t in data["tours"] for st in t["stops"]}
    gpkg_stops = pyogrio.read_dataframe(files["gpkg"], layer="stops", fid_as_index=True)
    gpkg_sites = pyogrio.read_dataframe(files["gpkg"], layer="site_areas", fid_as_index=True)
    geojson = pyogrio.read_dataframe(files["geojson"])
    geojson_stops = {int(r.stop_id): r.site_name for r in geojson.itertuples()
                     if r.layer == "stops" and r.kind == "task"}
    gpx = ET.parse(files["gpx"]).getroot()
    gpx_names = [el.text for el in gpx.iter(f"{{{GPX_NS}}}rtept")
                 for el in el.findall(f"{{{GPX_NS}}}name")]
    sheet_names = {st["site"] for sh in sheets.values() for st in sh["stops"]
                   if st["kind"] == "task"}
    for stop_id, (site_id, label, _, _) in labels.items():
        assert tablet[stop_id] == label
        assert map_sites[site_id] == label
        assert map_stops[stop_id] == label
        assert gpkg_stops.loc[stop_id, "site_name"] == label
        assert geojson_stops[stop_id] == label
        if site_id in gpkg_sites.index:
            assert gpkg_sites.loc[site_id, "name"] == label
        assert any(n.endswith(f" – {label}") for n in gpx_names)
        assert label in sheet_names
    assert not any("None" in n or "Fläche " in n for n in gpx_names)
    assert not any(re.match(r"\d+\. [a-z_]+ – ", n) for n in gpx_names)  # no task codes
    assert any(" mähen" in n for n in gpx_names)  # "Sport- und Spielrasen mähen – …"
    assert not any(n.startswith("Fläche ") for n in tablet.values())


def test_tours_end_at_the_depot_with_the_drive_back_counted(planned) -> None:
    """The stored legs, the tablet's tour, the exported tour line (GeoPackage, GeoJSON), the
    GPX and the day sheet all include the drive back: length = what the plan drives."""
    engine, tenant_id, day, plan_id, files = planned
    with tenant_session(engine, tenant_id) as s:
        plan = current_plan(s, day)
        docs = _crew_docs(s, plan)
        depot = s.scalars(select(models.Depot)).first()
        expected = {}
        for tour in plan.tours:
            k = tour.kpis_json
            back = tour.stops[-1]
            assert back.kind == "depot" and back.leg_distance_m > 0 and back.leg_duration_s > 0
            assert back.leg_geometry_geojson is not None
            legs_m = sum(st.leg_distance_m or 0 for st in tour.stops)
            legs_s = sum(st.leg_duration_s or 0 for st in tour.stops)
            assert legs_m == pytest.approx(k["distance_m"], abs=1.0)
            assert legs_s == k["drive_s"]
            expected[tour.id] = (k["distance_m"], k["drive_s"], back.arrival_at,
                                 prints.day_sheet(s, tour.crew_day_id))
    depot_xy = (depot.lon, depot.lat)
    tours = pyogrio.read_dataframe(files["gpkg"], layer="tours", fid_as_index=True)
    tours = tours.to_crs("EPSG:4326")  # the GeoPackage is metric (EPSG:25832)
    geojson = pyogrio.read_dataframe(files["geojson"])
    gj_tours = geojson[geojson["layer"] == "tours"].set_index("tour_id")
    gpx = ET.parse(files["gpx"]).getroot()
    for tour_id, (distance_m, drive_s, back_at, sheet) in expected.items():
        doc = docs[tour_id]
        assert doc["distance_m"] == pytest.approx(distance_m, abs=1.0)
        assert doc["drive_s"] == drive_s
        last = doc["stops"][-1]
        assert last["kind"] == "depot" and last["leg_distance_m"] > 0
        assert last["leg_geometry"]["type"] == "LineString"
        assert doc["back_at_depot"] == last["eta"] and last["eta"].startswith(str(day))
        assert dt.datetime.fromisoformat(doc["back_at_depot"]) == back_at
        assert sum(st["leg_distance_m"] or 0 for st in doc["stops"]) == pytest.approx(
            distance_m, abs=1.0)
        assert tours.loc[tour_id, "distance_m"] == pytest.approx(distance_m, abs=1.0)
        assert tours.loc[tour_id, "drive_s"] == drive_s
        assert gj_tours.loc[tour_id, "distance_m"] == pytest.approx(distance_m, abs=1.0)
        end = tours.loc[tour_id].geometry.coords[-1]
        _, _, gap_m = _GEOD.inv(end[0], end[1], *depot_xy)
        assert gap_m < 400, f"tour {tour_id} ends {gap_m:.0f} m from the depot"
        assert sheet["distance_m"] == pytest.approx(distance_m, abs=1.0) and sheet["back"]
    names = [el.find(f"{{{GPX_NS}}}name").text for el in gpx.iter(f"{{{GPX_NS}}}rtept")]
    assert names[0].startswith("0. Abfahrt – ") and "Rückkehr – " in names[-1]
    assert sum(1 for n in names if "Rückkehr" in n) == len(expected)
    geo = json.loads(files["geojson"].read_text(encoding="utf-8"))
    depot_stops = [f for f in geo["features"] if f["properties"].get("layer") == "stops"
                   and f["properties"]["kind"] == "depot"]
    assert len(depot_stops) == 2 * len(expected)
    assert {f["properties"]["site_name"] for f in depot_stops} == {depot.name}
