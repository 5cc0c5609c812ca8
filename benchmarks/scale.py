"""Benchmark: the full audit from Parquet at 1M and 10M rows, on the DuckDB engine.

Synthetic, seeded data written by this script (in ``--dir``, reused when present): two
protected attributes (ethnicity, five groups; sex, two groups and 2% not recorded), a
probability score **published to three decimals** (1,001 levels), an outcome drawn from a
slightly miscalibrated version of it, a referral date over one year, and three drift features
(a count, a decile, a four-way category).  The reference data set has half as many rows,
drawn with a shift.  The audit: fairness on both attributes and their intersection, 200
bootstrap replicates, calibration, drift against the reference, fairness over time (monthly).

Each size runs in its own process (so its peak memory is its own), ``--repeats`` times; the
table gives medians.  Stages are timed with the pipeline's own step hook: reading (the
engine's ``GROUP BY`` queries and the load stage on their tables), measuring, judging.  The
floor is DuckDB alone running the same queries the engine sends (the main, time and features
views of both files), without the audit.

    python benchmarks/scale.py                      # 1M and 10M rows, 3 runs each
    python benchmarks/scale.py --rows 1000000 --repeats 1 --no-docs   # smoke run
    python benchmarks/scale.py --continuous         # the score unrounded (a level per row)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- scale:start -->", "<!-- scale:end -->"
GROUPS = ("A", "B", "C", "D", "E")
SHARES = (0.40, 0.25, 0.15, 0.12, 0.08)

CONFIG = """
model: {{name: scale benchmark}}
data:
  path: {name}.parquet
  y_true: outcome
  y_score: risk
  threshold: 0.3
  score_range: [0, 1]
  reference: {name}-reference.parquet
  time: referral_date
protected:
  - column: ethnicity
  - column: sex
intersections: [[ethnicity, sex]]
bootstrap: 200
drift: {{features: [prior_referrals, decile, need]}}
over_time: {{window: monthly}}
"""


def write_parquet(path: Path, rows: int, seed: int, shift: float, continuous: bool) -> None:
    """Seeded rows, written in chunks of 2M (so generating 100M rows stays in memory)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    writer = None
    done = 0
    while done < rows:
        k = min(2_000_000, rows - done)
        eth = rng.choice(len(GROUPS), size=k, p=SHARES)
        sex = rng.choice(3, size=k, p=[0.49, 0.49, 0.02])
        prior = rng.poisson(1.2 + shift, k)
        decile = rng.integers(1, 11, k)
        need = rng.choice(4, size=k)
        logit = -1.3 + 0.3 * prior + 0.08 * decile + rng.normal(0, 0.8, k)
        risk = 1 / (1 + np.exp(-logit))
        if not continuous:
            risk = np.round(risk, 3)
        truth = 1 / (1 + np.exp(-(logit + np.array([0, 0.2, -0.2, 0.4, 0.6])[eth])))
        outcome = (rng.random(k) < truth).astype(np.int64)
        days = rng.integers(0, 365, k).astype("timedelta64[D]")
        table = pa.table({
            "ethnicity": pa.array(np.array(GROUPS, dtype=object)[eth]),
            "sex": pa.array(np.array(["F", "M", None], dtype=object)[sex]),
            "risk": risk,
            "outcome": outcome,
            "referral_date": np.datetime64("2024-01-01") + days,
            "prior_referrals": prior,
            "decile": decile,
            "need": pa.array(np.array(["a", "b", "c", "d"], dtype=object)[need]),
        })
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
        done += k
    assert writer is not None
    writer.close()


