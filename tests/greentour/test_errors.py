"""One error hierarchy: every user-facing error is a GreentourError with its HTTP status."""

from __future__ import annotations

import pytest

import greentour.crew.errors as crew_errors
from greentour import errors


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("BadInput", 400),
        ("Unauthorized", 401),
        ("Forbidden", 403),
        ("NotFound", 404),
        ("Conflict", 409),
        ("PayloadTooLarge", 413),
        ("UnsupportedMediaType", 415),
        ("DataImportError", 422),
    ],
)
def test_errors_carry_their_http_status(app, name: str, status: int) -> None:
    """Each error of greentour.errors reaches the client with its status and German message."""
    error_class = getattr(errors, name)
    assert issubclass(error_class, errors.GreentourError)

    def _raise() -> None:
        raise error_class(f"Meldung für {name}")

    app.add_url_rule(f"/api/_test_error_{name}", f"_test_error_{name}", _raise)
    response = app.test_client().get(f"/api/_test_error_{name}")
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == response.status_code and body["type"] == "about:blank"
    assert body["message"] == body["error"] == f"Meldung für {name}"


def test_crew_errors_are_the_core_classes() -> None:
    """greentour.crew.errors holds only its own class, in the one hierarchy (no look-alikes)."""
    assert not hasattr(crew_errors, "Unauthorized")
    assert issubclass(crew_errors.InvalidReport, errors.GreentourError)
