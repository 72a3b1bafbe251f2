"""``greentour check-plan --plan ID``: the plan check of a stored plan, one finding a line.

Thin CLI wrapper around :func:`greentour.planning.plan_check.check_plan` (the map's "Plan
prüfen" panel shows the same findings). Prints "Keine Beanstandungen" for a good plan (the
normal case) and exits 0 either way; ``--store`` keeps the result with the plan.
"""

from __future__ import annotations

import click

from greentour.cli_support import open_engine, resolve_tenant, tenant_option
from greentour.planning.plan_check import check_plan
from greentour.store import tenant_session, write_session


@click.command("check-plan", help="Gespeicherten Plan prüfen: liegengebliebene Arbeit, Leerlauf, "
               "Verspätung trotz Platz, unnötige Abladefahrten, Besetzung und Sperren.")
@tenant_option
@click.option("--plan", "plan_id", type=int, required=True, help="Plan-ID.")
@click.option("--lang", type=click.Choice(["de", "en"]), default="de", show_default=True)
@click.option("--store", is_flag=True, help="Ergebnis beim Plan speichern (Kartenansicht).")
def command(tenant: str | None, plan_id: int, lang: str, store: bool) -> None:
    engine = open_engine()
    try:
        t = resolve_tenant(engine, tenant)
        if store:
            with write_session(engine, t.id) as session:
                findings = check_plan(session, plan_id, store=True)
        else:
            with tenant_session(engine, t.id) as session:
                findings = check_plan(session, plan_id)
                session.rollback()
    finally:
        engine.dispose()
    if not findings:
        click.echo(f"Plan {plan_id}: keine Beanstandungen" if lang == "de"
                   else f"Plan {plan_id}: no findings")
        return
    click.echo(f"Plan {plan_id}: {len(findings)} Beanstandungen" if lang == "de"
               else f"Plan {plan_id}: {len(findings)} findings")
    for f in findings:
        click.echo(f"- {f.text(lang)}")
