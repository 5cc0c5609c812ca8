"""Sample-size planning (essex-standard plan): closed forms checked against statsmodels'
power calculations and against simulation of the judge's own rule."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from essex_standard.cli import cli, main
from essex_standard.standard import load_standard
from essex_standard.standard.plan import plan_sizes
from essex_standard.standard.power import Metric, people_needed_equal, plan_gap, simulate


@pytest.mark.parametrize("rate", [0.1, 0.15, 0.3, 0.5])
def test_people_needed_matches_statsmodels_normal_power(rate):
    """TOST at no true gap: each one-sided test needs power 1 − β/2 (β = 0.2)."""
    from statsmodels.stats.power import NormalIndPower

    effect = 0.10 / math.sqrt(rate * (1 - rate))
    want = NormalIndPower().solve_power(effect_size=effect, alpha=0.05, power=0.9, ratio=1.0,
                                        alternative="larger")
    assert people_needed_equal("difference", 0.10, rate) == pytest.approx(want, rel=1e-6)


def test_detectable_gap_matches_statsmodels_normal_power():
    from statsmodels.stats.power import NormalIndPower

    rate, n, k = 0.15, 800, 6
    p = plan_gap("difference", 0.10, rate, n, n, comparisons=k)
    q = rate + p.detectable  # the group's rate at that gap; the variance is the mean of both
    effect = (p.detectable - 0.10) / math.sqrt((rate * (1 - rate) + q * (1 - q)) / 2)
    power = NormalIndPower().power(effect_size=effect, nobs1=n, alpha=0.05 / k, ratio=1.0,
                                   alternative="larger")
    assert power == pytest.approx(0.8, abs=1e-6)


def test_the_planned_size_is_met_in_simulation():
    """At the planned size the judge's rule shows a fair model met in at least 80% of
    audits, and not wastefully more (the plan is a normal approximation with a union
    bound across comparisons)."""
    rng = np.random.default_rng(11)
    ref = 4000
    one = plan_gap("difference", 0.10, 0.3, 1, ref)
    n = math.ceil(one.needed_for_met)
    got = simulate("difference", 0.10, [Metric((ref, n), (0.3, 0.3))], 1500, rng)
    assert 0.78 <= got["met"] <= 0.9
    three = math.ceil(plan_gap("difference", 0.10, 0.3, 1, ref, comparisons=3).needed_for_met)
    got = simulate("difference", 0.10, [Metric((ref, three, three, three), (0.3,) * 4)], 1500,
                   rng)
    assert got["met"] >= 0.8
    ratio = math.ceil(plan_gap("ratio", 0.8, 0.3, 1, ref).needed_for_met)
    got = simulate("ratio", 0.8, [Metric((ref, ratio), (0.3, 0.3))], 1500, rng)
    assert 0.78 <= got["met"] <= 0.9


def test_the_detectable_gap_is_caught_in_simulation():
    rng = np.random.default_rng(12)
    p = plan_gap("difference", 0.10, 0.15, 600, 600, comparisons=1)
    got = simulate("difference", 0.10, [Metric((600, 600), (0.15, 0.15 + p.detectable))],
                   1500, rng)
    assert got["not met"] >= 0.75


def test_plan_for_sizes_covers_f1_and_f2_and_says_when_met_is_out_of_reach():
    plan = plan_sizes([2000, 300], load_standard())
    rows = {(r["criterion"], r["metric"]): r for r in plan["rows"]}
    assert set(rows) == {("F1", "selection_rate"), ("F2", "false_positive_rate"),
                         ("F2", "false_negative_rate")}
    fnr = rows[("F2", "false_negative_rate")]
    assert fnr["n_group"] == pytest.approx(90) and fnr["provable"] is None
    assert fnr["people_needed_for_met"] > 300
    # A reference group too small for any group size to be shown met.
    tiny = plan_sizes([40, 30], load_standard())
    fnr = next(r for r in tiny["rows"] if r["metric"] == "false_negative_rate")
    assert fnr["people_needed_for_met"] is None and "too small" in fnr["note"]


def test_plan_command_with_group_sizes():
    runner = CliRunner()
    out = runner.invoke(cli, ["plan", "--group-size", "2000", "--group-size", "300",
                              "--assume", "outcome=0.2", "--format", "json"])
    assert out.exit_code == 0, out.output
    plan = json.loads(out.output)
    assert plan["assumed"]["outcome"] == 0.2
    fpr = next(r for r in plan["rows"] if r["metric"] == "false_positive_rate")
    assert fpr["n_group"] == pytest.approx(240)
    text = runner.invoke(cli, ["plan", "--group-size", "2000", "--group-size", "300"])
    assert text.exit_code == 0 and "false_negative_rate" in text.output


@pytest.mark.parametrize("args, message", [
    ([], "give an audit.yaml, or group sizes"),
    (["--group-size", "100", "--assume", "outcome=1.5"], "NAME=RATE"),
    (["--group-size", "100"], "at least two group sizes"),
])
def test_plan_command_errors_exit_2(args, message, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["plan", *args])
    assert stop.value.code == 2
    captured = capsys.readouterr()
    assert message in captured.err + captured.out
    assert "Traceback" not in captured.err
