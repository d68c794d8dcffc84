"""Contagion kernels: clearing, cascades, fire sales, network reconstruction, random networks.

Every kernel is pure NumPy/SciPy and batched over a leading scenario axis.
"""

from .cascades import CascadeResult, debtrank, threshold_cascade
from .clearing import ClearingResult, eisenberg_noe, rogers_veraart

__all__ = [
    "CascadeResult",
    "ClearingResult",
    "debtrank",
    "eisenberg_noe",
    "rogers_veraart",
    "threshold_cascade",
]
