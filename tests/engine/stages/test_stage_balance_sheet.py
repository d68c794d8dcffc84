"""Stage tests of stages/balance_sheet.py: ``stake_mark``, ``balance_sheet``,
``contract_leverage`` and ``close_books``, against the module docstring's formulas written
out in NumPy (random books of the bundled network) and against hand-worked books of a
four-entity network."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from engine_nets import make_network
from hypothesis import given, settings
from hypothesis import strategies as hst

from bubblescope.engine import EngineParams
from bubblescope.engine.stages.balance_sheet import (
    balance_sheet,
    close_books,
    contract_leverage,
    stake_mark,
)
from bubblescope.testing.stages import StageBench

Bench = Callable[..., StageBench]
SEEDS = hst.integers(0, 2**32 - 1)
MARKS_ON = EngineParams(equity_marks=True)


# --------------------------------------------------------------------------- helpers

def engine_like(bench: StageBench) -> None:
    """Stakes in or of entities that defaulted earlier are zero, as the engine leaves them
    (``new_balances`` writes them off); ``scramble`` does not do it."""
    st, net = bench.st, bench.net
    gone = ~st.alive
    st.stakes[gone[net.stake_issuer] | gone[net.stake_holder]] = 0.0


def expected_sheet(bench: StageBench, marks: bool) -> tuple[np.ndarray, np.ndarray]:
    """(assets, liabilities) by the module docstring, from the dense creditor shares of
    the compiled network (not the kernels' CSR routing)."""
    st, net = bench.st, bench.net
    N = net.cash0.size
    share = np.asarray(bench.compiled.creditor_share)            # (D, N + 1)
    loans = st.balance @ share[:, :N]
    debt = np.bincount(net.debtor, weights=st.balance, minlength=N)
    stakes = np.bincount(net.stake_holder, weights=st.stakes, minlength=N)
    assets = st.cash + st.other_assets + st.fixed_book + st.gpu_book + loans + stakes
    liabilities = debt + st.other_liabilities
    if marks:
        # the issuer's book equity now (its own stakes at cost) over at the as-of date
        now = (assets - liabilities)[net.stake_issuer]
        then = st.equity0[net.stake_issuer]
        mark = np.empty_like(now)
        for e in range(now.size):
            if then[e] > 0.0:
                mark[e] = max(now[e], 0.0) / then[e]
            else:
                mark[e] = 1.0 if now[e] > 0.0 else 0.0
        assets = assets + np.bincount(net.stake_holder, weights=st.stakes * (mark - 1.0),
                                      minlength=N)
    assets = np.where(st.alive, assets, 0.0)
    liabilities = np.where(st.alive, liabilities, 0.0)
    return assets, liabilities


def expected_leverage(bench: StageBench, t: int) -> np.ndarray:
    """(liabilities + owed) ÷ (assets + receivable), 0 without liabilities and 10 without
    assets, the take-or-pay contracts between live parties (outside: always live)."""
    st, net, q = bench.st, bench.net, bench.flows
    N = net.cash0.size
    live = np.append(st.alive, True)
    both = live[net.payer] & live[net.payee]
    rem = net.remaining[t]
    owed_to = np.bincount(net.payee[both], weights=rem[both], minlength=N + 1)[:N]
    owes = np.bincount(net.payer[both], weights=rem[both], minlength=N + 1)[:N]
    a = q.assets + owed_to
    li = q.liabilities + owes
    out = np.zeros(N)
    for i in range(N):
        if li[i] > 0.0:
            out[i] = li[i] / a[i] if a[i] > 0.0 else 10.0
    return out


def small_network() -> object:
    # vendor holds a stake (cost 2) in lab; lab owes 5 outside and lent 4 to startup; spv
    # leases to lab at 2 a year over 2025Q4..2029Q4 (17 quarters of 0.5)
    return make_network(
        [{"id": "vendor", "kind": "chip_vendor", "cash": 10.0},
         {"id": "lab", "kind": "ai_lab", "cash": 5.0, "debt": 5.0, "cost_of_debt": 0.0},
         {"id": "startup", "kind": "other"},
         {"id": "spv", "kind": "spv", "cash": 1.0}],
        [{"id": "stake", "kind": "equity_stake", "investor": "vendor", "issuer": "lab",
          "amount": 2.0, "status": "funded", "start": "2025-01-01"},
         {"id": "loan", "kind": "loan", "lender": "lab", "borrower": "startup",
          "amount": 4.0, "rate": 0.0, "start": "2025-10-01", "end": "2030-01-01"},
         {"id": "lease", "kind": "lease", "lessor": "spv", "lessee": "lab", "amount": 8.0,
          "annual_rent": 2.0, "start": "2025-10-01", "end": "2030-01-01"}])


@pytest.fixture(scope="module")
def small() -> Callable[..., StageBench]:
    benches: dict[str, StageBench] = {}

    def make(params: EngineParams | None = None) -> StageBench:
        key = repr(params)
        if key not in benches:
            benches[key] = StageBench.of(small_network(), horizon="2026Q4", params=params)
        bench = benches[key].open()
        set_hand_books(bench)
        return bench

    return make


def set_hand_books(bench: StageBench) -> None:
    """Entities vendor, lab, startup, spv; debts lab.outside_debt, loan; one stake."""
    c, st = bench.compiled, bench.st
    assert c.entity_ids == ["vendor", "lab", "startup", "spv"]
    assert c.debt_ids == ["lab.outside_debt", "loan"]
    st.cash[:] = [10.0, 5.0, 1.0, 1.0]
    st.other_assets[:] = [1.0, 0.0, 0.0, 0.0]
    st.fixed_book[:] = [0.0, 2.0, 0.0, 0.0]
    st.gpu_book[:] = [0.0, 0.0, 3.0, 0.0]
    st.other_liabilities[:] = [0.5, 0.0, 0.0, 0.0]
    st.balance[:] = [5.0, 4.0]
    st.stakes[:] = [2.0]
    st.equity0[:] = [12.0, 4.0, -4.0, 1.0]
    st.alive[:] = True


# --------------------------------------------------------------------------- stake_mark

def test_stake_mark_by_hand() -> None:
    # equity 15 on 10 at the as-of date: 1.5; negative equity now: 0; as-of equity not
    # positive: 1 if the equity is positive now, else 0
    assert stake_mark(15.0, 10.0) == 1.5
    assert stake_mark(2.5, 10.0) == 0.25
    assert stake_mark(-3.0, 10.0) == 0.0
    assert stake_mark(0.0, 10.0) == 0.0
    assert stake_mark(5.0, 0.0) == 1.0
    assert stake_mark(5.0, -2.0) == 1.0
    assert stake_mark(0.0, 0.0) == 0.0
    assert stake_mark(-1.0, -2.0) == 0.0


@given(hst.floats(-1e4, 1e4), hst.floats(-1e4, 1e4), hst.floats(0.0, 1e4))
@settings(max_examples=40, deadline=None)
def test_stake_mark_random(equity: float, equity0: float, more: float) -> None:
    got = stake_mark(equity, equity0)
    if equity0 > 0.0:
        assert got == pytest.approx(max(equity, 0.0) / equity0, rel=1e-15, abs=0.0)
    else:
        assert got == (1.0 if equity > 0.0 else 0.0)
    assert got >= 0.0
    # more equity never marks the stake down
    assert stake_mark(equity + more, equity0) >= got


# --------------------------------------------------------------------------- balance_sheet

@pytest.mark.parametrize("marks", [False, True])
@given(seed=SEEDS)
@settings(max_examples=25, deadline=None)
def test_balance_sheet_matches_formula(bundled_bench: Bench, marks: bool, seed: int) -> None:
    bench = bundled_bench(seed, t=2)
    rng = np.random.default_rng(seed + 1)
    st = bench.st
    # as-of equity: keep the bundled values (some zero or negative) on half the entities
    pick = rng.random(st.equity0.size) < 0.5
    st.equity0[pick] = rng.uniform(-50.0, 200.0, pick.sum())
    engine_like(bench)
    assets, liabilities = expected_sheet(bench, marks)
    balance_sheet(bench.net_s, bench.st_s, bench.q_s, marks)
    q = bench.flows
    np.testing.assert_allclose(q.assets, assets, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(q.liabilities, liabilities, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(q.equity, assets - liabilities, rtol=1e-12, atol=1e-11)
    dead = ~st.alive
    assert np.all(q.assets[dead] == 0.0) and np.all(q.liabilities[dead] == 0.0)
    assert np.all(q.equity[dead] == 0.0)


@given(seed=SEEDS)
@settings(max_examples=25, deadline=None)
def test_loans_held_plus_held_outside_equal_debt_outstanding(bundled_bench: Bench,
                                                             seed: int) -> None:
    bench = bundled_bench(seed, t=1)
    st, net = bench.st, bench.net
    st.alive[:] = True            # nobody's loans are zeroed out of its balance sheet
    balance_sheet(bench.net_s, bench.st_s, bench.q_s, False)
    q = bench.flows
    N = net.cash0.size
    stakes = np.bincount(net.stake_holder, weights=st.stakes, minlength=N)
    held = q.assets - (st.cash + st.other_assets + st.fixed_book + st.gpu_book + stakes)
    outside = st.balance @ np.asarray(bench.compiled.creditor_share)[:, N]
    owed = q.liabilities - st.other_liabilities
    total = st.balance.sum()
    assert held.sum() + outside == pytest.approx(total, rel=1e-12)
    assert owed.sum() == pytest.approx(total, rel=1e-12)
    assert held.min() >= -1e-9 and outside > 0.0     # the bundled network borrows outside


def test_balance_sheet_by_hand(small: Callable[..., StageBench]) -> None:
    bench = small()
    q, st = bench.flows, bench.st
    balance_sheet(bench.net_s, bench.st_s, bench.q_s, False)
    # vendor: cash 10 + other 1 + stake 2 = 13, owes other 0.5;  lab: cash 5 + fixed 2 +
    # loan 4 = 11, owes 5 outside;  startup: cash 1 + GPUs 3 = 4, owes the loan 4;  spv: 1
    np.testing.assert_allclose(q.assets, [13.0, 11.0, 4.0, 1.0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(q.liabilities, [0.5, 5.0, 4.0, 0.0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(q.equity, [12.5, 6.0, 0.0, 1.0], rtol=0, atol=1e-15)
    # marked: lab's equity 6 on 4 at the as-of date, the stake is worth 2 × 1.5 = 3
    balance_sheet(bench.net_s, bench.st_s, bench.q_s, True)
    np.testing.assert_allclose(q.assets, [14.0, 11.0, 4.0, 1.0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(q.equity, [13.5, 6.0, 0.0, 1.0], rtol=0, atol=1e-15)
    # lab owes 7 more (equity −1): the stake is marked to 0, vendor's assets 11
    st.other_liabilities[1] = 7.0
    balance_sheet(bench.net_s, bench.st_s, bench.q_s, True)
    np.testing.assert_allclose(q.assets, [11.0, 11.0, 4.0, 1.0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(q.equity, [10.5, -1.0, 0.0, 1.0], rtol=0, atol=1e-15)
    # a dead startup shows nothing
    st.alive[2] = False
    balance_sheet(bench.net_s, bench.st_s, bench.q_s, True)
    assert (q.assets[2], q.liabilities[2], q.equity[2]) == (0.0, 0.0, 0.0)


# --------------------------------------------------------------------------- leverage

@given(seed=SEEDS)
@settings(max_examples=30, deadline=None)
def test_contract_leverage_matches_formula(bundled_bench: Bench, seed: int) -> None:
    bench = bundled_bench(seed, t=1)
    rng = np.random.default_rng(seed)
    q, st, net = bench.flows, bench.st, bench.net
    N, T = net.cash0.size, net.remaining.shape[0]
    t = int(rng.integers(0, T))
    # assets and liabilities with zeros (and non-positive assets) on some entities
    q.assets[:] = rng.uniform(-20.0, 500.0, N) * (rng.random(N) < 0.8)
    q.liabilities[:] = rng.uniform(0.0, 500.0, N) * (rng.random(N) < 0.7)
    expected = expected_leverage(bench, t)
    contract_leverage(bench.net_s, bench.st_s, bench.q_s, t)
    np.testing.assert_allclose(st.leverage, expected, rtol=1e-12, atol=0)
    # kill a live party to a contract still running: its contracts drop out on both sides
    live = np.append(st.alive, True)
    running = np.nonzero(live[net.payer] & live[net.payee] & (net.remaining[t] > 0.0)
                         & (net.payee < N))[0]
    if running.size:
        st.alive[net.payee[running[rng.integers(running.size)]]] = False
        expected = expected_leverage(bench, t)
        contract_leverage(bench.net_s, bench.st_s, bench.q_s, t)
        np.testing.assert_allclose(st.leverage, expected, rtol=1e-12, atol=0)


def test_contract_leverage_by_hand(small: Callable[..., StageBench]) -> None:
    bench = small()
    q, st = bench.flows, bench.st
    # after quarter 0, 16 quarters × 0.5 = 8 of rent are still due from lab to spv
    assert bench.net.remaining[0].tolist() == [0.0, 8.0]
    q.assets[:] = [13.0, 11.0, 0.0, 1.0]
    q.liabilities[:] = [0.5, 5.0, 4.0, 0.0]
    contract_leverage(bench.net_s, bench.st_s, bench.q_s, 0)
    # vendor 0.5 / 13; lab (5 + 8) / 11; startup owes 4 with no assets: 10; spv owes
    # nothing (only receivables): 0
    np.testing.assert_allclose(st.leverage, [0.5 / 13.0, 13.0 / 11.0, 10.0, 0.0],
                               rtol=1e-15, atol=0)
    # spv owing 2: 2 / (1 + 8)
    q.liabilities[3] = 2.0
    contract_leverage(bench.net_s, bench.st_s, bench.q_s, 0)
    assert st.leverage[3] == pytest.approx(2.0 / 9.0, rel=1e-15)
    # after quarter 3, 13 × 0.5 = 6.5 remain: lab (5 + 6.5) / 11, spv 2 / (1 + 6.5)
    contract_leverage(bench.net_s, bench.st_s, bench.q_s, 3)
    assert st.leverage[1] == pytest.approx(11.5 / 11.0, rel=1e-15)
    assert st.leverage[3] == pytest.approx(2.0 / 7.5, rel=1e-15)
    # a dead lessor: the lease drops out of both sides (lab 5 / 11)
    st.alive[3] = False
    contract_leverage(bench.net_s, bench.st_s, bench.q_s, 0)
    assert st.leverage[1] == pytest.approx(5.0 / 11.0, rel=1e-15)
    assert st.leverage[3] == pytest.approx(2.0 / 1.0, rel=1e-15)


# --------------------------------------------------------------------------- close_books

@pytest.mark.parametrize("params", [None, MARKS_ON], ids=["at_cost", "marked"])
@given(seed=SEEDS)
@settings(max_examples=20, deadline=None)
def test_close_books_matches_formula(bundled_bench: Bench, params: EngineParams | None,
                                     seed: int) -> None:
    bench = bundled_bench(seed, t=3, params=params)
    engine_like(bench)
    st, net = bench.st, bench.net
    t = 3
    assets, liabilities = expected_sheet(bench, params is not None)
    close_books(bench.net_s, bench.rules_s, bench.st_s, bench.q_s, t)
    equity = assets - liabilities
    np.testing.assert_allclose(bench.flows.assets, assets, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(st.book_equity, equity, rtol=1e-12, atol=1e-11)
    np.testing.assert_allclose(st.market_equity,
                               np.maximum(equity, 0.0) * net.equity_multiple,
                               rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(st.leverage, expected_leverage(bench, t), rtol=1e-12, atol=0)


def test_close_books_by_hand(small: Callable[..., StageBench]) -> None:
    bench = small(MARKS_ON)
    st, net = bench.st, bench.net
    saved = net.equity_multiple.copy()
    try:
        net.equity_multiple[:] = [2.0, 3.0, 1.0, 5.0]
        close_books(bench.net_s, bench.rules_s, bench.st_s, bench.q_s, 0)
    finally:
        net.equity_multiple[:] = saved
    # marked books as in test_balance_sheet_by_hand: equity 13.5, 6, 0, 1; market equity
    # 2 × 13.5, 3 × 6, 0, 5 × 1; leverage 0.5 / 14, (5 + 8) / 11, 4 / 4, 0
    np.testing.assert_allclose(st.book_equity, [13.5, 6.0, 0.0, 1.0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(st.market_equity, [27.0, 18.0, 0.0, 5.0], rtol=0,
                               atol=1e-14)
    np.testing.assert_allclose(st.leverage, [0.5 / 14.0, 13.0 / 11.0, 1.0, 0.0],
                               rtol=1e-15, atol=0)
