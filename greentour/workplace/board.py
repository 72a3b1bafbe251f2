"""Week board (Plantafel): crew-days x days with load bars, checked moves, locks and undo.

A move of a task to another crew-day is checked by the independent checker
(:func:`routing.checker.retime_tour`): the task is tried at every position of the target tour, the
earliest-ending position without violations wins; if none is free of violations the move is
refused with the violations of the best try, in planner language. Nothing is stored by a check.
A move that breaks no rule but makes the target tour end later past its shift end (overtime
within the crew-day's allowed hour) is shown with a warning and stored only when the planner
confirms it (``confirm_overtime``).

Applying a move stores new plan versions (``mode = "edit"``) of the affected days: the target tour
re-timed with the task, the source tour re-timed without it. Undo removes the newest edit, so the
previous version is current again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from greentour.errors import BadInput, Conflict, NotFound
from greentour.planning import demand_step
from greentour.planning.current import current_plan, current_span, current_tour, next_version
from greentour.planning.problem_builder import BuiltProblem, build_problem, crew_ref, task_ref
from greentour.planning.store_solution import _store_stops, copy_tour, reasons_of
from greentour.records.store_io import ensure_open
from greentour.store import session_tenant, tenant_zone
from greentour.store.models import (
    CrewDay,
    Plan,
    Task,
    TaskType,
    Tour,
    Unassigned,
)
from greentour.workplace.labels import day_text, site_label
from greentour.workplace.lineup import crew_available_s, ensure_crew_days
from greentour.workplace.map_view import unassigned_items
from greentour.workplace.task_style import legend, task_style
from routing import Tour as RTour
from routing import retime_tour


def week_board(session: Session, week_start: dt.date, lang: str = "de") -> dict[str, Any]:
    """Rows per crew, cells per workday: tasks in tour order, planned vs available hours, the
    unassigned work of the week and the task-type legend; names of days, sites, task types and
    families in ``lang``."""
    tz = tenant_zone(session_tenant(session))
    days = [week_start + dt.timedelta(days=i) for i in range(5)]
    for day in days:
        ensure_crew_days(session, day)
    saturday = week_start + dt.timedelta(days=5)
    if session.scalar(select(CrewDay.id).where(CrewDay.date == saturday).limit(1)):
        days.append(saturday)
    crew_days = session.scalars(
        select(CrewDay).where(CrewDay.date >= days[0], CrewDay.date <= days[-1])
        .order_by(CrewDay.name, CrewDay.date)
    ).all()
    labels = {t.code: (t.name_en if lang == "en" else t.name_de)
              for t in session.scalars(select(TaskType))}
    rows: dict[str, dict[str, Any]] = {}
    for cd in crew_days:
        row = rows.setdefault(cd.name, {"crew": cd.name, "cells": {}})
        tour = current_tour(session, cd)
        tasks = []
        planned_s = 0
        if tour is not None:
            k = tour.kpis_json or {}
            planned_s = int(k.get("work_s", 0)) + int(k.get("drive_s", 0))
            for stop in tour.stops:
                if stop.kind == "task" and stop.task is not None:
                    site = stop.task.site
                    tasks.append({
                        "task_id": stop.task_id,
                        "site": site_label(site, lang),
                        "task": stop.task.task_type,
                        "task_label": labels.get(stop.task.task_type, stop.task.task_type),
                        "start": stop.start_at.astimezone(tz).strftime("%H:%M")
                        if stop.start_at else "",
                        "end": stop.end_at.astimezone(tz).strftime("%H:%M")
                        if stop.end_at else "",
                        "duration_min": round(stop.task.duration_s / 60),
                        "urgent": stop.task.generator == "order",
                        **task_style(stop.task.task_type, lang),
                        **_axis(cd, stop.start_at, stop.end_at, tz),
                    })
        available_s = crew_available_s(cd)
        row["cells"][cd.date.isoformat()] = {
            "crew_day_id": cd.id,
            "locked": cd.locked,
            "people": len(cd.member_ids),
            "available_h": round(available_s / 3600, 1),
            "planned_h": round(planned_s / 3600, 1),
            "load_pct": min(100, round(100 * planned_s / available_s)) if available_s else 0,
            "over": planned_s > available_s,
            "tasks": tasks,
        }
    edits = _edits(session, days[0], days[-1])
    return {
        "unassigned": unassigned_work(session, days, lang),
        "legend": legend(lang),
        "week_start": week_start.isoformat(),
        "days": [{"date": d.isoformat(), "label": day_text(d, lang, "short")} for d in days],
        "rows": list(rows.values()),
        "balance": demand_step.balance(session, week_start),
        "can_undo": bool(edits),
        "prev_week": (week_start - dt.timedelta(days=7)).isoformat(),
        "next_week": (week_start + dt.timedelta(days=7)).isoformat(),
    }


def _axis(cd: CrewDay, start: dt.datetime | None, end: dt.datetime | None,
          tz: Any) -> dict[str, float]:
    """Where a stop sits on its crew-day's time axis (shift start 0 %, shift end 100 %)."""
    if start is None or end is None:
        return {}
    shift_start = dt.datetime.combine(cd.date, cd.shift_start, tz)
    shift_s = (dt.datetime.combine(cd.date, cd.shift_end, tz) - shift_start).total_seconds()
    if shift_s <= 0:
        return {}
    left = max(0.0, (start - shift_start).total_seconds() / shift_s * 100)
    width = max(0.5, (end - start).total_seconds() / shift_s * 100)
    return {"axis_left_pct": round(min(left, 100.0), 1),
            "axis_width_pct": round(min(width, 100.0 - min(left, 99.5)), 1)}


