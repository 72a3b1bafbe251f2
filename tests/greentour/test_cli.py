"""The greentour CLI: help, one-line errors, demo set-up, jobs, and the demo server answering."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from greentour.cli import COMMANDS as DOMAIN_COMMANDS
from greentour.jobs import enqueue, get_job
from greentour.settings import REPO_ROOT
from greentour.store import system_session, tenant_session
from greentour.store.models import CrewTemplate, Staff, Tenant
from web.serve import cli

LAUF = REPO_ROOT / "data" / "tenants" / "lauf.toml"
COMMANDS = ["init", "import-osm", "import-cadastre", "import-weather", "forecast", "plan",
            "export", "serve", "worker", "demo"]


def test_help_lists_all_commands(cli_runner) -> None:
    """``greentour --help`` lists every command of the issue."""
    result = cli_runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    listed = {line.split()[0] for line in result.output.splitlines() if line.startswith("  ")}
    assert set(COMMANDS) <= listed


@pytest.mark.parametrize("name", ["init", "serve", "worker", "demo", "tenant"])
def test_builtin_commands_have_help(cli_runner, name: str) -> None:
    """Each built-in command answers --help."""
    result = cli_runner.invoke(cli, [name, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_bad_tenant_file_is_one_line_error(cli_runner, tmp_path: Path) -> None:
    """A bad tenant file ends with exit code 1 and one 'Fehler:' line naming file, key, reason."""
    bad = tmp_path / "stadt.toml"
    bad.write_text(LAUF.read_text(encoding="utf-8").replace('land = "BY"', 'land = "Bayern"'),
                   encoding="utf-8")
    result = cli_runner.invoke(cli, ["init", "--tenant-file", str(bad)])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1
    assert errors[0].startswith("Fehler: ") and str(bad) in errors[0] and "tenant.land" in errors[0]
    assert "Traceback" not in result.output + result.stderr


def test_init_stores_tenant_and_tenant_commands(cli_runner, engine: Engine, tmp_path) -> None:
    """``init --tenant-file`` stores the tenant; ``tenant export`` writes only its rows."""
    result = cli_runner.invoke(cli, ["init", "--tenant-file", str(LAUF)])
    assert result.exit_code == 0, result.output
    assert "Lauf (Beispiel)" in result.output
    out = tmp_path / "lauf.json"
    result = cli_runner.invoke(cli, ["tenant", "export", "--tenant", "lauf", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["tables"]["staff"]) == 15
    result = cli_runner.invoke(cli, ["tenant", "export", "--tenant", "gibtsnicht", "-o", str(out)])
    assert result.exit_code == 1 and "Fehler: Mandant „gibtsnicht“ gibt es nicht" in result.stderr


def test_library_input_error_is_one_line(cli_runner, monkeypatch) -> None:
    """A ValueError subclass from routing/ or forecasting/ ends as one 'Fehler:' line, exit 1."""
    import click

    class ProfileError(ValueError):
        pass

    ProfileError.__module__ = "routing.profiles"

    @click.command("plan")
    def fake_plan() -> None:
        raise ProfileError("Profil 'tractor_60' unbekannt")

    monkeypatch.setitem(cli.commands, "plan", fake_plan)
    result = cli_runner.invoke(cli, ["plan"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "Fehler: Profil 'tractor_60' unbekannt"


def test_commands_are_registered_by_name() -> None:
    """Every domain command is a click command imported by name (no placeholders), and the
    whole CLI holds it next to serve and demo; the spine's CLI has no web server command."""
    import click

    from greentour.cli import cli as spine_cli

    assert all(isinstance(command, click.Command) for command in DOMAIN_COMMANDS.values())
    assert {name: cli.commands[name] for name in DOMAIN_COMMANDS} == DOMAIN_COMMANDS
    assert "serve" not in spine_cli.commands and "demo" not in spine_cli.commands
    assert {"serve", "demo"} <= set(cli.commands)


