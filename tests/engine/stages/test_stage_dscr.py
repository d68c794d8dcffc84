"""Stage tests of stages/dscr.py: ``dscr_test`` (coverage of each borrower over the
trailing window, breach flags and the balance accelerated once the breach has lasted its
cure quarters; the ring of earlier quarters), ``cash_sweeps`` (each swept debt's share of
the borrower's cash above its buffer, scaled to that cash, routed to the creditors) and
``disbursed`` (what creditors paid out on loans starting now), against the module
docstring's rules written out in NumPy on random books of the bundled network and against
hand-worked networks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

import numpy as np
import pytest
from engine_nets import make_network
from hypothesis import given, settings
from hypothesis import strategies as hs
from numba import njit

from bubblescope.engine import EngineParams
from bubblescope.engine.codes import DISBURSE
from bubblescope.engine.stages.dscr import cash_sweeps, disbursed, dscr_test
from bubblescope.model.network import Network
from bubblescope.testing.stages import StageBench, patched

Bench = Callable[..., StageBench]
SEEDS = hs.integers(0, 2**32 - 1)
#: the DSCR test over the trailing twelve months (a ring of three earlier quarters)
TTM = EngineParams(dscr_covenants=True, dscr_window_quarters=4)


class Tolerance(TypedDict):
    rtol: float
    atol: float


TOL = Tolerance(rtol=1e-12, atol=1e-12)


def at_most(a: np.ndarray, b: np.ndarray) -> bool:
    """``a ≤ b`` everywhere, to rounding: 1e-12 relative to ``b`` (at least 1e-12)."""
    return bool(np.all(a <= b + 1e-12 * np.maximum(np.abs(b), 1.0)))


@njit
def guar_ext(q: Any) -> float:
    """``q.guar_ext`` of a flows struct (a struct's scalars are not readable from Python;
    with JIT disabled this is plain Python on the dataclass)."""
    return float(q.guar_ext)


@njit
def set_guar_ext(q: Any, x: float) -> None:
    """Set ``q.guar_ext`` (what left the network this quarter so far) to ``x``."""
    q.guar_ext = x


def run_dscr(b: StageBench) -> None:
    dscr_test(b.net_s, b.rules.dscr_window_quarters, b.st_s, b.q_s)


# --- dscr_test ---------------------------------------------------------------------------

def random_schedule(b: StageBench, rng: np.random.Generator) -> None:
    """Scheduled trade amounts (some 0), market revenue, opex and debt service, with the
    principal due at most the balance (all of it on some debts: they mature now)."""
    q, st = b.flows, b.st
    N, D, K = st.cash.size, st.balance.size, q.tdue.size
    q.tdue[:] = rng.uniform(0.0, 3.0, K) * (rng.random(K) < 0.7)
    q.mrev[:] = rng.uniform(0.0, 4.0, N)
    q.opex[:] = rng.uniform(0.0, 4.0, N)
    q.principal[:] = np.where(rng.random(D) < 0.15, st.balance,
                              st.balance * rng.uniform(0.0, 0.5, D) * (rng.random(D) < 0.6))
    q.service[:] = q.principal + st.balance * rng.uniform(0.0, 0.04, D)
    q.service[rng.random(D) < 0.1] = 0.0       # some borrowers owe no service at all
    q.accel[:] = -7.0                           # both overwritten by the kernel
    q.dscr_flag[:] = True


def quarter_terms(b: StageBench) -> tuple[np.ndarray, np.ndarray]:
    """This quarter's numerator (market revenue + rent, compute, chip and power received −
    opex − rent, compute and power paid, inside entities only) and debt service by
    borrower, in NumPy."""
    net, q = b.net, b.flows
    N = net.cash0.size
    got = net.claimable & (net.payee < N)
    paid = net.expense & (net.payer < N)
    rev = np.bincount(net.payee[got], q.tdue[got], N)
    exp = np.bincount(net.payer[paid], q.tdue[paid], N)
    return q.mrev + rev - q.opex - exp, np.bincount(net.debtor, q.service, N)


def expected_dscr(b: StageBench, noi_w: np.ndarray, ds_w: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Flags and accelerated balances from the window's sums: a covenanted live debt with a
    balance is in breach when noi ÷ ds < min (no breach with no service); once
    breach + 1 ≥ cure quarters the balance less the principal due falls due now."""
    net, st, q = b.net, b.st, b.flows
    with np.errstate(divide="ignore", invalid="ignore"):
        cover = np.where(ds_w > 0.0, noi_w / ds_w, np.inf)[net.debtor]
    tested = np.isfinite(net.min_dscr) & st.alive[net.debtor] & (st.balance > 0.0)
    flag = tested & (cover < net.min_dscr)
    due = flag & (st.dscr_breach + 1 >= net.cure_quarters)
    return flag, np.where(due, np.maximum(st.balance - q.principal, 0.0), 0.0)


