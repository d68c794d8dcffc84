"""Stage tests of stages/guarantees.py: ``guarantee_calls`` — each guarantor of a loan or
bond whose debtor defaults now pays ``coverage ×`` the creditors' loss, at most what is left
of its cap, all its calls scaled pro rata to its cash (never below zero); creditors receive
by their shares, outside or defaulted creditors' shares leave the network. Checked against
the module docstring's rule written out in NumPy on random books of the bundled network
(with random guarantees added: the bundled network has none) and on a hand-worked one."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypedDict

import numpy as np
import pytest
from engine_nets import make_network
from hypothesis import given, settings
from hypothesis import strategies as hs
from numba import njit

from bubblescope.engine import EngineParams
from bubblescope.engine.stages.guarantees import guarantee_calls
from bubblescope.model.network import Network
from bubblescope.testing.stages import StageBench, patched

SEEDS = hs.integers(0, 2**32 - 1)
HORIZON = "2030Q4"
#: guarantees laid on the bundled network's debts
U = 48


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


@pytest.fixture(scope="module")
def guaranteed(ai2025: Network) -> Callable[[int, int], StageBench]:
    """``make(seed, t)``: the bundled network compiled to 2030Q4 with :data:`U` guarantee
    slots (their instruments, guarantors, coverage and caps are redrawn by each test
    case), books open, then scrambled at quarter ``t`` with ``seed``."""
    c = StageBench.of(ai2025, horizon=HORIZON).compiled
    assert len(c.guar_debt) == 0
    slots = dataclasses.replace(c, guar_debt=np.zeros(U, dtype=np.int64),
                                guar_by=np.zeros(U, dtype=np.int64),
                                guar_coverage=np.ones(U), guar_cap=np.zeros(U))
    bench = StageBench.of(slots, params=EngineParams(guarantees=True))

    def make(seed: int, t: int) -> StageBench:
        return bench.open().scramble(np.random.default_rng(seed), t)

    return make


def draw_guarantees(b: StageBench, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Guarantees of random debts by a few guarantors (so one guarantor answers several
    calls, and some instruments have two guarantors); coverage in (0, 1]; caps on about
    60% of them (0: none)."""
    N, D = b.st.cash.size, b.st.balance.size
    guarantors = rng.choice(N, size=8, replace=False)
    return {"debt": rng.integers(0, D, U), "by": rng.choice(guarantors, U),
            "coverage": np.where(rng.random(U) < 0.3, 1.0, rng.uniform(0.05, 1.0, U)),
            "cap": np.where(rng.random(U) < 0.6, rng.uniform(0.5, 10.0, U), 0.0)}


def random_defaults(b: StageBench, rng: np.random.Generator,
                    gu: dict[str, np.ndarray]) -> None:
    """This quarter's defaulters (about 60% of the live debtors of guaranteed debts, 15%
    of the other live entities and of the guarantors), the creditors' claims and what the
    settlement paid on them (sometimes more than the claim), the survivors' cash (small
    or negative for some) and what the guarantees paid before."""
    q, st, net = b.flows, b.st, b.net
    N, D = st.cash.size, st.balance.size
    odds = np.full(N, 0.15)
    odds[net.debtor[gu["debt"]]] = 0.6
    odds[gu["by"]] = 0.15
    q.nd[:] = st.alive & (rng.random(N) < odds)
    q.claim_debt[:] = rng.uniform(0.0, 10.0, D)
    q.p_service[:] = q.claim_debt * np.where(rng.random(D) < 0.1, 1.1, rng.uniform(0, 1, D))
    cash = np.where(rng.random(N) < 0.4, rng.uniform(-2.0, 2.0, N), rng.uniform(0, 15, N))
    q.cash_new[:] = np.where(st.alive & ~q.nd, cash, 0.0)
    st.guarantee_paid[:] = rng.uniform(0.0, 8.0, U) * (rng.random(U) < 0.5)
    q.g_want[:] = -7.0


