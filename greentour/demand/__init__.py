"""Work demand and capacity: task types, generators, durations, packages, calendars, balance.

See docs/demand.md. Pure building blocks (no database): :mod:`recurrence`, :mod:`calendars`,
:mod:`durations`, :mod:`packages`, :mod:`capacity`, :mod:`clearance`, :mod:`task_types`,
:mod:`rules_config` and the generators in :mod:`greentour.demand.generators`. The store side is
:mod:`greentour.demand.service`.
"""
