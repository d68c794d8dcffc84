"""Stage tests of stages/lease_exits.py: ``exit_quarters`` (the first quarter in the exit
window at which AI demand has been below the lessee's threshold for ``quarters_below``
consecutive quarters, ``T`` for never) and ``apply_exits`` (the exit payment — termination
payment + residual value guarantee, or the lessor's damages — instead of rent in the exit
quarter, nothing and no claim afterwards), against the module docstring's rule written out
in NumPy on random books of the bundled network and on a hand-worked network."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from engine_nets import make_network
from hypothesis import given, settings
from hypothesis import strategies as hs

from bubblescope.engine import EngineParams
from bubblescope.engine.codes import RENT
from bubblescope.engine.stages.lease_exits import apply_exits, exit_quarters
from bubblescope.model.network import Network
from bubblescope.testing.stages import StageBench, patched

Bench = Callable[..., StageBench]
SEEDS = hs.integers(0, 2**32 - 1)
ON = EngineParams(strategic_default=True)


def exits(b: StageBench, demand: np.ndarray) -> np.ndarray:
    out = np.full(b.net.payer.size, -7, dtype=np.int64)
    exit_quarters(b.net_s, np.ascontiguousarray(demand, dtype=np.float64), out)
    return out


# --- exit_quarters -----------------------------------------------------------------------

def expected_exits(b: StageBench, demand: np.ndarray) -> np.ndarray:
    """By counting: quarter t qualifies when the ``need = max(quarters_below, 1)``
    quarters t − need + 1 .. t all lie in the path and all have demand below the
    threshold, and first ≤ t ≤ last; the exit is the first such t of an allowed lease."""
    net = b.net
    T = demand.size
    below = demand[None, :] < net.exit_threshold[:, None]
    c = np.concatenate([np.zeros((below.shape[0], 1), dtype=np.int64),
                        np.cumsum(below, axis=1)], axis=1)
    need = np.maximum(net.exit_run, 1)[:, None]
    tt = np.arange(T)[None, :]
    start = tt + 1 - need
    count = c[:, 1:] - np.take_along_axis(c, np.maximum(start, 0), axis=1)
    ok = ((start >= 0) & (count == need) & (net.exit_first[:, None] <= tt)
          & (tt <= net.exit_last[:, None]) & net.exit_allowed[:, None])
    return np.where(ok.any(axis=1), ok.argmax(axis=1), T)


def random_demand(rng: np.random.Generator, T: int) -> np.ndarray:
    """AI demand that drifts, often with a fall part-way through."""
    level = np.exp(np.cumsum(rng.normal(0.0, 0.15, T)))
    fall = np.where(np.arange(T) >= rng.integers(0, T), rng.uniform(0.2, 1.0), 1.0)
    return level * fall


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_exit_quarters_match_the_rule_on_the_bundled_network(bundled_bench: Bench,
                                                             seed: int) -> None:
    b = bundled_bench(seed, 1, ON)
    net = b.net
    rng = np.random.default_rng([seed, 6])
    K, T = net.payer.size, b.factors.ai_demand.shape[1]
    # exit terms on about 70% of the trade obligations: thresholds, runs of 0..6 (0 is one
    # quarter), windows anywhere in the path (some empty, some past its end)
    first = rng.integers(0, T, K)
    allowed, threshold = rng.random(K) < 0.7, rng.uniform(0.3, 1.3, K)
    runs, last = rng.integers(0, 7, K), first + rng.integers(-2, T, K)
    demand = random_demand(rng, T)
    with (patched(net.exit_allowed, allowed), patched(net.exit_threshold, threshold),
          patched(net.exit_run, runs), patched(net.exit_first, first),
          patched(net.exit_last, last)):
        got = exits(b, demand)
        np.testing.assert_array_equal(got, expected_exits(b, demand))
        # never before the window opens nor after it closes; never for a lease not allowed
        leave = got < T
        assert np.all((got >= 0) & (got <= T))
        assert np.all(got[leave] >= first[leave]) and np.all(got[leave] <= last[leave])
        assert np.all(got[~allowed] == T)
        # demand was below the threshold in each of the quarters that led to the exit
        need = np.maximum(runs, 1)
        for k in np.flatnonzero(leave):
            assert got[k] + 1 >= need[k]
            assert np.all(demand[got[k] + 1 - need[k]:got[k] + 1] < threshold[k])
        # more demand in every quarter can only delay an exit (or cancel it)
        later = exits(b, demand * rng.uniform(1.0, 1.5, T))
        assert np.all(later >= got)


def lease_net() -> Network:
    """The lessee (threshold 0.5, two quarters below) leases from the spv under an agreed
    exit (earliest 2026-07-01, termination payment 2, residual value guarantee 1) and under
    an open lease; the lab, with no exit rule, leases too. Rents 1, 0.5, 0.5 a quarter."""
    return make_network(
        [{"id": "lessee", "kind": "hyperscaler", "cash": 100.0,
          "strategic_exit": {"allowed": True, "demand_threshold": 0.5, "quarters_below": 2}},
         {"id": "spv", "kind": "spv", "cash": 0.5}, {"id": "lab", "kind": "ai_lab"}],
        [{"id": "agreed", "kind": "lease", "lessor": "spv", "lessee": "lessee",
          "amount": 56.0, "annual_rent": 4.0, "start": "2025-10-01", "end": "2040-01-01",
          "termination_payment": 2.0, "residual_value_guarantee": 1.0,
          "earliest_exit": "2026-07-01"},
         {"id": "open", "kind": "lease", "lessor": "spv", "lessee": "lessee", "amount": 8.0,
          "annual_rent": 2.0, "start": "2025-10-01", "end": "2040-01-01"},
         {"id": "other", "kind": "lease", "lessor": "spv", "lessee": "lab", "amount": 8.0,
          "annual_rent": 2.0, "start": "2025-10-01", "end": "2040-01-01"}])


@pytest.fixture(scope="module")
def hand() -> StageBench:
    """The lease network over 2025Q4..2027Q4 (T = 9): the agreed exit from quarter 3
    (2026Q3), the open lease's from quarter 0; both to the leases' end."""
    b = StageBench.of(lease_net(), horizon="2027Q4", params=ON).open()
    net = b.net
    assert b.compiled.trade_ids == ["agreed", "open", "other"]
    np.testing.assert_array_equal(net.exit_allowed, [True, True, False])
    np.testing.assert_array_equal(net.exit_first[:2], [3, 0])
    np.testing.assert_array_equal(net.exit_run[:2], [2, 2])
    np.testing.assert_allclose(net.exit_payment, [3.0, -1.0, -1.0])
    return b


def test_exit_quarters_hand_case(hand: StageBench) -> None:
    # demand 1, 0.4, 0.3, 0.6, 0.4, 0.4, ...: below 0.5 in quarters 1-2 and from 4 on.
    # agreed: two below by quarter 2, but the window opens in quarter 3 and demand is
    #   back above it then; two below again in quarter 5: exit 5.
    # open: two below by quarter 2, window open: exit 2. other: not allowed, never (9).
    demand = np.array([1.0, 0.4, 0.3, 0.6, 0.4, 0.4, 0.4, 0.4, 0.4])
    np.testing.assert_array_equal(exits(hand, demand), [5, 2, 9])
    # demand 0.3 throughout: the run started before the window counts: the agreed lease
    # is left as its window opens (3), the open one in quarter 1
    np.testing.assert_array_equal(exits(hand, np.full(9, 0.3)), [3, 1, 9])
    # demand at the threshold is not below it: nobody leaves
    np.testing.assert_array_equal(exits(hand, np.full(9, 0.5)), [9, 9, 9])
    net = hand.net
    # a window closing in quarter 4 misses the run completed in quarter 5: never
    with patched(net.exit_last, np.array([4, 56, 56])):
        np.testing.assert_array_equal(exits(hand, demand), [9, 2, 9])
    # quarters_below 0 means one quarter: the open lease is left in quarter 1
    with patched(net.exit_run, np.array([2, 0, 4])):
        np.testing.assert_array_equal(exits(hand, demand), [5, 1, 9])


# --- apply_exits -------------------------------------------------------------------------

def expected_applied(b: StageBench, t: int) -> dict[str, np.ndarray]:
    """Leases left before t: no rent, no claim. Left now with both parties alive (the
    outside world always is): the exit payment (the lessor's damages, the claim of
    quarter t, where none is agreed) instead of rent, exit recorded, no claim; with a
    party dead, nothing due. Others unchanged."""
    net, st, q = b.net, b.st, b.flows
    up = np.append(st.alive, True)
    e = st.exit_at
    live = up[net.payer] & up[net.payee]
    pay = np.where(net.exit_payment >= 0.0, net.exit_payment, net.lease_claim[t])
    now = e == t
    tdue = np.where(e < t, 0.0, np.where(now, np.where(live, pay, 0.0), q.tdue))
    return {"tdue": tdue, "lease": np.where(e <= t, 0.0, q.lease_claim),
            "exit_quarter": np.where(now & live, t, st.exit_quarter)}


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS, t=hs.integers(1, 20))
def test_apply_exits_match_the_rule_on_the_bundled_network(bundled_bench: Bench, seed: int,
                                                           t: int) -> None:
    b = bundled_bench(seed, t, ON)
    net, st, q = b.net, b.st, b.flows
    rng = np.random.default_rng([seed, 7])
    N, K, T = st.cash.size, net.payer.size, b.factors.ai_demand.shape[1]
    # about half the obligations left (or to be left) at random quarters, many now;
    # exit payments agreed on half of them (some of nothing: an agreed exit is free); a
    # few paid to or from the outside world
    st.exit_at[:] = np.where(rng.random(K) < 0.5,
                             np.where(rng.random(K) < 0.4, t, rng.integers(0, T + 1, K)), T)
    st.exit_quarter[:] = np.where(st.exit_at < t, st.exit_at, -1)
    q.tdue[:] = rng.uniform(0.0, 3.0, K) * (rng.random(K) < 0.8)
    q.lease_claim[:] = rng.uniform(0.0, 8.0, K) * (net.trade_kind == RENT)
    payment = np.where(rng.random(K) < 0.5, rng.uniform(0.0, 5.0, K), -1.0)
    payment[rng.random(K) < 0.1] = 0.0
    payer = np.where(rng.random(K) < 0.05, N, net.payer)
    payee = np.where(rng.random(K) < 0.05, N, net.payee)
    with (patched(net.exit_payment, payment), patched(net.payer, payer),
          patched(net.payee, payee)):
        want = expected_applied(b, t)
        due0, claim0 = q.tdue.copy(), q.lease_claim.copy()
        apply_exits(b.net_s, b.st_s, b.q_s, t)
        np.testing.assert_array_equal(q.tdue, want["tdue"])
        np.testing.assert_array_equal(q.lease_claim, want["lease"])
        np.testing.assert_array_equal(st.exit_quarter, want["exit_quarter"])
        # a lease still running is untouched; one left earlier pays nothing, claims nothing
        running = st.exit_at > t
        np.testing.assert_array_equal(q.tdue[running], due0[running])
        np.testing.assert_array_equal(q.lease_claim[running], claim0[running])
        gone = st.exit_at < t
        assert not q.tdue[gone].any() and not q.lease_claim[gone].any()
        assert np.all(q.tdue >= 0.0) and np.all(q.lease_claim >= 0.0)
        # exits are recorded only in their quarter, and only where rent was replaced
        recorded = st.exit_quarter == t
        assert np.all(st.exit_at[recorded] == t)
        left_now = (st.exit_at == t) & recorded
        expect = np.where(payment >= 0.0, payment, net.lease_claim[t])
        np.testing.assert_array_equal(q.tdue[left_now], expect[left_now])


def hand_quarter(b: StageBench, t: int, exit_at: list[int]) -> StageBench:
    """Quarter ``t`` of the lease network: the rents scheduled, the claims of quarter t,
    the given exit quarters."""
    b.open()
    b.flows.tdue[:] = [1.0, 0.5, 0.5]
    b.flows.lease_claim[:] = b.net.lease_claim[t]
    b.st.exit_at[:] = exit_at
    return b


def test_apply_exits_hand_case(hand: StageBench) -> None:
    # quarter 2, the open lease left now: no exit agreed, so the lessor's damages, the
    # claim of quarter 2: max(one year's rent 4 × 0.5 = 2, 15% of the 6 × 0.5 = 3 left in
    # the horizon = 0.45) = 2, capped at three years' (here the 3 left): 2 due instead of
    # 0.5 of rent, no claim left. The agreed lease (claim one year 4 + guarantee 1 = 5)
    # and the lab's run on.
    b = hand_quarter(hand, 2, [5, 2, 9])
    np.testing.assert_allclose(b.net.lease_claim[2], [5.0, 2.0, 2.0])
    apply_exits(b.net_s, b.st_s, b.q_s, 2)
    np.testing.assert_allclose(b.flows.tdue, [1.0, 2.0, 0.5], atol=1e-12)
    np.testing.assert_allclose(b.flows.lease_claim, [5.0, 0.0, 2.0], atol=1e-12)
    np.testing.assert_array_equal(b.st.exit_quarter, [-1, 2, -1])
    # quarter 5, the agreed lease left now: termination payment 2 + guarantee 1 = 3
    # instead of its rent of 1; the open lease (left in 2) pays nothing, claims nothing
    b.flows.tdue[:] = [1.0, 0.5, 0.5]
    b.flows.lease_claim[:] = b.net.lease_claim[5]
    apply_exits(b.net_s, b.st_s, b.q_s, 5)
    np.testing.assert_allclose(b.flows.tdue, [3.0, 0.0, 0.5], atol=1e-12)
    np.testing.assert_allclose(b.flows.lease_claim, [0.0, 0.0, 1.5], atol=1e-12)
    np.testing.assert_array_equal(b.st.exit_quarter, [5, 2, -1])
    # the lessor has failed: nothing is due on the lease left now and no exit recorded
    b = hand_quarter(hand, 5, [5, 9, 9])
    b.st.alive[b.compiled.entity_ids.index("spv")] = False
    apply_exits(b.net_s, b.st_s, b.q_s, 5)
    np.testing.assert_allclose(b.flows.tdue, [0.0, 0.5, 0.5], atol=1e-12)
    np.testing.assert_allclose(b.flows.lease_claim[0], 0.0)
    np.testing.assert_array_equal(b.st.exit_quarter, [-1, -1, -1])


def test_open_books_fixes_the_exit_quarters(hand: StageBench) -> None:
    # open_books runs exit_quarters on the path's demand with strategic exits on: demand
    # 0.4 from quarter 4 gives the agreed lease 5, the open lease 5 too (two below by 5)
    b = hand
    b.factors.ai_demand[0, :] = 1.0
    b.factors.ai_demand[0, 4:] = 0.4
    b.open()
    np.testing.assert_array_equal(b.st.exit_at, [5, 5, 9])
    b.factors.ai_demand[0, :] = 1.0
    b.open()
    np.testing.assert_array_equal(b.st.exit_at, [9, 9, 9])
