"""The demo day (Lauf, Monday 2026-06-15) as the planner sees it: no raw codes on any German page
or print, and a lean day map.

One module-scoped run of the real demo (tenant from data/tenants/lauf.toml, OSM import of the
Lauf extract, DWD weather, forecast, demand, a plan of Monday) in a temporary instance folder;
every test reads it through the Flask test client logged in as the demo's admin.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from html.parser import HTMLParser

import pytest
from planner_scenario import login
from sqlalchemy import select

from greentour.crew.tokens import issue_token
from greentour.demo import run_demo
from greentour.settings import get_settings
from greentour.store import models, tenant_session
from greentour.store.models_demand import TenantCycle
from greentour.workplace.labels import site_label
from web import create_app

DAY = dt.date(2026, 6, 15)
PASSWORD = "Demo-Seite-2026!"
#: a snake_case identifier: lower-case words joined by underscores ("empty_bins", "village_green")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
#: the day map's budget (uncompressed JSON), issue #15
MAP_BUDGET_BYTES = 250_000
#: properties of the map data that the page shows as text (popups, lists, panels)
SHOWN_KEYS = {"label", "need_label", "category_label", "care_class", "last_service", "forecast",
              "why", "due_window", "duration_source", "provenance", "kind_label", "hours",
              "task_label", "site", "reasons", "crew", "name"}

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo stored once; yields the Flask app."""
    instance = tmp_path_factory.mktemp("demo-instance")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GREENTOUR_INSTANCE_DIR", str(instance))
        mp.setenv("GREENTOUR_BASEMAP", "none")
        mp.setenv("GREENTOUR_PLAN_SOLUTION_LIMIT", "20")
        settings = get_settings(instance_dir=instance)
        result = run_demo(settings, day=DAY, password=PASSWORD, echo=lambda line: None)
        assert not result.failed, result.failed
        app = create_app({"SECRET_KEY": "test-secret", "TESTING": True,
                          "GREENTOUR_DATABASE_URL": settings.db_url})
        app.config["demo_tenant_id"] = result.tenant_id
        yield app
        app.extensions["greentour_engine"].dispose()


@pytest.fixture
def client(demo):
    return login(demo.test_client(), "admin", PASSWORD)


class _Text(HTMLParser):
    """Visible text of a page: text nodes outside script/style, plus titles and labels that a
    screen reader or tooltip shows (title, aria-label, placeholder, alt, value of buttons)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "textarea"):  # an edit field's TOML is no prose
            self._skip += 1
        for key, value in attrs:
            if key in ("title", "aria-label", "placeholder", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "textarea") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(p for p in parser.parts if p.strip())


def _shown_values(value, key=None, skip=frozenset()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _shown_values(v, k, skip)
    elif isinstance(value, list):
        for v in value:
            yield from _shown_values(v, key, skip)
    elif isinstance(value, str) and key in SHOWN_KEYS - set(skip):
        yield value


def _pages(demo, client) -> list[str]:
    engine = demo.extensions["greentour_engine"]
    with tenant_session(engine, demo.config["demo_tenant_id"]) as s:
        crew_days = s.scalars(select(models.CrewDay.id).where(models.CrewDay.date == DAY)).all()
    week = DAY.isoformat()
    urls = [f"/planner/?day={week}", f"/planner/board?week={week}",
            f"/planner/lineup?day={week}", "/planner/inventory", f"/planner/print?day={week}",
            f"/planner/print/week?week={week}", "/crew/geraete", f"/records/day?day={week}",
            f"/records/report?period={DAY:%Y-%m}", f"/planner/verkehrssicherung/?day={week}"]
    for cd in crew_days:
        urls += [f"/planner/print/day/{cd}", f"/planner/print/timesheet/{cd}"]
    return urls


def test_no_raw_codes_on_german_pages_and_prints(demo, client) -> None:
    """No snake_case identifier (task type, category, machine, qualification, status code) in
    the visible text of any planner page, print or the map's popups and lists."""
    found: dict[str, set[str]] = {}
    for url in _pages(demo, client):
        response = client.get(url)
        assert response.status_code == 200, url
        hits = set(SNAKE.findall(visible_text(response.get_data(as_text=True))))
        if hits:
            found[url] = hits
    for url in (f"/planner/api/map?day={DAY.isoformat()}", "/planner/api/candidates"):
        data = client.get(url).get_json()
        hits = {h for text in _shown_values(data) for h in SNAKE.findall(text)}
        if hits:
            found[url] = hits
    assert not found, found


