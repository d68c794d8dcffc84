"""Stage tests of the clearing (``engine/stages/clearing.py``): the waterfall of a
defaulter's estate (hand-worked tiers, conservation of every estate, seniority, payment in
full by non-defaulters), the receipts (every payment and residual lands somewhere) and the
settled quarter (a fixed point: who pays in full can, and every defaulter's estate is paid
out exactly), for the default loop and exact clearing, on scrambled bundled networks."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from bubblescope.engine import EngineParams
from bubblescope.engine.stages.clearing import claims, estates, receipts, waterfall
from bubblescope.engine.stages.fire_sales import settle_defaults
from bubblescope.engine.state import OK
from bubblescope.testing.stages import StageBench

Bench = Callable[..., StageBench]
SEEDS = hs.integers(0, 2**32 - 1)
EXACT = EngineParams(clearing="eisenberg_noe")


def tiers(bench: StageBench, *, estate: float, collateral: float, secured: float,
          rank1: float, rank2: float, rank3: float) -> np.ndarray:
    """Every entity a defaulter with the same claims and estate; returns the estates."""
    q, N = bench.flows, bench.net.cash0.size
    q.noncash[:], q.secured[:] = collateral, secured
    q.rank1[:], q.rank2[:], q.rank3[:] = rank1, rank2, rank3
    est = np.full(N, estate)
    waterfall(bench.net_s, bench.rules_s, bench.st_s, bench.q_s, np.ones(N, dtype=np.bool_),
              est)
    return est


@pytest.mark.parametrize(("estate", "c0", "r1", "f1", "f2", "f3", "residual"), [
    # secured 4 against collateral 3: c0 = 3/4, pool 10 − 3 = 7; the deficiency 1 joins
    # rank 1: r1 = 5 + 1 = 6, paid in full, pool 1; rank 2 gets 1/6; nothing is left
    (10.0, 0.75, 6.0, 1.0, 1.0 / 6.0, 1.0, 0.0),
    # estate 2 < collateral: c0 = 2/4, pool 0, r1 = 5 + 2 = 7 gets nothing, nor rank 2
    (2.0, 0.5, 7.0, 0.0, 0.0, 1.0, 0.0),
    # estate 20: c0 = 3/4, pool 17 − 6 − 6 = 5 → rank 3 (2) in full, 3 to the owners
    (20.0, 0.75, 6.0, 1.0, 1.0, 1.0, 3.0),
])
def test_waterfall_by_hand(bundled_bench: Bench, estate: float, c0: float, r1: float,
                           f1: float, f2: float, f3: float, residual: float) -> None:
    bench = bundled_bench(0)
    q = bench.flows
    rank3 = 2.0 if estate == 20.0 else 0.0       # ratio(0, 0) = 1: an empty tier is paid
    tiers(bench, estate=estate, collateral=3.0, secured=4.0, rank1=5.0, rank2=6.0,
          rank3=rank3)
    for name, want in (("c0", c0), ("r1", r1), ("f1", f1), ("f2", f2), ("f3", f3),
                       ("n_residual", residual)):
        np.testing.assert_allclose(getattr(q, name), want, rtol=1e-15, atol=1e-15,
                                   err_msg=name)


def random_claims(bench: StageBench, rng: np.random.Generator) -> np.ndarray:
    """Random default set (returned), interest, draws, trade amounts, lease damages and
    opex; ``claims`` worked out for them."""
    q, net = bench.flows, bench.net
    N, D, K = net.cash0.size, net.debtor.size, net.payer.size
    nd = (rng.random(N) < 0.4) & bench.st.alive
    q.interest[:] = rng.uniform(0.0, 1.0, D) * (rng.random(D) < 0.7)
    q.draws[:] = rng.uniform(0.0, 2.0, D) * (rng.random(D) < 0.2)
    q.service[:] = rng.uniform(0.0, 3.0, D)
    q.tdue[:] = rng.uniform(0.0, 3.0, K) * (rng.random(K) < 0.6)
    q.lease_claim[:] = rng.uniform(0.0, 5.0, K) * (rng.random(K) < 0.1)
    q.opex[:] = rng.uniform(0.0, 2.0, N)
    claims(bench.net_s, bench.st_s, bench.q_s, nd)
    return nd


@given(SEEDS, hs.integers(1, 20))
@settings(max_examples=40, deadline=None)
def test_waterfall_pays_out_each_estate_by_seniority(bundled_bench: Bench, seed: int,
                                                     t: int) -> None:
    bench = bundled_bench(seed, t)
    rng = np.random.default_rng(seed + 1)
    q, net, st = bench.flows, bench.net, bench.st
    N = net.cash0.size
    nd = random_claims(bench, rng)
    q.noncash[:] = rng.uniform(0.0, 30.0, N)
    estate = rng.uniform(0.0, 1.5, N) * (q.secured + q.rank1 + q.rank2 + q.rank3)
    waterfall(bench.net_s, bench.rules_s, bench.st_s, bench.q_s, nd, estate)
    inside = net.payer < N
    paid = (np.bincount(net.debtor, q.n_service, N)
            + np.bincount(net.payer[inside], q.n_trade[inside], N) + q.n_opex + q.n_other)
    # each defaulter's estate is paid out to its claimants and owners, to the cent
    np.testing.assert_allclose((paid + q.n_residual)[nd], estate[nd], rtol=1e-12,
                               atol=1e-12)
    # no one is paid more than the claim, and juniors only after seniors in full
    assert np.all(q.n_service[nd[net.debtor]] <= q.claim_debt[nd[net.debtor]] * (1 + 1e-15))
    f1, f2, f3 = q.f1[nd], q.f2[nd], q.f3[nd]
    has2, has3 = q.rank2[nd] > 0, q.rank3[nd] > 0
    assert np.all(f1[has2 & (f2 > 0)] == 1.0)
    assert np.all(f2[has3 & (f3 > 0)] == 1.0)
    assert np.all((f1 == 1.0) & (f2 == 1.0) & (f3 == 1.0) | (q.n_residual[nd] <= 1e-12))
    # a secured claim gets at least what rank 1 gets
    secured_frac = q.c0 + (1.0 - q.c0) * q.f1
    assert np.all(secured_frac[nd] >= q.f1[nd])
    # non-defaulters pay as scheduled and leave no residual
    ok = ~nd
    np.testing.assert_array_equal(q.n_service[ok[net.debtor]], q.service[ok[net.debtor]])
    payer_ok = inside & ~nd[np.minimum(net.payer, N - 1)] | ~inside
    np.testing.assert_array_equal(q.n_trade[payer_ok], q.tdue[payer_ok])
    np.testing.assert_array_equal(q.n_opex[ok], q.opex[ok])
    assert np.all(q.n_other[ok] == 0.0) and np.all(q.n_residual[ok] == 0.0)
    assert st.alive.any()


@given(SEEDS)
@settings(max_examples=30, deadline=None)
def test_receipts_land_somewhere(bundled_bench: Bench, seed: int) -> None:
    # what the parties (and the outside world) receive is every payment and residual
    bench = bundled_bench(seed)
    rng = np.random.default_rng(seed)
    q, net = bench.flows, bench.net
    N, D, K = net.cash0.size, net.debtor.size, net.payer.size
    q.p_service[:] = rng.uniform(0.0, 3.0, D)
    q.p_draw[:] = rng.uniform(0.0, 1.0, D) * (rng.random(D) < 0.3)
    q.p_trade[:] = rng.uniform(0.0, 3.0, K)
    q.residual[:] = rng.uniform(0.0, 2.0, N) * (rng.random(N) < 0.3)
    nd = rng.random(N) < 0.3
    out = np.full(N + 1, np.nan)
    receipts(bench.net_s, bench.q_s, nd, out)
    total = q.p_service.sum() + q.p_draw.sum() + q.p_trade.sum() + q.residual.sum()
    assert out.sum() == pytest.approx(total, rel=1e-12)
    # the owners' shares of residuals, by the stake table; a defaulted owner's go outside
    owners = np.zeros(N + 1)
    np.add.at(owners, net.stake_holder, q.residual[net.stake_issuer] * net.stake_ownership)
    owners[N] += (q.residual * np.maximum(1.0 - net.listed_own, 0.0)).sum()
    owners[N] += owners[:N][nd].sum()
    owners[:N][nd] = 0.0
    np.testing.assert_allclose(q.owners, owners, rtol=1e-12, atol=1e-12)
    assert np.all(q.owners[:N][nd] == 0.0)


def settled(bundled_bench: Bench, seed: int, t: int, params: EngineParams | None
            ) -> StageBench:
    bench = bundled_bench(seed, t, params).fund(t)
    code = settle_defaults(bench.net_s, bench.rules_s, bench.fp_s, bench.st_s, bench.q_s, t)
    assert code == OK
    return bench


@pytest.mark.parametrize("params", [None, EXACT], ids=["loop", "eisenberg_noe"])
@given(seed=SEEDS, t=hs.integers(1, 20))
@settings(max_examples=25, deadline=None)
def test_a_settled_quarter_is_a_clearing_fixed_point(bundled_bench: Bench,
                                                     params: EngineParams | None, seed: int,
                                                     t: int) -> None:
    bench = settled(bundled_bench, seed, t, params)
    q, net, st = bench.flows, bench.net, bench.st
    N = net.cash0.size
    tol = bench.compiled.params.tolerance
    nd = q.nd.copy()
    # who is not in default pays everything and stays above −tolerance
    ok = st.alive & ~nd
    np.testing.assert_array_equal(q.p_service[ok[net.debtor]], q.service[ok[net.debtor]])
    left = st.cash + q.received[:N] + q.raised + q.inflow - q.full_out
    assert np.all(left[ok] >= -tol)
    if not nd.any():
        return
    # each defaulter pays out the estate its final receipts give it, no more
    received = np.empty(N + 1)
    receipts(bench.net_s, bench.q_s, nd, received)
    estate = np.empty(N)
    estates(bench.rules_s, bench.st_s, bench.q_s, q.inflow, received, estate)
    inside = net.payer < N
    paid = (np.bincount(net.debtor, q.p_service, N)
            + np.bincount(net.payer[inside], q.p_trade[inside], N) + q.p_opex + q.p_other)
    # the loop stops when no payment moves by tolerance × 1e-3; exact clearing solves it
    slack = 1e-6 if params is None else 1e-9
    np.testing.assert_allclose((paid + q.residual)[nd], estate[nd], rtol=0, atol=slack)


def test_scrambled_quarters_do_default(bundled_bench: Bench) -> None:
    # the fixed-point test above is not vacuous: most scrambled quarters have defaulters
    with_defaults = sum(settled(bundled_bench, seed, 4, None).flows.nd.any()
                        for seed in range(20))
    assert with_defaults >= 10
