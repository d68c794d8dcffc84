"""The bundled network `ai-2025` is complete, consistent and faithful to the seeds."""

from __future__ import annotations

import pytest

from bubblescope import load_network
from bubblescope.io.facts import fact_ids, load_facts
from bubblescope.model import EntityKind
from bubblescope.model.provenance import fact_usage


@pytest.fixture(scope="module")
def net():
    return load_network("ai-2025", strict=True)


def test_size_and_coverage(net):
    assert len(net.entities) >= 45
    assert len(net.contracts) >= 90
    kinds = {e.kind for e in net.entities}
    for needed in (EntityKind.hyperscaler, EntityKind.ai_lab, EntityKind.chip_vendor,
                   EntityKind.private_credit_fund, EntityKind.neocloud, EntityKind.spv,
                   EntityKind.pension_fund, EntityKind.insurer, EntityKind.etf,
                   EntityKind.retail_savers, EntityKind.bank, EntityKind.government,
                   EntityKind.power_supplier):
        assert needed in kinds, needed


def test_strict_consistency_and_every_record_cited(net):
    assert net.consistency_check(strict=True, facts=fact_ids()) == []
    for rec in [*net.entities, *net.contracts]:
        assert rec.source or rec.assumptions, rec.id


def test_every_numeric_fact_is_used():
    usage = fact_usage(load_network("ai-2025"))
    unused = [f.id for f in load_facts() if f.id not in usage and not f.context_only]
    assert unused == []


def test_register_matches_the_digest_ids():
    import re
    from pathlib import Path

    digest = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "DIGEST.md"
    if not digest.exists():
        pytest.skip("../shared/seeds/DIGEST.md is not beside the checkout")
    ids = set(re.findall(r"\b(S\d-\d\d)\b", digest.read_text()))
    assert ids and ids == fact_ids()


@pytest.mark.parametrize(("contract_kind", "party", "value", "field", "expected"), [
    ("bond", ("issuer", "hyperion_spv"), None, "rate", 0.06581),
    ("bond", ("issuer", "hyperion_spv"), None, "amount", 27.3),
    ("compute_contract", ("seller", "oracle"), ("buyer", "openai"), "amount", 300.0),
    ("compute_contract", ("seller", "amazon"), ("buyer", "openai"), "amount", 38.0),
    ("compute_contract", ("seller", "coreweave"), ("buyer", "openai"), "amount", 22.0),
    ("compute_contract", ("seller", "coreweave"), ("buyer", "meta"), "amount", 14.0),
    ("compute_contract", ("seller", "coreweave"), ("buyer", "nvidia"), "amount", 6.0),
    ("equity_stake", ("investor", "nvidia"), ("issuer", "openai"), "amount", 100.0),
])
def test_seed_figures_are_encoded(net, contract_kind, party, value, field, expected):
    matches = [c for c in net.contracts if c.kind == contract_kind
               and getattr(c, party[0]) == party[1]
               and (value is None or getattr(c, value[0]) == value[1])]
    assert any(getattr(c, field) == pytest.approx(expected, rel=1e-3) for c in matches), \
        [(c.id, getattr(c, field)) for c in matches]


def test_hyperion_structure(net):
    bond = next(c for c in net.contracts if c.kind == "bond" and c.issuer == "hyperion_spv")
    assert bond.end.year == 2049 and bond.rating == "A+" and bond.rule_144a
    held = {h.holder: h.amount for h in bond.holders}
    assert held.get("pimco") == pytest.approx(18.0)
    assert any(h >= 3.0 for k, h in held.items() if "etf" in k)
    lease = next(c for c in net.contracts if c.kind == "lease" and c.lessor == "hyperion_spv")
    assert lease.lessee == "meta" and lease.start.year == 2029
    stakes = {c.investor: c.ownership for c in net.contracts
              if c.kind == "equity_stake" and c.issuer == "hyperion_spv"}
    assert stakes.get("blue_owl") == pytest.approx(0.8) and stakes.get("meta") == pytest.approx(0.2)


def test_coreweave_figures(net):
    cw = net.entity("coreweave")
    assert cw.revenue == pytest.approx(5.0)
    borrowed = sum(c.amount for c in net.contracts
                   if c.kind in ("loan", "bond", "credit_facility")
                   and getattr(c, "borrower", getattr(c, "issuer", None)) == "coreweave"
                   and c.status != "cancelled")
    assert borrowed >= 14.0 - 1e-9
    leases = [c for c in net.contracts if c.kind == "lease" and c.lessee == "coreweave"]
    assert leases
