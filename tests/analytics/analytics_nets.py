"""Hand-built networks with known answers for the analytics tests."""

from __future__ import annotations

from typing import Any

from bubblescope.model import Network


def ent(eid: str, kind: str = "other", **kw: Any) -> dict[str, Any]:
    return {"id": eid, "name": eid.title(), "kind": kind, **kw}


def net(entities: list[dict[str, Any]], contracts: list[dict[str, Any]],
        as_of: str = "2025-12-31") -> Network:
    return Network.model_validate({"name": "test", "as_of": as_of, "entities": entities,
                                   "contracts": contracts})


def vendor_loop() -> Network:
    """Nvidia-style loops with known round trips.

    v → n (equity 4, signed, committed; plus 1 announced ceiling) ; n → v chips 10 (funded)
    v → lab (equity 100 ceiling, announced) ; lab → cloud compute 30 (signed) ;
    cloud → v chips 20 (signed, committed, drawn 0)
    """
    return net(
        [ent("nvidia", "chip_vendor"), ent("neo", "neocloud"), ent("lab", "ai_lab"),
         ent("cloud", "cloud_provider"), ent("bank", "bank")],
        [
            {"id": "eq_neo", "kind": "equity_stake", "investor": "nvidia", "issuer": "neo",
             "amount": 4, "status": "funded"},
            {"id": "eq_neo2", "kind": "equity_stake", "investor": "nvidia", "issuer": "neo",
             "amount": 1, "status": "announced", "amount_type": "ceiling"},
            {"id": "chips_neo", "kind": "chip_purchase", "buyer": "neo", "vendor": "nvidia",
             "amount": 10, "status": "funded", "start": "2025-01-01", "end": "2027-01-01"},
            {"id": "eq_lab", "kind": "equity_stake", "investor": "nvidia", "issuer": "lab",
             "amount": 100, "status": "announced", "amount_type": "ceiling"},
            {"id": "compute", "kind": "compute_contract", "buyer": "lab", "seller": "cloud",
             "amount": 30, "status": "signed", "start": "2026-01-01", "end": "2031-01-01"},
            {"id": "chips_cloud", "kind": "chip_purchase", "buyer": "cloud",
             "vendor": "nvidia", "amount": 20, "status": "signed"},
            {"id": "loan", "kind": "loan", "lender": "bank", "borrower": "neo", "amount": 8,
             "rate": 0.1, "drawn": 5, "status": "signed", "start": "2025-01-01",
             "end": "2029-01-01"},
        ])


def hyperion_chain() -> Network:
    """Pension and insurer → credit fund → SPV bonds → Meta's lease; ETF holds bonds too."""
    return net(
        [ent("pension", "pension_fund"), ent("insurer", "insurer"),
         ent("fund", "private_credit_fund"), ent("spv", "spv"), ent("meta", "hyperscaler"),
         ent("etf", "etf"), ent("savers", "retail_savers"), ent("neo", "neocloud"),
         ent("msft", "hyperscaler", revenue=0.0), ent("bank", "bank")],
        [{"id": "lp1", "kind": "fund_commitment", "investor": "pension", "fund": "fund",
          "amount": 6},
         {"id": "lp2", "kind": "fund_commitment", "investor": "insurer", "fund": "fund",
          "amount": 4},
         {"id": "bonds", "kind": "bond", "issuer": "spv", "rate": 0.0658, "amount": 20,
          "holders": [{"holder": "fund", "amount": 8}, {"holder": "etf", "amount": 2}],
          "remainder_holder": "insurer", "secured_by": "the data centre and its lease"},
         {"id": "lease", "kind": "lease", "lessor": "spv", "lessee": "meta", "amount": 40,
          "start": "2029-01-01", "end": "2049-01-01", "asset": "Hyperion campus",
          "residual_value_guarantee": 3},
         {"id": "etfh", "kind": "fund_commitment", "investor": "savers", "fund": "etf",
          "amount": 2},
         {"id": "fl", "kind": "loan", "lender": "fund", "borrower": "neo", "amount": 2,
          "rate": 0.09, "collateral": {"kind": "gpu_pool", "generation": "H100"}},
         {"id": "bl", "kind": "credit_facility", "lender": "bank", "borrower": "fund",
          "amount": 0, "rate": 0.06},
         {"id": "cw", "kind": "compute_contract", "buyer": "msft", "seller": "neo",
          "amount": 10}])
