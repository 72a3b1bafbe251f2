"""The tour document cache: per-tenant invalidation on commit, expiry after the TTL."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import pytest
from crew_sample import build_crew_sample

from greentour.crew import tokens
from greentour.crew.cache import HostStamps, TenantVersionedCache, token_cache, tour_cache
from greentour.crew.tour import device_tour_document
from greentour.errors import Unauthorized
from greentour.store.base import utcnow
from greentour.store.models import DeviceToken, Task
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


# --------------------------------------------------------------------------- token checks
_OTHER_PROCESS = """
import sys
import greentour.crew.cache  # a second web worker: the crew API has loaded the cache hooks
from greentour.store.db import make_engine
from greentour.store.models import DeviceToken, Task
from greentour.store.tenancy import tenant_session
url, tenant_id, what, row_id = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
engine = make_engine(url)
with tenant_session(engine, tenant_id) as session, session.begin():
    if what == "revoke":
        session.get(DeviceToken, row_id).revoked = True
    else:
        session.get(Task, row_id).notes = what
engine.dispose()
"""


def _in_other_process(engine, tenant_id: int, what: str, row_id: int) -> None:
    """Commit a change through a tenant session of a separate Python process (a 2nd worker)."""
    url = engine.url.render_as_string(hide_password=False)
    subprocess.run(
        [sys.executable, "-c", _OTHER_PROCESS, url, str(tenant_id), what, str(row_id)],
        check=True,
        cwd=Path(__file__).resolve().parents[3],
        timeout=120,
    )


def test_token_check_is_cached_and_a_revocation_in_another_process_counts_at_once(engine):
    """A checked token is remembered, but revoked by another process it is refused next time."""
    sample = build_crew_sample(engine)
    tenant_id = sample.tenant_ids["lauf"]
    with tenant_session(engine, tenant_id) as session:
        first = tokens.authenticate_cached(session, sample.tokens["a1"])
        again = tokens.authenticate_cached(session, sample.tokens["a1"])
    assert again is first  # no query: the cached identity
    assert first.crew_template_id is not None and first.tenant_id == tenant_id
    _in_other_process(engine, tenant_id, "revoke", sample.token_ids["a1"])
    with tenant_session(engine, tenant_id) as session, pytest.raises(Unauthorized):
        tokens.authenticate_cached(session, sample.tokens["a1"])


def test_tour_changed_by_another_process_is_rebuilt_at_once(engine):
    """A task note committed by another process shows in the next tour document (host stamp)."""
    sample = build_crew_sample(engine)
    tenant_id = sample.tenant_ids["lauf"]
    with tenant_session(engine, tenant_id) as session:
        device = tokens.authenticate_cached(session, sample.tokens["a1"])
        before = device_tour_document(session, device, sample.day)
        assert device_tour_document(session, device, sample.day) is before
    _in_other_process(engine, tenant_id, "Vorsicht: Bienenstock", sample.task_ids["a1"][2])
    with tenant_session(engine, tenant_id) as session:
        after = device_tour_document(session, device, sample.day)
    assert after.etag != before.etag
    assert "Bienenstock" in after.body.decode("utf-8")


def test_revocation_no_stamp_reports_is_refused_within_the_token_ttl(engine, monkeypatch):
    """A revocation written past the stamps (another host) is refused once the TTL has passed."""
    sample = build_crew_sample(engine)
    tenant_id = sample.tenant_ids["lauf"]
    monkeypatch.setattr(token_cache, "ttl_s", 2.0)
    with tenant_session(engine, tenant_id) as session:
        tokens.authenticate_cached(session, sample.tokens["a1"])
    with engine.begin() as connection:  # infrastructure path: no ORM event, no stamp
        connection.exec_driver_sql(
            "UPDATE device_token SET revoked = 1 WHERE id = ?", (sample.token_ids["a1"],)
        )
    with tenant_session(engine, tenant_id) as session:
        still = tokens.authenticate_cached(session, sample.tokens["a1"])
    assert still.id == sample.token_ids["a1"]  # inside the bound the cached check holds
    time.sleep(2.05)
    with tenant_session(engine, tenant_id) as session, pytest.raises(Unauthorized):
        tokens.authenticate_cached(session, sample.tokens["a1"])


def test_cached_token_still_expires_on_time(engine):
    """An expired token is refused even while its check is cached."""
    sample = build_crew_sample(engine)
    tenant_id = sample.tenant_ids["lauf"]
    with tenant_session(engine, tenant_id) as session, session.begin():
        issued = tokens.issue_token(
            session, tenant_id, crew_template_id=session.get(DeviceToken, sample.token_ids["a1"])
            .crew_template_id, valid_days=1,
        )
    with tenant_session(engine, tenant_id) as session:
        tokens.authenticate_cached(session, issued.token)
        later = utcnow() + dt.timedelta(days=2)
        with pytest.raises(Unauthorized, match="abgelaufen"):
            tokens.authenticate_cached(session, issued.token, now=later)


def test_host_stamps_are_shared_through_the_file(tmp_path):
    """A stamp written by one HostStamps (process) is read by another; unknown tenants read 0."""
    writer, reader = HostStamps(tmp_path), HostStamps(tmp_path)
    assert reader.read("sqlite:///x", 7) == 0
    writer.touch("sqlite:///x", 7)
    first = reader.read("sqlite:///x", 7)
    writer.touch("sqlite:///x", 7)
    assert first > 0 and reader.read("sqlite:///x", 7) > first
    assert reader.read("sqlite:///y", 7) == 0
