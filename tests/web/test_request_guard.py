"""Hostile and clumsy bodies against every route: always a 4xx with a reason, never a 5xx (#14).

Real app factory, real SQLite, the crew sample (tests/crew_sample.py) and a real planner login.
"""

from __future__ import annotations

import io
import json
import uuid

import pytest
from crew_sample import build_crew_sample, login_planner
from hostile_requests import DEEP_JSON, HUGE_BYTES, CountingStream, hostile_failures, huge_post
from sqlalchemy import func, select

from greentour.store.models import Completion, Task
from greentour.store.tenancy import tenant_session


@pytest.fixture
def sample(engine):
    return build_crew_sample(engine)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def planner_csrf(client, engine, sample) -> str:
    return login_planner(client, engine, sample.tenant_ids["lauf"])


def report_body(sample, **extra) -> dict:
    body = {
        "client_uuid": str(uuid.uuid4()),
        "stop_id": sample.stop_ids["a1"][0],
        "task_id": sample.task_ids["a1"][0],
        "plan_version": 1,
        "status": "done",
        "device_time": f"{sample.day.isoformat()}T08:55:00+02:00",
    }
    body.update(extra)
    return body


# --------------------------------------------------------------------------- size and order
def test_huge_body_without_token_is_refused_unread(client, sample):
    """150 MB without a token: 401 and not one byte of the body read."""
    status, stream = huge_post(client, "/api/v1/reports", {})
    assert status == 401
    assert stream.read_bytes == 0


def test_huge_json_with_a_token_is_refused_unread_with_413(client, sample):
    """150 MB with a valid token: 413 with the limit named, body unread."""
    stream = CountingStream(HUGE_BYTES)
    answer = client.post(
        "/api/v1/reports",
        input_stream=stream,
        headers={**bearer(sample.tokens["a1"]), "Content-Type": "application/json"},
        environ_overrides={"CONTENT_LENGTH": str(HUGE_BYTES)},
    )
    assert answer.status_code == 413
    assert "höchstens 1,0 MB" in answer.get_json()["message"]
    assert stream.read_bytes == 0


def test_photo_route_takes_more_than_json_routes(client, sample):
    """A 2 MB multipart photo body passes the size gate that stops a 2 MB JSON report."""
    headers = bearer(sample.tokens["a1"])
    body = report_body(sample)
    assert client.post("/api/v1/reports", json=body, headers=headers).status_code == 201
    big_json = {**report_body(sample), "note": "x" * (2 * 1024 * 1024)}
    assert client.post("/api/v1/reports", json=big_json, headers=headers).status_code == 413
    junk = {"photo": (io.BytesIO(b"\xff\xd8" + b"0" * (2 * 1024 * 1024)), "a.jpg", "image/jpeg")}
    answer = client.post(f"/api/v1/reports/{body['client_uuid']}/photo", data=junk,
                         headers=headers, content_type="multipart/form-data")
    assert answer.status_code == 415  # read and judged by its bytes, not refused for size


# --------------------------------------------------------------------------- text and JSON
@pytest.mark.parametrize("bad", ["Rasen\x00hoch", "Rasen \ud800 hoch"])
def test_nul_or_lone_surrogate_in_a_note_is_422_naming_the_field(client, engine, sample, bad):
    """A NUL or a lone surrogate in the note: 422 naming ``note``, nothing stored."""
    raw = json.dumps(report_body(sample, note=bad))  # ensure_ascii keeps \\ud800 escaped
    answer = client.post("/api/v1/reports", data=raw, content_type="application/json",
                         headers=bearer(sample.tokens["a1"]))
    assert answer.status_code == 422
    assert "note" in answer.get_json()["detail"]["json"]
    with tenant_session(engine, sample.tenant_ids["lauf"]) as session:
        assert session.scalar(select(func.count()).select_from(Completion)) == 0


def test_deep_json_is_400_with_a_reason(client, sample):
    """A 100,000-deep JSON body is refused with 400 and a German reason."""
    answer = client.post("/api/v1/reports", data=DEEP_JSON, content_type="application/json",
                         headers=bearer(sample.tokens["a1"]))
    assert answer.status_code == 400
    assert "verschachtelt" in answer.get_json()["message"]


def test_nul_in_a_planner_form_field_is_refused_naming_it(client, engine, sample):
    """A NUL in the order note of the line-up form: refused naming ``note``, no order stored."""
    csrf = planner_csrf(client, engine, sample)
    answer = client.post(
        "/planner/lineup/order",
        data={"csrf_token": csrf, "site_id": str(sample.site_ids["a1"][0]), "task_type": "mow",
              "duration_min": "30", "note": "Baum\x00umgestürzt"},
        follow_redirects=True,
    )
    assert "Feld „note“ enthält ein NUL-Zeichen" in answer.get_data(as_text=True)
    with tenant_session(engine, sample.tenant_ids["lauf"]) as session:
        assert session.scalar(select(func.count()).select_from(Task)) == 6


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_planner_days_past_the_calendar_are_refused(client, engine, sample, day):
    """Days Python cannot add a week to: 422 naming the parameter, never a 500."""
    planner_csrf(client, engine, sample)
    answer = client.get(f"/planner/api/map?day={day}")
    assert answer.status_code == 422
    assert "außerhalb von 1900–2199" in answer.get_json()["error"]
    for page in ("/planner/", "/planner/board", "/planner/lineup", "/planner/print/week"):
        for name in ("day", "week"):
            answer = client.get(f"{page}?{name}={day}")
            assert answer.status_code < 500, (page, answer.status_code)


def test_ids_past_a_database_integer_are_4xx(client, engine, sample):
    """2**80 as a path id or a JSON id is answered 4xx with a message."""
    huge = 2**80
    headers = bearer(sample.tokens["a1"])
    assert client.get(f"/api/v1/tours/{huge}", headers=headers).status_code == 404
    answer = client.post("/api/v1/reports", json=report_body(sample, stop_id=huge),
                         headers=headers)
    assert answer.status_code == 422
    csrf = planner_csrf(client, engine, sample)
    answer = client.post("/planner/board/lock",
                         data={"csrf_token": csrf, "crew_day_id": str(huge), "locked": "1"},
                         headers={"Accept": "application/json", "X-CSRFToken": csrf})
    assert 400 <= answer.status_code < 500


# --------------------------------------------------------------------------- every route
@pytest.mark.parametrize("who", ["anonymous", "device", "planner"])
def test_every_route_answers_hostile_bodies_with_4xx(app, client, engine, sample, who):
    """NUL, surrogates, deep JSON, huge bodies, huge ids and days: every route answers < 500."""
    assert hostile_failures(app, client, engine, sample, who) == []
