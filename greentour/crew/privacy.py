"""The tenant's privacy settings for crew data (Datenschutz und Mitbestimmung).

Read from the ``[privacy]`` table of the tenant file (checked once on load; readers take
``tenant_config(tenant).privacy`` of :mod:`greentour.tenant_config`); each value has a default
that the staff council can agree to without further work. See docs/datenschutz.md for what each
setting means to the employees.

=========================  =====================================================================
key                        meaning (default)
=========================  =====================================================================
stop_times_days            days the per-stop times of reports (device and server time, start and
                           end) are kept; afterwards only the day and the outcome remain (90)
photos_days                days report photos are kept (30)
notes_days                 days free-text notes of reports are kept (365)
stop_times_visible_to      roles that see per-stop times of past reports (["admin"]);
                           everyone else sees the outcome per stop and the crew-day's totals
person_hours_visible_to    roles that see booked hours per person (work records, issue 17;
                           ["admin"]); everyone else sees hours per crew-day
photo_max_bytes            largest photo accepted, bytes (5 MiB)
device_token_days          days a new tablet token is valid unless the planner says otherwise
                           (365); a lost tablet that nobody revoked stops working then
=========================  =====================================================================

There is deliberately no setting for GPS tracking: the crew view never reads the device location.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from greentour.errors import ConfigError

ROLES = ("planner", "admin")
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")


@dataclass(frozen=True)
class PrivacySettings:
    """Retention periods (days), visibility of per-stop times and the photo size limit."""

    stop_times_days: int = 90
    photos_days: int = 30
    notes_days: int = 365
    stop_times_visible_to: tuple[str, ...] = ("admin",)
    person_hours_visible_to: tuple[str, ...] = ("admin",)
    photo_max_bytes: int = 5 * 1024 * 1024
    device_token_days: int = 365

    def may_see_stop_times(self, role: str | None) -> bool:
        """Whether a user with ``role`` sees per-stop times of reports."""
        return role is not None and role in self.stop_times_visible_to

    def may_see_person_hours(self, role: str | None) -> bool:
        """Whether a user with ``role`` sees booked hours per person (else per crew-day)."""
        return role is not None and role in self.person_hours_visible_to


def _positive_int(source: str, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(
            source, f"privacy.{key}", f"muss eine ganze Zahl ≥ 1 sein, nicht {value!r}"
        )
    return value


def privacy_settings(
    config: dict[str, Any] | None, source: str = "Mandantenkonfiguration"
) -> PrivacySettings:
    """The privacy settings from a tenant configuration dict (its ``privacy`` table).

    Unknown keys and bad values are refused with :class:`ConfigError` naming the key.
    """
    table = (config or {}).get("privacy") or {}
    if not isinstance(table, dict):
        raise ConfigError(source, "privacy", "muss eine Tabelle sein")
    defaults = PrivacySettings()
    known = set(PrivacySettings.__dataclass_fields__)
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(source, f"privacy.{unknown[0]}", "unbekannter Schlüssel")
    values: dict[str, Any] = {}
    for key in (
        "stop_times_days", "photos_days", "notes_days", "photo_max_bytes", "device_token_days"
    ):
        values[key] = _positive_int(source, key, table.get(key, getattr(defaults, key)))
    for key in ("stop_times_visible_to", "person_hours_visible_to"):
        roles = table.get(key, list(getattr(defaults, key)))
        if not isinstance(roles, list) or any(r not in ROLES for r in roles):
            raise ConfigError(source, f"privacy.{key}", f"Liste aus {', '.join(ROLES)} erwartet")
        values[key] = tuple(roles)
    return PrivacySettings(**values)
