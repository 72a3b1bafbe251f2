"""Use cases of the work records (Leistungserfassung), see docs/records.md.

* :func:`day_review` — the planner's day-end review: per crew-day the reported work per stop,
  drive, set-up, km, warnings, bookings per cost centre, corrections with their history, late
  reports of a closed day;
* :func:`correct` — a correction with reason (append-only; refused on a closed day: 409);
* :func:`close_day` — "abschließen": freezes the day's bookings; the day is read-only after;
* :func:`lines_between`, :func:`period_report`, :func:`export_csv` — bookings of a period, the
  monthly / yearly report per cost centre, site and task type, the CSV exports;
* :func:`time_sheet` — the time sheet with booked (not planned) times once bookings exist;
* :func:`site_costs` — cost per site and year (the GeoPackage attribute for QGIS).

Open days are computed from the reports whenever they are read; closed days come from the frozen
bookings. Person-level figures are given only to roles in the tenant's
``privacy.person_hours_visible_to`` (docs/datenschutz.md); everyone else gets crew-day sums.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from greentour.clock import tenant_today
from greentour.crew.privacy import PrivacySettings
from greentour.crew.tour import current_tour as published_tour
from greentour.errors import BadInput, NotFound
from greentour.planning.current import current_tour as planned_tour
from greentour.planning.current import driven
from greentour.records import csv_layouts, report
from greentour.records import store_io as io
from greentour.records.booking import (
    CrewDayWork,
    DayFigures,
    Line,
    MachineUse,
    Person,
    StopWork,
    VehicleUse,
    arbzg_warning,
    book_crew_day,
    union_s,
)
from greentour.records.rates import RULE_DE, RecordsSettings
from greentour.store import begin_write, tenant_zone
from greentour.store.models import Completion, CrewDay, Task, Tour
from greentour.store.models_records import BookingCorrection
from greentour.tenant_config import tenant_config
from greentour.workplace.labels import day_text, number_text, site_label
from greentour.workplace.prints import day_sheet

CORRECTION_KINDS = ("work_min", "vehicle_km", "members")
CORRECTION_DE = {"work_min": "Arbeitszeit am Halt (min)", "vehicle_km": "Fahrzeug-km",
                 "members": "Personal des Kolonnentags"}
REASON_MAX_CHARS = 300
MAX_WORK_MIN = 24 * 60
MAX_KM = 2000.0
MAX_REPORT_DAYS = 366


def settings_of(session: Session) -> tuple[RecordsSettings, PrivacySettings]:
    """The tenant's records and privacy settings."""
    cfg = tenant_config(io.tenant(session))
    return cfg.records, cfg.privacy


def tour_for(session: Session, cd: CrewDay) -> Tour | None:
    """The tour the crew worked with: the day's published tour, else the current plan's."""
    return published_tour(session, cd.id) or planned_tour(session, cd)


# --------------------------------------------------------------------------- inputs of a day
@dataclass
class CrewDayView:
    """One crew-day of the review: the booking input, its lines and what the page shows."""

    crew_day: CrewDay
    work: CrewDayWork
    lines: list[Line]
    figures: DayFigures
    stops: list[dict[str, Any]] = field(default_factory=list)


def _local(day: dt.date, hhmm: str | dt.time, tz: ZoneInfo) -> dt.datetime:
    t = hhmm if isinstance(hhmm, dt.time) else dt.time.fromisoformat(hhmm)
    return dt.datetime.combine(day, t, tzinfo=tz)


def _breaks(cd: CrewDay, tz: ZoneInfo) -> list[tuple[dt.datetime, dt.datetime]]:
    return [(_local(cd.date, a, tz), _local(cd.date, b, tz)) for a, b in cd.breaks_json or []]


def paid_s(cd: CrewDay, tz: ZoneInfo) -> int:
    """The paid day of a crew-day: its shift minus the fixed breaks inside it, seconds."""
    start, end = _local(cd.date, cd.shift_start, tz), _local(cd.date, cd.shift_end, tz)
    return union_s([(start, end)], _breaks(cd, tz))


def _latest(corrections: list[BookingCorrection], crew_day_id: int, kind: str,
            task_id: int | None = None) -> BookingCorrection | None:
    found = None
    for c in corrections:
        if c.crew_day_id == crew_day_id and c.kind == kind and (task_id is None
                                                                or c.task_id == task_id):
            found = c
    return found