def covenants(b: StageBench, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random DSCR minimums (NaN: none) on about 70% of the debts and cure quarters 1..3."""
    D = b.st.balance.size
    mins = np.where(rng.random(D) < 0.7, rng.uniform(0.2, 2.5, D), np.nan)
    return mins, rng.integers(1, 4, D)


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS, t=hs.integers(1, 20), ttm=hs.booleans(), held=hs.integers(0, 3),
       head=hs.integers(0, 2))
def test_dscr_test_matches_the_rule_on_the_bundled_network(
        bundled_bench: Bench, seed: int, t: int, ttm: bool, held: int, head: int) -> None:
    b = bundled_bench(seed, t, TTM if ttm else None)
    rng = np.random.default_rng([seed, 2])
    net, st, q = b.net, b.st, b.flows
    N = st.cash.size
    random_schedule(b, rng)
    # the earlier quarters of the window, oldest first, laid into the ring from ``head``
    slots = st.dscr_history.shape[1]
    assert slots == (3 if ttm else 0)
    held, head = (held, head) if ttm else (0, 0)
    past = [(rng.uniform(-2.0, 6.0, N), rng.uniform(0.0, 3.0, N)) for _ in range(held)]
    st.dscr_history[...] = np.nan if ttm else 0.0       # unheld slots must not be read
    for h, (p_noi, p_ds) in enumerate(past):
        st.dscr_history[:, (head + h) % max(slots, 1)] = p_noi, p_ds
    st.counters[:] = [held, 5, head]
    mins, cure = covenants(b, rng)
    with patched(net.min_dscr, mins), patched(net.cure_quarters, cure):
        noi, ds = quarter_terms(b)
        noi_w = noi + sum((p[0] for p in past), np.zeros(N))
        ds_w = ds + sum((p[1] for p in past), np.zeros(N))
        flag, accel = expected_dscr(b, noi_w, ds_w)
        run_dscr(b)
        np.testing.assert_allclose(q.noi, noi, **TOL)
        np.testing.assert_allclose(q.ds, ds, **TOL)
        np.testing.assert_array_equal(q.dscr_flag, flag)
        np.testing.assert_allclose(q.accel, accel, **TOL)
        # accelerated amounts never exceed the balance left after the principal due, and
        # only a flagged, covenanted debt of a live borrower is accelerated
        assert np.all(q.accel >= 0.0)
        assert at_most(q.accel + q.principal, st.balance)
        assert not np.any(q.accel[~q.dscr_flag]) and not np.any(q.dscr_flag[np.isnan(mins)])
        assert not np.any(q.dscr_flag[~st.alive[net.debtor]])
        assert not np.any(q.dscr_flag[st.balance <= 0.0])
    # the ring now holds the last quarters (this one newest), at most ``slots`` of them,
    # read from the oldest slot on
    if ttm:
        kept = (past + [(noi, ds)])[-slots:]
        held_now, head_now = st.counters[0], st.counters[2]
        assert held_now == len(kept) and head_now == (head + held + 1 - len(kept)) % slots
        for h, (k_noi, k_ds) in enumerate(kept):
            s = (head_now + h) % slots
            np.testing.assert_allclose(st.dscr_history[0, s], k_noi, **TOL)
            np.testing.assert_allclose(st.dscr_history[1, s], k_ds, **TOL)
    else:
        np.testing.assert_array_equal(st.counters, [0, 5, 0])
    assert st.counters[1] == 5                          # the fire-sale counter untouched


def dscr_net() -> Network:
    """The spv owes a 20 loan at 8% with a 1.2 minimum DSCR (two cure quarters) and a 5
    term loan without covenants; it leases to the tenant and buys compute from the cloud."""
    return make_network(
        [{"id": "spv", "kind": "spv", "cash": 5.0}, {"id": "tenant", "kind": "other"},
         {"id": "cloud", "kind": "neocloud"}, {"id": "bank", "kind": "bank"}],
        [{"id": "loan", "kind": "loan", "lender": "bank", "borrower": "spv", "amount": 20.0,
          "rate": 0.08, "start": "2025-10-01", "end": "2035-01-01",
          "covenants": {"min_dscr": 1.2, "cure_quarters": 2}},
         {"id": "term", "kind": "loan", "lender": "bank", "borrower": "spv", "amount": 5.0,
          "rate": 0.08, "start": "2025-10-01", "end": "2035-01-01"},
         {"id": "lease", "kind": "lease", "lessor": "spv", "lessee": "tenant", "amount": 3.0,
          "annual_rent": 4.0, "start": "2025-10-01", "end": "2030-01-01"},
         {"id": "compute", "kind": "compute_contract", "buyer": "spv", "seller": "cloud",
          "amount": 4.0, "take_or_pay_share": 1.0, "start": "2025-10-01",
          "end": "2027-01-01"}])


def dscr_bench(params: EngineParams | None = None) -> tuple[StageBench, dict[str, int],
                                                            dict[str, int], dict[str, int]]:
    """Quarter 1: rent 1 in, compute 0.2 out, market revenue 0.3, opex 0.2; service 0.4
    interest + 0.5 principal on the loan, 0.1 on the term loan."""
    b = StageBench.of(dscr_net(), horizon="2027Q4", params=params).open()
    c, q, st = b.compiled, b.flows, b.st
    e = {x: c.entity_ids.index(x) for x in c.entity_ids}
    d = {x: c.debt_ids.index(x) for x in c.debt_ids}
    k = {x: c.trade_ids.index(x) for x in c.trade_ids}
    assert np.isnan(b.net.min_dscr[d["term"]]) and b.net.min_dscr[d["loan"]] == 1.2
    assert b.net.cure_quarters[d["loan"]] == 2
    for name in ("tdue", "mrev", "opex", "service", "principal"):
        getattr(q, name)[:] = 0.0
    q.tdue[[k["lease"], k["compute"]]] = [1.0, 0.2]
    q.mrev[e["spv"]], q.opex[e["spv"]] = 0.3, 0.2
    q.service[[d["loan"], d["term"]]] = [0.9, 0.1]
    q.principal[d["loan"]] = 0.5
    st.balance[[d["loan"], d["term"]]] = [20.0, 5.0]
    st.dscr_breach[:] = 0
    return b, e, d, k


def test_dscr_test_hand_case() -> None:
    # spv: noi = 0.3 + rent 1 − opex 0.2 − compute 0.2 = 0.9; ds = 0.9 + 0.1 = 1.0;
    # cover 0.9 < 1.2: the loan is in breach (the term loan has no covenant). First
    # quarter of the breach (0 + 1 < 2 cure quarters): nothing accelerated. The tenant:
    # noi −1 (rent paid), no service; the cloud: noi 0.2 (compute received).
    b, e, d, _ = dscr_bench()
    q = b.flows
    run_dscr(b)
    np.testing.assert_allclose(q.noi[[e["spv"], e["tenant"], e["cloud"], e["bank"]]],
                               [0.9, -1.0, 0.2, 0.0], atol=1e-12)
    np.testing.assert_allclose(q.ds[[e["spv"], e["tenant"]]], [1.0, 0.0], atol=1e-12)
    np.testing.assert_array_equal(q.dscr_flag[[d["loan"], d["term"]]], [True, False])
    np.testing.assert_array_equal(q.accel, 0.0)
    # second quarter of the breach (1 + 1 ≥ 2): the balance less the principal due,
    # 20 − 0.5 = 19.5, falls due now
    b.st.dscr_breach[d["loan"]] = 1
    run_dscr(b)
    assert q.dscr_flag[d["loan"]] and q.accel[d["loan"]] == pytest.approx(19.5, abs=1e-12)
    assert q.accel[d["term"]] == 0.0
    # exactly at the minimum is no breach: market revenue 1.2 alone (no trades, no opex)
    # over service 1.0 + 0.0: cover 1.2 / 1.0 = 1.2, not below 1.2
    tdue, opex, mrev, service = q.tdue.copy(), q.opex.copy(), q.mrev.copy(), q.service.copy()
    q.tdue[:], q.opex[:] = 0.0, 0.0
    q.mrev[e["spv"]] = 1.2
    q.service[[d["loan"], d["term"]]] = [1.0, 0.0]
    run_dscr(b)
    assert q.noi[e["spv"]] == 1.2 and q.ds[e["spv"]] == 1.0
    assert not q.dscr_flag.any() and not q.accel.any()
    # a dead borrower or a repaid loan is not tested
    q.tdue[:], q.opex[:], q.mrev[:], q.service[:] = tdue, opex, mrev, service
    b.st.alive[e["spv"]] = False
    run_dscr(b)
    assert not q.dscr_flag.any()
    b.st.alive[e["spv"]] = True
    b.st.balance[d["loan"]] = 0.0
    run_dscr(b)
    assert not q.dscr_flag.any()


def test_dscr_trailing_window_hand_case() -> None:
    # four-quarter window (three earlier quarters in the ring), the spv's noi set through
    # its market revenue alone, service 1.0 a quarter:
    # q1: two earlier quarters of 1.5 / 1.0 held: (0.9 + 3.0) / 3.0 = 1.3 ≥ 1.2, no breach
    #     although the quarter alone (0.9) is below; the ring now holds 1.5, 1.5, 0.9.
    # q2: noi 0.5: (1.5 + 1.5 + 0.9 + 0.5) / 4.0 = 1.1 < 1.2: breach; with one quarter of
    #     breach behind (cure 2) the 19.5 falls due. The oldest 1.5 is overwritten.
    # q3: noi 0.9: (1.5 + 0.9 + 0.5 + 0.9) / 4.0 = 0.95: the dropped quarter is not read.
    b, e, d, _ = dscr_bench(TTM)
    q, st = b.flows, b.st
    spv = e["spv"]
    q.tdue[:] = 0.0
    q.opex[:] = 0.0
    q.service[[d["loan"], d["term"]]] = [0.9, 0.1]
    st.dscr_history[...] = 0.0
    st.dscr_history[:, 0, spv] = [1.5, 1.0]
    st.dscr_history[:, 1, spv] = [1.5, 1.0]
    st.counters[:] = [2, 0, 0]
    q.mrev[spv] = 0.9
    run_dscr(b)
    assert not q.dscr_flag.any()
    assert st.counters.tolist() == [3, 0, 0]
    np.testing.assert_allclose(st.dscr_history[:, :, spv], [[1.5, 1.5, 0.9],
                                                           [1.0, 1.0, 1.0]], atol=1e-12)
    q.mrev[spv] = 0.5
    st.dscr_breach[d["loan"]] = 1
    run_dscr(b)
    assert q.dscr_flag[d["loan"]] and q.accel[d["loan"]] == pytest.approx(19.5, abs=1e-12)
    assert st.counters.tolist() == [3, 0, 1]
    np.testing.assert_allclose(st.dscr_history[0, :, spv], [0.5, 1.5, 0.9], atol=1e-12)
    q.mrev[spv] = 0.9
    st.dscr_breach[d["loan"]] = 0
    run_dscr(b)
    assert q.dscr_flag[d["loan"]] and q.accel[d["loan"]] == 0.0
    assert st.counters.tolist() == [3, 0, 2]
    # without the window the quarter alone is tested and nothing is stored
    one, e1, d1, _ = dscr_bench()
    one.flows.tdue[:], one.flows.opex[:] = 0.0, 0.0
    one.flows.mrev[e1["spv"]] = 1.3                   # 1.3 / 1.0 ≥ 1.2
    run_dscr(one)
    assert not one.flows.dscr_flag.any() and one.st.dscr_history.size == 0
    assert one.st.counters.tolist() == [0, 0, 0]


# --- cash_sweeps -------------------------------------------------------------------------

def expected_sweeps(b: StageBench) -> tuple[dict[str, np.ndarray], float]:
    """The sweeps by the docstring's rule: excess = max(cash − buffer, 0) of a survivor;
    each swept debt wants min(sweep × excess, what it still owes after this quarter:
    balance − principal + draws + disbursed); the wants of a borrower scaled to its
    excess; creditors by their shares, outside or defaulted creditors' part leaving."""
    net, st, q = b.net, b.st, b.flows
    N = st.cash.size
    live = st.alive & ~q.nd
    excess = np.where(live, np.maximum(q.cash_new - net.min_cash, 0.0), 0.0)
    owed = np.where(live[net.debtor], st.balance - q.principal + q.p_draw + q.disbursed, 0.0)
    want = np.minimum(net.sweep * excess[net.debtor], np.maximum(owed, 0.0))
    total = np.bincount(net.debtor, want, N)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0.0, np.minimum(excess / total, 1.0), 1.0)
    swept = want * share[net.debtor]
    to = swept @ b.compiled.creditor_share
    cash = q.cash_new - np.bincount(net.debtor, swept, N) + np.where(live, to[:N], 0.0)
    return ({"swept": swept, "cash": cash, "excess": excess, "owed": owed},
            float(to[N] + to[:N][~live].sum()))


