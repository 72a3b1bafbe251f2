"""Legal speeds (German defaults), barrier rules and per-profile travel times.

Speeds are the *legal* limit of a way (``maxspeed`` tag, implicit ``DE:*`` limits) or,
where untagged, a German default by highway class. Each vehicle profile caps that speed
(a 25 km/h tractor never goes faster than 25 km/h); a per-tenant calibration factor
scales every travel time (1.15 = crews need 15 % longer than the map says) and a junction
penalty (s) is added when an edge ends at a real junction (``street_count >= 3``).

Travel times are stored on the one shared graph as ``travel_time_s__<profile>`` (s);
edges closed to a profile carry ``math.inf`` there, so the profile never uses them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from routing.profiles import VehicleProfile, edge_allowed

#: Default speed (km/h) by ``highway`` class where no ``maxspeed`` is tagged. German
#: rules: motorways have no general limit (130 is the advisory speed, 120 a realistic
#: mean); rural roads 100, urban 50; residential streets are often 30-zones, so 40 is
#: a middle; living streets are walking pace (7); service roads and tracks are slow.
HIGHWAY_DEFAULT_KPH: dict[str, float] = {
    "motorway": 120.0,
    "motorway_link": 60.0,
    "trunk": 100.0,
    "trunk_link": 50.0,
    "primary": 70.0,
    "primary_link": 50.0,
    "secondary": 60.0,
    "secondary_link": 40.0,
    "tertiary": 50.0,
    "tertiary_link": 40.0,
    "unclassified": 40.0,
    "residential": 40.0,
    "living_street": 7.0,
    "service": 15.0,
    "road": 30.0,
    "busway": 30.0,
    "track": 15.0,
}
FALLBACK_KPH = 30.0

#: Implicit limits (StVO §3): ``DE:urban`` 50, ``DE:rural`` 100, ``none`` = advisory 130.
IMPLICIT_KPH: dict[str, float] = {
    "de:urban": 50.0,
    "de:rural": 100.0,
    "de:motorway": 130.0,
    "de:trunk": 100.0,
    "de:living_street": 7.0,
    "de:bicycle_road": 30.0,
    "de:zone30": 30.0,
    "de:zone:30": 30.0,
    "de:zone20": 20.0,
    "de:zone:20": 20.0,
    "de:zone10": 10.0,
    "de:zone:10": 10.0,
    "none": 130.0,
    "walk": 7.0,
}
MPH_TO_KPH = 1.609344

_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$")

#: Barrier values that stop a car unless the node's access tags let it pass.
BLOCKING_BARRIERS = frozenset(
    {
        "bollard", "gate", "lift_gate", "swing_gate", "sliding_gate", "block", "chain",
        "jersey_barrier", "kissing_gate", "stile", "turnstile", "full-height_turnstile",
        "cycle_barrier", "motorcycle_barrier", "log", "rope", "planter", "bus_trap",
        "sump_buster", "spikes", "debris", "wedge", "hampshire_gate", "yes",
    }
)
#: Access values that let a (municipal) motor vehicle through a barrier.
PASSABLE_ACCESS = frozenset(
    {"yes", "permissive", "destination", "designated", "delivery", "customers"}
)
#: Node access tags from the most specific to the most general one.
BARRIER_ACCESS_KEYS = ("motorcar", "motor_vehicle", "vehicle", "access")


def parse_maxspeed_kph(value: str | None) -> float | None:
    """Parse an OSM ``maxspeed`` value to km/h; None when it gives no number.

    Handles plain numbers, ``"30 mph"``, ``"DE:urban"`` (50), ``"DE:rural"`` (100),
    ``"DE:zone30"``, ``"none"`` (advisory 130), ``"walk"`` (7) and lists like ``"50;30"``
    (the lowest counts). ``"signals"``/``"variable"`` give None (class default used).
    """
    if value is None:
        return None
    speeds: list[float] = []
    for part in str(value).split(";"):
        part = part.strip()
        low = part.lower()
        if low in IMPLICIT_KPH:
            speeds.append(IMPLICIT_KPH[low])
            continue
        match = _NUMBER.match(low)
        if match:
            number = float(match.group(1))
            if number > 0:
                speeds.append(number * MPH_TO_KPH if match.group(2) == "mph" else number)
    return min(speeds) if speeds else None


def legal_speed_kph(tags: Mapping[str, Any]) -> float:
    """Legal (or default) speed of a way in km/h from its tags.

    ``maxspeed`` wins; else an implicit zone tag (``maxspeed:type``, ``source:maxspeed``,
    ``zone:maxspeed``); else the German default of its ``highway`` class.
    """
    for key in ("maxspeed", "maxspeed:type", "source:maxspeed", "zone:maxspeed"):
        speed = parse_maxspeed_kph(tags.get(key))
        if speed is not None:
            return speed
    highway = tags.get("highway")
    if isinstance(highway, str):
        return HIGHWAY_DEFAULT_KPH.get(highway, FALLBACK_KPH)
    return FALLBACK_KPH


def barrier_blocks(node: Mapping[str, Any]) -> bool:
    """True when a node is a barrier that motor vehicles cannot pass.

    The most specific access tag present decides (``motorcar`` before ``motor_vehicle``
    before ``vehicle`` before ``access``); passage needs yes/permissive/destination/
    designated/delivery/customers. Barriers not in :data:`BLOCKING_BARRIERS` (kerb,
    cattle_grid, toll_booth, height_restrictor, entrance, ...) never block.
    """
    barrier = node.get("barrier")
    if barrier not in BLOCKING_BARRIERS:
        return False
    for key in BARRIER_ACCESS_KEYS:
        value = node.get(key)
        if value is not None:
            return value not in PASSABLE_ACCESS
    return True


def edge_travel_time_s(
    data: Mapping[str, Any], profile: VehicleProfile, calibration_factor: float = 1.0
) -> float:
    """Driving time (s) over an edge for a profile, without junction penalty.

    Each segment runs at ``min(legal speed, profile.max_speed_kph)``; the sum is scaled by
    ``calibration_factor``. Closed edges give ``math.inf``.
    """
    if not edge_allowed(profile, data):
        return math.inf
    segments = data.get("speed_segments") or ((data["length"], FALLBACK_KPH),)
    time_s = 0.0
    for length_m, speed_kph in segments:
        time_s += length_m / (min(speed_kph, profile.max_speed_kph) / 3.6)
    return time_s * calibration_factor


def travel_time_attr(profile: str) -> str:
    """Name of the edge attribute holding a profile's travel time in s."""
    return f"travel_time_s__{profile}"


