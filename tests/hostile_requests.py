"""Hostile requests for every route of the app: NUL, surrogates, deep JSON, 150 MB bodies, huge
ids and days (#14). Used by tests/web/test_request_guard.py (SQLite) and
tests/greentour/crew/test_crew_postgres.py (PostgreSQL); bench/fault_injection.py sends the same
kinds.
"""

from __future__ import annotations

import io
import re

from crew_sample import login_planner

HUGE_BYTES = 150 * 1024 * 1024
DEEP_JSON = "[" * 100_000 + "]" * 100_000


class CountingStream(io.RawIOBase):
    """A request body that claims to be huge and counts what the server reads of it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.read_bytes

    def seek(self, pos: int, whence: int = 0) -> int:
        """The test client measures the body by seeking; that reads nothing."""
        self.read_bytes = self.size if whence == 2 else pos
        return self.read_bytes

    def readinto(self, buffer) -> int:  # type: ignore[override]
        n = min(len(buffer), self.size - self.read_bytes)
        buffer[:n] = b"{" * n
        self.read_bytes += n
        return n


def huge_post(client, path: str, headers: dict[str, str]) -> tuple[int, CountingStream]:
    """POST a 150 MB JSON body; (status, the stream that counted what the server read)."""
    stream = CountingStream(HUGE_BYTES)
    answer = client.post(
        path,
        input_stream=stream,
        headers={**headers, "Content-Type": "application/json"},
        environ_overrides={"CONTENT_LENGTH": str(HUGE_BYTES)},
    )
    return answer.status_code, stream


def route_paths(app) -> list[tuple[str, str]]:
    """(method, path) of every route of ``app`` (no static files), int parts 1, others "lauf"."""
    out = []
    for rule in app.url_map.iter_rules():
        if "static" in rule.endpoint or "leaflet" in rule.rule:
            continue
        path = rule.rule
        for name, conv in rule._converters.items():  # noqa: SLF001 - the rule's own converters
            value = "1" if type(conv).__name__ == "BoundedIntConverter" else "lauf"
            path = re.sub(rf"<[^>]*{name}>", value, path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((method, path))
    return out


#: Hostile JSON bodies and the status the routes that read them answer.
HOSTILE = {
    "nul": ('{"name": "a\\u0000b", "note": "x\\u0000", "reason": "\\u0000"}', 422),
    "surrogate": ('{"name": "\\ud800", "note": "\\udfff x"}', 422),
    "deep": (DEEP_JSON, 400),
}


def hostile_failures(app, client, engine, sample, who: str) -> list[tuple]:
    """Send every hostile body and query to every route as ``who``; the answers of 500 and more
    (and bodies read beyond 2 MB), as (case, method, path, status)."""
    headers: dict[str, str] = {"Accept": "application/json"}
    if who == "device":
        headers["Authorization"] = f"Bearer {sample.tokens['a1']}"
    elif who == "planner":
        headers["X-CSRFToken"] = login_planner(client, engine, sample.tenant_ids["lauf"])
    failures = []
    for method, path in route_paths(app):
        if path == "/auth/logout":
            continue
        for name, (body, _status) in HOSTILE.items():
            answer = client.open(path, method=method, data=body,
                                 content_type="application/json", headers=headers)
            if answer.status_code >= 500:
                failures.append((name, method, path, answer.status_code))
        for query in ("day=9999-12-31", "date=9999-12-31", "datetime=9999-12-31T00:00:00Z",
                      f"crew_day_id={2**80}", "limit=" + "9" * 30, "bbox=a%00b", "day=%00"):
            answer = client.open(f"{path}?{query}", method=method, headers=headers)
            if answer.status_code >= 500:
                failures.append((query, method, path, answer.status_code))
        if method != "GET":
            status, stream = huge_post(client, path, headers) if method == "POST" else (0, None)
            if status >= 500 or (stream is not None and stream.read_bytes > 2 * 1024 * 1024):
                failures.append(("huge", method, path, status))
    return failures