def test_worker_runs_queued_job_and_requeues(cli_runner, engine: Engine, tenant) -> None:
    """``greentour worker --once`` runs a queued job; --requeue-failed refuses a done job."""
    job_id = enqueue(engine, tenant.id, "tenant_export", {})
    result = cli_runner.invoke(cli, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert get_job(engine, tenant.id, job_id).status == "done"
    result = cli_runner.invoke(cli, ["worker", "--requeue-failed", str(job_id)])
    assert result.exit_code == 1 and result.stderr.startswith("Fehler: Auftrag")
    result = cli_runner.invoke(cli, ["jobs", "--tenant", tenant.slug])
    assert result.exit_code == 0 and f"#{job_id}\ttenant_export\tdone\t100 %" in result.output


def test_demo_no_serve_stores_sample_tenant(cli_runner, engine: Engine) -> None:
    """``greentour demo --no-serve --quick`` stores "Lauf (Beispiel)" and prints the login."""
    result = cli_runner.invoke(
        cli, ["demo", "--no-serve", "--quick", "--password", "Demo-Passwort-Lauf-1"]
    )
    assert result.exit_code == 0, result.output
    assert "Anmeldung: admin / Demo-Passwort-Lauf-1" in result.output
    # today (after the sample weather record) -> the record's last Monday, 2026-06-22
    from greentour.demo import default_demo_day, today_local

    expected = default_demo_day(today_local(), dt.date(2026, 6, 28))
    assert f"Plantag der Demo: {expected.isoformat()}" in result.output
    with system_session(engine) as s:
        tenant = s.scalar(select(Tenant).where(Tenant.slug == "lauf"))
        assert tenant is not None and tenant.name == "Lauf (Beispiel)"
    with tenant_session(engine, tenant.id) as s:
        assert len(s.scalars(select(Staff)).all()) == 15
        assert len(s.scalars(select(CrewTemplate)).all()) == 6


def test_serve_does_not_start_a_second_worker(tmp_path: Path) -> None:
    """With a live worker (pid alive, fresh heartbeat) serve starts none.

    That serve starts a worker when none runs, and stops it, is checked by the demo server test.
    """
    from greentour.jobs import WorkerFiles
    from greentour.supervisor import WorkerSupervisor

    files = WorkerFiles(tmp_path)
    files.write_pid()  # this test process plays the live worker
    try:
        supervisor = WorkerSupervisor(None, tmp_path)  # type: ignore[arg-type]
        supervisor._spawn()
        assert supervisor.child is None
    finally:
        files.remove()
    assert files.running_pid() is None


def test_default_demo_day_lies_inside_the_weather_record() -> None:
    """After the record the demo plans on its last Monday; inside it, today."""
    from greentour.demo import default_demo_day

    end = dt.date(2026, 6, 28)
    assert default_demo_day(dt.date(2026, 11, 25), end) == dt.date(2026, 6, 22)
    assert default_demo_day(dt.date(2026, 3, 4), end) == dt.date(2026, 3, 4)
    assert default_demo_day(dt.date(2026, 11, 25), None) == dt.date(2026, 11, 25)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_demo_server_answers_http_200(tmp_path: Path) -> None:
    """``greentour demo --quick`` in a subprocess prints URL and login and answers HTTP 200."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GREENTOUR_")}
    env.update(GREENTOUR_INSTANCE_DIR=str(tmp_path / "instance"), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "web.serve", "demo", "--port", str(port),
         "--quick", "--password", "Demo-Passwort-Lauf-2"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    status = None
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    status = response.status
                    body = response.read().decode("utf-8")
                break
            except OSError:
                time.sleep(0.3)
        worker_pid_file = tmp_path / "instance" / "worker.pid"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not worker_pid_file.exists():
            time.sleep(0.2)
        worker_started = worker_pid_file.exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert status == 200, f"no answer at {url}\n{out}\n{err}"
    assert 'lang="de"' in body
    assert url in out and "Anmeldung: admin / Demo-Passwort-Lauf-2" in out
    assert worker_started, f"serve did not start a worker\n{err}"
    assert not worker_pid_file.exists(), "worker did not stop with the server"
