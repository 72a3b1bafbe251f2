"""The database, the instance folder, photos, tenant exports and the secret key are owner-only
(0600 files, 0700 folders), even when the process umask would let everybody read them."""

from __future__ import annotations

import io
import os
import stat
import uuid
from pathlib import Path

import pytest
from PIL import Image

from greentour.commands.handlers import HANDLERS
from greentour.crew.photos import store_photo
from greentour.crew.privacy import PrivacySettings
from greentour.jobs import enqueue, get_job, run_worker
from greentour.settings import get_settings
from greentour.store import make_engine, upgrade
from greentour.store.models import Completion
from greentour.store.tenancy import export_tenant_json


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    """A umask that would make new files world-readable (022), restored afterwards."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_instance_folder_database_and_secret_key_are_owner_only(tmp_path, monkeypatch,
                                                                open_umask) -> None:
    """A new instance: folder 0700; SQLite file with its -wal/-shm and the secret key 0600."""
    instance = tmp_path / "instance"
    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(instance))
    settings = get_settings()
    assert _mode(settings.ensure_instance_dir()) == 0o700
    db = instance / "greentour.sqlite"
    upgrade(f"sqlite:///{db}")
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:  # a live connection keeps -wal and -shm
        conn.exec_driver_sql("SELECT 1")
        for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            assert path.exists() and _mode(path) == 0o600, path
    engine.dispose()
    settings.flask_secret_key()
    assert _mode(instance / "secret_key") == 0o600


def test_existing_world_readable_database_is_restricted(tmp_path, open_umask) -> None:
    """A database file created world-readable by an older version is made 0600 on open."""
    db = tmp_path / "old.sqlite"
    db.write_bytes(b"")
    os.chmod(db, 0o644)
    make_engine(f"sqlite:///{db}").dispose()
    assert _mode(db) == 0o600


def test_photos_are_owner_only(tmp_path, open_umask) -> None:
    """A stored crew photo is 0600 in 0700 folders (photos/<tenant>/)."""
    image = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 40)).save(image, format="PNG")
    completion = Completion(tenant_id=3, client_uuid=str(uuid.UUID(int=7)))
    instance = tmp_path / "instance"
    instance.mkdir()
    assert store_photo(completion, image.getvalue(), instance, PrivacySettings())
    photo = instance / completion.photo_path
    assert _mode(photo) == 0o600
    assert _mode(photo.parent) == 0o700 and _mode(photo.parent.parent) == 0o700


def test_tenant_exports_are_owner_only(engine, tenant, tmp_path, monkeypatch,
                                       open_umask) -> None:
    """The export job's file in instance/exports/ and export_tenant_json's file are 0600."""
    monkeypatch.setenv("GREENTOUR_INSTANCE_DIR", str(tmp_path / "inst"))
    job_id = enqueue(engine, tenant.id, "tenant_export")
    run_worker(engine, HANDLERS, once=True, poll_s=0.01)
    job = get_job(engine, tenant.id, job_id)
    assert job.status == "done", job.message
    path = Path(job.result_json["path"])
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700
    direct = tmp_path / "direct.json"
    export_tenant_json(engine, tenant.id, direct)
    assert _mode(direct) == 0o600
