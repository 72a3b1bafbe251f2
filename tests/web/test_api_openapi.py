"""The generated OpenAPI document: valid, complete, and no 5xx under schemathesis."""

from __future__ import annotations

import re

import pytest
import schemathesis
from crew_sample import build_crew_sample
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from greentour.accounts.members import create_user
from greentour.crew import sensors
from greentour.store.tenancy import tenant_session


def test_openapi_document_validates_and_declares_security(client):
    """/api/v1/openapi.json is a valid OpenAPI document; every operation names its auth."""
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    doc = answer.get_json()
    validate(doc)
    assert set(doc["components"]["securitySchemes"]) == {
        "DeviceToken",
        "PlannerSession",
        "TtnSecret",
    }
    operations = [op for path in doc["paths"].values() for op in path.values()]
    assert len(operations) >= 12
    assert all(op.get("security") for op in operations)
    report_in = doc["components"]["schemas"]["ReportIn"]
    assert {"client_uuid", "plan_version", "status", "device_time"} <= set(report_in["required"])
    photo = doc["paths"]["/api/v1/reports/{client_uuid}/photo"]["post"]
    assert {"413", "415"} <= set(photo["responses"])


def test_interactive_docs_are_served_locally(client):
    """/api/v1/docs is Swagger UI with its assets served by the app (no CDN)."""
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "cdn." not in page
    script = re.search(r'src="([^"]+swagger-ui-bundle\.js)"', page).group(1)
    assert client.get(script).status_code == 200


@pytest.fixture
def api_env(app, engine, client):
    """A device token, a TTN secret and a logged-in planner (cookie + CSRF token)."""
    sample = build_crew_sample(engine)
    tenant_id = sample.tenant_ids["lauf"]
    with tenant_session(engine, tenant_id) as session, session.begin():
        secret, _ = sensors.create_webhook_secret(session, tenant_id)
    create_user(engine, tenant_id, "dispo", "geheim-genug-123", role="planner")
    # flask-login's "strong" session protection binds the session to address and user agent.
    agent = {"User-Agent": "greentour-schemathesis"}
    page = client.get("/auth/login", headers=agent).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(
        "/auth/login?next=/crew/",
        headers=agent,
        data={"username": "dispo", "password": "geheim-genug-123", "csrf_token": csrf},
    )
    page = client.get("/auth/login", headers=agent).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    cookie = client.get_cookie("session")
    return {
        "headers": {
            "Authorization": f"Bearer {sample.tokens['a1']}",
            "X-Greentour-Secret": secret,
            "X-CSRFToken": csrf,
            **agent,
        },
        "cookie": f"session={cookie.value}",
    }


def with_cookie(app, cookie: str):
    """WSGI wrapper that sends the planner's session cookie with every request.

    (The test transport's own cookie jar would drop a Cookie header set per request.)
    """

    def wsgi(environ, start_response):
        environ["HTTP_COOKIE"] = cookie
        environ["REMOTE_ADDR"] = "127.0.0.1"  # the address the login came from
        return app(environ, start_response)

    return wsgi


def test_api_answers_generated_requests_without_server_errors(app, api_env):
    """Seeded, bounded schemathesis run with valid credentials: no operation answers 5xx.

    Positive and negative data for every operation of the generated document (hypothesis
    derandomized, at most 10 examples per operation and mode).
    """
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", with_cookie(app, api_env["cookie"])
    )
    statuses: list[tuple[str, int]] = []

    def run(operation, mode) -> None:
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=10,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case) -> None:
            # Valid credentials replace whatever was generated for the security schemes.
            case.headers = {**(case.headers or {}), **api_env["headers"]}
            response = case.call()
            statuses.append((operation.path, response.status_code))
            case.validate_response(response, checks=[not_a_server_error])

        check()

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run(operation, mode)
    assert len(statuses) > 100
    ok = {path for path, status in statuses if 200 <= status < 300}
    assert {"/api/v1/crew/tour", "/api/v1/device-tokens"} <= ok  # the credentials were valid
