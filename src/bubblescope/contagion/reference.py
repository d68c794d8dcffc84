"""Plain-Python reference implementations of the contagion kernels.

These follow the model descriptions step by step with ordinary loops over scenarios, nodes
and edges. They are slow on purpose: tests compare the vectorised kernels against them and
the benchmarks report the speed-up. Inputs are assumed valid (no argument checks).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import numpy as np

__all__ = [
    "clearing_reference",
    "debtrank_reference",
    "fire_sale_reference",
    "gai_kapadia_cascade_reference",
    "gai_kapadia_reference",
    "min_density_reference",
    "ras_reference",
    "threshold_reference",
]


def _solve_linear(A: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting on small dense lists."""
    k = len(b)
    M = [row[:] + [b[i]] for i, row in enumerate(A)]
    for c in range(k):
        piv = max(range(c, k), key=lambda r: abs(M[r][c]))
        M[c], M[piv] = M[piv], M[c]
        d = M[c][c]
        for r in range(c + 1, k):
            f = M[r][c] / d
            if f != 0.0:
                row_r, row_c = M[r], M[c]
                for q in range(c, k + 1):
                    row_r[q] -= f * row_c[q]
    x = [0.0] * k
    for r in range(k - 1, -1, -1):
        acc = M[r][k]
        for q in range(r + 1, k):
            acc -= M[r][q] * x[q]
        x[r] = acc / M[r][r]
    return x


def clearing_reference(
    liabilities: np.ndarray,
    external_assets: np.ndarray,
    external_liabilities: np.ndarray | None = None,
    alpha: float = 1.0,
    beta: float = 1.0,
) -> tuple[list[float], list[bool]]:
    """Greatest clearing vector of one scenario (Rogers–Veraart GA; alpha=beta=1 is EN).

    ``liabilities`` is a dense (n, n) array. Returns payments and default flags as lists.
    """
    L = [[float(v) for v in row] for row in np.asarray(liabilities)]
    n = len(L)
    e = [float(v) for v in external_assets]
    b = [0.0] * n if external_liabilities is None else [float(v) for v in external_liabilities]
    pbar = [sum(L[i]) + b[i] for i in range(n)]
    creditors = [[(j, L[i][j]) for j in range(n) if L[i][j] != 0.0] for i in range(n)]

    def received(p: list[float]) -> list[float]:
        rec = [0.0] * n
        for i in range(n):
            if pbar[i] > 0:
                for j, lij in creditors[i]:
                    rec[j] += lij * p[i] / pbar[i]
        return rec

    p = pbar[:]
    defaulted = [False] * n
    while True:  # the default set only grows, so this ends within n rounds
        rec = received(p)
        new = [defaulted[i] or e[i] + rec[i] < pbar[i] * (1 - 1e-12) for i in range(n)]
        if new == defaulted:
            break
        defaulted = new
        D = [i for i in range(n) if defaulted[i]]
        where = {i: a for a, i in enumerate(D)}
        # p_i = alpha e_i + beta sum_{j} L[j][i] p_j / pbar_j for i in D, p_j = pbar_j else
        A = [[0.0] * len(D) for _ in D]
        rhs = [0.0] * len(D)
        for a, i in enumerate(D):
            A[a][a] = 1.0
            rhs[a] = alpha * e[i]
        for j in range(n):
            if pbar[j] <= 0:
                continue
            for i, lji in creditors[j]:
                if i in where:
                    if j in where:
                        A[where[i]][where[j]] -= beta * lji / pbar[j]
                    else:
                        rhs[where[i]] += beta * lji
        sol = _solve_linear(A, rhs) if D else []
        p = pbar[:]
        for a, i in enumerate(D):
            p[i] = sol[a]
    return p, defaulted


