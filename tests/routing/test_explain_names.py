"""Reasons name equipment and qualifications as the problem's name tables say (no codes)."""

from __future__ import annotations

import dataclasses

from routing_factory import LINE_POINTS, crew, problem, task

from routing.checker import retime_tour
from routing.explain import precheck


def test_missing_equipment_and_qualification_by_name():
    """With name tables the reason says "Hubsteiger" / "aerial lift", not the code; the
    checker's refusal of a move names "Motorsägenschein", not "chainsaw"."""
    p = problem(LINE_POINTS, [task("tree", 1, 30, required_equipment={"aerial_lift"}),
                              task("saw", 2, 30, required_qualifications={"chainsaw"})],
                [crew("c1")])
    p = dataclasses.replace(
        p, equipment_names={"aerial_lift": ("Hubsteiger", "aerial lift")},
        qualification_names={"chainsaw": ("Motorsägenschein", "chainsaw certificate")})
    _, reasons = precheck(p)
    tree = reasons["tree"][0]
    assert "Hubsteiger" in tree.message_de and "aerial_lift" not in tree.message_de
    assert "aerial lift" in tree.message_en and "aerial_lift" not in tree.message_en
    checked = retime_tour(p, "c1", ["saw"])
    texts = [v.message_de for v in checked.violations]
    assert any("Motorsägenschein" in t for t in texts), texts
    assert not any("chainsaw" in t for t in texts)
