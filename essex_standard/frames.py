"""What a user holds → the pandas DataFrame and column names the pipeline takes.

``audit_frame`` should feel like fairlearn's ``MetricFrame``: people hold pandas, polars or
pyarrow tables, and they pass ``y_true=df["outcome"]`` or a numpy array as often as a column
name.  This module is the single place that accepts all of that.  Dataframes other than pandas
are read through `narwhals <https://narwhals-dev.github.io/narwhals/>`_ (the layer fairlearn and
scikit-learn use), column by column into numpy, so no pyarrow is needed for polars; arrays and
Series are attached as columns, positionally (as fairlearn does: an index is never aligned).

Every message names the argument and what to do, and never prints the values themselves: a
497-value array inside an error is noise, and may be personal data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError, DataError

_WHERE = "audit_frame()"
#: The roles that take one column: a name in ``df`` or one value per row.
ROLES = ("y_true", "y_pred", "y_score", "time")


@dataclass(frozen=True)
class FrameInputs:
    """The inputs of ``audit_frame`` as the pipeline takes them: one pandas frame and names."""

    frame: pd.DataFrame
    columns: Mapping[str, str | None]
    """``y_true``, ``y_pred``, ``y_score``, ``time`` → the column holding it (or None)."""
    sensitive_features: tuple[str, ...]


def to_pandas(obj: Any, what: str = "df") -> pd.DataFrame:
    """Any eager or lazy dataframe narwhals knows (pandas, polars, pyarrow, ...) as pandas.

    A pandas DataFrame is returned as it is; other frames are copied column by column.

    >>> import pyarrow as pa
    >>> to_pandas(pa.table({"sex": ["F", "M"], "y": [1, 0]})).dtypes.to_dict()["y"]
    dtype('int64')
    >>> to_pandas({"y": [1]})
    Traceback (most recent call last):
    ...
    essex_standard.errors.DataError: audit_frame(): 'df' is a dict, not a dataframe. Pass a \