def _work_of(task: Task, reports: list[Completion], breaks: list) -> tuple[int, str, str]:
    """(work seconds, source, status) of a task from its reports, fixed breaks cut out."""
    intervals = []
    source = "report"
    for c in reports:
        if c.finished_at is None:
            continue
        start = c.started_at
        if start is None or start > c.finished_at:
            start = c.finished_at - dt.timedelta(seconds=task.duration_s)
            source = "no_start"
        intervals.append((start, c.finished_at))
    status = reports[-1].status if reports else "open"
    if not intervals:
        return 0, "not_possible" if status == "not_possible" else source, status
    return union_s(intervals, breaks), source, status


def _crew_day_view(session: Session, cd: CrewDay, settings: RecordsSettings,
                   reports: list[Completion], corrections: list[BookingCorrection],
                   types: dict[str, Any], tz: ZoneInfo,
                   closed_at: dt.datetime | None) -> CrewDayView:
    """Build the booking input of a crew-day from its tour, reports and corrections."""
    tour = tour_for(session, cd)
    breaks = _breaks(cd, tz)
    counted = [c for c in reports if c.task_id is not None
               and (closed_at is None or c.server_time <= closed_at)]
    by_task: dict[int, list[Completion]] = {}
    for c in counted:
        by_task.setdefault(c.task_id, []).append(c)
    planned: dict[int, Any] = {}
    order: list[int] = []
    if tour is not None:
        for stop in sorted(tour.stops, key=lambda s: s.seq):
            if stop.kind == "task" and stop.task_id is not None:
                planned[stop.task_id] = stop
                order.append(stop.task_id)
    order += [t for t in by_task if t not in planned]
    tasks = io.tasks_with_sites(session, order)
    stops: list[StopWork] = []
    rows: list[dict[str, Any]] = []
    for task_id in order:
        task = tasks.get(task_id)
        if task is None:
            continue
        work_s, source, status = _work_of(task, by_task.get(task_id, []), breaks)
        fix = _latest(corrections, cd.id, "work_min", task_id)
        if fix is not None:
            work_s, source = int(json.loads(fix.value_json)) * 60, "correction"
        site = task.site
        ttype = types.get(task.task_type)
        if task_id not in by_task and fix is None:
            rows.append(_stop_row(task, site, planned.get(task_id), 0, "not_reported",
                                  "open", [], tz))
            continue
        stops.append(StopWork(
            task_id=task.id, site_id=site.id, site_name=site_label(site),
            task_type=task.task_type,
            cost_centre=settings.cost_centre(site.cost_centre, site.category),
            cost_object=settings.product(site.category),
            order_ref=f"A-{task.id}" if task.generator == "order" else "",
            # m² per hour only for work measured by area (mowing, inspections), done in full
            area_m2=float(site.area_m2 or 0.0)
            if (status == "done" or source == "correction") and ttype is not None
            and ttype.productivity_unit == "m2_per_h" else 0.0,
            equipment=tuple(ttype.equipment if ttype else ()), work_s=work_s, source=source,
        ))
        rows.append(_stop_row(task, site, planned.get(task_id), work_s, source, status,
                              by_task.get(task_id, []), tz))
    # people, machines, vehicle, km
    members = cd.member_ids
    fix = _latest(corrections, cd.id, "members")
    if fix is not None:
        members = [int(i) for i in json.loads(fix.value_json)]
    persons = []
    for s in io.staff(session, members):
        group = settings.person_group(s.config_key)
        persons.append(Person(s.id, s.name, group, settings.person_rate_ct(group)))
    machines = tuple(MachineUse(m.id, m.name, m.kind, settings.machine_rate_ct(m.config_key,
                                                                                 m.kind))
                     for m in io.machines(session, cd.machine_ids))
    car = io.vehicle(session, cd.vehicle_id)
    vehicle = VehicleUse(car.id, car.name, settings.vehicle_rate_ct(car.config_key, car.kind)) \
        if car is not None else None
    distance_m, drive_s = driven(tour) if tour is not None else (0.0, 0)
    fix = _latest(corrections, cd.id, "vehicle_km")
    distance = int(round(distance_m))
    if fix is not None:
        distance = int(round(float(json.loads(fix.value_json)) * 1000))
    work = CrewDayWork(
        crew_day_id=cd.id, date=cd.date, crew=cd.name, persons=tuple(persons),
        machines=machines, vehicle=vehicle, stops=tuple(stops), drive_s=int(drive_s),
        distance_m=distance, paid_s=paid_s(cd, tz),
        overhead_cost_centre=settings.section.overhead_cost_centre,
    )
    lines, figures = book_crew_day(work, settings.rule)
    break_s = sum(int((b - a).total_seconds()) for a, b in breaks)
    warning = arbzg_warning(figures.work_s + figures.drive_s, break_s)
    if warning:
        figures.warnings.append(warning)
    for row in rows:
        if row["source"] == "no_start":
            figures.warnings.append(f"{row['site']}: kein „Begonnen“ gemeldet – geplante Dauer "
                                    "bis „Erledigt“ angenommen; bitte prüfen")
    return CrewDayView(cd, work, lines, figures, rows)


