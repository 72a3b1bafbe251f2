"""Job handlers of the worker tests (the worker loads ``HANDLERS`` via GREENTOUR_JOB_MODULES)."""

from __future__ import annotations

import time

from greentour.jobs import JobContext


def run_sleep(ctx: JobContext) -> dict[str, int]:
    """Sleep ``seconds`` in 0.1 s steps, reporting progress (a stand-in for a long solve)."""
    steps = int(ctx.params.get("seconds", 1) * 10)
    for i in range(steps):
        time.sleep(0.1)
        ctx.progress(100 * (i + 1) / steps, f"Schritt {i + 1} von {steps}")
    return {"steps": steps}


def _stubborn_child(seconds: float) -> None:
    """A forked child that ignores SIGTERM (like the solver processes) and sleeps."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(seconds)


def run_fork_sleep(ctx: JobContext) -> dict[str, int]:
    """Fork a SIGTERM-ignoring child (``multiprocessing`` "fork", as the solver does), report its
    pid, then sleep ``seconds``; from the second attempt on sleep ``retry_seconds`` only."""
    import multiprocessing as mp

    from greentour.store.models import Job

    with ctx.session() as s:
        attempts = s.get(Job, ctx.job_id).attempts  # type: ignore[union-attr]
    seconds = ctx.params["seconds"] if attempts <= 1 else ctx.params["retry_seconds"]
    child = mp.get_context("fork").Process(target=_stubborn_child, args=(seconds + 60,))
    child.start()
    ctx.progress(1, f"child {child.pid}")
    steps = max(1, int(seconds * 10))
    for i in range(steps):
        time.sleep(0.1)
        ctx.progress(1 + 98 * (i + 1) / steps)
    child.kill()
    child.join()
    return {"attempts": attempts}


HANDLERS = {"test_sleep": run_sleep, "test_fork_sleep": run_fork_sleep}
