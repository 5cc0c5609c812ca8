"""Full coverage runs for every interval results.json publishes; writes docs/coverage.md.

    python benchmarks/coverage.py            # full run (a few minutes), rewrites docs/coverage.md
    python benchmarks/coverage.py --quick    # fewer simulations, prints only

Rates, differences and ratios are enumerated exactly; the rest are simulated
(``essex_standard/metrics/coverage.py``).  The fast versions of the same checks run in
``tests/test_coverage.py``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from essex_standard.metrics import coverage as cv
from essex_standard.metrics import coverage_calibration as cc

FAIR = [[0.60, 0.10], [0.10, 0.20]]
LOW_RATES = [[0.85, 0.05], [0.03, 0.07]]
VERY_LOW = [[0.95, 0.01], [0.01, 0.03]]
ECE_SETTINGS = {
    "calibrated": cc.shift(0.0),
    "risk = score + 0.05": cc.shift(0.05),
    "risk = score - 0.1": cc.shift(-0.1),
    "overconfident (logit slope 0.7)": cc.logistic(0.0, 0.7),
    "underconfident (logit slope 1.5)": cc.logistic(0.0, 1.5),
    "intercept -0.3 (logit)": cc.logistic(-0.3),
    "one bin off by +0.3": cc.one_bin(0.3),
}


def rows(quick: bool) -> list[tuple[str, str, cv.Coverage]]:
    s = 0.2 if quick else 1.0
    out: list[tuple[str, str, cv.Coverage]] = []

    def add(kind: str, setting: str, c: cv.Coverage) -> None:
        out.append((kind, setting, c))
        print(f"{kind:38s} {setting:48s} {c.covered:.3f}", file=sys.stderr, flush=True)

    for p, n in [(0.3, 200), (0.5, 15), (0.1, 5000), (0.02, 60), (0.98, 60), (0.05, 200),
                 (0.01, 5000), (0.995, 1000)]:
        add("rate (Wilson, BCD-modified)", f"p={p}, n={n}", cv.rate_coverage(p, n))
    pairs = [(0.1, 60, 0.1, 5000), (0.02, 60, 0.02, 5000), (0.3, 30, 0.3, 30),
             (0.4, 90, 0.2, 300), (0.97, 100, 0.95, 5000), (0.1, 25, 0.15, 5000)]
    for p1, n1, p2, n2 in pairs:
        setting = f"{p1} of {n1} vs {p2} of {n2}"
        add("difference (score test inverted)", setting, cv.difference_coverage(p1, n1, p2, n2))
        add("ratio (score test inverted)", setting, cv.ratio_coverage(p1, n1, p2, n2))
        add("difference (Newcombe: published before, drift)", setting,
            cv.difference_coverage(p1, n1, p2, n2, method="newcombe"))
    for p1, n1, p2, n2 in pairs[:3]:
        setting = f"{p1} of {n1} vs {p2} of {n2}, level 99.9%"
        add("difference (score test inverted), 99.9%", setting,
            cv.difference_coverage(p1, n1, p2, n2, level=0.999))
        add("difference (Newcombe), 99.9%", setting,
            cv.difference_coverage(p1, n1, p2, n2, level=0.999, method="newcombe"))
    sims = int(100_000 * s)
    for name, u, nu, p, np_ in [("fair", FAIR, 300, FAIR, 600), ("fair", FAIR, 60, FAIR, 5000),
                                ("low rates", LOW_RATES, 60, LOW_RATES, 5000),
                                ("low rates", LOW_RATES, 30, LOW_RATES, 5000),
                                ("very low rates", VERY_LOW, 300, VERY_LOW, 5000)]:
        add("average odds difference (MOVER)", f"{name}, {nu} vs {np_}, true 0",
            cv.average_odds_coverage(u, nu, p, np_, sims=sims))
    sims = int(20_000 * s)
    for a, m, n in [(0.95, 15, 100), (0.95, 15, 500), (0.95, 20, 100), (0.9, 20, 100),
                    (0.95, 40, 200), (0.8, 20, 40), (0.7, 15, 30), (0.6, 15, 15),
                    (0.95, 60, 300), (0.75, 200, 1000), (0.98, 30, 300)]:
        add("ROC AUC (Newcombe method 5)", f"AUC {a}, {m} positives, {n} negatives",
            cv.auc_coverage(a, m, n, sims=sims))
    for g, r in [((0.95, 15, 100), (0.95, 500, 4500)), ((0.8, 20, 40), (0.8, 600, 4400)),
                 ((0.95, 40, 200), (0.9, 500, 4500)), ((0.7, 15, 45), (0.7, 30, 30)),
                 ((0.95, 15, 100), (0.95, 15, 100))]:
        setting = f"AUC {g[0]} ({g[1]}+/{g[2]}-) vs {r[0]} ({r[1]}+/{r[2]}-)"
        add("ROC AUC difference (MOVER)", setting, cv.auc_difference_coverage(g, r, sims=sims))
        add("ROC AUC ratio (MOVER-R)", setting,
            cv.auc_difference_coverage(g, r, sims=sims, statistic="ratio"))
    sims = int(50_000 * s)
    for name, cells, n in [("fair", FAIR, 60), ("fair", FAIR, 200), ("low rates", LOW_RATES, 300),
                           ("low rates", LOW_RATES, 5000), ("very low rates", VERY_LOW, 300),
                           ("very low rates", VERY_LOW, 1000)]:
        add("Theil index (log-scale delta)", f"{name}, n={n}",
            cv.theil_coverage(cells, n, sims=sims))
    add("Theil index, percentile bootstrap (replaced)", "low rates, n=300",
        cv.theil_bootstrap_coverage(LOW_RATES, 300, sims=int(500 * s)))
    add("between-groups Theil, percentile bootstrap (not published)",
        "3 groups treated alike (500, 500, 60), truth 0",
        cv.between_theil_bootstrap_coverage(FAIR, [500, 500, 60], sims=int(200 * s)))
    sims = int(4000 * s)
    for which, n, shift in [("slope", 60, 0.0), ("slope", 300, 0.0), ("slope", 2000, 0.0),
                            ("intercept", 60, 0.0), ("intercept", 300, -0.5)]:
        add(f"calibration {which} (Wald)", f"n={n}, true intercept shift {shift}",
            cv.calibration_fit_coverage(n, shift=shift, sims=sims, which=which))
    for which, n in [("calibration_in_the_large", 60), ("calibration_in_the_large", 1000),
                     ("brier_score", 60), ("brier_score", 300)]:
        add(f"{which} (normal theory)", f"n={n}, true risk = score + 0.02",
            cv.calibration_mean_coverage(n, which, sims=int(50_000 * s)))
    for which in ("slope", "intercept"):
        add(f"calibration {which} gap (Wald)", "60 vs 5,000, both calibrated, true 0",
            cv.calibration_gap_coverage(60, 5000, which, sims=sims))
    sims = int(400 * s)
    add("ECE gap above chance (bootstrap)", "200 vs 2,000, both calibrated, true 0",
        cv.ece_gap_coverage(200, 2000, sims=sims))
    add("ECE, the Standard's two tests (not published), whole audit",
        "n=200, true risk = score + 0.05",
        cv.ece_coverage(200, 0.05, sims=int(2000 * s), replicates=200))
    sims = int(4000 * s)
    for n in (60, 100, 300, 2000):
        for name, risk in ECE_SETTINGS.items():
            add("ECE, the Standard's two tests (not published)", f"n={n}, {name}",
                cc.ece_coverage_tables(n, risk, sims=sims, replicates=200))
    for n, name in [(60, "risk = score + 0.05"), (300, "risk = score + 0.05"),
                    (300, "intercept -0.3 (logit)")]:
        add("ECE, the Standard's two tests at 90% (its level for met)", f"n={n}, {name}",
            cc.ece_coverage_tables(n, ECE_SETTINGS[name], sims=sims, replicates=200,
                                   level=0.90))
    return out


def markdown(results: list[tuple[str, str, cv.Coverage]], seconds: float) -> str:
    lines = [
        "# Coverage of every published interval",
        "",
        "Generated by `python benchmarks/coverage.py` (" + f"{seconds:.0f} s" + "); do not edit "
        "by hand. Each row is one interval type at one hard setting: the share of 95% "
        "intervals that contain the true value, the share lying wholly above it (truth "
        "*below* the lower limit) and wholly below it, and the share of samples with no "
        "interval (excluded from the others). Rates, differences and ratios are exact "
        "enumerations over every possible count; the rest are simulations (the number is "
        "given in `benchmarks/coverage.py`; the Monte Carlo standard error is at most 0.3 "
        "points for the closed forms, 0.35 for ECE and about 1 point for "
        "the ECE gap). Fast versions of the same checks run in `tests/test_coverage.py` and "
        "`tests/test_coverage_calibration.py`. Methods: [metrics.md](metrics.md), "
        "[calibration.md](calibration.md).",
        "",
        "| interval | setting | covered | truth below | truth above | no interval |",
        "|---|---|---|---|---|---|",
    ]
    for kind, setting, c in results:
        lines.append(f"| {kind} | {setting} | {c.covered:.3f} | {c.below:.4f} | "
                     f"{c.above:.4f} | {c.undefined:.3f} |")
    lines += ["", NOTES]
    return "\n".join(lines) + "\n"


NOTES = """## Reading the table

