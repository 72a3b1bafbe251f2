"""The planner's workplace: read models and checked edits of the planner's pages.

* :mod:`.board` — week board (Plantafel): load, checked moves, locks, undo;
* :mod:`.lineup` — morning line-up (Tagesbesetzung) from templates minus absences, with flags;
* :mod:`.map_view` — what the map draws; :mod:`.prints` — day sheet, week plan, time sheet;
* :mod:`.progress` — the live day (stops reported, late, done);
* :mod:`.task_style` — colours and symbols of task types;
* :mod:`.inventory_review` — accept / reject OSM candidate sites in bulk;
* :mod:`.jobs_view` — a job's status for the page that polls it;
* :mod:`.labels` — planner-readable site and category names.

Each function takes a tenant session or an engine and a tenant id; none imports Flask (views in
web/ parse the request, call one function here and render).
"""
