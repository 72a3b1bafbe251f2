"""Records of the GIS side: the tokens GIS staff paste into QGIS (see docs/gis.md).

:class:`GisToken` is one member's access to the tenant's OGC API from a GIS client: only the
SHA-256 of the token is kept; it expires (``expires_at``) and can be revoked, and it is listed
for the planners on the GIS token page.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from greentour.store.base import Base, TenantScoped, utcnow


class GisToken(TenantScoped, Base):
    """A member's token for the tenant's OGC API (only its hash is stored)."""

    __tablename__ = "gis_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    last_used_at: Mapped[dt.datetime | None] = mapped_column()
    """Day of the last use (00:00 UTC), as for device tokens."""
