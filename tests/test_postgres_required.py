"""CI cannot skip the PostgreSQL suite: with GREENTOUR_REQUIRE_POSTGRES=1 a skip fails the run."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

SKIPPING = """
import pytest

pytestmark = pytest.mark.postgres

def test_on_postgres():
    pytest.skip("PostgreSQL server binaries not found")
"""


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    pytester.makeini("[pytest]\nmarkers =\n    postgres: needs PostgreSQL\n")
    pytester.makepyfile(test_pg=SKIPPING)

    def _run(required: bool) -> pytest.RunResult:
        if required:
            monkeypatch.setenv("GREENTOUR_REQUIRE_POSTGRES", "1")
        else:
            monkeypatch.delenv("GREENTOUR_REQUIRE_POSTGRES", raising=False)
        return pytester.runpytest_inprocess("-p", "postgres_required")

    return _run


def test_skipped_postgres_test_fails_when_required(run) -> None:
    """In CI (variable set) the skipped PostgreSQL test is a failure and the run exits 1."""
    result = run(required=True)
    result.assert_outcomes(failed=1)
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*GREENTOUR_REQUIRE_POSTGRES=1*"])


def test_skipped_postgres_test_is_a_skip_on_a_developer_machine(run) -> None:
    """Without the variable a machine without PostgreSQL just skips."""
    run(required=False).assert_outcomes(skipped=1)


def test_ci_script_requires_postgres() -> None:
    """.ci/run sets the variable and scripts/setup.sh installs postgresql."""
    repo = Path(__file__).resolve().parent.parent
    assert "export GREENTOUR_REQUIRE_POSTGRES=1" in (repo / ".ci" / "run").read_text()
    assert "need_apt+=(postgresql)" in (repo / "scripts" / "setup.sh").read_text()
