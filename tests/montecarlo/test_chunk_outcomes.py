"""What a chunk keeps beyond defaults: losses net of guarantees, lease exits."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from bubblescope.montecarlo.chunk import net_of_guarantees


def test_guarantee_payments_move_losses_from_creditors_to_the_guarantor() -> None:
    # entities 0 (bank), 1 (fund), 2 (state); column 3 is outside. One guaranteed
    # instrument held 50% bank, 30% fund, 20% outside; the state paid 6 on path 0, 0 on 1
    c = SimpleNamespace(guar_debt=np.array([0]), guar_by=np.array([2]),
                        creditors=lambda d: (np.array([0, 1, 3]), np.array([0.5, 0.3, 0.2])))
    credit = np.array([[5.0, 3.0, 0.0, 2.0], [1.0, 0.0, 0.0, 0.0]])
    out = net_of_guarantees(c, credit, np.array([[6.0], [0.0]]))
    np.testing.assert_allclose(out, [[2.0, 1.2, 6.0, 0.8], [1.0, 0.0, 0.0, 0.0]], atol=1e-12)
    # the total loss is unchanged: the guarantee only moves it
    np.testing.assert_allclose(out.sum(axis=1), credit.sum(axis=1), atol=1e-12)
    assert net_of_guarantees(SimpleNamespace(guar_debt=np.zeros(0, int)), credit,
                             None) is credit


def test_lease_exits_are_reported_with_their_standard_error() -> None:
    import bubblescope
    from bubblescope.montecarlo import simulate

    mc = simulate(bubblescope.load_network("ai-2025"), "refuted", paths=30, seed=4,
                  progress=False)
    t = mc.lease_exits()
    row = t.set_index("lease").loc["hyperion_lease"]
    assert row["lessee"] == "meta" and row["lessor"] == "hyperion_spv"
    q = mc.data.lease_exit[:, list(t["lease"]).index("hyperion_lease")]
    p = float((q >= 0).mean())
    assert row["exit_probability"] == p
    assert row["exit_probability_se"] == (p * (1 - p) / 30) ** 0.5
    # the earliest exit date in the lease is 2033-01-01: no exit before it
    assert (q[q >= 0] >= mc.quarters.index("2033Q1")).all()
    assert mc.to_dict()["lease_exits"]["hyperion_lease"]["lessee"] == "meta"
    # strategic default is off in slow: no lease is tracked
    assert simulate(bubblescope.load_network("ai-2025"), "slow", paths=4, seed=4,
                    horizon="2026Q4", progress=False).lease_exits().empty
