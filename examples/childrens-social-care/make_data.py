"""Generate the SYNTHETIC children's social care re-referral example.

No real child or family is represented. Every row is drawn from the random
process below. The process is written to look like the data a county council
might hold about closed children's social care cases, so that ``essex-standard``
can be demonstrated end to end: train a model, score an audit period, and watch
a later period drift.

Why synthetic: real case-level social care data is among the most sensitive
personal data a council holds and cannot be published. A synthetic set with a
documented causal story also lets readers check that the audit finds what was
deliberately built in (see README.md).

Outputs, written next to this script:

* ``data/reference.csv``: 2022-2023 referrals; trains the model and is the drift
  reference.
* ``data/current.csv``: 2024 referrals; the audit period.
* ``data/later.csv``: 2025 referrals; a drifted period.
* ``model.skops``: the fitted scikit-learn pipeline.

Run ``python make_data.py``. The CSV files are byte-for-byte reproducible: one
seeded generator is used, draws happen in a fixed order, and floats are written
with a fixed format.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import skops.io as sio
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
MODEL_PATH = HERE / "model.skops"

SEED = 20240601

# ONS Census 2021 ethnic group classification, 5 high-level groups (England and
# Wales labels). "" means the ethnicity was not recorded. It stays blank in the
# CSV, because missing data is part of what an audit has to handle.
ASIAN = "Asian, Asian British or Asian Welsh"
BLACK = "Black, Black British, Black Welsh, Caribbean or African"
MIXED = "Mixed or Multiple ethnic groups"
WHITE = "White"
OTHER = "Other ethnic group"
MISSING = ""
ETHNICITIES = [ASIAN, BLACK, MIXED, WHITE, OTHER, MISSING]

AGE_BANDS = ["0-4", "5-9", "10-15", "16-17"]
NEEDS = [
    "Abuse or neglect",
    "Family dysfunction",
    "Family in acute stress",
    "Child's disability",
    "Parental illness",
    "Other",
]

FEATURES = [
    "age_band",
    "disability",
    "deprivation_decile",
    "prior_referrals",
    "primary_need",
]
OUTCOME = "re_referred_12m"
COLUMNS = [
    "case_id",
    "referral_date",
    "ethnicity",
    "sex",
    *FEATURES,
    OUTCOME,
]


@dataclass(frozen=True)
class Period:
    """Parameters of one time period.

    Only the fields that drift between periods are listed. Everything else (the
    effect sizes in :func:`simulate`) is shared, so the relationship between
    features and outcome stays fixed unless a field here changes it.
    """

    name: str
    n: int
    start: dt.date
    end: dt.date  # inclusive
    first_id: int
    # Shares of the 6 ETHNICITIES values, in order (the last one is "missing").
    ethnicity_shares: tuple[float, ...] = (0.07, 0.04, 0.05, 0.80, 0.02, 0.02)
    # Multiplier on the expected number of need-driven prior referrals.
    prior_rate: float = 1.0
    # Extra log-odds of re-referral for each group. This effect is not visible
    # in the model's features, so the model cannot learn it.
    hidden_group_effect: dict[str, float] = field(default_factory=dict)


PERIODS = [
    Period("reference", 20_000, dt.date(2022, 1, 1), dt.date(2023, 12, 31), 1),
    Period("current", 20_000, dt.date(2024, 1, 1), dt.date(2024, 12, 31), 20_001),
    Period(
        "later",
        10_000,
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 31),
        40_001,
        # "Other ethnic group" rises from 2% to 8% of closed cases (e.g. newly
        # settled families). The other groups shrink to make room.
        ethnicity_shares=(0.066, 0.038, 0.047, 0.75, 0.08, 0.019),
        # Prior referrals move up: more genuine earlier contact.
        prior_rate=1.35,
        # For the new "Other" families, needs the features do not capture (for
        # example housing or immigration status) make re-referral more likely
        # than the model predicts.
        hidden_group_effect={OTHER: 0.7},
    ),
]


def choice_index(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """Draw one category index per row, where ``p`` has shape (n, k).

    Draws use inverse-CDF sampling from one uniform per row. Each row can then
    have its own probabilities while the number of draws stays fixed, which
    keeps the output reproducible.
    """
    cdf = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(p))[:, None]
    return np.minimum((u > cdf).sum(axis=1), p.shape[1] - 1)


def choice(rng: np.random.Generator, options: list[str], p: np.ndarray) -> np.ndarray:
    """Draw one label from ``options`` per row (see :func:`choice_index`)."""
    return np.asarray(options, dtype=object)[choice_index(rng, p)]


def simulate(rng: np.random.Generator, period: Period) -> pd.DataFrame:
    """Simulate one period of closed cases, including the true outcome.

    The causal story, in order:

    1. Ethnicity, sex and age are drawn first.
    2. Area deprivation depends on ethnicity. Referred families in minority
       groups live in more deprived areas on average.
    3. A latent family-need score (never recorded) drives both earlier contact
       with services and the chance of re-referral.
    4. Need-driven prior referrals rise with need, deprivation and age.
       Black families also receive extra referrals that do not reflect need
       (more referrals from schools, police and health services for lower-level
       concerns). The model sees only the total count, so it over-rates the
       risk of Black children.
    5. The outcome depends on latent need, need-driven priors, deprivation, age,
       primary need and disability. It depends on ethnicity only through the
       period's ``hidden_group_effect``.
    """
    n = period.n

    days = (period.end - period.start).days + 1
    offsets = np.sort(rng.integers(0, days, size=n))
    referral_date = [(period.start + dt.timedelta(days=int(d))).isoformat() for d in offsets]

    eth_p = np.tile(np.asarray(period.ethnicity_shares, dtype=float), (n, 1))
    ethnicity = choice(rng, ETHNICITIES, eth_p)

    sex = choice(rng, ["Female", "Male", ""], np.tile([0.488, 0.497, 0.015], (n, 1)))

    age_idx = choice_index(rng, np.tile([0.30, 0.26, 0.35, 0.09], (n, 1)))
    age_band = np.asarray(AGE_BANDS, dtype=object)[age_idx]

    # Deprivation: IMD decile 1 (most deprived) to 10. Referred families come
    # disproportionately from deprived areas. Minority groups are shifted
    # further towards deprivation.
    tilt = np.select(
        [
            ethnicity == BLACK,
            ethnicity == ASIAN,
            ethnicity == MIXED,
            ethnicity == OTHER,
        ],
        [0.20, 0.10, 0.15, 0.15],
        default=0.0,
    )
    deciles = np.arange(1, 11)
    dep_p = np.exp(-(0.12 + tilt)[:, None] * (deciles[None, :] - 1))
    deprivation_decile = deciles[choice_index(rng, dep_p)]
    deprived = (10 - deprivation_decile) / 9.0  # 0 = least, 1 = most deprived

    disability = np.where(rng.random(n) < 0.10, "Yes", "No")

    latent_need = rng.standard_normal(n)

    # Primary need: "Child's disability" mostly applies when disability == Yes.
    base_need = np.array([0.52, 0.15, 0.10, 0.01, 0.05, 0.17])
    need_p = np.tile(base_need, (n, 1))
    need_p[disability == "Yes", 3] = 0.35
    primary_need = choice(rng, NEEDS, need_p)

    age_prior = np.array([-0.7, 0.0, 0.3, 0.45])[age_idx]
    need_lambda = period.prior_rate * np.exp(
        -0.35 + 0.45 * latent_need + 0.7 * deprived + age_prior
    )
    need_priors = rng.poisson(need_lambda)
    extra_lambda = np.where(ethnicity == BLACK, 0.5, 0.0)
    extra_priors = rng.poisson(extra_lambda)
    prior_referrals = need_priors + extra_priors

    age_effect = np.array([0.10, 0.0, 0.15, -0.55])[age_idx]
    need_effect = (
        pd.Series(
            {
                "Abuse or neglect": 0.25,
                "Family dysfunction": 0.20,
                "Family in acute stress": 0.05,
                "Child's disability": -0.35,
                "Parental illness": 0.10,
                "Other": -0.40,
            }
        )
        .reindex(primary_need)
        .to_numpy()
    )
    hidden = np.zeros(n)
    for group, effect in period.hidden_group_effect.items():
        hidden[ethnicity == group] += effect
    logit = (
        -2.55
        + 0.55 * latent_need
        + 0.75 * np.log1p(need_priors)
        + 0.80 * deprived
        + 0.20 * (disability == "Yes")
        + age_effect
        + need_effect
        + hidden
    )
    p_true = 1.0 / (1.0 + np.exp(-logit))
    re_referred = (rng.random(n) < p_true).astype(int)

    ids = [f"C{i:06d}" for i in range(period.first_id, period.first_id + n)]
    return pd.DataFrame(
        {
            "case_id": ids,
            "referral_date": referral_date,
            "ethnicity": ethnicity,
            "sex": sex,
            "age_band": age_band,
            "disability": disability,
            "deprivation_decile": deprivation_decile,
            "prior_referrals": prior_referrals,
            "primary_need": primary_need,
            OUTCOME: re_referred,
        },
        columns=COLUMNS,
    )


def build_model() -> Pipeline:
    """Return the unfitted pipeline.

    Only components that skops trusts by default are used (no FunctionTransformer,
    no custom code), so the model file loads without trusting extra types.
    Ethnicity and sex are deliberately NOT features. The audit shows that
    leaving a protected characteristic out does not remove disparities.
    """
    pre = ColumnTransformer(
        [
            (
                "categorical",
                OneHotEncoder(handle_unknown="ignore"),
                ["age_band", "disability", "primary_need"],
            ),
            ("numeric", StandardScaler(), ["deprivation_decile", "prior_referrals"]),
        ]
    )
    return Pipeline([("preprocess", pre), ("classifier", LogisticRegression())])


def same_model(path: Path, model: Pipeline, X: pd.DataFrame) -> bool:
    """Return True if ``path`` holds a model that behaves exactly like ``model``.

    skops files are not byte-for-byte reproducible: they embed Python object
    ids and zip timestamps. To avoid a spurious change in version control on
    every run, the file is only rewritten when the fitted model actually
    differs. Loading uses skops' default trusted types only, so an
    unexpected file fails to load and is then overwritten.
    """
    if not path.exists():
        return False
    try:
        old = sio.load(path)
    except Exception:  # noqa: BLE001 - any unreadable old file is simply replaced
        return False
    return np.array_equal(old.predict_proba(X), model.predict_proba(X))


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Write a CSV with fixed formatting, so reruns give identical bytes."""
    df.to_csv(path, index=False, lineterminator="\n", float_format="%.4f")


def main() -> None:
    """Generate all periods, fit the model on the reference period, write files."""
    rng = np.random.default_rng(SEED)
    frames = {p.name: simulate(rng, p) for p in PERIODS}

    model = build_model()
    reference = frames["reference"]
    model.fit(reference[FEATURES], reference[OUTCOME])

    DATA.mkdir(exist_ok=True)
    write_csv(reference, DATA / "reference.csv")
    for name in ("current", "later"):
        df = frames[name].copy()
        df["risk_score"] = model.predict_proba(df[FEATURES])[:, 1].round(4)
        write_csv(df, DATA / f"{name}.csv")

    print(f"wrote {DATA}/{{reference,current,later}}.csv")
    everything = pd.concat([f[FEATURES] for f in frames.values()], ignore_index=True)
    if same_model(MODEL_PATH, model, everything):
        print(f"{MODEL_PATH.name} unchanged (same predictions); not rewritten")
    else:
        sio.dump(model, MODEL_PATH)
        print(f"wrote {MODEL_PATH.name}")
    untrusted = sio.get_untrusted_types(file=MODEL_PATH)
    print(f"skops untrusted types: {untrusted}")


if __name__ == "__main__":
    main()
