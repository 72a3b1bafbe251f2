"""Legal speeds, vehicle profiles, closures and per-profile travel times."""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import pytest

from routing.cache import cached_graph, file_sha256, graph_cache_key
from routing.profiles import ProfileError, edge_allowed, load_profiles, parse_measure
from routing.speeds import (
    add_travel_times,
    legal_speed_kph,
    parse_maxspeed_kph,
    travel_time_attr,
)


@pytest.mark.parametrize(
    ("value", "kph"),
    [
        ("50", 50.0),
        ("30 mph", 30 * 1.609344),
        ("DE:urban", 50.0),
        ("DE:rural", 100.0),
        ("DE:zone30", 30.0),
        ("none", 130.0),
        ("walk", 7.0),
        ("50;30", 30.0),
        ("signals", None),
        ("variable", None),
        (None, None),
    ],
)
def test_parse_maxspeed(value: str | None, kph: float | None) -> None:
    """maxspeed values, German implicit limits, mph and lists parse to km/h."""
    result = parse_maxspeed_kph(value)
    assert result == (pytest.approx(kph) if kph is not None else None)


def test_legal_speed_prefers_tag_then_zone_then_class() -> None:
    """maxspeed beats an implicit zone tag, which beats the highway-class default."""
    assert legal_speed_kph({"highway": "primary", "maxspeed": "30"}) == 30.0
    assert legal_speed_kph({"highway": "primary", "maxspeed:type": "DE:urban"}) == 50.0
    assert legal_speed_kph({"highway": "primary"}) == 70.0
    assert legal_speed_kph({"highway": "living_street"}) == 7.0
    assert legal_speed_kph({"highway": "residential", "maxspeed": "variable"}) == 40.0


def test_profiles_load_with_caps(vehicle_profiles) -> None:
    """Tractors are capped at 25/40 km/h, the trailer at 80; slow profiles avoid motorways."""
    assert vehicle_profiles["tractor_25"].max_speed_kph == 25
    assert vehicle_profiles["tractor_40"].max_speed_kph == 40
    assert vehicle_profiles["van_trailer"].max_speed_kph == 80
    assert not vehicle_profiles["mower_carrier"].motorway_allowed
    assert vehicle_profiles["van"].motorway_allowed


def test_profile_file_errors_are_precise(tmp_path: Path) -> None:
    """A profile without a field or with a negative speed is refused with its name."""
    bad = tmp_path / "p.toml"
    bad.write_text('[profiles.slow]\nlabel_de = "x"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="profile 'slow': missing 'label_en'"):
        load_profiles(bad)
    good = Path(__file__).resolve().parents[2] / "data" / "vehicle_profiles.toml"
    text = good.read_text(encoding="utf-8").replace("max_speed_kph = 25", "max_speed_kph = -25")
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError, match="tractor_25.*max_speed_kph must be > 0"):
        load_profiles(bad)
    with pytest.raises(ProfileError, match="not found"):
        load_profiles(tmp_path / "missing.toml")


def test_closures(vehicle_profiles) -> None:
    """Motorways, motorroads, agricultural-only roads and weight limits close the right profiles."""
    van, tractor, truck = (vehicle_profiles[p] for p in ("van", "tractor_25", "flatbed_truck"))
    assert edge_allowed(van, {"highway": "motorway"})
    assert not edge_allowed(tractor, {"highway": "motorway"})
    assert not edge_allowed(tractor, {"highway": ["primary", "motorway_link"]})
    assert not edge_allowed(tractor, {"highway": "trunk", "motorroad": "yes"})
    assert edge_allowed(tractor, {"highway": "trunk"})
    assert not edge_allowed(van, {"highway": "service", "motor_vehicle": "agricultural"})
    assert not edge_allowed(tractor, {"highway": "service", "motor_vehicle": "agricultural"})
    farm = tractor.__class__(**{**tractor.__dict__, "extra_access": frozenset({"agricultural"})})
    assert edge_allowed(farm, {"highway": "service", "motor_vehicle": "agricultural;forestry"})
    assert edge_allowed(van, {"highway": "residential", "motor_vehicle": "destination"})
    assert not edge_allowed(truck, {"highway": "residential", "maxweight": "3.5"})
    assert edge_allowed(van, {"highway": "residential", "maxweight": "3.5"})
    assert not edge_allowed(truck, {"highway": "residential", "maxheight": "3.0"})