def unassigned_work(
    session: Session, days: list[dt.date], lang: str = "de"
) -> list[dict[str, Any]]:
    """The work of the days' current plans that no tour holds, most urgent first (each task
    once, with the plan's reasons in ``lang``): the board's column to drag from."""
    labels = {t.code: (t.name_en if lang == "en" else t.name_de)
              for t in session.scalars(select(TaskType))}
    plans = {day: current_plan(session, day) for day in days}
    in_tours = {s.task_id for day, plan in plans.items() if plan is not None
                for tour in plan.tours if tour.crew_day.date == day for s in tour.stops}
    seen: dict[int, dict[str, Any]] = {}
    for plan in plans.values():
        if plan is None:
            continue
        for item in unassigned_items(plan, lang, labels):
            if item["task_id"] in seen or item["task_id"] in in_tours:
                continue
            task = session.get(Task, item["task_id"])
            if task is None or task.status not in ("open", "planned"):
                continue
            seen[item["task_id"]] = {
                **item,
                "task_label": item["task"],
                "task": item["task_type"],
                "duration_min": round(item["duration_s"] / 60),
                "due": f"{day_text(task.due_earliest, lang, 'short')} – "
                       f"{day_text(task.due_latest, lang, 'short')}",
                "urgent": item["generator"] == "order",
                **task_style(item["task_type"], lang),
            }
    return sorted(seen.values(), key=lambda u: (-u["urgency"], u["task_id"]))


def _edits(session: Session, first: dt.date, last: dt.date) -> list[Plan]:
    plans = session.scalars(
        select(Plan).where(Plan.date_from <= last, Plan.date_to >= first,
                           Plan.status.in_(("done", "published")))
        .order_by(Plan.created_at.desc(), Plan.id.desc())
    ).all()
    return [p for p in plans if (p.solver_params_json or {}).get("mode") == "edit"]


