"""Leverage-constrained fire sale: a hand-worked case, the loop reference, the EBA example."""

from __future__ import annotations

import importlib.util
import math
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.contagion import BalanceSheets, eba_balance_sheets, leverage_fire_sale
from bubblescope.contagion.reference import fire_sale_reference

REPO = Path(__file__).resolve().parents[2]
EBA_CSV = REPO.parent / "shared" / "reference-data" / "firesale_EBA_2018.csv"
needs_eba = pytest.mark.skipif(
    not EBA_CSV.exists(), reason=f"reference data {EBA_CSV} is not available"
)


def test_two_banks_one_asset_by_hand() -> None:
    # Bank A: cash 2, 40 units, other 58 (assets 100); loan 47, other liabilities 48.
    # Bank B: cash 5, 50 units, other 45 (assets 100); loan 45, other liabilities 46.3.
    # Shock 10 % -> price 0.9; depth 2000; impact 1 % -> beta = -ln(0.99) / 0.05.
    sheets = BalanceSheets(
        cash=[2, 5],
        holdings=[[40], [50]],
        other_assets=[58, 45],
        loan=[47, 45],
        other_liabilities=[48, 46.3],
    )
    beta = -math.log(0.99) / 0.05
    # Round 1 (nothing to clear). A: assets 2 + 36 + 58 = 96, equity 1, leverage 1/96 < 3 %:
    # default. B: assets 5 + 45 + 45 = 95, equity 3.7, leverage 3.89 % (in the buffer zone).
    # B needs 95 - 3.7 / 0.05 = 21: repays 5 from cash (loan 40, cash 0) and orders sales
    # worth 16, i.e. 16 / 0.9 units.
    qb1 = 16 / 0.9
    # Round 2: A offers its 40 units; Q = 40 + qb1 clears at once.
    p1 = 0.9
    p2 = p1 * math.exp(-beta * (40 + qb1) / 2000)
    cash_b = qb1 * (p1 + p2) / 2
    units_b = 50 - qb1
    assets_b = cash_b + units_b * p2 + 45
    equity_b = assets_b - 40 - 46.3
    assert 0.03 <= equity_b / assets_b < 0.04  # B still survives and keeps deleveraging
    need = assets_b - equity_b / 0.05
    qb2 = (need - cash_b) / p2  # all its cash goes to the loan (cash < need < loan)
    assert cash_b < need < 40
    # Round 3: B's second order clears; its new orders would only clear in round 4.
    p3 = p2 * math.exp(-beta * qb2 / 2000)
    r = leverage_fire_sale(sheets, [0.1], price_impact=0.01, market_depth=[2000], rounds=3)
    np.testing.assert_allclose(r.price_paths[0, :, 0], [p1, p1, p2, p3], rtol=1e-13)
    assert r.defaults_per_round.tolist() == [[1, 0, 0]]
    assert r.default_round.tolist() == [[1, 0]]
    np.testing.assert_allclose(r.fraction_sold, (40 + qb1 + qb2) / 90, rtol=1e-13)
    assert r.systemic_extent.tolist() == [0.5]
    # numeric values of the same working, for the record
    np.testing.assert_allclose([p2, p3], [0.894788970, 0.894375322], atol=1e-9)


def random_sheets(rng: np.random.Generator, n: int, K: int) -> BalanceSheets:
    assets = rng.uniform(50, 150, n)
    q = rng.dirichlet(np.ones(K), n) * (assets * rng.uniform(0.05, 0.4, n))[:, None]
    cash = assets * rng.uniform(0.0, 0.08, n)
    other = assets - q.sum(axis=1) - cash
    liab = assets * (1 - rng.uniform(0.02, 0.07, n))
    split = rng.uniform(0.2, 0.8, n)
    return BalanceSheets(cash, q, other, liab * split, liab * (1 - split))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6), K=st.integers(1, 3))
