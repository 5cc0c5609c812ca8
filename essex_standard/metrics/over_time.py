"""Fairness over time: group metrics and disparities per time window, and their trend.

A reviewer needs to see whether a gap is closing or widening, not one pooled number.  The rows
are split into windows by the time column (``data.time``): calendar months, quarters, or a
fixed number of windows holding roughly equal numbers of rows.  Each window gets the same
Wilson / Newcombe figures as the pooled fairness section, from one ``window × group × y_true ×
y_pred`` count table per attribute.  A window (or group within it) smaller than the minimum
size says so instead of being judged.  The trend of each gap is an inverse-variance weighted
least-squares slope across windows, with a Wald interval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..config import check_keys
from ..errors import ConfigError, DataError
from ..groups import Grouping
from ..tables import confusion_table, quantile, total
from .disparities import rate_disparities
from .fairness import rate_entry
from .rates import RATES
from .uncertainty import z_value

OPTION_KEYS = ("window", "metrics", "min_window_size", "attributes")
DEFAULT_METRICS = ("selection_rate", "true_positive_rate", "false_positive_rate",
                   "false_negative_rate", "positive_predictive_value")


@dataclass(frozen=True)
class OverTimeOptions:
    """``over_time:`` in audit.yaml.

    ``window``: ``monthly`` (default), ``quarterly`` or a whole number of windows with about
    equal numbers of rows.  ``metrics``: rates to follow (default selection rate, TPR, FPR,
    FNR, PPV: the Standard's criterion on widening error-rate gaps reads FPR and FNR).
    ``min_window_size``: rows a group needs in a window to be judged (default
    ``min_group_size``).  ``attributes``: protected columns to follow (default all).
    """

    window: str | int = "monthly"
    metrics: tuple[str, ...] = DEFAULT_METRICS
    min_window_size: int | None = None
    attributes: tuple[str, ...] | None = None


def parse_options(raw: Any, src: str = "the config") -> OverTimeOptions:
    """Validate the ``over_time`` section; every error names the key and the fix."""
    if raw is None:
        return OverTimeOptions()
    if not isinstance(raw, Mapping):
        raise ConfigError(
            f"{src}: 'over_time' must be a mapping, e.g. 'over_time: {{window: quarterly}}'."
        )
    check_keys("over_time.", raw, OPTION_KEYS, src)
    out: dict[str, Any] = {}
    if "window" in raw:
        w = raw["window"]
        ok = w in ("monthly", "quarterly") or (isinstance(w, int) and not isinstance(w, bool)
                                                and w >= 2)
        if not ok:
            raise ConfigError(
                f"{src}: 'over_time.window' is {w!r}; use 'monthly', 'quarterly' or a whole "
                "number of windows (at least 2)."
            )
        out["window"] = w
    if "metrics" in raw:
        m = raw["metrics"]
        if not isinstance(m, list) or not m or any(x not in RATES for x in m):
            raise ConfigError(
                f"{src}: 'over_time.metrics' must list rates from: {', '.join(RATES)}; got {m!r}."
            )
        out["metrics"] = tuple(m)
    if "min_window_size" in raw:
        n = raw["min_window_size"]
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ConfigError(f"{src}: 'over_time.min_window_size' must be a whole number >= 1.")
        out["min_window_size"] = n
    if "attributes" in raw:
        a = raw["attributes"]
        if not isinstance(a, list) or not all(isinstance(x, str) for x in a):
            raise ConfigError(f"{src}: 'over_time.attributes' must be a list of protected columns.")
        out["attributes"] = tuple(a)
    return OverTimeOptions(**out)


# --------------------------------------------------------------------------- windows


@dataclass(frozen=True)
class Windows:
    """Window code per row (-1 = no time recorded) and each window's label and date span."""

    codes: np.ndarray
    labels: tuple[str, ...]
    starts: tuple[str, ...]
    ends: tuple[str, ...]


def parse_times(values: pd.Series, column: str, src: str | None = None) -> pd.Series:
    """Dates from the time column; a value that is present but not a date is an error.

    A numeric column (0/1, 2024, 20240331) is refused: pandas would read its numbers as
    nanoseconds after 1 January 1970.  Rows are numbered as in the file (header = row 1).
    """
    where = f"{src}: " if src else ""
    values = values.reset_index(drop=True)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        present = np.flatnonzero(values.notna().to_numpy())
        first = ""
        if len(present):
            i = int(present[0])
            v = values.iloc[i]
            first = f" ({(v.item() if hasattr(v, 'item') else v)!r} at row {i + 2})"
        raise DataError(
            f"{where}the time column '{column}' (data.time) holds numbers{first}, not dates; read "
            "as dates they would fall in January 1970. Point 'data.time' at a date column, or "
            "write the dates as ISO dates (2024-03-31)."
        )
    times = pd.to_datetime(values, errors="coerce", format="mixed")
    bad = times.isna() & values.notna() & (values.astype("string").str.strip() != "")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{where}the time column '{column}' holds {values.iloc[i]!r} at row {i + 2}, which is "
            "not a date. Use ISO dates (2024-03-31) or fix 'data.time'."
        )
    return times


