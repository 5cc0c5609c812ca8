"""An attacker with a linear-programming solver cannot recover a small count from public outputs.

Differencing is the simple attack (a total minus the published parts); linear programming is
the complete one: every published figure, every published total, every sum an intersection
must add up to and the fact that counts are never negative become constraints, and the
attacker asks the solver for the smallest and largest value each hidden count can take.  A
hidden count whose bounds meet has been disclosed.

The attacker here is stronger than any real reader: every figure a public output shows is
taken as its exact count (the reports round rates, which only hides more).  What the public
outputs may show is decided by :func:`essex_standard.privacy.plan_disclosure`, and the public
report, model card and ATRS record render only what it allows (tests/test_public_reports.py),
so attacking the plan attacks every public output at once.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog

from essex_standard.groups import intersection_label
from essex_standard.privacy import cells_from_metrics, plan_disclosure

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ["childrens-social-care", "childrens-social-care-later", "compas"]

# Each figure's counts as rows over a group's cells (tp, fp, fn, tn).
FIGURE_ROWS = {
    "n": [(1, 1, 1, 1)],
    "selection": [(1, 1, 0, 0), (0, 0, 1, 1)],
    "base": [(1, 0, 1, 0), (0, 1, 0, 1)],
    "errors": [(1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1)],
}


def _cells(n: int, metrics: dict) -> np.ndarray:
    c = cells_from_metrics(n, metrics)
    tp, fp, positives = c.tp, c.fp, c.positives
    return np.array([tp, fp, positives - tp, n - positives - fp], dtype=float)


class Attack:
    """The attacker's linear program over every group's four cells."""

    def __init__(self, doc: dict, settings: dict | None = None, plan=None):
        self.plan = plan if plan is not None else plan_disclosure(doc, settings)
        self.units: list[tuple[str | None, str | None]] = [(None, None)]
        self.truth = [_cells(doc["overall"]["n"], doc["overall"]["metrics"])]
        for attr, section in doc["fairness"].items():
            for group, entry in section["groups"].items():
                self.units.append((attr, group))
                self.truth.append(_cells(entry["n"], entry["metrics"]))
        self.index = {u: i for i, u in enumerate(self.units)}
        self.x_true = np.concatenate(self.truth)
        rows: list[np.ndarray] = []
        rhs: list[float] = []

        def equal(coeffs: dict[int, tuple[int, ...]]) -> None:
            row = np.zeros(len(self.x_true))
            for unit, weights in coeffs.items():
                row[4 * unit:4 * unit + 4] += weights
            rows.append(row)
            rhs.append(float(row @ self.x_true))

        # What is published: each shown figure's counts.
        for unit, (attr, group) in enumerate(self.units):
            for figure, figure_rows in FIGURE_ROWS.items():
                if self.plan.shown(attr, group, figure):
                    for weights in figure_rows:
                        equal({unit: weights})
        # What every reader knows: each attribute's groups add up to everybody, cell by cell,
        # and each slice of an intersection adds up to its margin group.
        for attr, section in doc["fairness"].items():
            for k in range(4):
                e = tuple(int(j == k) for j in range(4))
                members = {self.index[(attr, g)]: e for g in section["groups"]}
                members[0] = tuple(-w for w in e)
                equal(members)
            columns = section.get("columns", [attr])
            if section.get("kind") != "intersection":
                continue
            margins = [list(doc["fairness"][c]["groups"]) for c in columns]
            combos = {intersection_label(p): p for p in itertools.product(*margins)}
            for axis, column in enumerate(columns):
                for value in margins[axis]:
                    members_g = [g for g in section["groups"] if combos[g][axis] == value]
                    for k in range(4):
                        e = tuple(int(j == k) for j in range(4))
                        members = {self.index[(attr, g)]: e for g in members_g}
                        m = self.index[(column, value)]
                        members[m] = tuple(-w for w in e)
                        equal(members)
        self.a_eq = np.array(rows)
        self.b_eq = np.array(rhs)

    def hidden_small(self) -> list[tuple[str, str, str, tuple[int, ...], float]]:
        """Every hidden count whose true value is small: (attr, group, figure, row, truth)."""
        out = []
        for unit, (attr, group) in enumerate(self.units):
            for figure, figure_rows in FIGURE_ROWS.items():
                if self.plan.shown(attr, group, figure):
                    continue
                for weights in figure_rows:
                    value = float(np.dot(weights, self.truth[unit]))
                    if self.plan.is_small(int(value)):
                        out.append((attr or "(everyone)", group or "", figure, weights, value))
        return out

    def bounds(self, attr: str, group: str, weights: tuple[int, ...]) -> tuple[float, float]:
        unit = 0 if attr == "(everyone)" else self.index[(attr, group)]
        c = np.zeros(len(self.x_true))
        c[4 * unit:4 * unit + 4] = weights
        lo = linprog(c, A_eq=self.a_eq, b_eq=self.b_eq, bounds=(0, None), method="highs")
        hi = linprog(-c, A_eq=self.a_eq, b_eq=self.b_eq, bounds=(0, None), method="highs")
        assert lo.status == 0 and hi.status == 0, "the published figures must be consistent"
        return lo.fun, -hi.fun


def disclosed(doc: dict, settings: dict | None = None, width: float = 0.5,
              plan=None) -> list[str]:
    """The hidden small counts an LP attacker narrows to a range less than ``width`` wide
    (0.5: pinned down exactly; none, if disclosure holds)."""
    attack = Attack(doc, settings, plan=plan)
    found = []
    for attr, group, figure, weights, truth in attack.hidden_small():
        lo, hi = attack.bounds(attr, group, weights)
        assert lo - 1e-6 <= truth <= hi + 1e-6
        if hi - lo < width - 1e-6:
            found.append(f"{attr}={group} {figure} {weights}: {truth:g} (bounds {lo:g}..{hi:g})")
    return found


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.slow
def test_no_small_count_is_recoverable_from_the_bundled_examples(name):
    doc = json.loads((ROOT / "docs" / "examples" / name / "results.json").read_text())
    attack = Attack(doc)
    assert attack.hidden_small(), "the example should have something to protect"
    # Not pinned down, and not even narrowed to fewer values than the rule itself hides.
    assert disclosed(doc, width=doc["settings"]["privacy"]["min_cell"]) == []


@pytest.mark.slow
@pytest.mark.parametrize("name", EXAMPLES)
def test_the_greedy_fallback_withstands_the_attack_too(name):
    doc = json.loads((ROOT / "docs" / "examples" / name / "results.json").read_text())
    plan = plan_disclosure(doc, method="greedy")
    assert plan.method == "greedy"
    assert disclosed(doc, width=doc["settings"]["privacy"]["min_cell"], plan=plan) == []


@pytest.mark.parametrize("min_cell,zero", [(10, True), (6, False)])
@pytest.mark.slow
def test_the_minimum_loss_choice_withstands_the_attack_on_a_hard_case(min_cell, zero):
    """Small groups on both axes of an intersection, with one large group: the exact plan
    hides as little as it can, and the attack still narrows nothing below min_cell."""
    doc = _synthetic(11, n=900)
    settings = {"min_cell": min_cell, "suppress_zero": zero}
    plan = plan_disclosure(doc, settings)
    assert any(s == "secondary" for g in plan.status.values() for f in g.values()
               for s in f.values()), "the case should need complementary cells"
    assert disclosed(doc, settings, width=min_cell, plan=plan) == []


def _synthetic(seed: int, n: int = 400) -> dict:
    """A small random audit with tiny groups and an intersection: hard for suppression."""
    import pandas as pd

    import essex_standard

    rng = np.random.default_rng(seed)
    eth = rng.choice(["A", "B", "C", "D"], size=n, p=[0.7, 0.2, 0.07, 0.03])
    sex = rng.choice(["F", "M"], size=n)
    y = rng.random(n) < 0.3
    p = np.where(rng.random(n) < 0.8, y, ~y)
    df = pd.DataFrame({"y": y.astype(int), "p": p.astype(int), "eth": eth, "sex": sex})
    r = essex_standard.audit_frame(df, y_true="y", y_pred="p", sensitive_features=["eth", "sex"],
                                   intersections=[["eth", "sex"]], bootstrap=0, seed=seed)
    return json.loads(r.to_json())


@pytest.mark.parametrize("seed", [0, *(pytest.param(s, marks=pytest.mark.slow)
                                      for s in range(1, 6))])
def test_no_small_count_is_recoverable_from_small_random_audits(seed):
    doc = _synthetic(seed)
    assert disclosed(doc, {"min_cell": 10, "suppress_zero": True}, width=10) == []


def test_the_attack_finds_a_count_left_unprotected():
    """The attack works: with secondary suppression undone, it recovers a small count."""
    doc = _synthetic(0)
    plan = plan_disclosure(doc, {"min_cell": 10, "suppress_zero": True})
    undone = 0
    for groups in plan.status.values():
        for figs in groups.values():
            for fig, status in figs.items():
                if status == "secondary":
                    figs[fig] = "shown"
                    undone += 1
    assert undone, "the synthetic audit should need secondary suppression"
    weak = Attack(doc, plan=plan)
    found = [(a, g, f) for a, g, f, w, _ in weak.hidden_small()
             if (lambda b: b[1] - b[0] < 0.5)(weak.bounds(a, g, w))]
    assert found, "without secondary suppression some small count must be recoverable"
