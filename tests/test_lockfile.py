"""Every dependency is locked: requirements.lock pins each package (== and SHA-256 hashes), covers
every requirement of pyproject.toml (with the dev and postgres extras), keeps the OR-Tools and
protobuf pins of constraints.txt, and scripts/setup.sh installs from it with --require-hashes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent


def _locked() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) from requirements.lock."""
    text = (REPO / "requirements.lock").read_text(encoding="utf-8")
    out: dict[str, tuple[str, int]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9_.\-\[\]]+)==([^\s\\;]+)", block)
        if match:
            name = canonicalize_name(match.group(1).split("[")[0])
            out[name] = (match.group(2), block.count("--hash=sha256:"))
    return out


def test_every_requirement_is_pinned_with_hashes() -> None:
    locked = _locked()
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in ("postgres", "test"):
        wanted += project["optional-dependencies"][extra]
    wanted += [r for r in project["optional-dependencies"]["dev"] if not r.startswith("greentour")]
    for line in wanted:
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate():
            continue
        name = canonicalize_name(req.name)
        assert name in locked, f"{name} missing from requirements.lock (make lock)"
        version, hashes = locked[name]
        assert req.specifier.contains(version, prereleases=True), (name, version, req.specifier)
        assert hashes >= 1, f"{name} has no hash"
    assert all(hashes >= 1 for _version, hashes in locked.values())


def test_lock_keeps_the_ortools_and_protobuf_pins() -> None:
    locked = _locked()
    pins = [Requirement(line) for line in (REPO / "constraints.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    assert {canonicalize_name(p.name) for p in pins} >= {"ortools", "protobuf"}
    for pin in pins:
        version = locked[canonicalize_name(pin.name)][0]
        assert SpecifierSet(str(pin.specifier)).contains(version), (pin, version)


def test_setup_installs_from_the_lock() -> None:
    setup = (REPO / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert "pip install -q --require-hashes -r requirements.lock" in setup
    assert "pip install -q --no-deps -e ." in setup
