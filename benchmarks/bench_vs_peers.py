"""Benchmark: ``audit_frame`` against Aequitas, AIF360 and fairlearn, and one ``np.bincount``.

One run measures every tool on the same seeded, council-like rows (``_peer_data.py``: six
ethnicities with unequal shares, two sexes, an outcome, a probability score and
``y_pred = score >= 0.5``) at each size (default 10k, 100k and 1M rows), and rewrites the table
between the ``bench_vs_peers`` markers in ``docs/benchmarks.md``.

What is timed (wall clock, ``time.perf_counter``; the table gives the median of ``--repeats``
runs, every run is in ``--json``):

* **np.bincount floor**: one pass that counts the ``ethnicity × sex × y_true × y_pred`` table
  from integer codes already in memory: the least any tool must do.
* **essex-standard, fairness** (``audit_frame`` with ``y_true``, ``y_pred`` and the two
  protected columns, default settings: 1,000 bootstrap replicates, the Essex Standard
  judged), timed as the four stages ``audit_frame`` runs (config and prepare, measure, results
  document, judge) and summed, so the judging share comes from the same runs as the total
  (``audit_frame`` itself is timed as well; those runs are in ``--json``).
* **essex-standard, full judged audit**: as above plus the score (ROC AUC with DeLong
  intervals, calibration with its bootstrap) and the ``ethnicity × sex`` intersection.
* **Aequitas** 1.x (own venv, pandas < 3, run in a subprocess): ``Group().get_crosstabs`` for
  both attributes plus ``Bias().get_disparity_predefined_groups`` against the same reference
  groups (``_aequitas_child.py``).  One Aequitas run follows each essex-standard fairness run,
  and the speed ratio is the median of these pairs, so a change of load hits both sides.
* **AIF360**: per attribute, ``BinaryLabelDataset`` for the truth and the predictions and, per
  non-reference group, a ``ClassificationMetric`` against the reference group reading selection
  rates, TPR/FPR/TNR/FNR, PPV, accuracy, disparate impact, statistical parity, equal opportunity
  and average odds differences.
* **fairlearn**: per attribute, ``MetricFrame`` with count, selection rate, TPR, FPR, FNR,
  TNR, accuracy and precision, then ``difference()`` and ``ratio()``.

None of the peers computes intervals, bootstrap or a verdict, so every comparison favours them.

Examples::

    python benchmarks/bench_vs_peers.py                          # full run, rewrites the doc
    python benchmarks/bench_vs_peers.py --sizes 10000 --repeats 1 --no-write   # smoke run
    python benchmarks/bench_vs_peers.py --profile 10000,100000   # cProfile of audit_frame
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _peer_data import ETHNICITIES, SEXES, make_arrays, make_frame  # noqa: E402

AEQUITAS_VENV = HERE / ".venv-aequitas"
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench_vs_peers:start -->", "<!-- bench_vs_peers:end -->"
REFERENCE = {"ethnicity": "White", "sex": "F"}
FAIRNESS = {"y_true": "y_true", "y_pred": "y_pred", "sensitive_features": ["ethnicity", "sex"],
            "reference": REFERENCE}
FULL = {**FAIRNESS, "y_score": "y_score", "score_range": [0, 1],
        "intersections": [["ethnicity", "sex"]]}


def timed(fn: Callable[[], Any], repeats: int) -> list[float]:
    runs = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return runs


# --- essex-standard -------------------------------------------------------------------------

def essex_stages(df, kwargs: dict[str, Any]) -> dict[str, float]:
    """``audit_frame``'s stages timed one by one (same calls as ``pipeline.audit_frame``)."""
    from essex_standard import pipeline
    from essex_standard.config import parse_config
    from essex_standard.load import prepare
    from essex_standard.result import round_floats

    raw = {"model": {}, "data": {"y_true": kwargs["y_true"], "y_pred": kwargs["y_pred"]},
           "protected": [{"column": c, "reference": kwargs["reference"][c]}
                         for c in kwargs["sensitive_features"]],
           "intersections": kwargs.get("intersections", [])}
    if "y_score" in kwargs:
        raw["data"].update(y_score=kwargs["y_score"], score_range=kwargs["score_range"])
    t = [time.perf_counter()]
    cfg = parse_config(raw, source="audit_frame()", require_path=False, reference_given=False)
    data = prepare(df, cfg, source="the DataFrame", fix="")
    t.append(time.perf_counter())
    measured = pipeline.measure(data, cfg)
    t.append(time.perf_counter())
    doc = round_floats(pipeline.build_document(data, cfg, measured))
    t.append(time.perf_counter())
    doc["standard"] = pipeline.judge(doc, cfg)
    t.append(time.perf_counter())
    names = ("prepare", "measure", "document", "judge")
    return {n: b - a for n, a, b in zip(names, t[:-1], t[1:], strict=True)}


# --- AIF360 and fairlearn -------------------------------------------------------------------

