"""Disclosure control on the bundled examples: the exact minimum-loss plan against the greedy
fallback (docs/privacy.md).

    python benchmarks/suppression.py [results.json ...]

For each plan: figures hidden (of all figures a public output could show), the information
lost (people whose figure is hidden, weighted as the solver weights it), rows hidden in full,
rows of 1,000 or more people hidden in full, the narrowest range an LP attacker can narrow a
hidden small count to, and the time taken.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from essex_standard.disclosure_check import Attack
from essex_standard.suppression import build_table, cost, plan_suppression

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [ROOT / "docs" / "examples" / n / "results.json"
            for n in ("childrens-social-care", "childrens-social-care-later", "compas")]


def summary(doc: dict, status: dict, table) -> dict:
    hidden = [c for c, s in status.items() if s != "shown"]
    rows = {}
    for (unit, _figure), s in status.items():
        rows.setdefault(unit, []).append(s != "shown")
    full = [u for u, h in rows.items() if all(h)]
    m = int(doc["settings"]["privacy"]["min_cell"])
    zero = bool(doc["settings"]["privacy"].get("suppress_zero", True))
    narrow = Attack(table, status).narrowest(lambda v: v < m and (v != 0 or zero))
    total_cost = sum(cost(table, c) for c in status)
    return {
        "figures": len(status), "hidden": len(hidden),
        "hidden_share": round(len(hidden) / len(status), 3),
        "secondary": sum(s == "secondary" for s in status.values()),
        "loss_share": round(sum(cost(table, c) for c in hidden) / total_cost, 4),
        "rows_full": len(full),
        "rows_1000_full": sum(table.n[u] >= 1000 for u in full),
        "narrowest_range": narrow,
    }


def main(paths: list[Path]) -> None:
    for path in paths:
        doc = json.loads(path.read_text())
        table = build_table(doc)
        m = int(doc["settings"]["privacy"]["min_cell"])
        zero = bool(doc["settings"]["privacy"].get("suppress_zero", True))
        for method in ("optimal", "greedy"):
            start = time.perf_counter()
            plan = plan_suppression(table, m, zero, method)
            took = time.perf_counter() - start
            print(path.parent.name, method, plan.method, f"{took:.2f}s",
                  json.dumps(summary(doc, plan.status, table)))


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or EXAMPLES)
