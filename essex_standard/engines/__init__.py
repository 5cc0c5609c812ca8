"""Engines: where the audited rows are reduced to the tables every figure is computed from.

The measure stage never needs the rows themselves, only *distinct rows with a count*
(frequency weights): every count table is then a weighted ``np.bincount`` and every quantile
an order statistic found on the cumulative counts (``essex_standard.tables``).  An engine is
what produces those distinct rows:

* ``memory`` — a DataFrame already in memory (``audit_frame``), measured row by row;
* ``duckdb`` — the default for files (CSV, Parquet, a folder or glob of Parquet files):
  ``GROUP BY`` ... ``COUNT(*)`` runs inside DuckDB, and no DataFrame of the rows is built;
* ``spark`` — a Spark table or query through the same Ibis expression.

See ``docs/engines.md``.
"""

from __future__ import annotations

from .memory import COUNT, frequency_table

__all__ = ["COUNT", "frequency_table"]
