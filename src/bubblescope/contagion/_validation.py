"""Argument checks shared by the contagion kernels.

Every checker raises :class:`ValueError` with a message that names the offending argument
and says what is wrong with it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

Matrix = np.ndarray | sp.sparray | sp.spmatrix


def finite_array(x: Any, name: str) -> np.ndarray:
    """Return ``x`` as a float array, refusing NaN and infinite entries."""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def nonnegative(arr: np.ndarray, name: str) -> np.ndarray:
    """Refuse negative entries."""
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} must be non-negative (found {arr.min():g})")
    return arr


def square_matrix(
    x: Any, name: str, *, allow_stack: bool = False
) -> tuple[np.ndarray | sp.csr_array, int]:
    """Validate a square non-negative matrix, dense or scipy.sparse.

    Returns the matrix (``csr_array`` if sparse, float ndarray otherwise) and ``n``. With
    ``allow_stack`` a dense ``(s, n, n)`` stack of matrices is accepted too.
    """
    if sp.issparse(x):
        m = sp.csr_array(x, dtype=float, copy=True)
        if m.ndim != 2 or m.shape[0] != m.shape[1]:
            raise ValueError(f"{name} must be square, got shape {m.shape}")
        m.sum_duplicates()
        finite_array(m.data, name)
        nonnegative(m.data, name)
        return m, m.shape[0]
    arr = finite_array(x, name)
    ok_ndim = (2, 3) if allow_stack else (2,)
    if arr.ndim not in ok_ndim:
        want = "(n, n) or (s, n, n)" if allow_stack else "(n, n)"
        raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    if arr.shape[-1] != arr.shape[-2]:
        raise ValueError(f"{name} must be square, got shape {arr.shape}")
    nonnegative(arr, name)
    return arr, arr.shape[-1]


def sparse_if_thin(m: np.ndarray | sp.csr_array, density: float = 0.25) -> Any:
    """Dense 2-D matrices with few non-zeros are converted to CSR (faster products)."""
    if isinstance(m, np.ndarray) and m.ndim == 2 and np.count_nonzero(m) < density * m.size:
        return sp.csr_array(m)
    return m


def zero_diagonal(m: np.ndarray | sp.csr_array, name: str) -> None:
    """Refuse self-links (a node cannot owe itself or lend to itself)."""
    diag = m.diagonal() if sp.issparse(m) else np.diagonal(m, axis1=-2, axis2=-1)
    if np.any(diag != 0):
        raise ValueError(f"{name} must have a zero diagonal (no self-links)")


def scenario_vectors(x: Any, name: str, n: int, *, allow_negative: bool = False) -> np.ndarray:
    """Validate a length-``n`` vector or an ``(s, n)`` batch; return it as 2-D."""
    arr = finite_array(x, name)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != n:
        raise ValueError(f"{name} must have shape ({n},) or (s, {n}), got {np.shape(x)}")
    if not allow_negative:
        nonnegative(arr, name)
    return arr


def scenario_scalars(
    x: Any, name: str, *, low: float | None = None, high: float | None = None
) -> np.ndarray:
    """Validate a scalar or a 1-D per-scenario array; return it as 1-D."""
    arr = finite_array(x, name)
    if arr.ndim > 1:
        raise ValueError(f"{name} must be a scalar or a 1-D per-scenario array, got {arr.shape}")
    arr = np.atleast_1d(arr)
    if low is not None and arr.size and arr.min() < low:
        raise ValueError(f"{name} must be in [{low}, {high}] (found {arr.min():g})")
    if high is not None and arr.size and arr.max() > high:
        raise ValueError(f"{name} must be in [{low}, {high}] (found {arr.max():g})")
    return arr


def common_scenarios(**lengths: int) -> int:
    """Reconcile scenario counts: each must be 1 (broadcast) or the common ``s``."""
    sizes = {v for v in lengths.values() if v != 1}
    if len(sizes) > 1:
        detail = ", ".join(f"{k}={v}" for k, v in lengths.items())
        raise ValueError(f"scenario axes do not match ({detail})")
    return sizes.pop() if sizes else 1
