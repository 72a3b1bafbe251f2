"""Inspection records on a real PostgreSQL server: racing retries store one record, racing
different inspections keep one unbroken chain (row lock on the chain head).

Uses the throwaway cluster fixtures of the store's PostgreSQL tests.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid

import pytest
from crew_sample import build_crew_sample, race_identical_posts
from sqlalchemy import func, select

from greentour.duty import service
from greentour.duty.service import InspectionInput, Signer
from greentour.store.models_duty import InspectionRecord
from greentour.store.tenancy import tenant_session

pytestmark = pytest.mark.postgres
CHECK = [{"key": k, "result": "ok"} for k in
         ("surfacing", "broken_parts", "sharp_edges", "glass_litter", "vandalism")]


def test_racing_retries_of_one_inspection_store_one_record(pg, pg_app):
    """Eight simultaneous POSTs of one protocol: one row, eight equal answers."""
    sample = build_crew_sample(pg)
    body = json.dumps({"client_uuid": str(uuid.uuid4()), "site_id": sample.site_ids["a1"][0],
                       "inspection_type": "playground_visual",
                       "inspected_on": sample.day.isoformat(), "item": "Rutsche",
                       "inspector_name": "Erika Prüf", "checklist": CHECK})
    headers = {"Authorization": f"Bearer {sample.tokens['a1']}",
               "Content-Type": "application/json"}
    answers = race_identical_posts(pg_app, "/api/v1/inspections", body, headers)
    assert {status for status, _ in answers} == {201}
    assert len({json.loads(text)["record_hash"] for _, text in answers}) == 1
    with tenant_session(pg, sample.tenant_ids["lauf"]) as s:
        assert s.scalar(select(func.count()).select_from(InspectionRecord)) == 1


def test_concurrent_inspections_keep_one_unbroken_chain(pg):
    """Six inspections appended at once from six sessions: numbers 1..6, chain intact."""
    sample = build_crew_sample(pg)
    tenant_id = sample.tenant_ids["lauf"]
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def append(i: int) -> None:
        inp = InspectionInput(client_uuid=str(uuid.uuid4()), site_id=sample.site_ids["a1"][0],
                              inspection_type="playground_visual", inspected_on=sample.day,
                              checklist=CHECK, item=f"Gerät {i}")
        try:
            with tenant_session(pg, tenant_id) as s, s.begin():
                start.wait()
                service.record_inspection(s, inp, Signer(name="Erika Prüf"),
                                          today=sample.day + dt.timedelta(days=1))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with tenant_session(pg, tenant_id) as s:
        seqs = sorted(s.scalars(select(InspectionRecord.seq)))
        report = service.verify_chain(s)
    assert seqs == [1, 2, 3, 4, 5, 6] and report.intact