- **Target.** 95% intervals should cover 93–97% and err in each tail at most 1.5 × 2.5%.
- **Rates near 0 or 1** oscillate with the discreteness of counts. The Brown–Cai–DasGupta
  modification lifts the worst case of Wilson's interval from 84% to about 92%; the average
  over rates is nominal (`tests/test_coverage.py` checks both).
- **ROC AUC** (Newcombe's method 5) errs on the safe side at high AUC (97–98% at AUC 0.95–0.98),
  and more so when two small groups with high AUC are compared (99.4%): such a comparison is
  more often "insufficient evidence", never a false alarm. Its errors fall almost all in the
  upper tail. The DeLong Wald interval it
  replaced covered 79–91% in groups of 15–40 positives. With scores from other models than
  the binormal one simulated here (an exponential model, unequal variances), small groups
  cover 92–93%: no closed form is right for every score distribution.
- **Theil index of everyone**: the log-scale delta interval covers 95% down to 60 people,
  and 92.9% at 300 people with error rates of 1% (the index is then tiny and skewed); the
  percentile bootstrap it replaced covered 92.4% at 300 people with moderate rates.
- **Brier score** (normal theory) covers 93.6% at 60 people, with 4.8% in the upper tail (its
  per-person values are skewed); 94.7% at 300.
- **Average odds difference**: with 30 people and low rates against 5,000, 4% of samples have
  a side without positives (no value, no interval) and the rest cover 98%: conservative.
- **Between-groups Theil index**: a percentile bootstrap covered the true 0 in none of the
  simulated audits when groups are treated alike (its estimate is always above 0), so no
  interval is published (`"ci": null` with a `ci_note`).
- **Expected calibration error: no interval is published** (`"ci": null` with a `ci_note`).
  The rows give the coverage of the two-sided interval formed by the two one-sided tests the
  Standard uses to judge ECE (10 equal-mass bins; scores uniform on 0.1–0.9; the truth is the
  ECE of the true risk in the sample's own bins). The plug-in ECE is biased upwards by noise,
  and its sampling distribution depends on how the error is spread over the bins, not only on
  the ECE. Each limit is therefore exact at the spread least favourable to it and cautious
  elsewhere: the upper limit when every bin is off in proportion to its noise (a constant
  shift of risk), the lower limit when the error sits in one bin. So each tail errs at most
  about its nominal rate, which is what a verdict needs; but the two-sided coverage is about
  97–98% where one of them is exact (a true ECE of 0 can err only in the lower tail, as any
  interval at a boundary) and up to 99.5% where neither is: above the 93–97% every published
  interval must reach, and no interval can reach it whatever the spread (narrowing it would
  make a tail err beyond 1.5 × nominal where its limit is exact;
  `tests/test_coverage_calibration.py`). At 90% — the level the Standard uses to call ECE ≤
  0.05 *met* — the upper limit errs about its nominal 5%. The row "whole audit" runs the full
  calibration code on each simulated audit; the others simulate its bin tables
  (`metrics/coverage_calibration.py`).
- **Maximum calibration error** gets no interval (`"ci": null` with a `ci_note`): it is a
  maximum over noisy bins, whose estimate lies above the largest true gap, the max/min
  problem again. Its consistency test (p-value, chance level) is still published.
- **Differences and ratios of rates** invert the Standard's own score test
  (Miettinen–Nurminen with skewness and continuity corrections), so each tail errs at most
  about its nominal rate at 95% and at the Standard's adjusted levels (99.9% included), where
  Newcombe's interval, published before and still used for drift, erred 1.5× in one tail at
  95% (0.97 of 100 against 0.95 of 5,000) and 3.6× at 99.9% (0.1 of 60 against 0.1 of
  5,000). The price is coverage above 97% where a group's count is near 0 (one tail can
  hardly err, so coverage is 1 minus the other: 98.4% at 0.02 of 60) or near its size.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer simulations; print only")
    args = parser.parse_args()
    start = time.perf_counter()
    results = rows(args.quick)
    text = markdown(results, time.perf_counter() - start)
    if args.quick:
        print(text)
        return
    target = Path(__file__).resolve().parent.parent / "docs" / "coverage.md"
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
