"""The greentour exception hierarchy.

Every error a planner, a crew or a GIS client may see is a :class:`GreentourError`. It carries an
HTTP status (used by the web layer and the API) and a message written for the planner, in German
first; the CLI prints it as one line ``Fehler: <message>`` and exits with code 1. Programming
errors are *not* GreentourErrors and keep their traceback.
"""

from __future__ import annotations

from pathlib import Path


class GreentourError(Exception):
    """Base of all errors that are reported to the user instead of crashing.

    ``http_status`` is the HTTP status the web layer answers with; ``message`` is readable by a
    planner (no stack trace, no SQL).
    """

    http_status: int = 500
    #: the same message in English (None: only the German text exists)
    message_en: str | None = None

    def __init__(self, message: str, en: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.message_en = en

    def text(self, lang: str = "de") -> str:
        """The message in the UI language ``lang`` (German when no English text was given)."""
        return self.message_en if lang == "en" and self.message_en else self.message

    def __str__(self) -> str:
        return self.message


class BadInput(GreentourError):
    """The request or file content is wrong (a value out of range, a missing field)."""

    http_status = 400


class InvalidField(GreentourError):
    """One named field of a request or file is unusable (HTTP 422), e.g. a NUL character in a note.

    ``field`` names the field (a JSON path such as ``items[2].name``, a form or query parameter);
    ``location`` says where it was sent (``json``, ``form``, ``query``, ``path``).
    """

    http_status = 422

    def __init__(self, field: str, message: str, location: str = "json") -> None:
        super().__init__(message)
        self.field = field
        self.location = location


class Unauthorized(GreentourError):
    """No valid credentials: a device token missing, unknown, expired or revoked (HTTP 401)."""

    http_status = 401


class Forbidden(GreentourError):
    """The user or device may not do this (other tenant, missing role, revoked token)."""

    http_status = 403


class NotFound(GreentourError):
    """The requested record does not exist (for this tenant)."""

    http_status = 404


class Conflict(GreentourError):
    """The request collides with the stored state (duplicate, outdated plan version, lock)."""

    http_status = 409


class PayloadTooLarge(GreentourError):
    """An upload (photo, import file) is larger than the tenant allows (HTTP 413)."""

    http_status = 413


class UnsupportedMediaType(GreentourError):
    """An upload is not of an accepted type, judged by its content (HTTP 415)."""

    http_status = 415


class TooManyRequests(GreentourError):
    """Too many attempts in a short time (login throttling, HTTP 429); says when to retry."""

    http_status = 429

    def __init__(self, message: str, retry_after_s: int = 60) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class DataImportError(GreentourError):
    """An import file (OSM, cadastre, weather) was readable but its content cannot be used."""

    http_status = 422


class ConfigError(GreentourError):
    """A configuration file is refused; names the file, the key and the reason.

    ``key`` is a dotted path into the file (``staff.3.qualifications``); empty when the whole file
    is unusable (unreadable, not TOML).
    """

    http_status = 500

    def __init__(self, file: str | Path, key: str, reason: str) -> None:
        self.file = str(file)
        self.key = key
        self.reason = reason
        where = f"{self.file}: {key}" if key else self.file
        super().__init__(f"Konfiguration ungültig – {where}: {reason}")