def test_parse_measure() -> None:
    """maxweight/maxheight values in t, kg, m and feet parse to t or m."""
    assert parse_measure("7.5") == 7.5
    assert parse_measure("3500 kg") == 3.5
    assert parse_measure("3,8 m") == pytest.approx(3.8)
    assert parse_measure("12'6\"") == pytest.approx(3.81)
    assert parse_measure("default") is None


def test_tractor_never_faster_than_van(heidelberg_graph: nx.MultiDiGraph) -> None:
    """On every edge the tractor needs at least as long as the van (inf where closed)."""
    assert any(not math.isfinite(d[travel_time_attr("van")])
               for _, _, d in heidelberg_graph.edges(data=True))
    slow, fast = travel_time_attr("tractor_25"), travel_time_attr("van")
    for _, _, d in heidelberg_graph.edges(data=True):
        assert d[slow] >= d[fast]


def test_travel_time_follows_capped_speed(lauf_graph: nx.MultiDiGraph, vehicle_profiles) -> None:
    """Travel time is the sum of segment length / min(legal speed, cap), plus junction penalty."""
    tractor = vehicle_profiles["tractor_25"]
    checked = 0
    for _, v, d in lauf_graph.edges(data=True):
        if not math.isfinite(d[travel_time_attr("tractor_25")]):
            continue
        expected = sum(m / (min(s, 25.0) / 3.6) for m, s in d["speed_segments"])
        if lauf_graph.nodes[v]["street_count"] >= 3:
            expected += tractor.junction_penalty_s
        assert d[travel_time_attr("tractor_25")] == pytest.approx(expected)
        checked += 1
    assert checked > 3000


def test_motorways_closed_to_slow_profiles(heidelberg_graph: nx.MultiDiGraph) -> None:
    """Heidelberg's motorway edges are inf for tractors and mower carriers, finite for the van."""
    motorway = [d for _, _, d in heidelberg_graph.edges(data=True)
                if "motorway" in str(d["highway"])]
    assert len(motorway) >= 20
    for d in motorway:
        assert math.isfinite(d[travel_time_attr("van")])
        assert d[travel_time_attr("tractor_40")] == math.inf
        assert d[travel_time_attr("mower_carrier")] == math.inf


def test_calibration_factor_scales_times(lauf_graph: nx.MultiDiGraph, vehicle_profiles) -> None:
    """A tenant calibration of 1.2 makes every travel time exactly 20 % longer."""
    G = lauf_graph.copy()
    add_travel_times(G, [vehicle_profiles["van"]], calibration_factor=1.2)
    attr = travel_time_attr("van")
    for u, v, k, d in G.edges(keys=True, data=True):
        assert d[attr] == pytest.approx(1.2 * lauf_graph.edges[u, v, k][attr])
    with pytest.raises(ValueError, match="calibration factor"):
        add_travel_times(G, [vehicle_profiles["van"]], calibration_factor=0)


def test_graph_cache_hits_on_same_file(lauf_pbf: Path, tmp_path: Path, vehicle_profiles) -> None:
    """The same file and profiles load the cached graph; other profiles get another key."""
    profiles = [vehicle_profiles["van"]]
    first = cached_graph(lauf_pbf, tmp_path, profiles)
    second = cached_graph(lauf_pbf, tmp_path, profiles)
    assert not first.graph["cache_hit"] and second.graph["cache_hit"]
    assert second.number_of_edges() == first.number_of_edges()
    assert len(list(tmp_path.glob("graph-*.pickle"))) == 1
    sha = file_sha256(lauf_pbf)
    assert graph_cache_key(sha, profiles) == first.graph["cache_key"]
    assert graph_cache_key(sha, [vehicle_profiles["tractor_25"]]) != first.graph["cache_key"]
    assert graph_cache_key(sha, profiles, calibration_factor=1.1) != first.graph["cache_key"]
