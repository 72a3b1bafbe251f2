"""A short-lived in-process cache of the crews' tour documents (serialised JSON + ETag).

Fifty tablets re-checking their tours would otherwise rebuild the same document (about twenty
queries) over and over. A cached document is used while

* it is younger than ``TTL_S`` seconds (changes written by *another* process, e.g. the worker
  publishing a re-plan, reach the tablets within that time), and
* no transaction of *this* process has committed changes for the tenant since it was built
  (a crew's report or a planner's edit in the web process shows at once).

The second rule uses SQLAlchemy session events: a tenant session that flushed rows or ran an ORM
UPDATE/DELETE bumps the tenant's version when it commits. Authentication is never cached: a
revoked token is refused at once.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from greentour.store.tenancy import session_tenant_id

TTL_S = 10.0
MAX_ENTRIES = 2048
_DIRTY_KEY = "greentour_crew_cache_dirty"


@dataclass(frozen=True)
class CachedValue:
    """A cached value with the tenant version and the time it was built for."""

    value: Any
    version: int
    built_at: float


class TenantVersionedCache:
    """LRU cache whose entries expire after ``ttl_s`` or when their tenant's data changes."""

    def __init__(self, ttl_s: float = TTL_S, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[Any, ...], CachedValue] = OrderedDict()
        self._versions: dict[int, int] = {}
        self._lock = threading.Lock()

    def version(self, tenant_id: int) -> int:
        return self._versions.get(tenant_id, 0)

    def bump(self, tenant_id: int) -> None:
        """The tenant's data changed: every cached entry of the tenant is stale."""
        with self._lock:
            self._versions[tenant_id] = self._versions.get(tenant_id, 0) + 1

    def get_or_build(self, tenant_id: int, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        """The cached value for ``key`` if still valid, else ``build()`` (stored)."""
        full_key = (tenant_id, *key)
        now = time.monotonic()
        version = self.version(tenant_id)
        with self._lock:
            hit = self._entries.get(full_key)
            if hit is not None and hit.version == version and now - hit.built_at < self.ttl_s:
                self._entries.move_to_end(full_key)
                return hit.value
        value = build()
        with self._lock:
            self._entries[full_key] = CachedValue(value, version, now)
            self._entries.move_to_end(full_key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


#: The process-wide cache of tour documents.
tour_cache = TenantVersionedCache()


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
        tour_cache.bump(session_tenant_id(session))

