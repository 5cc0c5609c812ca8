"""Derive the COMPAS example data set from ProPublica's published file.

ProPublica's ``compas-scores-two-years.csv`` holds personal data of real
defendants (names, dates of birth, case numbers, jail dates). An audit needs
none of those, so this script keeps only the columns an audit uses and writes
``data/compas-two-years.csv`` next to this file. The derived file is committed
to the repository so that the example never depends on the source location at
run time; this script documents exactly how it was made.

Run::

    python examples/compas/prepare_data.py [path/to/compas-scores-two-years.csv]

The output is deterministic: values are copied verbatim as text (no numeric
re-formatting), rows keep their original order, and lines end with ``\\n``.
"""

from __future__ import annotations

import csv
import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = Path("/work/shared/data/compas/compas-scores-two-years.csv")
OUTPUT = HERE / "data" / "compas-two-years.csv"

# sha256 of ProPublica's file at propublica/compas-analysis commit
# bafff5da3f2e45eca6c2d5055faad269defd135a. Checked so that a different
# (e.g. re-exported or edited) copy is not silently used.
SOURCE_SHA256 = "c451db85908b2f7fef1d83203bedf6b71ecda0d5af468d82ae62178f91d0cc7d"
EXPECTED_ROWS = 7214

# Columns kept, in output order. Everything else is dropped, in particular the
# direct identifiers (name, first, last, dob), case numbers and jail/custody
# dates. compas_screening_date is kept: it is the date of the assessment (not
# a date of birth) and is needed for fairness-over-time windows.
KEEP = [
    "id",
    "sex",
    "age",
    "age_cat",
    "race",
    "juv_fel_count",
    "juv_misd_count",
    "juv_other_count",
    "priors_count",
    "c_charge_degree",
    "decile_score",
    "score_text",
    "two_year_recid",
    "compas_screening_date",
]


def sha256(path: Path) -> str:
    """Return the hex sha256 of a file, so provenance can be checked and cited."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_rows(source: Path) -> tuple[list[str], list[list[str]]]:
    """Read the source CSV as raw text, keeping every value exactly as written.

    The stdlib reader is used rather than pandas so that nothing is re-typed:
    pandas would turn blanks into NaN and integers with gaps into floats.
    """
    with source.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    return header, rows


def column_index(header: list[str], name: str) -> int:
    """Return the position of ``name`` in the header.

    The source header repeats ``decile_score`` and ``priors_count``. Both copies
    must agree (checked in :func:`main`), so the first occurrence is used.
    """
    return header.index(name)


def main(argv: list[str]) -> int:
    """Write the derived CSV and print its row count and sha256."""
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    digest = sha256(source)
    if digest != SOURCE_SHA256:
        print(
            f"error: {source} has sha256 {digest}, expected {SOURCE_SHA256}",
            file=sys.stderr,
        )
        return 1

    header, rows = read_rows(source)
    if len(rows) != EXPECTED_ROWS:
        print(f"error: expected {EXPECTED_ROWS} rows, found {len(rows)}", file=sys.stderr)
        return 1

    # The duplicated columns must be identical, otherwise "the first copy" would
    # be an arbitrary choice.
    for name in ("decile_score", "priors_count"):
        positions = [i for i, h in enumerate(header) if h == name]
        for row in rows:
            if len({row[i] for i in positions}) != 1:
                print(
                    f"error: duplicated column {name!r} disagrees for id {row[0]}",
                    file=sys.stderr,
                )
                return 1

    indices = [column_index(header, name) for name in KEEP]
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with OUTPUT.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(KEEP)
        for row in rows:
            writer.writerow([row[i] for i in indices])

    print(f"wrote {OUTPUT} ({len(rows)} rows, {len(KEEP)} columns)")
    print(f"source sha256  {digest}")
    print(f"derived sha256 {sha256(OUTPUT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
