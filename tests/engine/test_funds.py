"""Funds at the end of the chain (issue 6, mechanism 3), worked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from engine_nets import make_network

from bubblescope.engine import EngineParams, FactorPaths, simulate_paths
from bubblescope.testing.reference import simulate_reference


def fund_network() -> object:
    # the fund (cash 1) lends 10 to a borrower, funded by an 8 bank loan and a 3 LP
    # commitment (all called); the borrower's 10 falls due in quarter 0 and it has only
    # other assets of 4 (worth 2 in default)
    return make_network(
        [{"id": "fund", "kind": "private_credit_fund", "cash": 1.0},
         {"id": "borrower", "kind": "other", "other_assets": 4.0},
         {"id": "bank", "kind": "bank"},
         {"id": "lp", "kind": "pension_fund", "cash": 1.0}],
        [{"id": "loan", "kind": "loan", "lender": "fund", "borrower": "borrower",
          "amount": 10.0, "rate": 0.0, "start": "2025-10-01", "end": "2025-12-01"},
         {"id": "leverage", "kind": "loan", "lender": "bank", "borrower": "fund",
          "amount": 8.0, "rate": 0.0, "start": "2025-10-01", "end": "2035-01-01"},
         {"id": "lp_commitment", "kind": "fund_commitment", "investor": "lp",
          "fund": "fund", "amount": 3.0, "called": 3.0, "start": "2025-10-01"}])


def test_a_fund_whose_losses_exceed_its_equity_makes_its_bank_lose() -> None:
    # quarter 0: the borrower defaults and pays 2 of 10; the fund has cash 3, owes the
    # bank 8: book equity 3 − 8 = −5. Quarter 1: the fund is wound up; the bank (senior to
    # the investors) gets the 3 and loses 5; the LP loses its 3 stake. The 8 lost on the
    # loan falls 3 on the LP and 5 on the bank.
    net = fund_network()
    f = FactorPaths.flat(1, 4, base_rate=0.0, equity_window=0.0)  # markets shut
    on = EngineParams(fund_wind_down=True)
    res = simulate_paths(net, f, horizon="2026Q3", params=on)
    ids = res.entity_ids
    fund, bank, lp, borrower = (ids.index(x) for x in ("fund", "bank", "lp", "borrower"))
    assert res.default_quarter[0, borrower] == 0
    assert res.entity is not None
    assert res.entity["book_equity"][0, 0, fund] == pytest.approx(-5.0, abs=1e-12)
    assert res.default_quarter[0, fund] == 1
    loss = res.creditor_losses()[0]
    assert loss[fund, borrower] == pytest.approx(8.0, abs=1e-12)
    assert loss[bank, fund] == pytest.approx(5.0, abs=1e-12)
    assert res.loss_stakes[0].sum() == pytest.approx(3.0, abs=1e-12)
    ref = simulate_reference(net, f, horizon="2026Q3", params=on)
    np.testing.assert_array_equal(res.default_quarter, ref["default_quarter"])
    np.testing.assert_allclose(res.loss_debt, ref["loss_debt"], atol=1e-12)
    # switched off: the fund carries on with negative equity and the bank is whole
    off = simulate_paths(net, f, horizon="2026Q3")
    assert off.default_quarter[0, fund] == -1
    assert off.creditor_losses()[0, bank, fund] == 0.0


def test_securitisation_passes_pool_losses_to_tranches_bottom_up() -> None:
    # the issuer holds the pool: two 10 loans, l1 due in quarter 0, l2 in quarter 1, at
    # 0%; notes at 0%: senior 14 (30–100%), mezzanine 4 (10–30%), equity 2 (0–10%). On full
    # performance the pass-through repays the senior 10 in quarter 0 and 4 in quarter 1,
    # the mezzanine 4 in quarter 1. Quarter 0: b1 defaults with other assets 10 (5 in
    # default), so the issuer receives 5, owes the senior 10 and defaults; its estate is
    # the 5 and its loans sold at recovery_claims 0.5 × what is left of them: l1 nothing
    # (b1's default pays its claim, the 5 received), l2 its 10 (nothing due yet): 10.
    # The senior notes (rank 1, claim 14) take all 10 and lose 4, the mezzanine (rank 2)
    # loses its 4, the equity holders their 2 — bottom up, and nothing counted twice.
    loans = [{"id": f"l{i}", "kind": "loan", "lender": "abs", "borrower": f"b{i}",
              "amount": 10.0, "rate": 0.0, "start": "2025-10-01", "end": end}
             for i, end in ((1, "2025-12-01"), (2, "2026-03-01"))]
    net = make_network(
        [{"id": "abs", "kind": "spv"}, {"id": "b1", "kind": "other", "other_assets": 10.0},
         {"id": "b2", "kind": "other", "cash": 20.0}, {"id": "hf", "kind": "hedge_fund"},
         {"id": "pcf", "kind": "private_credit_fund"}, {"id": "ins", "kind": "insurer"}],
        [*loans,
         {"id": "deal", "kind": "securitisation", "issuer": "abs", "amount": 20.0,
          "start": "2025-10-01", "pool": ["l1", "l2"],
          "tranches": [
              {"name": "equity", "attachment": 0.0, "detachment": 0.1,
               "holders": [{"holder": "hf", "share": 1.0}]},
              {"name": "mezz", "attachment": 0.1, "detachment": 0.3, "coupon": 0.0,
               "holders": [{"holder": "pcf", "share": 0.5}]},
              {"name": "senior", "attachment": 0.3, "detachment": 1.0, "coupon": 0.0,
               "holders": [{"holder": "ins", "share": 1.0}]}]}])
    f = FactorPaths.flat(1, 2, base_rate=0.0, equity_window=0.0)
    res = simulate_paths(net, f, horizon="2026Q1", params=EngineParams(recovery_claims=0.5))
    ids = res.entity_ids
    assert res.default_quarter[0, ids.index("abs")] == 0
    debt = res.compiled.debt_ids
    assert res.loss_debt[0, debt.index("l1")] == pytest.approx(5.0, abs=1e-12)
    assert res.loss_debt[0, debt.index("deal/mezz")] == pytest.approx(4.0, abs=1e-12)
    assert res.loss_debt[0, debt.index("deal/senior")] == pytest.approx(4.0, abs=1e-12)
    tl = res.tranche_losses()
    assert list(tl.columns) == [("deal", "equity"), ("deal", "mezz"), ("deal", "senior")]
    assert tl[("deal", "equity")][0] == pytest.approx(2.0, abs=1e-12)
    assert tl[("deal", "mezz")][0] == pytest.approx(4.0, abs=1e-12)
    assert tl[("deal", "senior")][0] == pytest.approx(4.0, abs=1e-12)
    by_holder = res.tranche_holder_losses()[0]
    assert by_holder[ids.index("hf")] == pytest.approx(2.0)
    assert by_holder[ids.index("pcf")] == pytest.approx(2.0)   # half the mezzanine
    assert by_holder[-1] == pytest.approx(2.0)                 # the unlisted half
    assert by_holder[ids.index("ins")] == pytest.approx(4.0)
