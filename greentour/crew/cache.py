"""Short-lived in-process caches of the crews' tour documents and of checked device tokens.

Fifty tablets re-checking their tours would otherwise rebuild the same document (about twenty
queries) and look up their token (one scoped ORM query, more than half of a request's time) over
and over. A cached value is used while

* it is younger than its cache's ``ttl_s`` (the upper bound for a change that no stamp reports,
  e.g. written on another host), and
* no transaction of *this* process has committed changes for the tenant since it was built
  (a crew's report, a planner's edit or a revoked token takes effect at once), and
* no other process *on this host* has done so: a commit that changed tenant rows also writes the
  tenant's stamp in a memory-mapped file per database (:class:`HostStamps`, in the temp
  directory), and a cached value is only used while the stamp is the one seen when it was
  built. Several server worker processes (gunicorn ``--workers 2``) and the background worker
  therefore see each other's changes at once, at the cost of one memory read per lookup.

The commit rule uses SQLAlchemy session events: a tenant session that flushed rows or ran an ORM
UPDATE/DELETE bumps the tenant's version when it commits.
"""

from __future__ import annotations

import functools
import hashlib
import mmap
import os
import random
import struct
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.orm import ORMExecuteState, Session

from greentour.settings import get_settings
from greentour.store.tenancy import session_tenant_id

#: Tour documents: a change no stamp reports reaches the tablets within this time (s): one
#: written on another host, or by a process that never imported this module (the background
#: worker writing a finished plan). Changes of the web processes are seen at once (stamps).
TTL_S = 30.0
#: Entries live between (1 - JITTER) * ttl and ttl, so that documents built together (fifty
#: tablets starting work) are not all rebuilt in the same second.
JITTER = 0.25
#: Checked device tokens: a revocation no stamp reports is refused within this time (s).
TOKEN_TTL_S = 5.0
MAX_ENTRIES = 2048
_DIRTY_KEY = "greentour_crew_cache_dirty"


