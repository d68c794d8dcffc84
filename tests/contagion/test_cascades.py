"""DebtRank and threshold cascades: hand cases, closed forms, invariants."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.contagion import debtrank, threshold_cascade
from bubblescope.contagion.reference import debtrank_reference, threshold_reference

OFF2 = np.array([[0.0, 1.0], [1.0, 0.0]])
SETTINGS = settings(max_examples=40, deadline=None)

# Three-node cycle, buffers 10: E[0,1] = 4, E[1,2] = 5, E[2,0] = 2, so
# W[0,1] = 0.4, W[1,2] = 0.5, W[2,0] = 0.2 (node 1 hits node 0, 2 hits 1, 0 hits 2).
CYCLE = np.array([[0, 4, 0], [0, 0, 5], [2, 0, 0]], dtype=float)
BUF = np.array([10.0, 10.0, 10.0])


def test_repeated_debtrank_on_a_cycle_by_hand() -> None:
    # Shock 0.5 on node 2. Increments travel 2 -> 1 -> 0 -> 2, shrinking by
    # 0.5 * 0.4 * 0.2 = 0.04 per lap, so node 2 passes on 0.5 / 0.96 in total:
    #   h1 = 0.5 * 0.5 / 0.96 = 0.2604166..., h0 = 0.4 * h1 = 0.1041666...,
    #   h2 = 0.5 + 0.2 * h0 = 0.5208333...
    r = debtrank(CYCLE, BUF, [0, 0, 0.5])
    h1 = 0.25 / 0.96
    np.testing.assert_allclose(r.final_stress, [0.4 * h1, h1, 0.5 + 0.08 * h1], atol=1e-12)
    # weights are buffer shares = 1/3 each
    np.testing.assert_allclose(r.additional_stress, (0.4 * h1 + h1 + 0.08 * h1) / 3, atol=1e-12)
    assert r.additional_defaults == 0 and bool(r.converged)


def test_single_hit_debtrank_on_a_cycle_by_hand() -> None:
    # Round 1: node 2 (distressed) passes 0.5 * 0.5 = 0.25 to node 1, then turns inactive.
    # Round 2: node 1 passes 0.4 * 0.25 = 0.1 to node 0. Round 3: node 0 passes
    # 0.2 * 0.1 = 0.02 to node 2, which is inactive and does not pass it on. Stop.
    r = debtrank(CYCLE, BUF, [0, 0, 0.5], variant="single_hit")
    np.testing.assert_allclose(r.final_stress, [0.1, 0.25, 0.52], atol=1e-15)
    np.testing.assert_allclose(r.additional_stress, 0.37 / 3, atol=1e-15)
    assert r.iterations == 3


def test_repeated_debtrank_equals_linear_closed_form_without_saturation() -> None:
    # Without the cap, h = sum_t W^t h0 = (I - W)^-1 h0.
    rng = np.random.default_rng(3)
    n = 12
    E = rng.uniform(0, 1, (n, n)) * (rng.random((n, n)) < 0.4)
    np.fill_diagonal(E, 0)
    buf = E.sum(axis=1) * 3 + 1  # row sums of W below 1/3: no node reaches stress 1
    shock = rng.uniform(0, 0.2, (5, n))
    W = E / buf[:, None]
    expect = np.linalg.solve(np.eye(n) - W, shock.T).T
    r = debtrank(sp.csr_array(E), buf, shock)
    np.testing.assert_allclose(r.final_stress, expect, atol=1e-11)
    assert r.final_stress.max() < 1


def test_saturation_and_defaults() -> None:
    # W[0,1] = 1.5: node 1 at 0.8 would push 1.2 onto node 0, capped at 1 (a default).
    r = debtrank([[0, 15], [0, 0]], [10, 10], [[0, 0.8], [0, 0.5]])
    np.testing.assert_allclose(r.final_stress, [[1.0, 0.8], [0.75, 0.5]], atol=1e-15)
    assert r.additional_defaults.tolist() == [1, 0]
    np.testing.assert_allclose(r.additional_stress, [0.5, 0.375], atol=1e-15)


# Threshold case: W[0,1] = 0.6, W[0,2] = 0.5, W[1,2] = 1.2 (buffers 10).
TRI = np.array([[0, 6, 5], [0, 0, 12], [0, 0, 0]], dtype=float)


def test_threshold_cascade_by_hand() -> None:
    # Node 2 fails. Round 1: node 1 takes 1.2 -> fails; node 0 takes 0.5.
    # Round 2: node 0 takes 0.5 + 0.6 = 1.1 -> fails. Round 3: nothing new.
    r = threshold_cascade(TRI, BUF, [[0, 0, 1.0], [0, 0, 0.9]])
    np.testing.assert_allclose(r.final_stress, [[1, 1, 1], [0, 0, 0.9]], atol=1e-15)
    assert r.additional_defaults.tolist() == [2, 0]
    assert r.iterations.tolist() == [3, 1]
    np.testing.assert_allclose(r.additional_stress, [2 / 3, 0.0], atol=1e-15)
    # weights: only node 0 counts
    rw = threshold_cascade(TRI, BUF, [0, 0, 1.0], weights=[2, 0, 0])
    np.testing.assert_allclose(rw.additional_stress, 1.0, atol=1e-15)


def test_debtrank_on_threshold_case_by_hand() -> None:
    # Repeated: round 1 node 1 -> min(1, 1.2) = 1, node 0 -> 0.5; round 2 node 0 gets
    # 0.6 * (1 - 0) more -> capped at 1. Single hit: round 1 as before; round 2 node 1
    # (now distressed, stress 1) passes 0.6 -> node 0 at 1.1 -> 1.
    for variant in ("repeated", "single_hit"):
        r = debtrank(TRI, BUF, [0, 0, 1.0], variant=variant)
        np.testing.assert_allclose(r.final_stress, [1, 1, 1], atol=1e-15)
        assert r.additional_defaults == 2


def random_net(seed: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    E = rng.lognormal(0, 1, (n, n)) * (rng.random((n, n)) < 0.5)
    np.fill_diagonal(E, 0)
    buf = rng.uniform(0.5, 2.0, n) * (E.sum(axis=1) + 0.1)
    shock = rng.uniform(0, 1, (3, n)) * (rng.random((3, n)) < 0.4)
    shock[0, rng.integers(n)] = 1.0
    return E, buf, shock


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 7))
def test_match_reference_loops(seed: int, n: int) -> None:
    E, buf, shock = random_net(seed, n)
    rep = debtrank(E, buf, shock)
    hit = debtrank(E, buf, shock, variant="single_hit")
    thr = threshold_cascade(E, buf, shock)
    for k in range(3):
        h, it = debtrank_reference(E, buf, shock[k])
        np.testing.assert_allclose(rep.final_stress[k], h, atol=1e-12)
        assert rep.iterations[k] == it
        h, it = debtrank_reference(E, buf, shock[k], variant="single_hit")
        np.testing.assert_allclose(hit.final_stress[k], h, atol=1e-12)
        assert hit.iterations[k] == it
        h, it = threshold_reference(E, buf, shock[k])
        np.testing.assert_allclose(thr.final_stress[k], h, atol=1e-12)
        assert thr.iterations[k] == it


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 7))
def test_invariants(seed: int, n: int) -> None:
    E, buf, shock = random_net(seed, n)
    W = E / buf[:, None]
    rep = debtrank(E, buf, shock)
    thr = threshold_cascade(E, buf, shock)
    # converged linear DebtRank is a fixed point of h = min(1, h0 + W h)
    np.testing.assert_allclose(
        rep.final_stress, np.minimum(1, shock + rep.final_stress @ W.T), atol=1e-9
    )
    # partial stress propagation never does less than the threshold model
    assert np.all(rep.final_stress >= thr.final_stress - 1e-9)
    # stress only grows and stays in [0, 1]
    for r in (rep, thr, debtrank(E, buf, shock, variant="single_hit")):
        assert np.all(r.final_stress >= r.initial_stress - 1e-15)
        assert np.all(r.final_stress <= 1.0)
    # a bigger shock never helps
    bigger = debtrank(E, buf, np.minimum(1, shock * 1.5))
    assert np.all(bigger.final_stress >= rep.final_stress - 1e-9)
    # node order does not matter
    perm = np.random.default_rng(seed).permutation(n)
    inv = np.argsort(perm)
    for variant in ("repeated", "single_hit"):
        a = debtrank(E, buf, shock, variant=variant)
        b = debtrank(E[np.ix_(perm, perm)], buf[perm], shock[:, perm], variant=variant)
        np.testing.assert_allclose(b.final_stress[:, inv], a.final_stress, atol=1e-12)
    b = threshold_cascade(E[np.ix_(perm, perm)], buf[perm], shock[:, perm])
    np.testing.assert_allclose(b.final_stress[:, inv], thr.final_stress, atol=1e-12)


def test_batched_equals_single_and_sparse_equals_dense() -> None:
    E, buf, shock = random_net(42, 30)
    for variant in ("repeated", "single_hit"):
        batch = debtrank(sp.csr_array(E), buf, shock, variant=variant)
        for k in range(3):
            one = debtrank(E, buf, shock[k], variant=variant)
            np.testing.assert_allclose(batch.final_stress[k], one.final_stress, atol=1e-13)
            assert batch.iterations[k] == one.iterations
            assert one.final_stress.shape == (30,) and one.additional_stress.shape == ()


def test_max_iter_stops_early() -> None:
    r = debtrank(CYCLE, BUF, [0, 0, 0.5], max_iter=2)
    assert not bool(r.converged) and r.iterations == 2


@pytest.mark.parametrize(
    "args,kwargs,match",
    [
        ((np.ones((2, 3)), [1, 1], [0, 0]), {}, "exposures must be square"),
        ((-OFF2, [1, 1], [0, 0]), {}, "exposures must be non-negative"),
        ((OFF2, [1, 0], [0, 0]), {}, "buffer must be strictly positive"),
        ((OFF2, [1, 1, 1], [0, 0]), {}, "buffer must have shape"),
        ((OFF2, [1, np.nan], [0, 0]), {}, "buffer contains"),
        ((OFF2, [1, 1], [0, 1.5]), {}, "shock must be in"),
        ((OFF2, [1, 1], [0, -0.5]), {}, "shock must be non-negative"),
        ((OFF2, [1, 1], [0, 0, 0]), {}, "shock must have shape"),
        ((OFF2, [1, 1], [0, 0]), {"weights": [0, 0]}, "weights must have a positive"),
        ((OFF2, [1, 1], [0, 0]), {"weights": [1, -1]}, "weights must be non-negative"),
        ((OFF2, [1, 1], [0, 0]), {"weights": [1]}, "weights must have shape"),
        ((OFF2, [1, 1], [0, 0]), {"variant": "twice"}, "variant must be"),
        ((OFF2, [1, 1], [0, 0]), {"tol": -1.0}, "tol must be"),
        ((OFF2, [1, 1], [0, 0]), {"max_iter": -1}, "max_iter must be"),
    ],
)
def test_bad_arguments(args: tuple, kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        debtrank(*args, **kwargs)
    if set(kwargs) <= {"weights"}:
        with pytest.raises(ValueError, match=match):
            threshold_cascade(*args, **kwargs)


def test_self_exposure_rejected() -> None:
    with pytest.raises(ValueError, match="exposures must have a zero diagonal"):
        debtrank(np.eye(2), [1, 1], [0, 0])
