"""Reading TOML configuration files and turning validation errors into :class:`ConfigError`.

Every configuration file of greentour (tenant files, task types) goes through :func:`read_toml`
and :func:`validate`, so a bad file is always refused with the file, the key and the reason.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from greentour.errors import ConfigError

M = TypeVar("M", bound=BaseModel)

SECTION_ERROR = "config_section"
"""Pydantic error type of a section checked by its own loader (``ctx``: ``key``, ``reason``); see
:func:`section_error`."""


def section_error(exc: ConfigError) -> PydanticCustomError:
    """A section loader's :class:`ConfigError` as a pydantic error, so that :func:`validate` reports
    the loader's own key (``privacy.photos_days``) and German reason."""
    return PydanticCustomError(SECTION_ERROR, "{reason}", {"key": exc.key, "reason": exc.reason})


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; a missing or malformed file is a :class:`ConfigError`."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(path, "", "Datei nicht gefunden") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", f"kein gültiges TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(path, "", f"nicht lesbar ({exc.strerror})") from None


def _label(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return None
    for field in ("key", "code", "name"):
        if isinstance(entry.get(field), str):
            return entry[field]
    return None


def key_path(loc: tuple[int | str, ...], data: Any = None) -> str:
    """``("staff", 3, "qualifications", 0)`` -> ``staff[3].qualifications[0]``.

    When ``data`` is given and a list entry has a ``key``, ``code`` or ``name``, it is added:
    ``staff[3] (mueller).qualifications[0]``.
    """
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            entry = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            label = _label(entry)
            if label:
                out += f" ({label})"
            node = entry
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


def validate(model: type[M], data: dict[str, Any], path: str | Path) -> M:
    """Validate ``data`` against ``model``; the first error becomes a :class:`ConfigError`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = tuple(
            p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function"))
        )
        reason = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            reason = "unbekannter Schlüssel (Tippfehler?)"
        elif first["type"] == "missing":
            reason = "Pflichtangabe fehlt"
        key = key_path(loc, data)
        if first["type"] == SECTION_ERROR:
            key = first["ctx"]["key"]
        more = exc.error_count() - 1
        if more:
            reason += f" (und {more} weitere Fehler)"
        raise ConfigError(path, key, reason) from None
