"""Morning line-up services (Tagesbesetzung) on a real migrated SQLite store, without Flask."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from greentour.errors import BadInput, Conflict, NotFound
from greentour.store import make_engine, models, system_session, tenant_session, upgrade
from greentour.workplace import lineup

MONDAY = dt.date(2026, 6, 15)


@pytest.fixture()
def store(tmp_path: Path):
    """A migrated SQLite store with one tenant: 5 staff, 2 vehicles, 3 machines, 2 templates."""
    url = f"sqlite:///{tmp_path / 'gt.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    with system_session(engine) as s, s.begin():
        tenant = models.Tenant(slug="t", name="T")
        s.add(tenant)
    with tenant_session(engine, tenant.id) as s, s.begin():
        people = [
            models.Staff(name="Anna", qualifications=["aerial_work_platform", "C1E"]),
            models.Staff(name="Bernd", qualifications=["chainsaw"]),
            models.Staff(name="Carla", qualifications=[]),
            models.Staff(name="Dieter", qualifications=["C1E"]),
            models.Staff(name="Emil", qualifications=[]),
        ]
        truck = models.Vehicle(name="Pritsche 1", kind="truck", profile="truck", licence="C1E")
        van = models.Vehicle(name="Transporter", kind="van", profile="van", licence="B")
        lift = models.Machine(name="Hubsteiger", kind="aerial_lift",
                              qualification="aerial_work_platform")
        mower = models.Machine(name="Aufsitzmäher 1", kind="ride_on_mower")
        saw = models.Machine(name="Motorsäge", kind="chainsaw", qualification="chainsaw")
        s.add_all([*people, truck, van, lift, mower, saw])
        s.flush()
        s.add_all([
            models.CrewTemplate(name="Kolonne 1", weekdays=[1, 2, 3, 4, 5],
                                member_ids=[people[0].id, people[1].id], vehicle_id=truck.id,
                                machine_ids=[lift.id, saw.id]),
            models.CrewTemplate(name="Kolonne 2", weekdays=[1, 2, 3, 4, 5],
                                member_ids=[people[2].id, people[3].id], vehicle_id=van.id,
                                machine_ids=[mower.id]),
        ])
        ids = {p.name: p.id for p in people} | {"lift": lift.id, "mower": mower.id,
                                                 "saw": saw.id}
    yield engine, tenant.id, ids
    engine.dispose()


def test_crew_days_come_from_templates_minus_absences(store) -> None:
    """Generated crew-days follow the templates, leave out the sick and get the Monday shift."""
    engine, tenant_id, ids = store
    with tenant_session(engine, tenant_id) as s, s.begin():
        s.add(models.Absence(staff_id=ids["Bernd"], date_from=MONDAY, date_to=MONDAY,
                             reason="krank"))
    with tenant_session(engine, tenant_id) as s, s.begin():
        days = lineup.ensure_crew_days(s, MONDAY)
        assert [d.name for d in days] == ["Kolonne 1", "Kolonne 2"]
        assert days[0].member_ids == [ids["Anna"]]
        assert days[0].shift_start == dt.time(6, 30) and days[0].shift_end == dt.time(15, 30)
        assert lineup.crew_available_s(days[0]) == 9 * 3600 - 45 * 60
    with tenant_session(engine, tenant_id) as s, s.begin():
        saturday = lineup.ensure_crew_days(s, MONDAY + dt.timedelta(days=5))
        assert saturday == []


def test_machine_in_repair_is_left_out_and_flags_missing_qualification(store) -> None:
    """The lift in repair is not booked; the saw without its qualified operator is flagged."""
    engine, tenant_id, ids = store
    with tenant_session(engine, tenant_id) as s, s.begin():
        lineup.set_machine_repair(s, ids["lift"], MONDAY + dt.timedelta(days=2), MONDAY)
        lineup.report_absence(s, ids["Bernd"], MONDAY, MONDAY + dt.timedelta(days=1), "krank")
    with tenant_session(engine, tenant_id) as s, s.begin():
        view = lineup.get_lineup(s, MONDAY)
        crew1 = view.crews[0]
        assert [m.name for m in crew1.machines] == ["Motorsäge"]
        assert any("Motorsäge" in f and "„Motorsägenschein“" in f for f in crew1.flags)
        assert [p.name for p, _ in view.absent] == ["Bernd"]
        assert "Emil" in [p.name for p in view.idle_people]
        lift = next(m for m in view.pool_machines if m.id == ids["lift"])
        assert lift.out_of_service
        with pytest.raises(Conflict):
            lineup.move_machine(s, MONDAY, ids["lift"], crew1.id)


def test_moving_people_and_machines_between_crews(store) -> None:
    """A person or machine moved to another crew leaves the old one; double bookings are flagged."""
    engine, tenant_id, ids = store
    with tenant_session(engine, tenant_id) as s, s.begin():
        view = lineup.get_lineup(s, MONDAY)
        c1, c2 = view.crews
        lineup.move_person(s, MONDAY, ids["Emil"], c2.id)
        lineup.move_person(s, MONDAY, ids["Carla"], c1.id)
        lineup.move_machine(s, MONDAY, ids["mower"], c1.id)
        days = {d.name: d for d in s.scalars(select(models.CrewDay))}
        assert ids["Carla"] in days["Kolonne 1"].member_ids
        assert ids["Carla"] not in days["Kolonne 2"].member_ids
        assert ids["Emil"] in days["Kolonne 2"].member_ids
        assert ids["mower"] in days["Kolonne 1"].machine_ids
        assert ids["mower"] not in days["Kolonne 2"].machine_ids
        # a double booking written by hand (e.g. an import) is flagged on both crews
        days["Kolonne 2"].machine_ids = [ids["mower"]]
        s.flush()
        flags = lineup.get_lineup(s, MONDAY).crews[1].flags
        assert any("doppelt" in f for f in flags)


def test_a_form_without_person_or_machine_is_refused_and_changes_nothing(store) -> None:
    """A move or absence without the person or machine (an empty select) is a 400 with what to
    choose; an unknown id a 404; no crew-day changes."""
    engine, tenant_id, ids = store
    with tenant_session(engine, tenant_id) as s, s.begin():
        c1 = lineup.get_lineup(s, MONDAY).crews[0]
        before = {d.id: (list(d.member_ids), list(d.machine_ids))
                  for d in s.scalars(select(models.CrewDay))}
        with pytest.raises(BadInput, match="Bitte eine Person wählen"):
            lineup.move_person(s, MONDAY, None, c1.id)
        with pytest.raises(BadInput, match="Bitte eine Maschine wählen"):
            lineup.move_machine(s, MONDAY, None, c1.id)
        with pytest.raises(BadInput, match="Bitte eine Person wählen"):
            lineup.report_absence(s, None, MONDAY, MONDAY, "krank")
        with pytest.raises(NotFound, match="Maschine 999999 gibt es nicht"):
            lineup.move_machine(s, MONDAY, 999999, c1.id)
        after = {d.id: (list(d.member_ids), list(d.machine_ids))
                 for d in s.scalars(select(models.CrewDay))}
        assert after == before


def test_absent_person_cannot_be_moved_into_a_crew(store) -> None:
    """Moving a sick person into a crew is refused with a reason."""
    engine, tenant_id, ids = store
    with tenant_session(engine, tenant_id) as s, s.begin():
        view = lineup.get_lineup(s, MONDAY)
        lineup.report_absence(s, ids["Emil"], MONDAY, MONDAY, "krank")
        with pytest.raises(Conflict, match="abwesend"):
            lineup.move_person(s, MONDAY, ids["Emil"], view.crews[0].id)


def _members(s, day: dt.date, name: str) -> list[int]:
    return s.scalar(select(models.CrewDay).where(models.CrewDay.date == day,
                                                 models.CrewDay.name == name)).member_ids


def test_an_absence_can_be_shortened_and_withdrawn(store) -> None:
    """Sick Monday to Wednesday, back Wednesday after all (shortened to Tuesday), then withdrawn
    from Monday on: the person is back in the template crew on the freed days and the stored
    absence follows each change; an end before an absence's first day is refused."""
    engine, tenant_id, ids = store
    tuesday, wednesday = MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=2)
    with tenant_session(engine, tenant_id) as s, s.begin():
        for d in (MONDAY, tuesday, wednesday):
            lineup.ensure_crew_days(s, d)
        absence = lineup.report_absence(s, ids["Anna"], MONDAY, wednesday, "krank")
        absence_id = absence.id
        assert ids["Anna"] not in _members(s, wednesday, "Kolonne 1")
    with tenant_session(engine, tenant_id) as s, s.begin():
        person, changed = lineup.change_absence(s, absence_id, MONDAY, tuesday)
        assert person.name == "Anna" and changed.date_to == tuesday
        assert ids["Anna"] in _members(s, wednesday, "Kolonne 1")
        assert ids["Anna"] not in _members(s, tuesday, "Kolonne 1")
        view = lineup.get_lineup(s, MONDAY)
        assert [(a.person, a.date_to) for a in view.absences] == [("Anna", tuesday)]
    with tenant_session(engine, tenant_id) as s, s.begin():
        later = lineup.report_absence(s, ids["Carla"], wednesday, wednesday, "Schulung")
        s.flush()
        with pytest.raises(BadInput):  # an end before the absence's first day
            lineup.change_absence(s, later.id, MONDAY, tuesday)
        s.rollback()
    with tenant_session(engine, tenant_id) as s, s.begin():
        person, changed = lineup.change_absence(s, absence_id, MONDAY, None)
        assert changed is None
        assert s.scalar(select(models.Absence.id)) is None
        assert all(ids["Anna"] in _members(s, d, "Kolonne 1") for d in (MONDAY, tuesday))
        assert _members(s, MONDAY, "Kolonne 1").count(ids["Anna"]) == 1


def test_withdrawing_an_absence_keeps_the_days_before(store) -> None:
    """Withdrawn on Tuesday, an absence that began Monday still covers Monday."""
    engine, tenant_id, ids = store
    tuesday = MONDAY + dt.timedelta(days=1)
    with tenant_session(engine, tenant_id) as s, s.begin():
        absence = lineup.report_absence(s, ids["Bernd"], MONDAY, MONDAY + dt.timedelta(days=4),
                                        "Urlaub")
        s.flush()
        _, changed = lineup.change_absence(s, absence.id, tuesday, None)
        assert (changed.date_from, changed.date_to) == (MONDAY, MONDAY)
        assert ids["Bernd"] in lineup.absent_staff_ids(s, MONDAY)
        assert ids["Bernd"] not in lineup.absent_staff_ids(s, tuesday)