def make_windows(times: pd.Series, window: str | int,
                 weights: np.ndarray | None = None) -> Windows:
    """Split rows into calendar windows or ``window`` windows of about equal size
    (``weights``: the rows' frequencies, for the equal-size cuts).

    >>> w = make_windows(pd.Series(pd.to_datetime(["2024-01-05", "2024-02-01", None])), "monthly")
    >>> w.codes.tolist(), w.labels
    ([0, 1, -1], ('2024-01', '2024-02'))
    """
    ok = times.notna().to_numpy()
    codes = np.full(len(times), -1, dtype=np.int64)
    if not ok.any():
        return Windows(codes, (), (), ())
    t = times[ok]
    if isinstance(window, str):
        # Integer period keys (year·12 + month, or year·4 + quarter): comparing pandas Period
        # objects row by row is a hundred times slower on millions of rows.
        per_year = 12 if window == "monthly" else 4
        month = t.dt.month.to_numpy() - 1
        key = t.dt.year.to_numpy().astype(np.int64) * per_year + (
            month if per_year == 12 else month // 3)
        uniq = np.unique(key)
        codes[ok] = np.searchsorted(uniq, key)
        freq = "M" if per_year == 12 else "Q"
        periods = [pd.Period(year=int(k // per_year), month=int(k % per_year) * (12 // per_year)
                             + 1, freq=freq) for k in uniq]
        labels = tuple(str(p) for p in periods)
        starts = tuple(p.start_time.date().isoformat() for p in periods)
        ends = tuple(p.end_time.date().isoformat() for p in periods)
        return Windows(codes, labels, starts, ends)
    ns = t.to_numpy().astype("datetime64[ns]").astype(np.int64)
    cuts = quantile(ns, np.linspace(0, 1, window + 1)[1:-1], "lower",
                    None if weights is None else weights[ok])
    w = np.searchsorted(np.unique(cuts), ns, side="left")  # a tie goes to the earlier window
    present = np.unique(w)
    codes[ok] = np.searchsorted(present, w)
    starts, ends = [], []
    for k in range(len(present)):
        sel = ns[codes[ok] == k]
        starts.append(pd.Timestamp(sel.min()).date().isoformat())
        ends.append(pd.Timestamp(sel.max()).date().isoformat())
    labels = tuple(f"{s} to {e}" for s, e in zip(starts, ends, strict=True))
    return Windows(codes, labels, tuple(starts), tuple(ends))


# --------------------------------------------------------------------------- per window


def _group_block(counts: np.ndarray, grouping: Grouping, metrics: list, level: float,
                 min_n: int) -> dict[str, Any]:
    """Rates and disparities of every group within one window (``counts``: G × 2 × 2)."""
    ref = grouping.reference
    groups: dict[str, Any] = {}
    # every group's disparities of the window in one root search (rate_disparities)
    keys = [(g, m.name) for g in range(grouping.n_groups) if g != ref and counts[g].sum() > 0
            for m in metrics]
    by_name = {m.name: m for m in metrics}
    solved = dict(zip(keys, rate_disparities(
        [tuple(int(v) for v in (*by_name[k].counts(counts[g]), *by_name[k].counts(counts[ref])))
         for g, k in keys], level), strict=True))
    for g, label in enumerate(grouping.labels):
        n = int(counts[g].sum())
        if n == 0:
            continue
        entry: dict[str, Any] = {"n": n, "small": n < min_n, "metrics": {}, "disparities": {}}
        if n < min_n:
            entry["reason"] = f"insufficient evidence: {n} rows in this window (minimum {min_n})"
        for m in metrics:
            x, d = (int(v) for v in m.counts(counts[g]))
            entry["metrics"][m.name] = rate_entry(m, x, d, level)
            if g != ref:
                entry["disparities"][m.name] = solved[(g, m.name)]
        if g == ref:
            entry["is_reference"] = True
        groups[label] = entry
    return {"reference_group": grouping.reference_label, "groups": groups}


def weighted_trend(values: list[float], ses: list[float], index: list[int],
                   level: float) -> dict[str, Any]:
    """Inverse-variance weighted least-squares slope of a gap over window index.

    >>> t = weighted_trend([0.0, 0.1, 0.2], [0.01, 0.01, 0.01], [0, 1, 2], 0.95)
    >>> round(t["value"], 6), t["direction"]
    (0.1, 'widening')
    """
    d, se, t = np.asarray(values), np.asarray(ses), np.asarray(index, float)
    w = 1 / se**2
    t_bar, d_bar = np.sum(w * t) / w.sum(), np.sum(w * d) / w.sum()
    sxx = np.sum(w * (t - t_bar) ** 2)
    slope = float(np.sum(w * (t - t_bar) * (d - d_bar)) / sxx)
    s = float(1 / np.sqrt(sxx))
    z = z_value(level)
    p = float(2 * stats.norm.sf(abs(slope) / s))
    lo, hi = slope - z * s, slope + z * s
    if lo <= 0 <= hi:
        direction = "no clear trend"
    elif np.sign(slope) == np.sign(d_bar):
        direction = "widening"
    else:
        direction = "closing"
    # The same slope signed so that positive means "the gap grows away from zero", which is
    # what a criterion about widening gaps needs whichever side of the reference a group is on.
    sign = 1.0 if d_bar >= 0 else -1.0
    widening = {"value": sign * slope, "ci": sorted([sign * lo, sign * hi]),
                "unit": "growth of the absolute gap per window"}
    return {"value": slope, "ci": [lo, hi], "p_value": p, "direction": direction,
            "windows_used": len(values), "mean_gap": float(d_bar), "widening": widening,
            "unit": "change in the difference from the reference group per window"}


def _trends(windows: list[dict[str, Any]], attr: str, labels: tuple[str, ...], ref: str,
            metrics: list, level: float) -> dict[str, Any]:
    z = z_value(level)
    out: dict[str, Any] = {}
    for label in labels:
        if label == ref:
            continue
        per_metric: dict[str, Any] = {}
        for m in metrics:
            vals, ses, idx = [], [], []
            for k, win in enumerate(windows):
                g = win["attributes"][attr]["groups"].get(label)
                r = win["attributes"][attr]["groups"].get(ref)
                if not g or not r or g["small"] or r["small"]:
                    continue
                diff = g["disparities"][m.name]["difference"]
                if diff["value"] is None or not diff["ci"]:
                    continue
                se = (diff["ci"][1] - diff["ci"][0]) / (2 * z)
                if se <= 0:
                    continue
                vals.append(diff["value"])
                ses.append(se)
                idx.append(k)
            if len(vals) < 3:
                per_metric[m.name] = {
                    "value": None, "ci": None,
                    "reason": f"insufficient evidence: {len(vals)} window(s) with enough rows in "
                              "both this group and the reference group (3 needed)"}
            else:
                per_metric[m.name] = weighted_trend(vals, ses, idx, level)
        out[label] = {"metrics": per_metric}
    return {"reference_group": ref, "groups": out}


def measure_over_time(data: Any, cfg: Any) -> dict[str, Any]:
    """The ``over_time`` section of results.json (``available: false`` without a time column)."""
    column = cfg.data.time
    if not column:
        return {"available": False,
                "reason": "not measured: no time column (set 'data.time', e.g. referral_date)"}
    opts = parse_options(cfg.sections.get("over_time"), cfg.source)
    min_n = opts.min_window_size or cfg.min_group_size
    level = cfg.confidence_level
    times = parse_times(data.frame[column], column)
    weights = getattr(data, "weights", None)
    win = make_windows(times, opts.window, weights)
    tw = None if weights is None else weights[win.codes >= 0]
    names = [m for m in opts.metrics if data.y_true is not None or not RATES[m].needs_labels]
    metrics = [RATES[m] for m in names]
    groupings = [g for g in data.groupings if len(g.columns) == 1
                 and (opts.attributes is None or g.name in opts.attributes)]
    if opts.attributes:
        unknown = sorted(set(opts.attributes) - {g.name for g in groupings})
        if unknown:
            raise ConfigError(f"{cfg.source}: 'over_time.attributes' names {unknown}, which are "
                              "not protected columns of this audit.")
    W = len(win.labels)
    timed = win.codes >= 0
    overall = confusion_table(win.codes[timed], W, data.y_pred[timed],
                              None if data.y_true is None else data.y_true[timed], tw).counts
    windows: list[dict[str, Any]] = []
    for k in range(W):
        n = int(overall[k].sum())
        entry: dict[str, Any] = {"label": win.labels[k], "start": win.starts[k],
                                 "end": win.ends[k], "n": n, "insufficient": n < min_n,
                                 "metrics": {}, "attributes": {}}
        if n < min_n:
            entry["reason"] = f"insufficient evidence: {n} rows in this window (minimum {min_n})"
        for m in metrics:
            x, d = (int(v) for v in m.counts(overall[k]))
            entry["metrics"][m.name] = rate_entry(m, x, d, level)
        windows.append(entry)
    trends: dict[str, Any] = {}
    for g in groupings:
        key = win.codes[timed] * g.n_groups + g.codes[timed]
        counts = confusion_table(key, W * g.n_groups, data.y_pred[timed],
                                 None if data.y_true is None else data.y_true[timed], tw).counts
        counts = counts.reshape(W, g.n_groups, 2, 2)
        for k in range(W):
            windows[k]["attributes"][g.name] = _group_block(counts[k], g, metrics, level, min_n)
        trends[g.name] = _trends(windows, g.name, g.labels, g.reference_label, metrics, level)
    n_trends = adjust_trends(trends, 1 - level)
    return {
        "available": True,
        "column": column,
        "window": opts.window,
        "min_window_size": min_n,
        "metrics": names,
        "rows_without_time": total(None if weights is None else weights[~timed],
                                   int((~timed).sum())),
        "windows": windows,
        "trends": trends,
        "trend_method": "inverse-variance weighted least squares of each window's difference "
                        "from the reference group on the window index; Wald interval; windows "
                        "where either group is below the minimum size are left out",
        "trend_multiple_testing": {
            "method": "Benjamini-Hochberg", "alpha": 1 - level, "tests": n_trends,
            "family": "every trend of this audit (groups × metrics × protected columns)",
            "rule": "direction is 'widening' or 'closing' only when the trend's q-value is "
                    "below alpha; 'direction_unadjusted' keeps the call from its own interval",
        },
    }


def adjust_trends(trends: dict[str, Any], alpha: float) -> int:
    """Benjamini-Hochberg over every trend of the audit; label a gap widening or closing only
    when its q-value is below ``alpha``.  Returns the number of trends in the family.

    One audit follows groups × metrics × attributes trends (often dozens); read off each
    one's own 95% interval, a few would be called widening by chance alone.
    """
    entries = [t for attr in trends.values() for g in attr["groups"].values()
               for t in g["metrics"].values() if t.get("p_value") is not None]
    if not entries:
        return 0
    q = stats.false_discovery_control(np.array([t["p_value"] for t in entries]), method="bh")
    for t, qv in zip(entries, q.tolist(), strict=True):
        t["q_value"] = float(qv)
        t["direction_unadjusted"] = t["direction"]
        if qv >= alpha or t["value"] == 0:
            t["direction"] = "no clear trend"
        else:
            t["direction"] = "widening" if np.sign(t["value"]) == np.sign(t["mean_gap"]) \
                else "closing"
    return len(entries)