def ensure_data(folder: Path, rows: int, continuous: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    name = f"rows-{rows}" + ("-continuous" if continuous else "")
    data, ref = folder / f"{name}.parquet", folder / f"{name}-reference.parquet"
    if not data.exists():
        write_parquet(data, rows, 1, 0.0, continuous)
    if not ref.exists():
        write_parquet(ref, rows // 2, 2, 0.3, continuous)
    cfg = folder / f"{name}.yaml"
    cfg.write_text(CONFIG.format(name=name))
    return cfg


# --------------------------------------------------------------------------- one run (child)


def one_run(config: Path) -> dict[str, Any]:
    """The full audit once, stage by stage, and DuckDB's floor; in this process."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    import duckdb  # noqa: F401 - imports timed apart: a fixed cost per process
    import scipy.stats  # noqa: F401

    import essex_standard
    import essex_standard.standard
    from essex_standard.config import load_config

    times: dict[str, float] = {"imports": time.perf_counter() - start}

    @contextmanager
    def step(label: str):
        start = time.perf_counter()
        yield
        times[label] = time.perf_counter() - start

    start = time.perf_counter()
    cfg = load_config(config)
    result = essex_standard.audit(cfg, step=step)
    total = time.perf_counter() - start
    doc = json.loads(result.to_json())
    floor = duckdb_floor(config)
    return {"stages": times, "audit": total, "floor": floor,
            "rows": doc["data"]["rows"], "engine": doc["data"]["engine"],
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "load": load}


def duckdb_floor(config: Path) -> float:
    """DuckDB alone: the GROUP BY queries the engine sends, over both files."""
    import duckdb

    folder = config.parent
    name = config.stem
    queries = []
    for file, extra in ((f"{name}.parquet", ""), (f"{name}-reference.parquet", "")):
        src = f"read_parquet('{folder / file}')"
        queries += [
            f"SELECT outcome, risk, ethnicity, sex, COUNT(*) FROM {src} GROUP BY ALL{extra}",
            f"SELECT prior_referrals, decile, need, ethnicity, sex, COUNT(*) FROM {src} "
            "GROUP BY ALL",
        ]
    src = f"read_parquet('{folder / (name + '.parquet')}')"
    queries.append(f"SELECT outcome, referral_date, ethnicity, sex, CAST(risk >= 0.3 AS INT), "
                   f"COUNT(*) FROM {src} GROUP BY ALL")
    con = duckdb.connect()
    start = time.perf_counter()
    for q in queries:
        con.sql(q).fetchall()
    return time.perf_counter() - start


# --------------------------------------------------------------------------- driver


def run_size(rows: int, repeats: int, folder: Path, continuous: bool) -> dict[str, Any]:
    config = ensure_data(folder, rows, continuous)
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, __file__, "--child", str(config)],
                             capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    labels = list(runs[0]["stages"])
    return {
        "rows": rows,
        "continuous": continuous,
        "runs": runs,
        "median": {
            **{k: statistics.median(r["stages"][k] for r in runs) for k in labels},
            "audit": statistics.median(r["audit"] for r in runs),
            "floor": statistics.median(r["floor"] for r in runs),
            "peak_mb": statistics.median(r["peak_mb"] for r in runs),
            "load": statistics.median(r.get("load", float("nan")) for r in runs),
        },
    }


def versions() -> dict[str, str]:
    from importlib.metadata import version

    return {p: version(p) for p in ("essex-standard", "duckdb", "numpy", "pandas", "pyarrow")}


def table(results: list[dict[str, Any]]) -> str:
    head = "| full audit from Parquet (median of runs) | " + " | ".join(
        f"{r['rows']:,} rows{' (continuous score)' if r['continuous'] else ''}"
        for r in results) + " |"
    lines = [head, "|---|" + "---|" * len(results)]

    def row(label: str, key: str, fmt: str = "{:.2f} s") -> None:
        lines.append(f"| {label} | " + " | ".join(
            fmt.format(r["median"][key]) if key in r["median"] else "—" for r in results) + " |")

    row("Python imports (once per process; not in the total)", "imports")
    row("reading: the engine's GROUP BY queries and the load stage", "Reading the data")
    row("measuring: fairness, calibration, drift, over time", "Measuring")
    row("judging against the Standard", "Judging against the Standard")
    row("**audit total** (config, reading, measuring, judging)", "audit")
    row("floor: DuckDB alone, the same GROUP BY queries", "floor")
    lines.append("| audit ÷ floor | " + " | ".join(
        f"{r['median']['audit'] / r['median']['floor']:.1f}×" for r in results) + " |")
    row("peak memory (whole process)", "peak_mb", "{:,.0f} MB")
    row("machine load (1-minute load average at the start of a run)", "load", "{:.1f}")
    lines.append("| runs | " + " | ".join(str(len(r["runs"])) for r in results) + " |")
    return "\n".join(lines)


def write_doc(results: list[dict[str, Any]]) -> None:
    cpu = platform.processor() or platform.machine()
    body = "\n".join([
        START,
        "",
        f"`python benchmarks/scale.py` on {os.cpu_count()} cores ({cpu}), Python "
        f"{platform.python_version()}; " + ", ".join(f"{k} {v}" for k, v in
                                                      versions().items()) + ".",
        "",
        table(results),
        "",
        END,
    ])
    text = DOC.read_text(encoding="utf-8")
    if START in text and END in text:
        text = text[:text.index(START)] + body + text[text.index(END) + len(END):]
    else:
        text = text.rstrip() + "\n\n## Scale\n\n" + body + "\n"
    DOC.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/essex-scale"))
    parser.add_argument("--continuous", action="store_true")
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "scale.json")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run(args.child)))
        return
    results = []
    for rows in args.rows:
        res = run_size(rows, args.repeats, args.dir, args.continuous)
        results.append(res)
        print(json.dumps(res["median"]), file=sys.stderr)
    args.json.write_text(json.dumps(results, indent=1) + "\n")
    print(table(results))
    if not args.no_docs:
        write_doc(results)


if __name__ == "__main__":
    main()
