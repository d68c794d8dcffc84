"""Contagion kernels: clearing, cascades, fire sales, network reconstruction, random networks.

Every kernel is pure NumPy/SciPy and batched over a leading scenario axis.
"""

from .cascades import CascadeResult, debtrank, threshold_cascade
from .clearing import ClearingResult, eisenberg_noe, rogers_veraart
from .firesale import BalanceSheets, FireSaleResult, eba_balance_sheets, leverage_fire_sale
from .reconstruction import (
    ReconstructionResult,
    reconstruct_max_entropy,
    reconstruct_min_density,
)

__all__ = [
    "BalanceSheets",
    "CascadeResult",
    "ClearingResult",
    "FireSaleResult",
    "ReconstructionResult",
    "debtrank",
    "eba_balance_sheets",
    "eisenberg_noe",
    "leverage_fire_sale",
    "reconstruct_max_entropy",
    "reconstruct_min_density",
    "rogers_veraart",
    "threshold_cascade",
]
