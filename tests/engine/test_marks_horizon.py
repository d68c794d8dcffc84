"""SPV bond marks must not depend on how far the run goes (engine.marks).

The asset-coverage cap counts the contracted rent and compute still due over each
contract's own remaining term, discounted at the issuer's market yield
(``marks.contract_flows`` + ``marks.contracted_value``), not the flows compiled up to the
simulation horizon."""

from __future__ import annotations

import numpy as np
import pytest
from engine_nets import make_network

from bubblescope.engine import FactorPaths, simulate
from bubblescope.engine.compile import compile_network
from bubblescope.engine.marks import (
    asset_coverage,
    contract_flows,
    contracted_value,
    performing_price,
    remaining_contracted,
)
from bubblescope.engine.step import Layout


def spv_network() -> object:
    return make_network(
        [{"id": "lessee", "kind": "hyperscaler", "cash": 100.0, "rating": "A+"},
         {"id": "spv", "kind": "spv", "cash": 0.5, "other_assets": 10.0, "rating": "A+",
          "equity_market_access": 0.0},
         {"id": "holder", "kind": "pension_fund"}],
        [{"id": "bond", "kind": "bond", "issuer": "spv", "amount": 20.0, "rate": 0.06,
          "start": "2025-10-01", "end": "2040-01-01",
          "holders": [{"holder": "holder", "amount": 20.0}]},
         {"id": "lease", "kind": "lease", "lessor": "spv", "lessee": "lessee",
          "amount": 60.0, "annual_rent": 4.0, "escalation": 0.02, "start": "2025-10-01",
          "end": "2040-01-01"}])


def marks(net, horizon: str, debt_id: str, factors) -> dict:  # type: ignore[no-untyped-def]
    """Per quarter: the SPV coverage (horizon-independent and horizon-cut) and the capped
    price ``min(performing, coverage)`` of ``debt_id``, from the engine's own states."""
    c = compile_network(net, horizon)
    f = factors(c.n_quarters)
    lay = Layout(c)
    flows = contract_flows(net, c)
    rem = remaining_contracted(c)
    d = c.debt_ids.index(debt_id)
    i = int(c.debtor[d])
    out: dict = {"cov": [], "cut": [], "price": [], "c": c, "flows": flows}

    def hook(t, q, s, paths) -> None:  # type: ignore[no-untyped-def]
        args = (c, s, rem, t, c.params.recovery_other_assets, c.params.recovery_claims,
                lay.to_payee, lay.to_creditors, lay.to_debtor)
        cov = asset_coverage(*args, value=contracted_value(c, f, flows, t))[:, i]
        out["cov"].append(cov)
        out["cut"].append(asset_coverage(*args)[:, i])
        out["price"].append(np.minimum(performing_price(c, f, t)[:, d], cov))

    simulate(c, f, on_quarter=hook)
    return {k: (np.stack(v, axis=1) if isinstance(v, list) else v) for k, v in out.items()}


def flat(quarters: int) -> FactorPaths:
    return FactorPaths.flat(1, quarters, base_rate=0.0)


def test_contract_flows_cover_the_whole_term_at_any_horizon() -> None:
    net = spv_network()
    short = compile_network(net, "2026Q4")
    long = compile_network(net, "2044Q4")
    a, b = contract_flows(net, short), contract_flows(net, long)
    k = short.trade_ids.index("lease")
    # rent 1 a quarter escalating 2% a year, quarters 0 (2025Q4) .. 56 (2039Q4)
    expect = np.array([1.02 ** (t // 4) for t in range(57)])
    np.testing.assert_allclose(a[:57, k], expect, rtol=1e-12)
    assert a[57:, k].sum() == 0.0
    np.testing.assert_array_equal(a[:, k], b[:a.shape[0], k])
    # rows within the horizon are the compiled schedule
    np.testing.assert_array_equal(a[:short.n_quarters, k], short.fixed[:, k])


def test_spv_bond_marks_do_not_depend_on_the_horizon() -> None:
    net = spv_network()
    short = marks(net, "2026Q4", "bond", flat)
    long = marks(net, "2044Q4", "bond", flat)
    n = short["price"].shape[1]
    assert n == 5
    np.testing.assert_allclose(short["price"], long["price"][:, :n], rtol=0, atol=1e-12)
    np.testing.assert_allclose(short["cov"], long["cov"][:, :n], rtol=0, atol=1e-12)
    # the engine's undiscounted coverage counts rent to the lease's end too, so it no
    # longer depends on the horizon (it once saw 4 quarters of rent in the short run
    # against 56 in the long one)
    np.testing.assert_allclose(short["cut"], long["cut"][:, :n], rtol=0, atol=1e-12)
    assert short["cut"][0, 0] > 1.0


def test_coverage_by_hand() -> None:
    # quarter 0: SPV cash 0.5 + rent 1 − coupon 20 × 6% / 4 = 1.2; other assets
    # 10 × 50% = 5; rent still due in quarters 1..56, 1.02^(s // 4), discounted at the
    # A+ yield (base 0 + IG spread 1%): v = 1 / (1 + 0.01 / 4); liabilities: the bond, 20
    m = marks(spv_network(), "2026Q4", "bond", flat)
    v = 1.0 / (1.0 + 0.01 / 4)
    rent = sum(1.02 ** (s // 4) * v ** s for s in range(1, 57))
    assert m["cov"][0, 0] == pytest.approx((1.2 + 5.0 + rent) / 20.0, rel=1e-12)
    # performing: 6% coupon over min(57 − 0, 40) quarters at 1%, below the coverage
    q = 0.01 / 4
    perf = 0.015 * (1 - (1 + q) ** -40) / q + (1 + q) ** -40
    assert m["price"][0, 0] == pytest.approx(perf, rel=1e-12)


def test_hyperion_bond_marks_do_not_depend_on_the_horizon(ai2025) -> None:  # type: ignore[no-untyped-def]
    def base(quarters: int) -> FactorPaths:
        return FactorPaths.baseline(1, quarters)

    short = marks(ai2025, "2030Q4", "hyperion_bonds", base)
    long = marks(ai2025, "2049Q4", "hyperion_bonds", base)
    n = short["price"].shape[1]
    assert n == 21
    np.testing.assert_allclose(short["price"], long["price"][:, :n], rtol=0, atol=1e-12)
    np.testing.assert_allclose(short["cov"], long["cov"][:, :n], rtol=0, atol=1e-12)
    # performing (about 1.12 and up) all along, not capped down to ~0.35 by 2030Q4
    assert short["price"].min() > 1.0


def test_keep_prices_gives_the_prices_of_a_full_run() -> None:
    net = spv_network()
    f = FactorPaths.flat(3, 5, base_rate=0.01)
    full = simulate(net, f, horizon="2026Q4")
    lean = simulate(net, f, horizon="2026Q4", keep_paths=False, keep_prices=True)
    assert lean.entity is None and lean.debt is None
    np.testing.assert_array_equal(lean.debt_price, full.debt_price)
    np.testing.assert_array_equal(lean.gpu_price, full.gpu_price)
    assert simulate(net, f, horizon="2026Q4", keep_paths=False).debt_price is None
