"""Crew-days for a date range: templates minus absences, only on working days."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select

from greentour.commands.tenants import apply_tenant_file
from greentour.errors import BadInput
from greentour.planning.crew_days import generate_crew_days, is_working_day
from greentour.settings import REPO_ROOT
from greentour.store import tenant_session
from greentour.store.models import Absence, CrewDay, Machine, Staff

LAUF = REPO_ROOT / "data" / "tenants" / "lauf.toml"


def test_crew_days_from_templates_minus_absences(engine: Engine) -> None:
    """Mon 1 - Sun 7 June 2026 in Bavaria: 4 working days (Thu is Corpus Christi), 6 crews each,
    the absent person missing only on the days of the absence, Friday's short shift."""
    tenant_id = apply_tenant_file(engine, LAUF).tenant_id
    with tenant_session(engine, tenant_id) as s, s.begin():
        huber = s.scalar(select(Staff).where(Staff.config_key == "huber"))
        assert huber is not None
        s.add(Absence(staff_id=huber.id, date_from=dt.date(2026, 6, 2),
                      date_to=dt.date(2026, 6, 3), reason="Urlaub"))
        mower = s.scalar(select(Machine).where(Machine.config_key == "aufsitz-1"))
        assert mower is not None
        mower.repair_until = dt.date(2026, 6, 1)
        huber_id, mower_id = huber.id, mower.id
    with tenant_session(engine, tenant_id) as s, s.begin():
        days = generate_crew_days(s, dt.date(2026, 6, 1), dt.date(2026, 6, 7))
    assert sorted(days) == [dt.date(2026, 6, d) for d in (1, 2, 3, 5)]
    assert all(len(crews) == 6 for crews in days.values())
    with tenant_session(engine, tenant_id) as s:
        def crew1(day: int) -> CrewDay:
            row = s.scalar(select(CrewDay).where(CrewDay.date == dt.date(2026, 6, day),
                                                 CrewDay.name.like("Kolonne 1%")))
            assert row is not None
            return row

        assert huber_id in crew1(1).member_ids
        assert huber_id not in crew1(2).member_ids and huber_id not in crew1(3).member_ids
        assert huber_id in crew1(5).member_ids
        assert mower_id not in crew1(1).machine_ids and mower_id in crew1(2).machine_ids
        assert crew1(5).shift_end == dt.time(12, 30) and crew1(1).shift_end == dt.time(15, 30)
        assert crew1(1).breaks_json == [["09:00", "09:15"], ["12:00", "12:30"]]
        assert s.scalar(select(func.count(CrewDay.id))) == 24


def test_existing_crew_days_are_kept(engine: Engine) -> None:
    """Generating a range again keeps the planner's edits and adds no duplicates."""
    tenant_id = apply_tenant_file(engine, LAUF).tenant_id
    day = dt.date(2026, 6, 1)
    with tenant_session(engine, tenant_id) as s, s.begin():
        first = generate_crew_days(s, day, day)[day][0]
        first.locked = True
    with tenant_session(engine, tenant_id) as s, s.begin():
        again = generate_crew_days(s, day, day)[day]
        assert len(again) == 6 and any(c.locked for c in again)


def test_bad_range_refused(engine: Engine, tenant) -> None:
    """A reversed or too long range is refused with a message."""
    with tenant_session(engine, tenant.id) as s:
        with pytest.raises(BadInput, match="verkehrt"):
            generate_crew_days(s, dt.date(2026, 6, 5), dt.date(2026, 6, 1))
        with pytest.raises(BadInput, match="zu lang"):
            generate_crew_days(s, dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def test_working_days_follow_the_land() -> None:
    """Corpus Christi is a holiday in Bavaria but not in Bremen; Sundays never work."""
    assert not is_working_day(dt.date(2026, 6, 4), "BY")
    assert is_working_day(dt.date(2026, 6, 4), "HB")
    assert not is_working_day(dt.date(2026, 6, 7), "BY")


def test_working_days_use_the_one_holiday_calendar() -> None:
    """Crew-days and demand agree on every day of 2026: Saturdays work, Reformation Day by Land."""
    from greentour.demand.holidays_de import is_public_holiday

    assert is_working_day(dt.date(2026, 6, 6), "BY")  # a Saturday
    assert not is_working_day(dt.date(2026, 10, 31), "SN")  # Reformationstag in Saxony
    assert is_working_day(dt.date(2026, 10, 31), "BY")
    for land in ("BY", "NW", "SN"):
        day = dt.date(2026, 1, 1)
        while day.year == 2026:
            expected = day.weekday() != 6 and not is_public_holiday(day, land)
            assert is_working_day(day, land) == expected, (day, land)
            day += dt.timedelta(days=1)
