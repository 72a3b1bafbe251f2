"""A closed day over HTTP (issue 17): "Woche planen" of closed days only, publishing a draft
that changes a closed day, board moves and locks are 409 with the German message; the week plan
with Monday closed is accepted; re-opening from the day-end review (reason, CSRF, no inline
script, English through the catalogue) keeps the history.

Real SQLite (the Lauf walkthrough scenario) with a week planned by OR-Tools, published and
reported through the real crew report service (tests/records_week.py); the real Flask client.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil

import pytest
from planner_scenario import login, planner_app
from records_week import build_week

from greentour.accounts.members import ensure_user
from greentour.planning.current import current_plan, tour_signature, worked_tour
from greentour.records import store_io
from greentour.store import make_engine, tenant_session, write_session
from greentour.workplace import board

MONDAY = "2026-06-15"
CLOSED = "Der 15.06.2026 ist abgeschlossen; die Buchungen sind schreibgeschützt"


@pytest.fixture(scope="module")
def week_file(planner_scenario_template, tmp_path_factory):
    """The planned, published and reported week (nothing closed yet) as a SQLite file."""
    path = tmp_path_factory.mktemp("closed-web") / "week.sqlite"
    shutil.copyfile(planner_scenario_template.db_url.removeprefix("sqlite:///"), path)
    engine = make_engine(f"sqlite:///{path}")
    week = build_week(engine, planner_scenario_template.tenant_id,
                      planner_scenario_template.day)
    engine.dispose()
    return path, week


@pytest.fixture
def scenario(week_file, planner_scenario_template, tmp_path):
    path, _week = week_file
    copy = tmp_path / "week.sqlite"
    shutil.copyfile(path, copy)
    return dataclasses.replace(planner_scenario_template, db_url=f"sqlite:///{copy}")


@pytest.fixture
def app(scenario, monkeypatch, tmp_path):
    yield from planner_app(scenario, monkeypatch, tmp_path)


def _form(client, url: str, data: dict):
    return client.post(url, data={"csrf_token": client.token, **data})


def _json(client, url: str, data: dict):
    return client.post(url, json=data, headers={"X-CSRFToken": client.token})


def _close_monday(client) -> None:
    response = _form(client, "/records/day/close", {"day": MONDAY})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def _monday(scenario):
    """Monday's crew-days with their worked tours' signatures, and a Tuesday task."""
    engine = make_engine(scenario.db_url)
    with tenant_session(engine, scenario.tenant_id) as s:
        monday = dt.date.fromisoformat(MONDAY)
        crews = {cd.id: tour_signature(worked_tour(s, cd))
                 for cd in store_io.crew_days_on(s, monday)}
        tue_task = next(st.task_id for cd in store_io.crew_days_on(s, monday + dt.timedelta(1))
                        if worked_tour(s, cd) for st in worked_tour(s, cd).stops
                        if st.kind == "task")
    engine.dispose()
    return crews, tue_task


def test_plan_publish_board_of_a_closed_day_over_http(app, scenario) -> None:
    """With Monday closed: re-planning Monday alone is 409 with the German message (JSON),
    the week Monday-Friday is queued (202); publishing a draft made before closing that changes
    Monday is 409; a board move onto Monday is 409, its lock and undoing the draft are refused
