"""Loss statistics and Monte Carlo standard errors on hand-built vectors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bubblescope.montecarlo import (
    MonteCarloResults,
    PathSummary,
    binomial_se,
    expected_shortfall,
    loss_stats,
    value_at_risk,
)


def test_es_of_1_to_100() -> None:
    # the worst 2.5 paths: 100, 99 and half of 98, over 2.5
    assert expected_shortfall(np.arange(1.0, 101.0), 0.975) == pytest.approx(99.2)


def test_es_whole_tail_paths() -> None:
    x = np.arange(1.0, 41.0)                 # 40 paths: the tail is exactly one path
    assert expected_shortfall(x, 0.975) == 40.0
    x = np.arange(1.0, 201.0)                # 200 paths: the worst five
    assert expected_shortfall(x, 0.975) == pytest.approx(np.mean([196, 197, 198, 199, 200]))


def test_es_is_order_free_and_columnwise() -> None:
    rng = np.random.default_rng(0)
    x = rng.exponential(size=(1000, 3))
    es = expected_shortfall(x, 0.975)
    for j in range(3):
        tail = np.sort(x[:, j])[-25:]
        assert es[j] == pytest.approx(tail.mean())
        assert expected_shortfall(rng.permutation(x[:, j]), 0.975) == pytest.approx(es[j])


def test_var_is_inverted_cdf_quantile() -> None:
    x = np.arange(1.0, 101.0)
    assert value_at_risk(x, 0.95) == 95.0
    assert value_at_risk(x, 0.99) == 99.0
    assert value_at_risk(np.array([0.0, 0.0, 0.0, 7.0]), 0.5) == 0.0
    with pytest.raises(ValueError, match="level"):
        value_at_risk(x, 1.0)


def test_es_at_least_var() -> None:
    rng = np.random.default_rng(1)
    x = rng.lognormal(size=5000)
    s = loss_stats(x)
    assert s["es_975"] >= s["loss_p95"]
    assert s["loss_p99"] >= s["loss_p95"] >= s["loss_median"]
    assert s["loss_mean"] == pytest.approx(x.mean())


def test_binomial_se() -> None:
    assert binomial_se(0.5, 100) == pytest.approx(0.05)
    assert binomial_se(0.1, 400) == pytest.approx(math.sqrt(0.1 * 0.9 / 400))
    assert binomial_se(0.0, 10) == 0.0
    assert np.allclose(binomial_se(np.array([0.2, 1.0]), 25), [0.08, 0.0])


def _hand_results() -> MonteCarloResults:
    # 4 paths, 3 entities (a, b: neoclouds? no — a neocloud, b spv, c bank), horizon 8 quarters
    dq = np.array([[2, 2, -1],      # a and b tie for first: half each
                   [5, 3, -1],      # b first
                   [-1, -1, -1],    # nobody
                   [1, -1, 6]])     # a first
    credit = np.array([[0, 0, 4, 1], [0, 0, 2, 0], [0, 0, 0, 0], [0, 0, 10, 3]], float)
    data = PathSummary(default_quarter=dq, credit_loss=credit, equity_loss=np.zeros((4, 4)),
                       loss_caused=np.zeros((4, 3)),
                       structure_failure=np.array([[2], [3], [-1], [-1]]),
                       prices={"p": np.arange(32.0).reshape(4, 8)})
    quarters = ["2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4", "2027Q1", "2027Q2",
                "2027Q3"]
    return MonteCarloResults(data=data, entity_ids=["a", "b", "c"],
                             entity_kinds=["neocloud", "spv", "bank"], quarters=quarters,
                             structures={"b": ["b", "a"]}, reference_quarter=1)


def test_hand_built_results() -> None:
    mc = _hand_results()
    pd_ = mc.default_probability()
    assert list(pd_["default_probability"]) == [0.75, 0.5, 0.25]
    assert pd_.loc["a", "default_probability_se"] == pytest.approx(math.sqrt(0.75 * 0.25 / 4))
    curve = mc.pd_curve()
    assert list(curve.index) == [2025, 2026, 2027]
    assert list(curve["a"]) == [0.0, 0.5, 0.75]
    assert mc.median_default_quarter() == ["2026Q2", "2026Q2", "2027Q2"]  # lower median
    ftf = mc.first_to_fail()["share"].to_dict()
    assert ftf == {"neocloud": 0.375, "spv": 0.375, "none": 0.25}
    kinds = mc.holder_kind_losses()
    assert kinds.loc["bank", "loss_mean"] == 4.0
    assert kinds.loc["external", "loss_p99"] == 3.0
    tb = mc.time_bought().loc["b"]
    assert tb["p_fail"] == 0.5 and tb["median_quarters"] == 1.0 and tb["mean_quarters"] == 1.5
    pq = mc.price_quantiles()
    assert list(pq.loc[pq.quarter == "2025Q4", "q50"]) == [12.0]   # linear: 0, 8, 16, 24


def _split(d: PathSummary, **extra) -> list[PathSummary]:  # type: ignore[no-untyped-def]
    """``d`` as two blocks (path 0, paths 1–3); ``extra`` maps a field to a function of the
    block's bounds giving its value."""
    return [PathSummary(default_quarter=d.default_quarter[a:b], credit_loss=d.credit_loss[a:b],
                        equity_loss=d.equity_loss[a:b], loss_caused=d.loss_caused[a:b],
                        structure_failure=d.structure_failure[a:b],
                        prices={"p": d.prices["p"][a:b]},
                        **{k: fn(a, b) for k, fn in extra.items()})
            for a, b in ((0, 1), (1, 4))]


