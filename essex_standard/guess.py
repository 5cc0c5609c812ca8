"""Guess which columns of a data file are the outcome, the score and the protected
characteristics, for ``essex-standard init``.

Guesses come from names and values together: a column called ``outcome`` holding three values
is not an outcome, and a 0/1 column called ``flag_count`` is not obviously one either.  Each
guess says *why* and whether it is ``sure``; the command asks (or writes a TODO) when it is not.
Protected characteristics are the Equality Act 2010's (age, disability, gender reassignment,
marriage and civil partnership, pregnancy and maternity, race, religion or belief, sex, sexual
orientation), matched on whole words of the column name so ``page_views`` is not an age.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

OUTCOME_WORDS = frozenset({
    "outcome", "label", "target", "y", "ytrue", "truth", "actual", "observed", "event", "class",
    "recid", "reoffended", "reoffending", "rereferred", "readmitted", "default", "churn",
})
SCORE_WORDS = frozenset({"score", "prob", "proba", "probability", "risk", "propensity"})
PRED_WORDS = frozenset({"pred", "prediction", "predicted", "flag", "flagged", "decision", "yhat"})
#: Equality Act 2010 protected characteristics, as words found in column names.
PROTECTED_WORDS: dict[str, str] = {
    "age": "age", "ageband": "age", "agegroup": "age", "dob": "age",
    "sex": "sex", "gender": "sex or gender reassignment",
    "race": "race", "ethnicity": "race", "ethnic": "race", "ethnicgroup": "race",
    "nationality": "race",
    "religion": "religion or belief", "belief": "religion or belief", "faith": "religion or belief",
    "disability": "disability", "disabled": "disability", "sen": "disability",
    "orientation": "sexual orientation", "sexuality": "sexual orientation",
    "marital": "marriage and civil partnership", "marriage": "marriage and civil partnership",
    "pregnancy": "pregnancy and maternity", "pregnant": "pregnancy and maternity",
    "maternity": "pregnancy and maternity",
    "transgender": "gender reassignment", "reassignment": "gender reassignment",
}
#: A protected column with more distinct values than this is not a set of groups (e.g. age in
#: years): it needs banding first.
MAX_GROUPS = 20


@dataclass
class Guess:
    """One guessed column (or None), why, and whether to ask."""

    column: str | None
    why: str
    sure: bool


@dataclass
class Guesses:
    """Everything ``init`` guesses about a data file."""

    y_true: Guess
    y_pred: Guess
    y_score: Guess
    score_range: tuple[float, float] | None
    threshold: float | None
    protected: list[Guess] = field(default_factory=list)
    skipped: list[Guess] = field(default_factory=list)
    """Columns named like a protected characteristic that cannot be audited as they are."""
    candidates: list[str] = field(default_factory=list)
    """Columns that could be groups (few distinct values), for the prompt."""


def words(name: str) -> set[str]:
    """The words of a column name, lower case, split at punctuation and camelCase, plus each
    pair of neighbours joined (``re_referred`` → ``rereferred``) and the whole name.

    >>> sorted(words("ageBand"))
    ['age', 'ageband', 'band']
    >>> "recid" in words("two_year_recid"), "age" in words("page_views")
    (True, False)
    """
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(name))
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if p]
    joined = {a + b for a, b in itertools.pairwise(parts)}
    return set(parts) | joined | {re.sub(r"[^a-z0-9]", "", str(name).lower())}


def _binary(col: pd.Series) -> bool:
    return col.dropna().nunique() == 2


def _numeric(col: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)


def _pick(named: list[str], unnamed: list[str], what: str, hint: str) -> Guess:
    if len(named) == 1:
        return Guess(named[0], f"two values, named like {what}", True)
    if len(named) > 1:
        return Guess(named[0], f"one of several columns named like {what}: "
                     f"{', '.join(named)}", False)
    if unnamed:
        return Guess(unnamed[0], f"{hint}; no column is named like {what}", False)
    return Guess(None, f"no column looks like {what}", False)


def guess_columns(frame: pd.DataFrame) -> Guesses:
    """Guess the roles of ``frame``'s columns.

    >>> df = pd.DataFrame({"outcome": [0, 1] * 20, "prob": [0.2, 0.7, 0.9, 0.1] * 10,
    ...                    "Ethnicity": ["A", "B", "C", "D"] * 10, "page_views": range(40)})
    >>> g = guess_columns(df)
    >>> g.y_true.column, g.y_score.column, g.score_range, [p.column for p in g.protected]
    ('outcome', 'prob', (0.0, 1.0), ['Ethnicity'])
    """
    cols = [str(c) for c in frame.columns]
    protected: list[Guess] = []
    skipped: list[Guess] = []
    for c in cols:
        hits = sorted({PROTECTED_WORDS[w] for w in words(c) if w in PROTECTED_WORDS})
        if not hits:
            continue
        n = frame[c].dropna().nunique()
        if n > MAX_GROUPS:
            skipped.append(Guess(c, f"named like {hits[0]} but has {n} different values; "
                                 "band it into groups (e.g. age bands) to audit it", False))
        elif n >= 1:
            protected.append(Guess(c, f"Equality Act characteristic: {', '.join(hits)}", True))
    taken = {p.column for p in protected} | {s.column for s in skipped}
    rest = [c for c in cols if c not in taken]
    binary = [c for c in rest if _binary(frame[c])]
    zero_one = [c for c in binary if _numeric(frame[c])
                and set(frame[c].dropna().unique().tolist()) <= {0, 1}]
    pred = _pick([c for c in binary if words(c) & PRED_WORDS], [], "a prediction", "")
    outcome_pool = [c for c in binary if c != pred.column]
    y_true = _pick([c for c in outcome_pool if words(c) & OUTCOME_WORDS],
                   [c for c in zero_one if c != pred.column], "an outcome",
                   "the first 0/1 column")
    numeric = [c for c in rest if _numeric(frame[c]) and not _binary(frame[c])
               and c not in (y_true.column, pred.column)]
    in_unit = [c for c in numeric if frame[c].min() >= 0 and frame[c].max() <= 1]
    named = [c for c in numeric if words(c) & SCORE_WORDS]
    y_score = (Guess(named[0], "numeric, named like a score", len(named) == 1) if named else
               Guess(in_unit[0], "numeric, every value between 0 and 1", len(in_unit) == 1)
               if in_unit else Guess(None, "no numeric column looks like a score", False))
    score_range, threshold = _score_scale(frame, y_score.column)
    used = {y_true.column, pred.column, y_score.column}
    candidates = [c for c in rest if c not in used and 2 <= frame[c].nunique() <= MAX_GROUPS]
    return Guesses(y_true=y_true, y_pred=pred, y_score=y_score, score_range=score_range,
                   threshold=threshold, protected=protected, skipped=skipped,
                   candidates=candidates)


def _score_scale(frame: pd.DataFrame, column: str | None) -> tuple[Any, Any]:
    """``score_range`` and a starting threshold: 0.5 for probabilities, the middle otherwise."""
    if column is None:
        return None, None
    values = frame[column].dropna()
    low, high = float(values.min()), float(values.max())
    if low >= 0 and high <= 1:
        return (0.0, 1.0), 0.5
    middle = (low + high) / 2
    whole = bool((values == values.round()).all())
    return (low, high), float(math.ceil(middle)) if whole else round(middle, 6)