def where_planned(session: Session, task: Task, day: dt.date) -> tuple[CrewDay, Tour] | None:
    """The crew-day and tour that currently hold ``task`` (looked up around ``day``)."""
    for offset in range(-6, 7):
        d = day + dt.timedelta(days=offset)
        plan = current_plan(session, d)
        if plan is None:
            continue
        for tour in plan.tours:
            if any(s.task_id == task.id for s in tour.stops):
                cd = session.get(CrewDay, tour.crew_day_id)
                if cd is not None and cd.date == d:
                    return cd, tour
    return None


def _sequence(tour: Tour | None, built: BuiltProblem, without: int | None = None) -> list[str]:
    if tour is None:
        return []
    refs = {v: k for k, v in built.reload_ids.items()}
    seq = []
    for stop in tour.stops:
        if stop.kind == "task" and stop.task_id is not None and stop.task_id != without:
            seq.append(task_ref(stop.task_id))
        elif stop.kind == "reload" and stop.reload_point_id in refs:
            seq.append(refs[stop.reload_point_id])
    return seq


def _best_insertion(
    built: BuiltProblem, crew_id: str, seq: list[str], ref: str
) -> tuple[RTour, int]:
    best: tuple[tuple[int, int], RTour, int] | None = None
    for pos in range(len(seq) + 1):
        trial = retime_tour(built.problem, crew_id, [*seq[:pos], ref, *seq[pos:]])
        key = (len(trial.violations), trial.end_s)
        if best is None or key < best[0]:
            best = (key, trial, pos)
    assert best is not None
    return best[1], best[2]


def _check(session: Session, task_id: int, crew_day_id: int) -> dict[str, Any]:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"Aufgabe {task_id} gibt es nicht", en=f"There is no task {task_id}")
    target = session.get(CrewDay, crew_day_id)
    if target is None:
        raise NotFound(f"Kolonnentag {crew_day_id} gibt es nicht",
                       en=f"There is no crew-day {crew_day_id}")
    if target.locked:
        raise Conflict(f"{target.name} am {target.date:%d.%m.} ist gesperrt",
                       en=f"{target.name} on {target.date:%d/%m} is locked")
    if not target.member_ids:
        raise Conflict(f"{target.name} hat am {target.date:%d.%m.} kein Personal",
                       en=f"{target.name} has nobody on {target.date:%d/%m}")
    if task.status not in ("open", "planned"):
        raise Conflict("Diese Aufgabe ist erledigt oder storniert",
                       en="This task is done or cancelled")
    source = where_planned(session, task, target.date)
    if source is not None and source[0].locked:
        raise Conflict(f"{source[0].name} am {source[0].date:%d.%m.} ist gesperrt",
                       en=f"{source[0].name} on {source[0].date:%d/%m} is locked")
    target_tour = current_tour(session, target)
    # the tasks already in the target tour are part of the check even when the builder would
    # leave them out on their own (e.g. one the plan placed after its due day)
    in_tour = {s.task_id for s in target_tour.stops if s.task_id is not None} if target_tour \
        else set()
    built = build_problem(session, [target.date], stability=False,
                          include_task_ids=frozenset({task.id, *in_tour}))
    ref = task_ref(task.id)
    if ref not in built.problem.task_by_id:
        why = built.precheck_unassigned.get(task.id)
        if why:
            raise BadInput(f"Diese Aufgabe kann am {target.date:%d.%m.} nicht eingeplant werden: "
                           f"{why[0]['de']}",
                           en=f"This task cannot be planned on {target.date:%d/%m}: "
                              f"{why[0].get('en') or why[0]['de']}")
        raise BadInput(f"Diese Aufgabe kann am {target.date:%d.%m.} nicht eingeplant werden "
                       f"(fällig ab {task.due_earliest:%d.%m.})",
                       en=f"This task cannot be planned on {target.date:%d/%m} "
                          f"(due from {task.due_earliest:%d/%m})")
    crew_id = crew_ref(target.id)
    seq = _sequence(target_tour, built, without=task.id)
    trial, pos = _best_insertion(built, crew_id, seq, ref)
    current = _sequence(target_tour, built)
    before_s = retime_tour(built.problem, crew_id, current).kpis.overtime_s if current else 0
    return {"task": task, "target": target, "source": source, "built": built,
            "tour": trial, "position": pos, "overtime_before_s": before_s}


