"""Durable jobs: long work (imports, forecasts, plans) queued in the ``job`` table.

* :func:`enqueue` stores a job (status ``queued``) for a tenant; web requests and CLI commands
  call it and return at once.
* Handlers are plain functions ``handler(ctx: JobContext) -> dict | None``; the product's are
  listed by name in :data:`greentour.commands.handlers.HANDLERS` (kind -> function), which the
  worker gets from its caller (``greentour worker``)::

      def plan_job(ctx: JobContext) -> dict:
          ctx.progress(10, "Matrix wird berechnet")
          with ctx.session() as s, s.begin():   # tenant session of the job's tenant
              ...
          return {"plan_id": 7}                 # stored as result_json

  :data:`KINDS` names the kinds :func:`enqueue` accepts (a test checks that HANDLERS has
  exactly these).
* :func:`run_worker` (``greentour worker``) claims queued jobs one at a time: the claim is an
  ``UPDATE job SET status='running' WHERE id=? AND status='queued'`` (and no other job of the
  town running); only the worker whose update hit the row runs it, so two workers never run the
  same job. While a handler runs, a heartbeat thread refreshes ``heartbeat_at``.
* Fairness between towns: at most one running job per town (also a partial unique index), and
  the next job goes to the town whose last job started longest ago (round robin), so one town's
  queue cannot delay another town's plan. :func:`enqueue` merges a job into an identical queued
  job of the same town (same kind and parameters) and returns the existing id.
* Supervision: a worker that dies leaves its job ``running`` with a heartbeat that stops. Every
  worker looks for such jobs at start-up and every few seconds while it runs
  (:func:`recover_orphaned_jobs`): a job whose heartbeat is older than ``stale_after_s`` is
  re-queued automatically (up to :data:`MAX_ATTEMPTS` attempts, then failed with a message);
  ``greentour serve`` restarts a dead worker and re-queues its jobs at once. A worker started
  with ``supervise_children`` makes every process it forks (the solver's portfolio and day
  processes) die with it (Linux ``PR_SET_PDEATHSIG``), and ``serve`` runs it in its own process
  group and kills that group, so no solver process outlives its worker.
  :func:`requeue_job` (``greentour worker --requeue-failed ID``) queues a failed job again.

Job rows are tenant-owned. The worker is infrastructure and works on the job table through Core
statements on its own connections; handlers get tenant sessions. Every write of the worker (claim,
progress, heartbeat, finish) takes SQLite's write lock first
(:func:`greentour.store.write_connection`), so it waits for a handler's write transaction instead
of failing, and never leaves a stale snapshot that would break it.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import logging
import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, exists, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from greentour.errors import BadInput, Conflict, GreentourError, NotFound
from greentour.store import begin_write, tenant_session, write_connection
from greentour.store.base import utcnow
from greentour.store.models import Job

log = logging.getLogger(__name__)

JobHandler = Callable[["JobContext"], dict[str, Any] | None]
Handlers = Mapping[str, JobHandler]

#: The job kinds of the product (handlers: greentour.commands.handlers.HANDLERS).
KINDS: frozenset[str] = frozenset(
    {"forecast", "import-cadastre", "import-osm", "plan", "tenant_export"}
)

#: A running job whose heartbeat is older than this is considered orphaned.
STALE_AFTER_S = 30.0

#: A job orphaned this many times (its worker died during each attempt) is failed, not re-queued.
MAX_ATTEMPTS = 3

_job_table = Job.__table__

#: PostgreSQL advisory lock keys (claims one at a time; enqueue of one town one at a time).
_CLAIM_LOCK = 0x6A6F6273
_ENQUEUE_LOCK = 0x6A6F6265


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


def enqueue(
    engine: Engine, tenant_id: int, kind: str, params: dict[str, Any] | None = None,
    kinds: Collection[str] = KINDS,
) -> int:
    """Queue a job for ``tenant_id``; returns its id. Kinds outside ``kinds`` are refused."""
    if kind not in kinds:
        known = ", ".join(sorted(kinds)) or "keine"
        raise BadInput(f"Auftragsart „{kind}“ unbekannt (bekannt: {known})")
    wanted = dict(params or {})
    with tenant_session(engine, tenant_id) as s, s.begin():
        begin_write(s)  # two identical clicks at once: check and insert serialised (SQLite)
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(:k, :t)"),
                      {"k": _ENQUEUE_LOCK, "t": tenant_id})
        queued = s.scalars(
            select(Job).where(Job.status == "queued", Job.kind == kind).order_by(Job.id)
        ).all()
        for job in queued:
            if dict(job.params_json or {}) == wanted:
                return job.id  # the same work is already waiting: merge
        job = Job(kind=kind, params_json=wanted, status="queued")
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
    worker_id: str | None = None


def claim_next(engine: Engine, worker_id: str) -> ClaimedJob | None:
    """Atomically take the next queued job for this worker; None if none may run now.

    Towns with a running job are skipped (one running job per town); among the others the town
    whose last job started longest ago goes first, then the oldest job of that town.
    """
    while True:
        with write_connection(engine) as conn:
            if conn.dialect.name == "postgresql":
                # claims are short: one at a time, so "no other job of the town running" holds
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CLAIM_LOCK})
            job_id = _pick_next(conn)
            if job_id is None:
                return None
            now = utcnow()
            busy = _job_table.alias("busy")
            try:
                hit = conn.execute(
                    update(_job_table)
                    .where(
                        _job_table.c.id == job_id,
                        _job_table.c.status == "queued",
                        ~exists().where(
                            busy.c.tenant_id == _job_table.c.tenant_id,
                            busy.c.status == "running",
                        ),
                    )
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
            except IntegrityError:  # the town got a running job meanwhile (unique index)
                hit = 0
            if hit != 1:
                continue  # another worker was faster; look again
            claimed = conn.execute(
                select(_job_table.c.tenant_id, _job_table.c.kind, _job_table.c.params_json).where(
                    _job_table.c.id == job_id
                )
            ).one()
        return ClaimedJob(job_id, claimed.tenant_id, claimed.kind,
                          dict(claimed.params_json or {}), worker_id)


def _pick_next(conn: Connection) -> int | None:
    """The id of the job to claim next (fair between towns), or None."""
    jobs = _job_table
    running = {
        r.tenant_id
        for r in conn.execute(select(jobs.c.tenant_id).where(jobs.c.status == "running"))
    }
    oldest_queued = conn.execute(
        select(jobs.c.tenant_id, func.min(jobs.c.id).label("first_id"))
        .where(jobs.c.status == "queued")
        .group_by(jobs.c.tenant_id)
    ).all()
    candidates = [r for r in oldest_queued if r.tenant_id not in running]
    if not candidates:
        return None
    last_start = dict(
        conn.execute(
            select(jobs.c.tenant_id, func.max(jobs.c.started_at))
            .where(jobs.c.tenant_id.in_([r.tenant_id for r in candidates]))
            .group_by(jobs.c.tenant_id)
        ).all()
    )
    never = dt.datetime.min
    best = min(candidates, key=lambda r: (last_start.get(r.tenant_id) or never, r.first_id))
    return int(best.first_id)


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


def run_job(engine: Engine, job: ClaimedJob, handlers: Handlers,
            heartbeat_s: float = 5.0) -> str:
    """Run one claimed job to its end with its handler in ``handlers``; returns the final status
    (``done`` or ``failed``)."""
    handler = handlers.get(job.kind)
    if handler is None:
        _finish(engine, job.id, "failed", f"Keine Verarbeitung für Auftragsart „{job.kind}“")
        return "failed"
    ctx = JobContext(engine, job.id, job.tenant_id, job.kind, dict(job.params))
    ctx_worker = job.worker_id
    beat = _Heartbeat(engine, job.id, heartbeat_s)
    beat.start()
    try:
        result = handler(ctx)
    except GreentourError as exc:
        _finish(engine, job.id, "failed", exc.message, worker_id=ctx_worker)
        return "failed"
    except Exception as exc:  # noqa: BLE001 - record every failure on the job
        log.error("job %s (%s) crashed:\n%s", job.id, job.kind, traceback.format_exc())
        _finish(engine, job.id, "failed", f"Interner Fehler: {type(exc).__name__}: {exc}",
                worker_id=ctx_worker)
        return "failed"
    finally:
        beat.stopped.set()
        beat.join()
    message = ctx.messages[-1] if ctx.messages else "fertig"
    _finish(engine, job.id, "done", message, result or {}, worker_id=ctx_worker)
    return "done"


def _finish(
    engine: Engine,
    job_id: int,
    status: str,
    message: str,
    result: dict[str, Any] | None = None,
    worker_id: str | None = None,
) -> None:
    """Store the end of a job; with ``worker_id`` only while this worker still owns it (a job
    re-queued after a missed heartbeat and claimed by another worker is not overwritten)."""
    values: dict[str, Any] = {"status": status, "message": message, "finished_at": utcnow()}
    if status == "done":
        values["progress"] = 100
        values["result_json"] = result or {}
    with write_connection(engine) as conn:
        stmt = update(_job_table).where(_job_table.c.id == job_id)
        if worker_id is not None:
            stmt = stmt.where(_job_table.c.worker_id == worker_id,
                              _job_table.c.status == "running")
        conn.execute(stmt.values(**values))


@dataclass(frozen=True)
class Recovered:
    """What :func:`recover_orphaned_jobs` did: ids re-queued and ids failed for good."""

    requeued: list[int]
    failed: list[int]


def recover_orphaned_jobs(
    engine: Engine,
    stale_after_s: float = STALE_AFTER_S,
    *,
    dead_worker_id: str | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> Recovered:
    """Re-queue ``running`` jobs whose worker stopped beating (or failed after ``max_attempts``).

    A job is orphaned when its heartbeat is older than ``stale_after_s`` or, with
    ``dead_worker_id``, when that worker (known dead: ``greentour serve`` saw it exit) owns it.
    """
    cutoff = utcnow() - dt.timedelta(seconds=stale_after_s)
    requeued: list[int] = []
    failed: list[int] = []
    with write_connection(engine) as conn:
        rows = conn.execute(
            select(
                _job_table.c.id, _job_table.c.heartbeat_at, _job_table.c.worker_id,
                _job_table.c.attempts,
            ).where(_job_table.c.status == "running")
        ).all()
        for r in rows:
            stale = r.heartbeat_at is None or r.heartbeat_at < cutoff
            if not (stale or (dead_worker_id and r.worker_id == dead_worker_id)):
                continue
            seen = r.heartbeat_at.isoformat(timespec="seconds") if r.heartbeat_at else "nie"
            lost = (f"Worker {r.worker_id or '?'} lief nicht mehr (letztes Lebenszeichen "
                    f"{seen} UTC)")
            if r.attempts < max_attempts:
                values: dict[str, Any] = {
                    "status": "queued", "progress": 0, "started_at": None,
                    "heartbeat_at": None, "worker_id": None, "finished_at": None,
                    "message": f"{lost}; automatisch erneut eingereiht "
                               f"(Versuch {r.attempts + 1} von {max_attempts})",
                }
                requeued.append(r.id)
            else:
                values = {
                    "status": "failed", "finished_at": utcnow(),
                    "message": f"Abgebrochen: {lost}, {r.attempts} Versuche. Neu starten mit "
                               f"„greentour worker --requeue-failed {r.id}“.",
                }
                failed.append(r.id)
            conn.execute(
                update(_job_table)
                .where(_job_table.c.id == r.id, _job_table.c.status == "running")
                .values(**values)
            )
    return Recovered(requeued, failed)


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

    def remove_for(self, pid: int) -> None:
        """Remove the files of worker ``pid`` (a supervisor after that worker died)."""
        if self._pid() == pid:
            self.pid_file.unlink(missing_ok=True)
            self.heartbeat_file.unlink(missing_ok=True)

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


def die_with_this_process() -> None:
    """Make every process forked from now on get SIGKILL when this process dies (Linux).

    The solver forks its portfolio and day processes (``multiprocessing`` "fork"); a worker killed
    with SIGKILL would leave them running (300 MB each, and they ignore SIGTERM). With
    ``PR_SET_PDEATHSIG`` set in each child right after the fork the kernel kills them with their
    parent. Registered once per process; a no-op where ``prctl`` is missing.
    """
    global _DEATH_SIGNAL_REGISTERED
    if _DEATH_SIGNAL_REGISTERED:
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return

    def _in_child() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    os.register_at_fork(after_in_child=_in_child)
    _DEATH_SIGNAL_REGISTERED = True


_PR_SET_PDEATHSIG = 1
_DEATH_SIGNAL_REGISTERED = False


def run_worker(
    engine: Engine,
    handlers: Handlers,
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
    supervise_children: bool = False,
) -> int:
    """The worker loop over the jobs of ``handlers``' kinds; returns the number of jobs run.

    At start-up and then every ``stale_s / 2`` seconds between jobs, running jobs without a
    heartbeat for ``stale_s`` (``stale_after_s``, at least three heartbeat intervals) are
    re-queued (:func:`recover_orphaned_jobs`). ``once``: run the queued jobs and return when the
    queue is empty; ``max_jobs``: stop after that many; ``stop``: an event that ends the loop
    (tests, signal handlers); ``supervise_children``: forked processes die with this one
    (:func:`die_with_this_process`; the CLI worker sets it).
    """
    worker_id = worker_id or default_worker_id()
    if supervise_children:
        die_with_this_process()
    if files:
        files.write_pid()
    done = 0
    stale_s = max(stale_after_s, 3 * heartbeat_s)
    next_check = 0.0
    try:
        while not (stop and stop.is_set()):
            if files:
                files.beat()
            if time.monotonic() >= next_check:
                _recover(engine, stale_s, echo)
                next_check = time.monotonic() + stale_s / 2
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
            status = run_job(engine, job, handlers, heartbeat_s=heartbeat_s)
            if echo:
                echo(f"Auftrag #{job.id} ({job.kind}): {status}")
            done += 1
            if max_jobs is not None and done >= max_jobs:
                break
    finally:
        if files:
            files.remove()
    return done


def _recover(engine: Engine, stale_s: float, echo: Callable[[str], None] | None) -> None:
    try:
        found = recover_orphaned_jobs(engine, stale_after_s=stale_s)
    except Exception as exc:  # noqa: BLE001 - a busy database must not stop the worker
        log.warning("looking for orphaned jobs failed: %s", exc)
        return
    if echo and found.requeued:
        echo("Verwaiste Aufträge erneut eingereiht: "
             + ", ".join(f"#{i}" for i in found.requeued))
    if echo and found.failed:
        echo("Verwaiste Aufträge nach zu vielen Versuchen fehlgeschlagen: "
             + ", ".join(f"#{i}" for i in found.failed))
