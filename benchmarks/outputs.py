"""Benchmark: how long ``audit`` takes to write its nine outputs for a bundled example.

Issue 12's target: all nine outputs of the children's social care example written in ≤ 5 s.

Each run is a fresh Python process (so imports, font loading and WeasyPrint's first-use costs
count, as they do for a user running ``essex-standard audit``).  The child process runs the
audit (timed apart: that is the measurement stage, not the outputs), then
:func:`essex_standard.outputs.write_outputs` into a temporary folder with a ``step`` hook that
times each output (wall clock with ``time.perf_counter`` and this process's CPU time), and the
whole call (which also validates results.json and swaps the folder into place).

The table gives medians over ``--repeats`` runs (at least 3).  The machine is shared, so the
load average is recorded at the start and end; CPU time is printed beside wall time because it
moves less with the load.

Examples::

    python benchmarks/outputs.py                       # 3 runs, prints the table
    python benchmarks/outputs.py --repeats 5 --write   # and update docs/benchmarks.md
    python benchmarks/outputs.py --config examples/compas/audit.yaml --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- outputs:start -->", "<!-- outputs:end -->"

CHILD = r"""
import json, resource, sys, tempfile, time
from contextlib import contextmanager
t0 = time.perf_counter()
import essex_standard
from essex_standard.outputs import write_outputs
result = essex_standard.audit(sys.argv[1])
audit_s = time.perf_counter() - t0
steps = {}

@contextmanager
def step(label):
    w, c = time.perf_counter(), time.process_time()
    yield
    steps[label.removeprefix("Writing ")] = (time.perf_counter() - w, time.process_time() - c)

def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime

with tempfile.TemporaryDirectory() as tmp:
    w, c, k = time.perf_counter(), time.process_time(), children_cpu()
    out = write_outputs(result, tmp + "/out", step=step)
    # CPU of this process and of the forked PDF renderer (joined before write_outputs returns)
    total = (time.perf_counter() - w, time.process_time() - c + children_cpu() - k)
    assert out.complete and len(out) == 9, out.skipped
print(json.dumps({"audit": audit_s, "steps": steps, "total": total}))
"""


def run_once(config: Path, serial: bool = False) -> dict:
    """One fresh process: audit, then the nine outputs, timed."""
    env = dict(os.environ)
    if serial:
        env["ESSEX_STANDARD_NO_FORK"] = "1"
    proc = subprocess.run([sys.executable, "-c", CHILD, str(config)], capture_output=True,
                          text=True, check=True, cwd=ROOT, env=env)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def summarise(runs: list[dict]) -> dict:
    """Medians (wall, CPU) per output and of the total."""
    names = list(runs[0]["steps"])
    med = {n: (statistics.median(r["steps"][n][0] for r in runs),
               statistics.median(r["steps"][n][1] for r in runs)) for n in names}
    med["total"] = (statistics.median(r["total"][0] for r in runs),
                    statistics.median(r["total"][1] for r in runs))
    return {"outputs": med, "audit": statistics.median(r["audit"] for r in runs),
            "walls": [r["total"][0] for r in runs]}


def table(summary: dict, config: str, repeats: int, load: tuple[str, str],
          serial: bool = False) -> str:
    import weasyprint

    import essex_standard

    rows = [f"| `{n}` | {w:.2f} s | {c:.2f} s |" for n, (w, c) in summary["outputs"].items()
            if n != "total"]
    w, c = summary["outputs"]["total"]
    walls = ", ".join(f"{x:.2f}" for x in summary["walls"])
    return "\n".join([
        f"Measured on {time.strftime('%Y-%m-%d')} by `python benchmarks/outputs.py "
        f"--repeats {repeats}{' --serial' if serial else ''}` on `{config}`: medians of "
        f"{repeats} runs, each a fresh process"
        f"{', every output in one process' if serial else ''}. "
        f"Load average (1 min) at the start / end: {load[0]} / {load[1]} on {os.cpu_count()} "
        f"CPUs (shared machine). essex-standard {essex_standard.__version__}, WeasyPrint "
        f"{weasyprint.__version__}, Python {platform.python_version()}.",
        "",
        "| output | wall (median) | CPU (median) |",
        "|---|---|---|",
        *rows,
        f"| **all nine, `write_outputs`** | **{w:.2f} s** | {c:.2f} s |",
        "",
        f"Total wall time of each run: {walls} s.  The audit itself (reading, measuring, "
        f"judging; not an output) took {summary['audit']:.2f} s (median) before them."
        + ("" if serial else "  The technical PDF is rendered in a forked process beside "
           "the others: its row is the time spent waiting for it after they were written, and "
           "its CPU is counted in the total only."),
    ])


def write_doc(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8")
    if START not in doc:
        raise SystemExit(f"{DOC}: markers {START} / {END} not found")
    head, rest = doc.split(START, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", default="examples/childrens-social-care/audit.yaml")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    ap.add_argument("--json", type=Path, help="also save the raw runs here")
    ap.add_argument("--serial", action="store_true",
                    help="render every output in one process (ESSEX_STANDARD_NO_FORK=1)")
    args = ap.parse_args(argv)
    if args.repeats < 3:
        ap.error("--repeats: medians need at least 3 runs")
    load_start = f"{os.getloadavg()[0]:.1f}"
    runs = []
    for i in range(args.repeats):
        runs.append(run_once(ROOT / args.config, args.serial))
        print(f"run {i + 1}: {runs[-1]['total'][0]:.2f} s", file=sys.stderr)
    load_end = f"{os.getloadavg()[0]:.1f}"
    text = table(summarise(runs), args.config, args.repeats, (load_start, load_end), args.serial)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(runs, indent=1), encoding="utf-8")
    if args.write:
        write_doc(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