def random_settlement(b: StageBench, rng: np.random.Generator) -> None:
    """Survivors' cash (some below zero), a few more defaulters this quarter, principal
    repaid, draws and disbursements."""
    q, st = b.flows, b.st
    N, D = st.cash.size, st.balance.size
    q.cash_new[:] = np.where(st.alive, rng.uniform(-2.0, 12.0, N), 0.0)
    q.nd[:] = st.alive & (rng.random(N) < 0.12)
    q.principal[:] = st.balance * rng.uniform(0.0, 1.0, D) * (rng.random(D) < 0.5)
    q.p_draw[:] = rng.uniform(0.0, 2.0, D) * (rng.random(D) < 0.3)
    q.disbursed[:] = rng.uniform(0.0, 2.0, D) * (rng.random(D) < 0.1)
    q.swept[:] = -7.0


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS, t=hs.integers(1, 20))
def test_cash_sweeps_match_the_rule_on_the_bundled_network(bundled_bench: Bench, seed: int,
                                                           t: int) -> None:
    b = bundled_bench(seed, t)
    rng = np.random.default_rng([seed, 3])
    net, st, q = b.net, b.st, b.flows
    N, D = st.cash.size, st.balance.size
    random_settlement(b, rng)
    # sweeps of up to 100% on half the debts (several per borrower, whose shares can add
    # up to more than the excess) and random buffers
    sweeps = rng.uniform(0.0, 1.0, D) * (rng.random(D) < 0.5)
    buffers = rng.uniform(0.0, 4.0, N) * (rng.random(N) < 0.6)
    with patched(net.sweep, sweeps), patched(net.min_cash, buffers):
        want, want_ext = expected_sweeps(b)
        cash0, ext0 = q.cash_new.copy(), 0.25     # the kernel adds to what left before
        set_guar_ext(b.q_s, ext0)
        cash_sweeps(b.net_s, b.st_s, b.q_s)
        np.testing.assert_allclose(q.swept, want["swept"], **TOL)
        np.testing.assert_allclose(q.cash_new, want["cash"], **TOL)
        assert guar_ext(b.q_s) - ext0 == pytest.approx(want_ext, rel=1e-12, abs=1e-12)
        # never negative, never more than the debt still owes, a borrower's sweeps at most
        # its excess cash: a borrower at or above its buffer stays there before receipts
        assert np.all(q.swept >= 0.0)
        assert at_most(q.swept, np.maximum(want["owed"], 0.0))
        paid = np.bincount(net.debtor, q.swept, N)
        assert at_most(paid, want["excess"])
        above = cash0 >= buffers
        assert at_most(buffers[above], (cash0 - paid)[above])
        # nothing swept from a defaulter or an unswept debt
        assert not np.any(q.swept[~(st.alive & ~q.nd)[net.debtor]])
        assert not np.any(q.swept[sweeps == 0.0])
        # conservation: what the borrowers paid, the survivors or the outside received
        moved = (q.cash_new - cash0).sum() + (guar_ext(b.q_s) - ext0)
        assert moved == pytest.approx(0.0, abs=1e-12 * max(q.swept.sum(), 1.0))


