"""The booking rules, pure: from a crew-day's reported work to booking lines.

A crew-day books three kinds of resources to the cost centre, cost object (product) and order of
each worked stop's site:

* **person-hours**: for every person of the crew-day and every worked stop, the work time at the
  stop (the crew's "begonnen" to "erledigt"/"teilweise", fixed breaks cut out: ArbZG §4), plus a
  share of the crew-day's **drive time** (the stored tour legs, the drive back to the depot
  included) and of its **set-up time** (Rüst- und Nebenzeit: the paid day, shift minus fixed
  breaks, less work and drive; loading at the depot, unloading at the green-waste yard, refuelling;
  never below 0);
* **machine-hours**: each machine of the crew-day whose kind the stop's task type needs, for the
  work time at the stop;
* **vehicle-km**: the tour's kilometres (legs incl. the return leg), distributed like the drive
  time.

Drive and set-up time and the kilometres are distributed by the town's rule (``per_stop``: equal
shares; ``by_work_time``: in proportion to the work time) in whole seconds and metres with the
largest-remainder method, so every share adds up exactly to the total. A crew-day without a
worked stop books its drive and set-up time to the overhead cost centre.

Quantities are integers: seconds (hours) and metres (km); amounts are euro cents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class Person:
    """A person of the crew-day with pay group and hourly rate (cents)."""

    staff_id: int
    name: str
    group: str
    rate_ct: int


@dataclass(frozen=True)
class MachineUse:
    """A machine of the crew-day; ``rate_ct`` per hour (None: the town set no rate)."""

    machine_id: int
    name: str
    kind: str
    rate_ct: int | None


@dataclass(frozen=True)
class VehicleUse:
    """The crew-day's vehicle; ``rate_ct`` per km (None: no rate set)."""

    vehicle_id: int
    name: str
    rate_ct: int | None


@dataclass(frozen=True)
class StopWork:
    """One worked (or reported) stop: where the hours go and how long the crew worked there."""

    task_id: int
    site_id: int | None
    site_name: str
    task_type: str
    cost_centre: str
    cost_object: str
    order_ref: str
    area_m2: float
    equipment: tuple[str, ...]
    work_s: int
    source: str = "report"
    """report (the crew's taps), correction (the planner's minutes), no_start (no "begonnen":
    the planned duration up to "erledigt"), not_possible (no work)."""


@dataclass(frozen=True)
class CrewDayWork:
    """Everything the booking of one crew-day needs."""

    crew_day_id: int
    date: dt.date
    crew: str
    persons: tuple[Person, ...]
    machines: tuple[MachineUse, ...]
    vehicle: VehicleUse | None
    stops: tuple[StopWork, ...]
    drive_s: int
    distance_m: int
    paid_s: int
    overhead_cost_centre: str


@dataclass(frozen=True)
class Line:
    """One booking line (the same fields as :class:`greentour.store.models_records.Booking`)."""

    date: dt.date
    crew_day_id: int | None
    crew: str
    task_id: int | None
    site_id: int | None
    site_name: str
    task_type: str
    cost_centre: str
    cost_object: str
    order_ref: str
    resource_kind: str
    resource_id: int | None
    resource_name: str
    resource_group: str
    share: str
    quantity: int
    rate_ct: int
    amount_ct: int
    area_m2: float = 0.0


