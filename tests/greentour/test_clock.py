"""The tenant's clock: the demo day at the real time of day (#15: "behind plan" on the demo)."""

from __future__ import annotations

import datetime as dt

from greentour.clock import tenant_now, tenant_today
from greentour.store.models import Tenant


def test_demo_clock_now_is_the_demo_day_at_the_wall_clock_time() -> None:
    """At 06:10 Berlin on a December night the demo's now is 06:10 on its June demo day; a town
    without a demo clock keeps the real now."""
    wall = dt.datetime(2026, 12, 3, 5, 10, tzinfo=dt.UTC)  # 06:10 CET
    demo = Tenant(name="Lauf", slug="lauf", timezone="Europe/Berlin",
                  demo_today=dt.date(2026, 6, 22))
    now = tenant_now(demo, wall)
    assert now == dt.datetime(2026, 6, 22, 4, 10, tzinfo=dt.UTC)  # 06:10 CEST
    assert now.tzinfo is not None and tenant_today(demo, wall) == dt.date(2026, 6, 22)
    real = Tenant(name="Hersbruck", slug="hersbruck", timezone="Europe/Berlin")
    assert tenant_now(real, wall) == wall
