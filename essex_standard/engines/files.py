"""DuckDB, the embedded default: frequency tables straight from CSV and Parquet files.

DuckDB reads the file and runs the ``GROUP BY`` (``sql.frequency_sql``); what comes back is
the distinct rows of the audited columns with their count, never a DataFrame of the rows.

CSV semantics are the project's, not DuckDB's: our own header check finds the separator and
the columns (``io.read_header``), every column is read as text, the spaces after a separator
are dropped, an empty cell and the ``data.missing_values`` tokens are missing, protected
columns stay text, and every other column is converted by pandas' own parser applied to its
*distinct* values (so ``01`` in a number column is 1, exactly as ``io.read_table`` reads it).
Anything DuckDB refuses (a ragged row, bad UTF-8, a quote it reads differently) raises
:class:`Fallback`: the caller then reads the file with ``io.read_table``, whose messages name
the file, line and column, so a hostile file gets the same error on every path.
"""

from __future__ import annotations

import glob as globbing
import hashlib
import io as textio
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, shown
from .memory import COUNT
from .sql import frequency_sql, quote
from .views import FLAG


class Fallback(Exception):
    """DuckDB could not read the input as ``io.read_table`` does; read it that way instead."""


def is_glob(path: Path) -> bool:
    return any(ch in str(path) for ch in "*?[")


def parquet_files(path: Path) -> list[Path] | None:
    """The Parquet files of a folder or glob, sorted (None when ``path`` is one file)."""
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.suffix.lower() in (".parquet", ".pq"))
    elif is_glob(path):
        found = sorted(Path(p) for p in globbing.glob(str(path), recursive=True))
    else:
        return None
    if not found or any(p.suffix.lower() not in (".parquet", ".pq") for p in found):
        # Not a set of Parquet files: io.read_table says what is wrong with the path.
        raise Fallback("not a folder or glob of Parquet files")
    return found


def sha256_files(paths: Sequence[Path]) -> str:
    """One hash for a set of files: SHA-256 over their names and contents, in sorted order."""
    from ..io import sha256_file

    digest = hashlib.sha256()
    for p in paths:
        digest.update(f"{p.name}\0{sha256_file(p)}\n".encode())
    return digest.hexdigest()


_CONNECTIONS: dict[str, Any] = {}


