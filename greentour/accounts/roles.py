"""The roles of a user in a town: ``admin`` (also sets up towns and users), ``planner`` and
``viewer`` (may open what a planner may read; every change is refused with 403)."""

from __future__ import annotations

from greentour.errors import BadInput

ROLES = ("admin", "planner", "viewer")
ROLE_DE = {"admin": "Verwaltung", "planner": "Disposition", "viewer": "nur lesen"}


def check_role(role: str) -> str:
    """``role`` when known; :class:`BadInput` listing the roles otherwise."""
    if role not in ROLES:
        raise BadInput(f"Rolle „{role}“ unbekannt: erlaubt sind {', '.join(ROLES)}")
    return role