def test_the_regex_finds_codes() -> None:
    """The check is not blind: codes in text are found, names and URLs' attributes are not."""
    html = ('<p>Aufgabe empty_bins bei village_green</p><a href="/x_y">Rasen mähen</a>'
            '<script>var a_b = 1;</script>')
    assert set(SNAKE.findall(visible_text(html))) == {"empty_bins", "village_green"}


def test_day_map_payload_within_budget_and_gzip(demo, client) -> None:
    """The day map's JSON (map data and live state, what the page loads) is at most 250 KB;
    gzip shrinks it further; candidates come on demand only."""
    url = f"/planner/api/map?day={DAY.isoformat()}"
    plain = client.get(url)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    body = plain.get_data()
    print(f"day map: {len(body)} bytes, gzip {len(zipped.get_data())} bytes")
    assert len(body) <= MAP_BUDGET_BYTES
    data = json.loads(body)
    assert data["tours"] and data["sites"]["features"]
    assert all(f["properties"]["need"] != "candidate" for f in data["sites"]["features"])
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert json.loads(gzip.decompress(zipped.get_data())) == data
    assert len(zipped.get_data()) < len(body) / 3
    live = client.get(f"/planner/api/live?day={DAY.isoformat()}")
    assert live.status_code == 200
    print(f"live state: {len(live.get_data())} bytes")
    assert len(body) + len(live.get_data()) <= MAP_BUDGET_BYTES  # what the map page loads
    candidates = client.get("/planner/api/candidates").get_json()
    assert len(candidates["features"]) > 100  # the demo's OSM candidates, not in the day map
    assert client.get("/favicon.ico").status_code == 200


#: German words of the interface that an English page must not show (names of crews, sites and
#: people are data and stay as they are)
GERMAN_UI = re.compile(r"\b(Tagesauftrag|Kolonne ohne Personal|ist abwesend|in Reparatur|"
                       r"Wochenplan|Montag|Dienstag|Pausen|Fahrzeug|Maschinen|"
                       r"Abmelden|Kolonnen-Tablets|Tablets einrichten|Aufgabe|Beginn|Hinweis|"
                       r"Bemerkungen|Rasen mähen|Papierkörbe|überfällig|fällig|gesperrt|"
                       r"täglich|Lärmschutz|Spielplatz an der)\b")


def test_english_switch_covers_pages_prints_and_popups(demo, client) -> None:
    """With English chosen, pages, prints (task names, weekdays, dates) and the map's popups
    speak English: no German interface word and no raw code."""
    client.get("/auth/lang/en")
    found: dict[str, set[str]] = {}
    for url in _pages(demo, client):
        text = visible_text(client.get(url).get_data(as_text=True))
        hits = set(GERMAN_UI.findall(text)) | set(SNAKE.findall(text))
        if hits:
            found[url] = hits
    data = client.get(f"/planner/api/map?day={DAY.isoformat()}").get_json()
    # "why" is the generators' explanation and the town's cycle names (German data; remaining)
    hits = {h for text in _shown_values(data, skip={"why"}) for h in GERMAN_UI.findall(text)}
    if hits:
        found["map"] = hits
    assert not found, found
    sheet = visible_text(client.get(_pages(demo, client)[-2]).get_data(as_text=True))
    assert "Day sheet" in sheet and "Monday, 15/06/2026" in sheet
    client.get("/auth/lang/de")


