"""Exact clearing within the quarter (issue 6, mechanism 1): the engine's payments equal
the textbook Eisenberg–Noe and Rogers–Veraart clearing vectors on networks that reduce to
the textbook case, and exact clearing agrees with part 1's loop where both apply."""

from __future__ import annotations

import numpy as np
import pytest
from engine_nets import make_network

from bubblescope.contagion import eisenberg_noe, rogers_veraart
from bubblescope.engine import EngineParams, FactorPaths, simulate_paths


def textbook(L: np.ndarray, e: np.ndarray, b: np.ndarray) -> object:
    """Banks with cash ``e`` and interbank loans ``L[i, j]`` (i owes j) plus an external
    bond ``b[i]``, all due in full in quarter 0 at a zero rate; nothing else."""
    n = len(e)
    ents = [{"id": f"b{i}", "kind": "bank", "cash": float(e[i])} for i in range(n)]
    cons = []
    for i in range(n):
        for j in range(n):
            if L[i, j] > 0:
                cons.append({"id": f"l{i}_{j}", "kind": "loan", "lender": f"b{j}",
                             "borrower": f"b{i}", "amount": float(L[i, j]), "rate": 0.0,
                             "start": "2025-10-01", "end": "2025-12-01",
                             "seniority": "senior_unsecured"})
        if b[i] > 0:
            cons.append({"id": f"x{i}", "kind": "bond", "issuer": f"b{i}",
                         "amount": float(b[i]), "rate": 0.0, "start": "2025-10-01",
                         "end": "2025-12-01", "seniority": "senior_unsecured"})
    return make_network(ents, cons)


def engine_payments(net: object, n: int, params: EngineParams) -> np.ndarray:
    """Total paid by each bank in quarter 0."""
    f = FactorPaths.flat(1, 1, base_rate=0.0, equity_window=0.0)
    res = simulate_paths(net, f, horizon="2025Q4", params=params)
    c = res.compiled
    paid = np.zeros(n)
    np.add.at(paid, c.debtor, res.debt["paid"][0, 0])
    order = [c.entity_ids.index(f"b{i}") for i in range(n)]
    return paid[order]


