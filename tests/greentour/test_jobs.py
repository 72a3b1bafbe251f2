"""Durable jobs: queued jobs run through the worker; crashed workers' jobs fail and can re-run."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click
import pytest
from sqlalchemy import Engine, text

from greentour.cli import worker_handlers
from greentour.commands.handlers import HANDLERS
from greentour.errors import BadInput, Conflict, DataImportError
from greentour.jobs import (
    KINDS,
    MAX_ATTEMPTS,
    JobContext,
    WorkerFiles,
    claim_next,
    enqueue,
    get_job,
    recover_orphaned_jobs,
    requeue_job,
    run_job,
    run_worker,
)
from greentour.store import tenant_session
from greentour.store.models import Job
from greentour.supervisor import pid_alive

PROGRESS_SEEN: list[int] = []


def _sum_job(ctx: JobContext) -> dict[str, Any]:
    numbers = ctx.params["numbers"]
    total = 0
    for i, n in enumerate(numbers, start=1):
        total += n
        ctx.progress(100 * i / len(numbers) - 1, f"{i} von {len(numbers)} addiert")
        with ctx.session() as s:
            PROGRESS_SEEN.append(s.get(Job, ctx.job_id).progress)  # type: ignore[union-attr]
    return {"total": total}


def _bad_job(ctx: JobContext) -> None:
    ctx.progress(30, "lese Datei")
    raise DataImportError("Zeile 7: Datum „31.02.2026“ gibt es nicht")


#: The product's handlers and this module's test kinds.
TEST_HANDLERS = {**HANDLERS, "test_sum": _sum_job, "test_bad_input": _bad_job}


def _sum(engine: Engine, tenant_id: int, params: dict[str, Any]) -> int:
    """Queue a ``test_sum`` job."""
    return enqueue(engine, tenant_id, "test_sum", params, kinds=TEST_HANDLERS)


def test_job_runs_through_worker_and_stores_progress_and_result(engine: Engine, tenant) -> None:
    """A queued job is run by the worker; progress, message and result are stored."""
    PROGRESS_SEEN.clear()
    job_id = _sum(engine, tenant.id, {"numbers": [1, 2, 3, 4]})
    assert get_job(engine, tenant.id, job_id).status == "queued"
    assert run_worker(engine, TEST_HANDLERS, once=True, poll_s=0.01) == 1
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
    job_id = enqueue(engine, tenant.id, "test_bad_input", kinds=TEST_HANDLERS)
    run_worker(engine, TEST_HANDLERS, once=True, poll_s=0.01)
    job = get_job(engine, tenant.id, job_id)
    assert job.status == "failed"
    assert job.message == "Zeile 7: Datum „31.02.2026“ gibt es nicht"
    assert job.progress == 30


def test_job_left_running_is_requeued_at_startup_and_completes(engine: Engine, tenant) -> None:
    """A job left running by a dead worker is re-queued by the next worker and runs to its end."""
    job_id = _sum(engine, tenant.id, {"numbers": [5]})
    claimed = claim_next(engine, "host:99999")
    assert claimed is not None and claimed.id == job_id
    _age_heartbeat(engine, job_id, minutes=10)  # the dead worker's last beat: ten minutes ago
    assert run_worker(engine, TEST_HANDLERS, once=True, poll_s=0.01) == 1
    job = get_job(engine, tenant.id, job_id)
    assert job.status == "done" and job.result_json == {"total": 5} and job.attempts == 2


def test_job_orphaned_too_often_fails_and_can_be_requeued_by_hand(engine: Engine, tenant) -> None:
    """After MAX_ATTEMPTS lost workers the job fails with a message; requeued it runs again."""
    job_id = _sum(engine, tenant.id, {"numbers": [5]})
    for attempt in range(1, MAX_ATTEMPTS + 1):
        claimed = claim_next(engine, "host:99999")
        assert claimed is not None and claimed.id == job_id
        _age_heartbeat(engine, job_id, minutes=10)
        found = recover_orphaned_jobs(engine, stale_after_s=30)
        if attempt < MAX_ATTEMPTS:
            assert found.requeued == [job_id]
            assert "automatisch erneut eingereiht" in get_job(engine, tenant.id, job_id).message
    assert found.failed == [job_id]
    job = get_job(engine, tenant.id, job_id)
    assert job.status == "failed"
    assert "host:99999" in job.message and f"--requeue-failed {job_id}" in job.message
    requeue_job(engine, job_id)
    assert run_worker(engine, TEST_HANDLERS, once=True, poll_s=0.01) == 1
    assert get_job(engine, tenant.id, job_id).status == "done"


def _age_heartbeat(engine: Engine, job_id: int, minutes: int) -> None:
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)).replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE job SET heartbeat_at = :t WHERE id = :i"), {"t": old, "i": job_id}
        )


def test_running_job_with_fresh_heartbeat_is_left_alone(engine: Engine, tenant) -> None:
    """A running job of a live worker (recent heartbeat) is not touched by another worker."""
    _sum(engine, tenant.id, {"numbers": [1]})
    claimed = claim_next(engine, "other-live-worker")
    assert claimed is not None
    found = recover_orphaned_jobs(engine, stale_after_s=30)
    assert found.requeued == [] and found.failed == []


def test_late_finish_of_a_requeued_job_does_not_overwrite_the_new_run(
    engine: Engine, tenant
) -> None:
    """A worker that only looked dead (missed heartbeats) cannot mark the re-run job done."""
    from greentour.jobs import _finish

    job_id = _sum(engine, tenant.id, {"numbers": [1]})
    first = claim_next(engine, "slow-worker")
    assert first is not None
    _age_heartbeat(engine, job_id, minutes=10)
    recover_orphaned_jobs(engine, stale_after_s=30)
    second = claim_next(engine, "new-worker")
    assert second is not None and second.id == job_id
    _finish(engine, job_id, "failed", "spät", worker_id="slow-worker")
    job = get_job(engine, tenant.id, job_id)
    assert job.status == "running" and job.worker_id == "new-worker"


def test_requeue_only_failed_jobs(engine: Engine, tenant) -> None:
    """Re-queueing a job that did not fail is refused."""
    job_id = _sum(engine, tenant.id, {"numbers": [1]})
    with pytest.raises(Conflict, match="nur fehlgeschlagene"):
        requeue_job(engine, job_id)


def test_claim_is_exclusive(engine: Engine, make_tenant) -> None:
    """Concurrent workers never claim the same job, and never two jobs of one town at once."""
    towns = [make_tenant(f"stadt-{c}") for c in "abc"]
    ids = [_sum(engine, t.id, {"numbers": [i]}) for t in towns for i in range(2)]
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
    assert sorted(claimed) == ids[0::2]  # the first job of each town; the second waits


def test_one_running_job_per_town_and_round_robin_between_towns(
    engine: Engine, make_tenant
) -> None:
    """Town A's three queued optimisations do not delay town B's plan queued after them."""
    a, b = make_tenant("stadt-a"), make_tenant("stadt-b")
    a_jobs = [_sum(engine, a.id, {"numbers": [i]}) for i in range(3)]
    b_job = _sum(engine, b.id, {"numbers": [7]})
    first = claim_next(engine, "w1")
    assert first is not None and first.id == a_jobs[0]
    second = claim_next(engine, "w2")  # town A is busy: the second worker takes town B's job
    assert second is not None and second.id == b_job
    assert claim_next(engine, "w3") is None  # both towns busy
    run_job(engine, first, TEST_HANDLERS)
    run_job(engine, second, TEST_HANDLERS)
    order = []
    while (job := claim_next(engine, "w1")) is not None:
        order.append(job.id)
        run_job(engine, job, TEST_HANDLERS)
    assert order == a_jobs[1:]
    # with one worker: B's job queued behind A's goes next, before A's remaining jobs
    a_more = [_sum(engine, a.id, {"numbers": [10 + i]}) for i in range(2)]
    b_more = _sum(engine, b.id, {"numbers": [20]})
    order = []
    while (job := claim_next(engine, "w1")) is not None:
        order.append(job.id)
        run_job(engine, job, TEST_HANDLERS)
    assert order == [b_more, *a_more]


def test_identical_queued_jobs_are_merged(engine: Engine, make_tenant) -> None:
    """Three identical clicks queue one job; other parameters or another town queue their own."""
    a, b = make_tenant("stadt-a"), make_tenant("stadt-b")
    params = {"day": "2026-06-15", "mode": "improve", "days": 1}
    ids = {_sum(engine, a.id, {"numbers": [1], **params}) for _ in range(3)}
    assert len(ids) == 1
    other = _sum(engine, a.id, {"numbers": [2], **params})
    town_b = _sum(engine, b.id, {"numbers": [1], **params})
    assert len(ids | {other, town_b}) == 3
    job_id = ids.pop()
    claim_next(engine, "w1")  # running jobs are not merged into: a new click queues again
    assert _sum(engine, a.id, {"numbers": [1], **params}) != job_id


def test_unknown_kind_refused_and_jobs_are_tenant_scoped(engine: Engine, make_tenant) -> None:
    """Unknown job kinds are refused; another tenant cannot see a job."""
    a, b = make_tenant("a"), make_tenant("b")
    with pytest.raises(BadInput, match="unbekannt"):
        enqueue(engine, a.id, "no_such_kind")
    job_id = _sum(engine, a.id, {"numbers": [1]})
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
    run_worker(engine, TEST_HANDLERS, once=True, poll_s=0.01)
    job = get_job(engine, tenant.id, job_id)
    assert job.status == "done", job.message
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["tenant"]["slug"] == tenant.slug
    assert job.result_json["rows"] == sum(len(v) for v in data["tables"].values())


def _worker_env(db_url: str, instance: Path) -> dict[str, str]:
    here = Path(__file__).resolve().parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("GREENTOUR_")}
    env.update(
        GREENTOUR_DATABASE_URL=db_url,
        GREENTOUR_INSTANCE_DIR=str(instance),
        GREENTOUR_JOB_MODULES="jobs_for_tests",
        GREENTOUR_WORKER_HEARTBEAT_S="0.2",
        GREENTOUR_WORKER_POLL_S="0.1",
        GREENTOUR_WORKER_STALE_S="1",
        PYTHONPATH=os.pathsep.join([str(here), env.get("PYTHONPATH", "")]),
    )
    return env


def _wait_for(predicate, timeout_s: float = 60.0, what: str = "") -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _child_pid(engine: Engine, tenant_id: int, job_id: int) -> int | None:
    job = get_job(engine, tenant_id, job_id)
    if job.status == "running" and job.message.startswith("child "):
        return int(job.message.split()[1])
    return None


def test_killed_worker_job_is_requeued_and_its_solver_process_dies(
    engine: Engine, tenant, db_url: str, tmp_path
) -> None:
    """``kill -9`` of a real ``greentour worker`` mid-job: its forked child (ignoring SIGTERM, as
    the solver's did) dies with it, and a second running worker re-queues the job by itself and
    runs it to the end (attempt 2), without anybody calling --requeue-failed."""
    job_id = _enqueue_unchecked(engine, tenant.id, "test_fork_sleep",
                                {"seconds": 60, "retry_seconds": 0.3})
    env = _worker_env(db_url, tmp_path / "instance-a")
    first = subprocess.Popen([sys.executable, "-m", "greentour.cli", "worker"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _child_pid(engine, tenant.id, job_id), what="the forked child")
        child = _child_pid(engine, tenant.id, job_id)
        assert child is not None and pid_alive(child)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    _wait_for(lambda: not pid_alive(child), timeout_s=10, what=f"child {child} to die")
    second = subprocess.Popen(
        [sys.executable, "-m", "greentour.cli", "worker"],
        env=_worker_env(db_url, tmp_path / "instance-b"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: get_job(engine, tenant.id, job_id).status in ("done", "failed"),
                  what="the re-queued job")
    finally:
        second.terminate()
        second.wait(timeout=20)
    job = get_job(engine, tenant.id, job_id)
    assert job.status == "done" and job.result_json == {"attempts": 2}, job.message


def test_serve_restarts_a_killed_worker_and_requeues_its_job(
    engine: Engine, tenant, db_url: str, tmp_path
) -> None:
    """``greentour serve``: after ``kill -9`` of its worker a new worker starts, the dead
    worker's job is re-queued and completes, and a job queued afterwards runs too; stopping
    serve leaves no worker or solver process behind."""
    job_id = _enqueue_unchecked(engine, tenant.id, "test_fork_sleep",
                                {"seconds": 60, "retry_seconds": 0.3})
    instance = tmp_path / "instance"
    files = WorkerFiles(instance)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    serve = subprocess.Popen(
        [sys.executable, "-m", "web.serve", "serve", "--port", str(port)],
        env={**_worker_env(db_url, instance), "GREENTOUR_WORKER_STALE_S": "600"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    pids: list[int] = []
    try:
        _wait_for(lambda: _child_pid(engine, tenant.id, job_id), what="the first worker's job")
        first_worker = files.running_pid()
        assert first_worker is not None
        pids += [first_worker, _child_pid(engine, tenant.id, job_id)]  # type: ignore[list-item]
        os.kill(first_worker, signal.SIGKILL)
        # stale_s is 600 s here: only serve's supervision can re-queue the job this fast
        _wait_for(lambda: get_job(engine, tenant.id, job_id).status == "done", timeout_s=60,
                  what="the job re-run by the restarted worker")
        later = _enqueue_unchecked(engine, tenant.id, "test_sleep", {"seconds": 0.2})
        _wait_for(lambda: get_job(engine, tenant.id, later).status == "done",
                  what="a job queued after the restart")
        second_worker = files.running_pid()
        assert second_worker not in (None, first_worker)
        pids.append(second_worker)  # type: ignore[arg-type]
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    _wait_for(lambda: not any(pid_alive(p) for p in pids), timeout_s=15,
              what="worker and solver processes to end")


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

    job_id = _sum(engine, tenant.id, {"numbers": [1]})
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


def test_handlers_cover_exactly_the_kinds_enqueue_accepts() -> None:
    """Every kind the web and the CLI may queue has a handler, and no handler is unreachable."""
    assert set(HANDLERS) == set(KINDS)


def test_unknown_kind_is_refused_with_the_known_ones(engine: Engine, tenant) -> None:
    """A kind without a handler is refused at enqueue time, naming the kinds there are."""
    with pytest.raises(BadInput, match="Auftragsart „mow_everything“ unbekannt.*plan"):
        enqueue(engine, tenant.id, "mow_everything")


def test_worker_refuses_a_missing_or_empty_job_module() -> None:
    """A module named in GREENTOUR_JOB_MODULES that is missing or has no HANDLERS stops the
    worker with a message instead of leaving its kinds silently unavailable."""
    with pytest.raises(click.ClickException, match="nicht gefunden"):
        worker_handlers(["no_such_job_module"])
    with pytest.raises(click.ClickException, match="kein HANDLERS"):
        worker_handlers(["greentour.errors"])
    assert set(worker_handlers(["jobs_for_tests"])) == set(HANDLERS) | {
        "test_sleep", "test_fork_sleep"}