pandas, polars or pyarrow table (any dataframe narwhals supports).
    """
    if isinstance(obj, pd.DataFrame):
        return obj
    native = _narwhals_frame(obj)
    if native is None:
        raise DataError(
            f"{_WHERE}: '{what}' is a {type(obj).__name__}, not a dataframe. Pass a pandas, "
            "polars or pyarrow table (any dataframe narwhals supports)."
        )
    if native.implementation.is_pandas():
        return native.to_native()
    return pd.DataFrame({name: _numpy(native.get_column(name)) for name in native.columns})


def _numpy(series: Any) -> Any:
    """A narwhals Series as numpy; zoned date-times keep their local wall-clock time.

    numpy has no time zones: converting would shift London midnight in summer to 23:00 the day
    before, and move rows across the month or quarter windows of fairness over time.
    """
    import narwhals.stable.v2 as nw

    dtype = series.dtype
    if isinstance(dtype, nw.Datetime) and dtype.time_zone is not None:
        series = series.dt.replace_time_zone(None)
    return series.to_numpy()


def _narwhals_frame(obj: Any) -> Any:
    """``obj`` as an eager narwhals DataFrame (lazy frames collected), or None."""
    if isinstance(obj, (Mapping, Sequence, np.ndarray)):
        return None  # narwhals would not take these either; say so in our words
    import narwhals.stable.v2 as nw

    wrapped = nw.from_native(obj, pass_through=True)
    if isinstance(wrapped, nw.LazyFrame):
        wrapped = wrapped.collect()
    return wrapped if isinstance(wrapped, nw.DataFrame) else None


def _series_name(obj: Any) -> str | None:
    name = getattr(obj, "name", None)
    if callable(name):  # pyarrow arrays have no name; guard against methods
        return None
    return name if isinstance(name, str) and name else None


def _values(obj: Any, what: str) -> Any:
    """A one-dimensional Series, array or list as values (pandas keeps its dtype), or an error."""
    if isinstance(obj, pd.Series):
        return obj.reset_index(drop=True)
    if isinstance(obj, (str, bytes)) or np.isscalar(obj) or obj is None:
        raise ConfigError(
            f"{_WHERE}: '{what}' is a {type(obj).__name__}; give a column name or one value per "
            "row (a list, numpy array or Series)."
        )
    import narwhals.stable.v2 as nw

    series = nw.from_native(obj, series_only=True, pass_through=True)
    if isinstance(series, nw.Series):
        return _numpy(series)
    if _narwhals_frame(obj) is not None:
        raise ConfigError(
            f"{_WHERE}: '{what}' is a whole table; pass one column of it (a Series or a name)."
        )
    array = np.asarray(obj, dtype=object if isinstance(obj, (list, tuple)) else None)
    if array.ndim != 1:
        raise ConfigError(
            f"{_WHERE}: '{what}' must be one-dimensional (one value per row); got an array of "
            f"shape {array.shape}."
        )
    if isinstance(obj, (list, tuple)):
        # Let pandas infer the dtype as it would for a column read from a file.
        return pd.Series(list(obj)).infer_objects()
    return array


class _Columns:
    """The pandas frame being built: the user's columns plus those passed as values."""

    def __init__(self, frame: pd.DataFrame | None):
        self.frame = frame
        self.added: dict[str, Any] = {}
        self.n_rows = None if frame is None else len(frame)

    def has(self, name: str) -> bool:
        return name in self.added or (self.frame is not None and name in self.frame.columns)

    def existing(self, name: str) -> Any:
        return self.added[name] if name in self.added else self.frame[name]  # type: ignore[index]

    def add(self, values: Any, name: str | None, default: str, what: str) -> str:
        n = len(values)
        if self.n_rows is None:
            self.n_rows = n
        elif n != self.n_rows:
            rows = "the DataFrame has" if self.frame is not None else "the first array has"
            raise DataError(
                f"{_WHERE}: '{what}' has {n} values but {rows} {self.n_rows} rows. Pass one "
                "value per row, in the same order."
            )
        chosen = name or default
        while self.has(chosen) and not _same(self.existing(chosen), values):
            if name is not None:
                raise DataError(
                    f"{_WHERE}: '{what}' is a Series named '{name}', but another input already "
                    f"has a different column '{name}'. Rename the Series (series.rename(...)) "
                    "or pass the column name instead."
                )
            chosen += "_"
        if not self.has(chosen):
            self.added[chosen] = values
        return chosen

    def result(self) -> pd.DataFrame:
        if not self.added:
            return self.frame if self.frame is not None else pd.DataFrame()
        base = (pd.DataFrame(index=pd.RangeIndex(self.n_rows or 0)) if self.frame is None
                else self.frame.reset_index(drop=True))
        extra = pd.DataFrame({k: _as_column(v) for k, v in self.added.items()})
        return pd.concat([base, extra], axis=1)


def _as_column(values: Any) -> Any:
    return values.reset_index(drop=True) if isinstance(values, pd.Series) else values


def _same(a: Any, b: Any) -> bool:
    left = pd.Series(np.asarray(a, dtype=object))
    right = pd.Series(np.asarray(b, dtype=object))
    return len(left) == len(right) and bool(left.equals(right))


def _is_table(obj: Any) -> bool:
    return isinstance(obj, pd.DataFrame) or (
        not isinstance(obj, (str, bytes)) and _narwhals_frame(obj) is not None
    )


def _sensitive(obj: Any, cols: _Columns) -> list[str]:
    """Each sensitive feature as a column name, fairlearn's forms included."""
    if obj is None:
        raise ConfigError(
            f"{_WHERE}: 'sensitive_features' is required: the protected characteristics, as "
            "column names (['ethnicity', 'sex']) or values (a Series, a list of Series, a 2-D "
            "array or a DataFrame)."
        )
    if isinstance(obj, str):
        return [obj]
    if _is_table(obj):
        table = to_pandas(obj, "sensitive_features")
        return [
            cols.add(table[c].reset_index(drop=True), str(c), str(c), f"sensitive_features['{c}']")
            for c in table.columns
        ]
    if isinstance(obj, Mapping):
        return [cols.add(_values(v, f"sensitive_features['{k}']"), str(k), str(k),
                         f"sensitive_features['{k}']") for k, v in obj.items()]
    if isinstance(obj, np.ndarray) and obj.ndim == 2:
        return [cols.add(obj[:, i], None, f"sensitive_feature_{i}", f"sensitive_features[:, {i}]")
                for i in range(obj.shape[1])]
    if isinstance(obj, (list, tuple)) and _names_not_values(obj, cols):
        return list(obj)
    if isinstance(obj, (list, tuple)) and not all(isinstance(x, str) for x in obj) and all(
        isinstance(x, str) or _is_one_column(x) for x in obj
    ):
        names = []
        for i, item in enumerate(obj):
            what = f"sensitive_features[{i}]"
            names.append(item if isinstance(item, str) else
                         cols.add(_values(item, what), _series_name(item),
                                  f"sensitive_feature_{i}", what))
        return names
    return [cols.add(_values(obj, "sensitive_features"), _series_name(obj),
                     "sensitive_feature_0", "sensitive_features")]