def sweep_net() -> Network:
    """The firm (buffer 2) owes a 20 loan to the bank sweeping 75% and a 3 loan to the
    fund sweeping 50%; a loan from the bank starting in 2026Q3 is disbursed later."""
    return make_network(
        [{"id": "firm", "kind": "other", "cash": 10.0, "min_cash_buffer": 2.0},
         {"id": "bank", "kind": "bank"}, {"id": "fund", "kind": "private_credit_fund"}],
        [{"id": "a", "kind": "loan", "lender": "bank", "borrower": "firm", "amount": 20.0,
          "rate": 0.0, "start": "2025-10-01", "end": "2035-01-01",
          "covenants": {"cash_sweep": 0.75}},
         {"id": "b", "kind": "loan", "lender": "fund", "borrower": "firm", "amount": 3.0,
          "rate": 0.0, "start": "2025-10-01", "end": "2035-01-01",
          "covenants": {"cash_sweep": 0.5}},
         {"id": "late", "kind": "loan", "lender": "bank", "borrower": "firm", "amount": 4.0,
          "rate": 0.05, "start": "2026-07-01", "end": "2028-01-01"}])


def sweep_bench() -> tuple[StageBench, dict[str, int], dict[str, int]]:
    b = StageBench.of(sweep_net(), horizon="2027Q4").open()
    c, q = b.compiled, b.flows
    e = {x: c.entity_ids.index(x) for x in c.entity_ids}
    d = {x: c.debt_ids.index(x) for x in c.debt_ids}
    np.testing.assert_array_equal(b.net.sweep[[d["a"], d["b"], d["late"]]], [0.75, 0.5, 0.0])
    q.cash_new[:] = [10.0, 1.0, 1.0]
    q.nd[:] = False
    for name in ("principal", "p_draw", "disbursed"):
        getattr(q, name)[:] = 0.0
    return b, e, d


