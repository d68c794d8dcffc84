"""``simulate``: run a network through factor paths, in chunks of paths."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np

from ..model.network import Network
from .compile import Compiled, EngineParams, compile_network
from .factors import FactorPaths
from .marks import asset_coverage, performing_price, remaining_contracted
from .results import ENTITY_VARS, Results
from .schedules import delayed_chip_schedule
from .step import Layout, QuarterOut, State, initial_state, run_quarters

Array = np.ndarray


def prepare(network: Network | Compiled, factors: FactorPaths,
            horizon: str | dt.date = "2049Q4",
            params: EngineParams | None = None) -> tuple[Compiled, FactorPaths]:
    """Compile (if needed) and check the factors cover the horizon."""
    if not isinstance(factors, FactorPaths):
        raise ValueError(f"factors: expected FactorPaths, got {type(factors).__name__}")
    if isinstance(network, Compiled):
        compiled = network
    elif isinstance(network, Network):
        compiled = compile_network(network, horizon, params)
    else:
        raise ValueError(f"network: expected a Network, got {type(network).__name__}")
    T = compiled.n_quarters
    if factors.start is not None:
        from ..model._fields import parse_date, quarter_label

        first = quarter_label(parse_date(factors.start))
        if first != compiled.quarters[0]:
            raise ValueError(f"factors: paths start in {first} but the network's as-of "
                             f"quarter is {compiled.quarters[0]}")
    if factors.quarters < T:
        raise ValueError(f"factors: {factors.quarters} quarters given but the horizon needs "
                         f"{T} ({compiled.quarters[0]}..{compiled.quarters[-1]})")
    return compiled, factors.truncate(T)


def _run_chunk(c: Compiled, f: FactorPaths, keep: bool, first: int = 0,
               hook: Callable[[int, QuarterOut, State, slice], None] | None = None,
               keep_prices: bool = False) -> dict:
    P, T, N, D, K = f.paths, c.n_quarters, c.n_entities, c.n_debt, c.n_trade
    lay = Layout(c)
    st = initial_state(c, f, lay)
    chips = delayed_chip_schedule(c, f)
    sums = {v: np.zeros((T, N)) for v in ENTITY_VARS}
    per = ({v: np.zeros((P, T, N)) for v in ENTITY_VARS} if keep else None)
    debt = ({v: np.zeros((P, T, D)) for v in ("due", "paid", "refinanced", "loss",
                                              "outstanding")} if keep else None)
    trade = {v: np.zeros((P, T, K)) for v in ("due", "paid", "loss")} if keep else None
    ext = np.zeros((2, P, T)) if keep else None
    prices = keep or keep_prices
    price = np.full((P, T, D), np.nan) if prices else None
    gpu_price = np.zeros((P, T, len(c.generations))) if prices else None
    resale = (np.stack([f.resale(g)[:, :T] for g in c.generations], axis=2) if prices
              else None)
    last_price = np.full((P, D), np.nan)
    rem = remaining_contracted(c)
    spv_debt = np.array([c.kinds[i] == "spv" for i in c.debtor], dtype=bool)
    cash0 = st.cash.copy()

    def mark(t: int, out: QuarterOut, s: State) -> Array:
        perf = performing_price(c, f, t)
        if spv_debt.any():
            cov = asset_coverage(c, s, rem, t, c.params.recovery_other_assets,
                                 c.params.recovery_claims, lay.to_payee, lay.to_creditors,
                                 lay.to_debtor)
            perf = np.where(spv_debt[None, :], np.minimum(perf, cov[:, c.debtor]), perf)
        claim = out.debt_paid + out.debt_loss
        now = out.defaulted[:, c.debtor] & (claim > 0)
        rec = out.debt_paid / np.where(claim > 0, claim, 1.0)
        last_price[:] = np.where(now, rec, last_price)
        return np.where(s.balance > 0, perf, last_price)

    def record(t: int, out: QuarterOut, s: State) -> None:
        values = {"cash": s.cash, "revenue": out.revenue, "costs": out.costs,
                  "capex": out.capex, "contributions": out.contributions,
                  "debt": lay.to_debtor(s.balance)[:, :N], "assets": out.assets,
                  "liabilities": out.liabilities, "book_equity": out.book_equity,
                  "market_equity": s.market_equity, "fleet_book": s.gpu_book,
                  "fleet_market": s.gpu_value.sum(axis=2), "alive": s.alive.astype(float)}
        for v, x in values.items():
            sums[v][t] = x.sum(axis=0)
            if per is not None:
                per[v][:, t] = x
        if debt is not None and trade is not None and ext is not None:
            debt["due"][:, t] = out.debt_due
            debt["paid"][:, t] = out.debt_paid
            debt["refinanced"][:, t] = out.refinanced
            debt["outstanding"][:, t] = s.balance
            debt["loss"][:, t] = out.debt_loss
            trade["loss"][:, t] = out.trade_loss
            trade["due"][:, t] = out.trade_due
            trade["paid"][:, t] = out.trade_paid
            ext[0, :, t] = out.external_in
            ext[1, :, t] = out.external_out
        if price is not None:
            price[:, t] = mark(t, out, s)
        if gpu_price is not None and resale is not None:
            impact = 1.0 if out.gpu_impact is None else out.gpu_impact
            gpu_price[:, t] = resale[:, t] * impact
        if hook is not None:
            hook(t, out, s, slice(first, first + P))

    run_quarters(c, f, lay, st, chips, record)
    return dict(sums=sums, per=per, debt=debt, trade=trade, ext=ext, cash0=cash0, price=price,
                gpu_price=gpu_price,
                default_quarter=st.default_quarter, loss_debt=st.loss_debt,
                loss_trade=st.loss_trade, loss_external=st.loss_external,
                loss_stakes=st.loss_stakes, shortfall=st.shortfall,
                exit_quarter=st.exit_quarter, guarantee_paid=st.guarantee_paid)


#: Largest per-path result set ``simulate`` will build with ``keep_paths=True``, bytes.
KEEP_PATHS_LIMIT = 4e9


def kept_bytes(c: Compiled, paths: int) -> int:
    """Approximate memory of the per-path results kept with ``keep_paths=True``."""
    per_quarter = len(ENTITY_VARS) * c.n_entities + 6 * c.n_debt + 3 * c.n_trade + 2
    return 8 * paths * c.n_quarters * per_quarter


def simulate(network: Network | Compiled, factors: FactorPaths, *,
             horizon: str | dt.date = "2049Q4", params: EngineParams | None = None,
             keep_paths: bool = True, chunk_size: int = 2000,
             on_quarter: Callable[[int, QuarterOut, State, slice], None] | None = None,
             keep_prices: bool = False) -> Results:
    """Simulate ``network`` quarter by quarter on every path of ``factors``.

    Parameters
    ----------
    network : a validated Network (or an already compiled one).
    factors : FactorPaths with at least as many quarters as the horizon needs.
    horizon : last quarter simulated (``"2049Q4"`` or a date).
    params : behavioural constants (EngineParams).
    keep_paths : keep per-path, per-quarter arrays (about 8 bytes × paths × quarters ×
        (13 entities + 6 debt instruments + 3 trade obligations); refused above 4 GB);
        without them only means, default quarters and losses per path are kept.
    chunk_size : paths stepped together; bounds peak memory.
    on_quarter : optional hook called after every quarter of every chunk with
        ``(quarter, QuarterOut, State, paths)`` (``paths`` is the chunk's slice of the path
        axis) — for streaming aggregates or inspecting state; it must not modify the state.
    keep_prices : with ``keep_paths=False``, still keep the per-path debt and GPU prices
        (``Results.debt_price``, ``Results.gpu_price``), about 8 bytes × paths × quarters ×
        (debt instruments + GPU generations).
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size: must be >= 1, got {chunk_size}")
    c, f = prepare(network, factors, horizon, params)
    if keep_paths:
        need = kept_bytes(c, f.paths)
        if need > KEEP_PATHS_LIMIT:
            raise ValueError(
                f"keep_paths: per-path results for {f.paths} paths would take about "
                f"{need / 1e9:.1f} GB; pass keep_paths=False (means, defaults and losses "
                f"per path are still kept) or simulate fewer paths at a time")
    chunks = [_run_chunk(c, f.slice(slice(a, a + chunk_size)), keep_paths, a, on_quarter,
                         keep_prices)
              for a in range(0, f.paths, chunk_size)]

    def cat(key: str, axis: int = 0) -> Array:
        return np.concatenate([ch[key] for ch in chunks], axis=axis)

    mean = {v: sum(ch["sums"][v] for ch in chunks) / f.paths for v in ENTITY_VARS}
    res = Results(compiled=c, paths=f.paths, default_quarter=cat("default_quarter"),
                  loss_debt=cat("loss_debt"), loss_trade=cat("loss_trade"),
                  loss_external=cat("loss_external"), loss_stakes=cat("loss_stakes"),
                  shortfall=cat("shortfall"), entity_mean=mean, initial_cash=cat("cash0"),
                  exit_quarter=cat("exit_quarter"), guarantee_paid=cat("guarantee_paid"))
    if keep_paths:
        res.entity = {v: np.concatenate([ch["per"][v] for ch in chunks]) for v in ENTITY_VARS}
        res.debt = {v: np.concatenate([ch["debt"][v] for ch in chunks])
                    for v in chunks[0]["debt"]}
        res.trade = {v: np.concatenate([ch["trade"][v] for ch in chunks])
                     for v in chunks[0]["trade"]}
        ext = np.concatenate([ch["ext"] for ch in chunks], axis=1)
        res.external_in, res.external_out = ext[0], ext[1]
    if keep_paths or keep_prices:
        res.debt_price = np.concatenate([ch["price"] for ch in chunks])
        res.gpu_price = np.concatenate([ch["gpu_price"] for ch in chunks])
    return res
