"""Clearing payments: Eisenberg–Noe (2001) and Rogers–Veraart (2013).

Conventions
-----------
``liabilities[i, j]`` is the nominal amount bank ``i`` owes bank ``j``. Bank ``i``'s total
obligation is ``pbar[i] = sum_j liabilities[i, j] + external_liabilities[i]``; it pays its
creditors pro rata, so bank ``j`` receives ``sum_i liabilities[i, j] * p[i] / pbar[i]``.

The greatest clearing vector is found with the fictitious-default / Greatest Clearing
Vector Algorithm: start from full payment, find the banks that cannot pay in full, solve the
linear system that fixes the payments of exactly those banks, and repeat with the enlarged
default set until it stops changing (at most ``n`` rounds). Each solve is exact, so the
answer is exact up to round-off. A few cheap Picard sweeps from full payment come first:
their iterates stay above the greatest clearing vector, so every default they reveal is a
true default, and the exact rounds then usually need one solve and one check.

The unknowns are the paid fractions ``x = p / pbar``; for a default set ``D`` they satisfy
``pbar_D * x_D - beta * L[D, D].T @ x_D = alpha * e_D + beta * L[N∖D, D].T @ 1``.
Scenarios are handled together: the matrix products run on the whole ``(s, n)`` batch, and
the small linear systems of many scenarios are stacked (padded to a common size) and solved
in one batched dense call. Large default sets fall back to one sparse solve per scenario.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from . import _validation as v

__all__ = ["ClearingResult", "eisenberg_noe", "rogers_veraart"]

#: a bank defaults when ``e + received < pbar * (1 - _DEFAULT_RTOL)``
_DEFAULT_RTOL = 1e-12
#: default sets up to this size are solved in stacked dense batches
_DENSE_SOLVE_MAX_K = 2000
#: Picard sweeps used to find most of the default set before the exact rounds
_MAX_SWEEPS = 8
#: element budget of one stacked batch of dense systems
_BATCH_ELEMENTS = 4_000_000


@dataclass(frozen=True)
class ClearingResult:
    """Outcome of a clearing computation.

    Attributes
    ----------
    payments : ndarray, shape (n,) or (s, n)
        Clearing payments ``p`` (currency units).
    defaulted : ndarray of bool, same shape
        Banks that cannot meet their obligations (``e + received < pbar``).
    equity : ndarray, same shape
        ``e + received - pbar`` (currency units). Negative for defaulters: it is the
        shortfall against the obligation, not a floored book value.
    received : ndarray, same shape
        Interbank payments received (currency units).
    total_obligations : ndarray, same shape
        ``pbar`` (currency units).
    iterations : ndarray of int, shape () or (s,)
        Picard sweeps plus exact default-set rounds (1 when no bank defaults).
    """

    payments: np.ndarray
    defaulted: np.ndarray
    equity: np.ndarray
    received: np.ndarray
    total_obligations: np.ndarray
    iterations: np.ndarray


def eisenberg_noe(
    liabilities: Any, external_assets: Any, external_liabilities: Any = None
) -> ClearingResult:
    """Greatest Eisenberg–Noe clearing vector.

    Parameters
    ----------
    liabilities : array_like or sparse, shape (n, n) or (s, n, n)
        ``liabilities[i, j]`` = amount ``i`` owes ``j`` (currency units, >= 0).
    external_assets : array_like, shape (n,) or (s, n)
        Assets held outside the network (currency units, >= 0).
    external_liabilities : array_like, shape (n,) or (s, n), optional
        Obligations to creditors outside the network (currency units, >= 0).

    Returns
    -------
    ClearingResult
        ``p = min(pbar, e + Pi.T p)``, the largest such vector; outputs are 2-D when any
        input carries a scenario axis.

    Examples
    --------
    >>> r = eisenberg_noe([[0, 2], [1, 0]], [0.5, 0.0])
    >>> r.payments.round(6).tolist()
    [1.5, 1.0]
    """
    return _clear(liabilities, external_assets, external_liabilities, 1.0, 1.0)


def rogers_veraart(
    liabilities: Any,
    external_assets: Any,
    external_liabilities: Any = None,
    *,
    alpha: Any,
    beta: Any,
) -> ClearingResult:
    """Greatest Rogers–Veraart clearing vector with default costs.

    A defaulting bank pays ``alpha * e + beta * received`` (never more than ``pbar``);
    ``alpha = beta = 1`` gives Eisenberg–Noe.

    Parameters
    ----------
    liabilities, external_assets, external_liabilities
        As in :func:`eisenberg_noe`.
    alpha : float or array_like, shape (s,)
        Fraction of external assets realised in default, in [0, 1].
    beta : float or array_like, shape (s,)
        Fraction of interbank receipts realised in default, in [0, 1].

    Returns
    -------
    ClearingResult

    Examples
    --------
    >>> r = rogers_veraart([[0, 2], [1, 0]], [0.5, 0.0], alpha=0.5, beta=0.5)
    >>> r.payments.round(6).tolist()
    [0.333333, 0.166667]
    """
    return _clear(liabilities, external_assets, external_liabilities, alpha, beta)


# --------------------------------------------------------------------------- internals


def _clear(liabilities: Any, e_in: Any, b_in: Any, alpha_in: Any, beta_in: Any) -> ClearingResult:
    L, n = v.square_matrix(liabilities, "liabilities", allow_stack=True)
    v.zero_diagonal(L, "liabilities")
    L = v.sparse_if_thin(L)
    stacked = isinstance(L, np.ndarray) and L.ndim == 3
    e = v.scenario_vectors(e_in, "external_assets", n)
    b = np.zeros((1, n)) if b_in is None else v.scenario_vectors(b_in, "external_liabilities", n)
    alpha = v.scenario_scalars(alpha_in, "alpha", low=0.0, high=1.0)
    beta = v.scenario_scalars(beta_in, "beta", low=0.0, high=1.0)
    s = v.common_scenarios(
        liabilities=L.shape[0] if stacked else 1,
        external_assets=e.shape[0],
        external_liabilities=b.shape[0],
        alpha=alpha.size,
        beta=beta.size,
    )
    batched = (
        stacked
        or np.ndim(e_in) == 2
        or (b_in is not None and np.ndim(b_in) == 2)
        or np.ndim(alpha_in) == 1
        or np.ndim(beta_in) == 1
    )
    e = np.broadcast_to(e, (s, n))
    alpha = np.broadcast_to(alpha, (s,))
    beta = np.broadcast_to(beta, (s,))

    ops = _Operator(L, s)
    pbar = np.broadcast_to(ops.row_sums + b, (s, n)).copy()
    thr = pbar * (1.0 - _DEFAULT_RTOL)  # default when e + received < thr
    inv_p = 1.0 / np.where(pbar > 0, pbar, 1.0)
    ae = e if np.all(alpha == 1) else alpha[:, None] * e

    # Picard sweeps from full payment: cheap, vectorised, and every default they reveal
    # belongs to the final default set (the iterates stay above the greatest solution).
    x = np.ones((s, n))
    full_received = ops.receive(x)
    received = full_received.copy()
    D = e + full_received < thr
    sweeps = np.zeros(s, dtype=np.int64)
    active = np.flatnonzero(D.any(axis=1))
    for _ in range(_MAX_SWEEPS):
        if not active.size:
            break
        every = active.size == s
        sel: Any = slice(None) if every else active
        Da = D[sel]
        xa = np.where(Da, (ae[sel] + beta[sel, None] * received[sel]) * inv_p[sel], 1.0)
        rec_a = ops.receive(xa, None if every else active)
        new_D = (e[sel] + rec_a < thr[sel]) | Da
        received[sel] = rec_a
        sweeps[sel] += 1
        moved = (new_D != Da).any(axis=1)
        D[sel] = new_D
        active = active[moved]
    # exact rounds on the default sets (Greatest Clearing Vector Algorithm)
    x[:] = 1.0
    received = full_received
    iterations = sweeps + 1
    todo = np.flatnonzero(D.any(axis=1))
    while todo.size:
        _solve_default_sets(ops, x, D, todo, pbar, ae, beta)
        rec_t = ops.receive(x[todo], todo)
        new_D = (e[todo] + rec_t < thr[todo]) | D[todo]
        changed = (new_D != D[todo]).any(axis=1)
        D[todo] = new_D
        iterations[todo] += 1
        received[todo] = rec_t
        todo = todo[changed]

    payments = x * pbar
    equity = e + received - pbar
    out = ClearingResult(
        payments=payments,
        defaulted=D,
        equity=equity,
        received=received,
        total_obligations=pbar,
        iterations=iterations,
    )
    return out if batched else _squeeze(out)


def _squeeze(r: ClearingResult) -> ClearingResult:
    return ClearingResult(
        payments=r.payments[0],
        defaulted=r.defaulted[0],
        equity=r.equity[0],
        received=r.received[0],
        total_obligations=r.total_obligations[0],
        iterations=r.iterations[0],
    )


class _Operator:
    """Matrix products and sub-matrix gathers for a shared or stacked liabilities matrix."""

    def __init__(self, L: np.ndarray | sp.csr_array, s: int) -> None:
        self.sparse = sp.issparse(L)
        self.stacked = not self.sparse and L.ndim == 3
        if self.sparse:
            self.LT = sp.csr_array(L.T)  # receive = (L.T @ x.T).T
            self.row_sums = np.asarray(L.sum(axis=1)).ravel()[None, :]
            self.col_sums = np.asarray(L.sum(axis=0)).ravel()[None, :]
            coo = L.tocoo()
        else:
            self.row_sums = L.sum(axis=-1) if self.stacked else L.sum(axis=1)[None, :]
            self.col_sums = L.sum(axis=-2) if self.stacked else L.sum(axis=0)[None, :]
            coo = None if self.stacked else sp.coo_array(L)
        self.L = L
        self.has_edges = coo is not None
        if coo is not None:
            csr = sp.csr_array(coo)
            csr.eliminate_zeros()
            self.indptr = csr.indptr.astype(np.intp)
            self.indices = csr.indices.astype(np.intp)
            self.weights = csr.data

    def receive(self, x: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """``received[k, j] = sum_i L[i, j] x[k, i]`` for the scenarios ``rows``."""
        if self.sparse:
            return np.ascontiguousarray((self.LT @ np.ascontiguousarray(x.T)).T)
        if self.stacked:
            Ls = self.L if rows is None else self.L[rows]
            return np.einsum("kij,ki->kj", Ls, x)
        return x @ self.L

    def block_T(
        self,
        scen: np.ndarray,
        Dc: np.ndarray,
        mm: np.ndarray,
        src: np.ndarray,
        local: np.ndarray,
        K: int,
    ) -> np.ndarray:
        """Stacked transposed sub-blocks on the default sets, zero-padded to ``K``.

        ``out[r, a, b] = L[d_b, d_a]`` where ``d`` lists the defaulters of chunk row ``r``;
        ``(mm, src, local)`` give chunk row, node and position of every defaulter.
        """
        m = Dc.shape[0]
        out = np.zeros((m, K, K))
        if self.has_edges:
            # walk the out-links of each scenario's defaulters, keep those to defaulters
            loc = np.zeros(Dc.shape, dtype=np.intp)
            loc[mm, src] = local
            starts = self.indptr[src]
            lens = self.indptr[src + 1] - starts
            total = int(lens.sum())
            offs = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(total)
            me = np.repeat(mm, lens)
            dst = self.indices[offs]
            keep = Dc[me, dst]
            me, dst, offs = me[keep], dst[keep], offs[keep]
            la = np.repeat(local, lens)[keep]
            out[me, loc[me, dst], la] = self.weights[offs]
            return out
        pos = np.zeros((m, K), dtype=np.intp)
        pos[mm, local] = src
        valid = np.zeros((m, K), dtype=bool)
        valid[mm, local] = True
        out = self.L[scen[:, None, None], pos[:, None, :], pos[:, :, None]]
        out *= valid[:, :, None] & valid[:, None, :]
        return out

    def sparse_block_T(self, scen: int, rows: np.ndarray) -> sp.csc_array:
        if self.sparse:
            return sp.csc_array(self.L[rows][:, rows].T)
        M = self.L[scen] if self.stacked else self.L
        return sp.csc_array(M[np.ix_(rows, rows)].T)


def _solve_default_sets(
    ops: _Operator,
    x: np.ndarray,
    D: np.ndarray,
    todo: np.ndarray,
    pbar: np.ndarray,
    ae: np.ndarray,
    beta: np.ndarray,
) -> None:
    """Set ``x`` for the scenarios ``todo`` to the exact solution on their default sets.

    ``ae`` is ``alpha * external_assets``. Solvent banks pay in full, so what a defaulter
    receives from them is its nominal column sum minus the nominal inflow from defaulters,
    which is read off the same sub-block that forms the system matrix.
    """
    Dt = D[todo]
    x[todo] = np.where(Dt, 0.0, 1.0)
    k = Dt.sum(axis=1)
    order = np.argsort(k, kind="stable")
    dense_ok = ops.has_edges or ops.stacked
    start = 0
    while start < order.size:
        kmax = int(k[order[start]])
        if not dense_ok or kmax > _DENSE_SOLVE_MAX_K:
            for pos in order[start:]:
                _solve_one_sparse(ops, x, Dt[pos], int(todo[pos]), pbar, ae, beta)
            break
        # grow the chunk while the padded stack stays within budget
        stop = start + 1
        while stop < order.size:
            kk = int(k[order[stop]])
            if kk > _DENSE_SOLVE_MAX_K or (stop - start + 1) * kk * kk > _BATCH_ELEMENTS:
                break
            stop += 1
        chunk = order[start:stop]
        _solve_chunk_dense(ops, x, Dt[chunk], todo[chunk], pbar, ae, beta)
        start = stop


def _solve_chunk_dense(
    ops: _Operator,
    x: np.ndarray,
    Dc: np.ndarray,
    scen: np.ndarray,
    pbar: np.ndarray,
    ae: np.ndarray,
    beta: np.ndarray,
) -> None:
    m, n = Dc.shape
    # defaulters of every scenario in node order: (chunk row, node, local position)
    mm, src = np.nonzero(Dc)
    k = np.bincount(mm, minlength=m)
    K = int(k.max())
    local = np.arange(mm.size) - np.repeat(np.cumsum(k) - k, k)
    T = ops.block_T(scen, Dc, mm, src, local, K)
    inside = T.sum(axis=2)  # nominal inflow of each defaulter from the other defaulters
    sm = scen[mm]
    colsum = ops.col_sums[sm if ops.stacked else 0, src]
    rhs = np.zeros((m, K))
    rhs[mm, local] = ae[sm, src] + beta[sm] * (colsum - inside[mm, local])
    M = -beta[scen, None, None] * T
    diag = np.ones((m, K))  # padding rows solve 1 * x = 0
    diag[mm, local] = pbar[sm, src]
    M[:, np.arange(K), np.arange(K)] += diag
    try:
        sol = np.linalg.solve(M, rhs[..., None])[..., 0]
        bad = ~_plausible(sol)
    except np.linalg.LinAlgError:
        sol = np.zeros_like(rhs)
        bad = np.ones(m, dtype=bool)
    x[sm, src] = sol[mm, local]
    for j in np.flatnonzero(bad):
        _solve_one_sparse(ops, x, Dc[j], int(scen[j]), pbar, ae, beta)


def _plausible(sol: np.ndarray) -> np.ndarray:
    """Paid fractions must be finite and within [0, 1] (padding entries are 0)."""
    return np.all(np.isfinite(sol) & (sol > -1e-9) & (sol < 1 + 1e-9), axis=1)


def _solve_one_sparse(
    ops: _Operator,
    x: np.ndarray,
    Drow: np.ndarray,
    scen: int,
    pbar: np.ndarray,
    ae: np.ndarray,
    beta: np.ndarray,
) -> None:
    rows = np.flatnonzero(Drow)
    block = ops.sparse_block_T(scen, rows)
    colsum = ops.col_sums[scen if ops.stacked else 0, rows]
    rhs = ae[scen, rows] + beta[scen] * (colsum - np.asarray(block.sum(axis=1)).ravel())
    M = sp.diags_array(pbar[scen, rows]) - beta[scen] * block
    sol: np.ndarray | None
    try:
        sol = np.atleast_1d(spla.spsolve(sp.csc_array(M), rhs))
    except RuntimeError:
        sol = None
    if sol is None or not _plausible(sol[None, :])[0]:
        sol = _picard_from_above(block, pbar[scen, rows], rhs, float(beta[scen]))
    x[scen, rows] = np.clip(sol, 0.0, 1.0)


def _picard_from_above(
    block: sp.csc_array, p: np.ndarray, rhs: np.ndarray, beta: float
) -> np.ndarray:
    """Fallback for a singular system: iterate the default-set map down from full payment.

    Singular systems only arise when ``beta = 1`` and a group of defaulters owes everything
    to itself; the iteration from above converges to the greatest solution.
    """
    xd = np.ones(rhs.size)
    for _ in range(1_000_000):
        new = np.minimum(1.0, (rhs + beta * (block @ xd)) / p)
        if np.max(np.abs(new - xd), initial=0.0) <= 1e-15:
            return new
        xd = new
    return xd
