"""Durable jobs: long work (imports, forecasts, plans) queued in the ``job`` table.

* :func:`enqueue` stores a job (status ``queued``) for a tenant; web requests and CLI commands
  call it and return at once.
* :func:`register_job` registers a handler for a job kind::

      @register_job("plan")
      def run_plan(ctx: JobContext) -> dict:
          ctx.progress(10, "Matrix wird berechnet")
          with ctx.session() as s, s.begin():   # tenant session of the job's tenant
              ...
          return {"plan_id": 7}                 # stored as result_json

  Handlers live in modules of :mod:`greentour.services` (all imported by the worker) or in a
  module listed in :data:`JOB_MODULES`.
* :func:`run_worker` (``greentour worker``) claims queued jobs one at a time: the claim is an
  ``UPDATE job SET status='running' WHERE id=? AND status='queued'``; only the worker whose
  update hit the row runs it, so two workers never run the same job. While a handler runs, a
  heartbeat thread refreshes ``heartbeat_at``.
* A worker that dies leaves its job ``running``; the next worker start marks every running job
  without a recent heartbeat ``failed`` with a message. :func:`requeue_job`
  (``greentour worker --requeue-failed ID``) queues a failed job again.

Job rows are tenant-owned. The worker is infrastructure and works on the job table through Core
statements on its own connections; handlers get tenant sessions. Every write of the worker (claim,
progress, heartbeat, finish) takes SQLite's write lock first
(:func:`greentour.store.write_connection`), so it waits for a handler's write transaction instead
of failing, and never leaves a stale snapshot that would break it.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import os
import pkgutil
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from greentour.errors import BadInput, Conflict, GreentourError, NotFound
from greentour.store import tenant_session, write_connection
from greentour.store.base import utcnow
from greentour.store.models import Job

log = logging.getLogger(__name__)

JobHandler = Callable[["JobContext"], dict[str, Any] | None]
_HANDLERS: dict[str, JobHandler] = {}

#: Extra modules with job handlers outside greentour.services (append one line to add; a
#: deployment may also name modules in GREENTOUR_JOB_MODULES).
JOB_MODULES: list[str] = []

#: A running job whose heartbeat is older than this is considered orphaned at worker start-up.
STALE_AFTER_S = 30.0

_job_table = Job.__table__


def register_job(kind: str) -> Callable[[JobHandler], JobHandler]:
    """Decorator: register ``handler`` for jobs of ``kind`` (one handler per kind)."""

    def decorate(handler: JobHandler) -> JobHandler:
        existing = _HANDLERS.get(kind)
        if existing is not None and existing is not handler:
            qual = f"{existing.__module__}.{existing.__qualname__}"
            if qual != f"{handler.__module__}.{handler.__qualname__}":
                raise ValueError(f"job kind {kind!r} already registered by {qual}")
        _HANDLERS[kind] = handler
        return handler

    return decorate


def registered_kinds() -> list[str]:
    """The job kinds with a handler (after :func:`load_handlers`)."""
    return sorted(_HANDLERS)


def load_handlers() -> dict[str, str]:
    """Import every module of :mod:`greentour.services` and :data:`JOB_MODULES`.

    Returns modules that failed to import with the error (their kinds stay unavailable; the
    worker keeps running the others).
    """
    import greentour.services as services
    from greentour.settings import get_settings

    failed: dict[str, str] = {}
    names = [f"greentour.services.{m.name}" for m in pkgutil.iter_modules(services.__path__)]
    for name in names + JOB_MODULES + get_settings().extra_job_modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - one broken plug-in must not stop the worker
            failed[name] = f"{type(exc).__name__}: {exc}"
            log.warning("job handlers of %s not loaded: %s", name, exc)
    return failed


@dataclass
class JobContext:
    """What a handler gets: its job's parameters, tenant, progress reporting and sessions."""

    engine: Engine
    job_id: int
    tenant_id: int
    kind: str
    params: dict[str, Any]
    messages: list[str] = field(default_factory=list)

    def session(self) -> Session:
        """A new tenant session of the job's tenant."""
        return tenant_session(self.engine, self.tenant_id)

    def progress(self, percent: float, message: str | None = None) -> None:
        """Store progress (0-100) and an optional status line for the planner."""
        values: dict[str, Any] = {
            "progress": max(0, min(100, int(round(percent)))),
            "heartbeat_at": utcnow(),
        }
        if message is not None:
            values["message"] = message
            self.messages.append(message)
        _update(self.engine, self.job_id, **values)


def _update(engine: Engine, job_id: int, **values: Any) -> int:
    with write_connection(engine) as conn:
        result = conn.execute(update(_job_table).where(_job_table.c.id == job_id).values(**values))
        return result.rowcount


