"""Job handlers used by the worker tests (loaded through GREENTOUR_JOB_MODULES)."""

from __future__ import annotations

import time

from greentour.jobs import JobContext, register_job


@register_job("test_sleep")
def run_sleep(ctx: JobContext) -> dict[str, int]:
    """Sleep ``seconds`` in 0.1 s steps, reporting progress (a stand-in for a long solve)."""
    steps = int(ctx.params.get("seconds", 1) * 10)
    for i in range(steps):
        time.sleep(0.1)
        ctx.progress(100 * (i + 1) / steps, f"Schritt {i + 1} von {steps}")
    return {"steps": steps}
