"""Holders' losses net of guarantee payments; the guarantor carries what it paid."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from bubblescope.runners.chunk import net_of_guarantees


def test_guarantee_payments_move_losses_from_creditors_to_the_guarantor() -> None:
    # entities 0 (bank), 1 (fund), 2 (state); column 3 is outside. One guaranteed
    # instrument held 50% bank, 30% fund, 20% outside; the state paid 6 on path 0, 0 on 1
    c = SimpleNamespace(guar_debt=np.array([0]), guar_by=np.array([2]),
                        creditor_share=np.array([[0.5, 0.3, 0.0, 0.2]]))
    credit = np.array([[5.0, 3.0, 0.0, 2.0], [1.0, 0.0, 0.0, 0.0]])
    out = net_of_guarantees(c, credit, np.array([[6.0], [0.0]]))
    np.testing.assert_allclose(out, [[2.0, 1.2, 6.0, 0.8], [1.0, 0.0, 0.0, 0.0]], atol=1e-12)
    # the total loss is unchanged: the guarantee only moves it
    np.testing.assert_allclose(out.sum(axis=1), credit.sum(axis=1), atol=1e-12)
    assert net_of_guarantees(SimpleNamespace(guar_debt=np.zeros(0, int)), credit,
                             None) is credit
