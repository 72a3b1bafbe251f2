"""Care classes (Pflegeklassen) and regimes, read from a TOML file whose path the caller passes.

The shipped file is ``data/care_classes.toml`` in the repository; forecasting never guesses a
path. Every entry is validated on load and an error names the entry and the field.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forecasting.errors import CareClassError


@dataclass(frozen=True)
class LawnClass:
    """A lawn regime: Heilbronn cut range, target height and calibrated growth scale."""

    key: str
    name_de: str
    name_en: str
    cuts_per_year: tuple[int, int]
    target_height_mm: float
    trigger_height_mm: float
    growth_scale_mm_per_day: float
    heilbronn_legend: str = ""

    @property
    def cuts_mid(self) -> float:
        """Middle of the Heilbronn cut range (cuts per year)."""
        return (self.cuts_per_year[0] + self.cuts_per_year[1]) / 2


@dataclass(frozen=True)
class HedgeClass:
    """A hedge regime: regrowth in degree days (base 5 °C) between cuts."""

    key: str
    name_de: str
    name_en: str
    gdd5_per_cut: float
    window_days: int
    heilbronn_legend: str = ""


@dataclass(frozen=True)
class YoungTreeRegime:
    """Watering of young trees in the first years after planting."""

    years_after_planting: int
    tree_pit_area_m2: float
    taw_mm: float
    kc: float
    water_when_soil_water_below_frac: float
    sensor_water_below_pct: float
    water_per_visit_l: float
    max_water_per_visit_l: float
    window_days: int


@dataclass(frozen=True)
class LawnWater:
    """Soil bucket for lawns and how strongly drought slows growth."""

    taw_mm: float = 100.0
    kc: float = 0.9
    min_growth_factor: float = 0.5

    def growth_factor(self, ks):
        """Growth multiplier in min_growth_factor..1 from the water stress coefficient Ks."""
        return self.min_growth_factor + (1 - self.min_growth_factor) * ks


@dataclass(frozen=True)
class CareClasses:
    """All regimes of one file."""

    trigger_factor: float
    lawns: dict[str, LawnClass]
    hedges: dict[str, HedgeClass]
    young_trees: YoungTreeRegime
    path: str
    lawn_water: LawnWater = LawnWater()

    def lawn(self, key: str) -> LawnClass:
        try:
            return self.lawns[key]
        except KeyError:
            raise CareClassError(
                f"unknown lawn care class {key!r}; known: {', '.join(sorted(self.lawns))}"
            ) from None

    def hedge(self, key: str) -> HedgeClass:
        try:
            return self.hedges[key]
        except KeyError:
            raise CareClassError(
                f"unknown hedge class {key!r}; known: {', '.join(sorted(self.hedges))}"
            ) from None


def _req(entry: dict[str, Any], name: str, field: str, kind: type):
    if field not in entry:
        raise CareClassError(f"care class {name!r}: field {field!r} is missing")
    value = entry[field]
    if kind is float and isinstance(value, int):
        value = float(value)
    if not isinstance(value, kind):
        raise CareClassError(f"care class {name!r}: field {field!r} must be {kind.__name__}")
    return value


def load_care_classes(path: str | Path) -> CareClasses:
    """Read and validate a care-class TOML file."""
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CareClassError(f"care class file {path} not readable: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CareClassError(f"care class file {path.name} is not valid TOML: {exc}") from exc
    factor = float(doc.get("trigger_factor", 1.5))
    if factor <= 1.0:
        raise CareClassError("trigger_factor must be above 1 (one-third rule: 1.5)")
    lawns: dict[str, LawnClass] = {}
    for key, entry in doc.get("lawn", {}).items():
        cuts = _req(entry, key, "cuts_per_year", list)
        if len(cuts) != 2 or not 0 < cuts[0] <= cuts[1]:
            raise CareClassError(f"care class {key!r}: cuts_per_year must be [min, max], min>0")
        target = _req(entry, key, "target_height_mm", float)
        scale = _req(entry, key, "growth_scale_mm_per_day", float)
        if target <= 0 or scale <= 0:
            raise CareClassError(
                f"care class {key!r}: target_height_mm and growth_scale_mm_per_day must be > 0"
            )
        lawns[key] = LawnClass(
            key=key,
            name_de=_req(entry, key, "name_de", str),
            name_en=_req(entry, key, "name_en", str),
            cuts_per_year=(int(cuts[0]), int(cuts[1])),
            target_height_mm=target,
            trigger_height_mm=factor * target,
            growth_scale_mm_per_day=scale,
            heilbronn_legend=entry.get("heilbronn_legend", ""),
        )
    hedges: dict[str, HedgeClass] = {}
    for key, entry in doc.get("hedge", {}).items():
        gdd = _req(entry, key, "gdd5_per_cut", float)
        if gdd <= 0:
            raise CareClassError(f"hedge class {key!r}: gdd5_per_cut must be > 0")
        hedges[key] = HedgeClass(
            key=key,
            name_de=_req(entry, key, "name_de", str),
            name_en=_req(entry, key, "name_en", str),
            gdd5_per_cut=gdd,
            window_days=int(entry.get("window_days", 14)),
            heilbronn_legend=entry.get("heilbronn_legend", ""),
        )
    if not lawns:
        raise CareClassError(f"care class file {path.name} defines no [lawn.*] class")
    trees = doc.get("young_trees")
    if trees is None:
        raise CareClassError(f"care class file {path.name} has no [young_trees] section")
    name = "young_trees"
    regime = YoungTreeRegime(
        years_after_planting=int(_req(trees, name, "years_after_planting", int)),
        tree_pit_area_m2=_req(trees, name, "tree_pit_area_m2", float),
        taw_mm=_req(trees, name, "taw_mm", float),
        kc=_req(trees, name, "kc", float),
        water_when_soil_water_below_frac=_req(
            trees, name, "water_when_soil_water_below_frac", float
        ),
        sensor_water_below_pct=_req(trees, name, "sensor_water_below_pct", float),
        water_per_visit_l=_req(trees, name, "water_per_visit_l", float),
        max_water_per_visit_l=_req(trees, name, "max_water_per_visit_l", float),
        window_days=int(trees.get("window_days", 3)),
    )
    if not 0 < regime.water_when_soil_water_below_frac < 1:
        raise CareClassError("young_trees: water_when_soil_water_below_frac must be in (0, 1)")
    water = doc.get("lawn_water", {})
    lawn_water = LawnWater(
        taw_mm=float(water.get("taw_mm", 100.0)),
        kc=float(water.get("kc", 0.9)),
        min_growth_factor=float(water.get("min_growth_factor", 0.5)),
    )
    if lawn_water.taw_mm <= 0 or not 0 <= lawn_water.min_growth_factor <= 1:
        raise CareClassError("lawn_water: taw_mm must be > 0 and min_growth_factor in 0..1")
    return CareClasses(factor, lawns, hedges, regime, str(path), lawn_water)