(the board flashes the message); Monday's tours are unchanged."""
    crews, tue_task = _monday(scenario)
    # a board edit made before closing: Monday's first tour loses its last stop (a draft)
    engine = make_engine(scenario.db_url)
    with write_session(engine, scenario.tenant_id) as s:
        monday = dt.date.fromisoformat(MONDAY)
        draft = board._copy_plan(s, current_plan(s, monday), monday,
                                 {"id": "vorher", "task_id": None, "to_crew_day_id": None})
        tour = next(t for t in sorted(draft.tours, key=lambda t: t.id)
                    if t.crew_day.date == monday and any(st.kind == "task" for st in t.stops))
        s.delete(max((st for st in tour.stops if st.kind == "task"), key=lambda st: st.seq))
        draft_id = draft.id
    client = login(app.test_client())
    _close_monday(client)
    # the board marks the closed day: badge in the header, its cells frozen, no lock button
    page = client.get(f"/planner/board?week={MONDAY}").get_data(as_text=True)
    header = re.search(r"<thead>.*?</thead>", page, re.S).group(0)
    assert re.search(r"15\.[^<]*<span class=\"badge ok\">abgeschlossen</span>", header)
    cells = re.findall(r'<td class="cell[^"]*"[^>]*data-closed="(\d)" data-date="([^"]+)"', page)
    assert {c for c, d in cells if d == MONDAY} == {"1"}
    assert {c for c, d in cells if d != MONDAY} == {"0"}
    for crew_day_id in crews:
        assert f'name="crew_day_id" value="{crew_day_id}"' not in page
        assert re.search(rf'data-crew-day-id="{crew_day_id}" data-locked="1"', page)
    for mode in ("plan", "replan", "optimize"):
        refused = _json(client, f"/planner/api/{mode}", {"day": MONDAY, "days": 1})
        assert refused.status_code == 409
        assert refused.get_json()["error"].startswith(CLOSED)
    week = _json(client, "/planner/api/plan", {"day": MONDAY, "days": 5})
    assert week.status_code == 202 and week.get_json()["job_id"]
    published = _json(client, "/planner/api/publish", {"day": MONDAY, "days": 5})
    assert published.status_code == 409
    assert published.get_json()["error"].startswith(CLOSED)
    assert "bitte neu planen" in published.get_json()["error"]
    moved = _json(client, "/planner/api/board/move",
                  {"task_id": tue_task, "crew_day_id": next(iter(crews))})
    assert moved.status_code == 409 and moved.get_json()["error"].startswith(CLOSED)
    # the board's forms answer a refusal with the message flashed on the board
    for url, data in (("/planner/board/lock", {"crew_day_id": next(iter(crews)), "locked": "1"}),
                      ("/planner/board/undo", {})):
        refused = _form(client, url, {"week": MONDAY, **data})
        assert refused.status_code == 302
        board_page = client.get(f"/planner/board?week={MONDAY}").get_data(as_text=True)
        assert CLOSED in board_page
    engine_check = make_engine(scenario.db_url)
    with tenant_session(engine_check, scenario.tenant_id) as s:
        assert not any(cd.locked for cd in store_io.crew_days_on(s, dt.date(2026, 6, 15)))
        assert current_plan(s, dt.date(2026, 6, 15)).id == draft_id
    engine_check.dispose()
    client.get("/auth/lang/en")
    english = _json(client, "/planner/api/replan", {"day": MONDAY, "days": 1})
    assert english.status_code == 409
    assert english.get_json()["error"].startswith("15/06/2026 is closed")
    assert _monday(scenario)[0] == crews
    engine.dispose()


def test_reopen_from_the_review_page(app, scenario) -> None:
    """The closed day's review offers "Wieder öffnen" (a form with CSRF token and a required
    reason, no inline script); without reason 400, without CSRF token 400; with a reason the
    day is open again and the history names who, why and the closing undone; English page too."""
    client = login(app.test_client())
    _close_monday(client)
    page = client.get(f"/records/day?day={MONDAY}").get_data(as_text=True)
    form = re.search(r'<form[^>]*id="reopen".*?</form>', page, re.S).group(0)
    assert 'action="/records/day/reopen"' in form and 'name="csrf_token"' in form
    assert re.search(r'<input name="reason"[^>]*required', form)
    assert "Wieder öffnen" in form
    scripts = re.findall(r"<script(?![^>]*nonce)(?![^>]*application/json)[^>]*>", page)
    assert all("src=" in s for s in scripts) and "onclick" not in page
    no_reason = _form(client, "/records/day/reopen", {"day": MONDAY, "reason": " "})
    assert no_reason.status_code == 400
    assert "Bitte einen Grund für das Wiederöffnen angeben" in no_reason.get_data(as_text=True)
    no_csrf = client.post("/records/day/reopen", data={"day": MONDAY, "reason": "Fehler"})
    assert no_csrf.status_code == 400
    # the read-only role may look, not re-open (the role allowed to close: planner, admin)
    engine = make_engine(scenario.db_url)
    ensure_user(engine, scenario.tenant_id, "leser", "Nur-Lesen-2026!x", role="viewer")
    engine.dispose()
    viewer = login(app.test_client(), "leser", "Nur-Lesen-2026!x")
    assert viewer.get(f"/records/day?day={MONDAY}").status_code == 200
    assert _form(viewer, "/records/day/reopen", {"day": MONDAY, "reason": "x"}).status_code \
        == 403
    assert "abgeschlossen" in client.get(f"/records/day?day={MONDAY}").get_data(as_text=True)
    done = _form(client, "/records/day/reopen", {"day": MONDAY,
                                                 "reason": "Personal am Montag falsch"})
    assert done.status_code == 302 and done.location.endswith("#reopenings")
    page = client.get(f"/records/day?day={MONDAY}").get_data(as_text=True)
    assert 'id="reopen"' not in page and 'id="close"' in page
    history = page[page.index('id="reopenings"'):]
    assert "Personal am Montag falsch" in history and "disponentin" in history
    assert "Zeilen" in history
    again = _form(client, "/records/day/reopen", {"day": MONDAY, "reason": "noch einmal"})
    assert again.status_code == 409
    _close_monday(client)
    client.get("/auth/lang/en")
    english = client.get(f"/records/day?day={MONDAY}").get_data(as_text=True)
    assert "Re-open" in english and "Re-opened" in english
    assert "Personal am Montag falsch" in english
