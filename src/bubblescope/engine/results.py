"""The EngineResults object: what a simulation produced, as arrays and tidy pandas views."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from .codes import TRADE_KIND_NAMES
from .compile import Compiled
from .state import ENTITY_VARS

Array = np.ndarray

CONTRACT_VARS = ("due", "paid", "refinanced", "loss", "outstanding", "shortfall")


@dataclass
class EngineResults:
    """Outcome of :func:`bubblescope.engine.simulate_paths`.

    Per-path arrays (``entity[var]`` of shape (paths, quarters, entities), ``debt[var]`` of
    shape (paths, quarters, D), ``trade[var]`` (paths, quarters, K), ``external_in`` and
    ``external_out`` (paths, quarters)) are kept only with ``keep_paths=True``; means over
    paths (``entity_mean[var]``, (quarters, entities)), default quarters and cumulative
    losses per path are always kept.

    Losses are USD bn: ``loss_debt`` (paths, D) per debt instrument, spread over its
    creditors by ``creditor_share``; ``loss_trade`` (paths, K) borne by each trade
    obligation's payee; ``loss_external`` (paths, N) borne by outside suppliers of a
    defaulter; ``loss_stakes`` (paths, E) equity written off; ``shortfall`` (paths, N) each
    defaulter's claims less what its estate paid out.
    """

    compiled: Compiled
    paths: int
    default_quarter: Array
    loss_debt: Array
    loss_trade: Array
    loss_external: Array
    loss_stakes: Array
    shortfall: Array
    entity_mean: dict[str, Array]
    entity: dict[str, Array] | None = None
    debt: dict[str, Array] | None = None
    trade: dict[str, Array] | None = None
    external_in: Array | None = None
    external_out: Array | None = None
    initial_cash: Array | None = None
    #: (paths, N) book equity at the as-of date, stakes at cost
    initial_equity: Array | None = None
    #: (paths, quarters, D) price per unit of principal (engine.marks), with keep_paths;
    #: NaN while nothing is outstanding and the instrument never defaulted
    debt_price: Array | None = None
    #: (paths, quarters, G) secondary-market GPU price per generation, share of original
    #: cost: the scenario's resale path × the quarter's fire-sale multiplier (keep_paths)
    gpu_price: Array | None = None
    #: (paths, U) what each guarantor paid under each guarantee (``compiled.guar_*``),
    #: USD bn, cumulative; the guarantor's exposure
    guarantee_paid: Array | None = None
    #: (paths, K) quarter in which the lessee left each lease strategically, −1 if never
    exit_quarter: Array | None = None
    meta: dict = field(default_factory=dict)

    # ---- convenience
    @property
    def entity_ids(self) -> list[str]:
        return self.compiled.entity_ids

    @property
    def quarters(self) -> list[str]:
        return self.compiled.quarters

    @property
    def defaulted(self) -> Array:
        """(paths, entities) bool: defaulted at some quarter."""
        return self.default_quarter >= 0

    def default_probability(self) -> pd.Series:
        """Share of paths on which each entity defaults within the horizon."""
        return pd.Series(self.defaulted.mean(axis=0), index=self.entity_ids,
                         name="default_probability")

    def loss_pairs(self) -> tuple[Array, Array, Array]:
        """Losses per path by (creditor, debtor) pair, kept sparse: ``creditor`` (n,) (N
        for the outside world), ``debtor`` (n,) and ``loss`` (paths, n), USD bn — one
        column per pair that can lose anything (debt holders, trade creditors, outside
        suppliers), so memory is linear in paths × contracts."""
        c = self.compiled
        N = c.n_entities
        share = sparse.csr_matrix((c.creditor_w, c.creditor_idx, c.creditor_ptr),
                                  shape=(c.n_debt, N + 1))
        d, j = share.nonzero()
        trade = np.nonzero(np.asarray(c.payer) < N)[0]
        cred = np.concatenate([j, np.asarray(c.payee)[trade], np.full(N, N)]).astype(int)
        debt = np.concatenate([np.asarray(c.debtor)[d], np.asarray(c.payer)[trade],
                               np.arange(N)]).astype(int)
        keys, col = np.unique(cred * N + debt, return_inverse=True)
        n = keys.size
        src = [(self.loss_debt, d, np.asarray(share[d, j]).ravel(), 0),
               (self.loss_trade, trade, np.ones(trade.size), d.size),
               (self.loss_external, np.arange(N), np.ones(N), d.size + trade.size)]
        loss = np.zeros((self.paths, n))
        for values, rows, weight, first in src:
            if rows.size:
                m = sparse.csr_matrix((weight, (rows, col[first:first + rows.size])),
                                      shape=(values.shape[1], n))
                loss += np.asarray(values @ m)
        return keys // N, keys % N, loss

    def losses_by_creditor(self) -> Array:
        """Losses per path borne by each creditor, (paths, N+1), USD bn (column N: the
        outside world)."""
        creditor, _, loss = self.loss_pairs()
        out = np.zeros((self.compiled.n_entities + 1, self.paths))
        np.add.at(out, creditor, loss.T)
        return out.T

    def losses_by_debtor(self) -> Array:
        """Losses per path that each entity's default caused its creditors, (paths, N)."""
        _, debtor, loss = self.loss_pairs()
        out = np.zeros((self.compiled.n_entities, self.paths))
        np.add.at(out, debtor, loss.T)
        return out.T

    def creditor_losses(self) -> Array:
        """Losses per path by creditor and debtor, (paths, N+1, N); row N of the creditor
        axis is the outside world. Dense, so ``paths × N²`` in memory: for large networks
        use :meth:`loss_pairs`, :meth:`losses_by_creditor` or :meth:`losses_by_debtor`."""
        creditor, debtor, loss = self.loss_pairs()
        N = self.compiled.n_entities
        out = np.zeros((self.paths, N + 1, N))
        out[:, creditor, debtor] = loss
        return out

    def amplification(self, without: EngineResults) -> pd.DataFrame:
        """Compare this run (e.g. with ``fire_sale_feedback``) with the same paths
        ``without`` it: per path, total losses borne by creditors (USD bn) in both, their
        ratio, defaults in both, and the lowest GPU price of each generation in both
        (needs ``keep_paths=True`` for the prices)."""
        def total(r: EngineResults) -> Array:
            return r.loss_pairs()[2].sum(axis=1)

        on, off = total(self), total(without)
        out = {"loss": on, "loss_without": off,
               "loss_ratio": np.where(off > 0, on / np.where(off > 0, off, 1.0), np.nan),
               "defaults": self.defaulted.sum(axis=1),
               "defaults_without": without.defaulted.sum(axis=1)}
        if self.gpu_price is not None and without.gpu_price is not None:
            for g, gen in enumerate(self.compiled.generations):
                out[f"min_price_{gen}"] = self.gpu_price[:, :, g].min(axis=1)
                out[f"min_price_{gen}_without"] = without.gpu_price[:, :, g].min(axis=1)
        return pd.DataFrame(out, index=pd.RangeIndex(self.paths, name="path"))

    def tranche_losses(self) -> pd.DataFrame:
        """Losses of each securitisation tranche the engine produced, bottom up, USD bn.

        The rated tranches are notes of the issuer (see
        :mod:`bubblescope.engine.securitisation`): a tranche's loss is what its notes lost,
        ``loss_debt``, when the issuer defaulted and its estate paid the senior notes
        before the junior ones. The bottom tranche is the issuer's equity: its loss is its
        holders' stakes written off net of any residual (``loss_stakes``), scaled to the
        whole tranche when part of it is held outside the network (0 when all of it is).
        Rows: paths; columns ``(deal, tranche)``.
        """
        c = self.compiled
        cols = {}
        for tr in c.tranches:
            if tr.debt >= 0:
                lost = self.loss_debt[:, tr.debt].astype(float)
            elif tr.stakes:
                inside = float(tr.holders[:-1].sum())
                lost = self.loss_stakes[:, list(tr.stakes)].sum(axis=1) / inside
            else:
                lost = np.zeros(self.paths)
            cols[(tr.deal, tr.name)] = lost
        return pd.DataFrame(cols, index=pd.RangeIndex(self.paths, name="path"))

    def tranche_holder_losses(self) -> Array:
        """Tranche losses by holder, (paths, N+1) USD bn (column N: outside holders):
        each tranche's loss × the holders' shares of it."""
        c = self.compiled
        out = np.zeros((self.paths, c.n_entities + 1))
        frame = self.tranche_losses()
        for tr in c.tranches:
            out += frame[(tr.deal, tr.name)].to_numpy()[:, None] * tr.holders[None, :]
        return out

    # ---- tidy views
    def _need_paths(self) -> None:
        if self.entity is None:
            raise ValueError("keep_paths: this view needs per-path results; run simulate "
                             "with keep_paths=True")

    def entity_frame(self, variables: tuple[str, ...] = ENTITY_VARS) -> pd.DataFrame:
        """Long table: path, quarter, entity, variable, value."""
        self._need_paths()
        assert self.entity is not None
        P, T, N = self.entity["cash"].shape
        idx = pd.MultiIndex.from_product(
            [range(P), self.quarters, self.entity_ids], names=["path", "quarter", "entity"])
        wide = pd.DataFrame({v: self.entity[v].reshape(-1) for v in variables}, index=idx)
        return (wide.reset_index()
                .melt(id_vars=["path", "quarter", "entity"], var_name="variable"))

    def contract_frame(self) -> pd.DataFrame:
        """Long table: path, quarter, contract, kind, variable, value.

        Debt instruments (kind ``debt``) and trade obligations. Variables: ``due``
        (scheduled), ``paid``, ``refinanced`` and ``outstanding`` (debt), ``loss`` (claim
        less recovery when the payer defaults: accelerated principal, lease damages) and
        ``shortfall`` (the loss in a default quarter, otherwise any part of the amount due
        neither paid nor refinanced, e.g. a lapsed capital call)."""
        self._need_paths()
        assert self.debt is not None and self.trade is not None
        c = self.compiled
        frames = []
        P, T = self.paths, c.n_quarters
        for ids, kinds, data in (
                (c.debt_ids, ["debt"] * c.n_debt, self.debt),
                (c.trade_ids, [TRADE_KIND_NAMES[k] for k in c.trade_kind], self.trade)):
            if not ids:
                continue
            data = dict(data)
            lapsed = np.maximum(data["due"] - data["paid"] - data.get("refinanced", 0.0), 0.0)
            data["shortfall"] = np.where(data["loss"] > 0, data["loss"], lapsed)
            idx = pd.MultiIndex.from_product([range(P), self.quarters, ids],
                                             names=["path", "quarter", "contract"])
            wide = pd.DataFrame({k: v.reshape(-1) for k, v in data.items()}, index=idx)
            wide["kind"] = np.tile(kinds, P * T)
            frames.append(wide.reset_index().melt(
                id_vars=["path", "quarter", "contract", "kind"], var_name="variable"))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=["path", "quarter", "contract", "kind", "variable", "value"])

    def loss_frame(self, by_path: bool = False) -> pd.DataFrame:
        """Losses by creditor and debtor (``external`` for outsiders): the mean over paths,
        or every path's non-zero losses with ``by_path=True``."""
        creditor, debtor, loss = self.loss_pairs()
        names = [*self.entity_ids, "external"]
        if not by_path:
            mean = loss.mean(axis=0)
            keep = np.nonzero(mean)[0]
            return pd.DataFrame({"creditor": [names[i] for i in creditor[keep]],
                                 "debtor": [self.entity_ids[j] for j in debtor[keep]],
                                 "mean_loss": mean[keep]})
        p, n = np.nonzero(loss)
        return pd.DataFrame({"path": p, "creditor": [names[i] for i in creditor[n]],
                             "debtor": [self.entity_ids[j] for j in debtor[n]],
                             "loss": loss[p, n]})

    def summary(self, quantiles: tuple[float, ...] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
        """Per entity: default probability, mean default quarter (index, defaults only),
        losses borne as creditor (mean and quantiles over paths) and shortfall caused."""
        borne = self.losses_by_creditor()[:, : self.compiled.n_entities]
        dq = np.where(self.defaulted, self.default_quarter, np.nan)
        with np.errstate(all="ignore"), _quiet():
            mean_q = np.nanmean(dq, axis=0)
        out = pd.DataFrame({"default_probability": self.defaulted.mean(axis=0),
                            "mean_default_quarter": mean_q,
                            "loss_borne_mean": borne.mean(axis=0),
                            "shortfall_mean": self.shortfall.mean(axis=0)},
                           index=pd.Index(self.entity_ids, name="entity"))
        for q in quantiles:
            out[f"loss_borne_q{int(round(q * 100)):02d}"] = np.quantile(borne, q, axis=0)
        return out


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence NumPy's runtime warnings (means of empty slices)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
