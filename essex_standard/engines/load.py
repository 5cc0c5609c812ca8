"""The load stage on an engine: ask the engine for the frequency table, then prepare it.

``engine_data`` returns the prepared :class:`essex_standard.load.AuditData` built from the
engine's distinct rows with a count, or ``None`` when the caller must read the rows with
pandas instead (``data.engine: memory``, or a single file the engine cannot read exactly as
``io.read_table`` does, or whose table fails a check: reading it again gives the message that
names the row).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import ConfigError, EssexStandardError

if TYPE_CHECKING:
    from ..config import AuditConfig
    from ..load import AuditData
    from ..reference import ReferenceData


def _connection(cfg: AuditConfig) -> str | None:
    """The connection held by the environment variable ``data.connection`` names."""
    name = cfg.data.connection
    if name is None:
        return None
    value = os.environ.get(name)
    if not value:
        raise ConfigError(f"{cfg.source}: 'data.connection' names the environment variable "
                          f"{name}, which is not set. Set it to the connection (for duckdb, the "
                          "database file; for spark, the master URL) before running the audit.")
    return value


def _table_frequencies(cfg: AuditConfig, columns: list[str], text: list[str],
                       source: str | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """Frequency table of ``data.table`` / ``data.query`` (or ``source``, a table name) on the
    configured engine."""
    d = cfg.data
    if d.engine == "spark":
        from .spark import spark_frequencies

        return spark_frequencies(cfg, columns, text, _connection(cfg), source)
    from .files import _run, connect
    from .sql import frequency_sql, quote

    what = source or d.table
    con = connect(_connection(cfg))
    relation = f"({d.query})" if source is None and d.query else ".".join(
        quote(part) for part in str(what).split("."))
    try:
        names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
    except Exception as exc:  # noqa: BLE001 - the database's own message, shown
        from ..errors import DataError, shown

        raise DataError(f"{cfg.source}: the {d.engine} engine could not read "
                        f"{'data.query' if d.query and source is None else repr(what)}: "
                        f"{shown(str(exc), 300)}.") from None
    from ..io import _check_columns

    _check_columns(f"{cfg.source}: {'the query' if d.query else what}", columns, names, "data")
    table, weights = _run(con, frequency_sql(relation, columns))
    for c in text:
        if c in table:
            table[c] = table[c].astype("string")
    return table, weights


def engine_data(cfg: AuditConfig) -> AuditData | None:
    """The prepared data from the engine's frequency table (None: read the rows instead)."""
    from ..load import _columns_needed, _input_record, _shown, prepare

    d = cfg.data
    if d.engine == "memory":
        return None
    columns, protected = _columns_needed(cfg)
    if d.engine == "spark":
        from .spark import spark_frequencies

        master = _connection(cfg)

        def read(cols: list[str], flag: tuple[str, float] | None = None):
            return spark_frequencies(cfg, cols, protected, master, flag=flag)

        where = _shown(d.path, cfg.base_dir) if d.path else f"{cfg.source}: " + (
            f"table {d.table}" if d.table else "the query")
        found = _views(cfg, where, read)
        if found is not None:
            data = found
            if d.path is not None:
                data.inputs.insert(0, _spark_record(d.path, cfg.base_dir, data.n_rows))
            else:
                label = f"table {d.table}" if d.table else "the query"
                data.inputs.insert(0, {"role": "data", "path": label,
                                       "sha256": _sha(d.query or d.table or ""),
                                       "rows": data.n_rows})
            data.engine = d.engine
            return data
    if d.path is None or d.engine == "spark":
        table, weights = _table_frequencies(cfg, columns, protected)
        if d.path is not None:
            data = prepare(table, cfg, source=_shown(d.path, cfg.base_dir), weights=weights)
            data.inputs.insert(0, _spark_record(d.path, cfg.base_dir, data.n_rows))
            data.engine = d.engine
            return data
        label = f"table {d.table}" if d.table else "the query"
        data = prepare(table, cfg, source=f"{cfg.source}: {label}", weights=weights)
        data.inputs.insert(0, {"role": "data", "path": label, "sha256": _sha(d.query or
                                                                              d.table or ""),
                               "rows": data.n_rows})
        data.engine = d.engine
        return data
    from .files import Fallback, read_frequencies, sha256_files

    source = _shown(d.path, cfg.base_dir)
    path = d.path
    read_files: list[list[Path]] = []

    def read_file(cols: list[str], flag: tuple[str, float] | None = None):
        table, weights, files = read_frequencies(path, cols, protected, "data",
                                                 d.missing_values, flag=flag)
        read_files.append(files)
        return table, weights

    try:
        views = _views(cfg, source, read_file)
        found = None if views is None else (views, read_files[0])
        if found is None:
            table, weights, files = read_frequencies(d.path, columns, protected, "data",
                                                     d.missing_values)
            data = prepare(table, cfg, source=source, weights=weights)
        else:
            data, files = found
    except Fallback:
        return None
    except EssexStandardError:
        if d.path.is_file():
            return None  # the rows, read again, give the message naming the row
        raise
    single = files == [d.path]
    if single:
        record = _input_record("data", d.path, cfg.base_dir, data.n_rows)
    else:
        record = {"role": "data", "path": _shown(d.path, cfg.base_dir),
                  "sha256": sha256_files(files), "rows": data.n_rows}
    data.inputs.insert(0, record)
    data.engine = d.engine
    return data


