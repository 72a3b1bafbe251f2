"""Load benchmark of the crew API: concurrent tablets fetching their tours.

Builds a throw-away SQLite store (Alembic-migrated) with one tenant and ``--crews`` crews, each
with a published tour of ``--stops`` stops for today and its own device token; starts the real
app on a free loopback port the way docs/crew-api.md recommends for production: gunicorn,
``--workers 2`` processes (one per core) with ``--threads 4`` each (gthread worker, keep-alive)
serving ``web:create_app()`` (``--server waitress`` for the single-process waitress set-up of
``greentour serve``). After a warm-up in which every worker builds and caches the tours,
``--clients`` threads (one tablet each, persistent HTTP/1.1 connection, ``Accept-Encoding:
gzip`` like a browser; a lean socket client so the load generator, which shares the cores,
costs little) fetch ``GET /api/v1/crew/tour`` for ``--seconds`` seconds per phase:

1. ``full``: plain GETs (the whole tour JSON each time), back to back;
2. ``conditional``: GETs with If-None-Match (what a tablet does when it re-checks; 304);
3. ``paced_full`` / ``paced_conditional``: the same, each tablet once every ``--interval-s``
   seconds (default 1 s: 50 requests/s offered, far more than tablets polling once a minute);
4. ``reports``: all tablets report all their stops at once, each report sent twice (a retry);
   the store must then hold every report exactly once.

Prints the server set-up and the load average, then p50/p95/p99 latency (ms), throughput and
errors per phase; ``--json PATH`` writes the figures. The target from issue #8 is p95 <= 50 ms.
The back-to-back phases are the worst case (every tablet asks again the moment it has its
answer: latency there is mostly queueing, i.e. 50 / throughput, and depends on how much of the
two cores other processes leave); the paced phases measure the answer time at a stated load.

    .venv/bin/python bench/api_load.py [--clients 50] [--seconds 10] [--json PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

BERLIN = ZoneInfo("Europe/Berlin")


def build_store(db_url: str, crews: int, stops: int) -> list[str]:
    """Create the tenant, crews, one published plan and tokens; returns the clear tokens."""
    from greentour.crew import tokens
    from greentour.crew.tour import local_today
    from greentour.store.db import make_engine, upgrade
    from greentour.store.models import (
        AccessPoint,
        CrewDay,
        CrewTemplate,
        Depot,
        Plan,
        Site,
        Stop,
        Task,
        TaskType,
        Tenant,
        Tour,
        Vehicle,
    )
    from greentour.store.tenancy import system_session, tenant_session

    upgrade(db_url)
    engine = make_engine(db_url)
    with system_session(engine) as session, session.begin():
        tenant = Tenant(slug="bench", name="Bench", timezone="Europe/Berlin")
        session.add(tenant)
        session.flush()
        tenant_id = tenant.id
    out = []
    with tenant_session(engine, tenant_id) as session, session.begin():
        day = local_today(session.get(Tenant, tenant_id))
        session.add(TaskType(code="mow", name_de="Rasen mähen", name_en="Mow"))
        vehicle = Vehicle(name="Pritsche", kind="van", profile="van")
        depot = Depot(name="Bauhof", lon=11.28, lat=49.51)
        plan = Plan(date_from=day, date_to=day, status="published", version=1)
        session.add_all([vehicle, depot, plan])
        session.flush()
        for c in range(crews):
            template = CrewTemplate(name=f"Kolonne {c + 1}", member_ids=[1, 2, 3])
            session.add(template)
            session.flush()
            crew_day = CrewDay(date=day, name=template.name, template_id=template.id,
                               member_ids=[1, 2, 3], vehicle_id=vehicle.id,
                               shift_start=dt.time(7), shift_end=dt.time(15, 30),
                               depot_id=depot.id)
            session.add(crew_day)
            session.flush()
            tour = Tour(plan_id=plan.id, crew_day_id=crew_day.id)
            session.add(tour)
            session.flush()
            for s in range(stops):
                lon, lat = 11.25 + 0.002 * s, 49.49 + 0.001 * c
                ring = [[lon, lat], [lon + 0.0005, lat], [lon + 0.0005, lat + 0.0004],
                        [lon, lat + 0.0004], [lon, lat]]
                site = Site(name=f"Fläche {c}-{s}", category="park", geometry_type="Polygon",
                            geometry_geojson=json.dumps({"type": "Polygon", "coordinates": [ring]}),
                            lon=lon, lat=lat, area_m2=2000.0, status="accepted",
                            in_maintenance=True)
                session.add(site)
                session.flush()
                session.add(AccessPoint(site_id=site.id, lon=lon, lat=lat - 0.0002))
                task = Task(site_id=site.id, task_type="mow", generator="cycle",
                            due_earliest=day, due_latest=day, duration_s=1800)
                session.add(task)
                session.flush()
                start = dt.datetime.combine(day, dt.time(7, 30), BERLIN) + dt.timedelta(
                    minutes=40 * s)
                leg = [[lon - 0.002, lat], [lon - 0.001, lat + 0.0003], [lon, lat - 0.0002]]
                session.add(Stop(tour_id=tour.id, seq=s + 1, kind="task", task_id=task.id,
                                 arrival_at=start, start_at=start,
                                 end_at=start + dt.timedelta(minutes=30), leg_distance_m=400.0,
                                 leg_duration_s=120,
                                 leg_geometry_geojson=json.dumps(
                                     {"type": "LineString", "coordinates": leg})))
            out.append(tokens.issue_token(session, tenant_id,
                                          crew_template_id=template.id).token)
    engine.dispose()
    return out


def serve(db_url: str, instance: str, port: int, threads: int) -> None:
    """Server process for ``--server waitress``: the real app factory under waitress."""
    os.environ["GREENTOUR_INSTANCE_DIR"] = instance
    os.environ["GREENTOUR_DATABASE_URL"] = db_url
    from waitress import serve as waitress_serve

    from web import create_app

    app = create_app({"GREENTOUR_DATABASE_URL": db_url, "GREENTOUR_AUTO_MIGRATE": False})
    waitress_serve(app, host="127.0.0.1", port=port, threads=threads, _quiet=True)


def gunicorn_command(port: int, workers: int, threads: int) -> list[str]:
    """The production set-up of docs/crew-api.md: gunicorn, ``workers`` processes with
    ``threads`` threads each (gthread worker, keep-alive) serving ``web:create_app()``."""
    return [
        sys.executable, "-m", "gunicorn",
        "--workers", str(workers), "--threads", str(threads),
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        "web:create_app()",
    ]


def start_server(args: argparse.Namespace, db_url: str, instance: Path,
                 port: int) -> subprocess.Popen:
    """Start the app server in its own process(es) on loopback."""
    if args.server == "waitress":
        return subprocess.Popen(
            [sys.executable, __file__, "--threads", str(args.threads),
             "--serve", db_url, str(instance), str(port)],
            cwd=REPO_ROOT,
        )
    env = {**os.environ, "GREENTOUR_DATABASE_URL": db_url, "GREENTOUR_INSTANCE_DIR": str(instance)}
    return subprocess.Popen(gunicorn_command(port, args.workers, args.threads), cwd=REPO_ROOT,
                            env=env)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/crew/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


class TabletConnection:
    """A minimal HTTP/1.1 keep-alive client for ``GET`` with a fixed set of headers.

    The load generator shares the two cores with the server; :mod:`http.client` (e-mail header
    parser, 50 threads contending for one GIL) costs about a third of the server's time per
    request and would be measured as server latency. This client sends prepared bytes and
    reads the status line, ``Content-Length``/``Content-Encoding`` and exactly that many bytes.
    """

    def __init__(self, port: int, timeout_s: float = 30.0) -> None:
        self.port, self.timeout_s = port, timeout_s
        self.sock: socket.socket | None = None
        self.buffer = b""

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buffer = None, b""

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """Status, headers (lower-case names) and decoded body of ``GET path``."""
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), self.timeout_s)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        answer = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            answer[name.strip().lower()] = value.strip()
        length = int(answer.get("content-length", "0"))
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        if answer.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        if answer.get("connection", "").lower() == "close":
            self.close()
        return status, answer, body

    def _fill(self) -> None:
        chunk = self.sock.recv(65536) if self.sock is not None else b""
        if not chunk:
            self.close()
            raise ConnectionResetError("server closed the connection")
        self.buffer += chunk


def client(port: int, token: str, conditional: bool, stop_at: float, interval_s: float,
           latencies: list[float], errors: list[str]) -> None:
    """One tablet: fetch the tour until ``stop_at``, every ``interval_s`` (0: back to back).

    Like a browser it accepts gzip and decodes the body inside the timed span."""
    conn = TabletConnection(port)
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"}
    if conditional:
        _status, answer, _body = conn.get("/api/v1/crew/tour", headers)
        headers["If-None-Match"] = answer.get("etag", "")
    expected = 304 if conditional else 200
    next_at = time.monotonic() + random.uniform(0, interval_s)
    while time.monotonic() < stop_at:
        if interval_s > 0:
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at += interval_s
        start = time.perf_counter()
        try:
            status, _answer, _body = conn.get("/api/v1/crew/tour", headers)
        except OSError as exc:
            errors.append(type(exc).__name__)
            conn.close()
            continue
        latencies.append((time.perf_counter() - start) * 1000.0)
        if status != expected:
            errors.append(f"HTTP {status}")
    conn.close()


def report_client(port: int, token: str, rounds: int, latencies: list[float],
                  errors: list[str]) -> int:
    """One tablet sends ``rounds`` passes over its stops (done), each report twice (a retry).

    Returns the number of distinct reports sent."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    conn.request("GET", "/api/v1/crew/tour", headers=headers)
    tour = json.loads(conn.getresponse().read())
    sent = 0
    for _ in range(rounds):
        for stop in tour["stops"]:
            body = json.dumps({
                "client_uuid": str(uuid.uuid4()), "stop_id": stop["id"],
                "plan_version": tour["plan"]["version"], "status": "done",
                "device_time": dt.datetime.now(dt.UTC).isoformat(),
            })
            for _attempt in range(2):
                start = time.perf_counter()
                conn.request("POST", "/api/v1/reports", body=body, headers=headers)
                answer = conn.getresponse()
                answer.read()
                latencies.append((time.perf_counter() - start) * 1000.0)
                if answer.status != 201:
                    errors.append(f"HTTP {answer.status}")
            sent += 1
    conn.close()
    return sent


