"""The planner's live day through the real Flask test client: draft and publish, the tablet's
reports on map and board data, "in Plan übernehmen", the change summary the crew sees, the
banner when the line-up changed after the plan.

Real SQLite (the Lauf walkthrough scenario), real OR-Tools through the real worker function,
the real crew API with a device token.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid

from PIL import Image
from planner_scenario import DAY, tablet_token
from sqlalchemy import select
from test_planner import app, client  # noqa: F401 - the logged-in planner's fixtures

from greentour.commands.handlers import HANDLERS
from greentour.jobs import run_worker
from greentour.store import models, tenant_session

MONDAY = DAY.isoformat()
TUESDAY = (DAY + dt.timedelta(days=1)).isoformat()


def _post(client, url, body):  # noqa: F811 - imported fixture
    return client.post(url, json=body, headers={"X-CSRFToken": client.token})


def _plan_monday(client, app) -> None:  # noqa: F811 - imported fixture
    """Monday planned (a draft); Tuesday is not planned yet."""
    for day in (MONDAY,):
        response = _post(client, "/planner/api/plan", {"day": day})
        assert response.status_code == 202
        assert run_worker(app.extensions["greentour_engine"], HANDLERS, once=True) == 1
        assert client.get(response.get_json()["job_url"]).get_json()["status"] == "done"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (30, 120, 40)).save(out, format="JPEG")
    return out.getvalue()


def _report(app_client, token, tour, stop, status, **extra) -> dict:
    body = {"client_uuid": str(uuid.uuid4()), "stop_id": stop["id"],
            "task_id": stop["tasks"][0]["id"], "plan_version": tour["plan"]["version"],
            "status": status, "device_time": f"{MONDAY}T10:30:00+02:00", **extra}
    response = app_client.post("/api/v1/reports", json=body,
                               headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.get_data(as_text=True)
    return body


def test_live_day_publish_report_carry_over_republish(client, app, planner_scenario) -> None:  # noqa: F811 - imported fixture
    """Plan → draft invisible to the tablet → publish with summary → reports on the planner's
    live data (states, progress line, photo, need and last service) → not possible stop carried
    over to Tuesday → the next publication tells the crew what changed."""
    _plan_monday(client, app)
    data = client.get(f"/planner/api/map?day={MONDAY}").get_json()
    # the crew with the longest tour reports every stop done; a stop of another crew that fits
    # on that crew's Tuesday (checked, nothing stored) is reported not possible
    tours = sorted(data["tours"], key=lambda t: -len(t["stops"]))
    assert len(tours) >= 2 and len(tours[0]["stops"]) >= 2
    crew_day_id = tours[0]["crew_day_id"]
    other_day_id, blocked_task = next(
        (t["crew_day_id"], s["task_id"]) for t in tours[1:] for s in t["stops"]
        if _post(client, "/planner/api/carry-over",
                 {"task_id": s["task_id"], "crew_day_id": t["crew_day_id"]}).get_json().get(
                     "feasible"))
    token = tablet_token(planner_scenario, crew_day_id)
    other_token = tablet_token(planner_scenario, other_day_id)
    tablet = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    other_auth = {"Authorization": f"Bearer {other_token}"}

    # a draft never reaches the tablet
    assert tablet.get(f"/api/v1/crew/tour?date={MONDAY}", headers=auth).status_code == 404
    live = client.get(f"/planner/api/live?day={MONDAY}&days=2").get_json()
    assert [p["draft"] for p in live["publication"]] == [True, False]

    preview = client.get(f"/planner/api/publish?day={MONDAY}&days=2").get_json()
    mine = next(c for c in preview["crews"] if c["crew_day_id"] == crew_day_id)
    assert mine["first_tour"] and len(mine["added"]) == len(tours[0]["stops"])
    response = _post(client, "/planner/api/publish",
                     {"day": MONDAY, "days": 2, "draft_ids": [d["id"] for d in preview["drafts"]]})
    assert response.status_code == 200, response.get_json()
    again = _post(client, "/planner/api/publish", {"day": MONDAY, "days": 2})
    assert again.status_code == 409 and "Nichts zu veröffentlichen" in again.get_json()["error"]

    published = tablet.get(f"/api/v1/crew/tour?date={MONDAY}", headers=auth).get_json()
    assert published["plan"]["published_at"] and published["plan"]["status"] == "published"
    stops = [s for s in published["stops"] if s["kind"] == "task"]
    other = tablet.get(f"/api/v1/crew/tour?date={MONDAY}", headers=other_auth).get_json()

    # the whole tour done, one stop of another crew not possible with a photo
    for stop in stops:
        _report(tablet, token, published, stop, "done", grass_length="long")
    impossible = next(s for s in other["stops"] if s["kind"] == "task"
                      and s["tasks"][0]["id"] == blocked_task)
    body = _report(tablet, other_token, other, impossible, "not_possible",
                   reason="Zufahrt zugeparkt", note="Feuerwehrzufahrt blockiert")
    photo = tablet.post(f"/api/v1/reports/{body['client_uuid']}/photo", headers=other_auth,
                        data={"photo": (io.BytesIO(_jpeg()), "bild.jpg", "image/jpeg")})
    assert photo.status_code in (200, 201), photo.get_data(as_text=True)
    partly = [st for st in other["stops"] if st["kind"] == "task" and st is not impossible][:1]
    assert partly
    for stop in partly:  # the rest of that crew's work: one stop half done
        _report(tablet, other_token, other, stop, "partly", note="Hälfte gemäht")

    live = client.get(f"/planner/api/live?day={MONDAY}").get_json()
    states = live["stops"]
    done = [s for s in states.values() if s["state"] == "done"]
    assert len(done) == len(stops) and all(s["grass_length"] == "lang" for s in done)
    assert {s["crew_day_id"] for s in done} == {crew_day_id}
    blocked = states[f"{other_day_id}:{impossible['tasks'][0]['id']}"]
    assert blocked["state_label"] == "nicht möglich" and blocked["reason"] == "Zufahrt zugeparkt"
    assert blocked["carry_over"] and blocked["note"] == "Feuerwehrzufahrt blockiert"
    crew = next(c for c in live["crews"] if c["crew_day_id"] == crew_day_id)
    # the whole tour done: done hours are the planned hours
    assert crew["done_h"] == crew["planned_h"] > 0 and crew["counts"]["done"] == len(stops)
    assert crew["done_pct"] == 100 and crew["pace"] == "im Plan" and crew["stops_behind"] == 0
    late = next(c for c in live["crews"] if c["crew_day_id"] == other_day_id)
    assert late["done_h"] == 0 < late["planned_h"] and late["counts"]["not_possible"] == 1
    # the day is over: every stop of the other crew not reported counts as behind plan
    n_late = len(next(t for t in tours if t["crew_day_id"] == other_day_id)["stops"]) - 1 \
        - len(partly)
    for stop in partly:
        half = live["stops"][f"{other_day_id}:{stop['tasks'][0]['id']}"]
        assert half["state_label"] == "teilweise erledigt" and half["carry_over"]
        assert half["note"] == "Hälfte gemäht" and late["counts"]["partly"] == 1
    assert late["stops_behind"] == n_late and (n_late == 0 or "hinter Plan" in late["pace"])
    # per-stop times are for the roles the town allows (default admin): not for this planner
    assert live["stop_times_visible"] is False and crew["lag_min"] is None
    assert all("finished" not in s and "started" not in s for s in live["stops"].values())
    engine = app.extensions["greentour_engine"]
    with tenant_session(engine, planner_scenario.tenant_id) as s, s.begin():
        tenant = s.get(models.Tenant, planner_scenario.tenant_id)
        tenant.config_json = {**(tenant.config_json or {}),
                              "privacy": {"stop_times_visible_to": ["planner", "admin"]}}
    timed = client.get(f"/planner/api/live?day={MONDAY}").get_json()
    assert timed["stop_times_visible"] is True
    assert timed["stops"][f"{crew_day_id}:{done[0]['task_id']}"]["finished"] == "10:30"
    assert next(c for c in timed["crews"] if c["crew_day_id"] == crew_day_id)["lag_min"] \
        is not None
    for stop in done:  # need and last service of the visited sites, at once
        site = live["sites"][str(stop["site_id"])]
        assert site["need"] != "overdue" and site["last_service"].startswith("15.06.2026")
    # one photo route: the crew API's planner endpoint, full size and thumbnail
    assert blocked["photo_url"] == f"/api/v1/reports/{body['client_uuid']}/photo"
    assert blocked["photo_thumb_url"] == blocked["photo_url"] + "?size=thumb"
    full = client.get(blocked["photo_url"])
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    thumb = client.get(blocked["photo_thumb_url"])
    assert thumb.status_code == 200 and max(Image.open(io.BytesIO(thumb.data)).size) <= 320
    assert max(Image.open(io.BytesIO(full.data)).size) > 320
    # the map's site popups say the same: not "überfällig" after "erledigt"
    sites = {f["properties"]["id"]: f["properties"]
             for f in client.get(f"/planner/api/map?day={MONDAY}").get_json()["sites"]["features"]}
    for stop in done:
        assert sites[stop["site_id"]]["need_label"] != "überfällig"

    # "in Plan übernehmen": checked on the crew's next working day, then stored
    check = _post(client, "/planner/api/carry-over",
                  {"task_id": blocked["task_id"], "crew_day_id": other_day_id}).get_json()
    assert check["feasible"], check["violations"]
    assert check["crew"].endswith("16.06.") and any(s["moved"] for s in check["stops"])
    moved = _post(client, "/planner/api/board/move",
                  {"task_id": blocked["task_id"], "crew_day_id": check["crew_day_id"]})
    assert moved.status_code == 200, moved.get_json()

    # the tablet still has the published version until the planner publishes again
    still = tablet.get(f"/api/v1/crew/tour?date={MONDAY}", headers=other_auth).get_json()
    assert still["plan"]["version"] == other["plan"]["version"]
    preview = client.get(f"/planner/api/publish?day={MONDAY}&days=2").get_json()
    mine = next(c for c in preview["crews"] if c["crew_day_id"] == other_day_id)
    assert len(mine["removed"]) == 1
    assert mine["removed"][0]["to"].endswith("Di 16.06.")
    # the same summary in English (paired fields for the English planner page and tablet)
    assert mine["removed"][0]["to_en"].endswith("Tue 16/06")
    assert mine["day_label"] == "Mo 15.06." and mine["day_label_en"] == "Mon 15/06"
    assert mine["removed"][0]["task_en"] and mine["removed"][0]["task_en"] != mine[
        "removed"][0]["task"]
    tuesday = next(c for c in preview["crews"] if c["crew_day_id"] == check["crew_day_id"])
    assert any(a["site"] == mine["removed"][0]["site"] for a in tuesday["added"])
    assert _post(client, "/planner/api/publish", {"day": MONDAY, "days": 2}).status_code == 200

    new = tablet.get(f"/api/v1/crew/tour?date={MONDAY}", headers=other_auth).get_json()
    assert new["plan"]["version"] > other["plan"]["version"]
    assert impossible["tasks"][0]["id"] not in [s["tasks"][0]["id"] for s in new["stops"]
                                                if s["kind"] == "task"]
    assert new["plan"]["changes"]["removed"][0]["to"].endswith("Di 16.06.")


def test_banner_when_lineup_or_orders_change_after_the_plan(client, app, planner_scenario):  # noqa: F811 - imported fixture
    """The live data flags the plan once a person is reported absent after it was made; a lock
    does not count as a line-up change."""
    _plan_monday(client, app)
    live = client.get(f"/planner/api/live?day={MONDAY}").get_json()
    assert live["stale"] == {"stale": False, "lineup": 0, "orders": 0}
    crew_day_id = client.get(f"/planner/api/map?day={MONDAY}").get_json()["tours"][0][
        "crew_day_id"]
    client.post(f"/planner/board/lock?week={MONDAY}",
                data={"crew_day_id": crew_day_id, "locked": "1", "csrf_token": client.token})
    assert client.get(f"/planner/api/live?day={MONDAY}").get_json()["stale"]["stale"] is False
    html = client.get(f"/planner/lineup?day={MONDAY}").get_data(as_text=True)
    staff_id = re.search(r'<option value="(\d+)">Matthias Klein</option>', html).group(1)
    client.post(f"/planner/lineup/absence?day={MONDAY}",
                data={"staff_id": staff_id, "until": MONDAY, "reason": "krank",
                      "csrf_token": client.token})
    stale = client.get(f"/planner/api/live?day={MONDAY}").get_json()["stale"]
    assert stale["stale"] is True and stale["lineup"] >= 1


def test_publish_refuses_bad_input_and_changed_drafts(client, app, planner_scenario) -> None:  # noqa: F811 - imported fixture
    """Bad day counts and draft ids are refused with a German reason; nothing is published."""
    _plan_monday(client, app)
    bad = _post(client, "/planner/api/publish", {"day": MONDAY, "days": 30})
    assert bad.status_code == 400 and "Tage" in bad.get_json()["error"]
    bad = _post(client, "/planner/api/publish", {"day": MONDAY, "draft_ids": "alle"})
    assert bad.status_code == 400
    stale = _post(client, "/planner/api/publish", {"day": MONDAY, "draft_ids": [999999]})
    assert stale.status_code == 409 and "geändert" in stale.get_json()["error"]
    engine = app.extensions["greentour_engine"]
    with tenant_session(engine, planner_scenario.tenant_id) as s:
        assert s.scalar(select(models.Plan).where(models.Plan.status == "published")) is None


def test_board_has_unassigned_column_typed_chips_and_time_axis(client, app) -> None:  # noqa: F811 - imported fixture
    """The board lists the plan's unassigned work as chips to drag, every chip carries its task
    type's colour and icon (and the family in words for screen readers), each planned chip has
    a block on its crew-day's time axis, and the grid is one Tab stop (roving tabindex)."""
    _plan_monday(client, app)
    data = client.get(f"/planner/api/map?day={MONDAY}").get_json()
    html = client.get(f"/planner/board?week={MONDAY}").get_data(as_text=True)
    column = html.split('id="unassigned-chips"', 1)[1].split("</ul>", 1)[0]
    assert len(re.findall(r'class="task-chip', column)) == len(
        {u["task_id"] for u in data["unassigned"]})
    chips = re.findall(r'<span class="task-chip fam-(\w+)[^>]*style="--fam: (#[0-9a-f]{6})"[^>]*>'
                       r'<span class="ti" aria-hidden="true">(.)</span>'
                       r'<span class="sr-only">([^<]+): </span>', html)
    assert len(chips) == html.count('class="task-chip')
    assert {fam for fam, *_ in chips} >= {"mow", "playground"}
    planned = sum(len(t["stops"]) for t in data["tours"])
    assert html.count('class="axis-block"') == planned
    lefts = [float(x) for x in re.findall(r'class="axis-block" style="left: ([\d.]+)%', html)]
    assert lefts and all(0 <= x <= 100 for x in lefts)
    assert len(re.findall(r'<td class="cell[^"]*" tabindex="0"', html)) == 1
    assert re.search(r'aria-label="Kolonne 1[^"]*Mo 15\.06\. sperren"', html)
