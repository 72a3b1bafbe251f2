"""Line-up actions confirmed in place, absences shortened and withdrawn, the tablets page in the
planner layout, a favicon: through the Flask test client on the Lauf walkthrough scenario."""

from __future__ import annotations

import re

import pytest
from planner_scenario import DAY, login, planner_app
from sqlalchemy import select

from greentour.store import make_engine, models, tenant_session

WEEK = DAY.isoformat()


@pytest.fixture
def app(planner_scenario, monkeypatch, tmp_path):
    yield from planner_app(planner_scenario, monkeypatch, tmp_path)


@pytest.fixture
def client(app):
    return login(app.test_client())


def _ids(planner_scenario):
    engine = make_engine(planner_scenario.db_url)
    with tenant_session(engine, planner_scenario.tenant_id) as s:
        staff = {p.name: p.id for p in s.scalars(select(models.Staff))}
        machines = {m.name: m.id for m in s.scalars(select(models.Machine))}
    engine.dispose()
    return staff, machines


def _section(html: str, element_id: str) -> str:
    """The HTML from the element ``element_id`` to the end of its section."""
    start = html.index(f'id="{element_id}"')
    return html[start:html.index("</section>", start)]


def _post(client, url: str, data: dict) -> str:
    response = client.post(url, data={**data, "csrf_token": client.token})
    assert response.status_code == 302
    location = response.headers["Location"]
    anchor = location.split("#", 1)[1] if "#" in location else ""
    return client.get(location.split("#")[0]).get_data(as_text=True), anchor


def test_repair_and_moves_are_confirmed_beside_their_forms(client, planner_scenario) -> None:
    """A machine put in repair, a person and a machine moved: each confirmation stands beside
    the form that did it (the redirect scrolls there), not only at the top of the page."""
    staff, machines = _ids(planner_scenario)
    lift = next(i for name, i in machines.items() if "Hubsteiger" in name)
    html, anchor = _post(client, f"/planner/lineup/repair?day={WEEK}",
                         {"machine_id": lift, "until": "2026-06-17"})
    assert anchor == "form-repair"
    assert re.search(r"✓ Hubsteiger[^<]* ist in Reparatur bis 17\.06\.2026", _section(html, anchor))
    html, anchor = _post(client, f"/planner/lineup/repair?day={WEEK}", {"machine_id": lift})
    assert "ist wieder einsatzbereit" in _section(html, anchor)
    person = sorted(staff)[0]
    html, anchor = _post(client, f"/planner/lineup/person?day={WEEK}",
                         {"staff_id": staff[person], "crew_day_id": ""})
    assert f"✓ {person} ist in keiner Kolonne mehr." in _section(html, anchor)
    # each confirmation is shown once: beside its form, not again at the top
    assert html.count("ist in keiner Kolonne mehr") == 1


def test_absence_is_shortened_and_withdrawn_on_the_page(client, planner_scenario) -> None:
    """Report sick for three days, shorten to two, withdraw: the page lists the absence with
    its days, confirms each change beside the list, and the person is back in the crew."""
    staff, _ = _ids(planner_scenario)
    name = sorted(staff)[1]
    html, anchor = _post(client, f"/planner/lineup/absence?day={WEEK}",
                         {"staff_id": staff[name], "until": "2026-06-17", "reason": "krank"})
    assert f"Abwesenheit gespeichert: {name} bis 17.06.2026." in _section(html, anchor)
    absence_id = int(re.search(r"/planner/lineup/absence/(\d+)", html).group(1))
    html, anchor = _post(client, f"/planner/lineup/absence/{absence_id}?day={WEEK}",
                         {"until": "2026-06-16"})
    assert anchor == "absences"
    assert f"✓ Abwesenheit von {name} endet jetzt am 16.06.2026." in _section(html, anchor)
    assert "Mo 15.06. – Di 16.06." in _section(html, anchor)
    html, anchor = _post(client, f"/planner/lineup/absence/{absence_id}?day={WEEK}",
                         {"until": "2026-06-16", "withdraw": "1"})
    assert f"✓ Abwesenheit von {name} ab 15.06.2026 zurückgenommen." in _section(html, anchor)
    assert 'class="badge absent"' not in html
    bad = client.post(f"/planner/lineup/absence/999999?day={WEEK}",
                      data={"csrf_token": client.token})
    assert bad.status_code == 302  # refused with the reason as a message, nothing changed
    assert "Abwesenheit 999999 gibt es nicht" in client.get(bad.headers["Location"]).get_data(
        as_text=True)


def test_lock_is_confirmed(client, planner_scenario) -> None:
    """Locking a crew-day on the board says so."""
    engine = make_engine(planner_scenario.db_url)
    client.get(f"/planner/board?week={WEEK}")
    with tenant_session(engine, planner_scenario.tenant_id) as s:
        crew_day = s.scalar(select(models.CrewDay).where(models.CrewDay.date == DAY)
                            .order_by(models.CrewDay.name))
        crew_day_id, crew = crew_day.id, crew_day.name
    engine.dispose()
    response = client.post(f"/planner/board/lock?week={WEEK}",
                           data={"crew_day_id": crew_day_id, "locked": "1",
                                 "csrf_token": client.token})
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{crew} am Mo 15.06. gesperrt" in html


def test_tablets_page_has_the_planner_layout_and_every_page_a_favicon(client) -> None:
    """The tablets page carries the planner's navigation and logout; the favicon answers."""
    html = client.get("/crew/geraete").get_data(as_text=True)
    assert 'class="top noprint"' in html and "Abmelden" in html and "Plantafel" in html
    assert 'rel="icon"' in html
    for url in ("/planner/", f"/planner/lineup?day={WEEK}", "/auth/login"):
        assert 'rel="icon"' in client.get(url).get_data(as_text=True), url
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
