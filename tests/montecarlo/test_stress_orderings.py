"""The seeds' stress tests (S2's two scenarios, S1-18 / S4-03, S2's guarantee), as orderings.

These compare what the model produces with what the seed documents expect, on 500 paths
(seed 2025, ai-2025 to 2049Q4, the Monte Carlo defaults: every part-2 mechanism on, the
policies as each scenario sets them). They are findings, not targets: an ordering that
does not hold is marked ``xfail`` with the numbers measured and the reason, never fixed by
tuning the model or the scenarios; the README's findings section reports them.
``strict=False`` so a later engine that makes one hold shows up as XPASS rather than
breaking the suite.
"""

from __future__ import annotations

import numpy as np
import pytest

import bubblescope
from bubblescope.engine import compile_network
from bubblescope.engine import simulate_paths as engine_simulate
from bubblescope.engine.shocks import apply_scenario
from bubblescope.io.scenario_load import load_scenario
from bubblescope.montecarlo import MonteCarloResults, simulate
from bubblescope.montecarlo.run import engine_params
from bubblescope.scenarios import generate_run

PATHS, SEED = 500, 2025
BIG_FOUR = ["meta", "microsoft", "alphabet", "amazon"]
NEVER = 10_000


@pytest.fixture(scope="module")
def net() -> bubblescope.Network:
    return bubblescope.load_network("ai-2025")


def _mc(net, name: str) -> MonteCarloResults:  # type: ignore[no-untyped-def]
    return simulate(net, name, paths=PATHS, seed=SEED, progress=False)


@pytest.fixture(scope="module")
def slow(net) -> MonteCarloResults:
    return _mc(net, "slow")


@pytest.fixture(scope="module")
def refuted(net) -> MonteCarloResults:
    return _mc(net, "refuted")


@pytest.fixture(scope="module")
def doom(net) -> MonteCarloResults:
    return _mc(net, "gpu-doom-loop")


@pytest.fixture(scope="module")
def guarantee(net) -> MonteCarloResults:
    return _mc(net, "guarantee")


def engine_run(net, name: str, hook=None):  # type: ignore[no-untyped-def]
    """The engine's own results on the same paths a Monte Carlo run of ``name`` uses."""
    scen = load_scenario(name)
    params, _ = engine_params(scen)
    c = compile_network(net, "2049Q4", params)
    c = apply_scenario(c, (), scen.policies.guarantee if scen.policies else None)
    run = generate_run(scen, paths=PATHS, quarters=c.n_quarters, start=c.quarters[0],
                       seed=SEED)
    return c, engine_simulate(c, run.factors, keep_paths=False, on_quarter=hook)


def kind_cols(mc: MonteCarloResults, kind: str) -> list[int]:
    return [i for i, k in enumerate(mc.entity_kinds) if k == kind]


def mean_pd(mc: MonteCarloResults, kind: str) -> float:
    return float(mc.defaulted[:, kind_cols(mc, kind)].mean())


def first_default(mc: MonteCarloResults, kind: str) -> np.ndarray:
    """Per path, the first default quarter among entities of ``kind`` (NEVER if none)."""
    dq = mc.data.default_quarter[:, kind_cols(mc, kind)].astype(int)
    return np.where(dq >= 0, dq, NEVER).min(axis=1)


def kind_loss(mc: MonteCarloResults, kind: str) -> float:
    return float(mc.holder_kind_losses().at[kind, "loss_mean"])


def pd_of(mc: MonteCarloResults, entity: str) -> float:
    return float(mc.default_probability().at[entity, "default_probability"])


# ---------------------------------------------------------------- slow


def test_slow_big_four_never_default(slow) -> None:
    pd_ = slow.default_probability()["default_probability"]
    assert (pd_[BIG_FOUR] == 0).all(), pd_[BIG_FOUR].to_dict()


def test_slow_neoclouds_default_more_often_than_spvs(slow) -> None:
    # default run: neoclouds 0.75 on average, SPVs 0.58
    assert mean_pd(slow, "neocloud") > mean_pd(slow, "spv")


def test_slow_neoclouds_default_no_later_than_spvs(slow) -> None:
    # on each path, the first neocloud default against the first SPV default; CoreWeave
    # and its borrowing vehicle often fail in the same quarter (2026Q2), so "earlier" is
    # counted as "no later" on a path
    neo, spv = first_default(slow, "neocloud"), first_default(slow, "spv")
    assert (neo <= spv).mean() > 0.5


@pytest.mark.xfail(strict=False, reason="finding: in slow, CoreWeave's borrowing vehicle "
                   "fails in 2026Q2 on every path, while CoreWeave, curing its own LTV "
                   "breaches by selling pledged GPUs, lasts to 2026Q3 on about a sixth of "
                   "them: the first SPV default comes first on average")
def test_slow_neoclouds_default_strictly_earlier_than_spvs_on_average(slow) -> None:
    neo, spv = first_default(slow, "neocloud"), first_default(slow, "spv")
    assert neo.mean() < spv.mean()


