"""Site inventory: OSM candidates and cadastre imports (see docs/inventory.md).

:mod:`greentour.inventory.network` owns the town's OSM file, vehicle profiles and the one
road-graph cache that the import, the planner and the site labels share.
"""