#: German words of the interface and of the texts the spine generates (forecast "why", service
#: errors, absence and review reasons, attributions) that an English page must not show. The
#: town's own names (crews, sites, streets, people, machines, vehicles, depots, its cycles and
#: their references, site rule notes) are data and are taken out of the text first.
GERMAN_WORDS = re.compile(
    r"\b(Tagesauftrag|Wochenplan|Montag|Dienstag|Abmelden|Aufgabe|Beginn|Hinweis|Bemerkungen|"
    r"Rasen mähen|Papierkörbe|überfällig|fällig|gesperrt|täglich|Lärmschutz|Spielplatz|"
    r"Grünanlage|Friedhof|Sportplatz|Zyklus|Prognose|Schnitt|gewachsen|Zielhöhe|Teilfläche|"
    r"Gruppe aus|Termin|Boden|Wochen|"
    r"krank|Urlaub|Schulung|Grund|zu bestätigen|Gebüsch|Privatgarten|Karte und Flächen|"
    r"Flächen, Straßen und Touren|gibt es nicht|nicht möglich|nicht eingeplant|Kolonnentag|"
    r"Grünflächenpflege|Leistung|Rüstzeit|Saison|Benutzer|Verwaltung|Herunterladen|"
    r"veröffentlicht|Entwurf|Stopps|erledigt|geplant|Fläche|Flächen|Stunden|Uhr|Formel|"
    r"gelernt|Besuchen|Sollzeit)\b")
#: file names an admin page names on purpose (data/task_types.toml)
FILE_NAME = re.compile(r"\S+\.toml\b")


def _town_data(demo) -> list[str]:
    """The town's own names and notes, longest first (taken out of a page before the check)."""
    engine = demo.extensions["greentour_engine"]
    texts: set[str] = set()
    with tenant_session(engine, demo.config["demo_tenant_id"]) as s:
        for model in (models.CrewDay, models.Staff, models.Machine, models.Vehicle,
                      models.Depot, models.ReloadPoint, models.Site):
            texts |= {n for n in s.scalars(select(model.name)) if n}
        texts |= {label for site in s.scalars(select(models.Site))
                  for label in (site_label(site, "en"), site.street or "") if label}
        for cycle in s.scalars(select(TenantCycle)):
            texts |= {cycle.name, cycle.reference} - {""}
        texts |= {r for r in s.scalars(select(models.SiteTimeRule.reason)) if r}
    return sorted(texts, key=len, reverse=True)


def _german_left(text: str, data: list[str]) -> set[str]:
    for name in data:
        text = text.replace(name, " ")
    text = FILE_NAME.sub(" ", text)
    return set(GERMAN_WORDS.findall(text)) | set(SNAKE.findall(text))


def test_english_pages_of_every_kind_show_no_german_and_no_codes(demo, client) -> None:
    """English chosen: map (page, data with the forecast "why", live state), board, line-up
    (with a stored absence reason), prints, tablets, GIS access, admin and the inventory review
    show no German word of :data:`GERMAN_WORDS` and no raw code; a refused board move and a
    refused publication answer in English; the crew API's English notes too."""
    data = _town_data(demo)
    day = DAY.isoformat()
    html = client.get(f"/planner/lineup?day={day}").get_data(as_text=True)
    staff_id = re.search(r'<option value="(\d+)">', html.split('name="staff_id"', 1)[1]).group(1)
    stored = client.post(f"/planner/lineup/absence?day={day}",
                         data={"staff_id": staff_id, "until": day, "reason": "krank",
                               "csrf_token": client.token})
    assert stored.status_code == 302
    client.get("/auth/lang/en")
    try:
        found: dict[str, set[str]] = {}
        urls = [*_pages(demo, client), "/verwaltung/", "/gis/token",
                f"/planner/print/week?week={day}"]
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            hits = _german_left(visible_text(response.get_data(as_text=True)), data)
            if hits:
                found[url] = hits
        lineup = visible_text(client.get(f"/planner/lineup?day={day}").get_data(as_text=True))
        assert "(sick)" in lineup and "(krank)" not in lineup
        map_data = client.get(f"/planner/api/map?day={day}").get_json()
        whys = [f["properties"]["why"] for f in map_data["sites"]["features"]
                if f["properties"].get("why")]
        assert whys  # the demo's due sites explain themselves
        for url, payload in (("map", map_data),
                             ("live", client.get(f"/planner/api/live?day={day}").get_json())):
            hits = {h for text in _shown_values(payload) for h in _german_left(text, data)}
            if hits:
                found[url] = hits
        # service errors in the UI language
        done_day = client.post("/planner/api/publish", json={"day": day},
                               headers={"X-CSRFToken": client.token})
        assert done_day.status_code == 409
        assert done_day.get_json()["error"].startswith("Nothing to publish")
        tour = map_data["tours"][0]
        refused = client.post("/planner/api/board/check",
                              json={"task_id": tour["stops"][0]["task_id"], "crew_day_id": 999999},
                              headers={"X-CSRFToken": client.token})
        assert refused.status_code == 404
        assert refused.get_json()["error"] == "There is no crew-day 999999"
        assert not found, found
    finally:
        client.get("/auth/lang/de")


