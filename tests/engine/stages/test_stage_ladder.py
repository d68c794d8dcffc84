"""Stage tests of the liquidity ladder (``engine/stages/ladder.py``): ``borrower_spreads``
(bucket spread, leverage and peer-default premiums), ``liquidity_ladder`` (draws, then
roll-overs while the market is open, then equity, against an independent per-entity
sequential computation) and ``roll_over`` (repricing, new term, rolled principal out of
what is due, draw flows, ``full_out``), on random balances of the bundled network and on
hand-worked cases."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from engine_nets import make_network
from hypothesis import given, settings
from hypothesis import strategies as hs

from bubblescope.engine import EngineParams
from bubblescope.engine.stages.ladder import borrower_spreads, liquidity_ladder, roll_over
from bubblescope.testing.stages import StageBench, patched

Bench = Callable[..., StageBench]
SEEDS = hs.integers(0, 2**32 - 1)
#: refinancing conditions with non-default premiums (so the constants read are checked)
#: and a six-quarter term for debt rolled at maturity
ON = EngineParams(refinancing_conditions=True, refinance_leverage_spread=0.07,
                  refinance_contagion_spread=0.12, refinance_term_quarters=6)
TOL = {"rtol": 1e-12, "atol": 1e-12}


def call(kernel: Callable[..., None], b: StageBench, t: int) -> None:
    kernel(b.net_s, b.rules_s, b.fp_s, b.st_s, b.q_s, t)


# --- borrower_spreads --------------------------------------------------------------------

def expected_spreads(b: StageBench, t: int) -> np.ndarray:
    """Bucket spread, plus with conditions lev × max(L − 0.5, 0) + contagion × (other
    entities of the same kind, by the compiled kind names, defaulted in t − 4 .. t) ÷
    (other entities of the kind)."""
    ig, hy = b.factors.spread[0, t]
    s = np.where(b.net.rating_bucket == 0, ig, hy)
    if not b.rules.refinancing_conditions:
        return s
    kinds = np.asarray(b.compiled.kinds)
    same = kinds[:, None] == kinds[None, :]
    np.fill_diagonal(same, False)
    dq = b.st.default_quarter
    recent = (dq >= 0) & (dq >= t - 4)
    others = same.sum(axis=1)
    peers = (same & recent[None, :]).sum(axis=1)
    share = np.divide(peers, others, out=np.zeros(s.size), where=others > 0)
    lev = b.rules.refinance_leverage_spread * np.maximum(b.st.leverage - 0.5, 0.0)
    return s + lev + b.rules.refinance_contagion_spread * share


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, t=hs.integers(1, 20), conditions=hs.booleans())
def test_borrower_spreads_match_the_bucket_and_premiums(bundled_bench: Bench, seed: int,
                                                         t: int, conditions: bool) -> None:
    b = bundled_bench(seed, t, ON if conditions else None)
    b.flows.borrower[:] = -1.0
    call(borrower_spreads, b, t)
    # compared on the live entities: a defaulted entity's spread is never used (its
    # need is zero), and the kernel counts it among its own "recent defaults"
    live = b.st.alive
    np.testing.assert_allclose(b.flows.borrower[live], expected_spreads(b, t)[live], **TOL)
    if not conditions:
        ig, hy = b.factors.spread[0, t]
        np.testing.assert_array_equal(b.flows.borrower,
                                      np.where(b.net.rating_bucket == 0, ig, hy))
    else:  # premiums are never negative
        ig, hy = b.factors.spread[0, t]
        assert np.all(b.flows.borrower[live]
                      >= np.where(b.net.rating_bucket == 0, ig, hy)[live] - 1e-15)


def two_neoclouds() -> object:
    return make_network(
        [{"id": "n1", "kind": "neocloud"}, {"id": "n2", "kind": "neocloud", "cash": 1.0},
         {"id": "bank", "kind": "bank", "rating": "AA"}], [])


def test_borrower_spreads_hand_case() -> None:
    # IG 1%, HY 4%. n1 defaulted in quarter 0; n2 (HY, leverage 0.7, its only peer n1):
    # 4% + 7% × (0.7 − 0.5) + 12% × 1/1 = 4% + 1.4% + 12% = 17.4% in quarters 1..4
    # (0 ≥ t − 4), 5.4% from quarter 5 on. The bank (IG, leverage 0.3, no peers): 1%.
    b = StageBench.of(two_neoclouds(), horizon="2027Q4", params=ON).open()
    ids = b.compiled.entity_ids
    n1, n2, bank = ids.index("n1"), ids.index("n2"), ids.index("bank")
    b.st.alive[n1], b.st.default_quarter[n1] = False, 0
    b.st.leverage[[n1, n2, bank]] = [0.0, 0.7, 0.3]
    for t, want in [(1, 0.174), (4, 0.174), (5, 0.054), (7, 0.054)]:
        b.factors.spread[0, t] = [0.01, 0.04]
        call(borrower_spreads, b, t)
        assert b.flows.borrower[n2] == pytest.approx(want, abs=1e-12), t
        assert b.flows.borrower[bank] == pytest.approx(0.01, abs=1e-12)
    off = StageBench.of(two_neoclouds(), horizon="2027Q4").open()
    off.st.alive[n1], off.st.default_quarter[n1] = False, 0
    off.st.leverage[n2] = 0.7
    off.factors.spread[0, 1] = [0.01, 0.04]
    call(borrower_spreads, off, 1)
    np.testing.assert_array_equal(off.flows.borrower[[n2, bank]], [0.04, 0.01])


# --- liquidity_ladder --------------------------------------------------------------------

def bucket_spread(b: StageBench, t: int, i: int) -> float:
    return float(b.factors.spread[0, t, 0 if b.net.rating_bucket[i] == 0 else 1])


def expected_ladder(b: StageBench, t: int) -> dict[str, np.ndarray]:
    """The ladder entity by entity: the gap below the buffer, then each of its debts in
    turn drawn (drawable, lender alive, t ≤ draw_last, ≤ undrawn), then each rolled over
    where the market is open (≤ principal), then equity up to the cap."""
    net, st, q, r = b.net, b.st, b.flows, b.rules
    N, D = st.cash.size, st.balance.size
    window = float(b.factors.window[0, t])
    projected = (st.cash + q.s_in[:N] - q.s_out[:N] + q.t_in[:N] - q.t_out[:N] + q.mrev
                 - q.opex - q.capex)
    gap0 = np.where(st.alive, np.maximum(net.min_cash - projected, 0.0), 0.0)
    open_ = np.array([q.borrower[net.debtor[d]] < r.refinance_spread_max and window > 0.0
                      for d in range(D)], dtype=bool)
    if r.refinancing_conditions:
        for d, g in zip(net.guar_debt, net.guar_by, strict=True):
            if st.alive[g] and bucket_spread(b, t, g) < r.refinance_spread_max:
                open_[d] = True
    party_alive = np.append(st.alive, True)       # the outside world always lends
    draws, refi, left, raised = np.zeros(D), np.zeros(D), np.zeros(N), np.zeros(N)
    for i in range(N):
        gap = gap0[i]
        mine = [d for d in range(D) if net.debtor[d] == i]
        for d in mine:
            if net.drawable[d] and t <= net.draw_last[d] and party_alive[net.lender[d]]:
                draws[d] = min(st.undrawn[d], gap)
                gap -= draws[d]
        for d in mine:
            if open_[d]:
                refi[d] = min(q.principal[d], gap)
                gap -= refi[d]
        left[i] = gap
        cap = r.equity_raise_cap * window * net.market_access[i] * max(st.market_equity[i], 0)
        raised[i] = min(max(gap, 0.0), cap) if st.alive[i] else 0.0
    return {"gap0": gap0, "open": open_, "draws": draws, "refi": refi, "need": left,
            "raised": raised}


def random_flows(b: StageBench, rng: np.random.Generator, t: int) -> None:
    """Scheduled flows that leave many entities short of their buffers."""
    q, st = b.flows, b.st
    N, D = st.cash.size, st.balance.size
    q.s_in[:] = rng.uniform(0, 3, N + 1)
    q.s_out[:N] = st.cash * rng.uniform(0, 2.5, N) + rng.uniform(0, 3, N)
    q.s_out[N] = rng.uniform(0, 3)
    q.t_in[:] = rng.uniform(0, 2, N + 1)
    q.t_out[:] = rng.uniform(0, 2, N + 1)
    q.mrev[:] = rng.uniform(0, 2, N)
    q.opex[:] = rng.uniform(0, 2, N)
    q.capex[:] = rng.uniform(0, 1, N)
    q.principal[:] = st.balance * rng.uniform(0, 1, D) * (rng.random(D) < 0.7)
    q.borrower[:] = rng.uniform(0, 0.16, N)       # about half below the 8% limit
    q.draws[:] = q.refi[:] = q.need[:] = q.raised[:] = -7.0   # overwritten by the kernel


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS, t=hs.integers(1, 20), conditions=hs.booleans(), shut=hs.booleans())
def test_liquidity_ladder_matches_a_sequential_computation(
        bundled_bench: Bench, seed: int, t: int, conditions: bool, shut: bool) -> None:
    b = bundled_bench(seed, t, ON if conditions else None)
    rng = np.random.default_rng([seed, 1])
    N = b.st.cash.size
    random_flows(b, rng, t)
    if shut:
        b.factors.window[0, t] = 0.0
    buffers = rng.uniform(0, 3, N) * (rng.random(N) < 0.6)
    with patched(b.net.min_cash, buffers):
        call(liquidity_ladder, b, t)
        want = expected_ladder(b, t)
    q, st, net = b.flows, b.st, b.net
    np.testing.assert_array_equal(q.open_debt, want["open"])
    for name in ("draws", "refi", "need", "raised"):
        np.testing.assert_allclose(getattr(q, name), want[name], err_msg=name, **TOL)
    # caps: draws ≤ undrawn, roll-overs ≤ principal due, raises ≤ the equity cap
    assert np.all(q.draws <= st.undrawn + 1e-12) and np.all(q.draws >= 0)
    assert np.all(q.refi <= q.principal + 1e-12) and np.all(q.refi >= 0)
    window = b.factors.window[0, t]
    cap = b.rules.equity_raise_cap * window * net.market_access * np.maximum(
        st.market_equity, 0)
    assert np.all(q.raised <= cap + 1e-12)
    # the rungs never cover more than the gap: draws + refi + need left = the gap
    covered = (np.bincount(net.debtor, q.draws, minlength=N)
               + np.bincount(net.debtor, q.refi, minlength=N))
    np.testing.assert_allclose(covered + q.need, want["gap0"], **TOL)
    assert np.all(q.need >= -1e-12) and np.all(q.raised <= np.maximum(q.need, 0) + 1e-12)
    # in order: an entity rolling anything has drawn all it could
    rolling = np.bincount(net.debtor, q.refi, minlength=N) > 0
    for d in np.flatnonzero(net.drawable & (net.draw_last >= t)):
        i = net.debtor[d]
        lender_up = net.lender[d] == N or st.alive[net.lender[d]]
        if rolling[i] and lender_up:
            assert q.draws[d] == pytest.approx(st.undrawn[d], abs=1e-12)
    if shut:  # a shut window closes the market and equity (no guarantees here)
        assert not q.open_debt.any() and not q.raised.any()


def ladder_net() -> object:
    return make_network(
        [{"id": "firm", "kind": "other", "cash": 1.0, "min_cash_buffer": 1.0,
          "equity_market_access": 0.5},
         {"id": "bank", "kind": "bank", "cash": 50.0}],
        [{"id": "rcf", "kind": "credit_facility", "lender": "bank", "borrower": "firm",
          "amount": 3.0, "drawn": 1.0, "rate": 0.05, "end": "2030-01-01"},
         {"id": "loan", "kind": "loan", "lender": "bank", "borrower": "firm",
          "amount": 10.0, "rate": 0.04, "start": "2025-10-01", "end": "2027-01-01"},
         {"id": "frn", "kind": "loan", "lender": "bank", "borrower": "firm",
          "amount": 6.0, "rate_type": "floating", "spread": 0.02, "start": "2025-10-01",
          "end": "2026-07-01"}])


def ladder_bench(params: EngineParams | None = None) -> tuple[StageBench, int, int, int]:
    """The firm at t = 2: cash 1, scheduled out 8, trade in 0.5, market revenue 2, opex 1,
    capex 0.5 → projected 1 − 8 + 0.5 + 2 − 1 − 0.5 = −6, need 1 − (−6) = 7; undrawn 2,
    principal due on the loan 4, spread 5%, window 0.6, market equity 10."""
    b = StageBench.of(ladder_net(), horizon="2027Q4", params=params).open()
    ids, debts = b.compiled.entity_ids, b.compiled.debt_ids
    firm, bank = ids.index("firm"), ids.index("bank")
    q, st = b.flows, b.st
    for name in ("s_in", "s_out", "t_in", "t_out", "mrev", "opex", "capex", "principal",
                 "borrower"):
        getattr(q, name)[:] = 0.0
    st.cash[:] = 0.0
    st.cash[firm] = 1.0
    q.s_out[firm], q.t_in[firm], q.mrev[firm], q.opex[firm], q.capex[firm] = (
        8.0, 0.5, 2.0, 1.0, 0.5)
    st.undrawn[:] = 0.0
    st.undrawn[debts.index("rcf")] = 2.0
    q.principal[debts.index("loan")] = 4.0
    q.borrower[firm] = 0.05
    st.market_equity[:] = 0.0
    st.market_equity[firm] = 10.0
    b.factors.window[0, 2] = 0.6
    return b, firm, bank, debts.index("rcf")


def test_liquidity_ladder_hand_case() -> None:
    # need 7: draw the 2 left on the facility (5 to go), roll over the 4 due on the loan
    # (1 to go), raise equity up to 10% × 0.6 × 0.5 × 10 = 0.3; 0.7 stays uncovered
    b, firm, bank, rcf = ladder_bench()
    loan = b.compiled.debt_ids.index("loan")
    call(liquidity_ladder, b, 2)
    q = b.flows
    assert q.draws[rcf] == pytest.approx(2.0, abs=1e-12)
    assert q.refi[loan] == pytest.approx(4.0, abs=1e-12)
    assert q.need[firm] == pytest.approx(1.0, abs=1e-12)
    assert q.raised[firm] == pytest.approx(0.3, abs=1e-12)
    assert q.need[bank] == 0.0 and q.raised[bank] == 0.0
    # spread 9% ≥ 8%: the market is shut, 5 left after the draw, still 0.3 of equity
    b, firm, bank, rcf = ladder_bench()
    b.flows.borrower[firm] = 0.09
    call(liquidity_ladder, b, 2)
    assert not b.flows.refi.any() and b.flows.need[firm] == pytest.approx(5.0, abs=1e-12)
    assert b.flows.raised[firm] == pytest.approx(0.3, abs=1e-12)
    # the lender has failed: nothing drawn, 4 rolled, 3 left
    b, firm, bank, rcf = ladder_bench()
    b.st.alive[bank] = False
    call(liquidity_ladder, b, 2)
    assert b.flows.draws[rcf] == 0.0 and b.flows.refi[loan] == pytest.approx(4.0)
    assert b.flows.need[firm] == pytest.approx(3.0, abs=1e-12)
    # window shut: draws only; no roll-over, no equity
    b, firm, bank, rcf = ladder_bench()
    b.factors.window[0, 2] = 0.0
    call(liquidity_ladder, b, 2)
    assert b.flows.draws[rcf] == pytest.approx(2.0) and not b.flows.refi.any()
    assert b.flows.raised[firm] == 0.0
    # the buffer is met (projected 1 ≥ 1): nothing is drawn, rolled or raised
    b, firm, bank, rcf = ladder_bench()
    b.flows.s_out[firm] = 1.0
    call(liquidity_ladder, b, 2)
    assert not (b.flows.draws.any() or b.flows.refi.any() or b.flows.raised.any())


def guaranteed_net() -> object:
    return make_network(
        [{"id": "firm", "kind": "neocloud", "cash": 1.0},
         {"id": "gov", "kind": "government", "rating": "AAA", "cash": 100.0},
         {"id": "bank", "kind": "bank"}],
        [{"id": "loan", "kind": "loan", "lender": "bank", "borrower": "firm",
          "amount": 10.0, "rate": 0.05, "start": "2025-10-01", "end": "2026-07-01"},
         {"id": "g", "kind": "guarantee", "guarantor": "gov", "obligation": "loan",
          "amount": 0.0, "coverage": 1.0, "start": "2025-10-01"}])


def guaranteed_bench(params: EngineParams | None) -> tuple[StageBench, int, int, int]:
    """The HY firm owes its 10 loan at maturity (quarter 3) with 1 of cash and a 10%
    spread (above 8%); its guarantor is AAA: IG spread 2%, base rate 3%, window 0.5."""
    b = StageBench.of(guaranteed_net(), horizon="2027Q4", params=params).open()
    ids = b.compiled.entity_ids
    firm, gov = ids.index("firm"), ids.index("gov")
    q, t = b.flows, 3
    for name in ("s_in", "s_out", "t_in", "t_out", "mrev", "opex", "capex"):
        getattr(q, name)[:] = 0.0
    b.st.cash[firm] = 1.0
    q.s_out[firm] = 10.125                   # principal 10 + interest 10 × 5% / 4
    q.principal[0], q.interest[0] = 10.0, 0.125
    q.borrower[firm] = 0.10
    b.factors.spread[0, t] = [0.02, 0.10]
    b.factors.base_rate[0, t] = 0.03
    b.factors.window[0, t] = 0.5
    b.st.market_equity[:] = 0.0
    return b, firm, gov, t


def test_guaranteed_debt_rolls_over_on_the_guarantors_credit() -> None:
    # need = 0 − (1 − 10.125) = 9.125: closed to the firm (10% ≥ 8%); with conditions the
    # AAA guarantor (2% < 8%) opens it: 9.125 of the 10 rolls over. Repriced at base 3% +
    # the guarantor's 2% (below the firm's 10%) = 5%; rolled at maturity (t = 3 ≥ 3) it
    # gets the six-quarter term: maturity 9; service 0.125 + 0.875 = 1
    b, firm, gov, t = guaranteed_bench(ON)
    call(liquidity_ladder, b, t)
    assert b.flows.open_debt[0] and b.flows.refi[0] == pytest.approx(9.125, abs=1e-12)
    assert b.st.maturity[0] == 3
    call(roll_over, b, t)
    assert b.st.rate_coef[0] == pytest.approx(0.05, abs=1e-12)
    assert b.st.maturity[0] == 9
    assert b.flows.principal[0] == pytest.approx(0.875, abs=1e-12)
    assert b.flows.service[0] == pytest.approx(1.0, abs=1e-12)
    # a dead guarantor opens nothing, nor does the guarantee without the conditions
    b, firm, gov, t = guaranteed_bench(ON)
    b.st.alive[gov] = False
    call(liquidity_ladder, b, t)
    assert not b.flows.open_debt[0] and b.flows.refi[0] == 0.0
    b, firm, gov, t = guaranteed_bench(None)
    call(liquidity_ladder, b, t)
    assert not b.flows.open_debt[0] and b.flows.refi[0] == 0.0
    # a guarantor whose own bucket is shut (IG spread 9%) opens nothing either
    b, firm, gov, t = guaranteed_bench(ON)
    b.factors.spread[0, t] = [0.09, 0.10]
    call(liquidity_ladder, b, t)
    assert not b.flows.open_debt[0]


# --- roll_over ---------------------------------------------------------------------------

def expected_roll(b: StageBench, t: int) -> dict[str, np.ndarray]:
    """What ``roll_over`` should leave, computed from the inputs before the call."""
    net, st, q, r = b.net, b.st, b.flows, b.rules
    N = st.cash.size
    share = b.compiled.creditor_share                     # (D, N + 1)
    refi, principal = q.refi.copy(), q.principal.copy()
    rate, maturity = st.rate_coef.copy(), st.maturity.copy()
    old_rate, old_maturity = rate.copy(), maturity.copy()
    market = rate.copy()                                  # where nothing rolls: the old
    base = float(b.factors.base_rate[0, t])
    rolled = bool(np.any(refi != 0))
    if rolled and r.refinancing_conditions:
        for d in np.flatnonzero(refi > 0):
            s = q.borrower[net.debtor[d]]
            for u in np.flatnonzero(net.guar_debt == d):
                g = net.guar_by[u]
                if st.alive[g]:
                    s = min(s, bucket_spread(b, t, g))
            market[d] = s if net.floating[d] else base + s
            keep = max(st.balance[d] - principal[d], 0.0)
            rate[d] = (keep * st.rate_coef[d] + refi[d] * market[d]) / (keep + refi[d])
    if rolled and r.refinance_term_quarters > 0:
        at_maturity = (refi > 0) & (t >= st.maturity)
        maturity[at_maturity] = t + r.refinance_term_quarters
    s_in, s_out, service = q.s_in.copy(), q.s_out.copy(), q.service.copy()
    if rolled:
        principal = principal - refi
        service = q.interest + principal
        s_in = s_in - refi @ share
        s_out = s_out - np.bincount(net.debtor, refi, minlength=N + 1)
    drawn_in = np.bincount(net.debtor, q.draws, minlength=N + 1)
    lent_out = np.bincount(net.lender, q.draws, minlength=N + 1)
    full_out = s_out[:N] + lent_out[:N] + q.t_out[:N] + q.opex
    return {"rate_coef": rate, "maturity": maturity, "principal": principal,
            "service": service, "s_in": s_in, "s_out": s_out, "drawn_in": drawn_in,
            "lent_out": lent_out, "full_out": full_out, "old_rate": old_rate,
            "old_maturity": old_maturity, "market": market}


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS, t=hs.integers(1, 20), conditions=hs.booleans(), none=hs.booleans())
def test_roll_over_matches_the_repricing_and_flows(bundled_bench: Bench, seed: int, t: int,
                                                    conditions: bool, none: bool) -> None:
    b = bundled_bench(seed, t, ON if conditions else None)
    rng = np.random.default_rng([seed, 2])
    q, st, net = b.flows, b.st, b.net
    N, D = st.cash.size, st.balance.size
    q.principal[:] = st.balance * rng.uniform(0, 1.2, D) * (rng.random(D) < 0.7)
    frac = np.where(rng.random(D) < 0.3, 1.0, rng.uniform(0, 1, D))
    q.refi[:] = 0.0 if none else q.principal * frac * (rng.random(D) < 0.7)
    q.interest[:] = rng.uniform(0, 1, D)
    q.service[:] = rng.uniform(0, 5, D)
    st.rate_coef[:] = rng.uniform(0, 0.1, D)
    st.maturity[:] = t + rng.integers(-3, 4, D)
    q.borrower[:] = rng.uniform(0, 0.16, N)
    q.draws[:] = rng.uniform(0, 2, D) * net.drawable
    for name in ("s_in", "s_out", "t_out"):
        getattr(q, name)[:] = rng.uniform(0, 5, N + 1)
    q.opex[:] = rng.uniform(0, 2, N)
    with patched(net.floating, rng.random(D) < 0.5):
        want = expected_roll(b, t)
        call(roll_over, b, t)
    np.testing.assert_allclose(st.rate_coef, want["rate_coef"], **TOL)
    np.testing.assert_array_equal(st.maturity, want["maturity"])
    for name in ("principal", "service", "s_in", "s_out", "drawn_in", "lent_out",
                 "full_out"):
        np.testing.assert_allclose(getattr(q, name), want[name], err_msg=name, **TOL)
    if not conditions:      # nothing repriced, no new terms without the settings
        np.testing.assert_array_equal(st.rate_coef, want["old_rate"])
        np.testing.assert_array_equal(st.maturity, want["old_maturity"])
    else:                   # the new coupon is a blend: between the old one and the market
        lo = np.minimum(want["old_rate"], want["market"]) - 1e-15
        hi = np.maximum(want["old_rate"], want["market"]) + 1e-15
        assert np.all((st.rate_coef >= lo) & (st.rate_coef <= hi))


def test_roll_over_hand_case() -> None:
    # t = 2, base 2%, the firm's spread 5% (market for a fixed coupon 7%).
    # loan: balance 10, 4 due, 3 rolled: 6 kept at 4%, 3 at 7% → (0.24 + 0.21) / 9 = 5%;
    #   due before its maturity (quarter 5): maturity stays; service = interest 0.1 +
    #   principal 4 − 3 = 1.1; the bank's scheduled receipts and the firm's payments
    #   (4.1 + the frn's 6.03) lose the 3 rolled and the frn's 6.
    # frn (floating, spread 2%, maturity set to 2: due now): balance 6, all 6 due and
    #   rolled at the spread alone (no base rate) 5% → coupon 5%; rolled at maturity it
    #   gets the six-quarter term: maturity 2 + 6 = 8.
    # draws: 2 on the facility → drawn_in[firm] = 2, lent_out[bank] = 2.
    # full_out[firm] = s_out (10.13 − 9 = 1.13) + t_out 0.5 + opex 1 = 2.63;
    # full_out[bank] = lent_out 2.
    b = StageBench.of(ladder_net(), horizon="2027Q4", params=ON).open()
    ids, debts = b.compiled.entity_ids, b.compiled.debt_ids
    firm, bank = ids.index("firm"), ids.index("bank")
    rcf, loan, frn = debts.index("rcf"), debts.index("loan"), debts.index("frn")
    q, st, t = b.flows, b.st, 2
    for name in ("s_in", "s_out", "t_out", "opex", "refi", "draws", "principal",
                 "interest"):
        getattr(q, name)[:] = 0.0
    b.factors.base_rate[0, t] = 0.02
    q.borrower[firm] = 0.05
    st.balance[[loan, frn]] = [10.0, 6.0]
    st.rate_coef[[loan, frn]] = [0.04, 0.02]
    st.maturity[[loan, frn]] = [5, 2]
    q.principal[[loan, frn]] = [4.0, 6.0]
    q.interest[[loan, frn]] = [0.1, 0.03]
    q.refi[[loan, frn]] = [3.0, 6.0]
    q.draws[rcf] = 2.0
    q.s_in[bank] = q.s_out[firm] = 10.13
    q.t_out[firm], q.opex[firm] = 0.5, 1.0
    call(roll_over, b, t)
    assert st.rate_coef[loan] == pytest.approx(0.05, abs=1e-12)
    assert st.rate_coef[frn] == pytest.approx(0.05, abs=1e-12)
    assert st.maturity[loan] == 5 and st.maturity[frn] == 8
    np.testing.assert_allclose(q.principal[[loan, frn]], [1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(q.service[[loan, frn]], [1.1, 0.03], atol=1e-12)
    assert q.s_in[bank] == pytest.approx(1.13, abs=1e-12)
    assert q.s_out[firm] == pytest.approx(1.13, abs=1e-12)
    assert q.drawn_in[firm] == 2.0 and q.lent_out[bank] == 2.0
    assert q.full_out[firm] == pytest.approx(2.63, abs=1e-12)
    assert q.full_out[bank] == pytest.approx(2.0, abs=1e-12)
    # without refinancing conditions and terms nothing is repriced or re-termed
    off = StageBench.of(ladder_net(), horizon="2027Q4").open()
    off.st.rate_coef[loan], off.st.maturity[loan] = 0.04, 1
    off.st.balance[loan], off.flows.principal[loan], off.flows.refi[loan] = 10.0, 4.0, 3.0
    call(roll_over, off, t)
    assert off.st.rate_coef[loan] == 0.04 and off.st.maturity[loan] == 1
    assert off.flows.principal[loan] == pytest.approx(1.0, abs=1e-12)
