"""Errors of the crew side (the others, e.g. ``Unauthorized``, are in :mod:`greentour.errors`)."""

from __future__ import annotations

from greentour.errors import InvalidField


class InvalidReport(InvalidField):
    """A report is well-formed JSON but not consistent (HTTP 422), e.g. a stop of another crew.

    ``field`` names the offending field so that the API can answer per field.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message, "json")
