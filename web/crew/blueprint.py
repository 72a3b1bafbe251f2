"""The crew blueprint (``/crew``): the tablet's app shell (:mod:`web.crew`) and the planner's
device tokens page (:mod:`web.crew.devices`) add their routes to it."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint

STATIC_DIR = Path(__file__).parent / "static"

bp = Blueprint(
    "crew",
    __name__,
    url_prefix="/crew",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