def test_matches_reference_loop(seed: int, n: int, K: int) -> None:
    rng = np.random.default_rng(seed)
    sheets = random_sheets(rng, n, K)
    shock = rng.uniform(0, 0.3, (4, K))
    impact = rng.uniform(0, 0.1, (4, K))
    depth = sheets.holdings.sum(axis=0) * rng.uniform(0.5, 3, K)
    for variant, buf in (("threshold", 0.04), ("leverage_targeting", 1.0)):
        r = leverage_fire_sale(
            sheets, shock, price_impact=impact, market_depth=depth, variant=variant
        )
        for k in range(4):
            d, path, sold = fire_sale_reference(
                sheets.cash,
                sheets.holdings,
                sheets.other_assets,
                sheets.loan,
                sheets.other_liabilities,
                shock[k],
                impact[k],
                depth,
                buffer_leverage=buf,
            )
            assert r.defaults_per_round[k].tolist() == d
            np.testing.assert_allclose(r.price_paths[k], path, rtol=1e-12)
            np.testing.assert_allclose(r.fraction_sold[k], sold, rtol=1e-12, atol=1e-15)


def test_batched_equals_single_and_order_of_institutions_is_irrelevant() -> None:
    rng = np.random.default_rng(9)
    sheets = random_sheets(rng, 20, 2)
    shock = rng.uniform(0, 0.3, (6, 2))
    impact = rng.uniform(0, 0.1, (6, 1))
    batch = leverage_fire_sale(sheets, shock, price_impact=impact)
    perm = rng.permutation(20)
    shuffled = BalanceSheets(
        sheets.cash[perm],
        sheets.holdings[perm],
        sheets.other_assets[perm],
        sheets.loan[perm],
        sheets.other_liabilities[perm],
    )
    pb = leverage_fire_sale(shuffled, shock, price_impact=impact)
    np.testing.assert_array_equal(pb.default_round[:, np.argsort(perm)], batch.default_round)
    np.testing.assert_allclose(pb.price_paths, batch.price_paths, rtol=1e-12)
    for k in range(6):
        one = leverage_fire_sale(sheets, shock[k], price_impact=np.full(2, impact[k, 0]))
        np.testing.assert_array_equal(one.defaults_per_round[0], batch.defaults_per_round[k])
        np.testing.assert_allclose(one.price_paths[0], batch.price_paths[k], rtol=1e-14)
    assert batch.total_defaults.sum() > 0  # not a trivial case


def test_no_shock_and_no_weak_bank_means_nothing_happens() -> None:
    sheets = eba_balance_sheets([6, 8], [6, 8], [30, 40], [10, 20])  # leverage above 4 %
    r = leverage_fire_sale(sheets, [0.0, 0.0], price_impact=0.05)
    assert r.total_defaults.tolist() == [0] and r.fraction_sold.tolist() == [0.0]
    np.testing.assert_array_equal(r.price_paths, 1.0)


def test_eba_builder_by_hand() -> None:
    # CET1 5, leverage 4 % -> A = 125, cash 6.25, gov 20, corp 10, other 125 - 30 - 6.25
    b = eba_balance_sheets([5], [4], [30], [20])
    np.testing.assert_allclose(b.total_assets, [125])
    np.testing.assert_allclose(b.cash, [6.25])
    np.testing.assert_allclose(b.holdings, [[20, 10]])
    np.testing.assert_allclose(b.other_assets, [88.75])
    np.testing.assert_allclose([b.loan[0], b.other_liabilities[0]], [60, 60])
    np.testing.assert_allclose(b.equity, [5])


