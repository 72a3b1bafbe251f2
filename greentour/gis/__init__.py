"""GIS outputs: GeoJSON, GeoPackage, GPX writers and the OGC API - Features core.

Writers take the plain records of :mod:`greentour.gis.records`; :mod:`greentour.gis.export`
reads a plan from the store and feeds them. See docs/gis.md.
"""