def expected_calls(b: StageBench) -> tuple[dict[str, np.ndarray], float]:
    """The calls by the docstring's rule, in NumPy."""
    net, st, q = b.net, b.st, b.flows
    N = st.cash.size
    live = st.alive & ~q.nd
    d, g = net.guar_debt, net.guar_by
    loss = np.where(q.nd[net.debtor[d]], q.claim_debt[d] - q.p_service[d], 0.0)
    left = np.where(net.guar_cap > 0.0, net.guar_cap - st.guarantee_paid, np.inf)
    want = np.where(live[g], np.minimum(net.guar_coverage * np.maximum(loss, 0.0),
                                        np.maximum(left, 0.0)), 0.0)
    total = np.bincount(g, want, N)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0.0, np.minimum(np.maximum(q.cash_new, 0.0) / total, 1.0),
                         1.0)
    pay = want * share[g]
    to = np.bincount(d, pay, net.debtor.size) @ b.compiled.creditor_share
    cash = q.cash_new - np.bincount(g, pay, N) + np.where(live, to[:N], 0.0)
    return ({"want": want, "pay": pay, "cash": cash, "loss": loss},
            float(to[N] + to[:N][~live].sum()))


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS, t=hs.integers(1, 20))
def test_guarantee_calls_match_the_rule_on_the_bundled_network(
        guaranteed: Callable[[int, int], StageBench], seed: int, t: int) -> None:
    b = guaranteed(seed, t)
    rng = np.random.default_rng([seed, 5])
    net, st, q = b.net, b.st, b.flows
    N = st.cash.size
    gu = draw_guarantees(b, rng)
    with (patched(net.guar_debt, gu["debt"]), patched(net.guar_by, gu["by"]),
          patched(net.guar_coverage, gu["coverage"]), patched(net.guar_cap, gu["cap"])):
        random_defaults(b, rng, gu)
        want, want_ext = expected_calls(b)
        cash0, paid0, ext0 = q.cash_new.copy(), st.guarantee_paid.copy(), 0.25
        set_guar_ext(b.q_s, ext0)                 # the kernel adds to what left before
        guarantee_calls(b.net_s, b.st_s, b.q_s)
        ext = guar_ext(b.q_s) - ext0
        pay = st.guarantee_paid - paid0
        np.testing.assert_allclose(q.g_want, want["want"], **TOL)
        np.testing.assert_allclose(pay, want["pay"], **TOL)
        np.testing.assert_allclose(q.cash_new, want["cash"], **TOL)
        assert ext == pytest.approx(want_ext, rel=1e-12, abs=1e-12)
        # guarantee calls paid equal guarantee calls received (inside or outside)
        given_ = np.bincount(gu["by"], pay, N)
        got = q.cash_new - cash0 + given_
        assert pay.sum() == pytest.approx(got.sum() + ext, rel=1e-12, abs=1e-12)
        live = st.alive & ~q.nd
        assert np.all(got >= -1e-12) and not np.any(np.abs(got[~live]) > 1e-12)
        # a guarantor pays at most its cash (never pushed below zero by the calls), at
        # most coverage × the loss, never beyond its cap, only on this quarter's defaults
        assert np.all(pay >= 0.0) and not np.any(given_[~live])
        assert at_most(given_, np.maximum(cash0, 0.0))
        assert at_most(pay, gu["coverage"] * np.maximum(want["loss"], 0.0))
        capped = gu["cap"] > 0.0
        assert at_most(st.guarantee_paid[capped], np.maximum(gu["cap"], paid0)[capped])
        assert not np.any(pay[~q.nd[net.debtor[gu["debt"]]]])
        # calls on one guarantor are scaled by the same share of what they asked (the
        # share read off its largest call)
        for g in np.unique(gu["by"][q.g_want > 0.0]):
            mine = np.flatnonzero(gu["by"] == g)
            top = mine[np.argmax(q.g_want[mine])]
            np.testing.assert_allclose(pay[mine], pay[top] / q.g_want[top] * q.g_want[mine],
                                       **TOL)


def hand_net() -> Network:
    """firm owes a 10 loan to the bank; firm2 a 5 bond, 3 held by the pension fund and 2
    outside. The government guarantees 80% of the loan (no cap) and the whole bond up to
    5; the bank guarantees half of the bond."""
    return make_network(
        [{"id": "firm", "kind": "neocloud", "cash": 1.0},
         {"id": "firm2", "kind": "neocloud", "cash": 1.0},
         {"id": "gov", "kind": "government", "rating": "AAA", "cash": 100.0},
         {"id": "bank", "kind": "bank"}, {"id": "pension", "kind": "pension_fund"}],
        [{"id": "loan", "kind": "loan", "lender": "bank", "borrower": "firm", "amount": 10.0,
          "rate": 0.05, "start": "2025-10-01", "end": "2028-01-01"},
         {"id": "bond", "kind": "bond", "issuer": "firm2", "amount": 5.0, "rate": 0.06,
          "start": "2025-10-01", "end": "2028-01-01",
          "holders": [{"holder": "pension", "amount": 3.0}]},
         {"id": "g1", "kind": "guarantee", "guarantor": "gov", "obligation": "loan",
          "amount": 0.0, "coverage": 0.8, "start": "2025-10-01"},
         {"id": "g2", "kind": "guarantee", "guarantor": "gov", "obligation": "bond",
          "amount": 5.0, "coverage": 1.0, "start": "2025-10-01"},
         {"id": "g3", "kind": "guarantee", "guarantor": "bank", "obligation": "bond",
          "amount": 0.0, "coverage": 0.5, "start": "2025-10-01"}])


