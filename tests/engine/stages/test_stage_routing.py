"""Routing helpers (stages/routing.py): per-instrument amounts summed into per-party totals
(against the dense creditor-share matrix and np.bincount), totals conserved, and the
scalar helpers ``ratio``, ``up`` and ``failed``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from engine_nets import make_network
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.engine import FactorPaths
from bubblescope.engine.stages.routing import (
    failed,
    held_by,
    ratio,
    to_creditors,
    to_debtor,
    to_lender,
    to_payee,
    to_payer,
    up,
)
from bubblescope.testing.stages import StageBench

SEEDS = st.integers(0, 2**32 - 1)


def amounts(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random amounts, about a third of them exactly 0 and a few negative."""
    x = rng.uniform(-1.0, 20.0, n)
    x[rng.random(n) < 0.3] = 0.0
    return x


@given(SEEDS)
@settings(max_examples=40, deadline=None)
def test_to_creditors_is_the_dense_share_matrix(bundled_bench: Callable[..., StageBench],
                                                seed: int) -> None:
    bench = bundled_bench(seed)
    rng = np.random.default_rng(seed)
    N, D = bench.net.cash0.size, bench.net.debtor.size
    share = bench.compiled.creditor_share                   # (D, N + 1)
    x = amounts(rng, D)
    out = np.full(N + 1, np.nan)                            # stale values are overwritten
    to_creditors(bench.net_s, x, out)
    np.testing.assert_allclose(out, x @ share, rtol=1e-14, atol=1e-14)
    assert out.sum() == pytest.approx(x.sum(), rel=1e-13, abs=1e-12)  # every share sums to 1


@given(SEEDS)
@settings(max_examples=40, deadline=None)
def test_party_sums_are_bincounts(bundled_bench: Callable[..., StageBench],
                                  seed: int) -> None:
    bench = bundled_bench(seed)
    net = bench.net
    rng = np.random.default_rng(seed)
    N, D, K, E = net.cash0.size, net.debtor.size, net.payer.size, net.stake_holder.size
    cases = [(to_debtor, net.debtor, D, N + 1), (to_lender, net.lender, D, N + 1),
             (to_payee, net.payee, K, N + 1), (to_payer, net.payer, K, N + 1),
             (held_by, net.stake_holder, E, N)]
    for fn, dst, n, slots in cases:
        x = amounts(rng, n)
        out = np.full(slots, np.nan)
        fn(bench.net_s, x, out)
        want = np.bincount(dst, weights=x, minlength=slots)
        np.testing.assert_allclose(out, want, rtol=1e-15, atol=1e-15, err_msg=fn.__name__)
        assert out.sum() == pytest.approx(x.sum(), rel=1e-13, abs=1e-12)


def test_each_debt_is_routed_to_its_largest_creditor(
        bundled_bench: Callable[..., StageBench]) -> None:
    bench = bundled_bench(0)
    share = bench.compiled.creditor_share
    lender = bench.net.lender
    assert np.all(share[np.arange(share.shape[0]), lender] == share.max(axis=1))


def bond_network() -> object:
    return make_network(
        [{"id": "issuer", "kind": "hyperscaler", "cash": 10.0},
         {"id": "a", "kind": "insurer"}, {"id": "b", "kind": "pension_fund"},
         {"id": "bank", "kind": "bank"}],
        [{"id": "bond", "kind": "bond", "issuer": "issuer", "amount": 10.0, "rate": 0.05,
          "start": "2025-10-01", "end": "2030-01-01",
          "holders": [{"holder": "a", "amount": 6.0}, {"holder": "b", "amount": 2.0}]},
         {"id": "loan", "kind": "loan", "lender": "bank", "borrower": "a", "amount": 4.0,
          "rate": 0.05, "start": "2025-10-01", "end": "2027-01-01"}])


def test_routing_hand_network() -> None:
    # the bond (10) is held 6 by a, 2 by b, the other 2 outside: shares 0.6, 0.2, 0.2.
    # 5 paid on the bond and 1 on a's loan from the bank: a receives 3, b 1, the bank 1,
    # the outside world 1; the issuer pays 5, a pays 1. The bond's lender is a.
    bench = StageBench.of(bond_network(), FactorPaths.flat(1, 4), horizon="2026Q3")
    ids, debt = bench.compiled.entity_ids, bench.compiled.debt_ids
    N = len(ids)
    x = np.zeros(len(debt))
    x[debt.index("bond")], x[debt.index("loan")] = 5.0, 1.0
    out = np.zeros(N + 1)
    to_creditors(bench.net_s, x, out)
    want = np.zeros(N + 1)
    want[[ids.index("a"), ids.index("b"), ids.index("bank"), N]] = [3.0, 1.0, 1.0, 1.0]
    np.testing.assert_allclose(out, want, atol=1e-14)
    to_debtor(bench.net_s, x, out)
    want[:] = 0.0
    want[[ids.index("issuer"), ids.index("a")]] = [5.0, 1.0]
    np.testing.assert_allclose(out, want, atol=1e-14)
    to_lender(bench.net_s, x, out)
    want[:] = 0.0
    want[[ids.index("a"), ids.index("bank")]] = [5.0, 1.0]
    np.testing.assert_allclose(out, want, atol=1e-14)


@given(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3))
@settings(max_examples=40, deadline=None)
def test_ratio(a: float, b: float) -> None:
    want = min(a / b, 1.0) if b > 0.0 else 1.0
    assert ratio(a, b) == want
    if b > 0.0 and a >= 0.0:
        assert 0.0 <= ratio(a, b) <= 1.0


def test_ratio_hand_cases() -> None:
    # 3 of a claim of 10: 0.3; 12 of 10: all of it; no claim: 1; a negative amount is not
    # floored (callers pass max(·, 0))
    assert ratio(3.0, 10.0) == pytest.approx(0.3, rel=1e-15)
    assert ratio(12.0, 10.0) == 1.0
    assert ratio(5.0, 0.0) == 1.0 and ratio(0.0, 0.0) == 1.0 and ratio(1.0, -2.0) == 1.0
    assert ratio(-2.0, 4.0) == -0.5


def test_up_and_failed() -> None:
    alive = np.array([True, False, True])
    nd = np.array([False, True, False])
    assert [up(alive, j) for j in range(4)] == [True, False, True, True]   # 3: outside
    assert [failed(nd, j) for j in range(4)] == [False, True, False, False]
    everyone_dead = np.zeros(3, dtype=np.bool_)
    assert up(everyone_dead, 3) and not failed(np.ones(3, dtype=np.bool_), 3)