def _stop_row(task: Task, site: Any, stop: Any, work_s: int, source: str, status: str,
              reports: list[Completion], tz: ZoneInfo) -> dict[str, Any]:
    starts = [c.started_at for c in reports if c.started_at]
    ends = [c.finished_at for c in reports if c.finished_at]
    return {
        "task_id": task.id, "site": site_label(site), "site_id": site.id,
        "task_type": task.task_type, "status": status, "source": source, "work_s": work_s,
        "work_min": round(work_s / 60), "planned_min": round(task.duration_s / 60),
        "planned_start": stop.start_at.astimezone(tz).strftime("%H:%M")
        if stop is not None and stop.start_at else "",
        "reported_start": min(starts).astimezone(tz).strftime("%H:%M") if starts else "",
        "reported_end": max(ends).astimezone(tz).strftime("%H:%M") if ends else "",
    }


def _day_views(session: Session, day: dt.date, settings: RecordsSettings,
               closed_at: dt.datetime | None = None) -> list[CrewDayView]:
    """The booking input and lines of every crew-day of ``day`` that has reports or
    corrections (a planned crew-day nobody reported on books nothing)."""
    tz = tenant_zone(io.tenant(session))
    crew_days = io.crew_days_on(session, day)
    reports = io.completions_for(session, [cd.id for cd in crew_days])
    corrections = io.corrections_on(session, day)
    corrected = {c.crew_day_id for c in corrections}
    types = io.task_types(session)
    return [_crew_day_view(session, cd, settings, reports[cd.id], corrections, types, tz,
                           closed_at)
            for cd in crew_days if reports[cd.id] or cd.id in corrected]


def day_lines(session: Session, day: dt.date) -> list[Line]:
    """The day's bookings: frozen when closed, else computed from the reports now."""
    if io.is_closed(session, day):
        return io.stored_lines(session, day, day)
    settings, _ = settings_of(session)
    return [ln for view in _day_views(session, day, settings) for ln in view.lines]


def lines_between(session: Session, first: dt.date, last: dt.date) -> list[Line]:
    """All bookings of ``first``..``last`` (closed days frozen, open days computed)."""
    if last < first:
        raise BadInput("Das Ende des Zeitraums liegt vor dem Anfang")
    if (last - first).days >= MAX_REPORT_DAYS:
        raise BadInput(f"Höchstens {MAX_REPORT_DAYS} Tage auf einmal")
    closed = io.closed_days(session, first, last)
    lines = io.stored_lines(session, first, last)
    settings, _ = settings_of(session)
    for day in io.reported_days(session, first, last):
        if day not in closed:
            lines += [ln for view in _day_views(session, day, settings) for ln in view.lines]
    lines.sort(key=lambda ln: (ln.date, ln.crew, ln.crew_day_id or 0))
    return lines


# --------------------------------------------------------------------------- day-end review
def _cost_centre_rows(lines: list[Line]) -> list[dict[str, Any]]:
    return [r.as_dict() for r in report.summarise(lines, "cost_centre")]


