"""Server memory under hostile API bodies: 150 MB without a token, four parallel PNG bombs (#14).

Starts the real app (waitress, 4 threads, as ``greentour serve``) on a throw-away SQLite store
with the crew sample (tests/crew_sample.py) in a child process, then

1. POSTs a 150 MB JSON body to ``/api/v1/reports`` without a token (the answer must be 401 and
   the app must not parse it; waitress spools request bodies to a temporary file);
2. sends four 6300 × 6300 px grey PNGs (about 38 KB each, 119 MB decoded) as report photos at
   once.

Prints the answers and the server's peak resident memory (VmHWM, MB). Run from the repository:
``python bench/api_limits.py [--port 18771]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from pathlib import Path

HUGE_BYTES = 150 * 1024 * 1024


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(edge_px: int = 6300) -> bytes:
    """A complete grey PNG of edge × edge px that packs into a few dozen KB."""
    packer = zlib.compressobj(9)
    row = b"\x00" * (edge_px + 1)
    idat = b"".join(packer.compress(row) for _ in range(edge_px)) + packer.flush()
    header = struct.pack(">IIBBBBB", edge_px, edge_px, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat)
            + _chunk(b"IEND", b""))


def _status_mb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) / 1024
    return float("nan")


def serve(instance: Path, port: int) -> None:
    """The child process: store the crew sample and serve the app."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from crew_sample import build_crew_sample
    from waitress import serve as waitress_serve

    from greentour.store import make_engine, upgrade
    from web import create_app

    instance.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{instance}/db.sqlite"
    os.environ["GREENTOUR_INSTANCE_DIR"] = str(instance)
    engine = make_engine(url)
    upgrade(engine)
    sample = build_crew_sample(engine)
    app = create_app(
        {"SECRET_KEY": "bench", "GREENTOUR_DATABASE_URL": url, "GREENTOUR_AUTO_MIGRATE": False}
    )
    (instance / "sample.json").write_text(json.dumps(
        {"token": sample.tokens["a1"], "stop": sample.stop_ids["a1"][0], "day": str(sample.day)}
    ))
    waitress_serve(app, host="127.0.0.1", port=port, threads=4)


def _wait_for(instance: Path, port: int) -> dict:
    for _ in range(300):
        if (instance / "sample.json").exists():
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/crew/")
                return json.loads((instance / "sample.json").read_text())
            except OSError:
                pass
        time.sleep(0.2)
    raise SystemExit("server did not start")


def huge_without_token(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.putrequest("POST", "/api/v1/reports")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(HUGE_BYTES))
    conn.endheaders()
    block, sent = b"[" * (1 << 20), 0
    try:
        while sent < HUGE_BYTES:
            conn.send(block)
            sent += len(block)
    except OSError:
        pass
    try:
        return f"{conn.getresponse().status} after {sent >> 20} MB sent"
    except OSError as exc:
        return f"connection closed after {sent >> 20} MB ({type(exc).__name__})"


def photo_bomb(port: int, sample: dict, bomb: bytes, results: list[int]) -> None:
    auth = {"Authorization": f"Bearer {sample['token']}"}
    client_uuid = str(uuid.uuid4())
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    report = {"client_uuid": client_uuid, "stop_id": sample["stop"], "plan_version": 1,
              "status": "done", "device_time": f"{sample['day']}T08:00:00+02:00"}
    conn.request("POST", "/api/v1/reports", json.dumps(report),
                 {**auth, "Content-Type": "application/json"})
    conn.getresponse().read()
    boundary = "greentourbench"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; "
            f"filename=\"b.png\"\r\nContent-Type: image/png\r\n\r\n").encode()
    body += bomb + f"\r\n--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("POST", f"/api/v1/reports/{client_uuid}/photo", body,
                 {**auth, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    answer = conn.getresponse()
    answer.read()
    results.append(answer.status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=18771)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve), args.port)
        return
    instance = Path(tempfile.mkdtemp(prefix="greentour-api-limits-"))
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(instance), "--port", str(args.port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        sample = _wait_for(instance, args.port)
        time.sleep(1)
        print(f"server RSS at start: {_status_mb(child.pid, 'VmRSS'):.0f} MB")
        answer = huge_without_token(args.port)
        print(f"150 MB without token: {answer}; peak RSS {_status_mb(child.pid, 'VmHWM'):.0f} MB")
        bomb, results = png_bomb(), []
        threads = [threading.Thread(target=photo_bomb, args=(args.port, sample, bomb, results))
                   for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(f"4 parallel 6300x6300 px PNG ({len(bomb) // 1024} KB each): {sorted(results)}; "
              f"peak RSS {_status_mb(child.pid, 'VmHWM'):.0f} MB")
    finally:
        child.terminate()
        child.wait(timeout=10)


if __name__ == "__main__":
    main()
