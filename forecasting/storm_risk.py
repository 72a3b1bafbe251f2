"""Storm risk score of a site: which sites to check first after (or before) a storm (pure).

The score is a logistic model ``p = 1 / (1 + exp(-(b0 + Σ w_i x_i)))`` over features in 0..1:

==============  =======================================================  ============
feature         meaning                                                  start weight
==============  =======================================================  ============
``exposure``    people at the site (playground, path, road, park = 1;    1.5
                cemetery 0.7; meadow, verge 0.3)
``tree_size``   tree height / 30 m (OSM ``height``) or crown / 20 m,     1.2
                0.5 when unknown
``tree_age``    FLL phase: young 0, mature 0.5, old 1 (last control)     1.0
``vitality``    1 − vitality: healthy 0, damaged 0.5, severe 1           1.5
``last_finding``  worst open severity of the last inspection / 4         2.0
``species``     break-prone genera (Populus, Salix, Robinia, Ailanthus,  0.8
                Acer saccharinum, Betula) = 1, else 0
==============  =======================================================  ============

Intercept −3. The start weights follow the FLL Baumkontrollrichtlinien 2020: the duty to
control rises with the *Sicherheitserwartung des Verkehrs* (how many people, how close:
exposure), with age (Alterungsphase) and reduced vitality and with existing defects (last
finding weighs most); species weigh least (FLL: species-typical weaknesses are a hint, not a
finding). They are an ordering, not a probability. Once the town has at least
:data:`MIN_FINDINGS` storm controls (with at least :data:`MIN_PER_CLASS` with and without damage),
:func:`fit` refits the weights by logistic regression (scikit-learn, L2, balanced classes) on
all but a held-back quarter and reports AUC and Brier score on that quarter.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split

FEATURES = ("exposure", "tree_size", "tree_age", "vitality", "last_finding", "species")
FLL_WEIGHTS: dict[str, float] = {
    "exposure": 1.5, "tree_size": 1.2, "tree_age": 1.0, "vitality": 1.5, "last_finding": 2.0,
    "species": 0.8,
}
FLL_INTERCEPT = -3.0
MIN_FINDINGS = 40
MIN_PER_CLASS = 8
EXPOSURE = {"playground": 1.0, "park": 1.0, "tree": 1.0, "tree_row": 1.0, "tree_group": 0.8,
            "hedge": 0.6, "cemetery": 0.7, "sports_pitch": 0.8, "meadow": 0.3, "verge": 0.3}
BREAK_PRONE = ("populus", "salix", "robinia", "ailanthus", "acer saccharinum", "betula")
PHASE_VALUE = {"young": 0.0, "mature": 0.5, "old": 1.0}
CONDITION_VALUE = {"healthy": 0.0, "damaged": 0.5, "severe": 1.0}


@dataclass(frozen=True)
class RiskModel:
    """Weights of the score and whether they were learned from the town's findings."""

    weights: Mapping[str, float]
    intercept: float
    learned: bool
    n_findings: int = 0
    auc: float | None = None
    brier: float | None = None
    n_test: int = 0
    note: str = ""
    note_en: str = ""

    def score(self, features: Mapping[str, float]) -> float:
        """Score 0..1 of one site."""
        z = self.intercept + sum(self.weights[f] * float(features.get(f, 0.0)) for f in FEATURES)
        return 1.0 / (1.0 + math.exp(-z))


FLL_MODEL = RiskModel(FLL_WEIGHTS, FLL_INTERCEPT, learned=False,
                      note="Gewichte nach FLL-Leitlinie, noch nicht aus eigenen Befunden gelernt",
                      note_en="Weights after the FLL guideline, not yet learned from own findings")


def _num(value: object) -> float | None:
    try:
        return float(str(value).replace("m", "").strip())
    except (TypeError, ValueError):
        return None


def site_features(category: str, tags: Mapping[str, object], condition: Mapping[str, str],
                  worst_severity: int) -> dict[str, float]:
    """Features of a site from its category, OSM tags, last tree condition and last finding."""
    height = _num(tags.get("height"))
    crown = _num(tags.get("diameter_crown"))
    size = min(height / 30.0, 1.0) if height else (min(crown / 20.0, 1.0) if crown else 0.5)
    species = " ".join(str(tags.get(k, "")) for k in ("genus", "species", "taxon")).lower()
    return {
        "exposure": EXPOSURE.get(category, 0.5),
        "tree_size": size,
        "tree_age": PHASE_VALUE.get(condition.get("phase", ""), 0.5),
        "vitality": CONDITION_VALUE.get(condition.get("condition", ""), 0.0),
        "last_finding": min(max(worst_severity, 0), 4) / 4.0,
        "species": 1.0 if any(g in species for g in BREAK_PRONE) else 0.0,
    }


@dataclass
class Sample:
    """One storm control of a site: its features before the storm and whether damage was found."""

    features: Mapping[str, float]
    damaged: bool
    extra: dict = field(default_factory=dict)


def fit(samples: Sequence[Sample], seed: int = 0, test_share: float = 0.25) -> RiskModel:
    """Refit the weights from the town's storm controls, or keep the FLL weights (see doc)."""
    n = len(samples)
    pos = sum(1 for s in samples if s.damaged)
    if n < MIN_FINDINGS or pos < MIN_PER_CLASS or n - pos < MIN_PER_CLASS:
        return RiskModel(
            FLL_WEIGHTS, FLL_INTERCEPT, learned=False, n_findings=n,
            note=(f"Nicht gelernt: {n} Sturmkontrollen ({pos} mit Schaden); nötig sind "
                  f"{MIN_FINDINGS}, davon je {MIN_PER_CLASS} mit und ohne Schaden. "
                  "Es gelten die Startgewichte nach FLL."),
            note_en=(f"Not learned: {n} storm controls ({pos} with damage); {MIN_FINDINGS} are "
                     f"needed, {MIN_PER_CLASS} each with and without damage. The FLL start "
                     "weights apply."))
    x = np.array([[float(s.features.get(f, 0.0)) for f in FEATURES] for s in samples])
    y = np.array([int(s.damaged) for s in samples])
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_share, random_state=seed, stratify=y)
    model = LogisticRegression(class_weight="balanced", random_state=seed, max_iter=1000)
    model.fit(x_train, y_train)
    prob = model.predict_proba(x_test)[:, 1]
    auc = float(roc_auc_score(y_test, prob)) if len(set(y_test)) == 2 else None
    return RiskModel(
        dict(zip(FEATURES, (float(w) for w in model.coef_[0]), strict=True)),
        float(model.intercept_[0]), learned=True, n_findings=n, auc=auc,
        brier=float(brier_score_loss(y_test, prob)), n_test=len(y_test),
        note=(f"Aus {len(y_train)} eigenen Sturmkontrollen gelernt, an {len(y_test)} "
              f"zurückgehaltenen geprüft"),
        note_en=(f"Learned from {len(y_train)} own storm controls, checked on {len(y_test)} "
                 "held back"))