def test_cash_sweeps_hand_case() -> None:
    # excess 10 − 2 = 8: a wants min(0.75 × 8, 20) = 6, b min(0.5 × 8, 3) = 3; together 9
    # > 8, so each is scaled by 8/9: a 16/3, b 8/3. The firm keeps its buffer of 2, the
    # bank 1 + 16/3, the fund 1 + 8/3; nothing leaves the network.
    b, e, d = sweep_bench()
    q = b.flows
    ext0 = 0.25
    set_guar_ext(b.q_s, ext0)
    cash_sweeps(b.net_s, b.st_s, b.q_s)
    np.testing.assert_allclose(q.swept[[d["a"], d["b"], d["late"]]], [16 / 3, 8 / 3, 0.0],
                               atol=1e-12)
    np.testing.assert_allclose(q.cash_new[[e["firm"], e["bank"], e["fund"]]],
                               [2.0, 1 + 16 / 3, 1 + 8 / 3], atol=1e-12)
    assert guar_ext(b.q_s) == pytest.approx(ext0, abs=1e-15)
    # b owes 3 − 1 repaid + 0.5 drawn = 2.5 after the quarter: wants min(4, 2.5) = 2.5,
    # total 8.5, scaled by 8/8.5: a 6 × 8/8.5 = 5.647..., b 2.5 × 8/8.5 = 2.352...; the
    # fund defaulted this quarter: its 2.352... leaves the network, its cash is untouched
    b, e, d = sweep_bench()
    q = b.flows
    q.principal[d["b"]], q.p_draw[d["b"]] = 1.0, 0.5
    q.nd[e["fund"]] = True
    ext0 = 0.25
    set_guar_ext(b.q_s, ext0)
    cash_sweeps(b.net_s, b.st_s, b.q_s)
    np.testing.assert_allclose(q.swept[[d["a"], d["b"]]], [48 / 8.5, 20 / 8.5], atol=1e-12)
    np.testing.assert_allclose(q.cash_new[[e["firm"], e["bank"], e["fund"]]],
                               [2.0, 1 + 48 / 8.5, 1.0], atol=1e-12)
    assert guar_ext(b.q_s) - ext0 == pytest.approx(20 / 8.5, abs=1e-12)
    # at or below the buffer nothing is swept; a borrower in default sweeps nothing
    b, e, d = sweep_bench()
    b.flows.cash_new[e["firm"]] = 2.0
    cash_sweeps(b.net_s, b.st_s, b.q_s)
    assert not b.flows.swept.any() and b.flows.cash_new[e["firm"]] == 2.0
    b, e, d = sweep_bench()
    b.flows.nd[e["firm"]] = True
    cash_sweeps(b.net_s, b.st_s, b.q_s)
    assert not b.flows.swept.any()