def test_tablet_tour_notes_in_english(demo, client) -> None:
    """The crew API gives every stop's notes in English too (the forecast's and the cycle's
    "why" generated in both languages), free of German interface words."""
    engine = demo.extensions["greentour_engine"]
    data = _town_data(demo)
    tenant_id = demo.config["demo_tenant_id"]
    with tenant_session(engine, tenant_id) as s, s.begin():
        crew_day = s.scalars(select(models.CrewDay).where(models.CrewDay.date == DAY)
                             .order_by(models.CrewDay.id)).first()
        issued = issue_token(s, tenant_id, crew_day_id=crew_day.id)
    tablet = demo.test_client()
    tour = tablet.get(f"/api/v1/crew/tour?date={DAY.isoformat()}",
                      headers={"Authorization": f"Bearer {issued.token}"})
    assert tour.status_code == 200, tour.get_data(as_text=True)
    stops = [s for s in tour.get_json()["stops"] if s["kind"] == "task"]
    assert stops and all(s["notes_en"] for s in stops)
    assert any(s["notes"] != s["notes_en"] for s in stops)
    left = {h for s in stops for h in _german_left(f"{s['notes_en']} {s['site']['name_en']}", data)}
    assert not left, left


def test_the_german_check_is_not_blind() -> None:
    """German interface words and codes are found; the town's own names are not."""
    text = ("Zyklus „Papierkörbe Sommer (Mo/Do)“ (Dienstanweisung Abfallbehälter); "
            "Recurring duty of the town (schedule “Papierkörbe Sommer (Mo/Do)”); "
            "Flächen, Straßen und Touren: © OSM; inspect_trees; data/task_types.toml")
    data = ["Papierkörbe Sommer (Mo/Do)", "Dienstanweisung Abfallbehälter"]
    assert _german_left(text, data) == {"Zyklus", "Flächen, Straßen und Touren",
                                        "inspect_trees"}
    assert _german_left("Recurring duty of the town (schedule “Papierkörbe Sommer (Mo/Do)”)",
                        data) == set()


#: an English decimal point before a unit ("29.1 km", "0.8 h"): wrong on a German page
POINT_NUMBER = re.compile(r"\b\d+\.\d+\s?(?:h|km|%|m²|min)\b")


def test_german_pages_write_decimal_commas(demo, client) -> None:
    """German pages and prints write 1,3 h and 29,1 km, never a decimal point before a unit;
    the English pages the point."""
    found = {}
    for url in _pages(demo, client):
        text = visible_text(client.get(url).get_data(as_text=True))
        hits = [m.group(0) for m in POINT_NUMBER.finditer(text)]
        if hits:
            found[url] = hits[:5]
    assert not found, found
    client.get("/auth/lang/en")
    try:
        lineup = visible_text(client.get(f"/planner/lineup?day={DAY.isoformat()}")
                              .get_data(as_text=True))
        assert POINT_NUMBER.search(lineup) or re.search(r"\b\d+\.\d\b", lineup)
    finally:
        client.get("/auth/lang/de")
