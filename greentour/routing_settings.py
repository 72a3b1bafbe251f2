"""The tenant TOML's ``[routing]`` section: ``calibration_factor`` and ``access_max_distance_m``.

Checked once by :func:`routing_settings` when the tenant file is read
(:func:`greentour.tenant_config.load_tenant_config`), so a bad value is refused then, not at the
first import or plan; readers (road graph and access points, which the planning's travel times
share) get the :class:`RoutingSettings` of :func:`greentour.tenant_config.tenant_config`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from greentour.errors import ConfigError

#: sites farther than this (m) from a drivable road are flagged "ohne Zufahrt"
DEFAULT_ACCESS_MAX_M = 250.0
#: factor on all travel times (1.0: the profiles' speeds as they are)
DEFAULT_CALIBRATION_FACTOR = 1.0
ROUTING_KEYS = ("access_max_distance_m", "calibration_factor")


def _table(config: dict[str, Any] | None, source: str | Path) -> dict[str, Any]:
    table = (config or {}).get("routing") or {}
    if not isinstance(table, dict):
        raise ConfigError(source, "routing", "muss eine Tabelle sein")
    return table


def _calibration_factor(config: dict[str, Any] | None, source: str | Path) -> float:
    """``[routing] calibration_factor`` of a tenant config dict (0.2-5, default 1.0)."""
    value = _table(config, source).get("calibration_factor", DEFAULT_CALIBRATION_FACTOR)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.2 <= value <= 5:
        raise ConfigError(source, "routing.calibration_factor",
                          f"muss eine Zahl zwischen 0,2 und 5 sein, nicht {value!r}")
    return float(value)


def _access_max_distance_m(config: dict[str, Any] | None, source: str | Path) -> float:
    """``[routing] access_max_distance_m`` (m) of a tenant config dict (> 0, default 250)."""
    value = _table(config, source).get("access_max_distance_m", DEFAULT_ACCESS_MAX_M)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(source, "routing.access_max_distance_m",
                          f"muss eine positive Zahl (Meter) sein, nicht {value!r}")
    return float(value)


@dataclass(frozen=True)
class RoutingSettings:
    """The checked ``[routing]`` table."""

    calibration_factor: float = DEFAULT_CALIBRATION_FACTOR
    """Factor on all travel times (0.2-5)."""
    access_max_distance_m: float = DEFAULT_ACCESS_MAX_M
    """Sites farther than this (m) from a drivable road are flagged "ohne Zufahrt"."""


def routing_settings(config: dict[str, Any] | None, source: str | Path) -> RoutingSettings:
    """The ``[routing]`` table of a tenant config dict; unknown keys and bad values are refused
    with :class:`ConfigError` naming the key."""
    unknown = sorted(set(_table(config, source)) - set(ROUTING_KEYS))
    if unknown:
        raise ConfigError(source, f"routing.{unknown[0]}",
                          f"unbekannter Schlüssel (erlaubt: {', '.join(ROUTING_KEYS)})")
    return RoutingSettings(calibration_factor=_calibration_factor(config, source),
                           access_max_distance_m=_access_max_distance_m(config, source))
