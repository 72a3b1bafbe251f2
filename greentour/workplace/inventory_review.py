"""Inventory review: the planner accepts or rejects OSM candidate sites in bulk.

OpenStreetMap is not the maintenance inventory (private gardens, farmland meadows, scrub): the
import leaves everything outside the whitelist as a candidate. Accepting puts a site into
maintenance by the own crews; rejecting keeps it out of every plan.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from greentour.errors import BadInput
from greentour.inventory.classify import reason_label
from greentour.store.models import Site
from greentour.workplace.labels import category_label

DECISIONS = {"accept": "accepted", "reject": "rejected"}
MAX_LIST = 500


def candidates(
    session: Session, category: str | None = None, lang: str = "de"
) -> dict[str, Any]:
    """Candidate sites (optionally of one category) with counts and areas per category; category
    names in ``lang``; ``label`` names each row (its checkbox's label)."""
    rows = session.scalars(select(Site).where(Site.status == "candidate").order_by(
        Site.category, Site.area_m2.desc(), Site.id)).all()
    counts = Counter(s.category for s in rows)
    shown = [s for s in rows if not category or s.category == category][:MAX_LIST]
    return {
        "category": category or "",
        "categories": [(code, category_label(code, lang), n) for code, n in sorted(counts.items())],
        "total": len(rows),
        "sites": [{
            "id": s.id,
            "name": s.name,
            "category": s.category,
            "category_label": category_label(s.category, lang),
            "label": s.name or f"{category_label(s.category, lang)} ({_ref(s)})",
            "area_m2": round(s.area_m2) if s.area_m2 else None,
            "osm": f"{s.osm_type}/{s.osm_id}" if s.osm_id else "",
            "reason": reason_label(str((s.tags_json or {}).get("greentour:reason", "")), lang),
            "tags": ", ".join([f"{k}={v}" for k, v in sorted((s.tags_json or {}).items())
                               if not k.startswith("greentour:")][:6]),
        } for s in shown],
    }


def _ref(site: Site) -> str:
    return f"OSM {site.osm_type}/{site.osm_id}" if site.osm_id else f"#{site.id}"


def decide(session: Session, site_ids: list[int], decision: str) -> int:
    """Accept or reject the given candidate sites; returns how many changed."""
    if decision not in DECISIONS:
        raise BadInput("Entscheidung muss „accept“ oder „reject“ sein")
    if not site_ids:
        raise BadInput("Keine Fläche ausgewählt")
    status = DECISIONS[decision]
    changed = 0
    for site in session.scalars(select(Site).where(Site.id.in_(site_ids))):
        if site.status != "candidate":
            continue
        site.status = status
        site.in_maintenance = status == "accepted"
        changed += 1
    session.flush()
    return changed
