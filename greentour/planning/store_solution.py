"""Solution -> store: a new Plan version with Tours, timed Stops along the roads, Unassigned.

Times go from the problem's time axis to aware UTC instants; each stop keeps the road leg from the
previous stop (GeoJSON LineString, WGS84) so the map and the day sheet draw the real route. Depot
departure and return are stored as stops of kind ``depot`` (first and last); the return stop
holds the drive back (geometry, distance, drive time, arrival), so the legs of a tour add up to
the distance and drive time the plan counts.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
from typing import Any

from sqlalchemy.orm import Session

from greentour.planning.current import next_version
from greentour.planning.problem_builder import BuiltProblem
from greentour.store.models import Plan, Stop, Task, Tour, Unassigned
from routing import Solution, StopKind


def _utc(built: BuiltProblem, seconds: int) -> dt.datetime:
    return built.axis.to_datetime(int(seconds)).astimezone(dt.UTC)


def _leg(built: BuiltProblem, profile: str, a: int | None, b: int | None) -> str | None:
    if a is None or b is None or a == b:
        return None
    coords = built.travel.leg_coords(profile, a, b)
    if len(coords) < 2:
        return None
    return json.dumps({"type": "LineString", "coordinates": coords})


def _return_leg(built: BuiltProblem, profile: str, a: int, b: int) -> tuple[float, int]:
    """Distance (m) and drive time (s) of the drive back to the depot, from the same matrix the
    solver and the checker use (so the stored legs add up to the tour's ``distance_m``)."""
    matrix = built.problem.matrices[profile]
    return float(matrix.distance_m[a, b]), int(matrix.duration_s[a, b])


def reasons_of(items: Any) -> list[dict[str, str]]:
    """Solver reasons as stored dicts (code, German, English)."""
    return [{"code": r.code, "de": r.message_de, "en": r.message_en} for r in items]


def store_solution(
    session: Session,
    built: BuiltProblem,
    solution: Solution,
    days: list[dt.date],
    params: dict[str, Any],
    job_id: int | None = None,
    mode: str = "plan",
) -> Plan:
    """Store ``solution`` as a new plan version; assigned tasks become ``planned``."""
    problem = built.problem
    parent = session.get(Plan, built.previous_plan_id) if built.previous_plan_id else None
    totals = solution.kpis
    plan = Plan(
        date_from=days[0],
        date_to=days[-1],
        input_hash=built.input_hash,
        solver_params_json={**params, "mode": mode, "locked": [
            t.crew_day_id for t in (session.get(Tour, i) for i in built.locked_tour_ids) if t]},
        solver_version=_ortools_version(),
        status="done",
        kpis_json={
            "drive_s": totals.drive_s,
            "work_s": totals.work_s,
            "distance_m": totals.distance_m,
            "overtime_s": totals.overtime_s,
            "utilisation": totals.utilisation,
            "n_tasks": totals.n_tasks,
            "objective": solution.objective,
            "status": solution.status,
            "wall_s": round(solution.wall_s, 2),
            "method": solution.method,
        },
        parent_id=parent.id if parent else None,
        version=next_version(session, days[0], days[-1]),
        job_id=job_id,
    )
    session.add(plan)
    session.flush()
    assigned: set[int] = set()
    for tour in solution.tours:
        if not tour.task_ids:
            continue  # a crew-day without work gets no tour (its breaks alone are no plan)
        crew = problem.crew_day_by_id[tour.crew_day_id]
        k = tour.kpis
        row = Tour(
            plan_id=plan.id,
            crew_day_id=built.crew_day_ids[tour.crew_day_id],
            kpis_json={
                "drive_s": k.drive_s, "work_s": k.work_s, "wait_s": k.wait_s,
                "break_s": k.break_s, "distance_m": k.distance_m, "span_s": k.span_s,
                "overtime_s": k.overtime_s, "utilisation": k.utilisation,
                "n_tasks": k.n_tasks, "n_reloads": k.n_reloads,
                "violations": reasons_of(tour.violations),
            },
        )
        session.add(row)
        session.flush()
        _store_stops(session, built, row, tour, crew.profile, crew.start_location,
                     crew.end_location, assigned)
    for tour_id in built.locked_tour_ids:
        locked = session.get(Tour, tour_id)
        if locked is not None:
            copy_tour(session, locked, plan.id)
            assigned.update(st.task_id for st in locked.stops if st.task_id is not None)
    for item in solution.unassigned:
        task_id = built.task_ids[item.task_id]
        session.add(Unassigned(plan_id=plan.id, task_id=task_id,
                               reasons_json=reasons_of(item.reasons)))
    for task_id, reasons in built.precheck_unassigned.items():
        session.add(Unassigned(plan_id=plan.id, task_id=task_id, reasons_json=reasons))
    for task_id in built.task_ids.values():
        task = session.get(Task, task_id)
        if task is not None and task.status in ("open", "planned"):
            task.status = "planned" if task_id in assigned else "open"
    session.flush()
    return plan


def copy_tour(session: Session, tour: Tour, plan_id: int) -> Tour:
    """Copy ``tour`` with its stops (times, loads, road legs) unchanged into plan ``plan_id``:
    how a new plan version keeps a tour it must not change (a locked crew-day, other days)."""
    copy = Tour(plan_id=plan_id, crew_day_id=tour.crew_day_id, kpis_json=dict(tour.kpis_json),
                geometry_geojson=tour.geometry_geojson, locked=tour.locked)
    session.add(copy)
    session.flush()
    for s in tour.stops:
        session.add(Stop(
            tour_id=copy.id, seq=s.seq, kind=s.kind, task_id=s.task_id,
            reload_point_id=s.reload_point_id, arrival_at=s.arrival_at, start_at=s.start_at,
            end_at=s.end_at, load_m3=s.load_m3, water_l=s.water_l,
            leg_distance_m=s.leg_distance_m, leg_duration_s=s.leg_duration_s,
            leg_geometry_geojson=s.leg_geometry_geojson,
        ))
    session.flush()
    return copy


def _store_stops(
    session: Session,
    built: BuiltProblem,
    row: Tour,
    tour: Any,
    profile: str,
    start_loc: int,
    end_loc: int,
    assigned: set[int],
) -> None:
    seq = 0
    session.add(Stop(tour_id=row.id, seq=seq, kind="depot", arrival_at=_utc(built, tour.start_s),
                     start_at=_utc(built, tour.start_s), end_at=_utc(built, tour.start_s)))
    last_loc = start_loc
    lines: list[list[float]] = []
    for stop in tour.stops:
        seq += 1
        kind = {StopKind.TASK: "task", StopKind.RELOAD: "reload", StopKind.BREAK: "break"}[
            stop.kind
        ]
        leg = None
        if stop.kind != StopKind.BREAK:
            leg = _leg(built, profile, last_loc, stop.location)
            if leg:
                lines.extend(json.loads(leg)["coordinates"])
            last_loc = stop.exit_location if stop.exit_location is not None else stop.location
        task_id = built.task_ids.get(stop.ref) if stop.kind == StopKind.TASK else None
        if task_id is not None:
            assigned.add(task_id)
        session.add(Stop(
            tour_id=row.id,
            seq=seq,
            kind=kind,
            task_id=task_id,
            reload_point_id=built.reload_ids.get(stop.ref) if stop.kind == StopKind.RELOAD
            else None,
            arrival_at=_utc(built, stop.arrival_s),
            start_at=_utc(built, stop.start_s),
            end_at=_utc(built, stop.end_s),
            load_m3=float(stop.loads.get("green_waste_m3", 0.0)),
            water_l=float(stop.loads.get("water_l", 0.0)),
            leg_distance_m=float(stop.distance_m) if stop.kind != StopKind.BREAK else None,
            leg_duration_s=int(stop.drive_s) if stop.kind != StopKind.BREAK else None,
            leg_geometry_geojson=leg,
        ))
    seq += 1
    leg = _leg(built, profile, last_loc, end_loc)
    if leg:
        lines.extend(json.loads(leg)["coordinates"])
    back_m, back_s = _return_leg(built, profile, last_loc, end_loc)
    session.add(Stop(tour_id=row.id, seq=seq, kind="depot", arrival_at=_utc(built, tour.end_s),
                     start_at=_utc(built, tour.end_s), end_at=_utc(built, tour.end_s),
                     leg_distance_m=back_m, leg_duration_s=back_s, leg_geometry_geojson=leg))
    if len(lines) >= 2:
        row.geometry_geojson = json.dumps({"type": "LineString", "coordinates": lines})


def _ortools_version() -> str:
    try:
        return f"ortools {importlib.metadata.version('ortools')}"
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - broken installs only
        return "ortools"
