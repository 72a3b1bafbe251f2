"""Predicted clearance and sight-triangle violations in the sample town (Lauf), June 2026.

Usage::

    python bench/clearance_lauf.py [--as-of 2026-06-01] [--days 30] [--cut-on 2026-05-29]

Builds a throwaway instance (SQLite in a temporary folder) with the demo's tenant, imports the
Lauf OSM extract (data/sample), screens hedges and tree rows against the roads
(:func:`greentour.demand.site_service.screen_sites`) and prints per flagged site and profile the
predicted violation day with its 10-90 % spread (regrowth since 1 January: no cut recorded),
for maintained sites and OSM candidates. Then it records a clearance cut at every flagged site
on ``--cut-on`` and prints how many violations remain in the period (a cut resets them).
Weather: the tenant's stand-in DWD files (Bremen 2025-2026, Düsseldorf 2021-2023).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))


def main() -> None:
    """Print the figures (see module doc)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", default="2026-06-01")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--cut-on", default="2026-05-29")
    args = parser.parse_args()
    as_of = dt.date.fromisoformat(args.as_of)
    tmp = Path(tempfile.mkdtemp(prefix="clearance-lauf-"))
    os.environ["GREENTOUR_INSTANCE_DIR"] = str(tmp)
    from greentour.demand.site_service import screen_sites
    from greentour.demo import run_demo
    from greentour.duty import service
    from greentour.settings import get_settings, resolve_data_file
    from greentour.store import make_engine, tenant_session
    from greentour.store.models import SiteLastService

    settings = get_settings()
    result = run_demo(settings, day=as_of, password="Bench-Passwort-2026!", echo=lambda _: None,
                      steps=["greentour.demo:create_tenant", "greentour.demo:create_admin",
                             "greentour.commands.import_osm:demo_step"])
    engine = make_engine(settings.db_url)
    pbf = resolve_data_file("osm/lauf-an-der-pegnitz_2020-01-15.osm.pbf", settings.data_dir)
    with tenant_session(engine, result.tenant_id) as s, s.begin():
        counts = screen_sites(s, pbf)
    print(f"Lauf: {counts.get('sites', 0)} Flächen geprüft, {counts.get('traffic_safety', 0)} "
          "mit Verkehrssicherungs-Flag (Lichtraumprofil/Sichtdreieck)")
    with tenant_session(engine, result.tenant_id) as s:
        hazards = service.clearance_hazards(s, as_of, args.days, candidates=True)
        maintained = {h["site_id"] for h in service.clearance_hazards(s, as_of, args.days)}
    in_period = [h for h in hazards if h["violation_date"]]
    print(f"Stand {as_of:%d.%m.%Y}, {args.days} Tage: {len(hazards)} Profile an "
          f"{len({h['site_id'] for h in hazards})} Flächen, davon {len(in_period)} im Zeitraum "
          f"verletzt ({sum(1 for h in in_period if h['site_id'] in maintained)} an gepflegten "
          "Flächen)")
    by_profile = Counter(h["profile"] for h in in_period)
    print("je Profil: " + ", ".join(f"{k} {v}" for k, v in sorted(by_profile.items())))
    print(f"{'Fläche':<28} {'Profil':<15} {'verletzt ab':<11} {'p10':<11} {'p90':<11} "
          f"{'°C·d jetzt/nötig':<17} gepflegt")
    for h in in_period[:40]:
        print(f"{h['site_name'][:28]:<28} {h['profile']:<15} {h['violation_date']:<11} "
              f"{h['violation_p10'] or '-':<11} {h['violation_p90'] or '-':<11} "
              f"{h['gdd_now']:>6.0f}/{h['gdd_to_violation']:<10.0f} "
              f"{'ja' if h['site_id'] in maintained else 'Kandidat'}")
    later = [h for h in hazards if not h["violation_date"]]
    for h in later[:10]:
        print(f"{h['site_name'][:28]:<28} {h['profile']:<15} {'nach Zeitraum':<11} "
              f"{'':<23} {h['gdd_now']:>6.0f}/{h['gdd_to_violation']:<10.0f}")
    cut = dt.date.fromisoformat(args.cut_on)
    with tenant_session(engine, result.tenant_id) as s, s.begin():
        for site_id in {h["site_id"] for h in hazards}:
            s.add(SiteLastService(site_id=site_id, task_type="clearance_cut", last_date=cut))
    with tenant_session(engine, result.tenant_id) as s:
        after = service.clearance_hazards(s, as_of, args.days, candidates=True)
    left = [h for h in after if h["violation_date"]]
    print(f"Nach Rückschnitt am {cut:%d.%m.%Y} an allen {len({h['site_id'] for h in hazards})} "
          f"Flächen: {len(left)} Verletzungen im Zeitraum (vorher {len(in_period)})")
    if left:
        print("frühestes Datum danach: " + min(h["violation_date"] for h in left))
    years = sorted({h["analog_years"] for h in hazards})
    print(f"Streuung aus {', '.join(map(str, years))} Analogjahren "
          "(Wetter der Vorjahre im Datensatz)")
    print("© OpenStreetMap contributors, ODbL; Datenbasis: Deutscher Wetterdienst (CC BY 4.0)")
    engine.dispose()


if __name__ == "__main__":
    main()
