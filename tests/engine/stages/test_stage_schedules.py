"""What falls due (stages/schedules.py): the annuity level payment, scheduled principal by
amortisation code, debt service, trade obligations with milestones and chip delays, the
delayed chip schedule and the milestone quarters, each against a hand derivation."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from engine_nets import make_network
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.engine import FactorPaths
from bubblescope.engine.codes import (
    ANNUITY,
    BULLET,
    CHIP,
    CUSTOM,
    LINEAR,
    PERPETUAL,
    VAR_DEMAND,
    VAR_WINDOW,
)
from bubblescope.engine.stages.schedules import (
    annuity_level,
    debt_service,
    delayed_chips,
    milestone_quarters,
    scheduled_principal,
    trade_obligations,
)
from bubblescope.testing.stages import StageBench

SEEDS = st.integers(0, 2**32 - 1)
NEVER = 1_000_000          # the maturity of a perpetual instrument (compile_rows.NEVER)


@contextlib.contextmanager
def patched(obj: Any, *names: str) -> Iterator[None]:
    """Restore the arrays ``names`` of ``obj`` (the bench's network) after the block."""
    saved = {n: getattr(obj, n).copy() for n in names}
    try:
        yield
    finally:
        for n, v in saved.items():
            getattr(obj, n)[...] = v


# --- annuity_level ----------------------------------------------------------------------

def test_annuity_level_docstring_example() -> None:
    # 100 at 2% a quarter over 8 quarters: 100 × 0.02 / (1 − 1.02^−8) = 13.6510 a quarter
    assert annuity_level(100.0, 0.02, 8) == pytest.approx(13.6510, abs=5e-5)
    assert annuity_level(100.0, 0.02, 8) == pytest.approx(2.0 / (1.0 - 1.02 ** -8), rel=1e-14)


@given(st.floats(0.0, 1e4), st.integers(1, 400))
@settings(max_examples=40, deadline=None)
def test_annuity_level_at_zero_rate_is_the_balance_over_the_periods(balance: float,
                                                                   n: int) -> None:
    assert annuity_level(balance, 0.0, n) == pytest.approx(balance / n, rel=1e-15, abs=0.0)


@given(st.floats(1e-3, 1e4), st.floats(1e-9, 0.25), st.integers(1, 200))
@settings(max_examples=40, deadline=None)
def test_annuity_level_payments_repay_the_balance(balance: float, r: float, n: int) -> None:
    # the present value of n level payments at r equals the balance, and rolling the
    # balance forward (b ← b(1 + r) − P) leaves nothing after the n-th payment.
    level = annuity_level(balance, r, n)
    discount = (1.0 + r) ** -np.arange(1, n + 1)
    # (a sum of up to 200 discounted terms: measured within 1.1e-13)
    assert float(level * discount.sum()) == pytest.approx(balance, rel=1e-12)
    b = balance
    for _ in range(n):
        b = b * (1.0 + r) - level
    # a rounding error ε·B in the first steps grows like (1 + r)^n: measured ≤ 1.1e-13
    assert abs(b) <= 1e-12 * balance * (1.0 + r) ** n


@pytest.mark.parametrize("r", [1e-14, -1e-14, 1e-10, 1e-7])
def test_annuity_level_is_continuous_at_tiny_rates(r: float) -> None:
    # 100 over 8 quarters: the level is 100/8 × (1 + r(n + 1)/2 + O(r²)); the plain
    # closed form B·r/(1 − (1 + r)^−n) lost 8e-4 of it at r = 1e-14 to the rounding of 1 + r
    expected = 12.5 * (1.0 + r * 9.0 / 2.0)
    assert annuity_level(100.0, r, 8) == pytest.approx(expected, rel=1e-12)


# --- scheduled_principal ----------------------------------------------------------------

def expected_principal(amort: int, custom: float, start: int, balance: float, rate: float,
                       t: int, maturity: int) -> float:
    """The docstring's rule, written out: perpetual nothing; all of it at or after
    maturity; nothing before amortisation starts; else by code, within [0, balance]."""
    if amort == PERPETUAL:
        return 0.0
    if t >= maturity:
        return balance
    if t < start:
        return 0.0
    n = maturity - t + 1                 # quarters left including this one (≥ 2 here)
    r = rate / 4.0
    if amort == LINEAR:
        x = balance / n
    elif amort == ANNUITY:
        # level − interest = B·r/(1 − v^n) − B·r = B·r / ((1 + r)^n − 1), with
        # (1 + r)^n − 1 = expm1(n·log1p(r)) (capped: beyond e^700 the principal is ~0)
        x = (balance / n if r == 0.0
             else balance * r / math.expm1(min(n * math.log1p(r), 700.0)))
    elif amort == CUSTOM:
        x = custom
    else:
        x = 0.0                          # bullet before maturity
    return min(max(x, 0.0), balance)


@pytest.mark.parametrize(
    ("amort", "custom", "start", "balance", "rate", "t", "maturity", "due"),
    [
        # bullet 100 maturing in quarter 5: nothing in quarter 2, all 100 in 5 and after
        (BULLET, 0.0, -1, 100.0, 0.05, 2, 5, 0.0),
        (BULLET, 0.0, -1, 100.0, 0.05, 5, 5, 100.0),
        (BULLET, 0.0, -1, 100.0, 0.05, 7, 5, 100.0),
        # linear 100, quarter 2 of a loan maturing in 5: 4 quarters left → 25
        (LINEAR, 0.0, -1, 100.0, 0.05, 2, 5, 25.0),
        # ... but amortisation starts in quarter 3: interest only in quarter 2
        (LINEAR, 0.0, 3, 100.0, 0.05, 2, 5, 0.0),
        # ... except at maturity, which comes first: all 100 in quarter 5 even if the
        # amortisation would only start in 6
        (LINEAR, 0.0, 6, 100.0, 0.05, 5, 5, 100.0),
        # annuity 100 at 8%/yr with 4 quarters left: r = 2%, level 100 × 0.02/(1 − 1.02^−4)
        # = 26.262375, less interest 2 → 24.262375
        (ANNUITY, 0.0, -1, 100.0, 0.08, 1, 4, 24.262375267),
        # annuity at 0%: 100/4
        (ANNUITY, 0.0, -1, 100.0, 0.0, 1, 4, 25.0),
        # custom: the listed 7 of a balance of 50; of a balance of 5 only the 5
        (CUSTOM, 7.0, -1, 50.0, 0.05, 1, 9, 7.0),
        (CUSTOM, 7.0, -1, 5.0, 0.05, 1, 9, 5.0),
        # perpetual: nothing, ever
        (PERPETUAL, 7.0, -1, 50.0, 0.05, 30, NEVER, 0.0),
    ])
def test_scheduled_principal_hand_cases(amort: int, custom: float, start: int,
                                        balance: float, rate: float, t: int, maturity: int,
                                        due: float) -> None:
    got = scheduled_principal(amort, custom, start, balance, rate, t, maturity)
    assert got == pytest.approx(due, rel=1e-10, abs=1e-12)


RATES = st.one_of(st.just(0.0), st.floats(0.004, 0.6))


@given(st.sampled_from([BULLET, LINEAR, ANNUITY, CUSTOM, PERPETUAL]), st.floats(0.0, 2e3),
       st.integers(-1, 80), st.floats(0.0, 1e3), RATES, st.integers(0, 60),
       st.one_of(st.integers(0, 80), st.just(NEVER)))
@settings(max_examples=40, deadline=None)
def test_scheduled_principal_follows_the_rule(amort: int, custom: float, start: int,
                                              balance: float, rate: float, t: int,
                                              maturity: int) -> None:
    got = scheduled_principal(amort, custom, start, balance, rate, t, maturity)
    want = expected_principal(amort, custom, start, balance, rate, t, maturity)
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12 * max(balance, 1.0))
    assert 0.0 <= got <= balance                                     # never above the balance
    if amort != PERPETUAL and t >= maturity:
        assert got == balance                                        # all due at maturity
    if t < start and t < maturity:
        assert got == 0.0                                            # interest only


