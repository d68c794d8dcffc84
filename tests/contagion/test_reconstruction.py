"""Matrix reconstruction from marginals: hand cases, the RAS reference, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.contagion import reconstruct_max_entropy, reconstruct_min_density
from bubblescope.contagion.reference import min_density_reference, ras_reference


def marginals(seed: int, n: int, s: int = 1, density: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Sums of a random zero-diagonal matrix. With density 1 the sums are interior points
    (RAS converges geometrically); sparser sources may force zeros, where it crawls."""
    rng = np.random.default_rng(seed)
    X = rng.lognormal(0, 1, (s, n, n)) * (rng.random((s, n, n)) < density)
    X[:, np.arange(n), np.arange(n)] = 0
    return X.sum(axis=2), X.sum(axis=1)


def test_max_entropy_symmetric_by_hand() -> None:
    # r = c = (1, 1, 1): by symmetry every off-diagonal entry is equal; rows sum to 1
    # over two entries -> 0.5.
    r = reconstruct_max_entropy([1, 1, 1], [1, 1, 1])
    np.testing.assert_allclose(r.matrix, 0.5 * (1 - np.eye(3)), atol=1e-12)


def test_max_entropy_two_nodes_is_forced() -> None:
    # With n = 2 and a zero diagonal the only matrix is [[0, r0], [r1, 0]].
    r = reconstruct_max_entropy([3.0, 2.0], [2.0, 3.0])
    np.testing.assert_allclose(r.matrix, [[0, 3], [2, 0]], atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(3, 8))
def test_max_entropy_properties_and_reference(seed: int, n: int) -> None:
    rs, cs = marginals(seed, n, s=3, density=1.0)
    res = reconstruct_max_entropy(rs, cs, tol=1e-11)
    X = res.matrix
    total = rs.sum(axis=1)
    assert res.converged.all()
    np.testing.assert_allclose(X.sum(axis=2), rs, atol=1e-10 * total.max())
    np.testing.assert_allclose(X.sum(axis=1), cs, atol=1e-10 * total.max())
    np.testing.assert_array_equal(X[:, np.arange(n), np.arange(n)], 0)
    assert X.min() >= 0
    # max-entropy solutions have product form x_i y_j off the diagonal:
    # X[i,j] X[k,l] = X[i,l] X[k,j] for distinct i, j, k, l (n >= 4)
    if n >= 4:
        lhs = X[:, 0, 1] * X[:, 2, 3]
        rhs = X[:, 0, 3] * X[:, 2, 1]
        np.testing.assert_allclose(lhs, rhs, rtol=1e-6, atol=1e-12 * total.max() ** 2)
    for k in range(3):
        ref = np.array(ras_reference(list(rs[k]), list(cs[k]), tol=1e-11))
        np.testing.assert_allclose(X[k], ref, atol=1e-8 * total[k])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(3, 12))
def test_min_density_meets_marginals_with_few_links(seed: int, n: int) -> None:
    rs, cs = marginals(seed, n, s=4)
    md = reconstruct_min_density(rs, cs, seed=seed)
    me = reconstruct_max_entropy(rs, cs, max_iter=50)  # only its support is used
    X = md.matrix
    total = rs.sum(axis=1)
    np.testing.assert_allclose(X.sum(axis=2), rs, atol=1e-10 * total.max())
    np.testing.assert_allclose(X.sum(axis=1), cs, atol=1e-10 * total.max())
    np.testing.assert_array_equal(X[:, np.arange(n), np.arange(n)], 0)
    assert X.min() >= 0
    links = (X > 0).sum(axis=(1, 2))
    assert np.all(links <= 2 * n + 1)  # 2n - 1 greedy links, +2 for a repair
    assert np.all(links <= (me.matrix > 0).sum(axis=(1, 2)))
    assert np.all(links < n * (n - 1)) if n >= 4 else True


def test_min_density_unique_answer_needs_repair_sometimes() -> None:
    # r = (1, 1, 0), c = (0, 1, 1): the only solution is 0 -> 1 and 1 -> 2 (1 each).
    # If the greedy step first links 0 -> 2, node 1 is left owing itself; the repair step
    # reroutes through 0 -> 2. Many scenarios exercise both paths.
    res = reconstruct_min_density(np.tile([1.0, 1.0, 0.0], (40, 1)), [0.0, 1.0, 1.0], seed=3)
    expect = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]], dtype=float)
    np.testing.assert_allclose(res.matrix, np.broadcast_to(expect, (40, 3, 3)), atol=1e-15)