def hand_bench() -> tuple[StageBench, dict[str, int]]:
    """Both firms default now: the loan's creditors claim 10.5 and got 4.5 (loss 6), the
    bond's 5.15 and 2.15 (loss 3); 3 of the bond's cap already paid. Cash: the government
    3.4, the bank 10, the pension fund 1."""
    b = StageBench.of(hand_net(), horizon="2027Q4").open()
    c, net, q, st = b.compiled, b.net, b.flows, b.st
    e = {x: c.entity_ids.index(x) for x in c.entity_ids}
    assert c.debt_ids == ["loan", "bond"]
    np.testing.assert_array_equal(net.guar_debt, [0, 1, 1])
    np.testing.assert_array_equal(net.guar_by, [e["gov"], e["gov"], e["bank"]])
    np.testing.assert_allclose(net.guar_coverage, [0.8, 1.0, 0.5])
    np.testing.assert_allclose(net.guar_cap, [0.0, 5.0, 0.0])
    q.nd[:] = False
    q.nd[[e["firm"], e["firm2"]]] = True
    q.claim_debt[:] = [10.5, 5.15]
    q.p_service[:] = [4.5, 2.15]
    q.cash_new[:] = 0.0
    q.cash_new[[e["gov"], e["bank"], e["pension"]]] = [3.4, 10.0, 1.0]
    st.guarantee_paid[:] = [0.0, 3.0, 0.0]
    return b, e


def test_guarantee_calls_hand_case() -> None:
    # the government is called for 0.8 × 6 = 4.8 on the loan and min(3, 5 − 3) = 2 on the
    # bond: 6.8 against cash 3.4, so both are paid half: 2.4 and 1.0. The bank pays
    # 0.5 × 3 = 1.5 from its 10. The loan's 2.4 goes to the bank; of the bond's 2.5 the
    # pension fund gets 60% (1.5), the outside 40% (1.0, leaving the network).
    # Cash: government 0, bank 10 − 1.5 + 2.4 = 10.9, pension fund 2.5.
    b, e = hand_bench()
    q, st = b.flows, b.st
    ext0 = 0.25
    set_guar_ext(b.q_s, ext0)
    guarantee_calls(b.net_s, b.st_s, b.q_s)
    np.testing.assert_allclose(q.g_want, [4.8, 2.0, 1.5], atol=1e-12)
    np.testing.assert_allclose(st.guarantee_paid, [2.4, 4.0, 1.5], atol=1e-12)
    np.testing.assert_allclose(q.cash_new[[e["gov"], e["bank"], e["pension"], e["firm"],
                                           e["firm2"]]], [0.0, 10.9, 2.5, 0.0, 0.0],
                               atol=1e-12)
    assert guar_ext(b.q_s) - ext0 == pytest.approx(1.0, abs=1e-12)


def test_guarantee_calls_hand_variants() -> None:
    # the bank defaults too: it pays nothing on the bond, and its 2.4 from the loan's
    # guarantee leaves the network with the outside's 40% of the bond's 1.0: 2.8
    b, e = hand_bench()
    b.flows.nd[e["bank"]] = True
    b.flows.cash_new[e["bank"]] = 0.0
    ext0 = 0.25
    set_guar_ext(b.q_s, ext0)
    guarantee_calls(b.net_s, b.st_s, b.q_s)
    np.testing.assert_allclose(b.st.guarantee_paid, [2.4, 4.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(b.flows.cash_new[[e["gov"], e["bank"], e["pension"]]],
                               [0.0, 0.0, 1.6], atol=1e-12)
    assert guar_ext(b.q_s) - ext0 == pytest.approx(2.8, abs=1e-12)
    # only the bond's issuer defaults: nothing on the loan; the government pays the 2 left
    # of its cap in full (cash 3.4 ≥ 2): the pension fund gets 1.2 + 0.9 (the bank's 1.5)
    b, e = hand_bench()
    b.flows.nd[e["firm"]] = False
    guarantee_calls(b.net_s, b.st_s, b.q_s)
    np.testing.assert_allclose(b.st.guarantee_paid, [0.0, 5.0, 1.5], atol=1e-12)
    np.testing.assert_allclose(b.flows.cash_new[[e["gov"], e["bank"], e["pension"]]],
                               [1.4, 8.5, 3.1], atol=1e-12)
    # a second call finds the cap used up: the government pays nothing more on the bond
    b.flows.cash_new[e["gov"]] = 100.0
    guarantee_calls(b.net_s, b.st_s, b.q_s)
    assert b.flows.g_want[1] == 0.0 and b.st.guarantee_paid[1] == pytest.approx(5.0)
    # a guarantor with no cash (or less than none) pays nothing; a dead one is not called
    b, e = hand_bench()
    b.flows.cash_new[e["gov"]] = -1.0
    b.st.alive[e["bank"]] = False
    guarantee_calls(b.net_s, b.st_s, b.q_s)
    np.testing.assert_allclose(b.flows.g_want, [4.8, 2.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(b.st.guarantee_paid, [0.0, 3.0, 0.0], atol=1e-12)
    assert b.flows.cash_new[e["gov"]] == -1.0
    # the settlement paid more than the claim: no loss, no call
    b, e = hand_bench()
    b.flows.p_service[:] = [11.0, 5.15]
    guarantee_calls(b.net_s, b.st_s, b.q_s)
    np.testing.assert_allclose(b.flows.g_want, 0.0, atol=1e-12)
    np.testing.assert_array_equal(b.st.guarantee_paid, [0.0, 3.0, 0.0])