def aif360_run(df) -> None:
    import pandas as pd
    from aif360.datasets import BinaryLabelDataset
    from aif360.metrics import ClassificationMetric

    for attr, labels in (("ethnicity", ETHNICITIES), ("sex", SEXES)):
        codes = {v: float(i) for i, v in enumerate(labels)}
        frame = pd.DataFrame({"attr": df[attr].map(codes), "label": df["y_true"].astype(float)})
        truth = BinaryLabelDataset(df=frame, label_names=["label"],
                                   protected_attribute_names=["attr"],
                                   favorable_label=1.0, unfavorable_label=0.0)
        predicted = truth.copy(deepcopy=True)
        predicted.labels = df["y_pred"].to_numpy(dtype=float).reshape(-1, 1)
        ref = codes[REFERENCE[attr]]
        for value in codes.values():
            if value == ref:
                continue
            m = ClassificationMetric(truth, predicted, unprivileged_groups=[{"attr": value}],
                                     privileged_groups=[{"attr": ref}])
            for privileged in (True, False):
                m.selection_rate(privileged=privileged)
                m.performance_measures(privileged=privileged)
                m.accuracy(privileged=privileged)
            m.disparate_impact()
            m.statistical_parity_difference()
            m.equal_opportunity_difference()
            m.average_odds_difference()


