"""Tidy views, chunking and keep_paths."""

from __future__ import annotations

import numpy as np
import pytest
from test_hand_cases import spv_network

from bubblescope.engine import FactorPaths, simulate_paths


def test_frames_are_tidy_and_consistent() -> None:
    f = FactorPaths.flat(2, 20, base_rate=0.0)
    res = simulate_paths(spv_network(0.35), f, horizon="2030Q3")
    ef = res.entity_frame()
    assert list(ef.columns) == ["path", "quarter", "entity", "variable", "value"]
    assert len(ef) == 2 * 20 * 3 * 13
    cash = ef.query("variable == 'cash' and entity == 'holder' and path == 1")
    np.testing.assert_allclose(cash["value"].to_numpy(), res.entity["cash"][1, :, 2])
    cf = res.contract_frame()
    assert {"due", "paid", "shortfall", "outstanding"} <= set(cf["variable"])
    bond_short = cf.query("contract == 'bond' and variable == 'shortfall' and path == 0")
    assert bond_short["value"].sum() > 0
    lf = res.loss_frame()
    row = lf.query("creditor == 'holder' and debtor == 'spv'")
    assert row["mean_loss"].iloc[0] == pytest.approx(5.10)
    assert len(res.loss_frame(by_path=True)) >= 2
    s = res.summary()
    assert s.loc["spv", "default_probability"] == 1.0
    assert s.loc["holder", "loss_borne_mean"] == pytest.approx(5.10)


def test_chunking_and_keep_paths_give_the_same_numbers() -> None:
    f = FactorPaths.baseline(5, 20)
    f = FactorPaths(ai_demand=f.ai_demand * np.linspace(0.1, 1.0, 5)[:, None],
                    gpu_rental_price=f.gpu_rental_price, gpu_resale=f.gpu_resale,
                    base_rate=f.base_rate, credit_spread=f.credit_spread,
                    equity_window=f.equity_window, power_availability=f.power_availability,
                    chip_delay=f.chip_delay)
    net = spv_network(3.0)
    whole = simulate_paths(net, f, horizon="2030Q3")
    parts = simulate_paths(net, f, horizon="2030Q3", chunk_size=2, keep_paths=False)
    assert parts.entity is None
    np.testing.assert_array_equal(whole.default_quarter, parts.default_quarter)
    np.testing.assert_allclose(whole.loss_debt, parts.loss_debt)
    assert whole.entity is not None
    np.testing.assert_allclose(whole.entity["cash"].mean(axis=0), parts.entity_mean["cash"])
    with pytest.raises(ValueError, match="keep_paths"):
        parts.entity_frame()
    with pytest.raises(ValueError, match="chunk_size"):
        simulate_paths(net, f, horizon="2030Q3", chunk_size=0)


def test_on_quarter_hook_sees_every_chunk_and_quarter() -> None:
    seen: list[tuple[int, int, int]] = []

    def hook(t, out, state, paths) -> None:  # type: ignore[no-untyped-def]
        assert state.cash.shape[0] == paths.stop - paths.start
        seen.append((t, paths.start, paths.stop))

    simulate_paths(spv_network(3.0), FactorPaths.flat(5, 4), horizon="2026Q3", chunk_size=2,
             keep_paths=False, on_quarter=hook)
    assert len(seen) == 3 * 4
    assert {(a, b) for _, a, b in seen} == {(0, 2), (2, 4), (4, 5)}


def test_keep_paths_refuses_huge_results(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from bubblescope.engine.paths import kept_bytes

    sim_module = importlib.import_module("bubblescope.engine.paths")

    net = spv_network(3.0)
    res = simulate_paths(net, FactorPaths.flat(2, 97))
    # 3 entities, 1 bond, 1 lease: 8 × 97 × (13·3 + 6 + 3 + 2) bytes a path (the debt
    # variables include the price)
    assert kept_bytes(res.compiled, 1) == 8 * 97 * 50
    monkeypatch.setattr(sim_module, "KEEP_PATHS_LIMIT", 8 * 97 * 50 * 10)
    with pytest.raises(ValueError, match="keep_paths: per-path results for 11 paths"):
        simulate_paths(net, FactorPaths.flat(11, 97))
    assert simulate_paths(net, FactorPaths.flat(11, 97), keep_paths=False).paths == 11


def test_chunking_and_threads_do_not_change_results(  # type: ignore[no-untyped-def]
        ai2025, monkeypatch: pytest.MonkeyPatch) -> None:
    # the same 40 shocked paths of the bundled network on one thread in one chunk, and on
    # two threads in chunks of 7 (blocks of uneven size): every number is identical
    from bubblescope.engine import EngineParams
    from bubblescope.engine.mechanisms import everything_on

    b = FactorPaths.baseline(40, 21)
    f = FactorPaths(ai_demand=b.ai_demand * np.linspace(0.1, 1.5, 40)[:, None],
                    gpu_rental_price=b.gpu_rental_price, gpu_resale=b.gpu_resale,
                    base_rate=b.base_rate, credit_spread=b.credit_spread,
                    equity_window=b.equity_window, power_availability=b.power_availability,
                    chip_delay=b.chip_delay)
    prm: EngineParams = everything_on(fire_sale_feedback=True)
    monkeypatch.setenv("BUBBLESCOPE_THREADS", "1")
    one = simulate_paths(ai2025, f, horizon="2030Q4", params=prm)
    monkeypatch.setenv("BUBBLESCOPE_THREADS", "2")
    two = simulate_paths(ai2025, f, horizon="2030Q4", params=prm, chunk_size=7)
    assert one.entity is not None and two.entity is not None
    np.testing.assert_array_equal(one.default_quarter, two.default_quarter)
    for var in ("cash", "debt", "book_equity"):
        np.testing.assert_array_equal(one.entity[var], two.entity[var], err_msg=var)
    np.testing.assert_array_equal(one.loss_debt, two.loss_debt)
    assert (one.default_quarter >= 0).any()
