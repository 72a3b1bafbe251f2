"""Fault injection: a killed worker, a restarted PostgreSQL, hostile request bodies.

Three experiments against the real programs on loopback; each prints its figures (``--json PATH``
writes them all):

1. ``worker``: the walkthrough's Monday in Lauf (tests/planner_scenario.py: real OSM sites, the
   Lauf tenant) in a temporary instance; ``greentour serve`` (waitress + its supervised worker);
   a "Länger optimieren" plan job (``optimize``, ``--optimize-s`` seconds of search). When the
   job is in the solver (progress >= 30 %, the worker has forked its solver processes) the worker
   gets ``SIGKILL``. Measured: seconds until the job is re-queued and until it is done, its
   attempts, whether serve started a new worker, and how many processes of the dead worker
   (its process group: the solver processes) are still alive afterwards (target 0).
2. ``postgres``: a throwaway PostgreSQL cluster (tests/pg_cluster.py), the crew-API sample of
   bench/api_load.py (``--crews`` crews × ``--stops`` stops), the app under waitress; every
   tablet reports all its stops, retrying a report on a connection error or 5xx like the tablet
   app does, while PostgreSQL is restarted (``pg_ctl restart -m fast``) in the middle of the
   burst. Measured: reports acknowledged, rows stored, distinct client ids stored (target: every
   report once — none lost, none doubled), answers that failed during the restart.
3. ``hostile``: the same sample on SQLite under waitress (one process, as ``greentour serve``);
   ``--bodies`` (1,000) hostile requests to every API route (crew API, planner API, sensors,
   OGC; path parameters filled in): oversized bodies (12 MB), NUL characters, lone surrogates,
   100,000-deep JSON, invalid UTF-8, out-of-range numbers and dates, wrong content types, empty
   bodies, random bytes and decompression-bomb images (a 48 KB PNG of 20,000 × 20,000 px), half
   with a valid device token. Measured: answers by status class, 5xx (target 0), connection
   failures, the server's resident memory before and after and its peak (target: growth below
   100 MB).

    .venv/bin/python bench/fault_injection.py [--only worker,postgres,hostile] [--json PATH]

Seeded (``--seed``); nothing is timed in tests, the figures are printed here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "tests"))
sys.path.insert(0, str(REPO_ROOT / "bench"))

import api_load  # noqa: E402  (the crew-API sample store, free ports, waiting for a server)

MB = 1024 * 1024


# --------------------------------------------------------------------------- processes
def _rss_mb(pid: int) -> tuple[float, float]:
    """Resident (VmRSS) and peak resident (VmHWM) memory of ``pid`` in MB."""
    values = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def _wait_for(predicate: Any, timeout_s: float, what: str) -> float:
    began = time.monotonic()
    while time.monotonic() - began < timeout_s:
        if predicate():
            return time.monotonic() - began
        time.sleep(0.2)
    raise RuntimeError(f"timed out after {timeout_s:.0f} s waiting for {what}")


# --------------------------------------------------------------------------- 1. worker
def experiment_worker(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Kill the worker of ``greentour serve`` while it optimises a plan."""
    from planner_scenario import DAY, build

    from greentour.jobs import WorkerFiles, get_job
    from greentour.planning.plan_service import enqueue_plan
    from greentour.store import make_engine
    from greentour.supervisor import group_members, pid_alive

    instance = work / "worker-instance"
    instance.mkdir()
    scenario = build(instance / "greentour.sqlite", Path(args.lauf_pbf))
    engine = make_engine(scenario.db_url)
    port = api_load.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GREENTOUR_")}
    env.update(GREENTOUR_INSTANCE_DIR=str(instance), GREENTOUR_DATABASE_URL=scenario.db_url,
               GREENTOUR_OPTIMIZE_TIME_LIMIT_S=str(args.optimize_s),
               GREENTOUR_PLAN_DAY=DAY.isoformat(), PYTHONPATH=str(REPO_ROOT))
    serve = subprocess.Popen([sys.executable, "-m", "web.serve", "serve", "--port", str(port)],
                             env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    files = WorkerFiles(instance)
    try:
        _wait_for(lambda: files.running_pid() is not None, 60, "the worker of serve")
        job_id = enqueue_plan(engine, scenario.tenant_id, DAY, "optimize")

        def in_solver() -> bool:
            job = get_job(engine, scenario.tenant_id, job_id)
            worker = files.running_pid()
            return (job.status == "running" and job.progress >= 30 and worker is not None
                    and len(group_members(worker)) > 1)

        _wait_for(in_solver, 120, "the plan job in the solver")
        worker = files.running_pid()
        assert worker is not None
        doomed = group_members(worker)  # the worker and the solver processes it forked
        os.kill(worker, signal.SIGKILL)
        killed_at = time.monotonic()
        requeue_s = _wait_for(
            lambda: get_job(engine, scenario.tenant_id, job_id).attempts >= 2
            or get_job(engine, scenario.tenant_id, job_id).status == "queued",
            60, "the job to be re-queued")
        _wait_for(lambda: get_job(engine, scenario.tenant_id, job_id).status in ("done", "failed"),
                  args.optimize_s * 4 + 120, "the re-run job to end")
        done_s = time.monotonic() - killed_at
        job = get_job(engine, scenario.tenant_id, job_id)
        new_worker = files.running_pid()
        time.sleep(1.0)
        survivors = [p for p in doomed if pid_alive(p)] + [
            p for p in group_members(worker) if p not in doomed]
    finally:
        serve.terminate()
        serve.wait(timeout=60)
        engine.dispose()
    return {
        "job_status": job.status,
        "job_message": job.message,
        "job_attempts": job.attempts,
        "processes_killed_group": len(doomed),
        "requeued_after_s": round(requeue_s, 1),
        "done_after_kill_s": round(done_s, 1),
        "new_worker_started": new_worker not in (None, worker),
        "orphan_processes": len(survivors),
    }


# --------------------------------------------------------------------------- 2. postgres
def _report_tablet(port: int, token: str, acked: list[str], failures: list[str],
                   stop_at: float) -> None:
    """Report every stop of the tablet's tour once, retrying each report until acknowledged."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    tour = None
    while tour is None and time.monotonic() < stop_at:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/api/v1/crew/tour", headers=headers)
            answer = conn.getresponse()
            body = answer.read()
            if answer.status == 200:
                tour = json.loads(body)
            else:
                failures.append(f"tour HTTP {answer.status}")
                time.sleep(0.2)
        except OSError as exc:
            failures.append(f"tour {type(exc).__name__}")
            time.sleep(0.2)
    if tour is None:
        return
    for stop in tour["stops"]:
        client_uuid = str(uuid.uuid4())
        body = json.dumps({
            "client_uuid": client_uuid, "stop_id": stop["id"],
            "plan_version": tour["plan"]["version"], "status": "done",
            "device_time": dt.datetime.now(dt.UTC).isoformat(),
        })
        while time.monotonic() < stop_at:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("POST", "/api/v1/reports", body=body, headers=headers)
                answer = conn.getresponse()
                answer.read()
                conn.close()
            except OSError as exc:
                failures.append(type(exc).__name__)
                time.sleep(0.2)
                continue
            if answer.status in (200, 201):
                acked.append(client_uuid)
                break
            failures.append(f"HTTP {answer.status}")
            if answer.status < 500:
                break  # refused for good: counted, not retried
            time.sleep(0.2)
        time.sleep(0.02)  # a tablet is not a load generator: the burst lasts a few seconds


def experiment_postgres(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Report burst while PostgreSQL restarts."""
    from pg_cluster import ThrowawayCluster
    from sqlalchemy import func, select

    from greentour.store import make_engine
    from greentour.store.models import Completion
    from greentour.store.tenancy import tenant_session

    cluster = ThrowawayCluster().start()
    server = None
    try:
        tokens = api_load.build_store(cluster.url, args.crews, args.stops)
        port = api_load.free_port()
        instance = work / "pg-instance"
        server = _start_waitress(cluster.url, instance, port)
        api_load.wait_until_up(port)
        acked: list[str] = []
        failures: list[str] = []
        stop_at = time.monotonic() + 300
        tablets = [threading.Thread(target=_report_tablet,
                                    args=(port, t, acked, failures, stop_at)) for t in tokens]
        for t in tablets:
            t.start()
        _wait_for(lambda: len(acked) >= len(tokens) * args.stops // 3, 120, "a third of reports")
        acked_before = len(acked)
        began = time.monotonic()
        cluster.restart("fast")
        restart_s = time.monotonic() - began
        for t in tablets:
            t.join()
        engine = make_engine(cluster.url)
        with tenant_session(engine, 1) as s:
            rows = s.scalar(select(func.count()).select_from(Completion))
            distinct = s.scalar(select(func.count(func.distinct(Completion.client_uuid))))
            stored = set(s.scalars(select(Completion.client_uuid)).all())
        engine.dispose()
    finally:
        if server is not None:
            _stop(server)
        cluster.stop()
    expected = len(tokens) * args.stops
    return {
        "reports_to_send": expected,
        "acknowledged_before_restart": acked_before,
        "acknowledged": len(acked),
        "rows_stored": rows,
        "distinct_reports_stored": distinct,
        "lost": len(set(acked) - stored) + (expected - len(acked)),
        "doubled": rows - distinct,
        "postgres_restart_s": round(restart_s, 2),
        "failed_answers_during_burst": len(failures),
        "failure_kinds": sorted(set(failures)),
    }


# --------------------------------------------------------------------------- 3. hostile
def _start_waitress(db_url: str, instance: Path, port: int) -> subprocess.Popen:
    instance.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "bench" / "api_load.py"), "--threads", "4",
         "--serve", db_url, str(instance), str(port)],
        cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _bomb_png() -> bytes:
    """A small PNG that decodes to 20,000 × 20,000 px (400 Mpx)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def hostile_bodies(rng: random.Random, bomb: bytes) -> list[tuple[str, str, bytes]]:
    """(kind, content type, body) of every hostile kind."""
    deep = b"[" * 100_000 + b"]" * 100_000
    big = b'{"note": "' + b"x" * (12 * MB) + b'"}'
    report = {"client_uuid": str(uuid.UUID(int=rng.getrandbits(128))), "stop_id": 1,
              "plan_version": 1, "status": "done", "device_time": "2026-06-15T08:00:00+02:00"}

    def with_field(name: str, raw: str) -> bytes:
        body = json.dumps(report)[:-1] + f', "{name}": {raw}}}'
        return body.encode("utf-8")

    boundary = "gtbench"
    multipart = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; "
                 f"filename=\"x.png\"\r\nContent-Type: image/png\r\n\r\n").encode() + bomb + (
        f"\r\n--{boundary}--\r\n").encode()
    return [
        ("oversized_json_12MB", "application/json", big),
        ("nul_in_note", "application/json", with_field("note", '"a\\u0000b"')),
        ("nul_raw_in_reason", "application/json", with_field("reason", '"x\x00y"')),
        ("lone_surrogate", "application/json", with_field("note", '"\\ud800"')),
        ("lone_surrogate_name", "application/json", b'{"name": "\\udfff", "device_id": "\\ud83d"}'),
        ("deep_json_100000", "application/json", deep),
        ("invalid_utf8", "application/json", b'{"note": "\xff\xfe\xfa"}'),
        ("huge_int", "application/json", with_field("stop_id", str(2**80))),
        ("date_9999", "application/json",
         json.dumps({**report, "device_time": "9999-12-31T23:59:59+14:00"}).encode()),
        ("wrong_type", "text/plain", b"status=done"),
        ("empty", "application/json", b""),
        ("random_bytes", "application/octet-stream", rng.randbytes(4096)),
        ("bomb_png_raw", "image/png", bomb),
        ("bomb_png_multipart", f"multipart/form-data; boundary={boundary}", multipart),
    ]


def _routes(port: int) -> list[tuple[str, str]]:
    """Every API route (method, path with parameters filled in)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/api/v1/openapi.json")
    spec = json.loads(conn.getresponse().read())
    fill = {"tour_id": "1", "token_id": "1", "client_uuid": str(uuid.UUID(int=1)),
            "device_id": "a84041000181c61e"}
    routes = []
    for path, item in spec["paths"].items():
        concrete = path
        for name, value in fill.items():
            concrete = concrete.replace("{" + name + "}", value)
        for method in item:
            if method.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                routes.append((method.upper(), concrete))
    for path in ("/ogc/bench/", "/ogc/bench/collections", "/ogc/bench/collections/sites/items",
                 "/ogc/bench/collections/sites/items/1"):
        routes.append(("GET", path))
    return routes


