"""Spark, for data past one machine: the frequency table through Ibis's PySpark backend.

The query is :func:`.sql.frequency_expr`, the same Ibis expression any Ibis backend runs;
Spark executes the ``GROUP BY`` where the data lives and only the distinct rows with their
count come back to the driver (through Arrow).  The session is the active one when there is
one (a Databricks notebook, a test fixture), else a new one on the master URL held by the
environment variable ``data.connection`` names (e.g. ``local[2]`` or ``spark://host:7077``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError, shown
from .memory import COUNT
from .sql import frequency_expr

if TYPE_CHECKING:
    from ..config import AuditConfig


def session(master: str | None) -> Any:
    """The active Spark session, or a new one on ``master``."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - depends on the environment
        raise ConfigError("data.engine is spark but pyspark is not installed: "
                          "pip install 'essex-standard[spark]'.") from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName("essex-standard")
    if master:
        builder = builder.master(master)
    return builder.getOrCreate()


def spark_frequencies(cfg: AuditConfig, columns: list[str], text: list[str],
                      master: str | None, source: str | None = None,
                      flag: tuple[str, float] | None = None,
                      ) -> tuple[pd.DataFrame, np.ndarray]:
    """Distinct rows of the audited columns and their counts, computed by Spark
    (``flag``: add ``score >= cut`` as the column ``views.FLAG``)."""
    import ibis

    d = cfg.data
    con = ibis.pyspark.connect(session(master))
    try:
        if d.query and source is None:
            table, what = con.sql(d.query), "data.query"
        elif d.table or source:
            table, what = con.table(source or d.table), repr(source or d.table)
        else:
            assert d.path is not None
            path = Path(d.path)
            if path.suffix.lower() == ".csv":
                raise ConfigError(
                    f"{cfg.source}: the spark engine reads Parquet files or tables, not CSV "
                    "(its CSV reader does not follow the audit's rules for separators and "
                    "missing values). Convert the file to Parquet, load it as a table, or use "
                    "the duckdb engine.")
            table, what = con.read_parquet(str(path)), str(path)
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - Spark's own message, shown
        raise DataError(f"{cfg.source}: the spark engine could not read the data: "
                        f"{shown(str(exc), 300)}.") from None
    from ..io import _check_columns

    _check_columns(f"{cfg.source}: {what}", columns, list(table.columns), "data")
    if flag is not None:
        from .views import FLAG

        table = table.mutate(**{FLAG: (table[flag[0]] >= float(flag[1])).cast("int32")})
        columns = [*columns, FLAG]
    frame = frequency_expr(table, columns).to_pyarrow().to_pandas()
    weights = frame.pop(COUNT).to_numpy(dtype=np.int64)
    for c in text:
        if c in frame:
            frame[c] = frame[c].astype("string")
    return frame, weights