def day_review(session: Session, day: dt.date, role: str | None,
               lang: str = "de") -> dict[str, Any]:
    """Everything the day-end review page shows for ``day`` (see module docstring)."""
    settings, privacy = settings_of(session)
    record = io.record_day(session, day)
    views = _day_views(session, day, settings, closed_at=record.closed_at if record else None)
    lines = io.stored_lines(session, day, day) if record else \
        [ln for v in views for ln in v.lines]
    corrections = io.corrections_on(session, day)
    names = {cd.id: cd.name for cd in io.crew_days_on(session, day)}
    tz = tenant_zone(io.tenant(session))
    with_times = privacy.may_see_stop_times(role)
    with_persons = privacy.may_see_person_hours(role)
    types = io.task_types(session)
    crews = []
    for view in views:
        f = view.figures
        stops = [dict(s) for s in view.stops]
        for s in stops:
            ttype = types.get(s["task_type"])
            s["task_label"] = (ttype.name_en if lang == "en" else ttype.name_de) if ttype \
                else s["task_type"]
        if not with_times:
            for s in stops:
                s["reported_start"] = s["reported_end"] = ""
        crew_lines = view.lines
        if record is not None:
            # a closed day shows its frozen bookings (rates or tours changed since change
            # nothing); reports after closing are listed apart
            crew_lines = [ln for ln in lines if ln.crew_day_id == view.crew_day.id]
            f = _frozen_figures(crew_lines, f)
            booked = {ln.task_id: ln.quantity for ln in crew_lines
                      if ln.resource_kind == "person" and ln.share == "work"}
            for s in stops:
                s["work_min"] = round(booked.get(s["task_id"], 0) / 60)
        crews.append({
            "id": view.crew_day.id, "name": view.crew_day.name,
            "persons": len(view.work.persons),
            "person_names": [p.name for p in view.work.persons],
            "member_ids": [p.staff_id for p in view.work.persons],
            "machines": [m.name for m in view.work.machines],
            "vehicle": view.work.vehicle.name if view.work.vehicle else "–",
            "work_h": number_text(f.work_s / 3600, lang, 2),
            "drive_h": number_text(f.drive_s / 3600, lang, 2),
            "setup_h": number_text(f.setup_s / 3600, lang, 2),
            "km": number_text(f.distance_m / 1000, lang, 1),
            "person_h": number_text(sum(ln.quantity for ln in crew_lines
                                        if ln.resource_kind == "person") / 3600, lang, 2),
            "eur": number_text(sum(ln.amount_ct for ln in crew_lines) / 100, lang, 2),
            "warnings": f.warnings, "stops": stops,
            "persons_hours": _person_rows(crew_lines, lang) if with_persons else [],
        })
    late = []
    if record is not None:
        for cd_id, reports in io.completions_for(session, names).items():
            late += [{"crew": names[cd_id], "task_id": c.task_id, "status": c.status,
                      "received": c.server_time.astimezone(tz).strftime("%d.%m.%Y %H:%M")}
                     for c in reports if c.server_time > record.closed_at]
    notice = ""
    if record is None and views and \
            (tenant_today(io.tenant(session)) - day).days >= privacy.stop_times_days:
        notice = (f"Der Tag ist älter als die Löschfrist der Zeiten je Halt "
                  f"({privacy.stop_times_days} Tage): die Meldezeiten sind gelöscht oder werden "
                  "es; bitte prüfen und abschließen.")
    return {
        "notice": notice,
        "day": day, "day_text": day_text(day, lang), "closed": record is not None,
        "closed_at": record.closed_at.astimezone(tz).strftime("%d.%m.%Y %H:%M") if record
        else "", "closed_by": record.closed_by if record else "",
        "rule": record.rule if record else settings.rule,
        "rule_text": RULE_DE[record.rule if record else settings.rule],
        "crews": crews, "cost_centres": _cost_centre_rows(lines),
        "total": report.total(lines).as_dict(),
        "corrections": [_correction_row(c, names, tz) for c in reversed(corrections)],
        "late_reports": late, "with_times": with_times, "with_persons": with_persons,
        "staff": [{"id": s.id, "name": s.name} for s in io.all_staff(session)],
    }