def _result(session: Session, checked: dict[str, Any], lang: str = "de") -> dict[str, Any]:
    built: BuiltProblem = checked["built"]
    trial: RTour = checked["tour"]
    target: CrewDay = checked["target"]
    tz = tenant_zone(session_tenant(session))
    moved_ref = task_ref(checked["task"].id)
    labels = {t.code: (t.name_en if lang == "en" else t.name_de)
              for t in session.scalars(select(TaskType))}
    stops = []
    n = 0
    for stop in trial.stops:
        if stop.kind != "task":
            continue
        n += 1
        task = session.get(Task, built.task_ids[stop.ref])
        stops.append({
            "seq": n,
            "site": site_label(task.site),
            "task": labels.get(task.task_type, task.task_type),
            "start": built.axis.to_datetime(stop.start_s).astimezone(tz).isoformat(),
            "end": built.axis.to_datetime(stop.end_s).astimezone(tz).isoformat(),
            "moved": stop.ref == moved_ref,
        })
    key = "en" if lang == "en" else "de"
    added_min = round(max(0, trial.kpis.overtime_s - checked["overtime_before_s"]) / 60)
    end_local = built.axis.to_datetime(trial.end_s).astimezone(tz)
    warnings = []
    if trial.is_feasible and added_min > 0:
        total_min = round(trial.kpis.overtime_s / 60)
        warnings.append(
            f"Tour endet {end_local:%H:%M}, {total_min} Minuten nach Schichtende "
            f"{target.shift_end:%H:%M} (Überstunden, {added_min} Minuten durch diese Umplanung)"
            if key == "de" else
            f"Tour ends {end_local:%H:%M}, {total_min} minutes after the shift end "
            f"{target.shift_end:%H:%M} (overtime, {added_min} minutes from this move)")
    return {
        "feasible": trial.is_feasible,
        "crew": f"{target.name} {target.date:%d.%m.}",
        "crew_day_id": target.id,
        "end": end_local.isoformat(),
        "violations": [r[key] for r in reasons_of(trial.violations)],
        "overtime_min": round(trial.kpis.overtime_s / 60),
        "added_overtime_min": added_min,
        "warnings": warnings,
        "stops": stops,
    }


def check_move(
    session: Session, task_id: int | None, crew_day_id: int | None, lang: str = "de"
) -> dict[str, Any]:
    """Re-timed target tour and violations of moving a task there; stores nothing."""
    if task_id is None or crew_day_id is None:
        raise BadInput("Aufgabe und Ziel-Kolonne angeben", en="Give the task and the target crew")
    return _result(session, _check(session, task_id, crew_day_id), lang)


def carry_over_target(session: Session, task_id: int | None, crew_day_id: int | None,
                      horizon_days: int = 7) -> CrewDay:
    """Where "in Plan übernehmen" puts a stop reported partly done or not possible: the same crew
    (same template, else same name) on its next working day with people that is not locked."""
    if task_id is None or crew_day_id is None:
        raise BadInput("Aufgabe und Kolonnentag angeben", en="Give the task and the crew-day")
    source = session.get(CrewDay, crew_day_id)
    if source is None:
        raise NotFound(f"Kolonnentag {crew_day_id} gibt es nicht",
                       en=f"There is no crew-day {crew_day_id}")
    for offset in range(1, horizon_days + 1):
        day = source.date + dt.timedelta(days=offset)
        for cd in ensure_crew_days(session, day):
            same = (cd.template_id == source.template_id if source.template_id is not None
                    else cd.name == source.name)
            if same and cd.member_ids and not cd.locked:
                return cd
    raise Conflict(f"{source.name} hat in den nächsten {horizon_days} Tagen keinen freien "
                   "Arbeitstag; bitte auf der Plantafel auf eine andere Kolonne ziehen",
                   en=f"{source.name} has no free working day in the next {horizon_days} days; "
                      "please drag it to another crew on the week board")