def test_min_density_far_sparser_on_a_larger_network() -> None:
    rs, cs = marginals(0, 60)
    md = reconstruct_min_density(rs[0], cs[0], seed=1)
    me = reconstruct_max_entropy(rs[0], cs[0])
    assert (md.matrix > 0).sum() <= 2 * 60 + 1
    assert (me.matrix > 0).sum() == 60 * 59


@pytest.mark.parametrize("fn", [reconstruct_max_entropy, reconstruct_min_density])
@pytest.mark.parametrize(
    "rows,cols,match",
    [
        ([1, 2], [1, 1], "equal totals"),
        ([1, -1], [0, 0], "row_sums must be non-negative"),
        ([1, np.nan], [1, 0], "row_sums contains"),
        ([1, 1], [1, 1, 0], "col_sums must have shape"),
        ([2, 0, 0], [2, 0, 0], "infeasible"),
        (np.ones((2, 2, 2)), [1, 1], "row_sums must have shape"),
        (np.ones((3, 2)), np.ones((2, 2)), "scenario axes"),
    ],
)
def test_bad_arguments(fn: object, rows: object, cols: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        if fn is reconstruct_min_density:
            reconstruct_min_density(rows, cols, seed=0)
        else:
            reconstruct_max_entropy(rows, cols)


def test_forced_zeros_converge_slowly_and_say_so() -> None:
    # r = (1, 1, 0), c = (0, 1, 1) forces X = [[0, 1, 0], [0, 0, 1], [0, 0, 0]]: RAS only
    # approaches the zero at X[0, 2] like 1/k, so a tight tolerance is not reached quickly.
    res = reconstruct_max_entropy([1, 1, 0], [0, 1, 1], tol=1e-12, max_iter=200)
    assert not bool(res.converged) and res.iterations == 200
    assert res.max_error < 0.01
    np.testing.assert_allclose(res.matrix, [[0, 1, 0], [0, 0, 1], [0, 0, 0]], atol=0.01)


def test_bad_tolerance() -> None:
    with pytest.raises(ValueError, match="tol must be"):
        reconstruct_max_entropy([1, 1], [1, 1], tol=0.0)


def test_max_entropy_node_order_and_batching() -> None:
    rs, cs = marginals(5, 7, s=4, density=1.0)
    batch = reconstruct_max_entropy(rs, cs, tol=1e-12).matrix
    perm = np.random.default_rng(0).permutation(7)
    inv = np.argsort(perm)
    for k in range(4):
        one = reconstruct_max_entropy(rs[k], cs[k], tol=1e-12).matrix
        np.testing.assert_allclose(batch[k], one, atol=1e-12)
        shuffled = reconstruct_max_entropy(rs[k, perm], cs[k, perm], tol=1e-12).matrix
        np.testing.assert_allclose(shuffled[np.ix_(inv, inv)], one, rtol=1e-8, atol=1e-12)


def test_min_density_shared_column_sums_broadcast() -> None:
    # one set of column sums for several row-sum scenarios with the same total
    rows = np.array([[3.0, 1.0, 0.0, 2.0], [1.0, 1.0, 2.0, 2.0]])
    cols = np.array([2.0, 2.0, 1.0, 1.0])
    res = reconstruct_min_density(rows, cols, seed=4)
    np.testing.assert_allclose(res.matrix.sum(axis=2), rows, atol=1e-12)
    np.testing.assert_allclose(res.matrix.sum(axis=1), np.tile(cols, (2, 1)), atol=1e-12)
    assert res.matrix.shape == (2, 4, 4) and res.converged.all()


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 9))
def test_min_density_matches_reference_loop(seed: int, n: int) -> None:
    rs, cs = marginals(seed, n, s=3, density=0.6)
    res = reconstruct_min_density(rs, cs, seed=seed)
    uniforms = np.random.default_rng(seed).random((4 * n + 4, 3))
    for k in range(3):
        ref = min_density_reference(list(rs[k]), list(cs[k]), list(uniforms[:, k]))
        np.testing.assert_allclose(res.matrix[k], ref, atol=1e-12 * rs[k].sum())
