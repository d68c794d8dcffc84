"""Figures build quickly and carry the data."""

from __future__ import annotations

from analytics_nets import hyperion_chain, vendor_loop

from bubblescope.analytics import look_through, revenue_chain, revenue_concentration, risk_chain
from bubblescope.analytics.plots import (
    concentration_bars,
    hurdle_waterfall,
    lookthrough_sankey,
    network_figure,
    network_plotly,
    risk_chain_sankey,
    save,
)


def test_network_figures(tmp_path):
    n = vendor_loop()
    fig = network_figure(n)
    ax = fig.axes[0]
    assert len(ax.collections[0].get_offsets()) == 5  # every entity with flows
    assert save(fig, tmp_path / "web.png").stat().st_size > 1000
    pf = network_plotly(n)
    kinds = {t.name for t in pf.data if t.mode == "markers+text"}
    assert kinds == {"chip_vendor", "neocloud", "ai_lab", "cloud_provider", "bank"}
    edges = [t for t in pf.data if t.mode == "lines"]
    # one per linked pair with committed dollars: the announced stake in "lab" is left out
    assert len(edges) == 6
    assert save(pf, tmp_path / "web.html").read_text().count("plotly") > 0


def test_sankey_bars_and_waterfall():
    n = hyperion_chain()
    lt = look_through(n)
    sk = risk_chain_sankey(risk_chain(lt, n))
    labels = list(sk.data[0].node.label)
    assert {"pension", "fund", "spv", "meta"} <= set(labels)
    assert sum(sk.data[0].link.value) > 0
    two = lookthrough_sankey(lt)
    assert sum(two.data[0].link.value) == lt.matrix.to_numpy().sum()
    bars = concentration_bars(revenue_concentration(n))
    assert len(bars.axes[0].patches) == 1
    wf = hurdle_waterfall(revenue_chain())
    assert list(wf.data[0].x) == ["capex", "ebitda_required", "revenue_required"]
