"""Contagion kernels: clearing, cascades, fire sales, network reconstruction, random networks.

Every kernel is pure NumPy/SciPy and batched over a leading scenario axis.
"""

from .clearing import ClearingResult, eisenberg_noe, rogers_veraart

__all__ = ["ClearingResult", "eisenberg_noe", "rogers_veraart"]
