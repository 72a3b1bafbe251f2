"""The crew API on a real PostgreSQL server: tour, and racing retries of one report stored once.

Uses the throwaway cluster fixtures of the store's PostgreSQL tests (no second implementation).
"""

from __future__ import annotations

import json
import uuid

import pytest
from crew_sample import build_crew_sample, login_planner, race_identical_posts
from hostile_requests import hostile_failures
from sqlalchemy import func, select

from greentour.store.models import Completion, Task
from greentour.store.tenancy import tenant_session

pytestmark = pytest.mark.postgres


def test_racing_retries_store_one_report_on_postgres(pg, pg_app):
    """Eight simultaneous POSTs of one report on PostgreSQL: one row, eight equal answers."""
    sample = build_crew_sample(pg)
    token = sample.tokens["a1"]
    client = pg_app.test_client()
    tour = client.get("/api/v1/crew/tour", headers={"Authorization": f"Bearer {token}"})
    assert tour.status_code == 200
    assert [s["id"] for s in tour.get_json()["stops"] if s["kind"] == "task"] == sample.stop_ids[
        "a1"
    ]

    body = json.dumps(
        {
            "client_uuid": str(uuid.uuid4()),
            "stop_id": sample.stop_ids["a1"][0],
            "plan_version": 1,
            "status": "done",
            "device_time": f"{sample.day}T09:00:00+02:00",
        }
    )
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    answers = race_identical_posts(pg_app, "/api/v1/reports", body, headers)
    assert {status for status, _ in answers} == {201}
    assert len({text for _, text in answers}) == 1
    with tenant_session(pg, sample.tenant_ids["lauf"]) as session:
        assert session.scalar(select(func.count()).select_from(Completion)) == 1


def test_nul_in_every_text_field_is_422_naming_it_on_postgres(pg, pg_app):
    """NUL in a note, reason, order, token name or webhook name: 422 (was 500 on PostgreSQL)."""
    sample = build_crew_sample(pg)
    tenant_id = sample.tenant_ids["lauf"]
    client = pg_app.test_client()
    device = {"Authorization": f"Bearer {sample.tokens['a1']}"}
    report = {
        "stop_id": sample.stop_ids["a1"][0],
        "plan_version": 1,
        "device_time": f"{sample.day}T09:00:00+02:00",
    }
    for field, extra in (("note", {"status": "done", "note": "a\x00b"}),
                         ("reason", {"status": "not_possible", "reason": "zu\x00nass"})):
        body = {**report, **extra, "client_uuid": str(uuid.uuid4())}
        answer = client.post("/api/v1/reports", json=body, headers=device)
        assert answer.status_code == 422, (field, answer.get_data(as_text=True))
        assert field in answer.get_json()["detail"]["json"]

    csrf = login_planner(client, pg, tenant_id)
    planner = {"X-CSRFToken": csrf}
    answer = client.post("/api/v1/device-tokens", headers=planner,
                         json={"crew_template_id": sample.template_ids["a1"], "name": "Tab\x00"})
    assert answer.status_code == 422 and "name" in answer.get_json()["detail"]["json"]
    answer = client.post("/api/v1/sensors/webhooks", headers=planner, json={"name": "TTN\x00"})
    assert answer.status_code == 422 and "name" in answer.get_json()["detail"]["json"]
    answer = client.post(
        "/planner/lineup/order",
        data={"csrf_token": csrf, "site_id": str(sample.site_ids["a1"][0]), "task_type": "mow",
              "duration_min": "30", "note": "Baum\x00"},
        follow_redirects=True,
    )
    assert answer.status_code == 200
    assert "Feld „note“ enthält ein NUL-Zeichen" in answer.get_data(as_text=True)
    with tenant_session(pg, tenant_id) as session:
        assert session.scalar(select(func.count()).select_from(Completion)) == 0
        assert session.scalar(select(func.count()).select_from(Task)) == 6


@pytest.mark.parametrize("who", ["device", "planner"])
def test_every_route_answers_hostile_bodies_with_4xx_on_postgres(pg, pg_app, who):
    """The hostile bodies of tests/web/test_request_guard.py against every route on PostgreSQL."""
    sample = build_crew_sample(pg)
    client = pg_app.test_client()
    assert hostile_failures(pg_app, client, pg, sample, who) == []
