"""Errors of the crew side that need HTTP statuses the core hierarchy does not have."""

from __future__ import annotations

from greentour.errors import GreentourError


class Unauthorized(GreentourError):
    """No valid device token: missing, unknown, expired or revoked (HTTP 401)."""

    http_status = 401


class PayloadTooLarge(GreentourError):
    """An upload (photo) is larger than the tenant allows (HTTP 413)."""

    http_status = 413


class UnsupportedMediaType(GreentourError):
    """An upload is not of an accepted type, judged by its content (HTTP 415)."""

    http_status = 415


class InvalidReport(GreentourError):
    """A report is well-formed JSON but not consistent (HTTP 422), e.g. a stop of another crew.

    ``field`` names the offending field so that the API can answer per field.
    """

    http_status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
