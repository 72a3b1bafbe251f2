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
from dataclasses import dataclass
from pathlib import Path

import osmium
from osmium.geom import GeoJSONFactory
from pyproj import Geod
from shapely.geometry import mapping, shape
from sqlalchemy import select

from greentour.planning.accounts import ensure_user
from greentour.services.tenants import apply_tenant_file
from greentour.store import make_engine, models, tenant_session, upgrade

REPO = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 6, 15)  # a Monday in June
USERNAME, PASSWORD = "disponentin", "Lauf-2026!"
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
