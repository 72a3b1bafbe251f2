"""The plan check ("Plan prüfen"): what a planner would object to in a stored plan, in words.

The pure findings come from :func:`routing.audit.audit_plan` (tasks left that fit, crew-days
idle or under 50 % beside fitting work, work served after its due day while earlier room
existed, unneeded reload trips, locked tasks moved, rules broken); this module words them in
German and English and adds what only the store knows:

* **line-up**: a tour on a crew-day without people, with a member who is absent that day, with
  a machine in repair, or with a machine another tour of the same day also uses;
* **locks**: a crew-day that was locked when the plan was made (``solver_params_json["locked"]``)
  whose tour differs from the one in the plan before it (``parent_id``).

Every plan the plan service stores carries its check (``kpis_json["check"]``, computed from
the solver's own problem and solution); :func:`check_plan` recomputes it from the store for any
plan (``greentour check-plan --plan ID``, the panel's "Neu prüfen"). An empty list is the normal
case. Findings never show the solver's euro figures.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from greentour.errors import NotFound
from greentour.planning.problem_builder import BuiltProblem, build_problem, crew_ref, task_ref
from greentour.store.models import CrewDay, Machine, Plan, Staff, Tour
from greentour.workplace.labels import WEEKDAY_NAMES_DE
from greentour.workplace.lineup import absent_staff_ids, machine_out_of_service
from routing import Finding, FindingCode, Solution, TourKpis, audit_plan, make_reason, retime_tour

#: order of the kinds in the panel and the CLI
KINDS = ("task_left_fits", "crew_day_idle", "served_late_with_room", "unneeded_reload",
         "lineup", "lock_changed", "rule_violation")


@dataclass(frozen=True)
class PlanFinding:
    """One objection to a plan: a kind (:data:`KINDS`), German and English text, and the store
    ids of the task and crew-day it concerns (None where it concerns none)."""

    kind: str
    de: str
    en: str
    task_id: int | None = None
    crew_day_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def text(self, lang: str = "de") -> str:
        return self.en if lang == "en" else self.de

    def for_view(self, lang: str = "de") -> dict[str, Any]:
        """What the map panel shows: kind, text in ``lang``, task and crew-day ids."""
        return {"kind": self.kind, "text": self.text(lang), "task_id": self.task_id,
                "crew_day_id": self.crew_day_id}


# --------------------------------------------------------------------------- wording
def _day_de(day: dt.date) -> str:
    return f"{WEEKDAY_NAMES_DE[day.weekday()]}, {day:%d.%m.}"


def _day_en(day: dt.date) -> str:
    return f"{day:%A %d %b}"


def word(built: BuiltProblem, finding: Finding) -> PlanFinding:
    """German and English text of one audit finding, with store ids."""
    problem = built.problem
    task = problem.task_by_id.get(finding.task_id) if finding.task_id else None
    crew = problem.crew_day_by_id.get(finding.crew_day_id) if finding.crew_day_id else None
    t_name = task.label if task else ""
    c_name = f"{crew.label} ({_day_de(crew.day)})" if crew else ""
    c_name_en = f"{crew.label} ({_day_en(crew.day)})" if crew else ""
    data = finding.data
    code = finding.code
    if code == FindingCode.TASK_LEFT_FITS:
        de = f"{t_name}: nicht eingeplant, passt aber noch zu {c_name}"
        en = f"{t_name}: left out, but still fits into {c_name_en}"
    elif code == FindingCode.CREW_DAY_IDLE:
        n = len(data.get("task_ids", ()))
        pct = round(100 * float(data.get("utilisation", 0.0)))
        if pct == 0:
            de = f"{c_name} hat keine Arbeit, obwohl {n} passende Aufgaben offen sind"
            en = f"{c_name_en} has no work although {n} fitting tasks are open"
        else:
            de = f"{c_name} ist nur zu {pct} % ausgelastet, obwohl {n} passende Aufgaben offen " \
                 "sind"
            en = f"{c_name_en} is only {pct} % busy although {n} fitting tasks are open"
    elif code == FindingCode.SERVED_LATE_WITH_ROOM:
        days = max(1, round(int(data.get("late_s", 0)) / 86400))
        other = problem.crew_day_by_id.get(data.get("earlier_crew_day_id", ""))
        where_de = f"{other.label} ({_day_de(other.day)})" if other else "eine frühere Kolonne"
        where_en = f"{other.label} ({_day_en(other.day)})" if other else "an earlier crew"
        de = (f"{t_name}: {days} Tag{'e' if days > 1 else ''} nach Fälligkeit eingeplant, "
              f"obwohl {where_de} rechtzeitig Platz hätte")
        en = (f"{t_name}: planned {days} day{'s' if days > 1 else ''} after its due day although "
              f"{where_en} has room in time")
    elif code == FindingCode.UNNEEDED_RELOAD:
        point = problem.reload_by_id.get(data.get("reload_id", ""))
        name = point.label if point else "Abladestelle"
        n = int(data.get("count", 1))
        if n == 1:
            de = f"{c_name}: die Fahrt zu {name} ist nicht nötig (die Ladung passt ohne sie)"
            en = f"{c_name_en}: the trip to {name} is not needed (the load fits without it)"
        else:
            de = f"{c_name}: {n} Fahrten zu {name} sind nicht nötig (die Ladung passt ohne sie)"
            en = f"{c_name_en}: {n} trips to {name} are not needed (the load fits without them)"
    elif code == FindingCode.LOCK_CHANGED:
        actual = data.get("actual_crew_day_id")
        moved = problem.crew_day_by_id.get(actual) if actual else None
        de = f"{t_name}: fest bei {c_name}, im Plan " + (
            f"bei {moved.label}" if moved and moved.id != finding.crew_day_id
            else "an anderer Stelle" if moved else "nicht eingeplant")
        en = f"{t_name}: locked to {c_name_en}, in the plan " + (
            f"with {moved.label}" if moved and moved.id != finding.crew_day_id
            else "at another position" if moved else "not planned")
    else:
        reason = _reason(data)
        de = f"{c_name}: {reason[0]}" if c_name else reason[0]
        en = f"{c_name_en}: {reason[1]}" if c_name else reason[1]
    return PlanFinding(
        kind=str(code), de=de, en=en,
        task_id=built.task_ids.get(finding.task_id) if finding.task_id else None,
        crew_day_id=built.crew_day_ids.get(finding.crew_day_id) if finding.crew_day_id else None,
    )


def _reason(data: Any) -> tuple[str, str]:
    """The checker's reason of a rule violation in both languages."""
    try:
        r = make_reason(data.get("reason", ""), **dict(data.get("params", {})))
        return r.message_de, r.message_en
    except (KeyError, IndexError, ValueError):
        code = data.get("reason", "?")
        return f"Regel verletzt ({code})", f"rule broken ({code})"


