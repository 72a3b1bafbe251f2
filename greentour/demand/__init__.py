"""Work demand and capacity: task types, generators, durations, packages, calendars, balance.

See docs/demand.md. Pure building blocks (no database): ``recurrence``, ``holidays_de``,
``calendars``, ``durations``, ``packages``, ``packaging``, ``capacity``, ``clearance``,
``rules_config``, ``model`` and the generators in ``greentour.demand.generators``; task types
are :mod:`greentour.task_types`. Store side: ``store_io`` (rows -> records), ``signals`` (the
forecast service's stored forecasts -> signals), ``site_service`` (solver windows, OSM
screening, site rules, planner decisions) and ``service`` (generate, orders, capacity balance;
re-exports the rest). Demand never forecasts itself: :mod:`greentour.forecast` does.
"""
