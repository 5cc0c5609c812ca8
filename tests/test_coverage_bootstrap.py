"""The cell bootstrap: right distribution, and the same draws under every numpy version.

Published figures (ECE and MCE intervals, their tests of perfect calibration) come from the
bootstrap stream, so a numpy release that changed the stream would change an audit's
results.json without any change in the data.  ``bootstrap_stream`` uses the parts numpy
freezes (``SeedSequence``, ``PCG64``, legacy ``RandomState`` methods).
"""

from __future__ import annotations

import numpy as np
import pytest

from essex_standard.metrics.uncertainty import bootstrap_stream, multinomial_cells


def test_golden_draws_are_the_stability_promise():
    """THE STABILITY PROMISE: these exact counts for seed 0 and the name "sex".

    If this test fails after a numpy (or Python) upgrade, the bootstrap stream changed and
    published intervals would move with it: do not update the numbers, fix the stream.
    """
    counts = np.array([[[50, 10], [5, 35]], [[20, 2], [3, 5]]])
    draws = multinomial_cells(counts, 3, bootstrap_stream(0, "sex"))
    assert draws.reshape(3, -1).tolist() == [
        [55, 11, 7, 27, 21, 0, 1, 8],
        [50, 9, 3, 38, 18, 2, 4, 6],
        [53, 7, 4, 36, 17, 2, 5, 6],
    ]
    assert bootstrap_stream(7, "calibration:ethnicity").binomial(
        [10, 100, 1000], 0.3).tolist() == [3, 40, 298]


def test_streams_are_independent_of_other_attributes():
    a = multinomial_cells(np.array([[[40, 10], [10, 40]]]), 5, bootstrap_stream(1, "sex"))
    b = multinomial_cells(np.array([[[40, 10], [10, 40]]]), 5, bootstrap_stream(1, "age"))
    c = multinomial_cells(np.array([[[40, 10], [10, 40]]]), 5, bootstrap_stream(1, "sex"))
    assert (a == c).all() and not (a == b).all()


def test_resampled_cells_have_the_multinomial_mean_and_variance():
    """Each cell of a group of n with share p: mean n·p, variance n·p·(1 − p); group sizes
    fixed; cells of one group negatively correlated as −n·p_i·p_j."""
    counts = np.array([[[500, 150], [100, 250]], [[30, 20], [8, 2]]])
    draws = multinomial_cells(counts, 20_000, bootstrap_stream(3, "moments"))
    assert (draws.sum(axis=(2, 3)) == counts.sum(axis=(1, 2))).all()
    for g in range(2):
        n = counts[g].sum()
        p = counts[g].ravel() / n
        flat = draws[:, g].reshape(len(draws), -1)
        se_mean = np.sqrt(n * p * (1 - p) / len(draws))
        assert np.all(np.abs(flat.mean(axis=0) - n * p) < 5 * se_mean + 1e-12)
        assert flat.var(axis=0, ddof=1) == pytest.approx(n * p * (1 - p), rel=0.05)
        cov01 = np.cov(flat[:, 0], flat[:, 1])[0, 1]
        assert cov01 == pytest.approx(-n * p[0] * p[1], rel=0.1)


def test_a_thousand_replicates_take_milliseconds():
    import time

    counts = np.random.default_rng(0).integers(1, 5000, size=(8, 2, 2))
    start = time.perf_counter()
    multinomial_cells(counts, 1000, bootstrap_stream(0, "speed"))
    assert time.perf_counter() - start < 0.5  # about 15 ms; generous for a loaded machine
