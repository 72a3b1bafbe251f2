"""Drivable graph from the real Lauf and Heidelberg extracts (tests/conftest.py fixtures)."""

from __future__ import annotations

import bz2
import gzip
from pathlib import Path

import networkx as nx
import osmium
import pytest

from routing._osm_reader import OsmFileError
from routing.graph import NoRoadsError, graph_from_file, is_drive_service
from routing.speeds import barrier_blocks

# README of ../shared/data/osm: osmnx 2.1.1, drive_service, simplified, LSCC
LAUF_REF = (1501, 3476)
HEIDELBERG_REF = (8097, 18630)


def _near(value: int, reference: int, tolerance: float = 0.08) -> bool:
    return abs(value - reference) <= tolerance * reference


def test_lauf_builds_despite_clipped_ways(lauf_graph: nx.MultiDiGraph) -> None:
    """The clipped Lauf extract builds; its cut ways are trimmed and counted, not fatal."""
    report = lauf_graph.graph["build_report"]
    assert report["ways_read"] == 1435  # the README's drive_service way count
    assert report["ways_trimmed"] >= 42
    assert lauf_graph.number_of_nodes() > 1000


def test_lauf_counts_near_reference(lauf_graph: nx.MultiDiGraph) -> None:
    """Lauf node and edge counts lie within 8 % of the osmnx reference (1,501 / 3,476)."""
    assert _near(lauf_graph.number_of_nodes(), LAUF_REF[0])
    assert _near(lauf_graph.number_of_edges(), LAUF_REF[1])


def test_heidelberg_counts_near_reference(heidelberg_graph: nx.MultiDiGraph) -> None:
    """Heidelberg counts lie within 8 % of the reference (8,097 / 18,630)."""
    assert heidelberg_graph.graph["build_report"]["ways_read"] == 9496
    assert _near(heidelberg_graph.number_of_nodes(), HEIDELBERG_REF[0])
    assert _near(heidelberg_graph.number_of_edges(), HEIDELBERG_REF[1])


def test_graph_is_strongly_connected(lauf_graph: nx.MultiDiGraph,
                                     heidelberg_graph: nx.MultiDiGraph) -> None:
    """Only the largest strongly connected component is kept: every node reaches every other."""
    assert nx.is_strongly_connected(lauf_graph)
    assert nx.is_strongly_connected(heidelberg_graph)


def test_edges_carry_osmnx_attributes(lauf_graph: nx.MultiDiGraph) -> None:
    """Edges have length (m), osmid, highway and per-segment speeds summing to the length."""
    for _, _, d in lauf_graph.edges(data=True):
        assert d["length"] > 0
        assert "osmid" in d and "highway" in d
        assert sum(seg[0] for seg in d["speed_segments"]) == pytest.approx(d["length"])


def test_blocking_barriers_are_not_in_graph(lauf_graph: nx.MultiDiGraph) -> None:
    """Every barrier node that blocks motor vehicles is cut out of the graph."""
    blocking = lauf_graph.graph["blocking_barriers"]
    assert 389942188 in blocking  # the bollard on residential way 34004699
    assert not any(n in lauf_graph for n in blocking)


@pytest.mark.parametrize(
    ("tags", "blocks"),
    [
        ({"barrier": "bollard"}, True),
        ({"barrier": "bollard", "motor_vehicle": "yes"}, False),
        ({"barrier": "gate"}, True),
        ({"barrier": "gate", "access": "private"}, True),
        ({"barrier": "lift_gate", "access": "destination"}, False),
        ({"barrier": "gate", "access": "no", "motor_vehicle": "permissive"}, False),
        ({"barrier": "gate", "access": "yes", "motorcar": "no"}, True),
        ({"barrier": "kerb"}, False),
        ({"barrier": "cattle_grid"}, False),
        ({"highway": "traffic_signals"}, False),
    ],
)
def test_barrier_rule(tags: dict[str, str], blocks: bool) -> None:
    """Barriers block unless the most specific access tag lets motor vehicles through."""
    assert barrier_blocks(tags) is blocks


@pytest.mark.parametrize(
    ("tags", "kept"),
    [
        ({"highway": "residential"}, True),
        ({"highway": "service"}, True),
        ({"highway": "service", "service": "parking_aisle"}, False),
        ({"highway": "residential", "access": "private"}, False),
        ({"highway": "track"}, False),
        ({"highway": "footway"}, False),
        ({"highway": "unclassified", "motor_vehicle": "no"}, False),
        ({"highway": "pedestrian", "area": "yes"}, False),
        ({"building": "yes"}, False),
    ],
)
def test_drive_service_filter(tags: dict[str, str], kept: bool) -> None:
    """The way filter matches osmnx' drive_service network."""
    assert is_drive_service(tags) is kept


def test_reads_osm_xml_gz(lauf_pbf: Path, lauf_graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    """The same extract as gzipped OSM XML gives the same graph as the PBF."""
    xml = tmp_path / "lauf.osm"
    writer = osmium.SimpleWriter(str(xml))
    for obj in osmium.FileProcessor(str(lauf_pbf)):
        writer.add(obj)
    writer.close()
    gz = tmp_path / "lauf.osm.gz"
    gz.write_bytes(gzip.compress(xml.read_bytes(), compresslevel=1))
    G = graph_from_file(gz)
    assert G.number_of_nodes() == lauf_graph.number_of_nodes()
    assert G.number_of_edges() == lauf_graph.number_of_edges()


def test_truncated_pbf_is_refused(lauf_pbf: Path, tmp_path: Path) -> None:
    """A truncated PBF gives a clear OsmFileError naming the file."""
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(lauf_pbf.read_bytes()[:200_000])
    with pytest.raises(OsmFileError, match="broken.osm.pbf"):
        graph_from_file(broken)


def test_corrupt_pbf_is_refused(tmp_path: Path) -> None:
    """Random bytes with a .pbf suffix are refused as unreadable OSM data."""
    corrupt = tmp_path / "corrupt.osm.pbf"
    corrupt.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(OsmFileError, match="cannot read"):
        graph_from_file(corrupt)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    """An empty file is refused before osmium sees it."""
    empty = tmp_path / "empty.osm.pbf"
    empty.write_bytes(b"")
    with pytest.raises(OsmFileError, match="empty"):
        graph_from_file(empty)


def test_missing_file_and_wrong_suffix_are_refused(tmp_path: Path) -> None:
    """A missing path and a non-OSM suffix give precise messages."""
    with pytest.raises(OsmFileError, match="not found"):
        graph_from_file(tmp_path / "nope.osm.pbf")
    other = tmp_path / "roads.csv"
    other.write_text("a,b\n")
    with pytest.raises(OsmFileError, match="unsupported"):
        graph_from_file(other)


def test_area_without_roads_is_refused(tmp_path: Path) -> None:
    """A (bzip2 XML) OSM file holding only a park and a footpath raises NoRoadsError."""
    xml = tmp_path / "park.osm.bz2"
    xml.write_bytes(bz2.compress(
        b"""<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
 <node id="1" version="1" lat="49.50" lon="11.27"/>
 <node id="2" version="1" lat="49.50" lon="11.28"/>
 <node id="3" version="1" lat="49.51" lon="11.28"/>
 <way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="1"/>
  <tag k="leisure" v="park"/></way>
 <way id="11" version="1"><nd ref="1"/><nd ref="3"/><tag k="highway" v="footway"/></way>
</osm>
"""))
    with pytest.raises(NoRoadsError, match="no drivable roads"):
        graph_from_file(xml)
