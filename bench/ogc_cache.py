"""OGC API: time per request and layer builds with the per-plan-version layer cache (#14).

Builds the GIS test sample (tests/gis_sample.py: real Lauf OSM sites, a published plan with two
tours) in a throw-away SQLite file, then sends ``--requests`` GETs (collections, site items,
stop items in turn, HTTP Basic as QGIS does) through the Flask test client and prints the mean
time per request and how many times the live layers were built (1 with the cache; before #14
every request rebuilt them). Run from the repository: ``python bench/ogc_cache.py``.
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PBF = ROOT.parent / "shared" / "data" / "osm" / "lauf-an-der-pegnitz_2020-01-15.osm.pbf"
URLS = (
    "/ogc/lauf/collections",
    "/ogc/lauf/collections/site_areas/items?limit=100",
    "/ogc/lauf/collections/stops/items",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pbf", type=Path, default=DEFAULT_PBF)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="greentour-ogc-cache-"))
    os.environ["GREENTOUR_INSTANCE_DIR"] = str(folder / "instance")
    sys.path.insert(0, str(ROOT / "tests"))
    from gis_sample import build_sample

    from greentour.gis.export import layer_cache
    from web import create_app

    sample = build_sample(folder / "gis.sqlite", args.pbf)
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "GREENTOUR_AUTO_MIGRATE": False,
                      "GREENTOUR_DATABASE_URL": sample.db_url})
    client = app.test_client()
    auth = {"Authorization": "Basic " + base64.b64encode(b"gis:geheim-123").decode()}
    before = layer_cache.builds
    start = time.perf_counter()
    for i in range(args.requests):
        assert client.get(URLS[i % len(URLS)], headers=auth).status_code == 200
    mean_ms = (time.perf_counter() - start) / args.requests * 1000
    print(f"{args.requests} OGC requests: {mean_ms:.1f} ms per request (in-process, incl. the "
          f"first build); layer builds: {layer_cache.builds - before}")


if __name__ == "__main__":
    main()
