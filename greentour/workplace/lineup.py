"""Morning line-up (Tagesbesetzung): today's crew-days from the weekly templates minus absences.

The planner moves people and pool machines between crews; the line-up flags what cannot work:
a machine whose operator qualification nobody in the crew holds, a vehicle nobody may drive, a
machine booked by two crews or in repair, a crew without people. All functions take a tenant
session (every query is scoped to the tenant) and change the store in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from greentour.errors import BadInput, Conflict, NotFound
from greentour.planning.shifts import shift_work_seconds
from greentour.records.store_io import closed_among, ensure_open
from greentour.store import session_tenant
from greentour.store.models import (
    Absence,
    CrewDay,
    CrewTemplate,
    Machine,
    Staff,
    Vehicle,
)
from greentour.tenant_config import tenant_config
from greentour.workplace.labels import day_text, qualification_label

#: Licence classes every employee is assumed to hold (car licence).
BASIC_LICENCES = {"B"}
#: machines a crew carries by hand; every other machine (ride-on and wide-area mowers, the aerial
#: lift, the chipper, the water trailer, tractor implements) travels on or behind the vehicle
HAND_HELD_MACHINES = frozenset({"hedge_trimmer", "brush_cutter", "chainsaw", "leaf_blower"})


@dataclass(frozen=True)
class PersonView:
    """A staff member as the line-up shows them."""

    id: int
    name: str
    qualifications: list[str]


@dataclass(frozen=True)
class MachineView:
    """A pool machine as the line-up shows it."""

    id: int
    name: str
    kind: str
    in_repair_until: dt.date | None
    out_of_service: bool


@dataclass
class CrewView:
    """One crew-day of the line-up with its flags (planner-language warnings)."""

    id: int
    name: str
    vehicle: str
    people: list[PersonView]
    machines: list[MachineView]
    shift: str
    available_s: int
    locked: bool
    flags: list[str] = field(default_factory=list)


#: The absence reasons the line-up form offers (stored in German) and their names per language;
#: another stored reason is the planner's own text and shown as it is.
ABSENCE_REASONS = {
    "krank": ("krank", "sick"),
    "Urlaub": ("Urlaub", "leave"),
    "Schulung": ("Schulung", "training"),
    "Abwesenheit": ("Abwesenheit", "absence"),
}


def absence_reason_label(reason: str, lang: str = "de") -> str:
    """A stored absence reason in ``lang`` ("krank" -> "sick"); unknown reasons as stored."""
    pair = ABSENCE_REASONS.get(reason or "Abwesenheit")
    return pair[1 if lang == "en" else 0] if pair else reason


@dataclass(frozen=True)
class AbsenceView:
    """An absence that covers the shown day (to shorten or withdraw it)."""

    id: int
    person: str
    reason: str
    date_from: dt.date
    date_to: dt.date


@dataclass
class Lineup:
    """The line-up of one day."""

    day: dt.date
    crews: list[CrewView]
    absent: list[tuple[PersonView, str]]
    idle_people: list[PersonView]
    pool_machines: list[MachineView]
    all_people: list[PersonView]
    absences: list[AbsenceView] = field(default_factory=list)

    @property
    def flag_count(self) -> int:
        return sum(len(c.flags) for c in self.crews)


def machine_out_of_service(machine: Machine, day: dt.date) -> bool:
    """True when the machine cannot be used on ``day`` (switched off or in repair)."""
    if not machine.available and machine.repair_until is None:
        return True
    return machine.repair_until is not None and machine.repair_until >= day


def absent_staff_ids(session: Session, day: dt.date) -> dict[int, str]:
    """Staff ids absent on ``day`` with the reason."""
    rows = session.scalars(
        select(Absence).where(Absence.date_from <= day, Absence.date_to >= day)
    ).all()
    return {a.staff_id: a.reason for a in rows}


def ensure_crew_days(session: Session, day: dt.date) -> list[CrewDay]:
    """The crew-days of ``day``; generated from the weekly templates when none exist yet.

    Generation drops absent people and machines that are in repair, so the morning starts from
    who and what is really there. Existing crew-days (already edited by the planner) are kept.
    """
    existing = session.scalars(
        select(CrewDay).where(CrewDay.date == day).order_by(CrewDay.name)
    ).all()
    if existing:
        return list(existing)
    tenant = session_tenant(session)
    shifts = tenant_config(tenant).shifts
    default_shift = shifts.shift_on(day)
    breaks = shifts.break_windows()
    absent = absent_staff_ids(session, day)
    machines = {m.id: m for m in session.scalars(select(Machine)).all()}
    created = []
    templates = session.scalars(select(CrewTemplate).order_by(CrewTemplate.name)).all()
    for template in templates:
        if day.isoweekday() not in (template.weekdays or []):
            continue
        start = template.shift_start or (default_shift[0] if default_shift else None)
        end = template.shift_end or (default_shift[1] if default_shift else None)
        if start is None or end is None:
            continue
        crew_day = CrewDay(
            date=day,
            name=template.name,
            template_id=template.id,
            member_ids=[i for i in template.member_ids if i not in absent],
            vehicle_id=template.vehicle_id,
            machine_ids=[
                i
                for i in template.machine_ids
                if i in machines and not machine_out_of_service(machines[i], day)
            ],
            shift_start=start,
            shift_end=end,
            breaks_json=breaks,
            depot_id=template.depot_id,
            district=template.district,
        )
        session.add(crew_day)
        created.append(crew_day)
    session.flush()
    return created


def crew_available_s(crew_day: CrewDay) -> int:
    """Working seconds of a crew-day (shift minus fixed breaks); 0 for a crew without people."""
    if not crew_day.member_ids:
        return 0
    return shift_work_seconds(crew_day.shift_start, crew_day.shift_end, crew_day.breaks_json)


def _holds_licence(person: Staff, licence: str) -> bool:
    if licence in BASIC_LICENCES:
        return True
    quals = {q.lower() for q in person.qualifications}
    lic = licence.lower()
    return bool({lic, f"licence_{lic}", f"driving_licence_{lic}", f"fs_{lic}"} & quals)


def may_drive(vehicle: Vehicle | None, members: list[Staff]) -> bool:
    """True when someone in ``members`` holds the licence class ``vehicle`` needs (no vehicle:
    nothing to drive, True)."""
    return vehicle is None or any(_holds_licence(p, vehicle.licence) for p in members)


@dataclass(frozen=True)
class UsableKit:
    """What a crew-day can really work with: the binding side of the line-up's flags.

    ``vehicle`` is None when nobody on the crew-day may drive the assigned vehicle: the crew then
    carries no load and takes only hand-held machines (it goes by car). ``machines`` are the
    working machines someone in the crew may operate.
    """

    vehicle: Vehicle | None
    machines: list[Machine]
    vehicle_refused: bool


def usable_kit(
    crew_day: CrewDay, people: dict[int, Staff], machines: dict[int, Machine],
    vehicle: Vehicle | None, held_elsewhere: frozenset[int] = frozenset(),
) -> UsableKit:
    """The vehicle and machines of ``crew_day`` that its members may drive and operate.

    A machine in repair, one whose operator qualification nobody in the crew holds, one that
    another crew of the day holds (``held_elsewhere``: a machine booked twice goes to the first
    crew by name), and (when the vehicle cannot be driven) every machine that travels on or
    behind the vehicle are left out; the problem builder gives the solver only what is left.
    """
    members = [people[i] for i in crew_day.member_ids if i in people]
    quals = {q for p in members for q in p.qualifications}
    refused = vehicle is not None and not may_drive(vehicle, members)
    kit = [
        machines[i] for i in crew_day.machine_ids
        if i in machines and i not in held_elsewhere
        and not machine_out_of_service(machines[i], crew_day.date)
        and (not machines[i].qualification or machines[i].qualification in quals)
        and (not refused or machines[i].kind in HAND_HELD_MACHINES)
    ]
    return UsableKit(None if refused else vehicle, kit, refused)
#: the line-up's warnings in German and English (``str.format`` fields)
FLAG_TEXTS: dict[str, tuple[str, str]] = {
    "no_people": ("Kolonne ohne Personal", "Crew without people"),
    "absent": ("{name} ist abwesend ({reason})", "{name} is absent ({reason})"),
    "repair": ("{machine} ist in Reparatur", "{machine} is in repair"),
    "repair_until": ("{machine} ist in Reparatur bis {until}",
                     "{machine} is in repair until {until}"),
    "qualification": ("{machine}: niemand in der Kolonne hat die Qualifikation „{qualification}“"
                      " – die Maschine wird nicht eingeplant",
                      "{machine}: nobody in the crew holds the qualification “{qualification}”"
                      " – the machine is not planned"),
    "double": ("{machine} ist doppelt eingeteilt (auch bei {others})",
               "{machine} is booked twice (also with {others})"),
    "licence": ("{vehicle}: niemand hat die Fahrerlaubnis Klasse {licence} – die Kolonne bekommt"
                " keine Arbeit mit Ladung, Anhänger oder großen Maschinen",
                "{vehicle}: nobody holds a class {licence} driving licence – the crew gets no work"
                " with loads, trailers or large machines"),
    "seats": ("{vehicle} hat nur {seats} Sitzplätze", "{vehicle} has only {seats} seats"),
}


def crew_flags(
    crew_day: CrewDay,
    people: dict[int, Staff],
    machines: dict[int, Machine],
    vehicle: Vehicle | None,
    machine_bookings: dict[int, list[str]],
    absent: dict[int, str],
    lang: str = "de",
) -> list[str]:
    """Planner-language warnings for one crew-day (empty: the crew can work as formed)."""
    en = lang == "en"

    def say(key: str, **fields: Any) -> str:
        return FLAG_TEXTS[key][1 if en else 0].format(**fields)

    flags: list[str] = []
    members = [people[i] for i in crew_day.member_ids if i in people]
    if not members:
        flags.append(say("no_people"))
    for staff_id in crew_day.member_ids:
        if staff_id in absent:
            name = people[staff_id].name if staff_id in people else f"#{staff_id}"
            flags.append(say("absent", name=name,
                             reason=absence_reason_label(absent[staff_id], lang)))
    quals = {q for p in members for q in p.qualifications}
    for machine_id in crew_day.machine_ids:
        machine = machines.get(machine_id)
        if machine is None:
            continue
        if machine_out_of_service(machine, crew_day.date):
            if machine.repair_until:
                flags.append(say("repair_until", machine=machine.name,
                                 until=day_text(machine.repair_until, lang, "short")))
            else:
                flags.append(say("repair", machine=machine.name))
        if machine.qualification and members and machine.qualification not in quals:
            flags.append(say("qualification", machine=machine.name,
                             qualification=qualification_label(machine.qualification, lang)))
        others = [n for n in machine_bookings.get(machine_id, []) if n != crew_day.name]
        if others:
            flags.append(say("double", machine=machine.name, others=", ".join(others)))
    if vehicle is not None and members and not may_drive(vehicle, members):
        flags.append(say("licence", vehicle=vehicle.name, licence=vehicle.licence))
    if vehicle is not None and len(members) > vehicle.seats:
        flags.append(say("seats", vehicle=vehicle.name, seats=vehicle.seats))
    return flags


def _person(p: Staff) -> PersonView:
    return PersonView(p.id, p.name, list(p.qualifications))


def _machine(m: Machine, day: dt.date) -> MachineView:
    return MachineView(m.id, m.name, m.kind, m.repair_until, machine_out_of_service(m, day))


def get_lineup(session: Session, day: dt.date, lang: str = "de") -> Lineup:
    """The line-up of ``day`` (crew-days generated from templates if needed) with its flags
    in ``lang``."""
    crew_days = ensure_crew_days(session, day)
    people = {p.id: p for p in session.scalars(select(Staff).where(Staff.active.is_(True)))}
    machines = {m.id: m for m in session.scalars(select(Machine).order_by(Machine.name))}
    vehicles = {v.id: v for v in session.scalars(select(Vehicle))}
    absent = absent_staff_ids(session, day)
    bookings: dict[int, list[str]] = {}
    for cd in crew_days:
        for machine_id in cd.machine_ids:
            bookings.setdefault(machine_id, []).append(cd.name)
    crews = []
    for cd in crew_days:
        vehicle = vehicles.get(cd.vehicle_id) if cd.vehicle_id else None
        crews.append(
            CrewView(
                id=cd.id,
                name=cd.name,
                vehicle=vehicle.name if vehicle else "–",
                people=[_person(people[i]) for i in cd.member_ids if i in people],
                machines=[_machine(machines[i], day) for i in cd.machine_ids if i in machines],
                shift=f"{cd.shift_start:%H:%M}–{cd.shift_end:%H:%M}",
                available_s=crew_available_s(cd),
                locked=cd.locked,
                flags=crew_flags(cd, people, machines, vehicle, bookings, absent, lang),
            )
        )
    in_crews = {i for cd in crew_days for i in cd.member_ids}
    booked = set(bookings)
    return Lineup(
        day=day,
        crews=crews,
        absent=[(_person(people[i]), absence_reason_label(r, lang))
                for i, r in sorted(absent.items()) if i in people],
        idle_people=[
            _person(p)
            for p in sorted(people.values(), key=lambda p: p.name)
            if p.id not in in_crews and p.id not in absent
        ],
        pool_machines=[_machine(m, day) for m in machines.values() if m.id not in booked],
        all_people=[_person(p) for p in sorted(people.values(), key=lambda p: p.name)],
        absences=[
            AbsenceView(a.id, people[a.staff_id].name if a.staff_id in people else
                        f"#{a.staff_id}", absence_reason_label(a.reason, lang), a.date_from,
                        a.date_to)
            for a in session.scalars(
                select(Absence).where(Absence.date_from <= day, Absence.date_to >= day)
                .order_by(Absence.date_from, Absence.id))
        ],
    )


_M = TypeVar("_M")


def _row(session: Session, model: type[_M], row_id: int | None, name: tuple[str, str],
         choose: tuple[str, str]) -> _M:
    """The row ``row_id`` of ``model``: none chosen is 400 with ``choose`` (German, English),
    an unknown id 404 naming it with ``name`` (German, English)."""
    if row_id is None:
        raise BadInput(choose[0], en=choose[1])
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"{name[0]} {row_id} gibt es nicht", en=f"There is no {name[1]} {row_id}")
    return row


def _crew_day(session: Session, crew_day_id: int) -> CrewDay:
    return _row(session, CrewDay, crew_day_id, ("Kolonnentag", "crew-day"),
                ("Bitte einen Kolonnentag wählen", "Please choose a crew-day"))


def _reassign(
    session: Session, day: dt.date, attr: str, item_id: int, target: CrewDay | None
) -> None:
    """Put ``item_id`` into ``target``'s id list ``attr`` (``member_ids``/``machine_ids``) and
    out of every other crew-day of ``day`` (``target`` None: out of all of them). A day closed
    in the work records is read-only (409)."""
    ensure_open(session, day)
    for cd in session.scalars(select(CrewDay).where(CrewDay.date == day)):
        if item_id in getattr(cd, attr) and cd is not target:
            setattr(cd, attr, [i for i in getattr(cd, attr) if i != item_id])
    if target is not None and item_id not in getattr(target, attr):
        setattr(target, attr, [*getattr(target, attr), item_id])
    session.flush()



def _staff_row(session: Session, staff_id: int | None) -> Staff:
    return _row(session, Staff, staff_id, ("Mitarbeiter", "staff member"),
                ("Bitte eine Person wählen", "Please choose a person"))


def _machine_row(session: Session, machine_id: int | None) -> Machine:
    return _row(session, Machine, machine_id, ("Maschine", "machine"),
                ("Bitte eine Maschine wählen", "Please choose a machine"))


def move_person(
    session: Session, day: dt.date, staff_id: int | None, to_crew_day_id: int | None
) -> tuple[Staff, CrewDay | None]:
    """Move a person into crew-day ``to_crew_day_id`` (None: out of every crew) on ``day``;
    returns the person and the target (for the confirmation)."""
    person = _staff_row(session, staff_id)
    target = _crew_day(session, to_crew_day_id) if to_crew_day_id else None
    if target is not None and target.date != day:
        raise BadInput("Die Kolonne gehört zu einem anderen Tag",
                       en="That crew belongs to another day")
    if target is not None and target.locked:
        raise Conflict(f"{target.name} ist gesperrt", en=f"{target.name} is locked")
    if target is not None and staff_id in absent_staff_ids(session, day):
        raise Conflict(f"{person.name} ist an diesem Tag abwesend",
                       en=f"{person.name} is absent that day")
    _reassign(session, day, "member_ids", staff_id, target)
    return person, target


def move_machine(
    session: Session, day: dt.date, machine_id: int | None, to_crew_day_id: int | None
) -> tuple[Machine, CrewDay | None]:
    """Give a pool machine to crew-day ``to_crew_day_id`` (None: back to the pool) on ``day``;
    returns the machine and the target (for the confirmation).

    A machine in repair is refused; a machine taken from another crew leaves that crew.
    """
    machine = _machine_row(session, machine_id)
    target = _crew_day(session, to_crew_day_id) if to_crew_day_id else None
    if target is not None and machine_out_of_service(machine, day):
        raise Conflict(f"{machine.name} ist an diesem Tag in Reparatur",
                       en=f"{machine.name} is in repair that day")
    if target is not None and target.date != day:
        raise BadInput("Die Kolonne gehört zu einem anderen Tag",
                       en="That crew belongs to another day")
    _reassign(session, day, "machine_ids", machine_id, target)
    return machine, target


def report_absence(
    session: Session,
    staff_id: int | None,
    date_from: dt.date,
    date_to: dt.date,
    reason: str,
) -> Absence:
    """Record an absence and take the person out of every crew-day in that range."""
    if date_to < date_from:
        raise BadInput("Das Ende der Abwesenheit liegt vor ihrem Beginn",
                           en="The absence ends before it begins")
    _staff_row(session, staff_id)  # 400/404 before anything is stored
    absence = Absence(
        staff_id=staff_id,
        date_from=date_from,
        date_to=date_to,
        reason=reason.strip()[:80] or "krank",
    )
    session.add(absence)
    _out_of_crews(session, staff_id, date_from, date_to)
    return absence


def _out_of_crews(session: Session, staff_id: int, first: dt.date, last: dt.date) -> None:
    """Take ``staff_id`` out of every crew-day ``first``..``last`` (a day closed in the work
    records keeps its line-up: it is read-only)."""
    crew_days = session.scalars(
        select(CrewDay).where(CrewDay.date >= first, CrewDay.date <= last)).all()
    closed = closed_among(session, {cd.date for cd in crew_days})
    for cd in crew_days:
        if staff_id in cd.member_ids and cd.date not in closed:
            cd.member_ids = [i for i in cd.member_ids if i != staff_id]
    session.flush()


def change_absence(
    session: Session, absence_id: int, day: dt.date, until: dt.date | None
) -> tuple[Staff, Absence | None]:
    """Shorten or withdraw an absence as of ``day``.

    ``until`` None (or before ``day``): the person is back from ``day`` on — the absence ends the
    day before, or is deleted when it began on or after ``day``. Otherwise the absence now ends on
    ``until`` (not before its first day). Crew-days of the freed days that were generated from a
    template of the person get the person back (unless locked or the person works elsewhere that
    day). Returns the person and the absence (None: withdrawn completely).
    """
    absence = session.get(Absence, absence_id)
    if absence is None:
        raise NotFound(f"Abwesenheit {absence_id} gibt es nicht",
                       en=f"There is no absence {absence_id}")
    person = session.get(Staff, absence.staff_id)
    old_to = absence.date_to
    if until is not None and until >= day:
        if until < absence.date_from:
            raise BadInput("Das Ende der Abwesenheit liegt vor ihrem Beginn",
                           en="The absence ends before it begins")
        if until > old_to:
            absence.date_to = until
            _out_of_crews(session, person.id, old_to + dt.timedelta(days=1), until)
            return person, absence
        absence.date_to = until
        freed_from = until + dt.timedelta(days=1)
    else:
        freed_from = max(day, absence.date_from)
        if absence.date_from >= day:
            session.delete(absence)
            absence = None
        else:
            absence.date_to = day - dt.timedelta(days=1)
    session.flush()
    _back_into_crews(session, person, freed_from, old_to)
    return person, absence


def _back_into_crews(session: Session, person: Staff, first: dt.date, last: dt.date) -> None:
    """Put ``person`` back into the template crews of existing crew-days ``first``..``last``
    (not on a day closed in the work records)."""
    templates = {t.id for t in session.scalars(select(CrewTemplate))
                 if person.id in (t.member_ids or [])}
    crew_days = session.scalars(
        select(CrewDay).where(CrewDay.date >= first, CrewDay.date <= last)).all()
    closed = closed_among(session, {cd.date for cd in crew_days})
    crew_days = [cd for cd in crew_days if cd.date not in closed]
    busy = {cd.date for cd in crew_days if person.id in cd.member_ids}
    still_absent = {d for d in {cd.date for cd in crew_days}
                    if person.id in absent_staff_ids(session, d)}
    for cd in crew_days:
        if (cd.template_id in templates and not cd.locked and cd.date not in busy
                and cd.date not in still_absent):
            cd.member_ids = [*cd.member_ids, person.id]
            busy.add(cd.date)
    session.flush()


def set_machine_repair(
    session: Session, machine_id: int, until: dt.date | None, today: dt.date
) -> Machine:
    """Mark a machine in repair until ``until`` (None: back in service) and unbook it meanwhile
    (not from a day closed in the work records)."""
    machine = _machine_row(session, machine_id)
    machine.repair_until = until
    machine.available = until is None
    if until is not None:
        crew_days = session.scalars(
            select(CrewDay).where(CrewDay.date >= today, CrewDay.date <= until)).all()
        closed = closed_among(session, {cd.date for cd in crew_days})
        for cd in crew_days:
            if machine_id in cd.machine_ids and cd.date not in closed:
                cd.machine_ids = [i for i in cd.machine_ids if i != machine_id]
    session.flush()
    return machine
