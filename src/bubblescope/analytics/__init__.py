"""Static views of a network: money flows, circularity, concentration, look-through to the
final holders, and the revenue hurdle. See ``docs/analytics.md``.

>>> import bubblescope
>>> from bubblescope.analytics import find_cycles
>>> cycles = find_cycles(bubblescope.load_network("ai-2025"))  # doctest: +SKIP
"""

from .circularity import (
    Cycles,
    CycleSignificance,
    cycle_significance,
    cycle_table,
    find_cycles,
    rotate_cycle,
    simple_cycles,
    vendor_financed_share,
)
from .concentration import (
    financing_sources,
    funding_by_lender,
    hhi,
    hubs,
    purchases_by_supplier,
    revenue_by_counterparty,
    revenue_concentration,
    share_table,
)
from .flows import (
    BASES,
    CYCLE_FLOW_TYPES,
    FLOW_TYPES,
    basis_amounts,
    flow_graph,
    money_flows,
    term_years,
)
from .hurdle import (
    Hurdle,
    capital_recovery_factor,
    commitments_vs_revenue,
    depreciation_hurdle,
    equity_return,
    gpu_hour_breakeven,
    hurdle_summary,
    life_cost_grid,
    required_asset_yield,
    required_return_on_capex,
    return_margin_grid,
    revenue_chain,
    sequoia_gap,
    structure_hurdle,
)
from .lookthrough import (
    LookThrough,
    exposure_edges,
    look_through,
    off_balance_sheet,
    risk_chain,
)
from .summary import NetworkSummary, summarise

__all__ = [
    "BASES", "CYCLE_FLOW_TYPES", "FLOW_TYPES", "CycleSignificance", "Cycles", "Hurdle",
    "LookThrough", "NetworkSummary", "basis_amounts", "capital_recovery_factor",
    "commitments_vs_revenue", "cycle_significance", "cycle_table", "depreciation_hurdle",
    "equity_return", "exposure_edges", "financing_sources", "find_cycles", "flow_graph",
    "funding_by_lender", "gpu_hour_breakeven", "hhi", "hubs", "hurdle_summary",
    "life_cost_grid", "look_through", "money_flows", "off_balance_sheet",
    "purchases_by_supplier", "required_asset_yield", "required_return_on_capex",
    "return_margin_grid", "revenue_by_counterparty", "revenue_chain",
    "revenue_concentration", "risk_chain", "rotate_cycle", "sequoia_gap", "share_table",
    "simple_cycles", "structure_hurdle", "summarise", "term_years", "vendor_financed_share",
]