def random_textbook(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = 6
    L = rng.uniform(0, 10, (n, n)) * (rng.uniform(size=(n, n)) < 0.6)
    np.fill_diagonal(L, 0.0)
    e = rng.uniform(0, 8, n)
    b = rng.uniform(0, 5, n) * (rng.uniform(size=n) < 0.5)
    return L, e, b


@pytest.mark.parametrize("seed", range(8))
def test_engine_clearing_equals_eisenberg_noe(seed: int) -> None:
    L, e, b = random_textbook(seed)
    params = EngineParams(clearing="eisenberg_noe", recovery_claims=0.0)
    got = engine_payments(textbook(L, e, b), len(e), params)
    want = eisenberg_noe(L, e, b).payments
    np.testing.assert_allclose(got, want, atol=1e-10, rtol=0)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize(("alpha", "beta"), [(0.5, 0.9), (1.0, 0.7), (0.8, 1.0)])
def test_engine_clearing_equals_rogers_veraart(seed: int, alpha: float, beta: float) -> None:
    L, e, b = random_textbook(seed)
    params = EngineParams(clearing="rogers_veraart", recovery_claims=0.0,
                          default_cost_alpha=alpha, default_cost_beta=beta)
    got = engine_payments(textbook(L, e, b), len(e), params)
    want = rogers_veraart(L, e, b, alpha=alpha, beta=beta).payments
    np.testing.assert_allclose(got, want, atol=1e-10, rtol=0)


def test_random_textbook_cases_have_defaults() -> None:
    assert all(eisenberg_noe(*random_textbook(s)).defaulted.sum() >= 2 for s in range(8))


def test_a_tight_cycle_clears_exactly_where_the_loop_cannot() -> None:
    # A and B owe each other 100 and the outside 1 each, holding 0.5 cash: the greatest
    # clearing vector pays p = 0.5 + (100/101) p, p = 50.5 each; a fixed-point loop
    # contracts by 100/101 a step and is still 0.7 away after 500 steps
    L = np.array([[0.0, 100.0], [100.0, 0.0]])
    e, b = np.array([0.5, 0.5]), np.array([1.0, 1.0])
    net = textbook(L, e, b)
    got = engine_payments(net, 2, EngineParams(clearing="eisenberg_noe", recovery_claims=0.0))
    np.testing.assert_allclose(got, [50.5, 50.5], atol=1e-10, rtol=0)
    with pytest.raises(RuntimeError, match="did not converge"):
        engine_payments(net, 2, EngineParams(recovery_claims=0.0))


def test_seniority_tiers_clear_by_hand() -> None:
    # D (cash 4) owes S 10 senior and J 10 subordinated; S (no cash) owes D 20.
    # If D's estate were <= 10, S would pass it all back and D's estate would be 4 more
    # than itself, so E_D > 10: S is paid 10, S pays D its whole estate 10, E_D = 14,
    # J gets the remaining 4. Both default.
    net = make_network(
        [{"id": "d", "kind": "other", "cash": 4.0}, {"id": "s", "kind": "other"},
         {"id": "j", "kind": "bank"}],
        [{"id": "ds", "kind": "loan", "lender": "s", "borrower": "d", "amount": 10.0,
          "rate": 0.0, "start": "2025-10-01", "end": "2025-12-01",
          "seniority": "senior_unsecured"},
         {"id": "dj", "kind": "loan", "lender": "j", "borrower": "d", "amount": 10.0,
          "rate": 0.0, "start": "2025-10-01", "end": "2025-12-01",
          "seniority": "subordinated"},
         {"id": "sd", "kind": "loan", "lender": "d", "borrower": "s", "amount": 20.0,
          "rate": 0.0, "start": "2025-10-01", "end": "2025-12-01"}])
    f = FactorPaths.flat(1, 1, base_rate=0.0, equity_window=0.0)
    for mode in ("eisenberg_noe", "loop"):
        res = simulate_paths(net, f, horizon="2025Q4",
                       params=EngineParams(clearing=mode, recovery_claims=0.0))
        c = res.compiled
        paid = dict(zip(c.debt_ids, res.debt["paid"][0, 0], strict=True))
        assert paid == pytest.approx({"ds": 10.0, "dj": 4.0, "sd": 10.0}, abs=1e-12)
        assert res.defaulted[0, c.entity_ids.index("d")]
        assert res.defaulted[0, c.entity_ids.index("s")]
        loss = res.creditor_losses()[0]
        assert loss[c.entity_ids.index("j"), c.entity_ids.index("d")] == pytest.approx(6.0)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("mode", ["eisenberg_noe", "rogers_veraart"])
def test_reference_clears_the_same_way(seed: int, mode: str) -> None:
    from bubblescope.testing.reference import simulate_reference

    L, e, b = random_textbook(seed)
    if seed == 0:  # the tight cycle, where the exact solve does all the work
        L, e, b = np.array([[0.0, 100.0], [100.0, 0.0]]), np.array([0.5, 0.5]), np.ones(2)
    params = EngineParams(clearing=mode, recovery_claims=0.0, default_cost_alpha=0.7,
                          default_cost_beta=0.9)
    net = textbook(L, e, b)
    f = FactorPaths.flat(1, 1, base_rate=0.0, equity_window=0.0)
    res = simulate_paths(net, f, horizon="2025Q4", params=params)
    ref = simulate_reference(net, f, horizon="2025Q4", params=params)
    np.testing.assert_allclose(res.debt["paid"], ref["debt_paid"], atol=1e-10, rtol=0)
    np.testing.assert_allclose(res.shortfall, ref["shortfall"], atol=1e-10, rtol=0)
    np.testing.assert_allclose(res.entity["cash"], ref["cash"], atol=1e-10, rtol=0)
