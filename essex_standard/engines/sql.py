"""The one query every engine runs: distinct rows of the audited columns with their count.

``SELECT c1, c2, ..., COUNT(*) FROM source GROUP BY c1, c2, ...`` is the whole contract
between an engine and the measure stage: every figure of the audit is a function of that table
(``essex_standard.tables``).  The query is written once as an Ibis expression
(:func:`frequency_expr`), which Ibis compiles for Spark, BigQuery, Postgres, Snowflake...;
the embedded DuckDB engine sends the same statement as plain SQL (:func:`frequency_sql`),
because importing Ibis costs more than a whole audit of a million rows
(``docs/architecture.md``).  ``tests/test_engines.py`` checks that both give the same table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .memory import COUNT


def quote(name: str) -> str:
    """A column name as an SQL identifier (double quotes doubled).

    >>> quote("sex"), len(quote('a"b'))
    ('"sex"', 6)
    """
    return '"' + str(name).replace('"', '""') + '"'


def frequency_sql(source: str, columns: Sequence[str],
                  expressions: Sequence[str] | None = None) -> str:
    """``SELECT ..., COUNT(*) ... GROUP BY ALL`` over ``source`` (a table function or query).

    ``expressions``: what to select for each column (default: the column itself), e.g. a
    cleaning expression for a CSV column read as text.

    The rows are sorted: a parallel ``GROUP BY`` returns them in any order, and sums over
    them would then differ in their last bits from run to run (results.json is byte-identical
    for the same data on one machine).

    >>> frequency_sql("t", ["a", "b"])
    'SELECT "a" AS "a", "b" AS "b", COUNT(*) AS "__essex_n" FROM t GROUP BY ALL ORDER BY ALL'
    """
    exprs = expressions or [quote(c) for c in columns]
    select = ", ".join(f"{e} AS {quote(c)}" for e, c in zip(exprs, columns, strict=True))
    return (f"SELECT {select}, COUNT(*) AS {quote(COUNT)} FROM {source} GROUP BY ALL "
            "ORDER BY ALL")


def frequency_expr(table: Any, columns: Sequence[str]) -> Any:
    """The same query as an Ibis expression on ``table`` (any Ibis backend)."""
    cols = list(dict.fromkeys(columns))
    selected = table.select(cols)
    counted = selected.group_by(cols).aggregate(**{COUNT: selected.count()})
    return counted.order_by([*cols, COUNT])