def check_carry_over(session: Session, task_id: int | None, crew_day_id: int | None,
                     lang: str = "de") -> dict[str, Any]:
    """Check moving a partly done or impossible stop to its crew's next working day (nothing is
    stored; :func:`apply_move` with the answer's ``crew_day_id`` stores it)."""
    target = carry_over_target(session, task_id, crew_day_id)
    return {**check_move(session, task_id, target.id, lang), "task_id": task_id}


def _copy_plan(session: Session, plan: Plan | None, day: dt.date, edit: dict[str, Any]) -> Plan:
    """A new version of ``plan`` for the days around ``day`` where it is current (tours of other
    days stay with the plans that are current there)."""
    first, last = current_span(session, plan, day) if plan else (day, day)
    new = Plan(
        date_from=first,
        date_to=last,
        input_hash=plan.input_hash if plan else "",
        solver_params_json={"mode": "edit", "edit": edit},
        solver_version=plan.solver_version if plan else "",
        status="done",
        # the parent's plan check does not hold for the edited plan: "Neu prüfen" computes it
        kpis_json={k: v for k, v in (plan.kpis_json or {}).items() if k != "check"}
        if plan else {},
        parent_id=plan.id if plan else None,
        version=next_version(session, first, last),
    )
    session.add(new)
    session.flush()
    if plan is None:
        return new
    for tour in plan.tours:
        if not first <= tour.crew_day.date <= last:
            continue
        copy_tour(session, tour, new.id)
    for u in plan.unassigned:
        if u.task_id != edit.get("task_id"):
            session.add(Unassigned(plan_id=new.id, task_id=u.task_id,
                                   reasons_json=list(u.reasons_json)))
    session.flush()
    session.refresh(new)
    return new


def _replace_tour(
    session: Session, plan: Plan, crew_day: CrewDay, built: BuiltProblem, rtour: RTour
) -> None:
    for tour in list(plan.tours):
        if tour.crew_day_id == crew_day.id:
            session.delete(tour)
    session.flush()
    session.expire(plan, ["tours"])
    if not rtour.task_ids:
        return
    k = rtour.kpis
    row = Tour(plan_id=plan.id, crew_day_id=crew_day.id, kpis_json={
        "drive_s": k.drive_s, "work_s": k.work_s, "wait_s": k.wait_s, "break_s": k.break_s,
        "distance_m": k.distance_m, "span_s": k.span_s, "overtime_s": k.overtime_s,
        "utilisation": k.utilisation, "n_tasks": k.n_tasks, "n_reloads": k.n_reloads,
        "violations": reasons_of(rtour.violations),
    })
    session.add(row)
    session.flush()
    crew = built.problem.crew_day_by_id[crew_ref(crew_day.id)]
    _store_stops(session, built, row, rtour, crew.profile, crew.start_location,
                 crew.end_location, set())
    session.flush()
    session.expire(plan, ["tours"])