# --------------------------------------------------------------------------- store checks
def lineup_findings(session: Session, plan: Plan) -> list[PlanFinding]:
    """Tours on crew-days the line-up does not allow: no people, someone absent, a machine in
    repair, a machine two tours of the same day use."""
    people = {p.id: p for p in session.scalars(select(Staff))}
    machines = {m.id: m for m in session.scalars(select(Machine))}
    out: list[PlanFinding] = []
    used: dict[tuple[dt.date, int], list[CrewDay]] = defaultdict(list)
    absent_by_day: dict[dt.date, dict[int, str]] = {}
    for tour in plan.tours:
        if not any(st.kind == "task" for st in tour.stops):
            continue
        cd = tour.crew_day
        name = f"{cd.name} ({_day_de(cd.date)})"
        name_en = f"{cd.name} ({_day_en(cd.date)})"
        absent = absent_by_day.setdefault(cd.date, absent_staff_ids(session, cd.date))
        if not [i for i in cd.member_ids if i in people]:
            out.append(PlanFinding("lineup", f"{name}: Tour ohne Personal",
                                   f"{name_en}: tour without people", crew_day_id=cd.id))
        for staff_id in cd.member_ids:
            if staff_id in absent and staff_id in people:
                who = people[staff_id].name
                out.append(PlanFinding(
                    "lineup", f"{name}: {who} ist an diesem Tag abwesend ({absent[staff_id]})",
                    f"{name_en}: {who} is absent that day ({absent[staff_id]})",
                    crew_day_id=cd.id))
        for machine_id in cd.machine_ids:
            machine = machines.get(machine_id)
            if machine is None:
                continue
            used[(cd.date, machine_id)].append(cd)
            if machine_out_of_service(machine, cd.date):
                out.append(PlanFinding(
                    "lineup", f"{name}: {machine.name} ist in Reparatur",
                    f"{name_en}: {machine.name} is in repair", crew_day_id=cd.id))
    for (day, machine_id), crews in sorted(used.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        if len(crews) > 1:
            names = ", ".join(c.name for c in crews)
            machine = machines[machine_id]
            out.append(PlanFinding(
                "lineup", f"{_day_de(day)}: {machine.name} ist mehreren Touren zugeteilt "
                          f"({names})",
                f"{_day_en(day)}: {machine.name} is given to several tours ({names})",
                crew_day_id=crews[0].id))
    return out


def lock_findings(session: Session, plan: Plan) -> list[PlanFinding]:
    """Crew-days locked when the plan was made whose tour differs from the previous plan's."""
    locked = (plan.solver_params_json or {}).get("locked") or []
    parent = session.get(Plan, plan.parent_id) if plan.parent_id else None
    if not locked or parent is None:
        return []

    def seq(p: Plan, cd_id: int) -> list[int] | None:
        tour = next((t for t in p.tours if t.crew_day_id == cd_id), None)
        return None if tour is None else [st.task_id for st in tour.stops if st.kind == "task"]

    out = []
    for cd_id in locked:
        before, after = seq(parent, cd_id), seq(plan, cd_id)
        if before is not None and before != after:
            cd = session.get(CrewDay, cd_id)
            name = f"{cd.name} ({_day_de(cd.date)})" if cd else f"Kolonnentag {cd_id}"
            name_en = f"{cd.name} ({_day_en(cd.date)})" if cd else f"crew-day {cd_id}"
            out.append(PlanFinding("lock_changed", f"{name} ist gesperrt, die Tour wurde aber "
                                   "geändert", f"{name_en} is locked, but its tour was changed",
                                   crew_day_id=cd_id))
    return out


# --------------------------------------------------------------------------- use cases
def _sorted(findings: list[PlanFinding]) -> list[PlanFinding]:
    return sorted(findings, key=lambda f: KINDS.index(f.kind) if f.kind in KINDS else 99)


def _grouped(findings: list[Finding]) -> list[Finding]:
    """Unneeded reload trips counted per crew-day and reload point (one line each)."""
    out: list[Finding] = []
    trips: dict[tuple[str | None, str], int] = {}
    for f in findings:
        if f.code == FindingCode.UNNEEDED_RELOAD:
            key = (f.crew_day_id, str(f.data.get("reload_id", "")))
            if key not in trips:
                out.append(f)
            trips[key] = trips.get(key, 0) + 1
        else:
            out.append(f)
    return [Finding(f.code, f.task_id, f.crew_day_id, {**f.data, "count": trips[(
        f.crew_day_id, str(f.data.get("reload_id", "")))]})
            if f.code == FindingCode.UNNEEDED_RELOAD else f for f in out]


def findings_of(session: Session, built: BuiltProblem, solution: Solution,
                plan: Plan) -> list[PlanFinding]:
    """The check of a plan just stored from ``solution`` of ``built``'s problem."""
    out = [word(built, f) for f in _grouped(audit_plan(built.problem, solution))]
    return _sorted(out + lineup_findings(session, plan) + lock_findings(session, plan))


def store_check(session: Session, plan: Plan, findings: list[PlanFinding]) -> None:
    """Keep the check with the plan (``kpis_json["check"]``) so every view can show it."""
    plan.kpis_json = {**(plan.kpis_json or {}), "check": [f.as_dict() for f in findings]}
    session.flush()


def stored_check(plan: Plan) -> list[PlanFinding] | None:
    """The check kept with ``plan`` (None: the plan was stored before plans were checked)."""
    rows = (plan.kpis_json or {}).get("check")
    if rows is None:
        return None
    return [PlanFinding(**row) for row in rows]


def check_plan(session: Session, plan_id: int, store: bool = False) -> list[PlanFinding]:
    """Recompute the check of stored plan ``plan_id`` from the store (its days' crew-days,
    tasks and tours, re-timed by our checker); ``store``: keep the result with the plan."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"Plan {plan_id} gibt es nicht")
    days = sorted({t.crew_day.date for t in plan.tours}) or [plan.date_from]
    days = [days[0] + dt.timedelta(days=i) for i in range((days[-1] - days[0]).days + 1)]
    built = build_problem(session, days, stability=False, keep_locked=True,
                          include_task_ids=frozenset(
                              st.task_id for t in plan.tours for st in t.stops if st.task_id))
    solution = _solution_of(built, plan.tours)
    findings = findings_of(session, built, solution, plan)
    if store:
        store_check(session, plan, findings)
    return findings


def _solution_of(built: BuiltProblem, tours: list[Tour]) -> Solution:
    """The stored tours as a routing solution, re-timed by our checker (stops of tasks done
    since, or of crew-days outside the problem, are left out)."""
    problem = built.problem
    reload_refs = {v: k for k, v in built.reload_ids.items()}
    out = []
    for tour in tours:
        cid = crew_ref(tour.crew_day_id)
        if cid not in problem.crew_day_by_id:
            continue
        seq = []
        for st in tour.stops:
            if st.kind == "task" and task_ref(st.task_id or 0) in problem.task_by_id:
                seq.append(task_ref(st.task_id))
            elif st.kind == "reload" and st.reload_point_id in reload_refs:
                seq.append(reload_refs[st.reload_point_id])
        out.append(retime_tour(problem, cid, seq))
    return Solution(tours=tuple(out), unassigned=(), kpis=TourKpis())
