"""Durable jobs: queued jobs run through the worker; crashed workers' jobs fail and can re-run."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from sqlalchemy import Engine, text

from greentour.errors import BadInput, Conflict, DataImportError
from greentour.jobs import (
    JobContext,
    WorkerFiles,
    claim_next,
    enqueue,
    fail_orphaned_jobs,
    get_job,
    register_job,
    requeue_job,
    run_worker,
)
from greentour.store import tenant_session
from greentour.store.models import Job

PROGRESS_SEEN: list[int] = []


@register_job("test_sum")
def _sum_job(ctx: JobContext) -> dict[str, Any]:
    numbers = ctx.params["numbers"]
    total = 0
    for i, n in enumerate(numbers, start=1):
        total += n
        ctx.progress(100 * i / len(numbers) - 1, f"{i} von {len(numbers)} addiert")
        with ctx.session() as s:
            PROGRESS_SEEN.append(s.get(Job, ctx.job_id).progress)  # type: ignore[union-attr]
    return {"total": total}


@register_job("test_bad_input")
def _bad_job(ctx: JobContext) -> None:
    ctx.progress(30, "lese Datei")
    raise DataImportError("Zeile 7: Datum „31.02.2026“ gibt es nicht")


def test_job_runs_through_worker_and_stores_progress_and_result(engine: Engine, tenant) -> None:
    """A queued job is run by the worker; progress, message and result are stored."""
    PROGRESS_SEEN.clear()
    job_id = enqueue(engine, tenant.id, "test_sum", {"numbers": [1, 2, 3, 4]})
    assert get_job(engine, tenant.id, job_id).status == "queued"
    assert run_worker(engine, once=True, poll_s=0.01) == 1
    job = get_job(engine, tenant.id, job_id)
    assert job.status == "done"
    assert job.progress == 100
    assert job.result_json == {"total": 10}
    assert job.message == "4 von 4 addiert"
    assert PROGRESS_SEEN == [24, 49, 74, 99]
    assert job.started_at is not None and job.finished_at is not None
    assert job.attempts == 1


def test_failing_job_is_marked_failed_with_planner_message(engine: Engine, tenant) -> None:
    """A handler raising a GreentourError leaves the job failed with that message."""
    job_id = enqueue(engine, tenant.id, "test_bad_input")
    run_worker(engine, once=True, poll_s=0.01)
    job = get_job(engine, tenant.id, job_id)
    assert job.status == "failed"
    assert job.message == "Zeile 7: Datum „31.02.2026“ gibt es nicht"
    assert job.progress == 30


def test_job_left_running_is_failed_at_startup_and_can_be_requeued(engine: Engine, tenant) -> None:
    """A job left running by a dead worker is failed at worker start; requeued it runs again."""
    job_id = enqueue(engine, tenant.id, "test_sum", {"numbers": [5]})
    claimed = claim_next(engine, "host:99999")
    assert claimed is not None and claimed.id == job_id
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).replace(tzinfo=None)
    with engine.begin() as conn:  # the dead worker's last heartbeat was ten minutes ago
        conn.execute(
            text("UPDATE job SET heartbeat_at = :t WHERE id = :i"), {"t": old, "i": job_id}
        )
    assert run_worker(engine, once=True, poll_s=0.01) == 0
    job = get_job(engine, tenant.id, job_id)
    assert job.status == "failed"
    assert "host:99999" in job.message and f"--requeue-failed {job_id}" in job.message
    requeue_job(engine, job_id)
    assert get_job(engine, tenant.id, job_id).status == "queued"
    assert run_worker(engine, once=True, poll_s=0.01) == 1
    job = get_job(engine, tenant.id, job_id)
    assert job.status == "done" and job.result_json == {"total": 5} and job.attempts == 2


def test_running_job_with_fresh_heartbeat_is_left_alone(engine: Engine, tenant) -> None:
    """A running job of a live worker (recent heartbeat) is not failed by another worker."""
    enqueue(engine, tenant.id, "test_sum", {"numbers": [1]})
    claimed = claim_next(engine, "other-live-worker")
    assert claimed is not None
    assert fail_orphaned_jobs(engine, stale_after_s=30) == []


def test_requeue_only_failed_jobs(engine: Engine, tenant) -> None:
    """Re-queueing a job that did not fail is refused."""
    job_id = enqueue(engine, tenant.id, "test_sum", {"numbers": [1]})
    with pytest.raises(Conflict, match="nur fehlgeschlagene"):
        requeue_job(engine, job_id)


def test_claim_is_exclusive(engine: Engine, tenant) -> None:
    """Concurrent workers never claim the same job."""
    ids = [enqueue(engine, tenant.id, "test_sum", {"numbers": [i]}) for i in range(6)]
    claimed: list[int] = []
    lock = threading.Lock()

    def grab(worker: str) -> None:
        while (job := claim_next(engine, worker)) is not None:
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=grab, args=(f"w{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == ids


def test_unknown_kind_refused_and_jobs_are_tenant_scoped(engine: Engine, make_tenant) -> None:
    """Unknown job kinds are refused; another tenant cannot see a job."""
    a, b = make_tenant("a"), make_tenant("b")
    with pytest.raises(BadInput, match="unbekannt"):
        enqueue(engine, a.id, "no_such_kind")
    job_id = enqueue(engine, a.id, "test_sum", {"numbers": [1]})
    with tenant_session(engine, b.id) as s:
        assert s.get(Job, job_id) is None


def test_worker_files_detect_live_worker(tmp_path) -> None:
    """The pid/heartbeat files report this live process and nothing once removed."""
    files = WorkerFiles(tmp_path)
    assert files.running_pid() is None
    files.write_pid()
    import os

    assert files.running_pid() == os.getpid()
    files.remove()
    assert files.running_pid() is None


def test_tenant_export_job(engine: Engine, tenant, tmp_path) -> None:
    """The built-in tenant_export job writes the tenant's rows to a JSON file."""
    import json

    out = tmp_path / "export.json"
    job_id = enqueue(engine, tenant.id, "tenant_export", {"path": str(out)})
    run_worker(engine, once=True, poll_s=0.01)
    job = get_job(engine, tenant.id, job_id)
    assert job.status == "done", job.message
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["tenant"]["slug"] == tenant.slug
    assert job.result_json["rows"] == sum(len(v) for v in data["tables"].values())


