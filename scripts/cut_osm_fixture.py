"""Cut a small OSM extract (complete ways) from a larger file with pyosmium.

    python scripts/cut_osm_fixture.py SRC DST LON_MIN LAT_MIN LON_MAX LAT_MAX

Keeps every node inside the box, every way with at least one node inside (with all its nodes, so
no way is clipped) and no relations. Used once to write
tests/greentour/town/fixtures/heidelberg-weststadt_2024-09-08.osm.pbf (see the README beside it).
"""

from __future__ import annotations

import sys

import osmium


def cut(src: str, dst: str, box: tuple[float, float, float, float]) -> tuple[int, int]:
    """Write the extract; returns (nodes, ways) written."""
    lon_min, lat_min, lon_max, lat_max = box
    inside: set[int] = set()
    for obj in osmium.FileProcessor(src, osmium.osm.NODE):
        if lon_min <= obj.location.lon <= lon_max and lat_min <= obj.location.lat <= lat_max:
            inside.add(obj.id)
    ways: set[int] = set()
    needed: set[int] = set(inside)
    for obj in osmium.FileProcessor(src, osmium.osm.WAY):
        refs = [n.ref for n in obj.nodes]
        if any(r in inside for r in refs):
            ways.add(obj.id)
            needed.update(refs)
    writer = osmium.SimpleWriter(dst)
    n_nodes = n_ways = 0
    try:
        for obj in osmium.FileProcessor(src, osmium.osm.NODE | osmium.osm.WAY):
            if obj.is_node() and obj.id in needed:
                writer.add_node(obj)
                n_nodes += 1
            elif obj.is_way() and obj.id in ways:
                writer.add_way(obj)
                n_ways += 1
    finally:
        writer.close()
    return n_nodes, n_ways


if __name__ == "__main__":
    src, dst, *coords = sys.argv[1:]
    a, b, c, d = (float(x) for x in coords)
    print(cut(src, dst, (a, b, c, d)))