def _frozen_figures(lines: list[Line], computed: DayFigures) -> DayFigures:
    """A closed crew-day's work, drive and set-up time (per person) and km from its stored
    bookings; the warnings of the computation stay."""
    persons = {ln.resource_id for ln in lines if ln.resource_kind == "person"}
    if not persons:
        return computed

    def per_person(share: str) -> int:
        return sum(ln.quantity for ln in lines
                   if ln.resource_kind == "person" and ln.share == share) // len(persons)

    return DayFigures(work_s=per_person("work"), drive_s=per_person("drive"),
                      setup_s=per_person("setup"), persons=len(persons),
                      distance_m=sum(ln.quantity for ln in lines
                                     if ln.resource_kind == "vehicle"),
                      warnings=computed.warnings)


def _person_rows(lines: list[Line], lang: str) -> list[dict[str, Any]]:
    return [{"name": r.label, "h": number_text(r.person_s / 3600, lang, 2),
             "eur": number_text(r.amount_ct / 100, lang, 2)}
            for r in report.summarise(lines, "person")]


def _correction_row(c: BookingCorrection, names: dict[int, str], tz: ZoneInfo) -> dict[str, Any]:
    return {"id": c.id, "crew": names.get(c.crew_day_id, str(c.crew_day_id)),
            "task_id": c.task_id, "kind": c.kind, "kind_text": CORRECTION_DE[c.kind],
            "before": json.loads(c.before_json), "value": json.loads(c.value_json),
            "reason": c.reason, "by": c.by_user,
            "at": c.at.astimezone(tz).strftime("%d.%m.%Y %H:%M")}


# --------------------------------------------------------------------------- changes
def _parse_value(kind: str, raw: Any) -> Any:
    if kind == "work_min":
        try:
            minutes = int(str(raw).strip())
        except ValueError:
            raise BadInput(f"Arbeitszeit „{raw}“ ist keine ganze Zahl von Minuten") from None
        if not 0 <= minutes <= MAX_WORK_MIN:
            raise BadInput(f"Arbeitszeit muss zwischen 0 und {MAX_WORK_MIN} min liegen")
        return minutes
    if kind == "vehicle_km":
        try:
            km = float(str(raw).strip().replace(",", "."))
        except ValueError:
            raise BadInput(f"„{raw}“ ist keine Kilometerzahl") from None
        if not 0 <= km <= MAX_KM or km != km:
            raise BadInput(f"Kilometer müssen zwischen 0 und {MAX_KM:.0f} liegen")
        return round(km, 3)
    if kind == "members":
        values = raw if isinstance(raw, list) else [raw]
        try:
            ids = sorted({int(v) for v in values if str(v).strip()})
        except ValueError:
            raise BadInput("Personal: nur Personalnummern (ids) angeben") from None
        return ids
    raise BadInput(f"Unbekannte Korrektur „{kind}“; möglich: {', '.join(CORRECTION_KINDS)}")


def correct(session: Session, day: dt.date, crew_day_id: int, kind: str, raw_value: Any,
            reason: str, by_user: str, task_id: int | None = None) -> BookingCorrection:
    """Record a correction of one figure of a crew-day with its reason.

    Refused with :class:`Conflict` (409) on a closed day, with :class:`BadInput` for a missing
    reason, an unknown crew-day, task or person and values out of range. The history keeps
    every correction with the value before it.
    """
    begin_write(session)
    io.ensure_open(session, day)
    reason = " ".join((reason or "").split())
    if not reason:
        raise BadInput("Bitte einen Grund für die Korrektur angeben")
    if len(reason) > REASON_MAX_CHARS:
        raise BadInput(f"Grund zu lang (höchstens {REASON_MAX_CHARS} Zeichen)")
    cd = io.crew_day(session, crew_day_id)
    if cd is None or cd.date != day:
        raise NotFound(f"Kolonnentag {crew_day_id} gibt es am {day:%d.%m.%Y} nicht")
    value = _parse_value(kind, raw_value)
    settings, _ = settings_of(session)
    views = {v.crew_day.id: v for v in _day_views(session, day, settings)}
    view = views.get(crew_day_id)
    if kind == "work_min":
        if task_id is None:
            raise BadInput("Für die Arbeitszeit eine Aufgabe (Halt) angeben")
        rows = {s["task_id"]: s for s in view.stops} if view else {}
        tour = tour_for(session, cd)
        on_tour = tour is not None and any(s.task_id == task_id for s in tour.stops)
        if task_id not in rows and not on_tour:
            raise BadInput(f"Aufgabe {task_id} gehört nicht zu {cd.name} am {day:%d.%m.%Y}")
        before: Any = rows[task_id]["work_min"] if task_id in rows else 0
    elif kind == "vehicle_km":
        task_id = None
        before = round(view.work.distance_m / 1000, 3) if view else None
    else:
        task_id = None
        known = {s.id for s in io.all_staff(session)}
        unknown = [i for i in value if i not in known]
        if unknown:
            raise BadInput(f"Personal {unknown[0]} gibt es nicht")
        if not value:
            raise BadInput("Mindestens eine Person angeben")
        before = [p.staff_id for p in view.work.persons] if view else list(cd.member_ids)
    return io.add_correction(session, day=day, crew_day_id=crew_day_id, task_id=task_id,
                             kind=kind, value=value, before=before, reason=reason,
                             by_user=by_user)


