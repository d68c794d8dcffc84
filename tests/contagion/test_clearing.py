"""Eisenberg–Noe and Rogers–Veraart clearing: hand cases, closed forms, invariants."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from contagion_nets import random_case
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.contagion import eisenberg_noe, rogers_veraart
from bubblescope.contagion.reference import clearing_reference

OFF2 = np.array([[0.0, 1.0], [1.0, 0.0]])
SETTINGS = settings(max_examples=40, deadline=None)


def test_two_banks_by_hand() -> None:
    # Bank 0 owes 2 to bank 1, bank 1 owes 1 to bank 0; e = (0.5, 0); pbar = (2, 1).
    # Full payment: bank 0 has 0.5 + 1 = 1.5 < 2, so it defaults and pays all it has:
    # p0 = 0.5 + 1 = 1.5. Bank 1 receives 1.5 >= 1 and pays 1 in full.
    r = eisenberg_noe([[0, 2], [1, 0]], [0.5, 0.0])
    np.testing.assert_allclose(r.payments, [1.5, 1.0], atol=1e-12)
    assert r.defaulted.tolist() == [True, False]
    # equity = e + received - pbar = (0.5 + 1 - 2, 0 + 1.5 - 1)
    np.testing.assert_allclose(r.equity, [-0.5, 0.5], atol=1e-12)


def test_two_banks_with_default_costs_by_hand() -> None:
    # alpha = beta = 1/2. Round 1: bank 0 defaults and pays 0.25 + 0.5 * 1 = 0.75 < 1, so
    # bank 1 defaults too. Both in default: p0 = 0.25 + 0.5 p1, p1 = 0 + 0.5 p0
    # => p0 = 0.25 + 0.25 p0 => p0 = 1/3, p1 = 1/6.
    r = rogers_veraart([[0, 2], [1, 0]], [0.5, 0.0], alpha=0.5, beta=0.5)
    np.testing.assert_allclose(r.payments, [1 / 3, 1 / 6], atol=1e-12)
    assert r.defaulted.all()


def test_chain_by_hand() -> None:
    # A owes B 10, B owes C 10; e = (4, 3, 0). A pays its 4. B has 3 + 4 = 7 < 10, pays 7.
    # C receives 7 and owes nothing. Equity: (4-10, 3+4-10, 7) = (-6, -3, 7).
    L = [[0, 10, 0], [0, 0, 10], [0, 0, 0]]
    r = eisenberg_noe(L, [4, 3, 0])
    np.testing.assert_allclose(r.payments, [4, 7, 0], atol=1e-12)
    np.testing.assert_allclose(r.equity, [-6, -3, 7], atol=1e-12)
    assert r.defaulted.tolist() == [True, True, False]
    # With alpha = 0.5, beta = 0.8: A pays 0.5 * 4 = 2; B has 3 + 2 = 5 < 10 and pays
    # 0.5 * 3 + 0.8 * 2 = 3.1.
    rv = rogers_veraart(L, [4, 3, 0], alpha=0.5, beta=0.8)
    np.testing.assert_allclose(rv.payments, [2, 3.1, 0], atol=1e-12)


def ring(n: int, link: float) -> np.ndarray:
    L = np.zeros((n, n))
    L[np.arange(n), (np.arange(n) + 1) % n] = link
    return L


@pytest.mark.parametrize("alpha,beta", [(1.0, 1.0), (0.6, 0.9), (0.3, 0.0), (1.0, 0.5)])
def test_symmetric_ring_closed_form(alpha: float, beta: float) -> None:
    # Each of n banks owes l to its successor and b outside, holds e < b outside.
    # By symmetry every bank pays the same p, and receives l p / (l + b). In default
    # p = alpha e + beta l p / (l + b)  =>  p = alpha e (l + b) / (l + b - beta l).
    n, link, b = 5, 3.0, 1.0
    e = np.linspace(0.1, 0.9, 7)  # scenarios
    r = rogers_veraart(
        sp.csr_array(ring(n, link)),
        np.repeat(e[:, None], n, 1),
        np.full((7, n), b),
        alpha=alpha,
        beta=beta,
    )
    expect = alpha * e * (link + b) / (link + b - beta * link)
    np.testing.assert_allclose(r.payments, np.repeat(expect[:, None], n, 1), rtol=1e-12)
    assert r.defaulted.all()


def test_ring_solvent_when_external_assets_cover() -> None:
    # e >= b: everyone pays pbar = l + b in full; equity = e + l - (l + b) = e - b.
    r = eisenberg_noe(ring(4, 2.0), np.full(4, 1.5), np.full(4, 1.0))
    np.testing.assert_allclose(r.payments, 3.0, rtol=1e-14)
    np.testing.assert_allclose(r.equity, 0.5, rtol=1e-12)
    assert not r.defaulted.any()


def test_per_scenario_alpha_beta_and_batched_equals_single() -> None:
    rng = np.random.default_rng(5)
    L, e, b = random_case(rng, 6, s=8)
    alpha = rng.uniform(0, 1, 8)
    beta = rng.uniform(0, 1, 8)
    batch = rogers_veraart(L, e, b, alpha=alpha, beta=beta)
    for k in range(8):
        one = rogers_veraart(L, e[k], b[k], alpha=alpha[k], beta=beta[k])
        np.testing.assert_allclose(batch.payments[k], one.payments, rtol=1e-12, atol=1e-12)
        assert (batch.defaulted[k] == one.defaulted).all()
        assert batch.iterations[k] == one.iterations
    assert batch.payments.shape == (8, 6) and batch.iterations.shape == (8,)


def test_stacked_liabilities_equal_one_by_one_and_sparse_equals_dense() -> None:
    rng = np.random.default_rng(7)
    mats = []
    es = []
    for _ in range(5):
        L, e, b = random_case(rng, 5)
        mats.append(L)
        es.append(e[0])
    Ls, E = np.stack(mats), np.stack(es)
    stacked = eisenberg_noe(Ls, E)
    for k in range(5):
        one = eisenberg_noe(sp.csr_array(mats[k]), E[k])
        np.testing.assert_allclose(stacked.payments[k], one.payments, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dense_max", [2000, 500])
def test_large_default_sets(dense_max: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # A 700-bank ring in full default, solved densely (limit 2000) or with the sparse
    # per-scenario solver (limit 500); closed form as above.
    import bubblescope.contagion.clearing as clearing

    monkeypatch.setattr(clearing, "_DENSE_SOLVE_MAX_K", dense_max)
    n, link, b = 700, 2.0, 1.0
    r = eisenberg_noe(sp.csr_array(ring(n, link)), np.full((2, n), 0.4), np.full(n, b))
    np.testing.assert_allclose(r.payments, 0.4 * (link + b) / b, rtol=1e-10)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 7))
def test_matches_reference_loop(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    L, e, b = random_case(rng, n, s=3)
    alpha, beta = rng.uniform(0, 1), rng.uniform(0, 1)
    en = eisenberg_noe(L, e, b)
    rv = rogers_veraart(L, e, b, alpha=alpha, beta=beta)
    for k in range(3):
        p_en, d_en = clearing_reference(L, e[k], b[k])
        p_rv, d_rv = clearing_reference(L, e[k], b[k], alpha, beta)
        np.testing.assert_allclose(en.payments[k], p_en, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(rv.payments[k], p_rv, rtol=1e-10, atol=1e-10)
        assert en.defaulted[k].tolist() == d_en
        assert rv.defaulted[k].tolist() == d_rv


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 7))
def test_en_fixed_point_and_conservation(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    L, e, b = random_case(rng, n, s=4)
    r = eisenberg_noe(L, e, b)
    pbar = L.sum(axis=1) + b
    share = np.divide(
        L, L.sum(axis=1, keepdims=True), where=L.sum(1, keepdims=True) > 0, out=np.zeros_like(L)
    )
    # fixed point: p = min(pbar, e + received)
    received = np.einsum(
        "ij,si->sj", L, np.divide(r.payments, pbar, where=pbar > 0, out=np.zeros_like(pbar))
    )
    np.testing.assert_allclose(r.payments, np.minimum(pbar, e + received), atol=1e-10)
    np.testing.assert_allclose(r.received, received, atol=1e-10)
    # conservation: sum e = solvent equity + payments to outside creditors
    outside = np.divide(r.payments * b, pbar, where=pbar > 0, out=np.zeros_like(pbar))
    solvent_equity = np.where(r.defaulted, 0.0, r.equity).sum(axis=1)
    np.testing.assert_allclose(
        e.sum(axis=1), solvent_equity + outside.sum(axis=1), rtol=1e-10, atol=1e-10
    )
    assert share.shape == L.shape
    # defaulted banks pay less than owed, others pay in full
    assert np.all(r.payments[r.defaulted] < pbar[r.defaulted])
    np.testing.assert_allclose(r.payments[~r.defaulted], pbar[~r.defaulted], rtol=1e-14)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 7))
def test_payments_fall_with_alpha_beta_and_assets(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    L, e, b = random_case(rng, n)
    grid = np.linspace(1.0, 0.0, 6)
    # one batched call per parameter: scenarios are the grid points
    by_alpha = rogers_veraart(L, np.repeat(e, 6, 0), b[0], alpha=grid, beta=0.7).payments
    by_beta = rogers_veraart(L, np.repeat(e, 6, 0), b[0], alpha=0.7, beta=grid).payments
    by_e = eisenberg_noe(L, grid[:, None] * e, b[0]).payments
    for P in (by_alpha, by_beta, by_e):
        assert np.all(np.diff(P, axis=0) <= 1e-12)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 7))
def test_node_order_does_not_matter(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    L, e, b = random_case(rng, n, s=2)
    perm = rng.permutation(n)
    r = rogers_veraart(L, e, b, alpha=0.8, beta=0.9)
    rp = rogers_veraart(L[np.ix_(perm, perm)], e[:, perm], b[:, perm], alpha=0.8, beta=0.9)
    inv = np.argsort(perm)
    np.testing.assert_allclose(rp.payments[:, inv], r.payments, rtol=1e-11, atol=1e-11)
    assert (rp.defaulted[:, inv] == r.defaulted).all()


def test_alpha_beta_one_equals_eisenberg_noe() -> None:
    rng = np.random.default_rng(11)
    L, e, b = random_case(rng, 9, s=20)
    en = eisenberg_noe(L, e, b)
    rv = rogers_veraart(L, e, b, alpha=1.0, beta=1.0)
    np.testing.assert_array_equal(en.payments, rv.payments)
    assert en.defaulted.sum() > 0  # the case is not trivial


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(liabilities=np.ones((2, 3)), external_assets=[1, 1]), "liabilities must be square"),
        (dict(liabilities=[[0, -1], [1, 0]], external_assets=[1, 1]), "liabilities must be non"),
        (dict(liabilities=[[0, np.nan], [1, 0]], external_assets=[1, 1]), "liabilities contains"),
        (dict(liabilities=np.ones(3), external_assets=[1, 1, 1]), "liabilities must have shape"),
        (dict(liabilities=OFF2, external_assets=[1, np.inf]), "external_assets contains"),
        (dict(liabilities=OFF2, external_assets=[1, -1]), "external_assets must be non"),
        (dict(liabilities=OFF2, external_assets=[1, 1, 1]), "external_assets must have"),
        (
            dict(liabilities=OFF2, external_assets=[1, 1], external_liabilities=[-1, 0]),
            "external_liabilities must be non",
        ),
        (
            dict(
                liabilities=OFF2,
                external_assets=np.ones((3, 2)),
                external_liabilities=np.ones((2, 2)),
            ),
            "scenario axes do not match",
        ),
        (
            dict(liabilities=np.ones((3, 2, 2)) * OFF2, external_assets=np.ones((2, 2))),
            "scenario axes do not match",
        ),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        eisenberg_noe(**kwargs)


@pytest.mark.parametrize(
    "alpha,beta,match",
    [
        (1.5, 0.5, "alpha must be in"),
        (0.5, -0.1, "beta must be in"),
        (np.nan, 0.5, "alpha contains"),
        (np.ones((2, 2)), 0.5, "alpha must be a scalar"),
        (np.ones(3), np.ones(2), "scenario axes"),
    ],
)
def test_bad_alpha_beta(alpha: object, beta: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        rogers_veraart(OFF2, [1, 1], alpha=alpha, beta=beta)


def test_sparse_negative_entry_rejected() -> None:
    with pytest.raises(ValueError, match="liabilities must be non-negative"):
        eisenberg_noe(sp.csr_array(np.array([[0.0, -2.0], [0.0, 0.0]])), [1, 1])


def test_self_liabilities_rejected() -> None:
    with pytest.raises(ValueError, match="liabilities must have a zero diagonal"):
        eisenberg_noe(np.eye(2), [1, 1])
    with pytest.raises(ValueError, match="liabilities must have a zero diagonal"):
        eisenberg_noe(sp.csr_array(np.eye(2)), [1, 1])


def _case_with_many_default_sets() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(21)
    L, e, b = random_case(rng, 12, s=30)
    return L, e, b


def _check_against_reference(L: np.ndarray, e: np.ndarray, b: np.ndarray) -> None:
    r = rogers_veraart(sp.csr_array(L), e, b, alpha=0.7, beta=0.9)
    for k in range(e.shape[0]):
        p, d = clearing_reference(L, e[k], b[k], 0.7, 0.9)
        np.testing.assert_allclose(r.payments[k], p, rtol=1e-10, atol=1e-10)
        assert r.defaulted[k].tolist() == d


def test_chunking_and_sparse_fallback_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    import bubblescope.contagion.clearing as clearing

    L, e, b = _case_with_many_default_sets()
    # tiny batches: many chunks of different padded sizes
    monkeypatch.setattr(clearing, "_BATCH_ELEMENTS", 20)
    _check_against_reference(L, e, b)
    # default sets above 3 banks go to the per-scenario sparse solver
    monkeypatch.setattr(clearing, "_DENSE_SOLVE_MAX_K", 3)
    _check_against_reference(L, e, b)


def test_singular_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    import bubblescope.contagion.clearing as clearing

    L, e, b = _case_with_many_default_sets()

    def broken_dense(*args: object, **kwargs: object) -> None:
        raise np.linalg.LinAlgError("pretend singular")

    # the batched dense solve fails -> per-scenario sparse solves
    monkeypatch.setattr(clearing.np.linalg, "solve", broken_dense)
    _check_against_reference(L, e, b)

    def broken_sparse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("pretend singular")

    # the sparse solve fails too -> iteration from above (converges to the same vector)
    monkeypatch.setattr(clearing.spla, "spsolve", broken_sparse)
    _check_against_reference(L, e, b)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sparse_network_with_cascades_matches_reference(seed: int) -> None:
    # 60 banks, mean degree 4, capital cushions of 5 %; each scenario wipes out the
    # external assets of a random 10 % of banks, so defaults spread over several rounds.
    from bubblescope.contagion import random_interbank_network

    rng = np.random.default_rng(seed)
    L = random_interbank_network(60, 4.0, seed=rng)
    owed, due = L.sum(axis=1), L.sum(axis=0)
    e = np.where(rng.random((12, 60)) < 0.1, 0.0, np.maximum(owed - due, 0) + 0.05 * owed)
    b = np.full(60, 0.5)
    en = eisenberg_noe(L, e, b)
    rv = rogers_veraart(L, e, b, alpha=0.5, beta=0.8)
    dense = L.toarray()
    assert en.defaulted.sum() > 12  # contagion, not just the hit banks
    for k in range(12):
        p, d = clearing_reference(dense, e[k], b)
        np.testing.assert_allclose(en.payments[k], p, rtol=1e-11, atol=1e-11)
        assert en.defaulted[k].tolist() == d
        p, d = clearing_reference(dense, e[k], b, 0.5, 0.8)
        np.testing.assert_allclose(rv.payments[k], p, rtol=1e-11, atol=1e-11)
        assert rv.defaulted[k].tolist() == d
