"""The database engine of the running app, for the auth and planner blueprints.

The app factory owns the engine; this helper finds it in ``app.extensions`` and, only if the
factory did not provide one, creates one from the settings (``GREENTOUR_DATABASE_URL``) once per
app. Views never open their own engines.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import Engine

_KEYS = ("greentour_engine", "engine")


def get_engine() -> Engine:
    """The app's SQLAlchemy engine."""
    ext: dict[str, Any] = current_app.extensions
    for key in _KEYS:
        value = ext.get(key)
        if isinstance(value, Engine):
            return value
    greentour = ext.get("greentour")
    if isinstance(greentour, dict) and isinstance(greentour.get("engine"), Engine):
        return greentour["engine"]
    if greentour is not None and isinstance(getattr(greentour, "engine", None), Engine):
        return greentour.engine
    configured = current_app.config.get("GREENTOUR_ENGINE")
    if isinstance(configured, Engine):
        return configured
    from greentour.settings import get_settings
    from greentour.store import make_engine

    engine = make_engine(current_app.config.get("GREENTOUR_DATABASE_URL") or get_settings().db_url)
    ext["greentour_engine"] = engine
    return engine
