"""Vehicle profiles (data/vehicle_profiles.toml) and the rules that close a way to one.

A profile caps speeds and decides which edges it may use: slow vehicles (design speed
<= 60 km/h, §18 StVO) never use motorways, their links or Kraftfahrstraßen
(``motorroad=yes``); access tags are read from the most specific key of the profile to
the most general one; ``maxweight``/``maxheight``/``maxwidth`` close a way where tagged.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The profiles shipped with greentour.
DEFAULT_PROFILES_PATH = Path(__file__).resolve().parent.parent / "data" / "vehicle_profiles.toml"

#: Access values that admit every profile.
OPEN_ACCESS = frozenset({"yes", "permissive", "destination", "designated", "delivery",
                         "customers"})
MOTORWAY_CLASSES = frozenset({"motorway", "motorway_link"})

_REQUIRED = {
    "label_de": str,
    "label_en": str,
    "max_speed_kph": (int, float),
    "motorway_allowed": bool,
    "weight_t": (int, float),
    "height_m": (int, float),
    "width_m": (int, float),
    "access_keys": list,
    "extra_access": list,
    "junction_penalty_s": (int, float),
}
_FIRST_NUMBER = re.compile(r"(\d+(?:[.,]\d+)?)")


class ProfileError(ValueError):
    """The vehicle profile file is missing a field or holds an impossible value."""


@dataclass(frozen=True)
class VehicleProfile:
    """One vehicle class as the router sees it (units in the field names)."""

    name: str
    label_de: str
    label_en: str
    max_speed_kph: float
    motorway_allowed: bool
    weight_t: float
    height_m: float
    width_m: float
    access_keys: tuple[str, ...]
    extra_access: frozenset[str]
    junction_penalty_s: float


def load_profiles(path: str | Path | None = None) -> dict[str, VehicleProfile]:
    """Read and validate vehicle profiles; ``path=None`` loads the shipped file."""
    p = Path(path) if path is not None else DEFAULT_PROFILES_PATH
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ProfileError(f"vehicle profile file not found: {p}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"vehicle profile file {p.name} is not valid TOML: {exc}") from exc
    table = doc.get("profiles")
    if not isinstance(table, dict) or not table:
        raise ProfileError(f"{p.name}: no [profiles.<name>] tables")
    return {name: profile_from_mapping(name, spec) for name, spec in table.items()}


def profile_from_mapping(name: str, spec: Mapping[str, Any]) -> VehicleProfile:
    """Build one profile from its TOML table, with a precise message for each mistake."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ProfileError(f"profile name {name!r}: use lower-case letters, digits and _")
    for key, kind in _REQUIRED.items():
        if key not in spec:
            raise ProfileError(f"profile {name!r}: missing {key!r}")
        if not isinstance(spec[key], kind) or (kind is not bool and isinstance(spec[key], bool)):
            raise ProfileError(f"profile {name!r}: {key!r} has the wrong type")
    for key in ("max_speed_kph", "weight_t", "height_m", "width_m"):
        if not spec[key] > 0:
            raise ProfileError(f"profile {name!r}: {key} must be > 0, got {spec[key]}")
    if spec["junction_penalty_s"] < 0:
        raise ProfileError(f"profile {name!r}: junction_penalty_s must be >= 0")
    if not spec["access_keys"]:
        raise ProfileError(f"profile {name!r}: access_keys must name at least 'access'")
    return VehicleProfile(
        name=name,
        label_de=spec["label_de"],
        label_en=spec["label_en"],
        max_speed_kph=float(spec["max_speed_kph"]),
        motorway_allowed=spec["motorway_allowed"],
        weight_t=float(spec["weight_t"]),
        height_m=float(spec["height_m"]),
        width_m=float(spec["width_m"]),
        access_keys=tuple(spec["access_keys"]),
        extra_access=frozenset(spec["extra_access"]),
        junction_penalty_s=float(spec["junction_penalty_s"]),
    )


def _values(data: Mapping[str, Any], key: str) -> list[str]:
    """Tag values of an edge; merged (simplified) edges may hold a list."""
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value]
    return [str(value)]


def parse_measure(value: str) -> float | None:
    """First number of a ``maxweight``/``maxheight`` value (t or m); None if none.

    Feet/inches (``12'6"``) are converted to m; ``none``/``default`` give None.
    """
    feet = re.fullmatch(r"\s*(\d+)'\s*(?:(\d+)\")?\s*", value)
    if feet:
        return int(feet.group(1)) * 0.3048 + int(feet.group(2) or 0) * 0.0254
    match = _FIRST_NUMBER.search(value)
    if not match:
        return None
    number = float(match.group(1).replace(",", "."))
    if "kg" in value.lower():
        number /= 1000.0
    return number


def _access_allows(profile: VehicleProfile, values: Iterable[str]) -> bool:
    admitted = OPEN_ACCESS | profile.extra_access
    for value in values:
        tokens = {t.strip() for t in re.split(r"[;,]", value)}
        if not tokens & admitted:
            return False
    return True


def edge_allowed(profile: VehicleProfile, data: Mapping[str, Any]) -> bool:
    """True when ``profile`` may drive along an edge with these attributes."""
    if not profile.motorway_allowed:
        if MOTORWAY_CLASSES & set(_values(data, "highway")):
            return False
        if "yes" in _values(data, "motorroad"):
            return False
    for key in profile.access_keys:
        values = _values(data, key)
        if values:
            if not _access_allows(profile, values):
                return False
            break
    for key, limit in (("maxweight", profile.weight_t), ("maxheight", profile.height_m),
                       ("maxwidth", profile.width_m)):
        for value in _values(data, key):
            measure = parse_measure(value)
            if measure is not None and measure < limit:
                return False
    return True
