"""What a stored plan achieved, in the words a planner uses: planned, not planned by reason,
overtime and the share of the working time spent driving (``greentour plan`` prints it)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from greentour.errors import NotFound
from greentour.store.models import Plan, Stop, Tour, Unassigned
from greentour.workplace.labels import number_text


@dataclass
class PlanOutcome:
    """Counts of one plan. Tasks are counted once (a task with several stops is one task)."""

    plan_id: int
    tours: int
    planned: int
    unplanned: int
    reasons: list[tuple[str, int, str]] = field(default_factory=list)
    """(reason code, number of tasks, German text of the first such task), most frequent first;
    a task counts under its first reason."""
    overtime_s: int = 0
    drive_s: int = 0
    work_s: int = 0

    @property
    def drive_share(self) -> float:
        """Driving time / (driving + work time), 0..1 (0 when nothing was planned)."""
        total = self.drive_s + self.work_s
        return self.drive_s / total if total else 0.0

    def lines_de(self) -> list[str]:
        """The summary for the terminal, in German."""
        out = [
            f"Plan #{self.plan_id}: {self.tours} Touren, {self.planned} Aufgaben eingeplant, "
            f"{self.unplanned} nicht eingeplant",
        ]
        for _code, count, text in self.reasons:
            more = " (u. ä.)" if count > 1 else ""
            out.append(f"  {count:4d} × {text}{more}")
        out.append(
            f"Überstunden {number_text(self.overtime_s / 3600)} h; Fahrzeit "
            f"{number_text(self.drive_s / 3600)} h = {number_text(100 * self.drive_share)} % "
            "der Fahr- und Arbeitszeit"
        )
        return out


def plan_outcome(session: Session, plan_id: int) -> PlanOutcome:
    """The :class:`PlanOutcome` of a stored plan (``session``: the plan's tenant)."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"Plan #{plan_id} gibt es nicht")
    tours = list(session.scalars(select(Tour).where(Tour.plan_id == plan_id)))
    planned = set(
        session.scalars(
            select(Stop.task_id)
            .join(Tour, Stop.tour_id == Tour.id)
            .where(Tour.plan_id == plan_id, Stop.task_id.is_not(None))
        )
    )
    first: dict[int, dict] = {}
    for row in session.scalars(select(Unassigned).where(Unassigned.plan_id == plan_id)):
        if row.task_id in planned or row.task_id in first:
            continue
        reasons = row.reasons_json or []
        first[row.task_id] = reasons[0] if reasons else {"code": "none", "de": "ohne Grund"}
    counts = Counter(r.get("code", "none") for r in first.values())
    example = {}
    for reason in first.values():
        example.setdefault(reason.get("code", "none"), reason.get("de") or reason.get("code"))
    kpis = [t.kpis_json or {} for t in tours]
    return PlanOutcome(
        plan_id=plan_id,
        tours=len(tours),
        planned=len(planned),
        unplanned=len(first),
        reasons=[(code, n, example[code]) for code, n in counts.most_common()],
        overtime_s=int(sum(k.get("overtime_s", 0) for k in kpis)),
        drive_s=int(sum(k.get("drive_s", 0) for k in kpis)),
        work_s=int(sum(k.get("work_s", 0) for k in kpis)),
    )
