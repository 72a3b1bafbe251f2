"""Records of the demand side that the core domain does not hold (see docs/demand.md).

* :class:`TaskDetail` — one row per generated task: the generator's key (so regenerating does not
  duplicate work), the quantity worked on, the explanation, the traffic-safety flag, the grouped
  member sites and the work-package link group, and where the duration came from.
* :class:`TenantCycle` — the town's own recurring duties (bins, playground inspections, hedges,
  leaves), copied from the national default (data/cycles_default.toml) or the town's file when
  the town is set up, then edited in the UI and exported back to TOML.
* :class:`SiteDemand` — per site: the noise-sensitivity suggestion from OSM surroundings and the
  planner's confirmation, the traffic-safety screening result, young trees and bins counts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greentour.store.base import Base, TenantScoped, utcnow
from greentour.store.models import Site, Task


class TaskDetail(TenantScoped, Base):
    """Demand-side details of one task (1:1 with :class:`~greentour.store.models.Task`)."""

    __tablename__ = "task_detail"
    __table_args__ = (UniqueConstraint("task_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200), index=True)
    """Generator key: ``cycle:<rule>:<site>:<date>``, ``forecast:<type>:<site>:<date>``, ..."""
    quantity: Mapped[float] = mapped_column(Float, default=0.0)
    """Work in the task type's unit (m², m, trees, items, sites)."""
    quantity_unit: Mapped[str] = mapped_column(String(20), default="")
    explanation: Mapped[str] = mapped_column(Text, default="")
    traffic_safety: Mapped[bool] = mapped_column(Boolean, default=False)
    member_site_ids: Mapped[list[int]] = mapped_column(default=list)
    """Sites served by this task (more than one: grouped small lawns)."""
    link_group: Mapped[str | None] = mapped_column(String(120))
    """Work packages of one split site share a link group (same crew, consecutive days)."""
    package_count: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20), default="formula")
    """formula | target | learned"""
    base_s: Mapped[int] = mapped_column(Integer, default=0)
    """Duration before learning (formula or target time), seconds."""
    n_visits: Mapped[int] = mapped_column(Integer, default=0)

    task: Mapped[Task] = relationship()


class SiteDemand(TenantScoped, Base):
    """Demand-side facts about one site (1:1 with :class:`~greentour.store.models.Site`)."""

    __tablename__ = "site_demand"
    __table_args__ = (UniqueConstraint("site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    noise_suggested: Mapped[bool] = mapped_column(Boolean, default=False)
    """OSM suggests a residential neighbourhood (32. BImSchV applies)."""
    noise_reason: Mapped[str] = mapped_column(String(300), default="")
    noise_confirmed: Mapped[bool | None] = mapped_column(Boolean)
    """The planner's decision: True / False; None = not yet decided."""
    traffic_safety: Mapped[bool] = mapped_column(Boolean, default=False)
    traffic_reason: Mapped[str] = mapped_column(String(300), default="")
    clearance_height_m: Mapped[float | None] = mapped_column(Float)
    young_trees: Mapped[int | None] = mapped_column(Integer)
    """Trees planted in the last years that need watering."""
    young_trees_planted: Mapped[dt.date | None] = mapped_column(Date)
    """When the young trees were planted (the forecast waters them in their first years)."""
    bins: Mapped[int | None] = mapped_column(Integer)
    """Litter bins at the site (None: the task type's default per category)."""
    screened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship()


class TenantCycle(TenantScoped, Base):
    """One recurring duty of the town: a task type at selected sites on a recurrence rule.

    The fields are those of a ``[[cycle]]`` entry of a cycles TOML file (see
    greentour/demand/rules_config.py); :mod:`greentour.demand.catalogue` converts both ways.
    """

    __tablename__ = "tenant_cycle"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    task_type: Mapped[str] = mapped_column(String(40))
    sites_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Site selector (categories, care_classes, names, osm, tags, min_area_m2, min_trees, ...)."""
    rule_json: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Recurrence (freq, interval, byweekday, bymonthday, bymonth, season, on_holiday, ...)."""
    urgency: Mapped[float] = mapped_column(Float, default=0.6)
    reference: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(120), default="")
    """Where the entry came from (``data/cycles_default.toml``, a file name, ``UI``)."""
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