def debtrank_reference(
    exposures: np.ndarray,
    buffer: Sequence[float],
    shock: Sequence[float],
    variant: str = "repeated",
    tol: float = 1e-12,
    max_iter: int = 1_000_000,
) -> tuple[list[float], int]:
    """DebtRank of one scenario; returns the final stress and the number of rounds."""
    n = len(buffer)
    W = [[float(exposures[i][j]) / buffer[i] for j in range(n)] for i in range(n)]
    h = [min(1.0, float(x)) for x in shock]
    if variant == "repeated":
        prev = [0.0] * n
        rounds = 0
        while rounds < max_iter:
            delta = [h[j] - prev[j] for j in range(n)]
            if max(abs(d) for d in delta) <= tol:
                break
            new = [min(1.0, h[i] + sum(W[i][j] * delta[j] for j in range(n))) for i in range(n)]
            prev, h = h, new
            rounds += 1
        return h, rounds
    # single hit: 0 undistressed, 1 distressed, 2 inactive
    state = [1 if x > 0 else 0 for x in h]
    rounds = 0
    while 1 in state:
        new = [
            min(1.0, h[i] + sum(W[i][j] * h[j] for j in range(n) if state[j] == 1))
            for i in range(n)
        ]
        state = [
            2 if state[i] == 1 else (1 if new[i] > 0 and state[i] == 0 else state[i])
            for i in range(n)
        ]
        h = new
        rounds += 1
    return h, rounds


def threshold_reference(
    exposures: np.ndarray, buffer: Sequence[float], shock: Sequence[float]
) -> tuple[list[float], int]:
    """Zero-recovery threshold cascade of one scenario; final stress and rounds."""
    n = len(buffer)
    failed = [float(x) >= 1.0 - 1e-12 for x in shock]
    rounds = 0
    while True:
        stress = [
            min(
                1.0,
                float(shock[i])
                + sum(float(exposures[i][j]) / buffer[i] for j in range(n) if failed[j]),
            )
            for i in range(n)
        ]
        new = [failed[i] or stress[i] >= 1.0 - 1e-12 for i in range(n)]
        rounds += 1
        if new == failed:
            return stress, rounds
        failed = new


def fire_sale_reference(
    cash: Sequence[float],
    holdings: Sequence[Sequence[float]],
    other_assets: Sequence[float],
    loan: Sequence[float],
    other_liabilities: Sequence[float],
    shock: Sequence[float],
    price_impact: Sequence[float],
    depth: Sequence[float],
    min_leverage: float = 0.03,
    buffer_leverage: float = 0.04,
    target_leverage: float = 0.05,
    rounds: int = 6,
) -> tuple[list[int], list[list[float]], float]:
    """One scenario of the leverage fire sale: defaults per round, price path, sold fraction."""
    n, K = len(cash), len(shock)
    c = [float(v) for v in cash]
    q = [[float(v) for v in row] for row in holdings]
    debt = [float(v) for v in loan]
    price = [1.0 - float(s) for s in shock]
    beta = [-math.log(1.0 - p) / 0.05 for p in price_impact]
    q0 = sum(sum(row) for row in q)
    alive = [True] * n
    just_failed: list[int] = []
    orders = [[0.0] * K for _ in range(n)]
    path = [price[:]]
    defaults = []
    sold = 0.0
    for _ in range(rounds):
        for i in just_failed:
            orders[i] = q[i][:]
        new_price = price[:]
        for k in range(K):
            Q = sum(orders[i][k] for i in range(n))
            if Q > 0 and depth[k] > 0:
                new_price[k] = price[k] * math.exp(-beta[k] * Q / depth[k])
            for i in range(n):
                if orders[i][k] > 0:
                    c[i] += orders[i][k] * (price[k] + new_price[k]) / 2
                    q[i][k] -= orders[i][k]
                    sold += orders[i][k]
        price = new_price
        path.append(price[:])
        orders = [[0.0] * K for _ in range(n)]
        just_failed = []
        for i in range(n):
            if not alive[i]:
                continue
            value = sum(q[i][k] * price[k] for k in range(K))
            A = c[i] + value + other_assets[i]
            E = A - debt[i] - other_liabilities[i]
            lev = E / A if A > 0 else -math.inf
            if lev < min_leverage:
                alive[i] = False
                just_failed.append(i)
            elif lev < buffer_leverage:
                need = max(0.0, A - E / target_leverage)
                repay = min(need, c[i], debt[i])
                c[i] -= repay
                debt[i] -= repay
                sell = max(0.0, need - repay - c[i])
                frac = 1.0 if value <= 0 else min(1.0, sell / value)
                for k in range(K):
                    orders[i][k] = q[i][k] * frac if sell > 0 else 0.0
        defaults.append(len(just_failed))
    return defaults, path, sold / q0 if q0 > 0 else 0.0


