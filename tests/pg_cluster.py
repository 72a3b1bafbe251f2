"""A throwaway PostgreSQL cluster in a temp folder (tests and bench/fault_injection.py).

No TCP (a Unix socket in the folder), no fsync; ``initdb``/``pg_ctl`` run as the postgres user
when the caller is root. The folder is made with ``mkdtemp`` (pytest's tmp_path may not be
enterable by the postgres user).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class ClusterUnavailable(RuntimeError):
    """The PostgreSQL server binaries are not installed."""


def pg_bin() -> Path:
    """The newest installed PostgreSQL server's bin folder."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise ClusterUnavailable(
            "PostgreSQL server binaries not found (apt-get install postgresql)")
    return Path(found[-1]).parent


def _as_pg(cmd: list[str]) -> list[str]:
    """initdb/pg_ctl refuse to run as root: run them as the postgres user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ThrowawayCluster:
    """``start()`` a fresh cluster, ``url`` to reach it, ``restart()``, ``stop()`` (removes it)."""

    def __init__(self) -> None:
        self.bindir = pg_bin()
        self.root = Path(tempfile.mkdtemp(prefix="greentour-pg-"))
        self.data, self.sock = self.root / "data", self.root / "sock"
        self.port = _free_port()

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@/postgres?host={self.sock}&port={self.port}"

    def _ctl(self, *args: str) -> None:
        opts = f"-k {self.sock} -p {self.port} -h '' -F -c full_page_writes=off"
        subprocess.run(_as_pg([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-w", "-l",
                               str(self.root / "log"), "-o", opts, *args]),
                       check=True, capture_output=True)

    def start(self) -> ThrowawayCluster:
        self.sock.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.sock, "postgres")
        subprocess.run(_as_pg([str(self.bindir / "initdb"), "-D", str(self.data), "-U",
                               "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]),
                       check=True, capture_output=True)
        self._ctl("start")
        return self

    def restart(self, mode: str = "fast") -> None:
        """Stop (``fast``: ends every connection; ``immediate``: like a crash) and start again."""
        self._ctl("-m", mode, "restart")

    def stop(self) -> None:
        subprocess.run(_as_pg([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m",
                               "immediate", "stop"]), capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)
