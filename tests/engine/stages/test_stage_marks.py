"""Stage tests of stages/marks.py: ``bullet_price`` (closed forms and the sum of
discounted cash flows), ``performing_price``, ``asset_coverage`` and ``debt_mark``, against
the module docstring's rules written out in NumPy on random books of the bundled network,
and against a hand-worked three-entity network."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from engine_nets import make_network
from hypothesis import given, settings
from hypothesis import strategies as hst

from bubblescope.engine import EngineParams
from bubblescope.engine.stages.marks import (
    PRICE_QUARTERS_MAX,
    asset_coverage,
    bullet_price,
    debt_mark,
    performing_price,
)
from bubblescope.testing.stages import StageBench

Bench = Callable[..., StageBench]
SEEDS = hst.integers(0, 2**32 - 1)
RECOVERIES = EngineParams(recovery_other_assets=0.4, recovery_claims=0.7)


def discounted(coupon: float, market_yield: float, quarters: int) -> float:
    """Σ_{s=1..n} (c/4)·(1 + y/4)^−s + (1 + y/4)^−n, term by term."""
    v = 1.0 / (1.0 + market_yield / 4.0)
    total, factor = 0.0, 1.0
    for _ in range(quarters):
        factor *= v
        total += coupon / 4.0 * factor
    return total + factor


def expected_performing(bench: StageBench, d: int, t: int) -> float:
    net, f = bench.net, bench.factors
    base = f.base_rate[0, t]
    y = base + f.spread[0, t, net.rating_bucket[net.debtor[d]]]
    coupon = base + net.rate[d] if net.floating[d] else net.rate[d]
    n = int(np.clip(net.maturity[d] - t, 1, PRICE_QUARTERS_MAX))
    return discounted(coupon, y, n)


# --------------------------------------------------------------------------- bullet_price

def test_bullet_price_by_hand() -> None:
    # 8% coupon at a 6% yield over 4 quarters: v = 1/1.015, v^4 = 0.9421842302867243,
    # annuity (1 − v^4)/0.015 = 3.854384647551716, price 0.02 × 3.8543846 + 0.9421842
    assert bullet_price(0.08, 0.06, 4) == pytest.approx(1.0192719232377585, rel=1e-14)
    # a 6% coupon at 6% is at par; at a zero yield 4 quarters of 1.5% are simply added
    assert bullet_price(0.06, 0.06, 4) == pytest.approx(1.0, rel=1e-15)
    assert bullet_price(0.06, 0.0, 4) == pytest.approx(1.06, rel=1e-15)
    # a zero coupon is the discounted principal: 1.015^−4
    assert bullet_price(0.0, 0.06, 4) == pytest.approx(0.9421842302867243, rel=1e-14)


@given(hst.floats(-0.04, 0.5).filter(lambda y: y != 0.0), hst.integers(1, 400))
@settings(max_examples=40, deadline=None)
def test_bullet_at_par_when_coupon_equals_yield(y: float, n: int) -> None:
    assert bullet_price(y, y, n) == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("y", [4e-14, -4e-14, 4e-10])
def test_bullet_price_is_continuous_at_tiny_yields(y: float) -> None:
    # a 6% coupon over 8 quarters at a yield y → 0: 1.12 less the duration term
    # y/4 · Σ t·c/4 + 8 ≈ y/4 · (0.015·36 + 8), to first order in y
    expected = 1.12 - y / 4.0 * (0.015 * 36.0 + 8.0)
    assert bullet_price(0.06, y, 8) == pytest.approx(expected, rel=1e-12)


@given(hst.floats(-0.05, 0.3), hst.integers(0, 400))
@settings(max_examples=40, deadline=None)
def test_bullet_at_zero_yield_adds_the_coupons(coupon: float, n: int) -> None:
    assert bullet_price(coupon, 0.0, n) == pytest.approx(1.0 + n * coupon / 4.0, rel=1e-14,
                                                         abs=1e-15)


@given(hst.floats(0.0, 0.25),
       hst.one_of(hst.floats(1e-3, 0.4), hst.floats(-0.04, -1e-3)),
       hst.integers(1, 200))
@settings(max_examples=40, deadline=None)
def test_bullet_is_the_sum_of_discounted_cash_flows(coupon: float, y: float, n: int) -> None:
    assert bullet_price(coupon, y, n) == pytest.approx(discounted(coupon, y, n), rel=1e-12)


@given(hst.floats(0.0, 0.25), hst.floats(-0.04, 0.4), hst.floats(1e-5, 0.3),
       hst.integers(1, 200))
@settings(max_examples=40, deadline=None)
def test_bullet_price_falls_as_the_yield_rises(coupon: float, y: float, step: float,
                                               n: int) -> None:
    assert bullet_price(coupon, y + step, n) < bullet_price(coupon, y, n)


# --------------------------------------------------------------------------- hand network

def marks_network() -> object:
    # issuer (IG) owes a 6% bond to 2027-01-01 (maturity quarter 5); the spv (HY) owes a
    # floating loan, base + 3%, to 2035-01-01 (quarter 37); issuer leases from the spv at
    # 2 a year over 2025Q4..2029Q4 (17 quarters of 0.5)
    return make_network(
        [{"id": "issuer", "kind": "hyperscaler", "cash": 100.0, "rating": "A+"},
         {"id": "spv", "kind": "spv", "cash": 1.0, "rating": "BB"},
         {"id": "holder", "kind": "pension_fund"}],
        [{"id": "bond", "kind": "bond", "issuer": "issuer", "amount": 10.0, "rate": 0.06,
          "start": "2025-10-01", "end": "2027-01-01",
          "holders": [{"holder": "holder", "amount": 10.0}]},
         {"id": "frn", "kind": "loan", "lender": "holder", "borrower": "spv", "amount": 20.0,
          "rate_type": "floating", "spread": 0.03, "start": "2025-10-01",
          "end": "2035-01-01"},
         {"id": "lease", "kind": "lease", "lessor": "spv", "lessee": "issuer", "amount": 8.0,
          "annual_rent": 2.0, "start": "2025-10-01", "end": "2030-01-01"}])


@pytest.fixture(scope="module")
def hand() -> StageBench:
    return StageBench.of(marks_network(), horizon="2026Q4")


def hand_books(bench: StageBench) -> StageBench:
    """Quarter 1: base rate 2%, spreads IG 1%, HY 4%; the spv holds cash 1, other assets
    10, fixed assets 2 and GPUs worth 3 and owes the loan (20)."""
    bench.open()
    c, net, st, f = bench.compiled, bench.net, bench.st, bench.factors
    assert c.entity_ids == ["issuer", "spv", "holder"] and c.debt_ids == ["bond", "frn"]
    assert net.maturity.tolist() == [5, 37] and net.spv_debt.tolist() == [False, True]
    assert net.rating_bucket.tolist()[:2] == [0, 1]
    f.base_rate[0, 1] = 0.02
    f.spread[0, 1] = [0.01, 0.04]
    st.cash[:] = [100.0, 1.0, 0.0]
    st.other_assets[:] = [0.0, 10.0, 0.0]
    st.fixed_book[:] = [0.0, 2.0, 0.0]
    st.gpu_value[:] = 0.0
    st.gpu_value[1, 0] = 3.0
    st.other_liabilities[:] = 0.0
    st.balance[:] = [10.0, 20.0]
    st.alive[:] = True
    st.exit_quarter[:] = -1
    return bench


def test_performing_price_by_hand(hand: StageBench) -> None:
    bench = hand_books(hand)
    # bond: 6% at 2% + 1% over 5 − 1 = 4 quarters: v^4 = 1.0075^−4 = 0.9705541719280727,
    # price 0.015 × (1 − v^4)/0.0075 + v^4 = 1.0294458280719274
    assert performing_price(bench.net_s, bench.fp_s, 0, 1) == pytest.approx(
        1.0294458280719274, rel=1e-14)
    # frn: coupon 2% + 3% = 5% at 2% + 4% = 6% over min(37 − 1, 40) = 36 quarters:
    # v^36 = 1.015^−36 = 0.5850897353372431, price 0.0125 × 27.66068431 + v^36
    assert performing_price(bench.net_s, bench.fp_s, 1, 1) == pytest.approx(
        0.9308482892228739, rel=1e-14)


def test_asset_coverage_by_hand(hand: StageBench) -> None:
    bench = hand_books(hand)
    cov = bench.flows.work3
    asset_coverage(bench.net_s, bench.rules_s, bench.st_s, bench.q_s, 1)
    # spv: cash 1 + (10 + 2) × 50% + GPUs 3 + rent still due after quarter 1 (15 × 0.5 =
    # 7.5), over the loan 20: 17.5 / 20; issuer: cash 100 over its bond 10 (the rent it
    # pays is not an asset); holder: loans 30 × 100%, no liabilities: inf
    assert cov[1] == pytest.approx(17.5 / 20.0, rel=1e-15)
    assert cov[0] == pytest.approx(10.0, rel=1e-15)
    assert cov[2] == np.inf
    # other liabilities 5 count: 17.5 / 25
    bench.st.other_liabilities[1] = 5.0
    asset_coverage(bench.net_s, bench.rules_s, bench.st_s, bench.q_s, 1)
    assert cov[1] == pytest.approx(17.5 / 25.0, rel=1e-15)
    bench.st.other_liabilities[1] = 0.0
    # an exit in a later quarter does not count yet; one now or earlier does: 10 / 20
    bench.st.exit_quarter[:] = 3
    asset_coverage(bench.net_s, bench.rules_s, bench.st_s, bench.q_s, 1)
    assert cov[1] == pytest.approx(17.5 / 20.0, rel=1e-15)
    bench.st.exit_quarter[:] = 1
    asset_coverage(bench.net_s, bench.rules_s, bench.st_s, bench.q_s, 1)
    assert cov[1] == pytest.approx(10.0 / 20.0, rel=1e-15)
    # a dead lessee pays nothing more: 10 / 20
    bench.st.exit_quarter[:] = -1
    bench.st.alive[0] = False
    asset_coverage(bench.net_s, bench.rules_s, bench.st_s, bench.q_s, 1)
    assert cov[1] == pytest.approx(10.0 / 20.0, rel=1e-15)


def test_debt_mark_by_hand(hand: StageBench) -> None:
    bench = hand_books(hand)
    q, st = bench.flows, bench.st
    args = (bench.net_s, bench.fp_s, bench.st_s, bench.q_s)
    q.nd[:] = False
    q.p_service[:] = 0.0
    q.swept[:] = 0.0
    q.loss_d[:] = 0.0
    q.work3[:] = [10.0, 0.875, np.inf]
    # performing, the spv's loan capped at its coverage 0.875 (below 0.93085) only once
    # the coverage has been worked out; the issuer's bond is never capped
    assert debt_mark(*args, 1, 1, True) == pytest.approx(0.875, rel=1e-15)
    assert debt_mark(*args, 1, 1, False) == pytest.approx(0.9308482892228739, rel=1e-14)
    q.work3[0] = 0.5
    assert debt_mark(*args, 0, 1, True) == pytest.approx(1.0294458280719274, rel=1e-14)
    # the spv defaults: 5 paid and 1 swept on a claim of 6 + 14 = 20, balance written off:
    # 0.3, and 0.3 still the next quarter
    q.nd[1] = True
    q.p_service[1], q.swept[1], q.loss_d[1] = 5.0, 1.0, 14.0
    st.balance[1] = 0.0
    assert debt_mark(*args, 1, 1, True) == pytest.approx(0.3, rel=1e-15)
    assert st.last_price[1] == pytest.approx(0.3, rel=1e-15)
    q.nd[1] = False
    q.p_service[1], q.swept[1], q.loss_d[1] = 0.0, 0.0, 0.0
    assert debt_mark(*args, 1, 2, True) == pytest.approx(0.3, rel=1e-15)
    # a default with nothing claimed leaves the last price alone
    q.nd[1] = True
    assert debt_mark(*args, 1, 3, True) == pytest.approx(0.3, rel=1e-15)


# --------------------------------------------------------------------------- random books

@given(seed=SEEDS)
@settings(max_examples=30, deadline=None)
def test_performing_price_matches_formula(bundled_bench: Bench, seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = int(rng.integers(1, 20))
    bench = bundled_bench(seed, t=t)
    net = bench.net
    saved = net.floating.copy()
    try:
        # the bundled debt is all fixed-rate: make some of it float (spread = its rate)
        net.floating[:] = rng.random(net.floating.size) < 0.5
        for d in range(net.debtor.size):
            assert performing_price(bench.net_s, bench.fp_s, d, t) == pytest.approx(
                expected_performing(bench, d, t), rel=1e-12)
    finally:
        net.floating[:] = saved


@given(seed=SEEDS)
@settings(max_examples=30, deadline=None)
def test_asset_coverage_matches_formula(bundled_bench: Bench, seed: int) -> None:
    bench = bundled_bench(seed, t=2, params=RECOVERIES)
    rng = np.random.default_rng(seed)
    st, net = bench.st, bench.net
    N, T, K = net.cash0.size, net.remaining.shape[0], net.payer.size
    t = int(rng.integers(0, T))
    st.exit_quarter[:] = np.where(rng.random(K) < 0.3, rng.integers(0, T, K), -1)
    # a few entities without liabilities
    st.other_liabilities[rng.random(N) < 0.1] = 0.0
    asset_coverage(bench.net_s, bench.rules_s, bench.st_s, bench.q_s, t)
    live = np.append(st.alive, True)
    exited = (st.exit_quarter >= 0) & (st.exit_quarter <= t)
    counted = (net.payee < N) & live[net.payer] & live[net.payee] & ~exited
    contracted = np.bincount(net.payee[counted], weights=net.remaining[t][counted],
                             minlength=N + 1)[:N]
    loans = st.balance @ np.asarray(bench.compiled.creditor_share)[:, :N]
    noncash = ((st.other_assets + st.fixed_book) * 0.4 + st.gpu_value.sum(axis=1)
               + loans * 0.7)
    liabilities = np.bincount(net.debtor, weights=st.balance, minlength=N) \
        + st.other_liabilities
    assets = st.cash + noncash + contracted
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(liabilities > 0.0, assets / liabilities, np.inf)
    got = bench.flows.work3
    assert np.array_equal(np.isinf(got), liabilities <= 0.0)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


@given(seed=SEEDS)
@settings(max_examples=30, deadline=None)
def test_debt_mark_matches_rule(bundled_bench: Bench, seed: int) -> None:
    rng = np.random.default_rng(seed)
    bench = bundled_bench(seed, t=2)
    q, st, net = bench.flows, bench.st, bench.net
    N, D, t = net.cash0.size, net.debtor.size, 2
    q.nd[:] = st.alive & (rng.random(N) < 0.3)
    q.p_service[:] = rng.uniform(0.0, 5.0, D) * (rng.random(D) < 0.8)
    q.swept[:] = rng.uniform(0.0, 1.0, D) * (rng.random(D) < 0.3)
    q.loss_d[:] = rng.uniform(0.0, 5.0, D) * (rng.random(D) < 0.8)
    # after new_balances: a defaulter's debt has no balance; some other debt repaid
    st.balance[q.nd[net.debtor] | (rng.random(D) < 0.2)] = 0.0
    st.last_price[:] = np.where(rng.random(D) < 0.5, rng.uniform(0.0, 1.0, D), np.nan)
    q.work3[:] = rng.uniform(0.0, 1.5, N)
    before = st.last_price.copy()
    covered = bool(rng.random() < 0.7)
    got = np.array([debt_mark(bench.net_s, bench.fp_s, bench.st_s, bench.q_s, d, t, covered)
                    for d in range(D)])
    paid = q.p_service + q.swept
    claim = paid + q.loss_d
    hit = q.nd[net.debtor] & (claim > 0.0)
    last = np.where(hit, paid / np.where(hit, claim, 1.0), before)
    np.testing.assert_allclose(st.last_price, last, rtol=1e-15, atol=0, equal_nan=True)
    for d in range(D):
        perf = expected_performing(bench, d, t)
        if covered and net.spv_debt[d]:
            perf = min(perf, q.work3[net.debtor[d]])
        want = perf if st.balance[d] > 0.0 else last[d]
        if np.isnan(want):
            assert np.isnan(got[d])
        else:
            assert got[d] == pytest.approx(want, rel=1e-12)
    # recoveries are shares of the claim
    assert np.all((last[hit] >= 0.0) & (last[hit] <= 1.0))
