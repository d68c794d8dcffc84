"""Small random networks shared by the contagion tests."""

from __future__ import annotations

import numpy as np


def random_liabilities(rng: np.random.Generator, n: int, density: float = 0.5) -> np.ndarray:
    """Dense (n, n) liabilities with a zero diagonal and log-normal amounts."""
    L = rng.lognormal(0.0, 1.0, (n, n)) * (rng.random((n, n)) < density)
    np.fill_diagonal(L, 0.0)
    return L


def random_case(
    rng: np.random.Generator, n: int, s: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Liabilities plus external assets and liabilities for ``s`` scenarios, often in distress."""
    L = random_liabilities(rng, n)
    e = rng.uniform(0.0, 1.5, (s, n)) * rng.choice([0.0, 1.0, 3.0], (s, n))
    b = rng.uniform(0.0, 1.0, (s, n)) * (rng.random((s, n)) < 0.7)
    return L, e, b
