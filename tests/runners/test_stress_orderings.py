"""Stress-test orderings from S2's two scenarios (DIGEST §5), checked on 500 paths.

These compare what the model produces with what the seed documents expect. They are
findings, not targets: an ordering that does not hold is marked ``xfail`` with the numbers
measured (seed 2025, 500 paths, ai-2025 to 2049Q4, engine defaults), never fixed by tuning
the model or the scenarios. ``strict=False`` so a later engine that makes one hold shows up
as XPASS rather than breaking the suite.
"""

from __future__ import annotations

import numpy as np
import pytest

import bubblescope
from bubblescope.results import MonteCarloResults
from bubblescope.runners import simulate

PATHS, SEED = 500, 2025
BIG_FOUR = ["meta", "microsoft", "alphabet", "amazon"]


@pytest.fixture(scope="module")
def net() -> bubblescope.Network:
    return bubblescope.load_network("ai-2025")


@pytest.fixture(scope="module")
def slow(net) -> MonteCarloResults:
    return simulate(net, "slow", paths=PATHS, seed=SEED, progress=False)


@pytest.fixture(scope="module")
def refuted(net) -> MonteCarloResults:
    return simulate(net, "refuted", paths=PATHS, seed=SEED, progress=False)


def kind_cols(mc: MonteCarloResults, kind: str) -> list[int]:
    return [i for i, k in enumerate(mc.entity_kinds) if k == kind]


def mean_pd(mc: MonteCarloResults, kind: str) -> float:
    return float(mc.defaulted[:, kind_cols(mc, kind)].mean())


def first_default(mc: MonteCarloResults, kind: str) -> np.ndarray:
    """Per path, the first default quarter among entities of ``kind`` (large if none)."""
    dq = mc.data.default_quarter[:, kind_cols(mc, kind)].astype(int)
    return np.where(dq >= 0, dq, 10_000).min(axis=1)


def kind_loss(mc: MonteCarloResults, kind: str) -> float:
    return float(mc.holder_kind_losses().at[kind, "loss_mean"])


# ---------------------------------------------------------------- slow


def test_slow_big_four_never_default(slow) -> None:
    pd_ = slow.default_probability()["default_probability"]
    assert (pd_[BIG_FOUR] == 0).all(), pd_[BIG_FOUR].to_dict()


def test_slow_neoclouds_default_more_often_than_spvs(slow) -> None:
    # measured: neoclouds 0.75 on average, SPVs 0.42
    assert mean_pd(slow, "neocloud") > mean_pd(slow, "spv")


@pytest.mark.xfail(strict=False, reason="finding: an SPV defaults first on every path — "
                   "CoreWeave's and xAI's GPU vehicles (coreweave_ddtl_spv, valor_xai_spv) "
                   "in 2026Q2, a quarter before CoreWeave itself (2026Q3)")
def test_slow_neoclouds_default_before_spvs(slow) -> None:
    neo, spv = first_default(slow, "neocloud"), first_default(slow, "spv")
    both = (neo < 10_000) & (spv < 10_000)
    assert both.any()
    assert np.median(neo[both]) < np.median(spv[both])


@pytest.mark.xfail(strict=False, reason="finding: in slow, banks lose more than private "
                   "credit funds (mean 9.3 vs 2.6 USD bn); losses do not yet pass through "
                   "funds to their investors (part 2)")
def test_slow_private_credit_loses_more_than_banks(slow) -> None:
    assert kind_loss(slow, "private_credit_fund") > kind_loss(slow, "bank")


def test_slow_is_not_systemic(slow) -> None:
    """An 'expensive failure': no bank, insurer or pension fund defaults."""
    for kind in ("bank", "insurer", "pension_fund"):
        assert mean_pd(slow, kind) == 0.0, kind


# ---------------------------------------------------------------- refuted vs slow


def test_refuted_hits_spvs_harder_than_slow(slow, refuted) -> None:
    # measured: mean SPV PD 0.84 vs 0.42; Hyperion 0.90 vs 0.06
    assert mean_pd(refuted, "spv") > mean_pd(slow, "spv")
    pd_r = refuted.default_probability()["default_probability"]
    pd_s = slow.default_probability()["default_probability"]
    assert pd_r["hyperion_spv"] > pd_s["hyperion_spv"]


def test_refuted_private_credit_loses_more_than_in_slow(slow, refuted) -> None:
    # measured: 21.3 vs 2.6 USD bn mean loss of private credit funds
    assert kind_loss(refuted, "private_credit_fund") > kind_loss(slow, "private_credit_fund")


def test_refuted_big_four_survive(refuted) -> None:
    pd_ = refuted.default_probability()["default_probability"]
    assert (pd_[BIG_FOUR] < 0.5).all(), pd_[BIG_FOUR].to_dict()
