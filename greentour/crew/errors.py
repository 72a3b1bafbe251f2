"""Errors of the crew side.

``Unauthorized`` (401), ``PayloadTooLarge`` (413) and ``UnsupportedMediaType`` (415) live in the
one hierarchy of :mod:`greentour.errors`; import them from there. They stay re-exported here
for older imports.
"""

from __future__ import annotations

from greentour.errors import InvalidField, PayloadTooLarge, Unauthorized, UnsupportedMediaType

__all__ = ["InvalidReport", "PayloadTooLarge", "Unauthorized", "UnsupportedMediaType"]


class InvalidReport(InvalidField):
    """A report is well-formed JSON but not consistent (HTTP 422), e.g. a stop of another crew.

    ``field`` names the offending field so that the API can answer per field.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message, "json")
