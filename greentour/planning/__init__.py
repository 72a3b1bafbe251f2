"""The plan pipeline: demand -> routing problem -> solver -> stored plan (see docs/planner.md).

* :mod:`.plan_service` — "Planen", "Neu planen", "Länger optimieren", "Woche planen": demand ->
  routing problem -> OR-Tools -> stored plan, in short transactions around the search;
* :mod:`.problem_builder` — store -> :mod:`routing.problem` (tasks, crew-days, reload points);
* :mod:`.travel` — road graph, access points and fastest-path matrices for the planning points;
* :mod:`.store_solution` — solution -> Plan / Tour / Stop (road legs) / Unassigned (reasons);
* :mod:`.current` — which plan version is current for a day and which tour for a crew-day;
* :mod:`.publication` — draft and published plans (tablets see published plans only);
* :mod:`.crew_days` — crew-days for a date range (working days of the tenant's Land);
* :mod:`.shifts` — shift and break times from the tenant configuration;
* :mod:`.demand_step` — the demand service's generators and capacity balance;
* :mod:`.orders` — urgent orders (storm damage) from the line-up page;
* :mod:`.plan_check` — "Plan prüfen": work left that fits, idle crews, locks;
* :mod:`.outcome` — what a plan run reports (planned, not planned by reason, overtime).

What the planner's pages show (board, line-up, map, prints, labels) is in
:mod:`greentour.workplace`. Every function takes a tenant session
(:func:`greentour.store.tenant_session`) or an engine and a tenant id; none imports Flask.
"""
