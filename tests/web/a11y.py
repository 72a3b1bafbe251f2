"""Accessibility check of a page in the real browser with axe-core (Deque, MPL-2.0).

``scripts/setup.sh`` installs the pinned axe-core from the npm registry into ``.tools/``;
``GREENTOUR_AXE_JS`` points to another ``axe.min.js``. A missing file fails the test with the
command that installs it (never a skip).

Use::

    from a11y import axe_violations, serious
    found = axe_violations(page)           # every violation axe reports, WCAG 2.x A/AA rules
    assert not serious(found), describe(serious(found))
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

REPO = Path(__file__).resolve().parents[2]
AXE_JS = REPO / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
#: the rule sets run: WCAG 2.0/2.1 levels A and AA (what public bodies in Germany owe, BITV 2.0)
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


def axe_source() -> str:
    """The text of axe.min.js; fails the test when it is not installed."""
    path = Path(os.environ.get("GREENTOUR_AXE_JS") or AXE_JS)
    if not path.is_file():
        pytest.fail(f"axe-core not found at {path}: run scripts/setup.sh "
                    "(npm install --prefix .tools axe-core@4.11.0)")
    return path.read_text(encoding="utf-8")


def axe_violations(page: Page, include: str | None = None,
                   exclude: list[str] | None = None) -> list[dict[str, Any]]:
    """Run axe on the current page (or only inside the CSS selector ``include``).

    ``exclude`` lists CSS selectors left out (e.g. third-party map tiles). Returns axe's
    violations: dicts with ``id``, ``impact`` (minor/moderate/serious/critical), ``help`` and
    ``nodes`` (each with ``target`` and ``failureSummary``).
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated by the DevTools protocol, not as a page script: the pages' CSP (scripts only
        # from the server or with the request's nonce) stays on while axe runs
        page.evaluate(axe_source())
    context: dict[str, Any] = {}
    if include:
        context["include"] = [[include]]
    if exclude:
        context["exclude"] = [[sel] for sel in exclude]
    result = page.evaluate(
        """async ([context, tags]) => {
            const ctx = Object.keys(context).length ? context : document;
            return await axe.run(ctx, {runOnly: {type: 'tag', values: tags},
                                       resultTypes: ['violations']});
        }""",
        [context, list(WCAG_TAGS)],
    )
    return list(result["violations"])


def serious(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The violations of impact serious or critical."""
    return [v for v in violations if v.get("impact") in ("serious", "critical")]


def describe(violations: list[dict[str, Any]]) -> str:
    """Rule, impact, help and the first targets of each violation, one line each."""
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(n["target"]) if isinstance(n["target"], list)
                            else str(n["target"]) for n in v["nodes"][:3])
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])}x): {v['help']} – {targets}")
    return "\n".join(lines)