def run_reports(port: int, tokens: list[str], clients: int, rounds: int,
                db_url: str) -> dict[str, float]:
    """All tablets report at once; every report is sent twice; the store must hold each once."""
    from sqlalchemy import func, select

    from greentour.store.db import make_engine
    from greentour.store.models import Completion
    from greentour.store.tenancy import tenant_session

    latencies: list[float] = []
    errors: list[str] = []
    counts: list[int] = []
    threads = [
        threading.Thread(target=lambda i=i: counts.append(
            report_client(port, tokens[i % len(tokens)], rounds, latencies, errors)))
        for i in range(clients)
    ]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    engine = make_engine(db_url)
    with tenant_session(engine, 1) as session:
        stored = session.scalar(select(func.count()).select_from(Completion))
    engine.dispose()
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "distinct_reports_sent": sum(counts),
        "reports_stored": stored,
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run_phase(port: int, tokens: list[str], clients: int, seconds: float,
              conditional: bool, interval_s: float = 0.0) -> dict[str, float]:
    latencies: list[float] = []
    errors: list[str] = []
    stop_at = time.monotonic() + seconds
    threads = [
        threading.Thread(target=client, args=(port, tokens[i % len(tokens)], conditional,
                                              stop_at, interval_s, latencies, errors))
        for i in range(clients)
    ]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else float("nan"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--crews", type=int, default=50)
    parser.add_argument("--stops", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--server", choices=("gunicorn", "waitress"), default="gunicorn",
                        help="WSGI server (gunicorn: the production set-up of docs/crew-api.md)")
    parser.add_argument("--workers", type=int, default=2,
                        help="gunicorn worker processes (one per core)")
    parser.add_argument("--threads", type=int, default=4,
                        help="threads per gunicorn worker (waitress: threads of its one process)")
    parser.add_argument("--interval-s", type=float, default=1.0,
                        help="pause between a tablet's fetches in the paced phases (s)")
    parser.add_argument("--report-rounds", type=int, default=1,
                        help="passes over its stops each tablet reports (each report sent twice)")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--serve", nargs=3, metavar=("DB_URL", "INSTANCE", "PORT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve[0], args.serve[1], int(args.serve[2]), args.threads)
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        tokens = build_store(db_url, args.crews, args.stops)
        port = free_port()
        server = start_server(args, db_url, Path(tmp) / "instance", port)
        try:
            wait_until_up(port)
            # warm-up: every worker process builds and caches the tours (about 20-30 ms each
            # when cold); new connections each round so that both workers see most tablets
            for _ in range(3):
                run_phase(port, tokens, args.clients, 1.0, conditional=False)
            results = {
                "clients": args.clients,
                "crews": args.crews,
                "stops_per_tour": args.stops,
                "server": args.server,
                "workers": args.workers if args.server == "gunicorn" else 1,
                "threads": args.threads,
                "load_average_before": [round(x, 2) for x in os.getloadavg()],
                "seconds_per_phase": args.seconds,
                "cpu_count": os.cpu_count(),
                "interval_s": args.interval_s,
                "full": run_phase(port, tokens, args.clients, args.seconds, conditional=False),
                "conditional": run_phase(port, tokens, args.clients, args.seconds,
                                         conditional=True),
                "paced_full": run_phase(port, tokens, args.clients, args.seconds,
                                        conditional=False, interval_s=args.interval_s),
                "paced_conditional": run_phase(port, tokens, args.clients, args.seconds,
                                               conditional=True, interval_s=args.interval_s),
                "reports": run_reports(port, tokens, args.clients, args.report_rounds, db_url),
            }
        finally:
            server.terminate()
            server.wait(timeout=10)
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    setup = (f"gunicorn {results['workers']} workers x {args.threads} threads"
             if args.server == "gunicorn" else f"waitress 1 process x {args.threads} threads")
    print(f"server: {setup}; {args.clients} clients, {args.crews} crews x {args.stops} stops, "
          f"{args.seconds:g} s per phase; cpus {os.cpu_count()}; load average (1/5/15 min) "
          f"before {results['load_average_before']}, after {results['load_average_after']}")
    for phase in ("full", "conditional", "paced_full", "paced_conditional"):
        r = results[phase]
        print(f"{phase:18s} {r['requests']:6d} requests  {r['throughput_rps']:7.1f}/s  "
              f"p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  "
              f"errors {r['errors']}")
    r = results["reports"]
    print(f"{'reports':18s} {r['requests']:6d} requests  {r['throughput_rps']:7.1f}/s  "
          f"p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  "
          f"errors {r['errors']}  sent {r['distinct_reports_sent']} (twice each), "
          f"stored {r['reports_stored']}")
    results["target_p95_ms"] = 50.0
    for phase in ("full", "paced_full"):
        met = results[phase]["p95_ms"] <= 50.0
        results[f"target_met_{phase}"] = met
        print(f"target p95 <= 50 ms, {phase} ({args.clients} clients): "
              f"{'met' if met else 'NOT met'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