def close_day(session: Session, day: dt.date, by_user: str) -> dict[str, Any]:
    """"Abschließen": freeze the day's bookings; afterwards the day is read-only.

    Refused with :class:`Conflict` when already closed; a day without any report or correction
    cannot be closed (nothing to book).
    """
    begin_write(session)
    io.ensure_open(session, day)
    settings, _ = settings_of(session)
    views = _day_views(session, day, settings)
    if not views:
        raise BadInput(f"Für den {day:%d.%m.%Y} liegen keine Meldungen vor – nichts zu buchen")
    lines = [ln for v in views for ln in v.lines]
    t = report.total(lines)
    summary = {"person_s": t.person_s, "machine_s": t.machine_s, "distance_m": t.distance_m,
               "amount_ct": t.amount_ct, "lines": len(lines), "crew_days": len(views)}
    io.store_closed(session, day, lines, by_user=by_user, rule=settings.rule, summary=summary)
    return summary


def late_report_note(session: Session, crew_day_id: int) -> str | None:
    """For the crew API: the note that a report of a closed day is kept but books nothing."""
    cd = io.crew_day(session, crew_day_id)
    if cd is None or not io.is_closed(session, cd.date):
        return None
    return (f"Der {cd.date:%d.%m.%Y} ist bereits abgeschlossen: die Meldung ist gespeichert, "
            "ändert die Buchungen aber nicht (bitte die Disposition informieren).")


# --------------------------------------------------------------------------- reports
def period_of(period: str) -> tuple[dt.date, dt.date, str]:
    """``2026-06`` (a month) or ``2026`` (a year) -> (first, last, kind)."""
    text = (period or "").strip()
    try:
        if len(text) == 4:
            year, month = int(text), 0
        else:
            year, month = (int(p) for p in text.split("-"))
            dt.date(year, month, 1)
    except (ValueError, TypeError):
        raise BadInput(f"Zeitraum „{period}“ ist ungültig (JJJJ-MM oder JJJJ)") from None
    if not 2000 <= year <= 2100:
        raise BadInput("Jahr muss zwischen 2000 und 2100 liegen")
    if month == 0:
        return dt.date(year, 1, 1), dt.date(year, 12, 31), "year"
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1), "month"


def period_report(session: Session, period: str, role: str | None,
                  lang: str = "de") -> dict[str, Any]:
    """The monthly or yearly report: rows per cost centre, site and task type (hours, EUR,
    m² per hour), per person only for allowed roles, with bar-chart geometry."""
    first, last, kind = period_of(period)
    _, privacy = settings_of(session)
    lines = lines_between(session, first, last)
    types = io.task_types(session)
    type_labels = {code: (t.name_en if lang == "en" else t.name_de) for code, t in types.items()}
    tables = {}
    for dim in ("cost_centre", "site", "task_type", "crew"):
        tables[dim] = [r.as_dict() for r in report.summarise(
            lines, dim, type_labels if dim == "task_type" else None)]
    if privacy.may_see_person_hours(role):
        tables["person"] = [r.as_dict() for r in report.summarise(lines, "person")]
    closed = io.closed_days(session, first, last)
    booked_days = sorted({ln.date for ln in lines})
    charts = {
        "cost_centre": report.bar_chart([(r["label"], r["eur"], number_text(r["eur"], lang, 0)
                                          + " €") for r in tables["cost_centre"]]),
        "task_type": report.bar_chart([(r["label"], r["person_h"],
                                        number_text(r["person_h"], lang, 1) + " h")
                                       for r in tables["task_type"]]),
    }
    return {
        "period": period, "kind": kind, "first": first, "last": last,
        "tables": tables, "total": report.total(lines).as_dict(), "charts": charts,
        "days": len(booked_days), "open_days": [d for d in booked_days if d not in closed],
        "with_persons": "person" in tables,
    }


