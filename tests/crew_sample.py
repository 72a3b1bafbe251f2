"""A small crew sample in a real SQLite store, built through the store models (no solver).

Two tenants: "lauf" with the crews "Kolonne 1" and "Kolonne 2" (one published plan, version 1,
one tour each for today) and "hersbruck" with one crew. Sites are small polygons in Lauf a.d.
Pegnitz with access points; each tour starts at the depot, visits three sites (mowing), has a
break and returns. Tokens: one per crew plus a revoked one for Kolonne 1.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from greentour.accounts.members import create_user
from greentour.crew import tokens
from greentour.crew.tour import local_today
from greentour.store.models import (
    AccessPoint,
    CrewDay,
    CrewTemplate,
    Depot,
    Plan,
    Site,
    SiteTimeRule,
    Stop,
    Task,
    TaskType,
    Tenant,
    Tour,
    Vehicle,
)
from greentour.store.tenancy import system_session, tenant_session

BERLIN = ZoneInfo("Europe/Berlin")
DEPOT_LON_LAT = (11.2786, 49.5108)


@dataclass
class CrewSample:
    """Ids and clear-text tokens of the sample."""

    day: dt.date
    tenant_ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    token_ids: dict[str, int] = field(default_factory=dict)
    tour_ids: dict[str, int] = field(default_factory=dict)
    plan_ids: dict[str, int] = field(default_factory=dict)
    crew_day_ids: dict[str, int] = field(default_factory=dict)
    template_ids: dict[str, int] = field(default_factory=dict)
    stop_ids: dict[str, list[int]] = field(default_factory=dict)
    task_ids: dict[str, list[int]] = field(default_factory=dict)
    site_ids: dict[str, list[int]] = field(default_factory=dict)


def _square(lon: float, lat: float, half_deg: float = 0.0004) -> dict:
    ring = [
        [lon - half_deg, lat - half_deg],
        [lon + half_deg, lat - half_deg],
        [lon + half_deg, lat + half_deg],
        [lon - half_deg, lat + half_deg],
        [lon - half_deg, lat - half_deg],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def _at(day: dt.date, hh: int, mm: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), BERLIN)


def _crew(session, sample: CrewSample, key: str, name: str, offset: int, day: dt.date,
          plan: Plan, vehicle: Vehicle, depot: Depot, mow: TaskType) -> None:
    template = CrewTemplate(name=name, weekdays=[1, 2, 3, 4, 5], member_ids=[1, 2, 3],
                            vehicle_id=vehicle.id, depot_id=depot.id)
    session.add(template)
    session.flush()
    crew_day = CrewDay(date=day, name=name, template_id=template.id, member_ids=[1, 2, 3],
                       vehicle_id=vehicle.id, machine_ids=[], shift_start=dt.time(7, 0),
                       shift_end=dt.time(15, 30), breaks_json=[["09:00", "09:15"]],
                       depot_id=depot.id)
    session.add(crew_day)
    session.flush()
    tour = Tour(plan_id=plan.id, crew_day_id=crew_day.id)
    session.add(tour)
    session.flush()
    sample.template_ids[key] = template.id
    sample.crew_day_ids[key] = crew_day.id
    sample.tour_ids[key] = tour.id
    sample.stop_ids[key], sample.task_ids[key], sample.site_ids[key] = [], [], []
    prev = DEPOT_LON_LAT
    seq = 0
    session.add(Stop(tour_id=tour.id, seq=seq, kind="depot", arrival_at=_at(day, 7, 0),
                     start_at=_at(day, 7, 0), end_at=_at(day, 7, 10)))
    for i in range(3):
        lon = DEPOT_LON_LAT[0] + 0.004 * (i + 1) + 0.01 * offset
        lat = DEPOT_LON_LAT[1] + 0.003 * (i + 1) * (1 if offset == 0 else -1)
        site = Site(name=f"{name} Grünfläche {i + 1}", category="park",
                    geometry_geojson=json.dumps(_square(lon, lat)), geometry_type="Polygon",
                    area_m2=3200.0, lon=lon, lat=lat, status="accepted", in_maintenance=True,
                    care_class="utility_lawn", regime="utility_intensive")
        session.add(site)
        session.flush()
        session.add(AccessPoint(site_id=site.id, lon=lon - 0.0005, lat=lat, distance_m=30.0))
        if i == 1:
            session.add(SiteTimeRule(site_id=site.id, kind="blocked", weekdays=[1, 2, 3, 4, 5],
                                     start_local=dt.time(12, 0), end_local=dt.time(13, 0),
                                     reason="Schulpause"))
        task = Task(site_id=site.id, task_type="mow", generator="forecast", due_earliest=day,
                    due_latest=day + dt.timedelta(days=3), duration_s=3600, persons=3,
                    status="planned", notes="Kanten mit Freischneider" if i == 0 else "")
        session.add(task)
        session.flush()
        seq += 1
        start = _at(day, 8 + i * 2, 0)
        stop = Stop(tour_id=tour.id, seq=seq, kind="task", task_id=task.id,
                    arrival_at=start - dt.timedelta(minutes=5), start_at=start,
                    end_at=start + dt.timedelta(hours=1), leg_distance_m=900.0,
                    leg_duration_s=300,
                    leg_geometry_geojson=json.dumps({"type": "LineString", "coordinates": [
                        list(prev), [prev[0], lat], [lon - 0.0005, lat]]}))
        session.add(stop)
        session.flush()
        prev = (lon - 0.0005, lat)
        sample.stop_ids[key].append(stop.id)
        sample.task_ids[key].append(task.id)
        sample.site_ids[key].append(site.id)
        if i == 0:
            seq += 1
            session.add(Stop(tour_id=tour.id, seq=seq, kind="break", start_at=_at(day, 9, 0),
                             end_at=_at(day, 9, 15)))
    seq += 1
    session.add(Stop(tour_id=tour.id, seq=seq, kind="depot", arrival_at=_at(day, 14, 30),
                     leg_distance_m=1500.0, leg_duration_s=420,
                     leg_geometry_geojson=json.dumps({"type": "LineString", "coordinates": [
                         list(prev), list(DEPOT_LON_LAT)]})))
    session.flush()


def _tenant(engine: Engine, sample: CrewSample, slug: str, name: str,
            crews: list[tuple[str, str]]) -> None:
    with system_session(engine) as session, session.begin():
        tenant = Tenant(slug=slug, name=name, timezone="Europe/Berlin")
        session.add(tenant)
        session.flush()
        tenant_id = tenant.id
    sample.tenant_ids[slug] = tenant_id
    with tenant_session(engine, tenant_id) as session, session.begin():
        tenant = session.get(Tenant, tenant_id)
        day = local_today(tenant)
        sample.day = day
        mow = TaskType(code="mow", name_de="Rasen mähen", name_en="Mow lawn",
                       equipment=["ride_on_mower"], productivity=1500.0, setup_s=600)
        session.add(mow)
        vehicle = Vehicle(name="Pritsche 1", kind="van", profile="van")
        depot = Depot(name="Bauhof", lon=DEPOT_LON_LAT[0], lat=DEPOT_LON_LAT[1])
        session.add_all([vehicle, depot])
        session.flush()
        plan = Plan(date_from=day, date_to=day, status="published", version=1)
        session.add(plan)
        session.flush()
        sample.plan_ids[slug] = plan.id
        for offset, (key, crew_name) in enumerate(crews):
            _crew(session, sample, key, crew_name, offset, day, plan, vehicle, depot, mow)
        for key, _crew_name in crews:
            issued = tokens.issue_token(session, tenant_id,
                                        crew_template_id=sample.template_ids[key], name=key)
            sample.tokens[key] = issued.token
            sample.token_ids[key] = issued.record.id
        if slug == "lauf":
            revoked = tokens.issue_token(session, tenant_id,
                                         crew_template_id=sample.template_ids["a1"],
                                         name="altes Tablet")
            revoked.record.revoked = True
            sample.tokens["a1_revoked"] = revoked.token


def build_crew_sample(engine: Engine) -> CrewSample:
    """Store the sample in the (migrated, empty) database of ``engine``."""
    sample = CrewSample(day=dt.date.today())
    _tenant(engine, sample, "lauf", "Lauf (Test)", [("a1", "Kolonne 1"), ("a2", "Kolonne 2")])
    _tenant(engine, sample, "hersbruck", "Hersbruck (Test)", [("b1", "Kolonne 1")])
    return sample


def replan(engine: Engine, sample: CrewSample, slug: str = "lauf") -> int:
    """Publish version 2 of the tenant's plan with the same stops (a re-plan); returns its id."""
    tenant_id = sample.tenant_ids[slug]
    with tenant_session(engine, tenant_id) as session, session.begin():
        old = session.get(Plan, sample.plan_ids[slug])
        new = Plan(date_from=old.date_from, date_to=old.date_to, status="published",
                   version=old.version + 1, parent_id=old.id)
        session.add(new)
        session.flush()
        for tour in old.tours:
            copy = Tour(plan_id=new.id, crew_day_id=tour.crew_day_id)
            session.add(copy)
            session.flush()
            for stop in tour.stops:
                session.add(Stop(tour_id=copy.id, seq=stop.seq, kind=stop.kind,
                                 task_id=stop.task_id, arrival_at=stop.arrival_at,
                                 start_at=stop.start_at, end_at=stop.end_at,
                                 leg_geometry_geojson=stop.leg_geometry_geojson))
        old.status = "done"
        return new.id


