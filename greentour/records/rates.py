"""The town's settings for work records: rates, distribution rule, cost centres and products.

Read from the ``[records]`` table of the tenant file (readers take
``tenant_config(tenant).records`` of :mod:`greentour.tenant_config`) and checked on load by
:func:`greentour.tenant_config.load_tenant_config` (unknown keys, negative rates, a staff key in
two groups, a group, machine or vehicle that does not exist are refused with
:class:`~greentour.errors.ConfigError` naming the key). Every key has a default, so a town
without the table still gets bookings (at 0 EUR, with the sample product codes).

=========================  =====================================================================
key                        meaning (default)
=========================  =====================================================================
rule                       how drive and set-up time (and the vehicle kilometres) of a crew-day
                           are distributed over its worked stops: ``per_stop`` (equal shares) or
                           ``by_work_time`` (in proportion to the work time) ("per_stop")
overhead_cost_centre       where a crew-day's time goes when no stop was worked ("Bauhof")
sender_cost_centre         the Bauhof's own cost centre, sender of the internal activity
                           allocation export (CSV layout ``ilv``) ("Bauhof")
default_person_group       the group of staff not listed in any group ("gaertner")
person_groups.<key>        ``name``, ``eur_per_h`` (hourly rate incl. overheads) and ``staff``
                           (staff keys of the tenant file)
machines.<key or kind>     EUR per machine-hour, by machine key or else by machine kind
vehicles.<key or kind>     EUR per vehicle-km, by vehicle key or else by vehicle kind
cost_centres.<category>    cost centre of sites of a category whose own ``cost_centre`` is empty
                           (``default`` for all other categories)
products.<category>        cost object (product of the municipal product framework) by category
=========================  =====================================================================

The default products are the sample's: the German municipal product framework (Produktrahmen,
used in Bavaria's Doppik and most Länder) — 551 Öffentliches Grün/Landschaftsbau, 553 Friedhofs-
und Bestattungswesen, 424 Sportstätten, 366 Einrichtungen der Jugendarbeit (Spielplätze), 541
Gemeindestraßen (Straßenbegleitgrün). A town sets its own numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from greentour.errors import ConfigError

Rule = Literal["per_stop", "by_work_time"]
RULES: tuple[str, ...] = ("per_stop", "by_work_time")
RULE_DE = {"per_stop": "je Halt zu gleichen Teilen", "by_work_time": "nach Arbeitszeit"}

DEFAULT_PRODUCTS: dict[str, str] = {
    "park": "551 Öffentliches Grün",
    "meadow": "551 Öffentliches Grün",
    "tree_group": "551 Öffentliches Grün",
    "hedge": "551 Öffentliches Grün",
    "cemetery": "553 Friedhofswesen",
    "sports_pitch": "424 Sportstätten",
    "playground": "366 Spielplätze",
    "verge": "541 Straßenbegleitgrün",
    "default": "551 Öffentliches Grün",
}
DEFAULT_COST_CENTRES: dict[str, str] = {
    "park": "5510 Parkanlagen",
    "meadow": "5510 Parkanlagen",
    "tree_group": "5510 Parkanlagen",
    "hedge": "5510 Parkanlagen",
    "cemetery": "5530 Friedhöfe",
    "sports_pitch": "4240 Sportplätze",
    "playground": "3660 Spielplätze",
    "verge": "5410 Straßenbegleitgrün",
    "default": "5510 Parkanlagen",
}
MAX_RATE = 10_000.0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonGroup(_Strict):
    """``[records.person_groups.<key>]``: a pay group with its hourly rate."""

    name: str = ""
    eur_per_h: float = Field(ge=0, le=MAX_RATE)
    staff: list[str] = []


class RecordsSection(_Strict):
    """``[records]`` as written in the tenant file."""

    rule: Rule = "per_stop"
    overhead_cost_centre: str = Field(default="Bauhof", min_length=1, max_length=40)
    sender_cost_centre: str = Field(default="Bauhof", min_length=1, max_length=40)
    default_person_group: str = "gaertner"
    person_groups: dict[str, PersonGroup] = {
        "gaertner": PersonGroup(name="Gärtner/in", eur_per_h=0.0)
    }
    machines: dict[str, float] = {}
    vehicles: dict[str, float] = {}
    cost_centres: dict[str, str] = {}
    products: dict[str, str] = {}


@dataclass(frozen=True)
class RecordsSettings:
    """The validated settings with the lookups the booking needs."""

    section: RecordsSection

    @property
    def rule(self) -> str:
        return self.section.rule

    def person_group(self, staff_key: str | None) -> str:
        """The group key of a staff member (by the key of the tenant file)."""
        for key, group in self.section.person_groups.items():
            if staff_key is not None and staff_key in group.staff:
                return key
        return self.section.default_person_group

    def person_rate_ct(self, group: str) -> int:
        """Cents per hour of a person group (0 for an unknown group)."""
        found = self.section.person_groups.get(group)
        return round(found.eur_per_h * 100) if found else 0

    def group_name(self, group: str) -> str:
        found = self.section.person_groups.get(group)
        return (found.name or group) if found else group

    def machine_rate_ct(self, key: str | None, kind: str) -> int | None:
        """Cents per machine-hour by key, else kind; None: no rate set."""
        value = self.section.machines.get(key or "", self.section.machines.get(kind))
        return None if value is None else round(value * 100)

    def vehicle_rate_ct(self, key: str | None, kind: str) -> int | None:
        """Cents per vehicle-km by key, else kind; None: no rate set."""
        value = self.section.vehicles.get(key or "", self.section.vehicles.get(kind))
        return None if value is None else round(value * 100)

    def cost_centre(self, site_cost_centre: str | None, category: str) -> str:
        """The site's own cost centre, else the category's, else the default."""
        if site_cost_centre:
            return site_cost_centre
        table = {**DEFAULT_COST_CENTRES, **self.section.cost_centres}
        return table.get(category) or table["default"]

    def product(self, category: str) -> str:
        table = {**DEFAULT_PRODUCTS, **self.section.products}
        return table.get(category) or table["default"]


def _fail(source: Any, exc: ValidationError) -> ConfigError:
    first = exc.errors(include_url=False)[0]
    key = ".".join(["records", *(str(p) for p in first["loc"])])
    reason = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        reason = "unbekannter Schlüssel (Tippfehler?)"
    return ConfigError(source, key, reason)


def records_settings(
    config: dict[str, Any] | None,
    source: Any = "Mandantenkonfiguration",
    *,
    staff_keys: set[str] | None = None,
    machine_keys: set[str] | None = None,
    vehicle_keys: set[str] | None = None,
) -> RecordsSettings:
    """The records settings from a tenant configuration dict (its ``records`` table).

    With the tenant file's keys given, staff, machine and vehicle references are checked too
    (:func:`check_record_references`).
    """
    table = (config or {}).get("records") or {}
    if not isinstance(table, dict):
        raise ConfigError(source, "records", "muss eine Tabelle sein")
    try:
        section = RecordsSection.model_validate(table)
    except ValidationError as exc:
        raise _fail(source, exc) from None
    for kind, rates in (("machines", section.machines), ("vehicles", section.vehicles)):
        for key, value in rates.items():
            if isinstance(value, bool) or not 0 <= value <= MAX_RATE:
                raise ConfigError(source, f"records.{kind}.{key}",
                                  f"Satz muss zwischen 0 und {MAX_RATE:.0f} EUR liegen")
    if section.default_person_group not in section.person_groups:
        raise ConfigError(source, "records.default_person_group",
                          f"keine Gruppe {section.default_person_group!r} in "
                          "records.person_groups")
    seen: dict[str, str] = {}
    for group_key, group in section.person_groups.items():
        for i, staff in enumerate(group.staff):
            where = f"records.person_groups.{group_key}.staff[{i}]"
            if staff in seen:
                raise ConfigError(source, where,
                                  f"{staff!r} steht schon in Gruppe {seen[staff]!r}")
            seen[staff] = group_key
    settings = RecordsSettings(section)
    check_record_references(settings, source, staff_keys=staff_keys,
                            machine_keys=machine_keys, vehicle_keys=vehicle_keys)
    return settings


def check_record_references(
    settings: RecordsSettings,
    source: Any,
    *,
    staff_keys: set[str] | None = None,
    machine_keys: set[str] | None = None,
    vehicle_keys: set[str] | None = None,
) -> None:
    """Refuse staff, machine and vehicle keys of ``[records]`` the tenant file does not have
    (:class:`ConfigError` naming the key); a set that is None is not checked."""
    section = settings.section
    if staff_keys is not None:
        for group_key, group in section.person_groups.items():
            for i, staff in enumerate(group.staff):
                if staff not in staff_keys:
                    raise ConfigError(source, f"records.person_groups.{group_key}.staff[{i}]",
                                      f"kein Personal mit key {staff!r}")
    for kind, rates, known in (("machines", section.machines, machine_keys),
                               ("vehicles", section.vehicles, vehicle_keys)):
        if known is None:
            continue
        for key in rates:
            # a key of the file or a kind (lower-case word); a typo of a key is caught when it
            # looks like one (contains a digit or a dash) and is not a known key
            if key not in known and any(c.isdigit() or c == "-" for c in key):
                raise ConfigError(source, f"records.{kind}.{key}",
                                  f"kein Eintrag mit key {key!r} (Satz je key oder je Art)")
