"""Contagion kernels: clearing, cascades, fire sales, network reconstruction, random networks.

Every kernel is pure NumPy/SciPy and batched over a leading scenario axis.
"""

from .cascades import CascadeResult, debtrank, threshold_cascade
from .clearing import ClearingResult, eisenberg_noe, rogers_veraart
from .firesale import BalanceSheets, FireSaleResult, eba_balance_sheets, leverage_fire_sale
from .random_networks import (
    GaiKapadiaResult,
    ThresholdFailures,
    erdos_renyi_lending,
    gai_kapadia,
    gai_kapadia_cascade,
    random_interbank_network,
)
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
    "GaiKapadiaResult",
    "ReconstructionResult",
    "ThresholdFailures",
    "debtrank",
    "eba_balance_sheets",
    "eisenberg_noe",
    "erdos_renyi_lending",
    "gai_kapadia",
    "gai_kapadia_cascade",
    "leverage_fire_sale",
    "random_interbank_network",
    "reconstruct_max_entropy",
    "reconstruct_min_density",
    "rogers_veraart",
    "threshold_cascade",
]
