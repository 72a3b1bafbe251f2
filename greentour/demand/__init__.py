"""Work demand and capacity: task types, generators, durations, packages, calendars, balance.

See docs/demand.md. Pure building blocks (no database): ``recurrence``, ``holidays_de``,
``calendars``, ``durations``, ``packages``, ``packaging``, ``capacity``, ``clearance``,
``task_types``, ``rules_config``, ``model``, ``forecast_input`` and the generators in
``greentour.demand.generators``. Store side: ``store_io`` (rows -> records), ``signals``
(forecast signals of a tenant), ``site_service`` (solver windows, OSM screening, site rules,
planner decisions) and ``service`` (generate, orders, capacity balance; re-exports the rest).
"""