@dataclass
class DayFigures:
    """A crew-day's totals as booked (for the review and the checks)."""

    work_s: int = 0
    drive_s: int = 0
    setup_s: int = 0
    distance_m: int = 0
    persons: int = 0
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- time arithmetic
def union_s(intervals: Iterable[Interval], cut: Sequence[Interval] = ()) -> int:
    """Seconds covered by ``intervals`` (overlaps counted once) outside the ``cut`` windows."""
    spans = sorted((a, b) for a, b in intervals if b > a)
    merged: list[list[dt.datetime]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    total = 0.0
    for a, b in merged:
        seconds = (b - a).total_seconds()
        for ca, cb in cut:
            lo, hi = max(a, ca), min(b, cb)
            if hi > lo:
                seconds -= (hi - lo).total_seconds()
        total += seconds
    return int(round(total))


def split(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` into integers that add up to ``total``
    exactly (largest remainder; ties go to the earlier item). All-zero weights: equal parts."""
    n = len(weights)
    if n == 0:
        return []
    if total == 0:
        return [0] * n
    if sum(weights) <= 0:
        weights = [1.0] * n
    weight_sum = float(sum(weights))
    exact = [total * w / weight_sum for w in weights]
    parts = [int(x) for x in exact]
    rest = total - sum(parts)
    order = sorted(range(n), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:rest]:
        parts[i] += 1
    return parts


def amount_ct(quantity: int, rate_ct: int, per: int) -> int:
    """Cents for ``quantity`` base units at ``rate_ct`` per ``per`` units (3600 s, 1000 m)."""
    return int(round(quantity * rate_ct / per))


# --------------------------------------------------------------------------- the booking
def _line(work: CrewDayWork, stop: StopWork | None, kind: str, rid: int | None, name: str,
          group: str, share: str, quantity: int, rate_ct: int, per: int,
          area_m2: float = 0.0) -> Line:
    return Line(
        date=work.date, crew_day_id=work.crew_day_id, crew=work.crew,
        task_id=stop.task_id if stop else None, site_id=stop.site_id if stop else None,
        site_name=stop.site_name if stop else "", task_type=stop.task_type if stop else "",
        cost_centre=stop.cost_centre if stop else work.overhead_cost_centre,
        cost_object=stop.cost_object if stop else "", order_ref=stop.order_ref if stop else "",
        resource_kind=kind, resource_id=rid, resource_name=name, resource_group=group,
        share=share, quantity=quantity, rate_ct=rate_ct,
        amount_ct=amount_ct(quantity, rate_ct, per), area_m2=area_m2,
    )


def setup_s(work: CrewDayWork) -> int:
    """Set-up time (Rüst- und Nebenzeit) of the crew-day: paid day − work − drive, ≥ 0."""
    worked = sum(s.work_s for s in work.stops)
    return max(0, work.paid_s - worked - work.drive_s)


def weights(stops: Sequence[StopWork], rule: str) -> list[float]:
    """Distribution weights of the worked stops under ``rule``."""
    if rule == "by_work_time":
        return [float(s.work_s) for s in stops]
    return [1.0] * len(stops)


def book_crew_day(work: CrewDayWork, rule: str) -> tuple[list[Line], DayFigures]:
    """The booking lines of one crew-day and its totals.

    Work lines per person and worked stop, drive and set-up shares per person by ``rule``,
    machine lines for the machines the stop's task type needs, vehicle-km by ``rule``.
    """
    worked = [s for s in work.stops if s.work_s > 0]
    setup = setup_s(work)
    figures = DayFigures(work_s=sum(s.work_s for s in worked), drive_s=work.drive_s,
                         setup_s=setup, distance_m=work.distance_m, persons=len(work.persons))
    lines: list[Line] = []
    w = weights(worked, rule)
    targets: list[StopWork | None] = list(worked) if worked else [None]
    drive_parts = split(work.drive_s, w) if worked else [work.drive_s]
    setup_parts = split(setup, w) if worked else [setup]
    km_parts = split(work.distance_m, w) if worked else [work.distance_m]
    if not work.persons:
        figures.warnings.append("Kolonnentag ohne Personal: keine Personalstunden gebucht")
    for group in sorted({p.group for p in work.persons if p.rate_ct == 0}):
        figures.warnings.append(f"Kein Stundensatz für die Gruppe {group} "
                                "([records.person_groups]): 0 EUR gebucht")
    for person in work.persons:
        for stop in worked:
            # the site's area once per stop, shared by its people (m² per person-hour)
            lines.append(_line(work, stop, "person", person.staff_id, person.name,
                               person.group, "work", stop.work_s, person.rate_ct, 3600,
                               area_m2=stop.area_m2 / len(work.persons)))
        for stop, drive, rig in zip(targets, drive_parts, setup_parts, strict=True):
            if drive:
                lines.append(_line(work, stop, "person", person.staff_id, person.name,
                                   person.group, "drive", drive, person.rate_ct, 3600))
            if rig:
                lines.append(_line(work, stop, "person", person.staff_id, person.name,
                                   person.group, "setup", rig, person.rate_ct, 3600))
    for stop in worked:
        for machine in work.machines:
            if machine.kind in stop.equipment:
                if machine.rate_ct is None:
                    note = f"Kein Maschinensatz für {machine.name}: 0 EUR gebucht"
                    if note not in figures.warnings:
                        figures.warnings.append(note)
                lines.append(_line(work, stop, "machine", machine.machine_id, machine.name,
                                   machine.kind, "work", stop.work_s, machine.rate_ct or 0,
                                   3600))
    if work.vehicle is not None:
        if work.vehicle.rate_ct is None and work.distance_m:
            figures.warnings.append(f"Kein km-Satz für {work.vehicle.name}: 0 EUR gebucht")
        for stop, metres in zip(targets, km_parts, strict=True):
            if metres:
                lines.append(_line(work, stop, "vehicle", work.vehicle.vehicle_id,
                                   work.vehicle.name, "", "drive", metres,
                                   work.vehicle.rate_ct or 0, 1000))
    if not worked and (work.drive_s or work.distance_m):
        figures.warnings.append("Keine Arbeit gemeldet: Fahr- und Rüstzeit auf "
                                f"{work.overhead_cost_centre} gebucht")
    return lines, figures


def arbzg_warning(work_plus_drive_s: int, break_s: int) -> str | None:
    """ArbZG §4: at least 30 min break after more than 6 h of work, 45 min beyond 9 h."""
    need = 45 * 60 if work_plus_drive_s > 9 * 3600 else 30 * 60 if work_plus_drive_s > 6 * 3600 \
        else 0
    if break_s < need:
        return (f"ArbZG §4: {work_plus_drive_s / 3600:.1f} h Arbeitszeit, aber nur "
                f"{break_s // 60} min feste Pause (mindestens {need // 60} min)")
    return None