def export_csv(session: Session, first: dt.date, last: dt.date, layout: str,
               role: str | None) -> bytes:
    """The bookings of ``first``..``last`` as CSV in ``layout`` (greentour or ilv)."""
    if layout not in csv_layouts.LAYOUTS:
        raise BadInput(f"Unbekanntes CSV-Format „{layout}“; möglich: "
                       + ", ".join(csv_layouts.LAYOUTS))
    settings, privacy = settings_of(session)
    lines = lines_between(session, first, last)
    if layout == "ilv":
        return csv_layouts.ilv_csv(lines, settings.section.sender_cost_centre)
    if not privacy.may_see_person_hours(role):
        lines = csv_layouts.per_crew_day(lines)
    return csv_layouts.greentour_csv(lines)


def site_costs(session: Session, year: int) -> dict[int, dict[str, float]]:
    """Per site of ``year``: booked EUR, person-hours and EUR per m² (area from the inventory)."""
    first, last, _ = period_of(str(year))
    rows = report.summarise(lines_between(session, first, last), "site")
    areas = {s.id: s.area_m2 for s in io.sites(session, [int(r.key) for r in rows if r.key])}
    out = {}
    for r in rows:
        if not r.key:
            continue
        site_id = int(r.key)
        area = areas.get(site_id) or 0.0
        out[site_id] = {"eur": r.amount_ct / 100, "person_h": r.person_s / 3600,
                        "eur_per_m2": (r.amount_ct / 100 / area) if area > 0 else None}
    return out


# --------------------------------------------------------------------------- time sheet
def time_sheet(session: Session, crew_day_id: int, role: str | None,
               lang: str = "de") -> dict[str, Any]:
    """The time sheet of a crew-day: the day sheet plus the booked times once the crew-day has
    bookings (reports or corrections; frozen when the day is closed): booked minutes per stop,
    the crew-day's work, drive and set-up hours, per person only for allowed roles."""
    sheet = day_sheet(session, crew_day_id, lang=lang)
    cd = io.crew_day(session, crew_day_id)
    _, privacy = settings_of(session)
    lines = [ln for ln in day_lines(session, cd.date) if ln.crew_day_id == crew_day_id]
    sheet["booked"] = bool(lines)
    sheet["closed"] = io.is_closed(session, cd.date)
    if not lines:
        return sheet
    work = {}
    for ln in lines:
        if ln.resource_kind == "person" and ln.share == "work" and ln.task_id is not None:
            work.setdefault(ln.task_id, ln.quantity)
    tz = tenant_zone(io.tenant(session))
    tour = tour_for(session, cd)
    seq_task = {}
    if tour is not None:
        n = 0
        for stop in sorted(tour.stops, key=lambda s: s.seq):
            if stop.kind == "task":
                n += 1
                seq_task[n] = stop.task_id
    for stop in sheet["stops"]:
        if stop["kind"] == "task":
            seconds = work.get(seq_task.get(stop["seq"]))
            stop["booked_min"] = round(seconds / 60) if seconds is not None else None
    sums = report.summarise(lines, "person")
    t = report.total(lines)
    persons = max(1, len(sums))
    sheet["booked_total_h"] = number_text(t.person_s / 3600, lang, 2)
    sheet["booked_crew_h"] = number_text(t.person_s / 3600 / persons, lang, 2)
    sheet["booked_shares"] = {
        share: number_text(sum(ln.quantity for ln in lines if ln.resource_kind == "person"
                               and ln.share == share) / 3600 / persons, lang, 2)
        for share in ("work", "drive", "setup")}
    sheet["with_persons"] = privacy.may_see_person_hours(role)
    sheet["person_hours"] = {r.label: number_text(r.person_s / 3600, lang, 2) for r in sums} \
        if sheet["with_persons"] else {}
    sheet["paid_h"] = number_text(paid_s(cd, tz) / 3600, lang, 2)
    return sheet
