"""A job's status for the planner page that polls it (status, progress 0-100, message, result)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from greentour.errors import NotFound
from greentour.store.models import Job
from greentour.workplace.labels import job_status_label


def job_status(session: Session, job_id: int, lang: str = "de") -> dict[str, Any]:
    """JSON-ready status of a job of the session's tenant; :class:`NotFound` for others.
    ``status`` is the queue's code, ``status_label`` its name in ``lang`` (what the page shows
    while the job has no message yet)."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"Auftrag {job_id} gibt es nicht")
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "status_label": job_status_label(job.status, lang),
        "progress": job.progress,
        "message": job.message,
        "result": job.result_json,
    }