def test_killed_worker_process_leaves_job_failed_and_rerunnable(
    engine: Engine, tenant, db_url: str, tmp_path, monkeypatch
) -> None:
    """A real ``greentour worker`` killed (SIGKILL) mid-job: the next worker marks the job failed;
    re-queued it runs to the end."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    here = Path(__file__).resolve().parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("GREENTOUR_")}
    env.update(
        GREENTOUR_DATABASE_URL=db_url,
        GREENTOUR_INSTANCE_DIR=str(tmp_path / "instance"),
        GREENTOUR_JOB_MODULES="jobs_for_tests",
        GREENTOUR_WORKER_HEARTBEAT_S="0.2",
        GREENTOUR_WORKER_POLL_S="0.1",
        PYTHONPATH=os.pathsep.join([str(here), env.get("PYTHONPATH", "")]),
    )
    job_id = _enqueue_unchecked(engine, tenant.id, "test_sleep", {"seconds": 60})
    proc = subprocess.Popen(
        [sys.executable, "-m", "greentour.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job = get_job(engine, tenant.id, job_id)
            if job.status == "running" and job.progress >= 2:
                break
            time.sleep(0.1)
        assert job.status == "running", proc.stderr.read().decode() if proc.poll() else job
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert get_job(engine, tenant.id, job_id).status == "running"  # left behind by the crash
    time.sleep(1.0)
    monkeypatch.setenv("GREENTOUR_JOB_MODULES", "")
    run_worker(engine, once=True, poll_s=0.01, heartbeat_s=0.2, stale_after_s=0.5)
    job = get_job(engine, tenant.id, job_id)
    assert job.status == "failed" and "lief nicht mehr" in job.message
    # re-run it in this process (same handler, shorter)
    import jobs_for_tests  # noqa: F401  (tests/greentour is on sys.path; registers test_sleep)

    with engine.begin() as conn:
        conn.execute(
            text("UPDATE job SET params_json = :p WHERE id = :i"),
            {"p": '{"seconds": 0.3}', "i": job_id},
        )
    requeue_job(engine, job_id)
    run_worker(engine, once=True, poll_s=0.01)
    job = get_job(engine, tenant.id, job_id)
    assert job.status == "done" and job.result_json == {"steps": 3} and job.attempts == 2


def _enqueue_unchecked(engine: Engine, tenant_id: int, kind: str, params: dict[str, Any]) -> int:
    """Enqueue a job whose handler only the worker subprocess knows (insert via the ORM)."""
    with tenant_session(engine, tenant_id) as s, s.begin():
        job = Job(kind=kind, params_json=params)
        s.add(job)
        s.flush()
        return job.id


def test_progress_waits_for_a_write_transaction_instead_of_failing(engine: Engine, tenant) -> None:
    """Progress and heartbeat writes wait while a handler holds the write lock, then are stored."""
    from greentour.jobs import _update
    from greentour.store import write_session

    job_id = enqueue(engine, tenant.id, "test_sum", {"numbers": [1]})
    holding = threading.Event()

    def writer() -> None:
        with write_session(engine, tenant.id) as s:
            s.get(Job, job_id)
            holding.set()
            threading.Event().wait(0.3)  # the progress write below waits for this commit

    thread = threading.Thread(target=writer)
    thread.start()
    holding.wait(5)
    ctx = JobContext(engine, job_id, tenant.id, "test_sum", {})
    ctx.progress(42, "halb")
    _update(engine, job_id, heartbeat_at=dt.datetime.now(dt.UTC))
    thread.join(5)
    job = get_job(engine, tenant.id, job_id)
    assert (job.progress, job.message) == (42, "halb")
