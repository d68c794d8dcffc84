"""Contagion kernels: clearing, cascades, fire sales, network reconstruction, random networks.

Every kernel is pure NumPy/SciPy and batched over a leading scenario axis.
"""

from .cascades import CascadeResult, debtrank, threshold_cascade
from .clearing import ClearingResult, eisenberg_noe, rogers_veraart
from .firesale import BalanceSheets, FireSaleResult, eba_balance_sheets, leverage_fire_sale

__all__ = [
    "BalanceSheets",
    "CascadeResult",
    "ClearingResult",
    "FireSaleResult",
    "debtrank",
    "eba_balance_sheets",
    "eisenberg_noe",
    "leverage_fire_sale",
    "rogers_veraart",
    "threshold_cascade",
]
