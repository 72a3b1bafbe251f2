"""The planner walkthrough's Monday in Lauf, stored through the real services and models.

The tenant comes from the real sample configuration (data/tenants/lauf.toml, 15 staff, 6 crews,
the machine pool with the aerial lift) applied by the tenant service; the sites are real parks,
cemeteries, playgrounds and pitches of the Lauf OSM extract (read with pyosmium, provenance kept);
a few private gardens stay candidates for the inventory review. The tasks of Monday 2026-06-15 are
a fixed, realistic set (mowing, playground inspections, tree pruning with the aerial lift, a hedge)
so that the plan is reproducible; the demo generates its tasks with the demand service instead.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

import osmium
from osmium.geom import GeoJSONFactory
from pyproj import Geod
from shapely.geometry import mapping, shape
from sqlalchemy import select

from greentour.accounts.members import ensure_user
from greentour.commands.tenants import apply_tenant_file
from greentour.planning import travel
from greentour.planning.current import next_version
from greentour.store import (
    make_engine,
    models,
    session_tenant,
    tenant_session,
    tenant_zone,
    upgrade,
)
from greentour.workplace.lineup import ensure_crew_days
from web import create_app

REPO = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 6, 15)  # a Monday in June
USERNAME, PASSWORD = "disponentin", "Lauf-Dispo-2026!"
TOWN_PARK = "Barth-Park"
_GEOD = Geod(ellps="WGS84")
_TAGS = {("leisure", "park"): "park", ("landuse", "cemetery"): "cemetery",
         ("leisure", "playground"): "playground", ("leisure", "pitch"): "sports_pitch",
         ("leisure", "garden"): "garden"}
_CARE = {"park": "Pflegeklasse 2 (mittel)", "cemetery": "Pflegeklasse 1 (intensiv)",
         "playground": "Pflegeklasse 1 (intensiv)", "sports_pitch": "Pflegeklasse 1 (intensiv)"}


@dataclass
class Scenario:
    """Where the scenario is stored and what it holds."""

    db_url: str
    tenant_id: int
    day: dt.date
    site_ids: dict[str, int]
    task_ids: dict[str, int]


def _area_m2(geom) -> float:
    return abs(_GEOD.geometry_area_perimeter(geom)[0])


def read_sites(pbf: Path) -> list[dict]:
    """Named green areas (and some unnamed playgrounds, pitches, gardens) of the extract."""
    factory = GeoJSONFactory()
    out = []
    counts: dict[str, int] = {}
    fp = osmium.FileProcessor(str(pbf)).with_areas().with_filter(
        osmium.filter.TagFilter(*_TAGS.keys()))
    for o in fp:
        if not o.is_area():
            continue
        category = next((c for (k, v), c in _TAGS.items() if o.tags.get(k) == v), None)
        if category is None:
            continue
        limit = {"playground": 10, "sports_pitch": 4, "garden": 6}.get(category, 99)
        if counts.get(category, 0) >= limit:
            continue
        counts[category] = counts.get(category, 0) + 1
        geom = shape(json.loads(factory.create_multipolygon(o)))
        out.append({
            "osm_type": "way" if o.from_way() else "relation", "osm_id": o.orig_id(),
            "version": o.version, "category": category,
            "name": o.tags.get("name", ""), "geom": geom,
            "tags": {t.k: t.v for t in o.tags},
        })
    return out


def build(path: Path, pbf: Path) -> Scenario:
    """Store the scenario in a new SQLite file at ``path``."""
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    summary = apply_tenant_file(engine, REPO / "data" / "tenants" / "lauf.toml",
                                REPO / "data" / "task_types.toml")
    tenant_id = summary.tenant_id
    ensure_user(engine, tenant_id, USERNAME, PASSWORD, role="planner")
    site_ids: dict[str, int] = {}
    task_ids: dict[str, int] = {}
    with tenant_session(engine, tenant_id) as s, s.begin():
        rows = []
        for item in read_sites(pbf):
            geom = item["geom"]
            rep = geom.representative_point()
            accepted = item["category"] != "garden"
            site = models.Site(
                name=item["name"], category=item["category"],
                geometry_geojson=json.dumps(mapping(geom)), geometry_type=geom.geom_type,
                area_m2=_area_m2(geom), lon=rep.x, lat=rep.y,
                care_class=_CARE.get(item["category"]), source="osm",
                osm_type=item["osm_type"], osm_id=item["osm_id"], osm_version=item["version"],
                status="accepted" if accepted else "candidate", in_maintenance=accepted,
                tags_json=item["tags"], noise_sensitive=item["category"] == "playground",
            )
            s.add(site)
            rows.append(site)
        s.flush()
        for site in rows:
            key = site.name or f"{site.category}-{site.osm_id}"
            site_ids[key] = site.id
        types = {t.code: t for t in s.scalars(select(models.TaskType))}
        assert "mow" in types and "prune_trees" in types
        last = DAY - dt.timedelta(days=14)

        def task(site: models.Site, code: str, minutes: int, first: dt.date, latest: dt.date,
                 urgency: float, note: str, source: str = "Formel (Fläche × Leistung)") -> None:
            t = models.Task(site_id=site.id, task_type=code, generator="forecast"
                            if code == "mow" else "cycle", due_earliest=first, due_latest=latest,
                            urgency=urgency, duration_s=minutes * 60, duration_source=source,
                            persons=types[code].persons, notes=note,
                            load_m3=round(minutes / 60 * 0.8, 1) if code == "mow" else 0.0)
            s.add(t)
            s.flush()
            task_ids[f"{code}:{site.name or site.osm_id}"] = t.id

        for site in rows:
            if site.status != "accepted":
                continue
            s.add(models.SiteLastService(site_id=site.id, task_type="mow", last_date=last))
            if site.category in ("park", "cemetery", "sports_pitch"):
                minutes = int(min(180, max(45, (site.area_m2 or 0) / 1200 * 60)))
                task(site, "mow", minutes, DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=1),
                     0.7, "Prognose: Gras 9 cm, Auslöser 7,5 cm überschritten (1,5 × Zielhöhe)")
            elif site.category == "playground":
                task(site, "inspect_playground", 30, DAY, DAY + dt.timedelta(days=3), 0.6,
                     "DIN EN 1176-7: wöchentliche Sichtkontrolle", source="Sollzeit")
        cemetery = next(r for r in rows if r.name == "Salvator-Friedhof")
        task(cemetery, "prune_trees", 180, DAY, DAY + dt.timedelta(days=2), 0.8,
             "Totholz über dem Hauptweg (Verkehrssicherung)", source="Sollzeit")
        s.add(models.SiteTimeRule(site_id=cemetery.id, kind="blocked", weekdays=[1, 2, 3, 4, 5],
                                  start_local=dt.time(10, 0), end_local=dt.time(12, 0),
                                  reason="Beerdigungen"))
    engine.dispose()
    return Scenario(url, tenant_id, DAY, site_ids, task_ids)


#: what the forecast and the cycles write into a task's notes: explanations for the planner,
#: never printed on the crew's paper (issue #15 found "90 %-Quantil" filling day sheets)
FORECAST_NOTE = ("Prognose: Gras 9,4 cm (90 %-Quantil 11,2 cm), Auslöser 7,5 cm (1,5 × "
                 "Zielhöhe) überschritten seit 12.06.; Wachstum 4,1 mm/Tag aus DWD-Tageswerten "
                 "und Bodenfeuchte")


def store_tour(db_url: str, tenant_id: int, day: dt.date, n_stops: int, crews: int = 1) -> int:
    """Store a finished plan of ``day`` in which the first ``crews`` crew-days (with people) each
    serve ``n_stops`` tasks (real sites of the scenario in site order, mow / playground
    inspection / bins with the forecast's and the cycles' long notes, one urgent order), with
    breaks, one unloading and the legs along the real road graph of Lauf; returns the first
    crew-day's id. Times are 20 minutes a stop from 07:00 (a print test's tour, not a solver's).
    """
    engine = make_engine(db_url)
    with tenant_session(engine, tenant_id) as s, s.begin():
        crew_days = [cd for cd in ensure_crew_days(s, day) if cd.member_ids][:crews]
        sites = s.scalars(select(models.Site).where(models.Site.status == "accepted")
                          .order_by(models.Site.id)).all()
        depot = s.scalar(select(models.Depot).order_by(models.Depot.id).limit(1))
        reload_point = s.scalar(select(models.ReloadPoint).order_by(models.ReloadPoint.id).limit(1))
        tz = tenant_zone(session_tenant(s))
        plan = models.Plan(date_from=day, date_to=day, status="done",
                           version=next_version(s, day, day), solver_params_json={"mode": "test"})
        s.add(plan)
        s.flush()
        for index, crew_day in enumerate(crew_days):
            chosen = [sites[(index * n_stops + i) % len(sites)] for i in range(n_stops)]
            _store_one_tour(s, plan, crew_day, chosen, depot, reload_point, tz, day)
        crew_day_id = crew_days[0].id
    engine.dispose()
    return crew_day_id


def _store_one_tour(s, plan, crew_day, chosen, depot, reload_point, tz, day) -> None:
    codes = ("mow", "inspect_playground", "empty_bins")
    tasks = []
    for i, site in enumerate(chosen):
        urgent = i == 1
        code = "storm_damage" if urgent else codes[i % len(codes)]
        note = ("Umgestürzter Baum quer über dem Weg, Polizei hat abgesperrt; Zufahrt über "
                "das Tor an der Nordseite, Schlüssel im Bauhof") if urgent else (
            FORECAST_NOTE if code == "mow" else "DIN EN 1176-7: wöchentliche Sichtkontrolle")
        task = models.Task(site_id=site.id, task_type=code,
                           generator="order" if urgent else "forecast" if code == "mow"
                           else "cycle", due_earliest=day, due_latest=day, urgency=0.6,
                           duration_s=15 * 60, persons=2, notes=note, status="planned")
        s.add(task)
        tasks.append(task)
    s.flush()
    points = [(depot.lon, depot.lat)] + [(site.lon, site.lat) for site in chosen]
    legs = travel.build(s, points, {travel.DEFAULT_PROFILE})
    tour = models.Tour(plan_id=plan.id, crew_day_id=crew_day.id)
    s.add(tour)
    s.flush()
    start = dt.datetime.combine(day, dt.time(7, 0), tzinfo=tz)
    line: list[list[float]] = []
    seq = 0

    def add(kind: str, at: dt.datetime, minutes: int, **fields) -> dt.datetime:
        nonlocal seq
        s.add(models.Stop(tour_id=tour.id, seq=seq, kind=kind, arrival_at=at, start_at=at,
                          end_at=at + dt.timedelta(minutes=minutes), **fields))
        seq += 1
        return at + dt.timedelta(minutes=minutes)

    at = add("depot", start - dt.timedelta(minutes=10), 0)
    for i, task in enumerate(tasks, start=1):
        leg = legs.leg_coords(travel.DEFAULT_PROFILE, i - 1, i)
        line.extend(leg)
        at = add("task", at + dt.timedelta(minutes=5), 15, task_id=task.id,
                 leg_geometry_geojson=json.dumps({"type": "LineString", "coordinates": leg}))
        if i in (6, 18):
            at = add("break", at, 15 if i == 6 else 30)
        if i == 12 and reload_point is not None:
            at = add("reload", at + dt.timedelta(minutes=5), 10,
                     reload_point_id=reload_point.id)
    line.extend(legs.leg_coords(travel.DEFAULT_PROFILE, len(tasks), 0))
    add("depot", at + dt.timedelta(minutes=10), 0)
    tour.geometry_geojson = json.dumps({"type": "LineString", "coordinates": line})


def login(client, username: str = USERNAME, password: str = PASSWORD):
    """Log the Flask test ``client`` in through the login form (CSRF token from the page);
    returns the client with ``client.token``, the CSRF token for JavaScript-style requests."""
    html = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/auth/login", data={"username": username, "password": password,
                                                 "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    page = client.get("/planner/").get_data(as_text=True)
    client.token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    return client


def planner_app(scenario: Scenario, monkeypatch, tmp_path: Path, **config):
    """Yield the Flask app on ``scenario`` (own instance folder, no base-map tiles), then dispose
    of its engine; ``config`` adds Flask settings. For fixtures: ``yield from planner_app(...)``."""
    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("GREENTOUR_BASEMAP", "none")
    app = create_app({"SECRET_KEY": "test-secret", "TESTING": True,
                      "GREENTOUR_DATABASE_URL": scenario.db_url,
                      "GREENTOUR_AUTO_MIGRATE": False, **config})
    yield app
    app.extensions["greentour_engine"].dispose()


def tablet_token(scenario: Scenario, crew_day_id: int) -> str:
    """A device token for the crew (template) of a crew-day of the scenario, as the planner's
    Tablets page issues it; returns the secret the tablet sends as Bearer token."""
    from greentour.crew import tokens

    engine = make_engine(scenario.db_url)
    with tenant_session(engine, scenario.tenant_id) as s, s.begin():
        crew_day = s.get(models.CrewDay, crew_day_id)
        issued = tokens.issue_token(s, scenario.tenant_id, crew_template_id=crew_day.template_id,
                                    name="Tablet")
    engine.dispose()
    return issued.token
