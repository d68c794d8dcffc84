"""Reconstructing interbank matrices from their row and column sums.

``row_sums[i]`` is what node ``i`` lends in total (its interbank assets), ``col_sums[j]``
what node ``j`` borrows in total. Both reconstructions return matrices ``X`` with a zero
diagonal, ``X.sum(axis=-1) == row_sums`` and ``X.sum(axis=-2) == col_sums``.

* :func:`reconstruct_max_entropy` — RAS / iterative proportional fitting started from the
  product ``r c^T / total`` with the diagonal removed: the densest, "most even" matrix.
* :func:`reconstruct_min_density` — a simplified version of the Anand, Craig & von Peter
  (2015) minimum-density heuristic: repeatedly take the node with the largest remaining
  lending, draw a borrower at random (probability proportional to its remaining borrowing)
  and give that link the largest possible value. Every step exhausts a row or a column, so
  at most ``2n - 1`` links are used (plus at most two per rare repair step, see below).
  ACvP's full method additionally trades off link costs against deviations from the
  marginals; this version always meets the marginals exactly.

Feasibility with a zero diagonal requires ``row_sums[i] + col_sums[i] <= total`` for every
node; violations raise ``ValueError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _validation as v

__all__ = ["ReconstructionResult", "reconstruct_max_entropy", "reconstruct_min_density"]


@dataclass(frozen=True)
class ReconstructionResult:
    """A reconstructed matrix.

    Attributes
    ----------
    matrix : ndarray, shape (n, n) or (s, n, n)
        ``matrix[i, j]`` = amount ``i`` lent to ``j`` (units of the sums).
    iterations : ndarray of int, shape () or (s,)
        RAS sweeps (max entropy) or allocation steps (min density).
    max_error : ndarray, shape () or (s,)
        Largest absolute deviation from the row and column sums.
    converged : ndarray of bool, shape () or (s,)
        Whether ``max_error <= tol * total`` was reached.
    """

    matrix: np.ndarray
    iterations: np.ndarray
    max_error: np.ndarray
    converged: np.ndarray


def reconstruct_max_entropy(
    row_sums: Any, col_sums: Any, *, tol: float = 1e-10, max_iter: int = 10_000
) -> ReconstructionResult:
    """Maximum-entropy matrix with a zero diagonal (RAS).

    Parameters
    ----------
    row_sums, col_sums : array_like, shape (n,) or (s, n)
        Target sums (>= 0); totals must agree to ``tol`` (relative).
    tol : float
        Relative tolerance: stop when every sum is met to ``tol * total``.
    max_iter : int
        Sweep limit (one sweep scales rows then columns). Sums that can only be met with
        some entries exactly zero make RAS converge slowly; ``converged`` then reports
        whether ``tol`` was reached.

    Returns
    -------
    ReconstructionResult

    Examples
    --------
    >>> reconstruct_max_entropy([1, 1, 1], [1, 1, 1]).matrix.round(6).tolist()
    [[0.0, 0.5, 0.5], [0.5, 0.0, 0.5], [0.5, 0.5, 0.0]]
    """
    r, c, total, batched = _prepare(row_sums, col_sums, tol)
    s, n = r.shape
    X = r[:, :, None] * c[:, None, :] / _safe(total)[:, None, None]
    X[:, np.arange(n), np.arange(n)] = 0.0
    iterations = np.zeros(s, dtype=np.int64)
    err = _error(X, r, c)
    active = np.flatnonzero(err > tol * total)
    while active.size and iterations[active[0]] < max_iter:
        Xa = X[active]
        Xa *= _ratio(r[active], Xa.sum(axis=2))[:, :, None]
        Xa *= _ratio(c[active], Xa.sum(axis=1))[:, None, :]
        X[active] = Xa
        iterations[active] += 1
        err[active] = _error(Xa, r[active], c[active])
        active = active[err[active] > tol * total[active]]
    return _result(X, iterations, err, err <= tol * total, batched)


def reconstruct_min_density(
    row_sums: Any, col_sums: Any, *, seed: int | np.random.Generator | None, tol: float = 1e-10
) -> ReconstructionResult:
    """Sparse matrix meeting the sums with few links (simplified Anand–Craig–von Peter).

    Parameters
    ----------
    row_sums, col_sums : array_like, shape (n,) or (s, n)
        Target sums (>= 0); totals must agree to ``tol`` (relative).
    seed : int, Generator or None
        Source of the random borrower choice.
    tol : float
        Relative tolerance for the totals check and for treating remainders as zero.

    Returns
    -------
    ReconstructionResult

    Examples
    --------
    >>> m = reconstruct_min_density([2, 0, 0], [0, 1, 1], seed=0).matrix
    >>> m.tolist()
    [[0.0, 1.0, 1.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """
    r, c, total, batched = _prepare(row_sums, col_sums, tol)
    rng = np.random.default_rng(seed)
    s, n = r.shape
    eps = (1e-12 * total)[:, None]
    a, lo = r.copy(), c.copy()
    X = np.zeros((s, n, n))
    steps = np.zeros(s, dtype=np.int64)
    rows = np.arange(s)
    for _ in range(4 * n + 4):
        pos_l = lo > eps
        others = pos_l.sum(axis=1, keepdims=True) - pos_l  # borrowers other than oneself
        score = np.where((a > eps) & (others > 0), a, -1.0)
        i = score.argmax(axis=1)
        live = score[rows, i] > 0
        if not live.any():
            break
        w = np.where(pos_l, lo, 0.0)
        w[rows, i] = 0.0
        cw = np.cumsum(w, axis=1)
        u = rng.random(s) * cw[:, -1]
        j = np.minimum((cw <= u[:, None]).sum(axis=1), n - 1)
        x = np.where(live, np.minimum(a[rows, i], lo[rows, j]), 0.0)
        X[rows, i, j] += x
        a[rows, i] -= x
        lo[rows, j] -= x
        a[a <= eps] = 0.0
        lo[lo <= eps] = 0.0
        steps += live
    # Repair (rare): mass left only on one node's own row and column. Move it through an
    # existing link k -> m not touching that node: X[k, m] -= d, X[k, i] += d, X[i, m] += d.
    for k in np.flatnonzero(a.max(axis=1) > 0):
        _repair(X[k], a[k], lo[k])
    err = _error(X, r, c)
    return _result(X, steps, err, err <= tol * total, batched)


# --------------------------------------------------------------------------- internals


def _prepare(row_sums: Any, col_sums: Any, tol: float) -> tuple[np.ndarray, ...]:
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a positive finite number, got {tol}")
    r0 = v.finite_array(row_sums, "row_sums")
    if r0.ndim not in (1, 2):
        raise ValueError(f"row_sums must have shape (n,) or (s, n), got {r0.shape}")
    n = r0.shape[-1]
    r = v.scenario_vectors(r0, "row_sums", n)
    c = v.scenario_vectors(col_sums, "col_sums", n)
    s = v.common_scenarios(row_sums=r.shape[0], col_sums=c.shape[0])
    r = np.broadcast_to(r, (s, n)).copy()
    c = np.broadcast_to(c, (s, n)).copy()
    tr, tc = r.sum(axis=1), c.sum(axis=1)
    total = np.maximum(tr, tc)
    if np.any(np.abs(tr - tc) > tol * total):
        k = int(np.argmax(np.abs(tr - tc)))
        raise ValueError(
            f"row_sums and col_sums must have equal totals (scenario {k}: {tr[k]:g} vs {tc[k]:g})"
        )
    c *= np.divide(tr, tc, out=np.ones_like(tr), where=tc > 0)[:, None]
    if np.any(r + c > total[:, None] * (1 + tol)):
        raise ValueError(
            "row_sums and col_sums are infeasible with a zero diagonal: some node has "
            "row_sums[i] + col_sums[i] > total"
        )
    batched = np.ndim(row_sums) == 2 or np.ndim(col_sums) == 2
    return r, c, tr, batched


def _safe(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x, 1.0)


def _ratio(target: np.ndarray, current: np.ndarray) -> np.ndarray:
    return np.divide(target, current, out=np.ones_like(target), where=current > 0)


def _error(X: np.ndarray, r: np.ndarray, c: np.ndarray) -> np.ndarray:
    er = np.abs(X.sum(axis=2) - r).max(axis=1, initial=0.0)
    ec = np.abs(X.sum(axis=1) - c).max(axis=1, initial=0.0)
    return np.maximum(er, ec)


def _repair(X: np.ndarray, a: np.ndarray, lo: np.ndarray) -> None:
    i = int(np.argmax(a))
    d = float(a[i])
    mask = X > 0
    mask[i, :] = False
    mask[:, i] = False
    for k, m in zip(*np.nonzero(mask), strict=True):
        move = min(d, X[k, m])
        X[k, m] -= move
        X[k, i] += move
        X[i, m] += move
        d -= move
        if d <= 0:
            break
    a[i] = lo[i] = 0.0


def _result(
    X: np.ndarray, it: np.ndarray, err: np.ndarray, ok: np.ndarray, batched: bool
) -> ReconstructionResult:
    if batched:
        return ReconstructionResult(X, it, err, ok)
    return ReconstructionResult(X[0], it[0], err[0], ok[0])
