"""Job ``tenant_export``: write all rows of a tenant to a JSON file in the instance folder.

The data subject / moving-out export of a municipality (GDPR Art. 20 for the tenant's records);
also the smallest real job, used to check a worker end to end.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from greentour.jobs import JobContext
from greentour.private_files import write_private_text
from greentour.settings import get_settings
from greentour.store import export_tenant


def run_tenant_export(ctx: JobContext) -> dict[str, Any]:
    """Export the job's tenant; params: optional ``path`` (default instance/exports/...)."""
    ctx.progress(5, "Daten werden gelesen")
    data = export_tenant(ctx.engine, ctx.tenant_id)
    ctx.progress(60, "Datei wird geschrieben")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"{data['tenant']['slug']}-{stamp}.json"
    default = get_settings().ensure_instance_dir() / "exports" / name
    path = Path(ctx.params.get("path") or default)
    write_private_text(path, json.dumps(data, ensure_ascii=False, indent=1))  # 0600, folder 0700
    rows = sum(len(v) for v in data["tables"].values())
    ctx.progress(100, f"{rows} Datensätze exportiert")
    return {"path": str(path), "rows": rows}