def test_concat_keeps_path_order() -> None:
    mc = _hand_results()
    d = mc.data
    merged = PathSummary.concat(_split(d))
    assert np.array_equal(merged.default_quarter, d.default_quarter)
    assert np.array_equal(merged.prices["p"], d.prices["p"])


def test_write_refuses_existing_folder(tmp_path) -> None:
    mc = _hand_results()
    files = mc.write(tmp_path / "out")
    names = {f.name.split(".")[0] for f in files}
    assert {"entities", "holders", "holder_kinds", "first_to_fail", "pd_curve",
            "time_bought", "price_quantiles", "summary"} <= names
    with pytest.raises(FileExistsError):
        mc.write(tmp_path / "out")
    assert [p.name for p in tmp_path.iterdir()] == ["out"]   # nothing half-written left


def test_entity_quarters_and_contracts_by_hand() -> None:
    mc = _hand_results()
    T, N = len(mc.quarters), 3
    mc.data.entity_sum = {v: np.full((T, N), 2.0) for v in ("cash", "revenue", "debt",
                                                           "market_equity")}
    mc.data.contract_loss = np.array([[1.0, 0.0], [0.0, 0.0], [3.0, 0.0], [0.0, 0.0]])
    eq = mc.entity_quarters().set_index(["entity", "quarter"])
    assert eq.loc[("a", "2026Q1"), "default_share"] == 0.25       # path 3 by quarter 1
    assert eq.loc[("a", "2026Q2"), "default_share"] == 0.5
    assert eq.loc[("c", "2027Q3"), "cash_mean"] == 0.5            # 2.0 / 4 paths
    df = mc.contracts()
    assert list(df.loss_probability) == [0.5, 0.0]
    assert list(df.expected_loss) == [1.0, 0.0]
    assert list(df.loss_p95) == [3.0, 0.0]


def test_concat_adds_entity_sums() -> None:
    mc = _hand_results()
    d = mc.data
    parts = _split(d, contract_loss=lambda a, b: np.full((b - a, 2), float(a)),
                   entity_sum=lambda a, b: {"cash": np.full((2, 3), float(b - a))})
    merged = PathSummary.concat(parts)
    assert merged.entity_sum is not None
    assert np.array_equal(merged.entity_sum["cash"], np.full((2, 3), 4.0))
    assert np.array_equal(merged.contract_loss[:, 0], [0.0, 1.0, 1.0, 1.0])
