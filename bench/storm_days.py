"""Gust days and storm rounds on DWD Düsseldorf (station 01078) 2014-2023.

Usage::

    python bench/storm_days.py [--data-dir DIR] [--bft 8] [--first 2014] [--last 2023]

``--data-dir`` defaults to ``$GREENTOUR_DATA_DIR`` or ``../shared/data`` beside the repository.
Prints per year: days with a gust value, gust days at or over the threshold (daily maximum gust
FX ≥ Beaufort ``--bft``), the storm rounds they would have triggered (consecutive gust days with
at most one quiet day between are one round, :func:`forecasting.storms.storm_rounds`) and the
year's strongest gust; then the same means for Bft 9 and 10, and the DWD storm-day figures they
are compared with (docs/duty.md).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from forecasting.storms import beaufort_ms, gust_days_per_year  # noqa: E402
from forecasting.weather import read_dwd_daily  # noqa: E402

FILE = "weather/produkt_klima_tag_19520101_20231231_01078.txt"


def main() -> None:
    """Print the figures (see module doc)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_dir = os.environ.get("GREENTOUR_DATA_DIR", str(REPO_ROOT.parent / "shared" / "data"))
    parser.add_argument("--data-dir", default=default_dir)
    parser.add_argument("--bft", type=int, default=8)
    parser.add_argument("--first", type=int, default=2014)
    parser.add_argument("--last", type=int, default=2023)
    args = parser.parse_args()
    frame = read_dwd_daily(Path(args.data_dir) / FILE)
    frame = frame.loc[f"{args.first}-01-01":f"{args.last}-12-31"]
    threshold = beaufort_ms(args.bft)
    table = gust_days_per_year(frame, threshold)
    print(f"DWD 01078 Düsseldorf, {args.first}-{args.last}: Tagesmaximum Böe FX ≥ "
          f"{threshold:.1f} m/s (Bft {args.bft})")
    print(f"{'Jahr':>6} {'Tage mit FX':>12} {'Böentage':>9} {'Sturmrunden':>12} {'max FX m/s':>11}")
    for row in table.itertuples():
        print(f"{row.Index:>6} {row.days_measured:>12} {row.gust_days:>9} {row.storm_rounds:>12} "
              f"{row.max_gust_ms:>11.1f}")
    print(f"{'Mittel':>6} {table.days_measured.mean():>12.1f} {table.gust_days.mean():>9.1f} "
          f"{table.storm_rounds.mean():>12.1f}")
    print(f"Summe: {table.gust_days.sum()} Böentage, {table.storm_rounds.sum()} Sturmrunden")
    for bft in (9, 10):
        other = gust_days_per_year(frame, beaufort_ms(bft))
        print(f"Bft {bft} (≥ {beaufort_ms(bft):.1f} m/s): {other.gust_days.mean():.1f} "
              f"Böentage/Jahr, {other.storm_rounds.mean():.1f} Sturmrunden/Jahr")
    print("Vergleich (10-Minuten-Mittel ≥ Bft 8, DWD-Sturmtag): Binnenland Lüchow 17, Schleswig 49 "
          "Sturmtage/Jahr 1981-2010; Deutschland 'etwa 20 bis 30 Tage im Jahr' (docs/duty.md)")
    print("Datenbasis: Deutscher Wetterdienst (CC BY 4.0)")


if __name__ == "__main__":
    main()