# --- disbursed ---------------------------------------------------------------------------

def test_disbursed_hand_case() -> None:
    # the late loan starts in quarter 3 and is disbursed by the bank through one trade;
    # the bank paid 2.5 of its 4: disbursed = 2.5 on that loan, 0 on the others
    b, _, d = sweep_bench()
    net, q = b.net, b.flows
    k = int(np.flatnonzero(net.trade_kind == DISBURSE)[0])
    assert net.disburses[k] == d["late"] and net.fixed[3, k] == 4.0
    q.disbursed[:] = -7.0
    q.p_trade[:] = 0.0
    q.p_trade[k] = 2.5
    disbursed(b.net_s, b.q_s)
    np.testing.assert_array_equal(q.disbursed, [0.0 if x != d["late"] else 2.5
                                                for x in range(q.disbursed.size)])


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_disbursed_sums_the_disbursements_by_loan(bundled_bench: Bench, seed: int) -> None:
    b = bundled_bench(seed, 1)
    rng = np.random.default_rng([seed, 4])
    net, q = b.net, b.flows
    K, D = net.payer.size, b.st.balance.size
    # about a fifth of the trades made disbursements, several per loan, a few of no loan
    kind = np.where(rng.random(K) < 0.2, DISBURSE, net.trade_kind)
    target = np.where(kind == DISBURSE, rng.integers(-1, D, K), net.disburses)
    with patched(net.trade_kind, kind), patched(net.disburses, target):
        q.p_trade[:] = rng.uniform(0.0, 5.0, K)
        q.disbursed[:] = -7.0
        use = (kind == DISBURSE) & (target >= 0)
        disbursed(b.net_s, b.q_s)
        np.testing.assert_allclose(q.disbursed, np.bincount(target[use], q.p_trade[use], D),
                                   **TOL)
        assert q.disbursed.sum() == pytest.approx(q.p_trade[use].sum(), rel=1e-12)
