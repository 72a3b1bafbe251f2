"""The road-network side of routing's public API: OSM file → drivable graph with travel times
per vehicle profile → access points of sites → fastest-path matrices and road legs.

It needs osmnx, so it is a module of its own: ``import routing`` (the planning side) does not
pay for loading it. The application imports these names (``__all__``) only, never the modules
behind them. See docs/routing-graph.md.
"""

from routing._osm_reader import OsmFileError, check_osm_path, read_drivable_ways
from routing.access import SiteAccess, snap_sites
from routing.cache import cached_graph, save_matrix
from routing.graph import NoRoadsError, is_drive_service
from routing.matrix import EdgePoint, Router, reverse_edge_key
from routing.profiles import VehicleProfile, load_profiles

__all__ = [
    "EdgePoint", "NoRoadsError", "OsmFileError", "Router", "SiteAccess", "VehicleProfile",
    "cached_graph", "check_osm_path", "is_drive_service", "load_profiles", "read_drivable_ways",
    "reverse_edge_key", "save_matrix", "snap_sites",
]
