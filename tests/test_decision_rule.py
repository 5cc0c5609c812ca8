"""The decision rule (docs/decision-rule.md): no group overlooked, one family per criterion,
intersection-union + TOST for *met*, Holm for *not met*, judged cheaply and in both directions.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

import essex_standard
from essex_standard.result import validate
from essex_standard.standard import judge, load_standard, score
from essex_standard.standard.decide import Judged, decide
from essex_standard.standard.intervals import Difference, Ratio
from essex_standard.standard.power import Metric, simulate
from essex_standard.standard.units import Unit


def criterion(section: dict, cid: str) -> dict:
    return next(c for c in section["criteria"] if c["id"] == cid)


def fair_frame(people: int, groups: list[str], rng: np.random.Generator) -> pd.DataFrame:
    g = rng.choice(groups, size=people)
    y = rng.random(people) < 0.3
    p = np.where(y, rng.random(people) < 0.7, rng.random(people) < 0.15)
    return pd.DataFrame({"g": g, "y": y.astype(int), "p": p.astype(int)})


def test_a_small_group_treated_terribly_is_not_met():
    """Issue 8, seen 1: a fair model on 5,000 people plus 25 people with a blank ethnicity,
    all wrongly flagged, was *met* (the 25 were only listed as not assessable)."""
    rng = np.random.default_rng(8)
    df = fair_frame(5000, ["A", "B"], rng)
    blank = pd.DataFrame({"g": [None] * 25, "y": [0] * 25, "p": [1] * 25})
    doc = essex_standard.audit_frame(pd.concat([df, blank], ignore_index=True), y_true="y",
                                     y_pred="p", sensitive_features=["g"],
                                     reference={"g": "A"}, bootstrap=0).doc
    validate(doc)
    s = doc["standard"]
    assert s["verdict"] != "met"
    f2 = criterion(s, "F2")
    assert f2["verdict"] == "not met"
    bad = next(f for f in f2["evidence"]["findings"]
               if f["group"] == "(missing)" and f["metric"] == "false_positive_rate")
    assert bad["sure"] == "not met" and bad["worse_off"] == "(missing)"
    assert bad["group_value"] == 1.0 and bad["interval"][0] > 0.10
    # Its false negative rate does not exist (no one with the outcome): listed, in words.
    why = next(u["why"] for u in s["unexamined"]
               if u["group"] == "(missing)" and u["metric"] == "false_negative_rate")
    assert "no people with the outcome" in why and "does not exist" in why
    assert criterion(s, "F1")["verdict"] == "not met"  # flagged 3 times as often


def _units(metric: str, counts: list[tuple[int, int, int, int]], statistic: str = "difference"
           ) -> list[Unit]:
    cls = Difference if statistic == "difference" else Ratio
    return [Unit(metric, "g", f"G{i}", (x / n - xr / nr) if statistic == "difference"
                 else (x / n) / (xr / nr), None, n, n, cls(x, n, xr, nr), reference_group="A")
            for i, (x, n, xr, nr) in enumerate(counts)]


def test_a_wide_interval_not_a_count_makes_evidence_insufficient():
    f2 = load_standard().criterion("F2")
    assert f2.measure is not None
    # 25 of 25 wrongly flagged against 15%: settled, although the group is tiny.
    # 3 of 25 against 15%: the interval is wide, so undecided.
    # 300 of 2000 against 15%: met.
    units = _units("false_positive_rate", [(25, 25, 300, 2000), (3, 25, 300, 2000),
                                           (300, 2000, 300, 2000)])
    judged = [Judged(u, f2) for u in units]
    decide(judged, f2.measure, 0.05, "holm")
    assert [j.verdict for j in judged] == ["not met", "insufficient evidence", "met"]


def _doc_with_many_drift_comparisons(doc: dict, k: int) -> dict:
    doc = copy.deepcopy(doc)
    groups = {f"G{i}": {"share_change": {"value": 1.0 + 0.01 * i, "ci": [0.9, 1.2 + 0.01 * i]}}
              for i in range(k)}
    doc["drift"] = {"group_mix": {"g": {"groups": groups}}}
    return doc


def test_recommended_criteria_never_change_required_ones(compas_result):
    """Issue 8, seen 3: one Holm family for every comparison let reference data (R5, R7)
    turn required verdicts into 'insufficient evidence'.  Now each criterion is its own
    family."""
    doc = {k: v for k, v in compas_result.doc.items() if k != "standard"}
    standard = load_standard()
    alone = judge(doc, standard)
    with_drift = judge(_doc_with_many_drift_comparisons(doc, 200), standard)
    assert criterion(with_drift, "R7")["evidence"]["family_size"] == 200
    for cid in ("F1", "F2", "F4", "T3"):
        assert criterion(alone, cid) == criterion(with_drift, cid)


def test_judging_is_vectorised_not_a_search_per_comparison():
    """Issue 13: judging must cost microseconds per comparison.  The score statistic is
    evaluated a bounded number of times per criterion, whatever the number of comparisons
    (no per-comparison search loop)."""
    f2 = load_standard().criterion("F2")
    assert f2.measure is not None
    rng = np.random.default_rng(3)

    def calls(k: int) -> int:
        counts = [(int(x), 1000, 150, 1000) for x in rng.integers(100, 260, size=k)]
        judged = [Judged(u, f2) for u in _units("false_positive_rate", counts)]
        before = score.CALLS["statistic"]
        decide(judged, f2.measure, 0.05, "holm")
        assert all(j.interval is not None for j in judged)
        return score.CALLS["statistic"] - before
    # one vectorised root search for all the intervals, however many comparisons
    assert calls(200) <= 4 + 2 * (2 + score.MAX_STEPS)
    assert calls(2) <= 4 + 2 * 30 and calls(200) <= 4 + 2 * 40  # and a short one


class _Replay:
    """A generator stand-in that replays one draw of counts."""

    def __init__(self, x: np.ndarray):
        self.x = x

    def binomial(self, n, p, size):
        return np.broadcast_to(self.x, size)


def test_the_simulation_applies_the_judges_rule():
    """power.simulate (used for the proofs below and in benchmarks/) agrees with decide()."""
    f2 = load_standard().criterion("F2")
    assert f2.measure is not None
    for seed in range(40):
        rng = np.random.default_rng(seed)
        sizes, rates = (400, 300, 60), (0.15, 0.2, 0.28)
        x = rng.binomial(sizes, rates)
        counts = [(int(x[i]), sizes[i], int(x[0]), sizes[0]) for i in (1, 2)]
        judged = [Judged(u, f2) for u in _units("false_positive_rate", counts)]
        decide(judged, f2.measure, 0.05, "holm")
        verdicts = {j.verdict for j in judged}
        want = "not met" if "not met" in verdicts else \
            "met" if verdicts == {"met"} else "insufficient evidence"

        got = simulate("difference", 0.10, [Metric(sizes, rates)], 1, _Replay(x), 0.05)
        assert got[want] == 1.0


def _limit(p: float, reps: int) -> float:
    return p + 3 * np.sqrt(p * (1 - p) / reps)


@pytest.mark.parametrize("people", [500, 5000, 50000])
@pytest.mark.parametrize("groups", [2, 4, 8])
def test_false_reassurance_and_false_alarm_at_most_5_percent(people, groups):
    """Simulated audits (the judge's rule on drawn counts; outcome rate 0.3, FPR 0.15,
    FNR 0.3, selection rate 0.315): a group exactly at the margin is judged *met* in at most
    5% of audits, and a fair model *not met* in at most 5% (up to simulation error)."""
    rng = np.random.default_rng(people + groups)
    reps = 600
    neg, pos, n = int(people / groups * 0.7), int(people / groups * 0.3), people // groups
    at_margin = simulate("difference", 0.10, [
        Metric((neg,) * groups, (0.15,) * (groups - 1) + (0.25,)),
        Metric((pos,) * groups, (0.3,) * groups)], reps, rng)
    assert at_margin["met"] <= _limit(0.05, reps)
    ratio_at_margin = simulate("ratio", 0.8, [Metric((n,) * groups, (0.315,) * (groups - 1)
                                                     + (0.252,))], reps, rng)
    assert ratio_at_margin["met"] <= _limit(0.05, reps)
    fair = simulate("difference", 0.10, [Metric((neg,) * groups, (0.15,) * groups),
                                         Metric((pos,) * groups, (0.3,) * groups)], reps, rng)
    assert fair["not met"] <= _limit(0.05, reps)


def test_power_where_the_margins_allow_it():
    """A fair model with 4 groups and 5,000 people: F1 (four-fifths rule) is met in at least
    80% of audits; F2 (error rates within 0.10) too when at least half the people have the
    outcome (with 30%, only 375 people per group have it, and F2 is met in about 58%: the
    'plan' command says how many are needed)."""
    rng = np.random.default_rng(5)
    reps = 600
    f1 = simulate("ratio", 0.8, [Metric((1250,) * 4, (0.315,) * 4)], reps, rng)
    assert f1["met"] >= 0.8
    f2 = simulate("difference", 0.10, [Metric((625,) * 4, (0.15,) * 4),
                                       Metric((625,) * 4, (0.3,) * 4)], reps, rng)
    assert f2["met"] >= 0.8
    f2_low = simulate("difference", 0.10, [Metric((875,) * 4, (0.15,) * 4),
                                           Metric((375,) * 4, (0.3,) * 4)], reps, rng)
    assert 0.45 <= f2_low["met"] <= 0.7


@pytest.mark.parametrize("alpha", [0.05, 0.001])
def test_every_interval_agrees_with_its_test(alpha):
    """The interval shown beside a verdict is the test's inversion: for random counts, the
    (1 − 2a) interval lies beyond a margin exactly when the one-sided p-value is at most a."""
    rng = np.random.default_rng(7)
    k = 3000
    n1, n2 = rng.integers(1, 300, k), rng.integers(1, 3000, k)
    x1, x2 = rng.binomial(n1, rng.uniform(0, 1, k)), rng.binomial(n2, rng.uniform(0, 1, k))
    lo, hi = score.interval_difference(x1, n1, x2, n2, 1 - 2 * alpha)
    assert ((score.p_greater_difference(x1, n1, x2, n2, 0.1) <= alpha) == (lo > 0.1)).all()
    assert ((score.p_less_difference(x1, n1, x2, n2, -0.1) <= alpha) == (hi < -0.1)).all()
    lo, hi = score.interval_ratio(x1, n1, x2, n2, 1 - 2 * alpha)
    assert ((score.p_greater_ratio(x1, n1, x2, n2, 0.8) <= alpha) == (lo > 0.8)).all()
    assert ((score.p_less_ratio(x1, n1, x2, n2, 1.25) <= alpha) == (hi < 1.25)).all()


def test_rescaled_statistics_agree_with_their_tests():
    """The same for statistics judged from a stored interval (AUC, ECE with its null test
    and noise distribution)."""
    from essex_standard.standard.intervals import Rescaled, tail_p

    rng = np.random.default_rng(9)
    ests = []
    for _ in range(300):
        value = float(rng.uniform(0.0, 0.3))
        low, high = value - float(rng.uniform(0, 0.1)), value + float(rng.uniform(0, 0.1))
        kind = rng.integers(3)
        null = float(rng.uniform(0, max(low, 0.0)))  # a null value is never above the estimate
        ests.append(Rescaled(value, low, high, 0.95, (0.0, 1.0),
                             null_value=null if kind else None,
                             p_value=float(rng.uniform(0, 0.2)) if kind == 1 else None,
                             noise=(float(rng.uniform(0.01, 0.05)), float(rng.uniform(0.005,
                                                                                     0.02)))
                             if kind == 2 else None))
    for a in (0.05, 0.004):
        for t in (0.05, 0.12):
            margin = np.full(len(ests), t)
            above, below = tail_p(ests, margin, greater=True), tail_p(ests, margin,
                                                                      greater=False)
            for e, pa, pb in zip(ests, above, below, strict=True):
                lo, hi = e.interval(1 - 2 * a)
                if min(abs(lo - t), abs(hi - t)) < 1e-9:
                    continue
                assert (pa <= a) == (lo > t), (e, t, a)
                assert (pb <= a) == (hi < t), (e, t, a)


def test_power_target_for_four_groups_of_5000_people_and_what_reaches_it():
    """Issue 8's target (a fair model, 4 groups, 5,000 people, met in 80% of audits) at an
    outcome rate of 0.3: F2 is met in about 58% (375 people per group in the false negative
    rate's denominator).  The best rule of the same form with an exact 5% size would reach
    about 73%, and no test with false reassurance at most 5% can exceed about 90%
    (docs/decision-rule.md).  The Standard's rule reaches 80% at 6,500 people."""
    from essex_standard.standard.power import met_limits

    lim = met_limits(375, 4, 0.3, 0.10, sims=60_000, seed=1)
    assert 0.56 < lim.tost < 0.65 and 0.70 < lim.exact_size < 0.77 and lim.upper_bound < 0.92
    rng = np.random.default_rng(12)
    n_pos, n_neg = 487, 1137  # 6,500 people in 4 groups, outcome rate 0.3
    met = simulate("difference", 0.10, [Metric((n_neg,) * 4, (0.15,) * 4),
                                        Metric((n_pos,) * 4, (0.3,) * 4)], 2000, rng)["met"]
    assert met >= 0.77  # 80% ± 1.8 points (two standard errors)
    at_margin = simulate("difference", 0.10, [Metric((n_neg,) * 4, (0.15,) * 3 + (0.25,)),
                                              Metric((n_pos,) * 4, (0.3,) * 4)], 2000, rng)
    assert at_margin["met"] <= 0.05 + 0.01  # false reassurance still at most 5%
