"""Cycles, round-trip dollars, vendor-financed share and the significance test."""

from __future__ import annotations

import numpy as np
import pytest
from analytics_nets import ent, net, vendor_loop

from bubblescope.analytics import (
    cycle_significance,
    cycle_table,
    find_cycles,
    rotate_cycle,
    vendor_financed_share,
)


def _by_entities(cycles):
    return {tuple(r.entities): r for r in cycles.table.itertuples(index=False)}


def test_known_cycles_and_round_trips():
    cycles = find_cycles(vendor_loop())
    found = _by_entities(cycles)
    # exactly two loops: nvidia → neo → nvidia and nvidia → lab → cloud → nvidia
    assert set(found) == {("nvidia", "neo"), ("nvidia", "lab", "cloud")}
    two = found[("nvidia", "neo")]
    # legs: equity 4 funded + 1 announced; chips 10 funded
    assert (two.ceiling, two.committed, two.funded) == (5.0, 4.0, 4.0)
    assert two.flow_types == ("equity_investment", "chip_purchase")
    three = found[("nvidia", "lab", "cloud")]
    # legs: equity 100 announced; compute 30 signed; chips 20 signed, not drawn
    assert (three.ceiling, three.committed, three.funded) == (20.0, 0.0, 0.0)
    assert three.legs == (100.0, 30.0, 20.0)
    assert three.flow_types == ("equity_investment", "compute_purchase", "chip_purchase")
    assert not cycles.truncated


def test_loan_and_its_interest_is_not_a_loop():
    cycles = find_cycles(vendor_loop())
    assert all("bank" not in r.entities for r in cycles.table.itertuples())


def test_length_bound_and_cap():
    # a ring of six entities, each lending to the next: one cycle of length 6
    ring = net([ent(f"e{i}") for i in range(6)],
               [{"id": f"l{i}", "kind": "loan", "lender": f"e{i}",
                 "borrower": f"e{(i + 1) % 6}", "amount": float(i + 1), "rate": 0.05}
                for i in range(6)])
    assert len(find_cycles(ring, length_bound=5)) == 0
    six = find_cycles(ring, length_bound=6)
    assert len(six) == 1
    assert six.table.iloc[0]["entities"] == ("e0", "e1", "e2", "e3", "e4", "e5")
    assert six.table.iloc[0]["ceiling"] == 1.0  # the smallest leg
    # complete digraph on 4 nodes has 20 simple cycles; the cap stops early
    full = net([ent(f"n{i}") for i in range(4)],
               [{"id": f"c{i}{j}", "kind": "equity_stake", "investor": f"n{i}",
                 "issuer": f"n{j}", "amount": 1.0} for i in range(4) for j in range(4)
                if i != j])
    assert len(find_cycles(full)) == 20
    capped = find_cycles(full, max_cycles=7)
    assert len(capped) == 7 and capped.truncated
    with pytest.raises(ValueError, match="length_bound"):
        find_cycles(full, length_bound=1)


def test_rotation_and_records():
    assert rotate_cycle(["cw", "nvidia"]) == ("nvidia", "cw")
    assert rotate_cycle(["openai_startups", "openai"]) == ("openai", "openai_startups")
    assert rotate_cycle(["x", "nvidia", "a"], anchors=("a",)) == ("a", "x", "nvidia")
    rec = find_cycles(vendor_loop()).to_records()[0]
    assert set(rec) == {"entities", "flow_types", "amount"}
    assert set(rec["amount"]) == {"ceiling", "committed", "funded"}
    display = cycle_table(find_cycles(vendor_loop()))
    assert "nvidia → lab → cloud → nvidia" in set(display["path"])


def test_vendor_financed_share_direct_and_one_step():
    n = net([ent("v", "chip_vendor"), ent("a", "neocloud"), ent("f", "venture_fund"),
             ent("b", "neocloud"), ent("c", "neocloud")],
            [{"id": "e1", "kind": "equity_stake", "investor": "v", "issuer": "a", "amount": 1},
             {"id": "e2", "kind": "fund_commitment", "investor": "v", "fund": "f",
              "amount": 1},
             {"id": "e3", "kind": "loan", "lender": "f", "borrower": "b", "amount": 1,
              "rate": 0.05},
             {"id": "s1", "kind": "chip_purchase", "buyer": "a", "vendor": "v", "amount": 6},
             {"id": "s2", "kind": "chip_purchase", "buyer": "b", "vendor": "v", "amount": 3},
             {"id": "s3", "kind": "compute_contract", "buyer": "c", "seller": "v",
              "amount": 1}])
    row = vendor_financed_share(n).set_index("vendor").loc["v"]
    assert row["sales"] == pytest.approx(10.0)
    assert row["from_direct"] == pytest.approx(6.0)
    assert row["from_indirect"] == pytest.approx(3.0)
    assert row["share"] == pytest.approx(0.9)
    assert row["direct_share"] == pytest.approx(0.6)
    assert row["customers"] == ("a", "b")


def test_significance_is_seeded_and_detects_excess_loops():
    # reciprocal pairs: every edge sits on a 2-cycle; degree-preserving swaps break most
    ents = [ent(f"x{i}") for i in range(10)]
    contracts = []
    for i in range(0, 10, 2):
        contracts.append({"id": f"a{i}", "kind": "equity_stake", "investor": f"x{i}",
                          "issuer": f"x{i + 1}", "amount": 5.0})
        contracts.append({"id": f"b{i}", "kind": "chip_purchase", "buyer": f"x{i + 1}",
                          "vendor": f"x{i}", "amount": 5.0})
    for i in range(10):
        contracts.append({"id": f"r{i}", "kind": "loan", "lender": f"x{i}",
                          "borrower": f"x{(i + 3) % 10}", "amount": 1.0, "rate": 0.05})
    n = net(ents, contracts)
    s1 = cycle_significance(n, n_samples=60, seed=7, length_bound=2)
    s2 = cycle_significance(n, n_samples=60, seed=7, length_bound=2)
    assert np.array_equal(s1.null_counts, s2.null_counts)
    assert s1.observed_count == 5
    assert s1.observed_dollars == pytest.approx(25.0)
    assert np.mean(s1.null_counts) < 5
    assert s1.z_count > 2
    assert 0 < s1.p_count <= 0.05
    d = s1.as_dict()
    assert d["n_samples"] == 60 and d["basis"] == "committed"
    with pytest.raises(ValueError, match="n_samples"):
        cycle_significance(n, n_samples=0)


@pytest.mark.parametrize("seed", range(12))
def test_bounded_enumeration_matches_networkx(seed):
    import networkx as nx

    from bubblescope.analytics.circularity import simple_cycles

    g = nx.gnp_random_graph(25, 0.15, seed=seed, directed=True)
    bound = 2 + seed % 4

    def canon(cycles):
        return sorted(tuple(rotate_cycle([str(x) for x in c], anchors=())) for c in cycles)

    mine = canon(simple_cycles(g, bound))
    assert mine == canon(nx.simple_cycles(g, length_bound=bound))
    assert len(mine) == len(set(mine))
