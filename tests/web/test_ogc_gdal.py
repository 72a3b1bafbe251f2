"""Real GIS clients against the OGC API: Debian's ``ogrinfo`` and pyogrio's GDAL (OAPIF driver)
read from a greentour server running in a separate process (waitress on a free loopback port;
a server thread inside the reading process would hang GDAL)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pyogrio
import pytest

from greentour.gis.access import make_gis_token
from greentour.store import make_engine

SECRET = "gdal-test-secret"
REPO_ROOT = Path(__file__).resolve().parents[2]
USERPWD = "gis:geheim-123"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(gis_sample, tmp_path_factory):
    """``web.create_app`` served by waitress on the sample database; yields its base URL."""
    port = _free_port()
    instance = tmp_path_factory.mktemp("ogc-instance")
    env = {**os.environ, "GREENTOUR_DATABASE_URL": gis_sample.db_url,
           "GREENTOUR_INSTANCE_DIR": str(instance), "GREENTOUR_SECRET_KEY": SECRET}
    log = open(instance / "server.log", "wb")  # noqa: SIM115 - closed at teardown
    # the app factory with the blueprints under test (auth + gis), served by waitress
    launcher = (
        "import sys, waitress, web; "
        "app = web.create_app({'GREENTOUR_BLUEPRINTS': ['web.auth', 'web.gis']}); "
        "waitress.serve(app, host='127.0.0.1', port=int(sys.argv[1]), threads=4)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", launcher, str(port)], cwd=str(REPO_ROOT),
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/ogc/offen/conformance", timeout=2).read()
            break
        except (urllib.error.URLError, ConnectionError):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                log.close()
                pytest.fail("server did not start:\n"
                            + (instance / "server.log").read_text(errors="replace"))
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="module")
def token(gis_sample):
    engine = make_engine(gis_sample.db_url)
    value = make_gis_token(engine, "lauf", "gis")
    engine.dispose()
    return value


def _ogrinfo(*args: str) -> str:
    exe = shutil.which("ogrinfo")
    assert exe, "ogrinfo (Debian gdal-bin) is not installed"
    done = subprocess.run([exe, "-ro", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_ogrinfo_lists_collections(server):
    """ogrinfo lists all six collections of a tenant with their geometry types."""
    out = _ogrinfo("-oo", f"USERPWD={USERPWD}", f"OAPIF:{server}/ogc/lauf/")
    for name, gtype in [("site_areas", "Multi Polygon"), ("site_lines", "Multi Line String"),
                        ("site_points", "Point"), ("tours", "Line String"), ("stops", "Point"),
                        ("unassigned", "Point")]:
        assert any(line.split(": ", 1)[-1].startswith(f"{name} ")
                   and line.endswith(f"({gtype})") for line in out.splitlines()), out


def test_ogrinfo_counts_features_over_pages(server, gis_sample):
    """ogrinfo with a small page size reads every site area and stop (several pages each)."""
    out = _ogrinfo("-oo", f"USERPWD={USERPWD}", "-oo", "PAGE_SIZE=7", "-al", "-so",
                   f"OAPIF:{server}/ogc/lauf/", "site_areas", "stops")
    counts = [int(line.split(":")[1]) for line in out.splitlines()
              if line.startswith("Feature Count")]
    assert counts == [len(gis_sample.site_ids["site_areas"]), len(gis_sample.stop_ids)]
    full = _ogrinfo("-oo", f"USERPWD={USERPWD}", "-oo", "PAGE_SIZE=7", "-q",
                    f"OAPIF:{server}/ogc/lauf/", "site_areas")
    assert full.count("OGRFeature(site_areas)") == len(gis_sample.site_ids["site_areas"])


def test_gdal_paging_returns_every_feature_once(server, gis_sample, token):
    """GDAL (pyogrio) paging 5 at a time with the token as Bearer gets each id exactly once."""
    pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": "BEARER", "GDAL_HTTP_BEARER": token})
    try:
        frame = pyogrio.read_dataframe(f"OAPIF:{server}/ogc/lauf/", layer="site_areas",
                                       fid_as_index=True, PAGE_SIZE=5)
        stops = pyogrio.read_dataframe(f"OAPIF:{server}/ogc/lauf/", layer="stops",
                                       PAGE_SIZE=3)
    finally:
        pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": None, "GDAL_HTTP_BEARER": None})
    assert sorted(frame["site_id"]) == gis_sample.site_ids["site_areas"]
    assert frame["site_id"].is_unique and frame.crs.to_string() == "OGC:CRS84"
    assert frame.geom_type.unique().tolist() == ["MultiPolygon"]
    assert len(stops) == len(gis_sample.stop_ids)
    assert set(stops["crew"]) == {"Kolonne 1", "Kolonne 2"}


def test_gdal_without_credentials_is_refused(server):
    """GDAL cannot open a non-public tenant without credentials; the public one opens."""
    with pytest.raises(pyogrio.errors.DataSourceError):
        pyogrio.read_info(f"OAPIF:{server}/ogc/lauf/", layer="tours")
    info = pyogrio.read_info(f"OAPIF:{server}/ogc/offen/", layer="site_areas")
    assert info["geometry_type"] == "MultiPolygon"


def test_http_clamps_limit_and_refuses_unknown_parameter(server, token):
    """Over real HTTP, limit=100000 is clamped to the maximum and foo=1 gets 400."""
    import json

    headers = {"X-Greentour-Token": token}
    req = urllib.request.Request(f"{server}/ogc/lauf/collections/site_areas/items?limit=100000",
                                 headers=headers)
    with urllib.request.urlopen(req, timeout=10) as resp:
        doc = json.load(resp)
        assert resp.headers["Content-Type"] == "application/geo+json"
    assert doc["numberReturned"] == doc["numberMatched"] <= 1000
    bad = urllib.request.Request(f"{server}/ogc/lauf/collections/site_areas/items?foo=1",
                                 headers=headers)
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(bad, timeout=10)
    assert err.value.code == 400
