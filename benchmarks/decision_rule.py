"""Full simulation of the Standard's decision rule: the tables in docs/decision-rule.md.

    python benchmarks/decision_rule.py [--reps 4000] [--markdown]

Draws the counts of simulated audits (people split equally between groups; the reference
group is the first) and applies the judge's rule (essex_standard.standard.power.simulate,
which tests/test_decision_rule.py proves identical to essex_standard.standard.decide):

* F1, the four-fifths rule: selection rate 0.315 in every group (fair), one group at 0.8x the
  reference (exactly at the margin), one group at 0.75x (beyond it);
* F2, error rates within 0.10: outcome rate 0.3 (0.5 in the second table), FPR 0.15 and
  FNR 0.3 in every group (fair), one group's FPR +0.10 (at the margin), +0.12 (beyond it).

Columns: *met* for a fair model (power), *met* at the margin (false reassurance, at most
5%), *not met* for a fair model (false alarm, at most 5%), *not met* just beyond the margin
(power to catch).  Then the exact worst tail errors of the decisive tests at the margin
(issue 8, seen 9).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from essex_standard.metrics.uncertainty import newcombe_difference
from essex_standard.standard import score
from essex_standard.standard.power import Metric, met_limits, simulate

PEOPLE = (500, 5000, 50000)
GROUPS = (2, 4, 8)


def f1(people: int, groups: int, last: float, reps: int, rng) -> dict[str, float]:
    n, s = people // groups, 0.315
    return simulate("ratio", 0.8, [Metric((n,) * groups, (s,) * (groups - 1) + (s * last,))],
                    reps, rng)


def f2(people: int, groups: int, gap: float, reps: int, rng, outcome: float = 0.3
       ) -> dict[str, float]:
    neg, pos = int(people / groups * (1 - outcome)), int(people / groups * outcome)
    return simulate("difference", 0.10, [
        Metric((neg,) * groups, (0.15,) * (groups - 1) + (0.15 + gap,)),
        Metric((pos,) * groups, (0.3,) * groups)], reps, rng)


def table(reps: int, outcome: float, rng) -> list[str]:
    rows = ["| people | groups | F1 met, fair | F1 met at 0.8x | F1 not met, fair | "
            "F1 not met at 0.75x | F2 met, fair | F2 met at +0.10 | F2 not met, fair | "
            "F2 not met at +0.12 |", "|" + "---|" * 10]
    for people in PEOPLE:
        for groups in GROUPS:
            a, b, c = f1(people, groups, 1.0, reps, rng), f1(people, groups, 0.8, reps, rng), \
                f1(people, groups, 0.75, reps, rng)
            d, e, f = (f2(people, groups, gap, reps, rng, outcome) for gap in (0.0, 0.10, 0.12))
            cells = [a["met"], b["met"], a["not met"], c["not met"], d["met"], e["met"],
                     d["not met"], f["not met"]]
            rows.append(f"| {people:,} | {groups} | " + " | ".join(f"{x:.1%}" for x in cells)
                        + " |")
    return rows


def _weights(p1, n1, p2, n2):
    lo1, hi1 = stats.binom.ppf([1e-16, 1 - 1e-16], n1, p1)
    lo2, hi2 = stats.binom.ppf([1e-16, 1 - 1e-16], n2, p2)
    x1 = np.arange(int(lo1), int(hi1) + 1)[:, None]
    x2 = np.arange(int(lo2), int(hi2) + 1)[None, :]
    return x1, x2, stats.binom.pmf(x1, n1, p1) * stats.binom.pmf(x2, n2, p2)


def tails() -> list[str]:
    """Worst ratio of actual to nominal error at a true FPR gap of exactly +0.10."""
    sizes = [(25, 1000), (10, 500), (60, 5000), (50, 50), (100, 100), (30, 300), (200, 2000),
             (500, 500), (1000, 25)]
    rows = ["| one-sided α | Newcombe, false 'not met' | Newcombe, false 'inside' | "
            "corrected score, false 'not met' | corrected score, false 'inside' |",
            "|---|---|---|---|---|"]
    for alpha in (0.025, 0.05, 0.005, 0.0005):  # 0.025: each tail of the published 95%
        worst = np.zeros(4)
        for p2 in (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.85):
            p1 = p2 + 0.10
            for n1, n2 in sizes:
                x1, x2, w = _weights(p1, n1, p2, n2)
                lo, hi = newcombe_difference(x1, n1, x2, n2, 1 - 2 * alpha)
                got = [(w * (lo > 0.10)).sum(), (w * (hi < 0.10)).sum(),
                       (w * (score.p_greater_difference(x1, n1, x2, n2, 0.10) <= alpha)).sum(),
                       (w * (score.p_less_difference(x1, n1, x2, n2, 0.10) <= alpha)).sum()]
                worst = np.maximum(worst, np.array(got) / alpha)
        rows.append(f"| {alpha:g} | " + " | ".join(f"{x:.2f}x" for x in worst) + " |")
    return rows


def limits(reps: int, rng) -> list[str]:
    """F2 for a fair model, 4 groups, outcome rate 0.3: the Standard's rule against the best
    possible (the false negative rate's comparisons, 30% of each group, are the binding ones;
    the false positive rate's pass in practically every audit)."""
    rows = ["| people | positives per group | the rule, simulated | the rule, normal model | "
            "best rule of its form with exact size | upper bound for any level-5% test |",
            "|" + "---|" * 6]
    for people in (5000, 6000, 6500, 7000, 8000):
        pos = int(people / 4 * 0.3)
        sim = f2(people, 4, 0.0, reps, rng)["met"]
        lim = met_limits(pos, 4, 0.3, 0.10, sims=400_000, seed=people)
        rows.append(f"| {people:,} | {pos} | {sim:.1%} | {lim.tost:.1%} | "
                    f"{lim.exact_size:.1%} (k = {lim.k_exact:.2f}) | {lim.upper_bound:.1%} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    print(f"Simulated audits per cell: {args.reps:,} (seed {args.seed}).\n")
    print("Outcome rate 0.3:\n")
    print("\n".join(table(args.reps, 0.3, rng)))
    print("\nOutcome rate 0.5 (F1 as above):\n")
    print("\n".join(table(args.reps, 0.5, rng)))
    print("\nF2 met for a fair model, 4 groups, outcome rate 0.3: the rule and the best "
          "possible:\n")
    print("\n".join(limits(args.reps, rng)))
    print("\nWorst tail error at the margin (exact enumeration, true FPR gap +0.10):\n")
    print("\n".join(tails()))
    print(f"\n({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
