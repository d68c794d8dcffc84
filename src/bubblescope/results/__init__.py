"""Monte Carlo results: per-path scalars, merged in path order, and their statistics.

>>> from bubblescope.results import expected_shortfall
>>> import numpy as np
>>> float(expected_shortfall(np.arange(1.0, 41.0), 0.975))
40.0
"""

from .montecarlo import EXTERNAL, PRICE_LEVELS, MonteCarloResults, PathSummary
from .stats import binomial_se, expected_shortfall, loss_stats, value_at_risk

__all__ = ["EXTERNAL", "PRICE_LEVELS", "MonteCarloResults", "PathSummary", "binomial_se",
           "expected_shortfall", "loss_stats", "value_at_risk"]
