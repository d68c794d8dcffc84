"""Property tests: the engine's invariants on random networks and shocked factor paths."""

from __future__ import annotations

import numpy as np
from engine_nets import assert_matches_reference
from hypothesis import given, settings

from bubblescope.engine import EngineResults, simulate_paths
from bubblescope.engine.factors import FactorPaths
from bubblescope.testing.engine_strategies import (
    ample_cash_networks,
    engine_networks,
    factor_paths,
)
from bubblescope.testing.reference import simulate_reference

HORIZON = "2031Q3"  # 24 quarters from 2025Q4
TOL = 1e-8


def check_money_conserved(res: EngineResults) -> None:
    """Each quarter, the change in total cash equals external inflows less outflows."""
    assert res.entity is not None and res.external_in is not None
    total = res.entity["cash"].sum(axis=2)
    prev = np.concatenate([res.initial_cash.sum(axis=1)[:, None], total[:, :-1]], axis=1)
    np.testing.assert_allclose(total - prev, res.external_in - res.external_out,
                               atol=TOL * max(1.0, np.abs(total).max()))


def check_balance_sheets(res: EngineResults) -> None:
    e = res.entity
    assert e is not None
    np.testing.assert_allclose(e["assets"] - e["liabilities"], e["book_equity"], atol=TOL)
    dead = e["alive"] == 0
    assert np.all(e["assets"][dead] == 0) and np.all(e["liabilities"][dead] == 0)


def check_losses_match_shortfalls(res: EngineResults) -> None:
    per_debtor = res.creditor_losses().sum(axis=1)
    np.testing.assert_allclose(per_debtor, res.shortfall, atol=TOL)
    assert np.all(res.loss_debt >= -TOL) and np.all(res.loss_trade >= -TOL)
    # nobody who did not default causes a loss
    assert np.all(np.abs(res.shortfall[~res.defaulted]) <= TOL)


def check_seniority(res: EngineResults) -> None:
    """At a default, a junior class recovers something only if every more senior
    unsecured class is paid in full; secured claims recover at least as much as
    senior unsecured ones."""
    c = res.compiled
    assert res.debt is not None and res.trade is not None
    for p, i in zip(*np.nonzero(res.defaulted), strict=True):
        q = res.default_quarter[p, i]
        rec: dict[int, list[tuple[float, float]]] = {r: [] for r in range(4)}
        for d in np.nonzero(c.debtor == i)[0]:
            paid = res.debt["paid"][p, q, d]
            rec[int(c.rank[d])].append((paid, paid + res.loss_debt[p, d]))
        for k in np.nonzero(c.payer == i)[0]:
            paid = res.trade["paid"][p, q, k]
            if res.loss_trade[p, k] > 0 or paid > 0:
                rec[1].append((paid, paid + res.loss_trade[p, k]))
        frac = {r: [pd / cl for pd, cl in v if cl > 1e-12] for r, v in rec.items()}
        for r in (1, 2):
            if frac[r] and min(frac[r]) < 1 - 1e-9:
                for junior in range(r + 1, 4):
                    assert all(x <= 1e-9 for x in frac[junior]), (p, i, r, frac)
        if frac[0] and frac[1]:
            assert min(frac[0]) >= max(frac[1]) - 1e-9


def check_cash(res: EngineResults) -> None:
    e = res.entity
    assert e is not None
    assert np.all(e["cash"] >= -TOL)
    assert np.all(e["cash"][e["alive"] == 0] == 0)


def check_balances(res: EngineResults) -> None:
    """No instrument is ever repaid beyond its balance, nor pays a negative amount."""
    assert res.debt is not None
    assert np.all(res.debt["outstanding"] >= -TOL)
    assert np.all(res.debt["paid"] >= -TOL)


def check_all(res: EngineResults) -> None:
    check_money_conserved(res)
    check_balances(res)
    check_balance_sheets(res)
    check_losses_match_shortfalls(res)
    check_seniority(res)
    check_cash(res)


@settings(max_examples=60)
@given(net=engine_networks(), factors=factor_paths(3, 24))
def test_invariants_and_reference_agree(net, factors) -> None:  # type: ignore[no-untyped-def]
    res = simulate_paths(net, factors, horizon=HORIZON, chunk_size=2)
    check_all(res)
    ref = simulate_reference(net, factors, horizon=HORIZON)
    assert_matches_reference(res, ref)


@settings(max_examples=30)
@given(net=ample_cash_networks())
def test_no_shocks_and_ample_cash_pay_to_the_cent(net) -> None:  # type: ignore[no-untyped-def]
    res = simulate_paths(net, FactorPaths.flat(2, 24), horizon=HORIZON)
    assert not res.defaulted.any()
    assert res.debt is not None and res.trade is not None and res.entity is not None
    np.testing.assert_allclose(res.debt["paid"], res.debt["due"], atol=1e-12)
    assert np.all(res.debt["refinanced"] == 0)
    np.testing.assert_allclose(res.trade["paid"], res.trade["due"], atol=1e-12)
    c = res.compiled
    expected = c.fixed[None, :, :] + c.variable[None, :, :] * (c.var_factor > 0)[None, None, :]
    np.testing.assert_allclose(res.trade["due"], np.broadcast_to(expected, res.trade["due"].shape),
                               atol=1e-12)
    check_all(res)
    # clean surplus: with no default anywhere, book equity moves by income + contributions
    e = res.entity
    eq = e["book_equity"]
    eq0 = np.concatenate([_initial_equity(res)[:, None, :], eq[:, :-1]], axis=1)
    np.testing.assert_allclose(eq - eq0, e["revenue"] - e["costs"] + e["contributions"],
                               atol=1e-7)


def _initial_equity(res: EngineResults) -> np.ndarray:
    assert res.initial_equity is not None
    return res.initial_equity