def race_identical_posts(
    app: object, path: str, body: str, headers: dict[str, str], clients: int = 8
) -> list[tuple[int, str]]:
    """POST the same body from ``clients`` threads at once to ``app`` under a real waitress server.

    A barrier releases all clients together, so the requests really race (retries of one crew
    report arriving at the same moment). Returns (status, body text) per client.
    """
    import http.client
    import threading

    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=clients)
    threading.Thread(target=server.run, daemon=True).start()
    start = threading.Barrier(clients)
    answers: list[tuple[int, str]] = []

    def post() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.effective_port, timeout=30)
        start.wait()
        conn.request("POST", path, body=body, headers=headers)
        answer = conn.getresponse()
        answers.append((answer.status, answer.read().decode()))
        conn.close()

    threads = [threading.Thread(target=post) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    server.close()
    return answers


def login_planner(client: Any, engine: Engine, tenant_id: int, username: str = "dispo",
                  role: str = "planner") -> str:
    """Create a user of the tenant (a planner unless ``role``), log in through the real form;
    returns the CSRF token."""
    password = "geheim-genug-123"
    create_user(engine, tenant_id, username, password, role=role)
    page = client.get("/auth/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post(
        "/auth/login", data={"username": username, "password": password, "csrf_token": csrf}
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    page = client.get("/auth/login").get_data(as_text=True)  # login starts a new session
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