def enqueue(engine: Engine, tenant_id: int, kind: str, params: dict[str, Any] | None = None) -> int:
    """Queue a job for ``tenant_id``; returns its id. Unknown kinds are refused.

    The handler registry is loaded on demand, so the web process may enqueue kinds whose
    handlers it never runs itself.
    """
    if kind not in _HANDLERS:
        load_handlers()
    if kind not in _HANDLERS:
        known = ", ".join(registered_kinds()) or "keine"
        raise BadInput(f"Auftragsart „{kind}“ unbekannt (bekannt: {known})")
    with tenant_session(engine, tenant_id) as s, s.begin():
        job = Job(kind=kind, params_json=dict(params or {}), status="queued")
        s.add(job)
        s.flush()
        return job.id


def get_job(engine: Engine, tenant_id: int, job_id: int) -> Job:
    """A job of the tenant; :class:`NotFound` for unknown ids and other tenants' jobs."""
    with tenant_session(engine, tenant_id) as s:
        job = s.get(Job, job_id)
    if job is None:
        raise NotFound(f"Auftrag #{job_id} gibt es nicht")
    return job


@dataclass(frozen=True)
class ClaimedJob:
    """A job this worker has claimed (status ``running``)."""

    id: int
    tenant_id: int
    kind: str
    params: dict[str, Any]


def claim_next(engine: Engine, worker_id: str) -> ClaimedJob | None:
    """Atomically take the oldest queued job (any tenant) for this worker; None if none."""
    while True:
        with write_connection(engine) as conn:
            row = conn.execute(
                select(_job_table.c.id)
                .where(_job_table.c.status == "queued")
                .order_by(_job_table.c.id)
                .limit(1)
            ).first()
            if row is None:
                return None
            now = utcnow()
            hit = conn.execute(
                update(_job_table)
                .where(_job_table.c.id == row.id, _job_table.c.status == "queued")
                .values(
                    status="running",
                    started_at=now,
                    heartbeat_at=now,
                    finished_at=None,
                    worker_id=worker_id,
                    attempts=_job_table.c.attempts + 1,
                    progress=0,
                    message="läuft",
                )
            ).rowcount
            if hit != 1:
                continue  # another worker was faster; try the next one
            claimed = conn.execute(
                select(_job_table.c.tenant_id, _job_table.c.kind, _job_table.c.params_json).where(
                    _job_table.c.id == row.id
                )
            ).one()
        return ClaimedJob(row.id, claimed.tenant_id, claimed.kind, dict(claimed.params_json or {}))


class _Heartbeat(threading.Thread):
    def __init__(self, engine: Engine, job_id: int, interval_s: float) -> None:
        super().__init__(daemon=True, name=f"job-{job_id}-heartbeat")
        self.engine, self.job_id, self.interval_s = engine, job_id, interval_s
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval_s):
            try:
                _update(self.engine, self.job_id, heartbeat_at=utcnow())
            except Exception as exc:  # noqa: BLE001 - a busy database must not kill the job
                log.warning("heartbeat of job %s failed: %s", self.job_id, exc)


def run_job(engine: Engine, job: ClaimedJob, heartbeat_s: float = 5.0) -> str:
    """Run one claimed job to its end; returns the final status (``done`` or ``failed``)."""
    handler = _HANDLERS.get(job.kind)
    if handler is None:
        load_handlers()
        handler = _HANDLERS.get(job.kind)
    if handler is None:
        _finish(engine, job.id, "failed", f"Keine Verarbeitung für Auftragsart „{job.kind}“")
        return "failed"
    ctx = JobContext(engine, job.id, job.tenant_id, job.kind, dict(job.params))
    beat = _Heartbeat(engine, job.id, heartbeat_s)
    beat.start()
    try:
        result = handler(ctx)
    except GreentourError as exc:
        _finish(engine, job.id, "failed", exc.message)
        return "failed"
    except Exception as exc:  # noqa: BLE001 - record every failure on the job
        log.error("job %s (%s) crashed:\n%s", job.id, job.kind, traceback.format_exc())
        _finish(engine, job.id, "failed", f"Interner Fehler: {type(exc).__name__}: {exc}")
        return "failed"
    finally:
        beat.stopped.set()
        beat.join()
    message = ctx.messages[-1] if ctx.messages else "fertig"
    _finish(engine, job.id, "done", message, result or {})
    return "done"


def _finish(
    engine: Engine, job_id: int, status: str, message: str, result: dict[str, Any] | None = None
) -> None:
    values: dict[str, Any] = {"status": status, "message": message, "finished_at": utcnow()}
    if status == "done":
        values["progress"] = 100
        values["result_json"] = result or {}
    _update(engine, job_id, **values)


