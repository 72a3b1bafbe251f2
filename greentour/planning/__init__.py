"""The plan service and the planner's workplace services (see docs/planner.md).

* :mod:`.plan_service` — "Planen", "Neu planen", "Länger optimieren", "Woche planen": demand ->
  routing problem -> OR-Tools -> stored plan, in short transactions around the search;
* :mod:`.problem_builder` — store -> :mod:`routing.problem` (tasks, crew-days, reload points);
* :mod:`.travel` — road graph, access points and fastest-path matrices for the planning points;
* :mod:`.store_solution` — solution -> Plan / Tour / Stop (road legs) / Unassigned (reasons);
* :mod:`.current` — which plan version is current for a day and which tour for a crew-day;
* :mod:`.lineup` — morning line-up (Tagesbesetzung) from templates minus absences, with flags;
* :mod:`.shifts` — shift and break times from the tenant configuration;
* :mod:`.demand_step` — the demand service's generators and capacity balance;
* :mod:`.orders` — urgent orders (storm damage) from the line-up page;
* :mod:`.board` — week board (Plantafel): load, checked moves, locks, undo;
* :mod:`.map_view` — what the map draws; :mod:`.prints` — day sheet, week plan, time sheet;
* :mod:`.inventory_review` — accept / reject OSM candidate sites in bulk;
* :mod:`.accounts` — password check and user creation; :mod:`.jobs_view` — job status;
* :mod:`.labels` — planner-readable site and category names.

Every function takes a tenant session (:func:`greentour.store.tenant_session`) or an engine and
a tenant id; none imports Flask.
"""