def test_slow_neocloud_equity_is_wiped_before_lenders_lose(net) -> None:
    """On every path where a neocloud's creditors lose money, nothing is left for its
    shareholders: each stake in it is written off in full (absolute priority)."""
    held: dict[int, np.ndarray] = {}

    def hook(t, out, state, rows) -> None:  # type: ignore[no-untyped-def]
        # stakes as carried at the end of each quarter (a dead issuer's stakes keep the
        # value they had when it failed; only a dead holder's are cleared)
        held[t] = state.stakes.copy()

    c, res = engine_run(net, "slow", hook)
    caused = res.creditor_losses().sum(axis=1)                    # (P, N)
    checked = 0
    for i, kind in enumerate(c.kinds):
        if str(kind) != "neocloud":
            continue
        for e in np.nonzero(np.asarray(c.stake_issuer) == i)[0]:
            for p in np.nonzero((res.default_quarter[:, i] >= 0) & (caused[:, i] > 1e-9))[0]:
                t = int(res.default_quarter[p, i])
                before = held[t - 1][p, e] if t > 0 else c.stake_held0[e]
                assert res.loss_stakes[p, e] == pytest.approx(before, abs=1e-9), (p, e)
                checked += 1
    assert checked > 100


@pytest.mark.xfail(strict=False, reason="finding: in slow, banks lose more than the "
                   "private-credit side (default run: 21.1 vs 2.4 USD bn for private credit "
                   "funds): banks hold the Oracle campus loans, which fail when they must be "
                   "refinanced at wider spreads; the funds' GPU loans are secured and recover "
                   "in full")
def test_slow_private_credit_loses_more_than_banks(slow) -> None:
    assert kind_loss(slow, "private_credit_fund") > kind_loss(slow, "bank")


def test_slow_is_not_systemic(slow) -> None:
    """An 'expensive failure': no bank, insurer or pension fund defaults."""
    for kind in ("bank", "insurer", "pension_fund"):
        assert mean_pd(slow, kind) == 0.0, kind


# ---------------------------------------------------------------- refuted vs slow


def test_refuted_meta_leaves_hyperion_in_most_paths(net) -> None:
    c, res = engine_run(net, "refuted")
    k = c.trade_ids.index("hyperion_lease")
    left = res.exit_quarter[:, k] >= 0
    # measured: Meta walks away on most paths (see the README's findings)
    assert left.mean() > 0.5, left.mean()


def test_refuted_hyperion_bondholders_lose(refuted, slow) -> None:
    ent = refuted.entities()
    # default run: expected loss 8.4 USD bn on Hyperion, nothing in slow
    assert ent.at["hyperion_spv", "expected_loss_to_creditors"] > 1.0
    assert (ent.at["hyperion_spv", "expected_loss_to_creditors"]
            > slow.entities().at["hyperion_spv", "expected_loss_to_creditors"])


def test_refuted_banks_lose_more_than_in_slow(slow, refuted) -> None:
    # default run: 31.7 vs 21.1 USD bn mean loss of banks
    assert kind_loss(refuted, "bank") > kind_loss(slow, "bank")


def test_refuted_hits_spvs_harder_than_slow(slow, refuted) -> None:
    assert mean_pd(refuted, "spv") > mean_pd(slow, "spv")
    assert pd_of(refuted, "hyperion_spv") > pd_of(slow, "hyperion_spv")


def test_refuted_private_credit_loses_more_than_in_slow(slow, refuted) -> None:
    assert kind_loss(refuted, "private_credit_fund") > kind_loss(slow, "private_credit_fund")


def test_refuted_big_four_survive(refuted) -> None:
    pd_ = refuted.default_probability()["default_probability"]
    assert (pd_[BIG_FOUR] < 0.5).all(), pd_[BIG_FOUR].to_dict()


# ---------------------------------------------------------------- gpu-doom-loop


def test_doom_loop_amplifies_losses(doom) -> None:
    amp = doom.amplification()
    assert amp is not None
    # default run: ratio 1.11
    assert amp["ratio"] > 1.0
    assert amp["loss_mean"] > amp["loss_mean_without"]


def test_doom_loop_gpu_prices_end_below_the_no_feedback_paths(doom) -> None:
    assert doom.data.gpu_price is not None and doom.data.gpu_price_without is not None
    with_, without = doom.data.gpu_price, doom.data.gpu_price_without
    # never above, and below on average over paths and quarters
    assert (with_ <= without + 1e-6).all()
    assert with_.mean() < without.mean()


# ---------------------------------------------------------------- guarantee vs slow


def guaranteed_structures(net) -> list[str]:  # type: ignore[no-untyped-def]
    pol = load_scenario("guarantee").policies
    assert pol is not None and pol.guarantee is not None
    debtor = {}
    for k in net.contracts:
        if k.id in pol.guarantee.contracts:
            debtor[k.id] = getattr(k, "issuer", None) or getattr(k, "borrower", None)
    return sorted(set(debtor.values()))


@pytest.mark.xfail(strict=False, reason="finding: the guarantee leaves the guaranteed "
                   "structures' default rates unchanged (Hyperion 0.0 in both; CoreWeave, "
                   "Lambda and Crusoe 1.0 in both): the neoclouds fail because leases and "
                   "opex outrun their revenue and the equity they can raise, a cash "
                   "shortfall that a guarantee of debt losses and roll-overs does not cure. "
                   "The state pays nothing in this preset: the guaranteed GPU loans are "
                   "secured and recover in full, Hyperion does not default in slow; the "
                   "losses fall on unsecured notes and leases, which it does not cover")
def test_guarantee_makes_guaranteed_structures_default_less_often(net, slow,
                                                                   guarantee) -> None:
    names = guaranteed_structures(net)
    assert np.mean([pd_of(guarantee, e) for e in names]) < np.mean(
        [pd_of(slow, e) for e in names])