def _views(cfg: AuditConfig, source: str, read: Any) -> AuditData | None:
    """One frequency table per view (``views.plan``), or None when one table is right.

    ``read(columns, flag=None)``: the engine's frequency table of ``columns`` (and of the flag
    ``score >= cut`` when ``flag`` is ``(score column, cut)``)."""
    from ..load import prepare, prepare_groups
    from .views import FLAG, flags_agree, merge_missing, plan, time_config

    views = plan(cfg)
    d = cfg.data
    if views is None:
        return None
    table, weights = read(views["main"])
    data = prepare(table, cfg, source=source, weights=weights, columns=views["main"])
    if "time" in views:
        cut = data.predictions.get("effective_threshold")
        flag = None if d.y_pred or d.y_score is None or cut is None else (d.y_score, cut)
        t, tw = read(views["time"], flag)
        columns = views["time"] + ([FLAG] if flag else [])
        view = prepare(t, time_config(cfg), source=source, weights=tw, columns=columns)
        if view.n_rows != data.n_rows or not flags_agree(data, view):
            return None
        data.views["time"] = view
    if "features" in views:
        f, fw = read(views["features"])
        view = prepare_groups(f, cfg, source, fw, views["features"])
        if view.n_rows != data.n_rows:
            return None
        data.views["features"] = view
    merge_missing(data, cfg)
    return data


def _spark_record(path: Path, base: Path, rows: int) -> dict[str, Any]:
    from ..load import _input_record, _shown
    from .files import parquet_files, sha256_files

    files = parquet_files(path)
    if files is None:
        return _input_record("data", path, base, rows)
    return {"role": "data", "path": _shown(path, base), "sha256": sha256_files(files),
            "rows": rows}


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def engine_reference(cfg: AuditConfig, features: list[str], cut: float | None
                     ) -> tuple[ReferenceData, dict[str, Any]] | None:
    """The reference data from the engine's frequency table, with its input record (None:
    read the rows instead)."""
    from ..load import _input_record, _shown
    from ..reference import _required, reference_from_frame

    d = cfg.data
    if d.engine == "memory" or d.reference is None:
        return None  # the reference is a file: DuckDB reads it whatever the main engine
    from .files import Fallback, read_frequencies, sha256_files
    from .views import plan

    path = Path(d.reference)
    protected = [p.column for p in cfg.protected]
    views = plan(cfg)
    split = views is not None and "features" in views
    src = f"the reference data ({path.name})"
    try:
        if split:
            assert views is not None
            # One table for outcome, score and flags, one for the features (fewer rows each).
            table, weights, files = read_frequencies(
                path, protected, protected, "reference data", d.missing_values,
                optional=[d.y_true, d.y_score, d.y_pred])
            f, fw, _ = read_frequencies(path, views["features"], protected, "reference data",
                                        d.missing_values)
            if int(fw.sum()) != int(weights.sum()):
                return None
            ref = reference_from_frame(table, cfg, features, cut, src, weights, (f, fw))
        else:
            table, weights, files = read_frequencies(
                path, _required(cfg, features), protected, "reference data", d.missing_values,
                optional=[d.y_true, d.y_score, d.y_pred, d.time])
            ref = reference_from_frame(table, cfg, features, cut, src, weights)
    except Fallback:
        return None
    except EssexStandardError:
        if path.is_file():
            return None  # read again by io.read_table, for the message naming the row
        raise
    single = files == [path]
    if single:
        record = _input_record("reference", path, cfg.base_dir, ref.n_rows)
    else:
        record = {"role": "reference", "path": _shown(path, cfg.base_dir),
                  "sha256": sha256_files(files), "rows": ref.n_rows}
    return ref, record
