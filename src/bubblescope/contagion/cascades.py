"""Stress cascades on exposure networks: DebtRank and the zero-recovery threshold model.

Conventions (as in the R package NetworkRiskMeasures)
-----------------------------------------------------
``exposures[i, j]`` is the asset of ``i`` on ``j`` (``i`` lent to ``j``). ``buffer[i]`` is
``i``'s capital. The impact of ``j`` on ``i`` is ``W[i, j] = exposures[i, j] / buffer[i]``
(not capped at 1). ``shock`` is the initial relative loss of equity, in [0, 1]; stress is
always capped at 1. A node counts as defaulted when its stress is at least ``1 - 1e-12``.

Scenarios are rows of ``shock``; all scenarios advance together, and a scenario that has
converged is frozen so that a batched run gives the same numbers as one-by-one runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp

from . import _validation as v

__all__ = ["CascadeResult", "debtrank", "threshold_cascade"]

#: stress at or above ``1 - _DEFAULT_EPS`` counts as default
_DEFAULT_EPS = 1e-12


@dataclass(frozen=True)
class CascadeResult:
    """Outcome of a stress cascade.

    Attributes
    ----------
    initial_stress, final_stress : ndarray, shape (n,) or (s, n)
        Relative equity loss before and after propagation, in [0, 1].
    additional_stress : ndarray, shape () or (s,)
        ``sum_i w_i (final_i - initial_i)`` with weights summing to 1.
    additional_defaults : ndarray of int, shape () or (s,)
        Nodes with final stress 1 whose initial stress was below 1.
    iterations : ndarray of int, shape () or (s,)
        Propagation rounds until convergence.
    converged : ndarray of bool, shape () or (s,)
        False only when ``max_iter`` stopped the run first.
    """

    initial_stress: np.ndarray
    final_stress: np.ndarray
    additional_stress: np.ndarray
    additional_defaults: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray


def debtrank(
    exposures: Any,
    buffer: Any,
    shock: Any,
    *,
    weights: Any = None,
    variant: Literal["repeated", "single_hit"] = "repeated",
    tol: float = 1e-12,
    max_iter: int | None = None,
) -> CascadeResult:
    """DebtRank stress propagation.

    ``"repeated"`` is linear DebtRank (Bardoscia et al. 2015): every increment of a node's
    stress is passed on, ``h(t+1) = min(1, h(t) + W (h(t) - h(t-1)))`` with ``h(-1) = 0``,
    until the largest increment is at most ``tol``. ``"single_hit"`` is the original
    DebtRank (Battiston et al. 2012): a node passes its whole stress on once, in the round
    after it becomes distressed, and is inactive afterwards (it still takes losses).

    Parameters
    ----------
    exposures : array_like or sparse, shape (n, n)
        ``exposures[i, j]`` = asset of ``i`` on ``j`` (currency units, >= 0).
    buffer : array_like, shape (n,)
        Capital of each node (currency units, > 0).
    shock : array_like, shape (n,) or (s, n)
        Initial relative equity loss, in [0, 1].
    weights : array_like, shape (n,), optional
        Node weights (>= 0, normalised to sum 1); default: buffer shares.
    variant : {"repeated", "single_hit"}
    tol : float
        Convergence tolerance on the change of stress (``"repeated"``).
    max_iter : int, optional
        Round limit; default ``100_000``.

    Returns
    -------
    CascadeResult

    Examples
    --------
    >>> r = debtrank([[0, 5], [0, 0]], [10, 10], [0, 0.5])
    >>> r.final_stress.tolist()
    [0.25, 0.5]
    """
    if variant not in ("repeated", "single_hit"):
        raise ValueError(f"variant must be 'repeated' or 'single_hit', got {variant!r}")
    if not (np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a non-negative finite number, got {tol}")
    limit = 100_000 if max_iter is None else int(max_iter)
    if limit < 0:
        raise ValueError(f"max_iter must be non-negative, got {max_iter}")
    W, w, h0, batched = _prepare(exposures, buffer, shock, weights)
    s, n = h0.shape
    h = h0.copy()
    iterations = np.zeros(s, dtype=np.int64)
    converged = np.zeros(s, dtype=bool)

    if variant == "repeated":
        delta = h0.copy()
        active = np.flatnonzero(np.abs(delta).max(axis=1, initial=0.0) > tol)
        converged[:] = True
        rounds = 0
        while active.size and rounds < limit:
            push = _impact(W, delta[active])
            new = np.minimum(1.0, h[active] + push)
            delta[active] = new - h[active]
            h[active] = new
            iterations[active] += 1
            rounds += 1
            active = active[np.abs(delta[active]).max(axis=1) > tol]
        converged[active] = False
    else:
        distressed = h0 > 0
        inactive = np.zeros_like(distressed)
        active = np.flatnonzero(distressed.any(axis=1))
        rounds = 0
        while active.size and rounds < limit:
            dis = distressed[active]
            push = _impact(W, np.where(dis, h[active], 0.0))
            new = np.minimum(1.0, h[active] + push)
            inactive[active] |= dis
            distressed[active] = (new > 0) & ~inactive[active]
            h[active] = new
            iterations[active] += 1
            rounds += 1
            active = active[distressed[active].any(axis=1)]
        converged[:] = True
        converged[active] = False

    return _result(h0, h, w, iterations, converged, batched)


def threshold_cascade(
    exposures: Any, buffer: Any, shock: Any, *, weights: Any = None
) -> CascadeResult:
    """Zero-recovery default cascade.

    A node passes on its full impact ``W[:, j]`` only once its stress reaches 1; stress is
    ``min(1, shock + sum over defaulted j of W[i, j])``; repeated until no new default.

    Parameters
    ----------
    exposures, buffer, shock, weights
        As in :func:`debtrank`.

    Returns
    -------
    CascadeResult

    Examples
    --------
    >>> r = threshold_cascade([[0, 12], [0, 0]], [10, 10], [0, 1.0])
    >>> r.final_stress.tolist(), int(r.additional_defaults)
    ([1.0, 1.0], 1)
    """
    W, w, h0, batched = _prepare(exposures, buffer, shock, weights)
    s, n = h0.shape
    failed = h0 >= 1.0 - _DEFAULT_EPS
    h = h0.copy()
    iterations = np.zeros(s, dtype=np.int64)
    active = np.arange(s)
    while active.size:
        stress = np.minimum(1.0, h0[active] + _impact(W, failed[active].astype(float)))
        new_failed = failed[active] | (stress >= 1.0 - _DEFAULT_EPS)
        moved = (new_failed != failed[active]).any(axis=1)
        h[active] = stress
        failed[active] = new_failed
        iterations[active] += 1
        active = active[moved]
    return _result(h0, h, w, iterations, np.ones(s, dtype=bool), batched)


# --------------------------------------------------------------------------- internals


def _prepare(
    exposures: Any, buffer: Any, shock: Any, weights: Any
) -> tuple[np.ndarray | sp.csr_array, np.ndarray, np.ndarray, bool]:
    E, n = v.square_matrix(exposures, "exposures")
    v.zero_diagonal(E, "exposures")
    E = v.sparse_if_thin(E)
    buf = v.finite_array(buffer, "buffer")
    if buf.shape != (n,):
        raise ValueError(f"buffer must have shape ({n},), got {buf.shape}")
    if buf.size and buf.min() <= 0:
        raise ValueError("buffer must be strictly positive (impacts divide by it)")
    h0 = v.scenario_vectors(shock, "shock", n)
    if h0.size and h0.max() > 1:
        raise ValueError(f"shock must be in [0, 1] (found {h0.max():g})")
    if weights is None:
        w = buf / buf.sum()
    else:
        w = v.nonnegative(v.finite_array(weights, "weights"), "weights")
        if w.shape != (n,):
            raise ValueError(f"weights must have shape ({n},), got {w.shape}")
        if w.sum() <= 0:
            raise ValueError("weights must have a positive sum")
        w = w / w.sum()
    W = sp.csr_array(sp.diags_array(1.0 / buf) @ E) if sp.issparse(E) else E / buf[:, None]
    return W, w, h0, np.ndim(shock) == 2


def _impact(W: np.ndarray | sp.csr_array, x: np.ndarray) -> np.ndarray:
    """``out[k, i] = sum_j W[i, j] x[k, j]`` for a batch ``x`` of shape (m, n)."""
    if sp.issparse(W):
        return np.asarray((W @ x.T).T)
    return x @ W.T


def _result(
    h0: np.ndarray,
    h: np.ndarray,
    w: np.ndarray,
    iterations: np.ndarray,
    converged: np.ndarray,
    batched: bool,
) -> CascadeResult:
    extra = (h - h0) @ w
    defaults = ((h >= 1.0 - _DEFAULT_EPS) & (h0 < 1.0 - _DEFAULT_EPS)).sum(axis=1)
    r = CascadeResult(
        initial_stress=h0,
        final_stress=h,
        additional_stress=extra,
        additional_defaults=defaults,
        iterations=iterations,
        converged=converged,
    )
    if batched:
        return r
    return CascadeResult(*(np.asarray(getattr(r, f)[0]) for f in r.__dataclass_fields__))