# --- debt_service -----------------------------------------------------------------------

def randomise_debt(bench: StageBench, rng: np.random.Generator, t: int) -> None:
    """Random terms for every instrument (restore ``floating``, ``amort``, ``amort_start``
    and ``custom`` of the network afterwards): floating or fixed, any code, coupons or
    spreads (some exactly 0), maturities around ``t`` or never."""
    net, s = bench.net, bench.st
    D = net.debtor.size
    net.floating[:] = rng.random(D) < 0.5
    net.amort[:] = rng.integers(0, 5, D)
    net.amort_start[:] = np.where(rng.random(D) < 0.5, -1, rng.integers(0, 2 * t + 3, D))
    net.custom[t] = np.where(rng.random(D) < 0.3, 0.0, rng.uniform(0.0, 20.0, D))
    s.rate_coef[:] = np.where(rng.random(D) < 0.1, 0.0, rng.uniform(0.01, 0.15, D))
    s.maturity[:] = np.where(rng.random(D) < 0.2, NEVER, t + rng.integers(-3, 12, D))


@given(SEEDS, st.integers(0, 20))
@settings(max_examples=40, deadline=None)
def test_debt_service_on_the_bundled_network(bundled_bench: Callable[..., StageBench],
                                             seed: int, t: int) -> None:
    bench = bundled_bench(seed, t)
    net, s, q = bench.net, bench.st, bench.flows
    rng = np.random.default_rng(seed + 1)
    with patched(net, "floating", "amort", "amort_start", "custom"):
        randomise_debt(bench, rng, t)
        q.rate[:], q.interest[:], q.principal[:], q.service[:] = -1.0, -1.0, -1.0, -1.0
        debt_service(bench.net_s, bench.fp_s, bench.st_s, bench.q_s, t)
        base = bench.factors.base_rate[0, t]
        rate = np.where(net.floating, base + s.rate_coef, s.rate_coef)
        np.testing.assert_allclose(q.rate, rate, rtol=0, atol=1e-15)
        np.testing.assert_allclose(q.interest, s.balance * rate / 4.0, rtol=1e-12, atol=1e-15)
        want = [expected_principal(int(net.amort[d]), float(net.custom[t, d]),
                                   int(net.amort_start[d]), float(s.balance[d]),
                                   float(rate[d]), t, int(s.maturity[d]))
                for d in range(net.debtor.size)]
        np.testing.assert_allclose(q.principal, want, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(q.service, q.interest + q.principal, rtol=1e-15, atol=0)
        assert np.all(q.principal <= s.balance)


def loans_network() -> object:
    return make_network(
        [{"id": "co", "kind": "other", "cash": 10.0}, {"id": "bank", "kind": "bank"}],
        [{"id": "annuity", "kind": "loan", "lender": "bank", "borrower": "co",
          "amount": 100.0, "rate": 0.08, "amortisation": "annuity",
          "start": "2025-10-01", "end": "2026-09-30"},
         {"id": "floating", "kind": "loan", "lender": "bank", "borrower": "co",
          "amount": 50.0, "rate_type": "floating", "spread": 0.03,
          "start": "2025-10-01", "end": "2027-12-31"},
         {"id": "linear", "kind": "loan", "lender": "bank", "borrower": "co",
          "amount": 40.0, "rate": 0.06, "amortisation": "linear",
          "start": "2025-10-01", "end": "2026-09-30"}])


def test_debt_service_hand_network() -> None:
    # quarter 0 (2025Q4), base rate 5%; the annuity and the linear loan mature in
    # 2026Q3 (quarter 3): 4 quarters left.
    # annuity 100 at 8%: interest 2, principal 24.262375 (level 26.262375)
    # floating 50 at 5% + 3% = 8%: interest 1, bullet: no principal
    # linear 40 at 6%: interest 0.6, principal 40/4 = 10
    bench = StageBench.of(loans_network(), FactorPaths.flat(1, 9, base_rate=0.05),
                          horizon="2027Q4").open()
    debt_service(bench.net_s, bench.fp_s, bench.st_s, bench.q_s, 0)
    ids = bench.compiled.debt_ids
    q = bench.flows
    a, f, lin = (ids.index(x) for x in ("annuity", "floating", "linear"))
    np.testing.assert_allclose(q.rate[[a, f, lin]], [0.08, 0.08, 0.06], atol=1e-15)
    np.testing.assert_allclose(q.interest[[a, f, lin]], [2.0, 1.0, 0.6], atol=1e-12)
    np.testing.assert_allclose(q.principal[[a, f, lin]], [24.262375267, 0.0, 10.0], atol=1e-8)
    np.testing.assert_allclose(q.service[[a, f, lin]], [26.262375267, 1.0, 10.6], atol=1e-8)


# --- trade_obligations ------------------------------------------------------------------

@given(SEEDS, st.integers(0, 20))
@settings(max_examples=40, deadline=None)
def test_trade_obligations_on_the_bundled_network(bundled_bench: Callable[..., StageBench],
                                                  seed: int, t: int) -> None:
    bench = bundled_bench(seed, t)
    net, s, q = bench.net, bench.st, bench.flows
    rng = np.random.default_rng(seed + 2)
    N, K, M = net.cash0.size, net.payer.size, net.ms_trade.size
    with patched(net, "payer", "payee"):
        # some obligations paid by or to the outside world (always alive)
        net.payer[rng.random(K) < 0.1] = N
        net.payee[rng.random(K) < 0.1] = N
        s.chip_schedule[:] = rng.uniform(0.0, 5.0, s.chip_schedule.shape)
        s.milestone_at[:] = np.where(rng.random(M) < 0.5, t, rng.integers(-1, 21, M))
        q.tdue[:], q.lease_claim[:] = -1.0, -1.0
        trade_obligations(bench.net_s, bench.fp_s, bench.st_s, bench.q_s, t)
        demand, window = bench.factors.ai_demand[0, t], bench.factors.window[0, t]
        col = np.maximum(net.chip_col, 0)
        base = np.where(net.trade_kind == CHIP, s.chip_schedule[t, col], net.fixed[t])
        factor = np.select([net.var_factor == VAR_DEMAND, net.var_factor == VAR_WINDOW],
                           [demand, window], 0.0)
        want = base + net.variable[t] * factor
        now = s.milestone_at == t
        np.add.at(want, net.ms_trade[now],
                  net.ms_amount[now] * np.where(net.ms_window[now], window, 1.0))
        alive = np.append(s.alive, True)
        want[~(alive[net.payer] & alive[net.payee])] = 0.0
        np.testing.assert_allclose(q.tdue, want, rtol=1e-14, atol=1e-15)
        np.testing.assert_array_equal(q.lease_claim, net.lease_claim[t])


def trade_network() -> object:
    return make_network(
        [{"id": "lab", "kind": "ai_lab", "cash": 5.0},
         {"id": "cloud", "kind": "neocloud", "cash": 5.0},
         {"id": "vendor", "kind": "chip_vendor", "cash": 5.0},
         {"id": "vc", "kind": "venture_fund", "cash": 50.0}],
        [{"id": "compute", "kind": "compute_contract", "buyer": "lab", "seller": "cloud",
          "amount": 8.0, "take_or_pay_share": 0.75, "start": "2026-01-01",
          "end": "2027-01-01"},
         {"id": "chips", "kind": "chip_purchase", "buyer": "lab", "vendor": "vendor",
          "amount": 6.0, "deliveries": [{"date": "2026-01-15", "amount": 6.0}]},
         {"id": "stake", "kind": "equity_stake", "investor": "vc", "issuer": "lab",
          "amount": 4.0, "amount_type": "ceiling", "start": "2026-01-01",
          "tranches": [{"amount": 4.0, "date": "2026-01-01", "status": "signed",
                        "min_ai_demand": 1.3}]},
         {"id": "notes", "kind": "bond", "issuer": "lab", "amount": 3.0, "rate": 0.05,
          "start": "2026-04-01", "end": "2030-01-01"}])


def test_trade_obligations_hand_network() -> None:
    # quarters 0..6 (2025Q4..2027Q2); AI demand 1.0, 1.2, then 1.4; equity window 0.5;
    # the chips delivered in quarter 1 are delayed 2 quarters.
    # compute: 8 over quarters 1..4, 2 a quarter: 1.5 take-or-pay + 0.5 × demand
    # chips: 6 scheduled in quarter 1, paid in quarter 3
    # tranche: 4 × window = 2, first quarter from 1 with demand ≥ 1.3: quarter 2
    # notes: 3 disbursed in quarter 2 by their holders (outside the network)
    f = FactorPaths.flat(1, 7, base_rate=0.0, equity_window=0.5)
    f.ai_demand[0] = [1.0, 1.2, 1.4, 1.4, 1.4, 1.4, 1.4]
    f.chip_delay[0, 1] = 2.0
    bench = StageBench.of(trade_network(), f, horizon="2027Q2").open()
    ids = bench.compiled.trade_ids
    k = {name: ids.index(name) for name in ("compute", "chips", "stake")}
    k["notes"] = next(i for i, x in enumerate(ids) if x.startswith("notes"))
    want = {1: {"compute": 1.5 + 0.5 * 1.2, "chips": 0.0, "stake": 0.0, "notes": 0.0},
            2: {"compute": 1.5 + 0.5 * 1.4, "chips": 0.0, "stake": 2.0, "notes": 3.0},
            3: {"compute": 2.2, "chips": 6.0, "stake": 0.0, "notes": 0.0}}
    for t, row in want.items():
        trade_obligations(bench.net_s, bench.fp_s, bench.st_s, bench.q_s, t)
        for name, amount in row.items():
            assert bench.flows.tdue[k[name]] == pytest.approx(amount, abs=1e-12), (t, name)
    assert bench.net.payer[k["notes"]] == bench.net.cash0.size        # paid by the outside
    # the cloud defaults: the lab owes it nothing from then on; the rest still stands
    cloud = bench.compiled.entity_ids.index("cloud")
    bench.st.alive[cloud] = False
    trade_obligations(bench.net_s, bench.fp_s, bench.st_s, bench.q_s, 3)
    assert bench.flows.tdue[k["compute"]] == 0.0
    assert bench.flows.tdue[k["chips"]] == pytest.approx(6.0, abs=1e-12)
    # the lab defaults too: nothing is owed by it or to it
    bench.st.alive[bench.compiled.entity_ids.index("lab")] = False
    trade_obligations(bench.net_s, bench.fp_s, bench.st_s, bench.q_s, 2)
    assert np.all(bench.flows.tdue == 0.0)


# --- delayed_chips and milestone_quarters -----------------------------------------------

@given(SEEDS)
@settings(max_examples=40, deadline=None)
def test_delayed_chips_shift_by_the_delays(bundled_bench: Callable[..., StageBench],
                                          seed: int) -> None:
    bench = bundled_bench(seed, 1)
    net = bench.net
    rng = np.random.default_rng(seed)
    T = net.fixed.shape[0]
    chips = np.nonzero(net.chip_col >= 0)[0]
    with patched(net, "fixed"):
        net.fixed[:, chips] = np.where(rng.random((T, chips.size)) < 0.5, 0.0,
                                       rng.uniform(0.0, 10.0, (T, chips.size)))
        delay = np.where(rng.random(T) < 0.3, 0, rng.integers(0, 8, T)).astype(np.int64)
        out = np.full((T, chips.size), np.nan)
        delayed_chips(bench.net_s, delay, out)
        want = np.zeros((T, chips.size))
        for c, k in enumerate(chips):                  # column c is the c-th chip obligation
            for s in range(T):
                if s + delay[s] < T:
                    want[s + delay[s], c] += net.fixed[s, k]
        np.testing.assert_allclose(out, want, rtol=1e-15, atol=0)
        # conserved but for the amounts pushed past the horizon
        kept = (np.arange(T) + delay) < T
        assert out.sum() == pytest.approx(net.fixed[kept][:, chips].sum(), rel=1e-13)
        # no delays: the schedule itself
        delayed_chips(bench.net_s, np.zeros(T, dtype=np.int64), out)
        np.testing.assert_array_equal(out, net.fixed[:, chips])


def test_delayed_chips_hand_case() -> None:
    # the trade network's one chip obligation: 6 in quarter 1. Delay 2 → quarter 3;
    # delay 6 → quarter 7, past the horizon (quarters 0..6): it falls away.
    bench = StageBench.of(trade_network(), FactorPaths.flat(1, 7), horizon="2027Q2")
    out = np.zeros((7, 1))
    delayed_chips(bench.net_s, np.array([0, 2, 0, 0, 0, 0, 0], dtype=np.int64), out)
    np.testing.assert_array_equal(out[:, 0], [0, 0, 0, 6.0, 0, 0, 0])
    delayed_chips(bench.net_s, np.array([0, 6, 0, 0, 0, 0, 0], dtype=np.int64), out)
    np.testing.assert_array_equal(out, 0.0)


@given(SEEDS)
@settings(max_examples=40, deadline=None)
def test_milestone_quarters_first_quarter_demand_reaches_the_level(
        bundled_bench: Callable[..., StageBench], seed: int) -> None:
    bench = bundled_bench(seed, 1)
    net = bench.net
    rng = np.random.default_rng(seed)
    T = net.fixed.shape[0]
    demand = rng.uniform(0.5, 4.0, T)
    out = np.full(net.ms_trade.size, -7, dtype=np.int64)
    milestone_quarters(bench.net_s, demand, out)
    for m in range(out.size):
        hits = np.flatnonzero(demand[net.ms_first[m]:] >= net.ms_level[m])
        assert out[m] == (net.ms_first[m] + hits[0] if hits.size else -1)


def test_milestone_quarters_hand_case() -> None:
    # the trade network's tranche: from quarter 1, level 1.3. Demand 1.0, 1.2, 1.4, ...:
    # quarter 2; a level reached only in quarter 0 (before its date) does not count; never
    # reached: −1.
    bench = StageBench.of(trade_network(), FactorPaths.flat(1, 7), horizon="2027Q2")
    out = np.zeros(1, dtype=np.int64)
    milestone_quarters(bench.net_s, np.array([1.0, 1.2, 1.4, 1.4, 1.4, 1.4, 1.4]), out)
    assert out[0] == 2
    milestone_quarters(bench.net_s, np.array([1.5, 1.2, 1.2, 1.2, 1.2, 1.2, 1.3]), out)
    assert out[0] == 6
    milestone_quarters(bench.net_s, np.array([1.5, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2]), out)
    assert out[0] == -1
