"""pytest plugin: with GREENTOUR_REQUIRE_POSTGRES=1 (set by .ci/run) PostgreSQL tests must run.

A skipped test marked ``postgres`` fails, and a run that collected PostgreSQL tests but passed
none of them fails too, so CI cannot go green without the throwaway cluster. tests/conftest.py
imports the hooks; tests/test_postgres_required.py runs them on a skipping test.
"""

from __future__ import annotations

import os

import pytest

# With GREENTOUR_REQUIRE_POSTGRES=1 (set by .ci/run) a skipped PostgreSQL test fails, and a run
# that collected PostgreSQL tests but passed none of them fails too: CI cannot go green without
# the throwaway cluster.
_POSTGRES_PASSED: list[str] = []


def _postgres_required() -> bool:
    return os.environ.get("GREENTOUR_REQUIRE_POSTGRES") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: object):  # noqa: ANN201 - pytest hook
    outcome = yield
    report = outcome.get_result()
    if item.get_closest_marker("postgres") is None:
        return
    if report.skipped and _postgres_required():
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid}: PostgreSQL test skipped, but GREENTOUR_REQUIRE_POSTGRES=1 "
            f"(install postgresql; scripts/setup.sh does): {report.longrepr}"
        )
    elif report.when == "call" and report.passed:
        _POSTGRES_PASSED.append(item.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _postgres_required() or exitstatus != 0:
        return
    collected = [i for i in session.items if i.get_closest_marker("postgres") is not None]
    if collected and not _POSTGRES_PASSED:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: object) -> None:
    if _postgres_required():
        terminalreporter.write_line(  # type: ignore[attr-defined]
            f"PostgreSQL tests passed: {len(_POSTGRES_PASSED)} (GREENTOUR_REQUIRE_POSTGRES=1)"
        )