def apply_move(
    session: Session, task_id: int | None, crew_day_id: int | None, lang: str = "de",
    confirm_overtime: bool = False,
) -> dict[str, Any]:
    """Store a move that the checker accepts; a refused move raises :class:`Conflict`.

    A move that lengthens the target tour past its shift end (overtime within the allowed hour,
    no rule broken) is only stored with ``confirm_overtime``: the planner has seen the warning.
    """
    if task_id is None or crew_day_id is None:
        raise BadInput("Aufgabe und Ziel-Kolonne angeben", en="Give the task and the target crew")
    target_day = session.get(CrewDay, crew_day_id)
    if target_day is not None:
        ensure_open(session, target_day.date)  # a day closed in the work records: 409
    checked = _check(session, task_id, crew_day_id)
    result = _result(session, checked, "de")
    if not result["feasible"]:
        english = _result(session, checked, "en")
        raise Conflict("Umplanung nicht möglich: " + "; ".join(result["violations"]),
                       en="Move not possible: " + "; ".join(english["violations"]))
    if result["added_overtime_min"] > 0 and not confirm_overtime:
        english = _result(session, checked, "en")
        raise Conflict("Umplanung bringt Überstunden, bitte bestätigen: "
                       + "; ".join(result["warnings"]),
                       en="The move brings overtime, please confirm: "
                          + "; ".join(english["warnings"]))
    if lang != "de":
        result = _result(session, checked, lang)
    target: CrewDay = checked["target"]
    task: Task = checked["task"]
    edit = {"id": uuid.uuid4().hex, "task_id": task.id, "to_crew_day_id": target.id}
    source = checked["source"]
    original = current_plan(session, target.date)
    src_original = current_plan(session, source[0].date) if source is not None else None
    target_plan = _copy_plan(session, original, target.date, edit)
    if source is not None:
        src_cd, _ = source
        if src_cd.date == target.date or (src_original is not None and original is not None
                                          and src_original.id == original.id):
            src_plan = target_plan  # one plan covers both days (a week plan): edit one copy
        else:
            src_plan = _copy_plan(session, src_original, src_cd.date, edit)
        src_built = (checked["built"] if src_cd.date == target.date
                     else build_problem(session, [src_cd.date], stability=False,
                                        include_task_ids=frozenset({task.id})))
        if src_cd.id != target.id:
            seq = [r for r in _sequence(_tour_of(src_plan, src_cd), src_built)
                   if r != task_ref(task.id)]
            _replace_tour(session, src_plan, src_cd,
                          src_built, retime_tour(src_built.problem, crew_ref(src_cd.id), seq))
    _replace_tour(session, target_plan, target, checked["built"], checked["tour"])
    task.status = "planned"
    session.flush()
    return {**result, "plan_id": target_plan.id}


def _tour_of(plan: Plan, crew_day: CrewDay) -> Tour | None:
    session_tours = [t for t in plan.tours if t.crew_day_id == crew_day.id]
    return session_tours[0] if session_tours else None


def set_locked(session: Session, crew_day_id: int | None, locked: bool) -> CrewDay:
    """Lock (or unlock) a crew-day: its tour stays as it is on re-planning and takes no moves;
    returns the crew-day."""
    if crew_day_id is None:
        raise BadInput("Kolonnentag angeben", en="Give the crew-day")
    cd = session.get(CrewDay, crew_day_id)
    if cd is None:
        raise NotFound(f"Kolonnentag {crew_day_id} gibt es nicht",
                       en=f"There is no crew-day {crew_day_id}")
    # an explicit updated_at keeps the line-up change time (a lock changes no people or machines)
    session.execute(update(CrewDay).where(CrewDay.id == cd.id)
                    .values(locked=locked, updated_at=cd.updated_at))
    session.refresh(cd)
    return cd


def undo_last_edit(session: Session, week_start: dt.date) -> str:
    """Drop the newest manual edit of the week (all plan versions it created)."""
    edits = _edits(session, week_start, week_start + dt.timedelta(days=6))
    if not edits:
        return "Nichts rückgängig zu machen."
    edit_id = (edits[0].solver_params_json or {}).get("edit", {}).get("id")
    dropped = [p for p in edits if (p.solver_params_json or {}).get("edit", {}).get("id")
               == edit_id]
    if any(p.status == "published" for p in dropped):
        return ("Die letzte Änderung ist schon veröffentlicht und wird nicht rückgängig gemacht; "
                "bitte die Aufgabe auf der Tafel zurückziehen und neu veröffentlichen.")
    for plan in dropped:
        session.delete(plan)
    session.flush()
    return "Letzte Änderung rückgängig gemacht."