def add_travel_times(
    G: nx.MultiDiGraph,
    profiles: Iterable[VehicleProfile],
    calibration_factor: float = 1.0,
) -> nx.MultiDiGraph:
    """Add ``travel_time_s__<profile>`` (s) to every edge, in place, and return ``G``.

    Parameters
    ----------
    G
        Graph from :func:`routing.graph.graph_from_file`.
    profiles
        Vehicle profiles (:func:`routing.profiles.load_profiles`).
    calibration_factor
        Per-tenant factor on every travel time (> 0; 1.0 = as computed).

    Notes
    -----
    The junction penalty of a profile is added to edges whose head node has
    ``street_count >= 3``; ``G.graph["travel_profiles"]`` records the parameters so that
    :mod:`routing.matrix` can split an edge at a virtual node without the penalty.
    """
    if not calibration_factor > 0 or not math.isfinite(calibration_factor):
        raise ValueError(f"calibration factor must be a positive number, got {calibration_factor}")
    street_count = nx.get_node_attributes(G, "street_count")
    recorded = G.graph.setdefault("travel_profiles", {})
    for profile in profiles:
        attr = travel_time_attr(profile.name)
        penalty_s = profile.junction_penalty_s * calibration_factor
        for _, v, data in G.edges(data=True):
            time_s = edge_travel_time_s(data, profile, calibration_factor)
            if math.isfinite(time_s) and street_count.get(v, 0) >= 3:
                time_s += penalty_s
            data[attr] = time_s
        recorded[profile.name] = {
            "junction_penalty_s": penalty_s,
            "calibration_factor": calibration_factor,
            "max_speed_kph": profile.max_speed_kph,
        }
    return G


def junction_penalty_s(G: nx.MultiDiGraph, profile: str, node: Any) -> float:
    """Penalty (s) included in the time of edges that end at ``node`` for ``profile``."""
    params = G.graph.get("travel_profiles", {}).get(profile)
    if params is None:
        raise KeyError(f"no travel times for profile {profile!r}; call add_travel_times first")
    return params["junction_penalty_s"] if G.nodes[node].get("street_count", 0) >= 3 else 0.0