def fail_orphaned_jobs(engine: Engine, stale_after_s: float = STALE_AFTER_S) -> list[int]:
    """Mark ``running`` jobs without a heartbeat for ``stale_after_s`` as failed; returns ids."""
    cutoff = utcnow() - dt.timedelta(seconds=stale_after_s)
    with write_connection(engine) as conn:
        rows = conn.execute(
            select(_job_table.c.id, _job_table.c.heartbeat_at, _job_table.c.worker_id).where(
                _job_table.c.status == "running"
            )
        ).all()
        orphaned = [r for r in rows if r.heartbeat_at is None or r.heartbeat_at < cutoff]
        for r in orphaned:
            seen = r.heartbeat_at.isoformat(timespec="seconds") if r.heartbeat_at else "nie"
            conn.execute(
                update(_job_table)
                .where(_job_table.c.id == r.id, _job_table.c.status == "running")
                .values(
                    status="failed",
                    finished_at=utcnow(),
                    message=(
                        f"Abgebrochen: Worker {r.worker_id or '?'} lief nicht mehr (letztes "
                        f"Lebenszeichen {seen} UTC). Neu starten mit "
                        f"„greentour worker --requeue-failed {r.id}“."
                    ),
                )
            )
    return [r.id for r in orphaned]


def requeue_job(engine: Engine, job_id: int) -> None:
    """Queue a failed job again (progress, message and result reset)."""
    with write_connection(engine) as conn:
        row = conn.execute(select(_job_table.c.status).where(_job_table.c.id == job_id)).first()
        if row is None:
            raise NotFound(f"Auftrag #{job_id} gibt es nicht")
        if row.status != "failed":
            raise Conflict(
                f"Auftrag #{job_id} ist „{row.status}“; nur fehlgeschlagene Aufträge "
                "können neu gestartet werden"
            )
        conn.execute(
            update(_job_table)
            .where(_job_table.c.id == job_id, _job_table.c.status == "failed")
            .values(
                status="queued",
                progress=0,
                message="erneut eingereiht",
                result_json={},
                started_at=None,
                finished_at=None,
                heartbeat_at=None,
                worker_id=None,
            )
        )


def default_worker_id() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class WorkerFiles:
    """Pid and heartbeat files of the instance's worker (for ``greentour serve``)."""

    instance_dir: Path

    @property
    def pid_file(self) -> Path:
        return self.instance_dir / "worker.pid"

    @property
    def heartbeat_file(self) -> Path:
        return self.instance_dir / "worker.heartbeat"

    def write_pid(self) -> None:
        self.instance_dir.mkdir(parents=True, exist_ok=True)
        self.pid_file.write_text(str(os.getpid()), encoding="utf-8")
        self.beat()

    def beat(self) -> None:
        self.heartbeat_file.write_text(utcnow().isoformat(), encoding="utf-8")

    def remove(self) -> None:
        for path in (self.pid_file, self.heartbeat_file):
            if path.exists() and (path != self.pid_file or self._pid() == os.getpid()):
                path.unlink(missing_ok=True)

    def _pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            return None

    def running_pid(self, stale_after_s: float = STALE_AFTER_S) -> int | None:
        """The pid of a live worker of this instance (pid alive and heartbeat recent), or None."""
        pid = self._pid()
        if pid is None:
            return None
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, PermissionError):
            return None
        try:
            age_s = time.time() - self.heartbeat_file.stat().st_mtime
        except OSError:
            return None
        return pid if age_s <= stale_after_s else None


def run_worker(
    engine: Engine,
    *,
    poll_s: float = 1.0,
    heartbeat_s: float = 5.0,
    once: bool = False,
    max_jobs: int | None = None,
    stale_after_s: float = STALE_AFTER_S,
    files: WorkerFiles | None = None,
    stop: threading.Event | None = None,
    worker_id: str | None = None,
    echo: Callable[[str], None] | None = None,
) -> int:
    """The worker loop; returns the number of jobs run.

    At start-up running jobs without a heartbeat for ``stale_after_s`` (at least three heartbeat
    intervals) are marked failed. ``once``: run the queued jobs and
    return when the queue is empty; ``max_jobs``: stop after that many; ``stop``: an event that
    ends the loop (tests, signal handlers).
    """
    worker_id = worker_id or default_worker_id()
    if files:
        files.write_pid()
    done = 0
    try:
        for module, error in load_handlers().items():
            if echo:
                echo(f"Warnung: {module} nicht geladen ({error})")
        stale_s = max(stale_after_s, 3 * heartbeat_s)
        orphaned = fail_orphaned_jobs(engine, stale_after_s=stale_s)
        if orphaned and echo:
            echo(
                f"{len(orphaned)} verwaiste(r) Auftrag/Aufträge als fehlgeschlagen markiert: "
                + ", ".join(f"#{i}" for i in orphaned)
            )
        while not (stop and stop.is_set()):
            if files:
                files.beat()
            job = claim_next(engine, worker_id)
            if job is None:
                if once:
                    break
                if stop:
                    stop.wait(poll_s)
                else:
                    time.sleep(poll_s)
                continue
            if echo:
                echo(f"Auftrag #{job.id} ({job.kind}) gestartet")
            status = run_job(engine, job, heartbeat_s=heartbeat_s)
            if echo:
                echo(f"Auftrag #{job.id} ({job.kind}): {status}")
            done += 1
            if max_jobs is not None and done >= max_jobs:
                break
    finally:
        if files:
            files.remove()
    return done