def _is_one_column(obj: Any) -> bool:
    return not isinstance(obj, (str, bytes)) and not np.isscalar(obj) and obj is not None


def _names_not_values(items: Sequence[Any], cols: _Columns) -> bool:
    """Is a list of strings column names (the original API) or the values of one feature?

    Names, when every item is a column; values, when there is no DataFrame, or when none is a
    column and there is one per row.  Otherwise names, so the missing one is reported by name.
    """
    if not items or not all(isinstance(x, str) for x in items):
        return False
    if cols.frame is None:
        return False
    known = [cols.has(x) for x in items]
    if all(known):
        return True
    return not (not any(known) and len(items) == cols.n_rows)


def frame_inputs(
    df: Any,
    *,
    sensitive_features: Any,
    y_true: Any = None,
    y_pred: Any = None,
    y_score: Any = None,
    time: Any = None,
) -> FrameInputs:
    """Resolve ``audit_frame``'s arguments into one pandas frame and column names.

    ``df`` may be any dataframe narwhals supports, or None when every input is given as values.
    ``y_true``, ``y_pred``, ``y_score`` and ``time`` are a column name or one value per row.
    ``sensitive_features`` is a column name, a list of names, or — as in fairlearn's
    ``MetricFrame`` — a Series, a list of Series or arrays, a dict of them, a 2-D array or a
    DataFrame.  Values without a name are called ``y_true`` ... and ``sensitive_feature_0`` ...

    >>> import numpy as np, pandas as pd
    >>> got = frame_inputs(None, y_true=np.array([1, 0, 1]), y_pred=[1, 1, 0],
    ...                    sensitive_features=pd.Series(["F", "M", "F"], name="sex"))
    >>> got.columns["y_true"], got.sensitive_features, got.frame.shape
    ('y_true', ('sex',), (3, 3))
    """
    cols = _Columns(None if df is None else to_pandas(df))
    names: dict[str, str | None] = {}
    for role, value in zip(ROLES, (y_true, y_pred, y_score, time), strict=True):
        if value is None or isinstance(value, str):
            if isinstance(value, str) and cols.frame is None:
                raise ConfigError(
                    f"{_WHERE}: {role}='{value}' names a column, but no DataFrame was given. "
                    "Pass the DataFrame first, or the values themselves."
                )
            names[role] = value
        else:
            names[role] = cols.add(_values(value, role), _series_name(value), role, role)
    sensitive = _sensitive(sensitive_features, cols)
    if len(set(sensitive)) != len(sensitive):
        dupes = sorted({s for s in sensitive if sensitive.count(s) > 1})
        raise ConfigError(
            f"{_WHERE}: 'sensitive_features' names {', '.join(map(repr, dupes))} more than once. "
            "Give each protected characteristic once (rename Series that share a name)."
        )
    if cols.frame is None and not cols.added:
        raise ConfigError(f"{_WHERE}: no data: pass a DataFrame or the values themselves.")
    return FrameInputs(frame=cols.result(), columns=names, sensitive_features=tuple(sensitive))


def check_reference_names(reference: Mapping[str, Any], sensitive: Sequence[str]) -> None:
    """A reference group named for an attribute that is not audited is a typo, not a no-op.

    >>> check_reference_names({"rac": "White"}, ["race"])
    Traceback (most recent call last):
    ...
    essex_standard.errors.ConfigError: audit_frame(): reference= names 'rac', which is not one \
of the sensitive features (race).
    """
    for key in reference:
        if key not in sensitive:
            raise ConfigError(
                f"{_WHERE}: reference= names '{key}', which is not one of the sensitive "
                f"features ({', '.join(sensitive)})."
            )
