"""``greentour serve`` keeps one worker alive: start, watch, restart, clean up.

:class:`WorkerSupervisor` starts ``greentour worker`` as a child in its own process group (unless
a live worker already owns the instance), checks it every ``check_s`` seconds and, when it died
(``kill -9``, out of memory, a crash):

1. kills what is left of its process group (solver processes forked by the dead worker),
2. re-queues the dead worker's running jobs at once (:func:`greentour.jobs.recover_orphaned_jobs`
   with its worker id, without waiting for the heartbeat to go stale),
3. starts a new worker; a worker that keeps dying right after its start is restarted after a
   growing pause (1, 2, 4 ... at most 60 s).

:meth:`WorkerSupervisor.stop` ends the worker (SIGTERM, SIGKILL after ``grace_s``) and its group.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from greentour.jobs import WorkerFiles, recover_orphaned_jobs

log = logging.getLogger(__name__)

#: A worker that ran at least this long before dying is restarted without a pause.
HEALTHY_AFTER_S = 60.0
MAX_PAUSE_S = 60.0


def pid_alive(pid: int) -> bool:
    """True while process ``pid`` runs (Linux ``/proc``; a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def group_members(pgid: int) -> list[int]:
    """Live processes in process group ``pgid`` (Linux ``/proc``)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry))
    return members


def kill_group(pgid: int) -> None:
    """SIGKILL every process left in process group ``pgid`` (ignored if none is left)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


class WorkerSupervisor:
    """Start and keep one ``greentour worker`` subprocess of this instance alive."""

    def __init__(
        self,
        engine: Engine,
        instance_dir: Path,
        *,
        check_s: float = 1.0,
        grace_s: float = 10.0,
        echo: Callable[[str], None] | None = None,
    ) -> None:
        self.engine, self.instance_dir = engine, instance_dir
        self.check_s, self.grace_s = check_s, grace_s
        self.echo = echo or (lambda line: None)
        self.child: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._started_at = 0.0
        self._pause_s = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker (if none runs) and the watching thread."""
        self._spawn()
        self._thread = threading.Thread(target=self._watch, daemon=True, name="worker-supervisor")
        self._thread.start()

    def _spawn(self) -> None:
        if WorkerFiles(self.instance_dir).running_pid() is not None:
            self.child = None  # another live worker serves this instance
            return
        self.child = subprocess.Popen(
            [sys.executable, "-m", "greentour.cli", "worker", "--parent-pid", str(os.getpid())],
            env=os.environ.copy(),
            start_new_session=True,  # own process group: its solver processes can be killed
        )
        self._started_at = time.monotonic()

    def _watch(self) -> None:
        while not self._stop.wait(self.check_s):
            try:
                self.check()
            except Exception as exc:  # noqa: BLE001 - the supervisor must keep watching
                log.warning("worker supervision failed: %s", exc)

    def check(self) -> None:
        """One supervision step: restart the worker if it died."""
        child = self.child
        if child is None:
            if WorkerFiles(self.instance_dir).running_pid() is None:
                self._spawn()  # the other worker is gone: take over
            return
        code = child.poll()
        if code is None or self._stop.is_set():
            return
        kill_group(child.pid)
        WorkerFiles(self.instance_dir).remove_for(child.pid)
        dead_id = f"{socket.gethostname()}:{child.pid}"
        found = recover_orphaned_jobs(self.engine, dead_worker_id=dead_id)
        ran_s = time.monotonic() - self._started_at
        self._pause_s = 0.0 if ran_s >= HEALTHY_AFTER_S else min(
            MAX_PAUSE_S, max(1.0, 2 * self._pause_s))
        self.echo(
            f"Worker (pid {child.pid}) beendet mit Code {code}; "
            + (f"Aufträge erneut eingereiht: {', '.join(f'#{i}' for i in found.requeued)}; "
               if found.requeued else "")
            + "wird neu gestartet"
        )
        if self._stop.wait(self._pause_s):
            return
        self.restarts += 1
        self._spawn()

    def stop(self) -> None:
        """End the watching thread and the worker with its process group."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.check_s + 5)
        child = self.child
        if child is None:
            return
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=self.grace_s)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=10)
        kill_group(child.pid)
        WorkerFiles(self.instance_dir).remove_for(child.pid)  # killed before it could tidy up
