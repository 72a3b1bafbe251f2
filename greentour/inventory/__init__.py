"""Site inventory: OSM candidates and cadastre imports (see docs/inventory.md).

``road_graph(session)`` is looked up by :mod:`greentour.planning.travel`: plans then use the
same graph (profiles, calibration factor) as the import.
"""

from greentour.inventory.service import road_graph

__all__ = ["road_graph"]
