"""Time Aequitas on the benchmark rows; run by ``bench_vs_peers.py`` inside its own venv.

Aequitas 1.x needs pandas < 3, which the project's environment does not have, so the parent
runs this file with ``benchmarks/.venv-aequitas/bin/python`` and reads one JSON line from
stdout: ``{"aequitas": version, "pandas": version, "sizes": {rows: {"runs": [...]}}}``.

What is timed (wall clock): Aequitas's group table (``Group().get_crosstabs``: counts and
the rates per group of each attribute) followed by its disparities against the same reference
groups as essex-standard (``Bias().get_disparity_predefined_groups``), i.e. what an analyst
runs to get Aequitas's audit table.  Significance tests are off (Aequitas's default).
"""

from __future__ import annotations

import gc
import json
import sys
import time
import warnings
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _peer_data import make_frame

REFERENCE = {"ethnicity": "White", "sex": "F"}


def run_once(df) -> float:
    from aequitas.bias import Bias
    from aequitas.group import Group

    start = time.perf_counter()
    xtab, _ = Group().get_crosstabs(df, attr_cols=["ethnicity", "sex"])
    Bias().get_disparity_predefined_groups(
        xtab, original_df=df, ref_groups_dict=REFERENCE, check_significance=False)
    return time.perf_counter() - start


def main() -> None:
    sizes = [int(s) for s in sys.argv[1].split(",")]
    seed, repeats = int(sys.argv[2]), int(sys.argv[3])
    warnings.simplefilter("ignore")
    import logging

    logging.disable(logging.WARNING)
    out: dict = {"aequitas": version("aequitas"), "pandas": version("pandas"), "sizes": {}}
    for rows in sizes:
        frame = make_frame(rows, seed)
        df = frame.rename(columns={"y_pred": "score", "y_true": "label_value"})[
            ["score", "label_value", "ethnicity", "sex"]]
        run_once(df.head(1000))  # warm the imports
        runs = []
        for _ in range(repeats):
            gc.collect()
            runs.append(run_once(df))
        out["sizes"][str(rows)] = {"runs": runs}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
