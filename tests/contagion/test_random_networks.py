"""Random lending graphs and the Gai–Kapadia experiment."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.contagion import (
    erdos_renyi_lending,
    gai_kapadia,
    gai_kapadia_cascade,
    random_interbank_network,
)
from bubblescope.contagion.reference import (
    gai_kapadia_cascade_reference,
    gai_kapadia_reference,
)


def test_cascade_thresholds_by_hand() -> None:
    # Interbank share 0.2, capital 0.04: a lender with k borrowers loses 0.2 / k per
    # defaulted borrower and fails when losses exceed 0.04:
    #   k = 4: one default costs 0.05 > 0.04        -> fails after 1 default
    #   k = 5: one default costs exactly 0.04 (tie) -> survives; two cost 0.08 -> fails
    # Node 0 lends to 1..4 (k = 4); node 5 lends to 0, 1 and 6, 7, 8 (k = 5);
    # node 9 lends to 0, 5, 1, 2, 3 (k = 5).
    A = np.zeros((10, 10))
    A[0, [1, 2, 3, 4]] = 1
    A[5, [0, 1, 6, 7, 8]] = 1
    A[9, [0, 5, 1, 2, 3]] = 1
    F0 = np.zeros((3, 10), dtype=bool)
    # Scenario 0: 2 fails. Round 1 passes on {2}: 0 fails (k = 4), 9 has one default (tie).
    #   Round 2 passes on {0}: 5 has one default (tie), 9 has two -> fails.
    #   Round 3 passes on {9}: nobody lends to 9. Failed {0, 2, 9}, 3 rounds.
    # Scenario 1: 1 fails. Round 1: 0 fails; 5 and 9 have one default each.
    #   Round 2 passes on {0}: 5 and 9 reach two -> fail. Round 3 passes on {5, 9}:
    #   9 already failed. Failed {0, 1, 5, 9}, 3 rounds.
    # Scenario 2: 6 fails. Round 1: 5 has one default (tie) and survives. 1 round.
    F0[0, 2] = True
    F0[1, 1] = True
    F0[2, 6] = True
    r = gai_kapadia_cascade(sp.csr_array(A), F0)
    assert np.flatnonzero(r.failed[0]).tolist() == [0, 2, 9]
    assert np.flatnonzero(r.failed[1]).tolist() == [0, 1, 5, 9]
    assert np.flatnonzero(r.failed[2]).tolist() == [6]
    assert r.rounds.tolist() == [3, 3, 1]
    # with more capital (0.06) the k = 4 lender survives one default (0.05 < 0.06)
    r = gai_kapadia_cascade(A, F0[0], capital_ratio=0.06)
    assert np.flatnonzero(r.failed).tolist() == [2]


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 30), z=st.floats(0.0, 6.0))
def test_cascade_matches_reference(seed: int, n: int, z: float) -> None:
    rng = np.random.default_rng(seed)
    A = erdos_renyi_lending(n, min(z, n - 1), seed=rng)
    F0 = rng.random((3, n)) < 0.1
    r = gai_kapadia_cascade(A, F0, capital_ratio=0.05, interbank_share=0.25)
    lends_to = [list(A.indices[A.indptr[i] : A.indptr[i + 1]]) for i in range(n)]
    for k in range(3):
        ref = gai_kapadia_cascade_reference(lends_to, np.flatnonzero(F0[k]), 0.05, 0.25)
        assert r.failed[k].tolist() == ref


def test_erdos_renyi_statistics() -> None:
    n, z, draws = 400, 3.0, 50
    A = erdos_renyi_lending(n, z, draws=draws, seed=0)
    assert A.shape == (n * draws, n * draws)
    assert not A.diagonal().any()
    np.testing.assert_array_equal(A.data, 1.0)  # no duplicated pair
    rows, cols = A.nonzero()
    assert np.all(rows // n == cols // n)  # graphs stay in their own block
    # edge count ~ Binomial(draws n (n-1), z/(n-1)); mean z per bank, sd sqrt(z/(n draws))
    mean = A.nnz / (n * draws)
    assert abs(mean - z) < 5 * np.sqrt(z / (n * draws))
    # in- and out-degrees are Binomial(n-1, p): variance close to z
    out = np.diff(A.indptr)
    assert abs(out.var() - z) < 0.3
    L = random_interbank_network(50, 4.0, seed=1)
    assert L.shape == (50, 50) and (L.data > 0).all() and not L.diagonal().any()


def test_gai_kapadia_window() -> None:
    # Gai & Kapadia (2010), Figure 1 (capital 4 %, interbank 20 %): contagion only in a
    # window of mean degrees, roughly 1 to 8. This run (n = 1000, 200 draws, seed 7) gives
    # 0.00 at z = 0.5, 0.82 at z = 3 and 0.00 at z = 10; the assertions leave wide margins.
    r = gai_kapadia([0.5, 3.0, 10.0], n=1000, draws=200, seed=7)
    assert r.probability[0] < 0.05
    assert r.probability[1] > 0.5
    assert r.probability[2] < 0.05
    # once contagion starts at z = 3 it reaches most of the system
    assert r.extent[1] > 0.7 and r.extent_se[1] < 0.05
    assert np.isnan(r.extent[0]) or r.probability[0] > 0
    np.testing.assert_allclose(r.probability_se, np.sqrt(r.probability * (1 - r.probability) / 200))
    assert r.default_share.shape == (3, 200)
    # the hit bank always fails: at least one default per draw
    assert np.all(r.default_share >= 1 / 1000)


def test_gai_kapadia_is_reproducible_and_scalar_input_is_scalar() -> None:
    a = gai_kapadia(2.0, n=300, draws=40, seed=3)
    b = gai_kapadia(2.0, n=300, draws=40, seed=3)
    np.testing.assert_array_equal(a.default_share, b.default_share)
    assert a.probability.shape == () and a.default_share.shape == (40,)


@pytest.mark.slow
def test_gai_kapadia_full_curve() -> None:
    zs = np.arange(1, 11, dtype=float)
    r = gai_kapadia(zs, n=1000, draws=1000, seed=11)
    peak = int(np.argmax(r.probability))
    assert 1 <= peak <= 5
    assert np.all(np.diff(r.probability[peak:]) <= 0.05)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(mean_degree=-1.0), "mean_degree must be in"),
        (dict(mean_degree=2000.0), "mean_degree must be in"),
        (dict(mean_degree=np.ones((2, 2))), "mean_degree must be a scalar"),
        (dict(mean_degree=2.0, n=1), "n must be an integer"),
        (dict(mean_degree=2.0, draws=0), "draws must be"),
        (dict(mean_degree=2.0, capital_ratio=1.5), "capital_ratio must be in"),
        (dict(mean_degree=2.0, interbank_share=0.0), "interbank_share must be in"),
        (dict(mean_degree=2.0, capital_ratio=0.9), "below 1 - interbank_share"),
        (dict(mean_degree=np.nan), "mean_degree contains"),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        gai_kapadia(**kwargs)


def test_bad_cascade_arguments() -> None:
    with pytest.raises(ValueError, match="initially_failed must be a boolean"):
        gai_kapadia_cascade(np.eye(3), [1, 0, 0])
    with pytest.raises(ValueError, match="initially_failed must have shape"):
        gai_kapadia_cascade(np.eye(3), np.array([True, False]))
    with pytest.raises(ValueError, match="lending must be square"):
        gai_kapadia_cascade(np.ones((2, 3)), np.array([True, False]))
    with pytest.raises(ValueError, match="mean_degree must be in"):
        erdos_renyi_lending(10, 10.0)


def test_gai_kapadia_agrees_with_loop_reference_statistically() -> None:
    # Independent random streams: compare contagion frequencies within 4 standard errors.
    n, z, draws = 60, 2.5, 300
    ref = np.array(gai_kapadia_reference(z, n, draws, seed=1))
    fast = gai_kapadia(z, n=n, draws=draws, seed=2)
    p_ref = (ref >= 0.05).mean()
    se = np.sqrt(p_ref * (1 - p_ref) / draws + fast.probability_se**2)
    assert abs(p_ref - fast.probability) < 4 * se + 1e-9
    assert 0.2 < p_ref < 0.95  # a regime where the comparison means something
