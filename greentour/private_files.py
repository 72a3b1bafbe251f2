"""Files only the service account may read: instance folder, database, photos, exports.

The instance folder holds the SQLite database, the Flask secret key, crew photos and tenant
exports: personal data of employees (GDPR) and credentials. Folders greentour creates there get
mode 0700 and files 0600, whatever the process umask is; the CLI also sets umask 077
(:func:`restrict_umask`) so that files written by libraries (SQLite's -wal/-shm, GeoPackages)
follow. Files are written through a temporary file created 0600 and renamed into place.
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def restrict_umask() -> None:
    """New files of this process: owner only (umask 077)."""
    os.umask(0o077)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) with mode 0700; an existing ``path`` gets 0700 too
    (parents that existed before keep their mode)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(folder, DIR_MODE)
    os.chmod(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 if missing; an existing file gets 0600."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE)
    os.close(fd)
    os.chmod(path, FILE_MODE)
    return path


def write_private_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` (mode 0600) atomically; the folder is made private."""
    private_dir(path.parent)
    tmp = path.with_name(path.name + ".part")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return path


def write_private_text(path: Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` like :func:`write_private_bytes`."""
    return write_private_bytes(path, text.encode("utf-8"))