def _send(port: int, method: str, path: str, ctype: str, body: bytes,
          headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": ctype, **headers})
        answer = conn.getresponse()
        answer.read()
        return answer.status
    finally:
        conn.close()


def experiment_hostile(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Hostile bodies to every API route; count 5xx, measure the server's memory."""
    rng = random.Random(args.seed)
    db_url = f"sqlite:///{work / 'hostile.sqlite'}"
    tokens = api_load.build_store(db_url, 2, 3)
    port = api_load.free_port()
    server = _start_waitress(db_url, work / "hostile-instance", port)
    try:
        api_load.wait_until_up(port)
        routes = _routes(port)
        bomb = _bomb_png()
        kinds = hostile_bodies(rng, bomb)
        # warm every route once so lazy imports and caches are in the "before" figure
        for method, path in routes:
            _send(port, method, path, "application/json", b"{}", {})
        rss_before, _ = _rss_mb(server.pid)
        by_class: dict[str, int] = {}
        server_errors: list[str] = []
        connection_failures: list[str] = []
        sent = 0
        began = time.monotonic()
        for method, path in routes:
            for i in range(args.bodies):
                # the 12 MB body and the bomb images are the expensive kinds: every 10th request
                cheap = [k for k in kinds if not k[0].startswith(("oversized", "bomb"))]
                kind, ctype, body = (kinds[(i // 10) % len(kinds)] if i % 10 == 0
                                     else cheap[rng.randrange(len(cheap))])
                headers = {"Authorization": f"Bearer {tokens[0]}"} if i % 2 else {}
                verb = method if method != "GET" or i % 4 else "POST"  # GET routes get bodies too
                try:
                    status = _send(port, verb, path, ctype, body, headers)
                except OSError as exc:
                    # a server may close the connection on an oversized body after answering
                    connection_failures.append(f"{kind} {verb} {path}: {type(exc).__name__}")
                    continue
                finally:
                    sent += 1
                by_class[f"{status // 100}xx"] = by_class.get(f"{status // 100}xx", 0) + 1
                if status >= 500:
                    server_errors.append(f"{status} {kind} {verb} {path}")
        elapsed = time.monotonic() - began
        rss_after, rss_peak = _rss_mb(server.pid)
        alive = server.poll() is None
    finally:
        _stop(server)
    return {
        "routes": len(routes),
        "requests": sent,
        "seconds": round(elapsed, 1),
        "by_status_class": by_class,
        "server_errors_5xx": len(server_errors),
        "server_error_examples": sorted(set(server_errors))[:15],
        "connection_failures": len(connection_failures),
        "connection_failure_examples": sorted(set(connection_failures))[:10],
        "rss_before_mb": round(rss_before, 1),
        "rss_after_mb": round(rss_after, 1),
        "rss_peak_mb": round(rss_peak, 1),
        "rss_growth_mb": round(rss_after - rss_before, 1),
        "peak_growth_mb": round(rss_peak - rss_before, 1),
        "server_alive": alive,
    }


EXPERIMENTS = {"worker": experiment_worker, "postgres": experiment_postgres,
               "hostile": experiment_hostile}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="worker,postgres,hostile")
    parser.add_argument("--bodies", type=int, default=1000, help="hostile requests per route")
    parser.add_argument("--crews", type=int, default=20)
    parser.add_argument("--stops", type=int, default=12)
    parser.add_argument("--optimize-s", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--lauf-pbf", default=str(
        REPO_ROOT.parent / "shared" / "data" / "osm" / "lauf-an-der-pegnitz_2020-01-15.osm.pbf"))
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="greentour-faults-") as tmp:
        for name in args.only.split(","):
            work = Path(tmp) / name
            work.mkdir()
            print(f"== {name}", flush=True)
            began = time.monotonic()
            figures[name] = EXPERIMENTS[name](args, work)
            figures[name]["experiment_s"] = round(time.monotonic() - began, 1)
            for key, value in figures[name].items():
                print(f"  {key}: {value}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
