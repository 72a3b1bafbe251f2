"""Site inventory: OSM candidates and cadastre imports (see docs/inventory.md)."""