@functools.lru_cache(maxsize=64)
def _render_url(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def store_key(session: Session) -> str:
    """Which database a session reads (several apps, i.e. stores, may share a process)."""
    return _render_url(session.get_bind().url)


class HostStamps:
    """Per (database, tenant) a stamp that changes whenever the tenant's rows change.

    The stamps of one database live in a small memory-mapped file shared by all processes of
    this host through the temp directory (``GREENTOUR_CACHE_STAMPS`` overrides the folder):
    reading one is a memory read (no system call, the GIL is kept), writing one stores the
    current time in ns. Tenants share :data:`SLOTS` slots (tenant id modulo), so a collision
    only costs an extra rebuild. Without a usable file every stamp reads 0 and the caches fall
    back to their TTL.
    """

    SLOTS = 4096

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or Path(
            get_settings().cache_stamps
            or Path(tempfile.gettempdir()) / f"greentour-cache-{getattr(os, 'getuid', str)()}"
        )
        self._maps: dict[str, mmap.mmap | None] = {}
        self._lock = threading.Lock()

    def path(self, store: str) -> Path:
        digest = hashlib.sha256(store.encode("utf-8")).hexdigest()[:16]
        return self.folder / f"{digest}.stamps"

    def _map(self, store: str) -> mmap.mmap | None:
        mapped = self._maps.get(store, False)
        if mapped is not False:
            return mapped
        with self._lock:
            if store not in self._maps:
                self._maps[store] = self._open(store)
            return self._maps[store]

    def _open(self, store: str) -> mmap.mmap | None:
        size = self.SLOTS * 8
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path(store), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                if os.fstat(fd).st_size < size:
                    os.ftruncate(fd, size)  # zero-filled; every process truncates to this size
                return mmap.mmap(fd, size)
            finally:
                os.close(fd)
        except OSError:
            return None

    def read(self, store: str, tenant_id: int) -> int:
        """The tenant's stamp (0: never changed, or no stamp file)."""
        mapped = self._map(store)
        if mapped is None:
            return 0
        return struct.unpack_from("<q", mapped, (tenant_id % self.SLOTS) * 8)[0]

    def touch(self, store: str, tenant_id: int) -> None:
        """Mark the tenant changed for every process of this host."""
        mapped = self._map(store)
        if mapped is None:
            return
        offset = (tenant_id % self.SLOTS) * 8
        before = struct.unpack_from("<q", mapped, offset)[0]
        struct.pack_into("<q", mapped, offset, max(time.time_ns(), before + 1))


host_stamps = HostStamps()


@dataclass(frozen=True)
class CachedValue:
    """A cached value with the tenant version and host stamp it was built at, and its expiry."""

    value: Any
    version: int
    stamp: int
    expires_at: float


class TenantVersionedCache:
    """LRU cache whose entries expire after ``ttl_s`` or when their tenant's data changes.

    Keys start with the store (:func:`store_key`) when the host stamp should be checked.
    """

    def __init__(
        self,
        ttl_s: float = TTL_S,
        max_entries: int = MAX_ENTRIES,
        stamps: HostStamps | None = None,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.stamps = stamps
        self._entries: OrderedDict[tuple[Any, ...], CachedValue] = OrderedDict()
        self._versions: dict[int, int] = {}
        self._lock = threading.Lock()
        #: How many values were built (misses), for tests and benchmarks.
        self.builds = 0

    def version(self, tenant_id: int) -> int:
        return self._versions.get(tenant_id, 0)

    def bump(self, tenant_id: int) -> None:
        """The tenant's data changed: every cached entry of the tenant is stale."""
        with self._lock:
            self._versions[tenant_id] = self._versions.get(tenant_id, 0) + 1

    def _stamp(self, tenant_id: int, key: tuple[Any, ...]) -> int:
        if self.stamps is None or not key or not isinstance(key[0], str):
            return 0
        return self.stamps.read(key[0], tenant_id)

    def get_or_build(self, tenant_id: int, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        """The cached value for ``key`` if still valid, else ``build()`` (stored)."""
        full_key = (tenant_id, *key)
        now = time.monotonic()
        version = self.version(tenant_id)
        stamp = self._stamp(tenant_id, key)
        with self._lock:
            hit = self._entries.get(full_key)
            if (
                hit is not None
                and hit.version == version
                and hit.stamp == stamp
                and now < hit.expires_at
            ):
                self._entries.move_to_end(full_key)
                return hit.value
        value = build()
        with self._lock:
            self.builds += 1
            lifetime_s = self.ttl_s * (1.0 - JITTER * random.random())
            self._entries[full_key] = CachedValue(value, version, stamp, now + lifetime_s)
            self._entries.move_to_end(full_key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


#: The process-wide cache of tour documents (and the tenants' time zones).
tour_cache = TenantVersionedCache(stamps=host_stamps)
#: The process-wide cache of checked device tokens (never of refusals).
token_cache = TenantVersionedCache(ttl_s=TOKEN_TTL_S, stamps=host_stamps)


@event.listens_for(Session, "after_flush")
def _mark_dirty(session: Session, _flush_context: Any) -> None:
    if session_tenant_id(session) is not None and (session.new or session.dirty or session.deleted):
        session.info[_DIRTY_KEY] = True


@event.listens_for(Session, "do_orm_execute")
def _mark_bulk_dirty(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and session_tenant_id(state.session) is not None:
        state.session.info[_DIRTY_KEY] = True


@event.listens_for(Session, "after_commit")
def _bump_on_commit(session: Session) -> None:
    if session.info.pop(_DIRTY_KEY, False):
        tenant_id = session_tenant_id(session)
        tour_cache.bump(tenant_id)
        token_cache.bump(tenant_id)
        try:
            store = store_key(session)
        except Exception:  # noqa: BLE001 - a session without a bind has no store to stamp
            return
        host_stamps.touch(store, tenant_id)