def load_example() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(
        "firesale_eba_run", REPO / "examples" / "firesale_eba" / "run.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up while being defined
    spec.loader.exec_module(mod)
    return mod


@needs_eba
def test_example_runs_and_is_qualitatively_right(tmp_path: Path) -> None:
    run = load_example()
    table = run.load_eba_csv(EBA_CSV)
    assert len(table.bank_id) == 48
    assert table.government_bonds[0] == 13 + 27682  # "13+27682" is a sum
    assert run.main(["--data", str(EBA_CSV), "--out", str(tmp_path)]) == 0
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert pngs == ["firesale_impact.png", "firesale_shock.png", "firesale_shock_targeting.png"]
    res = run.experiments(run.build_sheets(table))
    imp, shk, tgt = res["impact"], res["shock"], res["shock_targeting"]
    # higher price impact -> more defaults; the curve rises and ends far above its start
    assert np.all(np.diff(imp["defaults"]) >= 0)
    assert imp["extent"][-1] > imp["extent"][0] + 0.5
    # larger shocks -> more defaults (allowing small non-monotone wiggles)
    assert np.corrcoef(shk["x"], shk["defaults"])[0, 1] > 0.9
    assert shk["defaults"][-1] > shk["defaults"][0] + 10
    assert shk["extent"][0] == 0.0
    # leverage targeting sells at least as much at every shock, and strictly more overall
    assert np.all(tgt["sold"] >= shk["sold"] - 1e-12)
    assert tgt["sold"].sum() > shk["sold"].sum() + 1


@needs_eba
def test_eba_ten_thousand_scenarios_one_call() -> None:
    run = load_example()
    sheets = run.build_sheets(run.load_eba_csv(EBA_CSV))
    rng = np.random.default_rng(0)
    shocks = rng.uniform(0, 0.3, (10_000, 2))
    r = leverage_fire_sale(sheets, shocks, price_impact=0.01)
    assert r.price_paths.shape == (10_000, 7, 2)
    # prices never rise, and never fall below the shocked price times the maximal impact
    assert np.all(np.diff(r.price_paths, axis=1) <= 0)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(shock=[0.1]), "shock must have shape"),
        (dict(shock=[0.1, 1.0]), "shock must be in"),
        (dict(shock=[0.1, np.nan]), "shock contains"),
        (dict(price_impact=1.0), "price_impact must be in"),
        (dict(price_impact=np.ones((2, 3)) * 0.1), "price_impact must have shape"),
        (dict(shock=np.zeros((3, 2)), price_impact=np.zeros((2, 2))), "scenario axes"),
        (dict(market_depth=[1.0]), "market_depth must have shape"),
        (dict(market_depth=[1.0, 0.0]), "market_depth must be positive"),
        (dict(rounds=0), "rounds must be"),
        (dict(min_leverage=0.06), "must not be below min_leverage"),
        (dict(target_leverage=1.5), "target_leverage must be in"),
        (dict(variant="panic"), "variant must be"),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    sheets = eba_balance_sheets([5, 5], [5, 5], [30, 60], [20, 50])
    args = dict(shock=[0.1, 0.0], price_impact=0.01) | kwargs
    with pytest.raises(ValueError, match=match):
        leverage_fire_sale(sheets, **args)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(cash=[-1.0]), "cash must be non-negative"),
        (dict(holdings=[1.0]), "holdings must have shape"),
        (dict(loan=[1.0, 2.0]), "loan must have shape"),
        (dict(other_liabilities=[np.inf]), "other_liabilities contains"),
    ],
)
def test_bad_balance_sheets(kwargs: dict, match: str) -> None:
    base = (
        dict(cash=[1.0], holdings=[[1.0]], other_assets=[1.0], loan=[1.0], other_liabilities=[1.0])
        | kwargs
    )
    with pytest.raises(ValueError, match=match):
        BalanceSheets(**base)


def test_bad_eba_inputs() -> None:
    with pytest.raises(ValueError, match="government_bonds must not exceed"):
        eba_balance_sheets([5], [5], [10], [20])
    with pytest.raises(ValueError, match="cet1 must be positive"):
        eba_balance_sheets([0], [5], [10], [5])
    with pytest.raises(ValueError, match="leverage_percent must have the shape"):
        eba_balance_sheets([5], [5, 5], [10], [5])
