"""Load a curated acceptance list (data/osm_acceptance_<town>.toml) into decisions.

The file is documented in its own header; this module only validates it so that a typo
names the entry instead of silently accepting nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

from greentour.config_io import read_toml
from greentour.errors import ConfigError

DECISIONS = ("accept", "reject", "candidate")
_KEY = re.compile(r"^(node|way|relation)/\d+$")


def load_acceptance_list(path: str | Path) -> dict[str, str]:
    """``{"way/123": "accept", ...}`` from an acceptance-list TOML file."""
    p = Path(path)
    data = read_toml(p)
    decisions: dict[str, str] = {}
    for i, entry in enumerate(data.get("decision", [])):
        key, decision = entry.get("osm"), entry.get("decision")
        if not isinstance(key, str) or not _KEY.match(key):
            raise ConfigError(p, f"decision.{i}.osm", f"{key!r} ist keine OSM-Kennung "
                                                      "(node|way|relation/<id>)")
        if decision not in DECISIONS:
            raise ConfigError(p, f"decision.{i}.decision",
                              f"{decision!r} – erlaubt: {', '.join(DECISIONS)}")
        if not entry.get("reason"):
            raise ConfigError(p, f"decision.{i}.reason", "Begründung fehlt")
        if key in decisions:
            raise ConfigError(p, f"decision.{i}.osm", f"{key} steht doppelt in der Liste")
        decisions[key] = decision
    return decisions