def ras_reference(
    row_sums: Sequence[float],
    col_sums: Sequence[float],
    tol: float = 1e-10,
    max_iter: int = 100_000,
) -> list[list[float]]:
    """Iterative proportional fitting with a zero diagonal, one scenario."""
    n = len(row_sums)
    total = float(sum(row_sums))
    X = [[0.0 if i == j else row_sums[i] * col_sums[j] / total for j in range(n)] for i in range(n)]
    for _ in range(max_iter):
        for i in range(n):
            s = sum(X[i])
            if s > 0:
                f = row_sums[i] / s
                X[i] = [x * f for x in X[i]]
        for j in range(n):
            s = sum(X[i][j] for i in range(n))
            if s > 0:
                f = col_sums[j] / s
                for i in range(n):
                    X[i][j] *= f
        err = max(abs(sum(X[i]) - row_sums[i]) for i in range(n))
        if err <= tol * total:
            break
    return X


def gai_kapadia_cascade_reference(
    lends_to: Sequence[Sequence[int]],
    initially_failed: Sequence[int],
    capital_ratio: float = 0.04,
    interbank_share: float = 0.2,
) -> list[bool]:
    """Zero-recovery Gai–Kapadia cascade on one network given as lender -> borrowers lists."""
    n = len(lends_to)
    failed = [False] * n
    for i in initially_failed:
        failed[i] = True
    changed = True
    while changed:
        changed = False
        for i in range(n):
            if failed[i] or not lends_to[i]:
                continue
            hit = sum(1 for j in lends_to[i] if failed[j])
            loss = hit * interbank_share / len(lends_to[i])
            if loss > capital_ratio * (1 + 1e-9):
                failed[i] = True
                changed = True
    return failed


def gai_kapadia_reference(
    mean_degree: float,
    n: int,
    draws: int,
    seed: int,
    capital_ratio: float = 0.04,
    interbank_share: float = 0.2,
) -> list[float]:
    """Gai–Kapadia Monte Carlo with plain loops: share of defaulted banks per draw.

    Every ordered pair is tested with its own coin flip (Python's ``random``), so the
    draws are statistically, not bit-for-bit, comparable with the vectorised kernel.
    """
    rnd = random.Random(seed)
    p = mean_degree / (n - 1)
    shares = []
    for _ in range(draws):
        lends_to = [[j for j in range(n) if j != i and rnd.random() < p] for i in range(n)]
        failed = gai_kapadia_cascade_reference(
            lends_to, [rnd.randrange(n)], capital_ratio, interbank_share
        )
        shares.append(sum(failed) / n)
    return shares


def min_density_reference(
    row_sums: Sequence[float], col_sums: Sequence[float], uniforms: Sequence[float]
) -> list[list[float]]:
    """Greedy minimum-density allocation of one scenario with given uniform draws.

    Step ``t`` uses ``uniforms[t]`` to pick the borrower, as the vectorised kernel does
    with ``numpy.random.default_rng(seed).random((4 n + 4, s))[:, k]`` for scenario ``k``.
    """
    n = len(row_sums)
    total = float(sum(row_sums))
    col_total = float(sum(col_sums))
    a = [float(x) for x in row_sums]
    lo = [float(x) * (total / col_total if col_total > 0 else 1.0) for x in col_sums]
    eps = 1e-12 * total
    X = [[0.0] * n for _ in range(n)]
    for t in range(4 * n + 4):
        positive = [lo[j] > eps for j in range(n)]
        count = sum(positive)
        best, i = -1.0, 0
        for r in range(n):
            score = a[r] if a[r] > eps and count - positive[r] > 0 else -1.0
            if score > best:
                best, i = score, r
        if best <= 0:
            break
        weights = [lo[j] if positive[j] and j != i else 0.0 for j in range(n)]
        cum, acc = [], 0.0
        for w in weights:
            acc += w
            cum.append(acc)
        u = uniforms[t] * cum[-1]
        j = min(sum(1 for c in cum if c <= u), n - 1)
        x = min(a[i], lo[j])
        X[i][j] += x
        a[i] -= x
        lo[j] -= x
        a = [0.0 if v <= eps else v for v in a]
        lo = [0.0 if v <= eps else v for v in lo]
    if max(a) > 0:  # only this node's own row and column are left: reroute via k -> m
        i = max(range(n), key=lambda r: a[r])
        d = a[i]
        for k in range(n):
            for m in range(n):
                if d > 0 and k != i and m != i and X[k][m] > 0:
                    move = min(d, X[k][m])
                    X[k][m] -= move
                    X[k][i] += move
                    X[i][m] += move
                    d -= move
    return X
