"""Scheduled positions and affordable contributions (stages/contributions.py): the four
party totals and the cash before contributions; equity tranches and capital calls scaled
to what the investor can pay, options to the spare cash above the buffer, ``t_in`` and
``t_out`` following the new amounts; on the bundled network and a hand-made one."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from engine_nets import make_network
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.engine import FactorPaths
from bubblescope.engine.stages.contributions import (
    affordable_contributions,
    scheduled_positions,
)
from bubblescope.engine.stages.schedules import trade_obligations
from bubblescope.testing.stages import StageBench

SEEDS = st.integers(0, 2**32 - 1)


def random_flows(bench: StageBench, rng: np.random.Generator) -> None:
    """Random debt service, trade amounts (some 0), market revenue and opex."""
    q = bench.flows
    D, K, N = q.service.size, q.tdue.size, q.mrev.size
    q.service[:] = rng.uniform(0.0, 5.0, D) * (rng.random(D) < 0.7)
    q.tdue[:] = rng.uniform(0.0, 10.0, K) * (rng.random(K) < 0.7)
    q.mrev[:] = rng.uniform(0.0, 8.0, N)
    q.opex[:] = rng.uniform(0.0, 8.0, N)


def positions(bench: StageBench) -> dict[str, np.ndarray]:
    """The four party totals and ``before`` worked out in NumPy from the flows."""
    net, q, s = bench.net, bench.flows, bench.st
    N = net.cash0.size
    out = {"s_in": q.service @ bench.compiled.creditor_share,
           "s_out": np.bincount(net.debtor, q.service, N + 1),
           "t_in": np.bincount(net.payee, q.tdue, N + 1),
           "t_out": np.bincount(net.payer, q.tdue, N + 1)}
    out["before"] = (s.cash + out["s_in"][:N] - out["s_out"][:N] + out["t_in"][:N]
                     - out["t_out"][:N] + q.mrev - q.opex)
    return out


@given(SEEDS, st.integers(0, 20))
@settings(max_examples=40, deadline=None)
def test_scheduled_positions_on_the_bundled_network(bundled_bench: Callable[..., StageBench],
                                                    seed: int, t: int) -> None:
    bench = bundled_bench(seed, t)
    q = bench.flows
    random_flows(bench, np.random.default_rng(seed))
    for name in ("s_in", "s_out", "t_in", "t_out", "before"):
        getattr(q, name)[:] = np.nan
    scheduled_positions(bench.net_s, bench.st_s, bench.q_s)
    for name, want in positions(bench).items():
        np.testing.assert_allclose(getattr(q, name), want, rtol=1e-13, atol=1e-12,
                                   err_msg=name)
    # what debtors pay, creditors (or the outside world) receive; the same for trades
    assert q.s_in.sum() == pytest.approx(q.s_out.sum(), rel=1e-13)
    assert q.t_in.sum() == pytest.approx(q.t_out.sum(), rel=1e-13)


def expected_contributions(bench: StageBench) -> np.ndarray:
    """The new trade amounts by the module docstring's rule, in NumPy: contributions ×
    min(max(before + owed, 0) / owed, 1) per investor; then options × min(spare / owed,
    1), spare = max(before + contributions lapsed (paid less received) + options owed
    − buffer, 0)."""
    net, q = bench.net, bench.flows
    N = net.cash0.size
    tdue, payer, before = q.tdue.copy(), net.payer, q.before
    inside = payer < N
    contrib, option = net.contribution & inside, net.discretionary & inside
    owed = np.bincount(payer[contrib], tdue[contrib], N)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(owed > 0, np.minimum(np.maximum(before + owed, 0.0) / owed, 1.0), 1.0)
    new = tdue.copy()
    new[contrib] = tdue[contrib] * share[payer[contrib]]
    lapsed = np.bincount(payer[contrib], tdue[contrib] - new[contrib], N)
    # ... less the contributions that lapsed on their way to the buyer
    to_inside = contrib & (net.payee < N)
    lapsed -= np.bincount(net.payee[to_inside], tdue[to_inside] - new[to_inside], N)
    wanted = np.bincount(payer[option], new[option], N)
    spare = np.maximum(before + lapsed + wanted - net.min_cash, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        take = np.where(wanted > 0, np.minimum(spare / wanted, 1.0), 1.0)
    new[option] = new[option] * take[payer[option]]
    return new


@given(SEEDS, st.integers(0, 20))
@settings(max_examples=40, deadline=None)
def test_affordable_contributions_on_the_bundled_network(
        bundled_bench: Callable[..., StageBench], seed: int, t: int) -> None:
    bench = bundled_bench(seed, t)
    net, q = bench.net, bench.flows
    rng = np.random.default_rng(seed + 4)
    N, K = net.cash0.size, net.payer.size
    assert net.contribution.any() and net.discretionary.any()
    saved_payer, saved_min_cash = net.payer.copy(), net.min_cash.copy()
    try:
        net.payer[rng.random(K) < 0.05] = N            # a few paid from outside: never cut
        net.min_cash[:] = rng.uniform(0.0, 5.0, N) * (rng.random(N) < 0.5)
        random_flows(bench, rng)
        scheduled_positions(bench.net_s, bench.st_s, bench.q_s)
        due, t_in, t_out = q.tdue.copy(), q.t_in.copy(), q.t_out.copy()
        want = expected_contributions(bench)
        affordable_contributions(bench.net_s, bench.q_s)
        np.testing.assert_allclose(q.tdue, want, rtol=1e-12, atol=1e-12)
        # only contributions and options move, and only down
        moved = (net.contribution | net.discretionary) & (net.payer < N)
        np.testing.assert_array_equal(q.tdue[~moved], due[~moved])
        assert np.all(q.tdue <= due) and np.all(q.tdue >= 0.0)
        # t_in and t_out are the totals of the new amounts, and neither went up
        np.testing.assert_allclose(q.t_in, np.bincount(net.payee, q.tdue, N + 1),
                                   rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(q.t_out, np.bincount(net.payer, q.tdue, N + 1),
                                   rtol=1e-12, atol=1e-12)
        assert np.all(q.t_in <= t_in + 1e-12) and np.all(q.t_out <= t_out + 1e-12)
        # an investor pays at most what it has: never pushed below zero by contributions
        inside = net.payer < N
        c = net.contribution & inside
        owed = np.bincount(net.payer[c], due[c], N)
        paid = np.bincount(net.payer[c], q.tdue[c], N)
        assert np.all(q.before + owed - paid >= np.minimum(q.before + owed, 0.0) - 1e-9)
        # options at most the spare cash above the buffer, after the contributions paid
        o = net.discretionary & inside
        taken = np.bincount(net.payer[o], q.tdue[o], N)
        spare = np.maximum(q.before + (owed - paid) + np.bincount(net.payer[o], due[o], N)
                           - net.min_cash, 0.0)
        assert np.all(taken <= spare + 1e-9)
    finally:
        net.payer[:], net.min_cash[:] = saved_payer, saved_min_cash


@given(SEEDS)
@settings(max_examples=10, deadline=None)
def test_nothing_changes_when_no_contribution_or_option_is_due(
        bundled_bench: Callable[..., StageBench], seed: int) -> None:
    bench = bundled_bench(seed, 1)
    net, q = bench.net, bench.flows
    random_flows(bench, np.random.default_rng(seed))
    q.tdue[net.contribution | net.discretionary] = 0.0
    q.before[:] = -100.0                    # nobody could pay anything: still nothing to cut
    scheduled_positions(bench.net_s, bench.st_s, bench.q_s)
    due, t_in, t_out = q.tdue.copy(), q.t_in.copy(), q.t_out.copy()
    affordable_contributions(bench.net_s, bench.q_s)
    np.testing.assert_array_equal(q.tdue, due)
    np.testing.assert_array_equal(q.t_in, t_in)
    np.testing.assert_array_equal(q.t_out, t_out)


def contributions_network(tranche_to: str = "startup") -> object:
    return make_network(
        [{"id": "vc", "kind": "venture_fund", "cash": 3.0},
         {"id": "startup", "kind": "other"},
         {"id": "lp", "kind": "pension_fund", "cash": 0.4},
         {"id": "fund", "kind": "private_credit_fund"},
         {"id": "lab", "kind": "ai_lab", "cash": 10.0, "min_cash_buffer": 2.0},
         {"id": "vendor", "kind": "chip_vendor"},
         {"id": "cloud", "kind": "neocloud"}],
        [{"id": "stake", "kind": "equity_stake", "investor": "vc", "issuer": tranche_to,
          "amount": 10.0, "start": "2026-01-01"},
         {"id": "call", "kind": "fund_commitment", "investor": "lp", "fund": "fund",
          "amount": 13.0, "called": 1.0, "start": "2025-10-01"},
         {"id": "chips", "kind": "chip_purchase", "buyer": "lab", "vendor": "vendor",
          "amount": 20.0, "status": "announced", "start": "2026-01-01",
          "end": "2026-03-31"},
         {"id": "compute", "kind": "compute_contract", "buyer": "lab", "seller": "cloud",
          "amount": 4.0, "take_or_pay_share": 1.0, "start": "2026-01-01",
          "end": "2027-01-01"}])


def quarter_one(network: object) -> StageBench:
    """The bench at quarter 1 (2026Q1), trade amounts due, no debt service, no market
    revenue or opex (base rate 0), positions worked out."""
    bench = StageBench.of(network, FactorPaths.flat(1, 5, base_rate=0.0),
                          horizon="2026Q4").open()
    trade_obligations(bench.net_s, bench.fp_s, bench.st_s, bench.q_s, 1)
    q = bench.flows
    q.service[:], q.mrev[:], q.opex[:] = 0.0, 0.0, 0.0
    scheduled_positions(bench.net_s, bench.st_s, bench.q_s)
    return bench


def test_contributions_hand_network() -> None:
    # quarter 1: the vc (cash 3) owes a 10 equity tranche to the startup; the LP (cash
    # 0.4) a capital call of (13 − 1 called) / 12 = 1; the lab (cash 10, buffer 2) owes 1
    # of firm compute and may take up an announced 20 chip purchase (an option).
    # Before contributions: vc 3 − 10 = −7, LP 0.4 − 1 = −0.6, lab 10 − 20 − 1 = −11.
    # vc pays min(max(−7 + 10, 0) / 10, 1) = 0.3 of the tranche: 3; LP 0.4 of its 1.
    # The lab takes up max(−11 + 0 + 20 − 2, 0) = 7 of the 20 chips and keeps its 2.
    bench = quarter_one(contributions_network())
    ids, trades = bench.compiled.entity_ids, bench.compiled.trade_ids
    e = {x: ids.index(x) for x in ids}
    k = {x: trades.index(x) for x in ("stake", "call", "chips", "compute")}
    q = bench.flows
    np.testing.assert_allclose(q.tdue[[k["stake"], k["call"], k["chips"], k["compute"]]],
                               [10.0, 1.0, 20.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(q.before[[e["vc"], e["lp"], e["lab"], e["startup"]]],
                               [-7.0, -0.6, -11.0, 10.0], atol=1e-12)
    affordable_contributions(bench.net_s, bench.q_s)
    np.testing.assert_allclose(q.tdue[[k["stake"], k["call"], k["chips"], k["compute"]]],
                               [3.0, 0.4, 7.0, 1.0], atol=1e-12)
    paid = {"vc": 3.0, "lp": 0.4, "lab": 8.0}
    got = {"startup": 3.0, "fund": 0.4, "vendor": 7.0, "cloud": 1.0}
    for name, i in e.items():
        assert q.t_out[i] == pytest.approx(paid.get(name, 0.0), abs=1e-12), name
        assert q.t_in[i] == pytest.approx(got.get(name, 0.0), abs=1e-12), name
    # after the flows: the vc and the LP at 0, the lab at its buffer
    cash = bench.st.cash + q.t_in[:-1] - q.t_out[:-1]
    np.testing.assert_allclose(cash[[e["vc"], e["lp"], e["lab"]]], [0.0, 0.0, 2.0],
                               atol=1e-12)


def test_an_option_is_not_taken_up_from_a_contribution_that_lapsed() -> None:
    # as above, but the vc's tranche goes to the lab: the lab receives 3 of the 10, so its
    # cash after firm flows and contributions is 10 + 3 − 1 = 12, 10 above its buffer of 2:
    # it can take up 10 of the chips. (Counting the tranche in full, as the engine once
    # did, gives before = 10 + 10 − 20 − 1 = −1, spare = −1 + 20 − 2 = 17, and the lab
    # ending at 10 + 3 − 1 − 17 = −5.)
    bench = quarter_one(contributions_network(tranche_to="lab"))
    lab = bench.compiled.entity_ids.index("lab")
    chips = bench.compiled.trade_ids.index("chips")
    affordable_contributions(bench.net_s, bench.q_s)
    q = bench.flows
    assert q.tdue[chips] == pytest.approx(10.0, abs=1e-12)
    assert bench.st.cash[lab] + q.t_in[lab] - q.t_out[lab] >= 2.0 - 1e-12
