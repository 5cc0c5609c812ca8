"""Benchmark: essex-standard's group fairness measurement against fairlearn's MetricFrame.

Synthetic, seeded data: five groups of one protected attribute with different base rates and
selection rates, a continuous score ``y_score`` (a probability), ``y_true`` and
``y_pred = y_score >= 0.5``.

What is timed (wall clock, ``time.perf_counter``, best of ``--repeats`` runs):

(a) essex-standard at ``--rows``: coding the protected column into a grouping
    (``make_grouping``) plus ``measure_grouping`` for that one attribute, with
    ``--replicates`` bootstrap replicates; once without a score (rates only) and once with
    ``y_score`` (adds ROC AUC per group with DeLong intervals).
(b) fairlearn ``MetricFrame`` at ``--rows``, computing the same metrics as far as fairlearn and
    scikit-learn offer them (count, selection rate, TPR, FPR, FNR, TNR, accuracy, precision),
    plus ``difference()`` and ``ratio()``; and, for the "with score" comparison, a second
    MetricFrame with ``roc_auc_score`` on the score. fairlearn computes no intervals, so the
    comparison flatters fairlearn.
(c) essex-standard alone at ``--big-rows``, as in (a), without and with the score, and
    with the whole-population figures the pipeline adds (``measure_overall``: overall rates,
    ROC AUC and the bootstrapped Theil index).
(d) optionally (``--cli``) the end-to-end ``essex-standard audit`` of the bundled children's
    social care example, as a subprocess (reading the file and scoring the model included).

Peak memory is measured separately, in a fresh child process per step: the child generates
the data, records its peak resident set size (``resource.getrusage``), runs the step once and
reports how much the peak grew. That growth is the step's own peak working memory on top of
its inputs. (``tracemalloc`` is not used: it slows fairlearn's many small Python allocations
by minutes at 1M rows.)

Examples::

    python benchmarks/bench_fairness.py --rows 100000 --big-rows 0 --repeats 1   # smoke run
    python benchmarks/bench_fairness.py --cli                                    # full run
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from essex_standard.groups import make_grouping
from essex_standard.metrics.fairness import measure_grouping, measure_overall

ROOT = Path(__file__).resolve().parent.parent
GROUPS = ("A", "B", "C", "D", "E")
GROUP_SHARES = (0.40, 0.25, 0.15, 0.12, 0.08)
BASE_RATES = (0.20, 0.25, 0.30, 0.15, 0.35)
SCORE_SHIFT = (0.00, 0.10, 0.25, -0.10, 0.40)  # on the logit scale: different selection rates


def make_data(rows: int, seed: int) -> dict[str, object]:
    """Seeded synthetic data; the protected column is a pandas ``string`` Series, as read."""
    rng = np.random.default_rng(seed)
    codes = rng.choice(len(GROUPS), size=rows, p=GROUP_SHARES)
    y_true = (rng.random(rows) < np.asarray(BASE_RATES)[codes]).astype(np.int64)
    logit = -1.2 + 1.8 * y_true + np.asarray(SCORE_SHIFT)[codes] + rng.normal(0, 1.0, rows)
    y_score = 1 / (1 + np.exp(-logit))
    y_pred = (y_score >= 0.5).astype(np.int64)
    group = pd.Series(np.asarray(GROUPS, dtype=object)[codes], name="group", dtype="string")
    return {"group": group, "y_true": y_true, "y_score": y_score, "y_pred": y_pred}


# ----------------------------------------------------------------------------- the workloads


def run_essex(data: dict, replicates: int, with_score: bool) -> dict:
    grouping = make_grouping("group", data["group"])
    return measure_grouping(
        grouping,
        data["y_pred"],
        data["y_true"],
        data["y_score"] if with_score else None,
        replicates=replicates,
        seed=0,
    )


def run_essex_with_overall(data: dict, replicates: int) -> dict:
    """What the pipeline does for fairness with one attribute: overall figures, then the group."""
    overall = measure_overall(data["y_pred"], data["y_true"], data["y_score"],
                              level=0.95, replicates=replicates, seed=0)
    grouping = make_grouping("group", data["group"])
    return measure_grouping(grouping, data["y_pred"], data["y_true"], data["y_score"],
                            replicates=replicates, seed=0,
                            overall_theil=overall.get("theil_index"))


def run_fairlearn(data: dict, with_score: bool):
    from fairlearn.metrics import (
        MetricFrame,
        count,
        false_negative_rate,
        false_positive_rate,
        selection_rate,
        true_negative_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score, precision_score, roc_auc_score

    metrics = {
        "count": count,
        "selection_rate": selection_rate,
        "true_positive_rate": true_positive_rate,
        "false_positive_rate": false_positive_rate,
        "false_negative_rate": false_negative_rate,
        "true_negative_rate": true_negative_rate,
        "accuracy": accuracy_score,
        "positive_predictive_value": precision_score,
    }
    mf = MetricFrame(
        metrics=metrics,
        y_true=data["y_true"],
        y_pred=data["y_pred"],
        sensitive_features=data["group"],
    )
    out = {"by_group": mf.by_group, "difference": mf.difference(), "ratio": mf.ratio()}
    if with_score:
        auc = MetricFrame(
            metrics={"roc_auc": roc_auc_score},
            y_true=data["y_true"],
            y_pred=data["y_score"],
            sensitive_features=data["group"],
        )
        out["auc"] = auc.by_group
        out["auc_difference"] = auc.difference()
    return out


# ----------------------------------------------------------------------------- measuring


def best_time(fn, repeats: int) -> tuple[float, list[float], object]:
    times = []
    result = None
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), times, result


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


STEPS = {
    "essex-rates": lambda d, r: run_essex(d, r, False),
    "essex-score": lambda d, r: run_essex(d, r, True),
    "essex-overall": lambda d, r: run_essex_with_overall(d, r),
    "fairlearn-rates": lambda d, r: run_fairlearn(d, False),
    "fairlearn-score": lambda d, r: run_fairlearn(d, True),
}


def _status_mib(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None


def child_memory(step: str, rows: int, seed: int, replicates: int) -> None:
    """Run in a child process: print resident memory before and at the peak of one step.

    On Linux the high-water mark is reset (``/proc/self/clear_refs``) after the data are
    generated, so the peak is the step's own; elsewhere it falls back to ``ru_maxrss``.
    """
    data = make_data(rows, seed)
    if step.startswith("fairlearn"):
        import fairlearn.metrics  # noqa: F401 - import cost is not the step's memory
        import sklearn.metrics  # noqa: F401
    gc.collect()
    before = _status_mib("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")
        reset = True
    except OSError:
        reset = False
    if before is None or not reset:
        before = maxrss_mib()
    STEPS[step](data, replicates)
    peak = _status_mib("VmHWM") if reset else None
    peak = peak if peak is not None else maxrss_mib()
    print(json.dumps({"before_mib": before, "peak_mib": peak}))


def peak_memory(step: str, rows: int, seed: int, replicates: int) -> dict[str, float]:
    """Resident memory (MiB) of a fresh process before ``step`` and at the step's peak."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", step, "--rows", str(rows), "--seed", str(seed),
         "--replicates", str(replicates)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def check_agreement(essex: dict, fl: dict, with_score: bool) -> float:
    """Largest absolute difference between essex-standard's and fairlearn's group values."""
    worst = 0.0
    by_group = fl["by_group"]
    for label, entry in essex["groups"].items():
        for name in by_group.columns:
            mine = entry["n"] if name == "count" else entry["metrics"][name]["value"]
            worst = max(worst, abs(float(mine) - float(by_group.loc[label, name])))
        if with_score:
            mine = entry["metrics"]["roc_auc"]["value"]
            worst = max(worst, abs(mine - float(fl["auc"].loc[label, "roc_auc"])))
    return worst


def fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def machine() -> dict[str, str]:
    import fairlearn
    import scipy
    import sklearn

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    try:
        import aif360

        aif = aif360.__version__
    except ImportError:
        aif = "not installed"
    import essex_standard

    return {
        "cpus (os.cpu_count)": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "fairlearn": fairlearn.__version__,
        "aif360": aif,
        "essex-standard": essex_standard.__version__,
    }


def bench_cli(repeats: int) -> dict[str, float]:
    exe = shutil.which("essex-standard") or str(Path(sys.executable).parent / "essex-standard")
    config = ROOT / "examples" / "childrens-social-care" / "audit.yaml"
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run([exe, "audit", str(config), "--out", tmp], check=True,
                           stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
    help_times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([exe, "--help"], check=True, stdout=subprocess.DEVNULL)
        help_times.append(time.perf_counter() - start)
    return {"audit": min(times), "help": min(help_times)}


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows for the comparison (a, b)")
    ap.add_argument("--big-rows", type=int, default=10_000_000,
                    help="rows for essex-standard alone (c); 0 to skip")
    ap.add_argument("--replicates", type=int, default=1000, help="bootstrap replicates")
    ap.add_argument("--repeats", type=int, default=3, help="runs per timing; the best is kept")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--no-fairlearn", action="store_true", help="skip fairlearn (b)")
    ap.add_argument("--no-memory", action="store_true", help="skip the peak-memory runs")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--cli", action="store_true",
                    help="also time 'essex-standard audit' on the bundled example (d)")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = ap.parse_args(argv)
    if args.child:
        child_memory(args.child, args.rows, args.seed, args.replicates)
        return 0

    report: dict[str, object] = {"machine": machine(), "args": {
        k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}}
    print("machine:", json.dumps(report["machine"], indent=1))
    rows = []

    def record(label, n, step, data, repeats=args.repeats):
        best, times, result = best_time(lambda: STEPS[step](data, args.replicates), repeats)
        peak = None if args.no_memory else peak_memory(step, n, args.seed, args.replicates)
        row = {"step": label, "rows": n, "best_s": best, "runs_s": times, "peak_mib": peak}
        rows.append(row)
        mem = ""
        if peak is not None:
            added = peak["peak_mib"] - peak["before_mib"]
            mem = f", peak RSS {peak['peak_mib']:,.0f} MiB (+{added:,.0f})"
        runs = ", ".join(fmt_s(t) for t in times)
        print(f"{label:<48} {n:>11,} rows  best {fmt_s(best):>9}  (runs: {runs}){mem}",
              flush=True)
        return best, result

    data = make_data(args.rows, args.seed)
    speedups = {}
    for with_score in (False, True):
        tag = "rates + ROC AUC" if with_score else "rates"
        variant = "score" if with_score else "rates"
        t_e, essex = record(f"(a) essex-standard, {tag}", args.rows, f"essex-{variant}", data)
        if not args.no_fairlearn:
            t_f, fl = record(f"(b) fairlearn MetricFrame, {tag}", args.rows,
                             f"fairlearn-{variant}", data)
            gap = check_agreement(essex, fl, with_score)
            speedups[tag] = t_f / t_e
            print(f"    speed-up {t_f / t_e:,.0f}x; largest difference in group values {gap:.1e}")
            report.setdefault("agreement", {})[tag] = gap
    del data
    gc.collect()

    if args.big_rows:
        big = make_data(args.big_rows, args.seed)
        record("(c) essex-standard, rates", args.big_rows, "essex-rates", big)
        record("(c) essex-standard, rates + ROC AUC", args.big_rows, "essex-score", big)
        record("(c) ... plus overall figures (as the pipeline)", args.big_rows,
               "essex-overall", big)
        del big
        gc.collect()

    if args.cli:
        cli = bench_cli(args.repeats)
        report["cli"] = cli
        print(f"(d) essex-standard audit (children's social care example): best "
              f"{fmt_s(cli['audit'])}; essex-standard --help: best {fmt_s(cli['help'])}")

    maxrss = maxrss_mib()
    print(f"process peak resident set size: {maxrss:,.0f} MiB")
    report.update({"steps": rows, "speedups": speedups, "peak_rss_mib": maxrss})
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
