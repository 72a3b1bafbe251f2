"""The hash chain of a town's inspection records (pure).

Each record's hash is SHA-256 over the previous record's hash and the record's canonical content
(:func:`canonical`: sorted-key JSON of every evidence field, dates as ISO text). The first record
of a town follows :data:`GENESIS`. :func:`verify` walks the chain in sequence order and reports
every break: a record whose content no longer gives its stored hash (edited), a record whose
``prev_hash`` is not its predecessor's hash or a gap in the sequence (deleted or inserted), and a
chain that ends before the stored head (newest record deleted).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

GENESIS = "0" * 64
HASHED_FIELDS = (
    "seq", "client_uuid", "site_id", "site_name", "inspection_type", "item", "inspected_on",
    "device_time", "inspector_user_id", "inspector_staff_id", "inspector_name",
    "device_token_id", "device_name", "checklist_json", "findings_json", "condition_json", "note",
    "corrects_id", "correction_reason",
)
"""The evidence: what the inspector recorded, who signed it and on which device."""


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def canonical(record: Mapping[str, Any]) -> str:
    """The canonical text of a record's evidence fields (stable across databases)."""
    content = {name: _plain(record.get(name)) for name in HASHED_FIELDS}
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def record_hash(prev_hash: str, record: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the predecessor's hash and the record's canonical content."""
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical(record).encode("utf-8"))
    return digest.hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    """One break in the chain, worded for the planner."""

    seq: int
    kind: str
    """``edited`` | ``broken_link`` | ``gap`` | ``head``"""
    message: str


@dataclass(frozen=True)
class ChainReport:
    """Result of :func:`verify`."""

    records: int
    problems: list[ChainProblem] = field(default_factory=list)
    head_hash: str = GENESIS

    @property
    def intact(self) -> bool:
        """True when no record was edited, deleted or inserted."""
        return not self.problems


def verify(records: Sequence[Mapping[str, Any]], head_seq: int | None = None,
           head_hash: str | None = None) -> ChainReport:
    """Check a town's records (any order) against their hashes and the stored head."""
    rows = sorted(records, key=lambda r: r["seq"])
    problems: list[ChainProblem] = []
    prev_hash, prev_seq = GENESIS, 0
    for row in rows:
        seq = int(row["seq"])
        if seq != prev_seq + 1:
            missing = ", ".join(str(s) for s in range(prev_seq + 1, seq)) or str(seq)
            problems.append(ChainProblem(seq, "gap", f"Protokoll Nr. {missing} fehlt (gelöscht?)"))
        if row["prev_hash"] != prev_hash:
            problems.append(ChainProblem(
                seq, "broken_link",
                f"Protokoll Nr. {seq} verweist nicht auf den Hash seines Vorgängers"))
        if record_hash(row["prev_hash"], row) != row["record_hash"]:
            problems.append(ChainProblem(
                seq, "edited", f"Protokoll Nr. {seq} wurde nach dem Speichern verändert"))
        prev_hash, prev_seq = row["record_hash"], seq
    if head_seq is not None and (head_seq != prev_seq or (head_hash or GENESIS) != prev_hash):
        problems.append(ChainProblem(
            head_seq, "head",
            f"Kette endet bei Nr. {prev_seq}, gespeichert war Nr. {head_seq} (neuestes gelöscht?)"))
    return ChainReport(len(rows), problems, prev_hash)
