"""Random lending networks and the Gai & Kapadia (2010) contagion experiment.

Networks are directed Erdős–Rényi graphs: each ordered pair ``(i, j)``, ``i != j``, is a
link with probability ``mean_degree / (n - 1)``. ``A[i, j] = 1`` means ``i`` lends to
``j``. Many graphs are drawn at once as the diagonal blocks of one sparse matrix, so the
whole Monte Carlo experiment is a handful of sparse products.

Gai–Kapadia baseline: each bank's total assets are 1; its interbank assets, a share
``interbank_share`` of them, are split evenly over the banks it lends to; capital is
``capital_ratio``; recovery is zero. One random bank per draw loses all its external
assets (``1 - interbank_share > capital_ratio`` so it defaults). A lender with out-degree
``k`` then loses ``interbank_share / k`` per defaulted borrower and defaults once its losses
exceed its capital. Contagion means at least 5 % of the banks default (the hit bank
included).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from . import _validation as v

__all__ = [
    "GaiKapadiaResult",
    "ThresholdFailures",
    "erdos_renyi_lending",
    "gai_kapadia",
    "gai_kapadia_cascade",
    "random_interbank_network",
]

#: share of defaulted banks that counts as contagion
_CONTAGION_SHARE = 0.05
#: relative slack in "losses exceed capital", so exact ties do not default by round-off
_EXCEED_RTOL = 1e-9
#: edges per block of draws processed together
_EDGES_PER_BLOCK = 250_000


@dataclass(frozen=True)
class ThresholdFailures:
    """Outcome of :func:`gai_kapadia_cascade`.

    Attributes
    ----------
    failed : ndarray of bool, shape (n,) or (s, n)
    rounds : ndarray of int, shape () or (s,)
        Propagation rounds until no new default (0 if nothing failed).
    """

    failed: np.ndarray
    rounds: np.ndarray


@dataclass(frozen=True)
class GaiKapadiaResult:
    """Monte Carlo estimates per mean degree.

    Attributes
    ----------
    mean_degree : ndarray, shape () or (m,)
    probability, probability_se : ndarray, shape () or (m,)
        Frequency of contagion (>= 5 % of banks default) and its standard error.
    extent, extent_se : ndarray, shape () or (m,)
        Mean share of defaulted banks in the draws with contagion (NaN if none) and its
        standard error.
    default_share : ndarray, shape (draws,) or (m, draws)
        Share of defaulted banks in every draw.
    """

    mean_degree: np.ndarray
    probability: np.ndarray
    probability_se: np.ndarray
    extent: np.ndarray
    extent_se: np.ndarray
    default_share: np.ndarray


def erdos_renyi_lending(
    n: int, mean_degree: float, *, draws: int = 1, seed: int | np.random.Generator | None = None
) -> sp.csr_array:
    """Directed Erdős–Rényi lending graphs.

    Parameters
    ----------
    n : int
        Banks per graph (>= 2).
    mean_degree : float
        Expected out-degree, in [0, n - 1].
    draws : int
        Number of independent graphs, returned as diagonal blocks.
    seed : int, Generator or None

    Returns
    -------
    csr_array, shape (draws * n, draws * n)
        0/1 matrix; block ``d`` holds graph ``d``.

    Examples
    --------
    >>> A = erdos_renyi_lending(100, 3.0, seed=1)
    >>> A.shape, bool(A.diagonal().any())
    ((100, 100), False)
    """
    _check_n(n)
    if not (np.isfinite(mean_degree) and 0 <= mean_degree <= n - 1):
        raise ValueError(f"mean_degree must be in [0, n - 1], got {mean_degree}")
    if int(draws) != draws or draws < 1:
        raise ValueError(f"draws must be a positive integer, got {draws}")
    rng = np.random.default_rng(seed)
    src, dst = _er_edges(n, np.full(int(draws), float(mean_degree)), rng)
    N = int(draws) * n
    return sp.csr_array((np.ones(src.size), (src, dst)), shape=(N, N))


def random_interbank_network(
    n: int,
    mean_degree: float,
    *,
    seed: int | np.random.Generator | None = None,
    sigma: float = 1.0,
) -> sp.csr_array:
    """Erdős–Rényi liabilities matrix with log-normal amounts (median 1, log-sd ``sigma``).

    Examples
    --------
    >>> L = random_interbank_network(50, 4.0, seed=0)
    >>> L.shape, bool((L.data > 0).all())
    ((50, 50), True)
    """
    rng = np.random.default_rng(seed)
    A = erdos_renyi_lending(n, mean_degree, seed=rng)
    A.data = rng.lognormal(0.0, sigma, A.data.size)
    return A


def gai_kapadia_cascade(
    lending: Any,
    initially_failed: Any,
    *,
    capital_ratio: float = 0.04,
    interbank_share: float = 0.2,
) -> ThresholdFailures:
    """Zero-recovery Gai–Kapadia cascade on a given lending graph.

    Parameters
    ----------
    lending : array_like or sparse, shape (n, n)
        Nonzero ``lending[i, j]`` means ``i`` lends to ``j``.
    initially_failed : array_like of bool, shape (n,) or (s, n)
    capital_ratio, interbank_share : float
        Capital and interbank assets as shares of total assets.

    Returns
    -------
    ThresholdFailures

    Examples
    --------
    >>> # 0 lends to 1 only: losing 1 costs it 0.2 > 0.04.  2 lends to 0 and to 3..7.
    >>> A = np.zeros((8, 8)); A[0, 1] = 1; A[2, [0, 3, 4, 5, 6, 7]] = 1
    >>> gai_kapadia_cascade(A, np.eye(8, dtype=bool)[1]).failed.nonzero()[0].tolist()
    [0, 1]
    """
    A, n = v.square_matrix(lending, "lending")
    _check_ratios(capital_ratio, interbank_share)
    F0 = np.asarray(initially_failed)
    if F0.dtype != bool:
        raise ValueError("initially_failed must be a boolean array")
    batched = F0.ndim == 2
    F0 = np.atleast_2d(F0)
    if F0.ndim != 2 or F0.shape[1] != n:
        raise ValueError(f"initially_failed must have shape ({n},) or (s, {n})")
    A = sp.csr_array(A != 0, dtype=float)
    failed, rounds = _cascade(A, F0, capital_ratio, interbank_share)
    if batched:
        return ThresholdFailures(failed, rounds)
    return ThresholdFailures(failed[0], rounds[0])


def gai_kapadia(
    mean_degree: Any,
    *,
    n: int = 1000,
    draws: int = 1000,
    capital_ratio: float = 0.04,
    interbank_share: float = 0.2,
    seed: int | np.random.Generator | None = None,
) -> GaiKapadiaResult:
    """Probability and extent of contagion in the Gai & Kapadia (2010) baseline.

    Parameters
    ----------
    mean_degree : float or array_like, shape (m,)
        Expected number of borrowers per bank; each value gets ``draws`` networks.
    n : int
        Banks per network.
    draws : int
        Monte Carlo draws per mean degree.
    capital_ratio, interbank_share : float
        Capital and interbank assets as shares of total assets.
    seed : int, Generator or None

    Returns
    -------
    GaiKapadiaResult

    Examples
    --------
    >>> r = gai_kapadia([0.5, 3.0], n=200, draws=50, seed=0)
    >>> (r.probability < 0.2).tolist(), bool(r.extent[1] > 0.5)
    ([True, False], True)
    """
    _check_n(n)
    _check_ratios(capital_ratio, interbank_share)
    z = v.finite_array(mean_degree, "mean_degree")
    if z.ndim > 1:
        raise ValueError(f"mean_degree must be a scalar or 1-D, got shape {z.shape}")
    zs = np.atleast_1d(z)
    if zs.size and (zs.min() < 0 or zs.max() > n - 1):
        raise ValueError(f"mean_degree must be in [0, n - 1] = [0, {n - 1}]")
    if int(draws) != draws or draws < 1:
        raise ValueError(f"draws must be a positive integer, got {draws}")
    draws = int(draws)
    if 1 - interbank_share <= capital_ratio:
        raise ValueError("capital_ratio must be below 1 - interbank_share so the hit bank fails")
    rng = np.random.default_rng(seed)
    per_graph = np.repeat(zs, draws)
    shares = np.empty(per_graph.size)
    # blocks of graphs sized so the edge arrays stay moderate
    per_block = max(1, int(_EDGES_PER_BLOCK // max(1.0, n * max(zs.max(initial=0), 1.0))))
    for start in range(0, per_graph.size, per_block):
        zb = per_graph[start : start + per_block]
        g = zb.size
        src, dst = _er_edges(n, zb, rng)
        N = g * n
        A = sp.csr_array((np.ones(src.size), (src, dst)), shape=(N, N))
        F0 = np.zeros((1, N), dtype=bool)
        F0[0, np.arange(g) * n + rng.integers(0, n, g)] = True
        failed, _ = _cascade(A, F0, capital_ratio, interbank_share)
        shares[start : start + g] = failed[0].reshape(g, n).mean(axis=1)
    shares = shares.reshape(zs.size, draws)
    hit = shares >= _CONTAGION_SHARE - 1e-12
    prob = hit.mean(axis=1)
    prob_se = np.sqrt(prob * (1 - prob) / draws)
    k = hit.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        extent = np.where(k > 0, (shares * hit).sum(axis=1) / np.maximum(k, 1), np.nan)
        dev = np.where(hit, shares - extent[:, None], 0.0)
        var = (dev**2).sum(axis=1) / np.maximum(k - 1, 1)
        extent_se = np.where(k > 1, np.sqrt(var / np.maximum(k, 1)), np.nan)
    if z.ndim == 0:
        return GaiKapadiaResult(z, prob[0], prob_se[0], extent[0], extent_se[0], shares[0])
    return GaiKapadiaResult(zs, prob, prob_se, extent, extent_se, shares)


# --------------------------------------------------------------------------- internals


def _check_n(n: int) -> None:
    if int(n) != n or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n}")


def _check_ratios(capital_ratio: float, interbank_share: float) -> None:
    if not (np.isfinite(capital_ratio) and 0 <= capital_ratio < 1):
        raise ValueError(f"capital_ratio must be in [0, 1), got {capital_ratio}")
    if not (np.isfinite(interbank_share) and 0 < interbank_share <= 1):
        raise ValueError(f"interbank_share must be in (0, 1], got {interbank_share}")


def _er_edges(n: int, z: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Edges of ``z.size`` independent G(n, p) digraphs, node ids offset by ``d * n``.

    The edge count of each graph is binomial; that many distinct ordered pairs are then
    drawn uniformly (duplicates are redrawn), which is exactly G(n, p).
    """
    pairs = n * (n - 1)
    m = rng.binomial(pairs, z / (n - 1))
    g = np.repeat(np.arange(z.size, dtype=np.int64), m)
    keys = _sorted_unique(g * pairs + rng.integers(0, pairs, g.size))
    want = m - np.bincount(keys // pairs, minlength=z.size)
    while want.sum():  # redraw the few duplicates, inserting them in order
        g = np.repeat(np.arange(z.size, dtype=np.int64), want)
        new = _sorted_unique(g * pairs + rng.integers(0, pairs, g.size))
        at = np.searchsorted(keys, new)
        present = keys[np.minimum(at, keys.size - 1)] == new if keys.size else new < 0
        keys = np.insert(keys, at[~present], new[~present])
        want = m - np.bincount(keys // pairs, minlength=z.size)
    g, u = np.divmod(keys, pairs)
    i, jj = np.divmod(u, n - 1)
    j = jj + (jj >= i)
    return g * n + i, g * n + j


def _sorted_unique(x: np.ndarray) -> np.ndarray:
    x = np.sort(x)
    return x[np.r_[True, x[1:] != x[:-1]]] if x.size else x


def _cascade(
    A: sp.csr_array, F0: np.ndarray, capital_ratio: float, interbank_share: float
) -> tuple[np.ndarray, np.ndarray]:
    """Threshold propagation for scenarios ``F0`` (s, N) on lending matrix ``A`` (0/1).

    Only the newest defaults are propagated each round: their lenders (read from the
    borrower -> lender adjacency) each count one more defaulted borrower, so the work is
    proportional to the links that actually carry losses.
    """
    s, N = F0.shape
    outdeg = np.diff(A.indptr)
    # defaulted borrowers needed: smallest c with c * share / k > capital (with slack)
    limit = capital_ratio * (1 + _EXCEED_RTOL) * outdeg / interbank_share
    need = np.where(outdeg > 0, np.floor(limit) + 1, np.inf)
    AT = sp.csr_array(A.T)
    indptr, lenders = AT.indptr, AT.indices
    failed = F0.copy().ravel()
    count = np.zeros(s * N)
    rounds = np.zeros(s, dtype=np.int64)
    new = np.flatnonzero(failed)
    while new.size:
        rounds[np.unique(new // N)] += 1
        scen, node = np.divmod(new, N)
        starts = indptr[node]
        lens = indptr[node + 1] - starts
        if not lens.sum():
            break
        offs = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(lens.sum())
        hit = np.repeat(scen * N, lens) + lenders[offs]
        np.add.at(count, hit, 1.0)
        hit = np.unique(hit)
        fresh = hit[~failed[hit] & (count[hit] >= need[hit % N])]
        failed[fresh] = True
        new = fresh
    return failed.reshape(s, N), rounds
