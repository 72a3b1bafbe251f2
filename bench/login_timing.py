"""Login answer times for a known and an unknown user name (wrong password both times).

A timing difference tells an attacker which names exist (issue 14 measured 285 ms for unknown
names against 191 ms for known ones). Runs the real app (Flask test client, real SQLite, real
scrypt hashes) with throttling raised out of the way and prints the median and p90 of
``--rounds`` alternating attempts per kind.

    .venv/bin/python bench/login_timing.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="greentour-login-") as tmp:
        os.environ.update(GREENTOUR_INSTANCE_DIR=tmp, GREENTOUR_LOGIN_MAX_FAILURES="100000",
                          GREENTOUR_LOGIN_MAX_FAILURES_PER_ADDRESS="100000")
        from greentour.accounts.members import create_user
        from greentour.store import make_engine, system_session, upgrade
        from greentour.store.models import Tenant
        from web import create_app

        url = f"sqlite:///{Path(tmp) / 'login.sqlite'}"
        upgrade(url)
        engine = make_engine(url)
        with system_session(engine) as s, s.begin():
            tenant = Tenant(slug="bench", name="Bench")
            s.add(tenant)
        create_user(engine, tenant.id, "disponentin", "Lauf-Dispo-2026!")
        app = create_app({"SECRET_KEY": "bench", "GREENTOUR_DATABASE_URL": url,
                          "GREENTOUR_AUTO_MIGRATE": False, "TESTING": True})
        client = app.test_client()
        page = client.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        times: dict[str, list[float]] = {"known": [], "unknown": []}
        for i in range(2 * args.rounds):
            kind = "known" if i % 2 == 0 else "unknown"
            name = "disponentin" if kind == "known" else f"niemand{i}"
            began = time.perf_counter()
            answer = client.post("/auth/login", data={"username": name, "password": "falsch-123",
                                                      "csrf_token": token})
            times[kind].append((time.perf_counter() - began) * 1000)
            assert answer.status_code == 401, answer.status_code
        app.extensions["greentour_engine"].dispose()
        engine.dispose()
    for kind, values in times.items():
        values.sort()
        print(f"{kind:8s} median {statistics.median(values):6.1f} ms  "
              f"p90 {values[int(0.9 * len(values))]:6.1f} ms  (n={len(values)})")
    ratio = statistics.median(times["unknown"]) / statistics.median(times["known"])
    print(f"unknown/known median ratio {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
