"""The crew API on a real PostgreSQL server: tour, and racing retries of one report stored once.

Uses the throwaway cluster fixtures of the store's PostgreSQL tests (no second implementation).
"""

from __future__ import annotations

import http.client
import json
import threading
import uuid

import pytest
from crew_sample import build_crew_sample
from sqlalchemy import func, select
from test_store_postgres import pg, pg_url  # noqa: F401  (fixtures: a throwaway cluster)
from waitress import create_server

from greentour.store.models import Completion
from greentour.store.tenancy import tenant_session


@pytest.fixture
def pg_app(pg, pg_url, tmp_path, monkeypatch):  # noqa: F811 - fixtures imported above
    from web import create_app

    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("GREENTOUR_DATABASE_URL", pg_url)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "GREENTOUR_DATABASE_URL": pg_url,
            "GREENTOUR_AUTO_MIGRATE": False,
        }
    )
    yield app
    app.extensions["greentour_engine"].dispose()


def test_racing_retries_store_one_report_on_postgres(pg, pg_app):  # noqa: F811
    """Eight simultaneous POSTs of one report on PostgreSQL: one row, eight equal answers."""
    sample = build_crew_sample(pg)
    token = sample.tokens["a1"]
    client = pg_app.test_client()
    tour = client.get("/api/v1/crew/tour", headers={"Authorization": f"Bearer {token}"})
    assert tour.status_code == 200
    assert [s["id"] for s in tour.get_json()["stops"] if s["kind"] == "task"] == sample.stop_ids[
        "a1"
    ]

    server = create_server(pg_app, host="127.0.0.1", port=0, threads=8)
    runner = threading.Thread(target=server.run, daemon=True)
    runner.start()
    body = json.dumps(
        {
            "client_uuid": str(uuid.uuid4()),
            "stop_id": sample.stop_ids["a1"][0],
            "plan_version": 1,
            "status": "done",
            "device_time": f"{sample.day}T09:00:00+02:00",
        }
    )
    barrier = threading.Barrier(8)
    answers: list[tuple[int, str]] = []

    def post() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.effective_port, timeout=30)
        barrier.wait()
        conn.request(
            "POST",
            "/api/v1/reports",
            body=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        answer = conn.getresponse()
        answers.append((answer.status, answer.read().decode()))
        conn.close()

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    server.close()
    assert {status for status, _ in answers} == {201}
    assert len({text for _, text in answers}) == 1
    with tenant_session(pg, sample.tenant_ids["lauf"]) as session:
        assert session.scalar(select(func.count()).select_from(Completion)) == 1