def connect(database: str | None = None) -> Any:
    """A DuckDB connection, opened once per process (in memory, or the database read-only)."""
    key = database or ":memory:"
    if key not in _CONNECTIONS:
        import duckdb

        _CONNECTIONS[key] = duckdb.connect(key, read_only=database is not None)
    return _CONNECTIONS[key]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _run(con: Any, sql: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Run a frequency query; the rows come back through Arrow (no per-row Python)."""
    relation = con.sql(sql)
    try:
        import pyarrow  # noqa: F401 - Arrow keeps the column types of Parquet exactly
    except ImportError:  # pragma: no cover - CSV columns are all text: pandas directly
        frame = relation.df()
    else:
        table = (relation.to_arrow_table() if hasattr(relation, "to_arrow_table")
                 else relation.arrow())
        frame = table.to_pandas()
    weights = frame.pop(COUNT).to_numpy(dtype=np.int64)
    return frame, weights


# --------------------------------------------------------------------------- CSV


def _flag_sql(column: str, cut: float) -> str:
    """``score >= cut`` as 0/1 in SQL, the cut-off parsed from its exact decimal text."""
    return f"CAST(({column}) >= CAST({_literal(repr(float(cut)))} AS DOUBLE) AS INTEGER)"


def read_csv_frequencies(
    path: Path, columns: Iterable[str], text_columns: Iterable[str] = (), role: str = "data",
    missing_values: Iterable[str] = (), optional: Iterable[str | None] = (),
    flag: tuple[str, float] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Distinct rows (read as ``io.read_table`` would) and their counts, from a CSV file."""
    from ..io import _check_columns, check_path, read_header

    wanted = list(dict.fromkeys(columns))
    text = set(text_columns)
    tokens = set(["", *missing_values])
    shown_path = check_path(path, role, "data.path" if role == "data" else "data.reference")
    if path.stat().st_size == 0:
        raise Fallback("empty file")
    sep, header = read_header(path, shown_path, role)
    _check_columns(shown_path, wanted, header, role)
    wanted += [c for c in dict.fromkeys(optional) if c and c in header and c not in wanted]
    # Positional names: the header may hold blank or odd names that DuckDB would rename.
    positions = {name: header.index(name) for name in wanted}
    spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
    source = (f"read_csv({_literal(str(path))}, delim={_literal(sep)}, quote='\"', "
              f"escape='\"', header=true, auto_detect=false, columns={spec}, "
              "strict_mode=true, null_padding=false, encoding='utf-8')")
    exprs = [f"ltrim(c{positions[c]}, ' ')" for c in wanted]
    names = list(wanted)
    if flag is not None:
        score = f"TRY_CAST(ltrim(c{header.index(flag[0])}, ' ') AS DOUBLE)"
        exprs.append(_flag_sql(score, flag[1]))
        names.append(FLAG)
    try:
        con = connect()
        frame, weights = _run(con, frequency_sql(source, names, exprs))
    except Exception as exc:  # noqa: BLE001 - any refusal: read it the project's way
        raise Fallback(str(exc)) from None
    if int(weights.sum()) == 0:
        raise Fallback("no rows")
    for col in wanted:
        frame[col] = _as_pandas_reads(frame[col], tokens, col in text)
    return frame, weights


def _as_pandas_reads(values: pd.Series, tokens: set[str], as_text: bool) -> pd.Series:
    """A column of raw CSV fields as ``pd.read_csv`` reads it (``keep_default_na=False``,
    ``na_values=tokens``), by parsing its distinct values with pandas itself."""
    raw = values.astype(object).where(values.notna(), "")
    codes, uniques = pd.factorize(raw)
    if as_text:
        cleaned = pd.array([None if u in tokens else u for u in uniques], dtype="string")
        return pd.Series(cleaned.take(codes), index=values.index, name=values.name)
    lines = ['"' + str(u).replace('"', '""') + '"' for u in uniques]
    parsed = pd.read_csv(textio.StringIO("x\n" + "\n".join(lines) + "\n"), keep_default_na=False,
                         na_values=sorted(tokens), dtype=None, low_memory=False)["x"]
    return pd.Series(parsed.to_numpy().take(codes), index=values.index, name=values.name)


# --------------------------------------------------------------------------- Parquet


def read_parquet_frequencies(
    path: Path, columns: Iterable[str], text_columns: Iterable[str] = (), role: str = "data",
    optional: Iterable[str | None] = (), files: Sequence[Path] | None = None,
    flag: tuple[str, float] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Distinct rows and their counts from a Parquet file, folder or glob."""
    wanted = list(dict.fromkeys(columns))
    paths = list(files) if files else [path]
    where = str(path)
    listing = "[" + ", ".join(_literal(str(p)) for p in paths) + "]"
    source = f"read_parquet({listing})"
    try:
        con = connect()
        names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
    except Exception as exc:  # noqa: BLE001
        if files:
            raise DataError(f"{where}: could not read the Parquet files: "
                            f"{shown(str(exc), 300)}.") from None
        raise Fallback(str(exc)) from None
    from ..io import _check_columns

    _check_columns(where, wanted, names, role)
    twice = [c for c in wanted if names.count(c) > 1]
    if twice:
        raise Fallback("duplicated column")
    wanted += [c for c in dict.fromkeys(optional) if c and c in names and c not in wanted]
    exprs = [quote(c) for c in wanted]
    if flag is not None:
        exprs.append(_flag_sql(quote(flag[0]), flag[1]))
        wanted = [*wanted, FLAG]
    frame, weights = _run(con, frequency_sql(source, wanted, exprs))
    if int(weights.sum()) == 0:
        if files:
            raise DataError(f"{where}: the Parquet files have no rows.")
        raise Fallback("no rows")
    for c in text_columns:
        if c in frame:
            frame[c] = frame[c].astype("string")
    return frame, weights


def read_frequencies(
    path: Path, columns: Iterable[str], text_columns: Iterable[str] = (), role: str = "data",
    missing_values: Iterable[str] = (), optional: Iterable[str | None] = (),
    flag: tuple[str, float] | None = None,
) -> tuple[pd.DataFrame, np.ndarray, list[Path]]:
    """Frequency table of a CSV or Parquet file, or of a folder or glob of Parquet files.

    Returns the distinct rows, their counts and the files read.  Raises :class:`Fallback`
    when a single file should be read by ``io.read_table`` instead (see the module doc).
    """
    files = parquet_files(path)
    if files is not None:
        table, weights = read_parquet_frequencies(path, columns, text_columns, role, optional,
                                                  files, flag)
        return table, weights, files
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table, weights = read_csv_frequencies(path, columns, text_columns, role, missing_values,
                                              optional, flag)
    elif suffix in (".parquet", ".pq") and path.is_file():
        table, weights = read_parquet_frequencies(path, columns, text_columns, role, optional,
                                                  flag=flag)
    else:
        raise Fallback("not a CSV or Parquet file")
    return table, weights, [path]
