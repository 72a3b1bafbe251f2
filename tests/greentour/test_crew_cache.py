"""The tour document cache: per-tenant invalidation on commit, expiry after the TTL."""

from __future__ import annotations

from crew_sample import build_crew_sample

from greentour.crew import tokens
from greentour.crew.cache import TenantVersionedCache, tour_cache
from greentour.crew.tour import device_tour_document
from greentour.store.models import Task
from greentour.store.tenancy import tenant_session


def test_entries_expire_after_ttl_and_on_their_tenants_bump():
    """A bump of tenant 1 rebuilds tenant 1's entry but keeps tenant 2's; TTL 0 always rebuilds."""
    cache = TenantVersionedCache(ttl_s=60)
    builds = []

    def build(name):
        return lambda: builds.append(name) or name

    cache.get_or_build(1, ("a",), build("t1"))
    cache.get_or_build(2, ("a",), build("t2"))
    cache.get_or_build(1, ("a",), build("t1"))
    assert builds == ["t1", "t2"]
    cache.bump(1)
    cache.get_or_build(1, ("a",), build("t1"))
    cache.get_or_build(2, ("a",), build("t2"))
    assert builds == ["t1", "t2", "t1"]
    expired = TenantVersionedCache(ttl_s=0)
    expired.get_or_build(1, ("a",), build("x"))
    expired.get_or_build(1, ("a",), build("x"))
    assert builds[-2:] == ["x", "x"]


def test_committed_change_of_the_tenant_refreshes_the_cached_tour(engine):
    """A task note committed through any tenant session shows in the next tour document."""
    sample = build_crew_sample(engine)
    tenant_id = sample.tenant_ids["lauf"]
    with tenant_session(engine, tenant_id) as session:
        device = tokens.authenticate(session, sample.tokens["a1"])
        before = device_tour_document(session, device, sample.day)
        again = device_tour_document(session, device, sample.day)
    assert again is before  # served from the cache
    version = tour_cache.version(tenant_id)
    with tenant_session(engine, tenant_id) as session, session.begin():
        session.get(Task, sample.task_ids["a1"][2]).notes = "Vorsicht: Wespennest"
    assert tour_cache.version(tenant_id) == version + 1
    with tenant_session(engine, tenant_id) as session:
        device = tokens.authenticate(session, sample.tokens["a1"])
        after = device_tour_document(session, device, sample.day)
    assert after.etag != before.etag
    assert "Wespennest" in after.body.decode("utf-8")