def fairlearn_run(df) -> None:
    from fairlearn.metrics import (
        MetricFrame,
        count,
        false_negative_rate,
        false_positive_rate,
        selection_rate,
        true_negative_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score, precision_score

    metrics = {"count": count, "selection_rate": selection_rate,
               "true_positive_rate": true_positive_rate,
               "false_positive_rate": false_positive_rate,
               "false_negative_rate": false_negative_rate,
               "true_negative_rate": true_negative_rate,
               "accuracy": accuracy_score, "precision": precision_score}
    for attr in ("ethnicity", "sex"):
        mf = MetricFrame(metrics=metrics, y_true=df["y_true"], y_pred=df["y_pred"],
                         sensitive_features=df[attr])
        mf.by_group  # noqa: B018 - computed on access
        mf.difference()
        mf.ratio()


# --- Aequitas in its own venv ---------------------------------------------------------------

def aequitas_python() -> Path:
    """The venv's interpreter, creating the venv (``aequitas`` + ``pandas<3``) if needed."""
    py = AEQUITAS_VENV / "bin" / "python"
    if not py.exists():
        print(f"creating {AEQUITAS_VENV} (pip install aequitas 'pandas<3')...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(AEQUITAS_VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "aequitas", "pandas<3"],
                       check=True)
    return py


def aequitas_runs(sizes: list[int], seed: int, repeats: int) -> dict[str, Any]:
    out = subprocess.run(
        [str(aequitas_python()), str(HERE / "_aequitas_child.py"),
         ",".join(map(str, sizes)), str(seed), str(repeats)],
        capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the run --------------------------------------------------------------------------------

def measure_size(rows: int, seed: int, repeats: int, peers: bool,
                 aequitas: bool) -> dict[str, Any]:
    from essex_standard import audit_frame

    df = make_frame(rows, seed)
    a = make_arrays(rows, seed)
    key = ((a["ethnicity"] * 2 + a["sex"]) * 2 + a["y_true"]) * 2 + a["y_pred"]
    cells = len(ETHNICITIES) * 2 * 2 * 2
    res: dict[str, Any] = {"rows": rows}
    res["bincount"] = timed(lambda: np.bincount(key, minlength=cells), max(repeats, 5))
    audit_frame(df.head(2_000), **FAIRNESS)  # warm: imports, the Standard file, caches
    audit_frame(df.head(2_000), **FULL)
    # The fairness audit is timed stage by stage (the calls audit_frame makes), so the judging
    # share comes from the very runs whose total is reported; audit_frame itself is timed too.
    # On a shared machine the load changes from minute to minute, so each essex-standard run is
    # paired with an Aequitas run started right after it, and the ratio is taken per pair.
    res["essex_fairness_stages"], res["aequitas"] = [], []
    for _ in range(max(repeats, 5)):
        gc.collect()
        res["essex_fairness_stages"].append(essex_stages(df, FAIRNESS))
        if aequitas:
            res["aequitas"] += aequitas_runs([rows], seed, 1)["sizes"][str(rows)]["runs"]
    res["essex_fairness"] = [sum(s.values()) for s in res["essex_fairness_stages"]]
    res["essex_fairness_audit_frame"] = timed(lambda: audit_frame(df, **FAIRNESS), repeats)
    res["essex_full"] = timed(lambda: audit_frame(df, **FULL), repeats)
    res["essex_full_stages"] = [essex_stages(df, FULL) for _ in range(repeats)]
    if peers:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            aif360_run(df.head(1_000))
            res["aif360"] = timed(lambda: aif360_run(df), repeats)
            fairlearn_run(df.head(1_000))
            res["fairlearn"] = timed(lambda: fairlearn_run(df), repeats)
    return res


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(line for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))
        memory = f"{int(mem.split()[1]) / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        memory = "unknown"
    return {"cpus": str(os.cpu_count()), "cpu": cpu, "memory": memory,
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(),
            "load": f"{os.getloadavg()[0]:.1f}"}


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms" if seconds < 0.1 else f"{seconds * 1e3:.0f} ms"
    return f"{seconds:.2f} s"


def table(report: dict[str, Any]) -> str:
    aeq = report.get("aequitas") or {}
    m = report["machine"]
    lines = [
        START,
        f"Measured on {report['date']} by `python benchmarks/bench_vs_peers.py "
        f"{report['args']}`: medians of {report['repeats']} runs (`np.bincount` and the "
        "essex-standard fairness audit: of at least 5), wall clock. Load average (1 min) at "
        "the start / end of the run: "
        f"{report['load_start']} / {m['load']} on {m['cpus']} CPUs (a shared machine: other "
        "work ran at the same time).",
        "",
        "| | |", "|---|---|",
        f"| CPU | {m['cpu']} × {m['cpus']} |", f"| memory | {m['memory']} |",
        f"| operating system | {m['os']} |", f"| Python | {m['python']} |",
        "| essex-standard / numpy / pandas / scipy | "
        + " / ".join(report["versions"][k] for k in ("essex-standard", "numpy", "pandas", "scipy"))
        + " |",
        f"| fairlearn / aif360 / scikit-learn | {report['versions']['fairlearn']} / "
        f"{report['versions']['aif360']} / {report['versions']['scikit-learn']} |",
        f"| Aequitas (own venv) / its pandas | {aeq.get('aequitas', '–')} / "
        f"{aeq.get('pandas', '–')} |",
        "",
        "| rows | `np.bincount` pass | essex-standard fairness (judged) | of which judging "
        "| essex-standard full judged audit | Aequitas | AIF360 | fairlearn "
        "| Aequitas ÷ essex fairness (median of paired runs) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for res in report["sizes"]:
        rows = res["rows"]
        fair = median(res["essex_fairness"])
        judge = median([s["judge"] for s in res["essex_fairness_stages"]])
        aeq_runs = res.get("aequitas")
        aeq_t = median(aeq_runs) if aeq_runs else None
        pairs = zip(aeq_runs or [], res["essex_fairness"], strict=False)
        ratio = f"{median([a / e for a, e in pairs]):.2f}×" if aeq_runs else "–"
        lines.append(
            f"| {rows:,} | {fmt(median(res['bincount']))} | {fmt(fair)} | {fmt(judge)} "
            f"| {fmt(median(res['essex_full']))} | {fmt(aeq_t)} "
            f"| {fmt(median(res['aif360']) if 'aif360' in res else None)} "
            f"| {fmt(median(res['fairlearn']) if 'fairlearn' in res else None)} | {ratio} |")
    lines += ["", "Stages of the fairness audit (medians): prepare / measure / results document "
              "/ judge:", ""]
    for res in report["sizes"]:
        st = res["essex_fairness_stages"]
        parts = " / ".join(fmt(median([s[k] for s in st]))
                           for k in ("prepare", "measure", "document", "judge"))
        lines.append(f"- {res['rows']:,} rows: {parts}")
    lines.append(END)
    return "\n".join(lines)


def write_doc(block: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    if START in text:
        text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text,
                      flags=re.S)
    else:
        text += "\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")


def profile(sizes: list[int], seed: int) -> None:
    import cProfile
    import pstats

    from essex_standard import audit_frame

    for rows in sizes:
        df = make_frame(rows, seed)
        audit_frame(df.head(2_000), **FAIRNESS)
        prof = cProfile.Profile()
        prof.enable()
        audit_frame(df, **FAIRNESS)
        prof.disable()
        print(f"\n=== cProfile of audit_frame (fairness, judged), {rows:,} rows ===")
        pstats.Stats(prof).sort_stats("cumulative").print_stats(30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--no-peers", action="store_true", help="skip AIF360 and fairlearn")
    ap.add_argument("--no-aequitas", action="store_true")
    ap.add_argument("--no-write", action="store_true", help="do not rewrite docs/benchmarks.md")
    ap.add_argument("--json", type=Path, help="write every run here")
    ap.add_argument("--profile", metavar="SIZES", help="only print cProfile of audit_frame")
    args = ap.parse_args()
    if args.profile:
        profile([int(s) for s in args.profile.split(",")], args.seed)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    load_start = f"{os.getloadavg()[0]:.1f}"
    report: dict[str, Any] = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "args": " ".join(sys.argv[1:]) or "(defaults)", "repeats": args.repeats,
        "load_start": load_start, "sizes": [],
        "versions": {n: _version(n) for n in ("essex-standard", "numpy", "pandas", "scipy",
                                               "scikit-learn", "fairlearn", "aif360")},
    }
    for rows in sizes:
        print(f"{rows:,} rows...", flush=True)
        report["sizes"].append(measure_size(rows, args.seed, args.repeats, not args.no_peers,
                                            not args.no_aequitas))
        print(json.dumps(report["sizes"][-1]), flush=True)
    if not args.no_aequitas:
        info = aequitas_runs([1_000], args.seed, 1)
        report["aequitas"] = {"aequitas": info["aequitas"], "pandas": info["pandas"]}
    report["machine"] = machine()
    block = table(report)
    print(block)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    if not args.no_write:
        write_doc(block)
        print(f"rewrote the table in {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
