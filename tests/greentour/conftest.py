"""Fixtures of the spine's tests shared across packages: a throwaway PostgreSQL cluster.

``pg_url`` starts a fresh cluster per test module (tests/pg_cluster.py) and migrates it to head;
``pg`` is an engine on it, emptied after each test; ``pg_app`` the web app on it. Without a local
PostgreSQL the tests skip; CI sets GREENTOUR_REQUIRE_POSTGRES=1 and a skip fails there
(tests/postgres_required.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from pg_cluster import ClusterUnavailable, ThrowawayCluster
from sqlalchemy import Engine, text

from greentour.store import make_engine, upgrade
from web import create_app


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL cluster (tests/pg_cluster.py), migrated to head; removed after."""
    try:
        cluster = ThrowawayCluster().start()
    except ClusterUnavailable as exc:
        pytest.skip(str(exc))
    try:
        upgrade(cluster.url)
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture
def pg(pg_url: str) -> Iterator[Engine]:
    """An engine on the module's cluster; every tenant and user is removed after the test."""
    engine = make_engine(pg_url)
    yield engine
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE tenant, app_user RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def pg_app(pg: Engine, pg_url: str, tmp_path, monkeypatch) -> Iterator[Flask]:  # noqa: ANN001
    """The web app on the module's PostgreSQL cluster (no auto-migration: ``pg_url`` did it)."""
    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("GREENTOUR_DATABASE_URL", pg_url)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "GREENTOUR_DATABASE_URL": pg_url,
            "GREENTOUR_AUTO_MIGRATE": False,
        }
    )
    yield app
    app.extensions["greentour_engine"].dispose()
