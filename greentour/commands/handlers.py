"""The worker's job handlers: job kind -> function, imported by name.

A new kind is one line here and its name in :data:`greentour.jobs.KINDS` (a test checks that
both list the same kinds). ``greentour worker`` runs these; a deployment may add modules with a
``HANDLERS`` mapping of their own through ``GREENTOUR_JOB_MODULES``.
"""

from __future__ import annotations

from greentour.commands import forecast, import_cadastre, import_osm, plan, tenant_export
from greentour.jobs import Handlers

HANDLERS: Handlers = {
    "forecast": forecast.run_forecast_job,
    "import-cadastre": import_cadastre.import_cadastre_job,
    "import-osm": import_osm.import_osm_job,
    "plan": plan.plan_job,
    "tenant_export": tenant_export.run_tenant_export,
}
