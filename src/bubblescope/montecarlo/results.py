"""Monte Carlo results: per-path scalars merged in path order, and the statistics on them.

A Monte Carlo run keeps, for every path, only a handful of numbers — when each entity
defaulted, what each holder lost, when each structure first failed — and a few small
per-quarter price series. Everything reported (default probabilities with their standard
errors, PD curves, loss quantiles and expected shortfall, who fails first, time bought) is
computed from these arrays, so the numbers do not depend on how the paths were chunked or
which runner produced them.

>>> import numpy as np
>>> s = PathSummary(default_quarter=np.array([[2, -1], [-1, -1]]),
...                 credit_loss=np.zeros((2, 3)), equity_loss=np.zeros((2, 3)),
...                 loss_caused=np.zeros((2, 2)), structure_failure=np.zeros((2, 0)),
...                 prices={})
>>> s.paths
2
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .stats import binomial_se, loss_stats

Array = np.ndarray

#: Quantile levels reported for the per-quarter price series.
PRICE_LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Name of the holder standing for everyone outside the network.
EXTERNAL = "external"
#: Column names of the engine-side price quantiles (SPV bonds, GPUs).
QUANTILE_COLS = tuple(f"p{int(round(x * 100))}" for x in PRICE_LEVELS)
#: Optional per-path arrays of a PathSummary, merged like the others when present.
OPTIONAL_SERIES = ("bond_price", "gpu_price", "gpu_price_without", "loss_total",
                   "loss_total_without", "defaults", "defaults_without", "contract_loss",
                   "lease_exit")
#: Engine variables (``EngineResults.entity_mean``) summed over paths per quarter and entity.
ENTITY_SUM_VARS = ("cash", "revenue", "debt", "market_equity")
#: Columns of :meth:`MonteCarloResults.contracts` (and of ``contract_info``'s first five).
CONTRACT_COLS = ("contract", "kind", "debtor", "creditor", "amount", "loss_probability",
                 "expected_loss", "loss_p95")


@dataclass
class PathSummary:
    """Per-path scalars of a block of consecutive paths (one row per path).

    Attributes
    ----------
    default_quarter : (P, N) int, quarter index of each entity's default, -1 if none.
    credit_loss : (P, N+1) USD bn lost as a creditor (debt, trade claims), net of what
        guarantors paid; a guarantor's payments are its credit loss. The last column is the
        outside world.
    equity_loss : (P, N+1) USD bn of equity stakes and fund interests written off.
    loss_caused : (P, N) USD bn its creditors (incl. outsiders) lost on each entity.
    structure_failure : (P, S) int, quarter of the first default among each structure's
        members, -1 if none.
    prices : name → (P, T) small per-quarter series (e.g. the GPU resale index).
    kept : engine results with per-path time series (only with ``keep_paths=True``).
    bond_price : (P, T, B) float32 price per unit of principal of each SPV bond
        (``EngineResults.debt_price``; NaN while nothing is outstanding and it never defaulted).
    gpu_price : (P, T, G) float32 GPU price per generation, share of cost, from the engine
        (``EngineResults.gpu_price``: with fire-sale impact when the feedback switch is on).
    gpu_price_without, loss_total_without, defaults_without : the same paths run with
        ``fire_sale_feedback`` off (None unless the scenario turns it on); ``loss_total``
        and ``defaults`` are the run's own per-path totals (creditor losses, USD bn, and
        number of defaulters, as in ``EngineResults.amplification``).
    lease_exit : (P, L) int, quarter each lessee walked away from each lease it may leave
        (``MonteCarloResults.lease_info``), −1 if it stayed.
    contract_loss : (P, D+K) USD bn lost by the creditors of each debt instrument
        (``EngineResults.loss_debt``) then each trade obligation
        (``EngineResults.loss_trade``), in the engine's order (``Compiled.debt_ids +
        Compiled.trade_ids``).
    entity_sum : variable → (T, N) sum over the block's paths of that engine variable per
        quarter and entity (:data:`ENTITY_SUM_VARS`); merged by adding, so the means
        (sum / paths) agree across chunkings up to float rounding (not bit for bit).
    """

    default_quarter: Array
    credit_loss: Array
    equity_loss: Array
    loss_caused: Array
    structure_failure: Array
    prices: dict[str, Array]
    kept: list[Any] = field(default_factory=list)
    bond_price: Array | None = None
    gpu_price: Array | None = None
    gpu_price_without: Array | None = None
    loss_total: Array | None = None
    loss_total_without: Array | None = None
    defaults: Array | None = None
    defaults_without: Array | None = None
    contract_loss: Array | None = None
    entity_sum: dict[str, Array] | None = None
    lease_exit: Array | None = None

    @property
    def paths(self) -> int:
        return int(self.default_quarter.shape[0])

    @classmethod
    def concat(cls, parts: list[PathSummary]) -> PathSummary:
        """Stack blocks in the order given (the caller passes them in path order)."""
        if not parts:
            raise ValueError("parts: nothing to merge")

        def cat(name: str) -> Array:
            return np.concatenate([getattr(p, name) for p in parts], axis=0)

        def opt(name: str) -> Array | None:
            arrs = [getattr(p, name) for p in parts]
            return None if any(a is None for a in arrs) else np.concatenate(arrs, axis=0)

        return cls(default_quarter=cat("default_quarter"), credit_loss=cat("credit_loss"),
                   equity_loss=cat("equity_loss"), loss_caused=cat("loss_caused"),
                   structure_failure=cat("structure_failure"),
                   prices={k: np.concatenate([p.prices[k] for p in parts])
                           for k in parts[0].prices},
                   kept=[r for p in parts for r in p.kept],
                   entity_sum=_add_sums([p.entity_sum for p in parts]),
                   **{k: opt(k) for k in OPTIONAL_SERIES})


@dataclass
class MonteCarloResults:
    """What a Monte Carlo run reports. Amounts are USD bn; quarters are labels like
    ``"2027Q3"`` (index 0 = the network's as-of quarter).

    Attributes
    ----------
    data : the merged per-path scalars (:class:`PathSummary`).
    entity_ids, entity_kinds : the network's entities, in engine order.
    quarters : quarter labels simulated.
    structures : structure name → member entity ids (an SPV and its direct counterparties).
    reference_quarter : quarter index "time bought" counts from (the scenario's first
        shock inside the horizon, else 0).
    meta : scenario, paths, seed, horizon, runner, chunk size, notes.
    """

    data: PathSummary
    entity_ids: list[str]
    entity_kinds: list[str]
    quarters: list[str]
    structures: dict[str, list[str]] = field(default_factory=dict)
    reference_quarter: int = 0
    meta: dict[str, Any] = field(default_factory=dict)
    #: ids of the SPV bonds in ``data.bond_price`` (its last axis)
    spv_bonds: list[str] = field(default_factory=list)
    #: GPU generations in ``data.gpu_price`` (its last axis)
    generations: list[str] = field(default_factory=list)
    #: one row per column of ``data.contract_loss``: contract, kind, debtor, creditor,
    #: amount (see :func:`bubblescope.montecarlo.chunk.contracts_of`); None if unknown
    contract_info: pd.DataFrame | None = None
    #: one row per column of ``data.lease_exit``: lease, lessee, lessor
    lease_info: pd.DataFrame | None = None

    # ------------------------------------------------------------ basics
    @property
    def paths(self) -> int:
        return self.data.paths

    @property
    def holder_ids(self) -> list[str]:
        return [*self.entity_ids, EXTERNAL]

    @property
    def holder_kinds(self) -> list[str]:
        return [*self.entity_kinds, EXTERNAL]

    @property
    def defaulted(self) -> Array:
        """(paths, entities) bool."""
        return self.data.default_quarter >= 0

    @property
    def holder_loss(self) -> Array:
        """(paths, N+1) total loss per holder: credit losses + equity written off."""
        return self.data.credit_loss + self.data.equity_loss

    # ------------------------------------------------------------ entities
    def default_probability(self) -> pd.DataFrame:
        """Per entity: ``p`` = share of paths with a default by the horizon, and its Monte
        Carlo standard error ``sqrt(p (1 - p) / n)``."""
        p = self.defaulted.mean(axis=0)
        return pd.DataFrame({"default_probability": p,
                             "default_probability_se": binomial_se(p, self.paths)},
                            index=pd.Index(self.entity_ids, name="entity"))

    def pd_curve(self) -> pd.DataFrame:
        """Cumulative default probability by the end of each calendar year (rows: years,
        columns: entities). A partial first or last year counts up to its last quarter."""
        dq = self.data.default_quarter
        years = [int(q[:4]) for q in self.quarters]
        rows = {}
        for y in sorted(set(years)):
            last = max(i for i, yy in enumerate(years) if yy == y)
            rows[y] = ((dq >= 0) & (dq <= last)).mean(axis=0)
        return pd.DataFrame.from_dict(rows, orient="index", columns=self.entity_ids
                                      ).rename_axis("year")

    def median_default_quarter(self) -> list[str | None]:
        """Per entity, the median default quarter among paths where it defaults (the lower
        median, so it is a real quarter), or None if it never defaults."""
        out: list[str | None] = []
        for j in range(len(self.entity_ids)):
            q = self.data.default_quarter[:, j]
            q = q[q >= 0]
            out.append(self.quarters[int(np.quantile(q, 0.5, method="inverted_cdf"))]
                       if q.size else None)
        return out

    def entities(self) -> pd.DataFrame:
        """Per entity: kind, PD and its standard error, median default quarter, expected
        loss to its creditors (mean over paths of what they lose on it, USD bn)."""
        df = self.default_probability()
        df.insert(0, "kind", self.entity_kinds)
        df["median_default_quarter"] = self.median_default_quarter()
        df["expected_loss_to_creditors"] = self.data.loss_caused.mean(axis=0)
        return df

    def entity_quarters(self) -> pd.DataFrame:
        """Per entity and quarter (long): the share of paths on which it has defaulted by
        the end of the quarter, and the mean over paths of cash, revenue, debt and market
        equity (USD bn; ``<var>_mean``, NaN when the run kept no sums)."""
        dq = self.data.default_quarter
        T, N = len(self.quarters), len(self.entity_ids)
        d = dq[None, :, :]
        t = np.arange(T)[:, None, None]
        share = ((d >= 0) & (d <= t)).mean(axis=1)                       # (T, N)
        out = {"entity": np.tile(self.entity_ids, T),
               "quarter": np.repeat(self.quarters, N),
               "default_share": share.reshape(-1)}
        sums = self.data.entity_sum or {}
        for v in ENTITY_SUM_VARS:
            arr = sums.get(v)
            out[f"{v}_mean"] = (arr[:T].reshape(-1) / self.paths if arr is not None
                                else np.full(T * N, np.nan))
        return pd.DataFrame(out)

    def contracts(self) -> pd.DataFrame:
        """Per contract (debt instruments, then trade obligations): what its creditors
        lose — ``loss_probability`` (share of paths with any loss), ``expected_loss``
        (mean, USD bn) and ``loss_p95`` (95% empirical quantile) — beside the contract's
        kind, debtor, creditor and amount from ``contract_info``. Empty when the run kept
        no per-contract losses."""
        loss = self.data.contract_loss
        if loss is None:
            return pd.DataFrame(columns=list(CONTRACT_COLS))
        info = self.contract_info
        if info is None or len(info) != loss.shape[1]:
            info = pd.DataFrame({"contract": [str(i) for i in range(loss.shape[1])],
                                 "kind": None, "debtor": None, "creditor": None,
                                 "amount": np.nan})
        df = info[list(CONTRACT_COLS[:5])].reset_index(drop=True).copy()
        df["loss_probability"] = (loss > 0).mean(axis=0)
        df["expected_loss"] = loss.mean(axis=0)
        df["loss_p95"] = (np.quantile(loss, 0.95, axis=0, method="inverted_cdf")
                          if loss.shape[0] else np.nan)
        return df

    def lease_exits(self) -> pd.DataFrame:
        """Per lease its lessee may leave (strategic default): ``exit_probability`` (share of
        paths on which the lessee walked away) with its standard error and the median exit
        quarter among those paths. Empty without strategic default or such leases."""
        cols = ["lease", "lessee", "lessor", "exit_probability", "exit_probability_se",
                "median_exit_quarter"]
        q = self.data.lease_exit
        info = self.lease_info
        if q is None or info is None or q.shape[1] == 0:
            return pd.DataFrame(columns=cols)
        left = q >= 0
        p = left.mean(axis=0)
        med = [self.quarters[int(np.median(q[left[:, j], j]))] if left[:, j].any() else None
               for j in range(q.shape[1])]
        df = info[["lease", "lessee", "lessor"]].reset_index(drop=True).copy()
        df["exit_probability"] = p
        df["exit_probability_se"] = binomial_se(p, self.paths)
        df["median_exit_quarter"] = med
        return df

    # ------------------------------------------------------------ holders
    def holders(self) -> pd.DataFrame:
        """Per holder (entities and ``external``): kind, loss mean, median, VaR 95/99,
        ES 97.5 of the total loss, and the credit and equity parts of the mean."""
        stats = loss_stats(self.holder_loss)
        df = pd.DataFrame({"kind": self.holder_kinds, **stats},
                          index=pd.Index(self.holder_ids, name="holder"))
        df["credit_loss_mean"] = self.data.credit_loss.mean(axis=0)
        df["equity_loss_mean"] = self.data.equity_loss.mean(axis=0)
        return df

    def holder_kind_losses(self) -> pd.DataFrame:
        """Per holder kind: statistics of the kind's summed loss on each path."""
        kinds = sorted(set(self.holder_kinds))
        loss = self.holder_loss
        cols = np.array(self.holder_kinds)
        per = np.stack([loss[:, cols == k].sum(axis=1) for k in kinds], axis=1)
        return pd.DataFrame(loss_stats(per), index=pd.Index(kinds, name="kind"))

    # ------------------------------------------------------------ who fails first
    def first_to_fail(self) -> pd.DataFrame:
        """Distribution of the first defaulter's kind. On each path the entities defaulting
        in the earliest default quarter share one unit equally; ``none`` is the share of
        paths with no default. Shares sum to 1; ``se`` is the binomial standard error."""
        dq = self.data.default_quarter.astype(np.int64)
        kinds = np.array(self.entity_kinds)
        names = sorted(set(self.entity_kinds))
        share = dict.fromkeys(names, 0.0)
        any_d = dq >= 0
        first = np.where(any_d, dq, np.iinfo(np.int64).max).min(axis=1)
        hit = any_d & (dq == first[:, None])
        counts = hit.sum(axis=1)
        weight = np.zeros(dq.shape)
        has = counts > 0
        weight[has] = hit[has] / counts[has, None]
        totals = weight.sum(axis=0)
        for k in names:
            share[k] = float(totals[kinds == k].sum()) / self.paths
        share["none"] = float((~has).mean())
        s = pd.Series(share, name="share")
        s = s[(s > 0) | (s.index == "none")]
        return pd.DataFrame({"share": s, "se": binomial_se(s.to_numpy(), self.paths)}
                            ).rename_axis("kind")

    # ------------------------------------------------------------ time bought
    def time_bought(self) -> pd.DataFrame:
        """Per structure: quarters from the reference quarter to the first default among
        its members. ``p_fail`` (and ``se``) is the share of paths where a member defaults;
        ``median_quarters`` / ``mean_quarters`` are over those paths (None if none);
        ``censored_share`` = 1 - p_fail (no default by the horizon)."""
        rows = []
        sf = self.data.structure_failure
        for j, name in enumerate(self.structures):
            q = sf[:, j]
            q = q[q >= 0] - self.reference_quarter
            p = q.size / self.paths
            rows.append({"structure": name, "p_fail": p,
                         "se": float(binomial_se(p, self.paths)),
                         "median_quarters": (float(np.quantile(q, 0.5, method="inverted_cdf"))
                                             if q.size else None),
                         "mean_quarters": float(q.mean()) if q.size else None,
                         "censored_share": 1.0 - p})
        return pd.DataFrame(rows, columns=["structure", "p_fail", "se", "median_quarters",
                                           "mean_quarters", "censored_share"]
                            ).set_index("structure")

    # ------------------------------------------------------------ prices
    def price_quantiles(self) -> pd.DataFrame:
        """Per price series and quarter: the 5/25/50/75/95% quantiles over paths (long)."""
        frames = []
        for name, arr in self.data.prices.items():
            q = np.quantile(arr, PRICE_LEVELS, axis=0)
            df = pd.DataFrame(q.T, columns=[f"q{int(round(x * 100)):02d}" for x in PRICE_LEVELS])
            df.insert(0, "quarter", self.quarters[: arr.shape[1]])
            df.insert(0, "series", name)
            frames.append(df)
        return (pd.concat(frames, ignore_index=True) if frames else
                pd.DataFrame(columns=["series", "quarter",
                                      *[f"q{int(round(x * 100)):02d}" for x in PRICE_LEVELS]]))

    def bond_price_quantiles(self) -> pd.DataFrame:
        """Per SPV bond and quarter: 5/25/50/75/95% quantiles over paths of its price per
        unit of principal (``EngineResults.debt_price``: the performing mark capped by the SPV's
        asset coverage, the recovery rate once it defaulted). Paths where the bond is not
        outstanding and never defaulted (NaN) are left out; NaN when no path has a price."""
        return _quantiles(self.data.bond_price, self.spv_bonds, "bond", self.quarters)

    def gpu_price_quantiles(self, without_feedback: bool = False) -> pd.DataFrame:
        """Per GPU generation and quarter: 5/25/50/75/95% quantiles over paths of the
        engine's GPU price (share of original cost, ``EngineResults.gpu_price``: the scenario's
        resale path times the quarter's fire-sale multiplier when ``fire_sale_feedback`` is
        on). ``without_feedback=True``: the same paths run with the feedback off (empty
        unless the scenario turns it on)."""
        arr = self.data.gpu_price_without if without_feedback else self.data.gpu_price
        return _quantiles(arr, self.generations, "generation", self.quarters)

    def amplification(self) -> dict[str, Any] | None:
        """Fire-sale amplification, when the scenario turns ``fire_sale_feedback`` on (else
        None): every path is run again with the feedback off on the same factor paths.

        ``ratio`` = Σ_paths total creditor losses with feedback / Σ_paths without (the
        ratio of the means; None if nothing is lost without); ``loss_mean`` /
        ``loss_mean_without`` (USD bn), mean number of defaulters with and without, and the
        median over paths of each generation's GPU price in the last quarter, with and
        without."""
        d = self.data
        if d.loss_total is None or d.loss_total_without is None:
            return None
        on, off = float(d.loss_total.sum()), float(d.loss_total_without.sum())
        out: dict[str, Any] = {
            "ratio": on / off if off > 0 else None,
            "loss_mean": on / self.paths, "loss_mean_without": off / self.paths,
            "defaults_mean": (float(d.defaults.mean()) if d.defaults is not None else None),
            "defaults_mean_without": (float(d.defaults_without.mean())
                                      if d.defaults_without is not None else None),
            "quarter": self.quarters[-1]}
        for key, arr in (("gpu_price_end_median", d.gpu_price),
                         ("gpu_price_end_median_without", d.gpu_price_without)):
            out[key] = ({g: float(np.median(arr[:, -1, j].astype(np.float64)))
                         for j, g in enumerate(self.generations)}
                        if arr is not None and arr.shape[1] else None)
        return out

    # ------------------------------------------------------------ export
    def to_dict(self) -> dict[str, Any]:
        """Everything reported, as plain JSON-ready data (amounts USD bn)."""
        ent = self.entities()
        curve = self.pd_curve()
        entities = {}
        for eid, row in ent.iterrows():
            entities[str(eid)] = {
                "kind": row["kind"],
                "default_probability": _num(row["default_probability"]),
                "default_probability_se": _num(row["default_probability_se"]),
                "pd_by_year": {str(y): _num(curve.at[y, eid]) for y in curve.index},
                "median_default_quarter": (row["median_default_quarter"]
                                           if isinstance(row["median_default_quarter"], str)
                                           else None),
                "expected_loss_to_creditors": _num(row["expected_loss_to_creditors"])}
        keys = ["loss_mean", "loss_median", "loss_p95", "loss_p99", "es_975"]
        holders = {str(h): {"kind": r["kind"], **{k: _num(r[k]) for k in
                                                  [*keys, "credit_loss_mean",
                                                   "equity_loss_mean"]}}
                   for h, r in self.holders().iterrows()}
        kinds = {str(k): {k2: _num(r[k2]) for k2 in keys}
                 for k, r in self.holder_kind_losses().iterrows()}
        ftf = self.first_to_fail()
        tb = self.time_bought()
        prices: dict[str, Any] = {}
        for name, grp in self.price_quantiles().groupby("series", sort=False):
            prices[str(name)] = {str(r["quarter"]): {c: _num(r[c]) for c in grp.columns[2:]}
                                 for _, r in grp.iterrows()}
        return {
            **{k: self.meta[k] for k in ("scenario", "network", "paths", "seed", "horizon",
                                         "runner", "chunk_size") if k in self.meta},
            "paths": self.paths,
            "units": "USD bn; probabilities as decimals; quarters as labels",
            "entities": entities,
            "holders": holders,
            "holder_kinds": kinds,
            "first_to_fail": {str(k): _num(v) for k, v in ftf["share"].items()},
            "first_to_fail_se": {str(k): _num(v) for k, v in ftf["se"].items()},
            "time_bought": {"reference_quarter": self.quarters[self.reference_quarter]
                            if self.reference_quarter < len(self.quarters) else None,
                            "structures": {str(s): {c: _num(r[c]) for c in tb.columns}
                                           for s, r in tb.iterrows()}},
            "price_quantiles": prices,
            "spv_bond_prices": _nested(self.bond_price_quantiles(), "bond"),
            "gpu_prices": _nested(self.gpu_price_quantiles(), "generation"),
            "gpu_prices_without_feedback": (
                _nested(self.gpu_price_quantiles(True), "generation")
                if self.data.gpu_price_without is not None else None),
            "amplification": self.amplification(),
            "lease_exits": {str(r["lease"]): {"lessee": r["lessee"],
                                              "exit_probability": _num(r["exit_probability"]),
                                              "exit_probability_se":
                                                  _num(r["exit_probability_se"]),
                                              "median_exit_quarter": r["median_exit_quarter"]}
                            for r in self.lease_exits().to_dict("records")},
            "notes": list(self.meta.get("notes", [])),
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables by file stem."""
        return {"entities": self.entities().reset_index(),
                "pd_curve": self.pd_curve().reset_index(),
                "holders": self.holders().reset_index(),
                "holder_kinds": self.holder_kind_losses().reset_index(),
                "first_to_fail": self.first_to_fail().reset_index(),
                "time_bought": self.time_bought().reset_index(),
                "lease_exits": self.lease_exits(),
                "price_quantiles": self.price_quantiles(),
                "spv_bond_prices": self.bond_price_quantiles(),
                "gpu_prices": self.gpu_price_quantiles(),
                **({"gpu_prices_without_feedback": self.gpu_price_quantiles(True)}
                   if self.data.gpu_price_without is not None else {})}

    def write(self, folder: str | os.PathLike[str], *, fmt: str | None = None) -> list[Path]:
        """Write every table into ``folder`` (which must not exist) — Parquet if pyarrow is
        installed, else CSV — staged in a temporary sibling and renamed into place.

        Raises FileExistsError if ``folder`` exists, FileNotFoundError if its parent does
        not."""
        import shutil
        import tempfile

        target = Path(folder)
        if target.exists():
            raise FileExistsError(f"{target}: already exists")
        parent = target.parent if str(target.parent) else Path(".")
        if not parent.is_dir():
            raise FileNotFoundError(f"{parent}: folder does not exist")
        if fmt is None:
            fmt = "parquet" if _has_pyarrow() else "csv"
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=parent))
        try:
            for stem, df in self.tables().items():
                if fmt == "parquet":
                    df.to_parquet(tmp / f"{stem}.parquet", index=False)
                else:
                    df.to_csv(tmp / f"{stem}.csv", index=False)
            import json

            (tmp / "summary.json").write_text(json.dumps(self.to_dict(), indent=2))
            os.rename(tmp, target)  # fails if target appeared meanwhile (non-empty dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return sorted(target.iterdir())


def _add_sums(sums: list[dict[str, Array] | None]) -> dict[str, Array] | None:
    """Add per-block sums in block order (None when any block has none)."""
    if not sums or any(x is None for x in sums):
        return None
    first = sums[0]
    assert first is not None
    out = {k: np.array(v, dtype=np.float64, copy=True) for k, v in first.items()}
    for other in sums[1:]:
        assert other is not None
        for k in out:
            out[k] = out[k] + other[k]
    return out


def _quantiles(arr: Array | None, names: list[str], key: str, quarters: list[str]
               ) -> pd.DataFrame:
    """Long table ``key, quarter, p5..p95``: quantiles over paths (axis 0) of a
    ``(P, T, K)`` array, per quarter and per name (linear interpolation, NaNs left out)."""
    import warnings

    cols = [key, "quarter", *QUANTILE_COLS]
    if arr is None or not names or arr.shape[0] == 0:
        return pd.DataFrame(columns=cols)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # all-NaN quarters give NaN
        q = np.nanquantile(arr.astype(np.float64), PRICE_LEVELS, axis=0)  # (5, T, K)
    T = arr.shape[1]
    frames = []
    for j, name in enumerate(names):
        df = pd.DataFrame(q[:, :, j].T, columns=list(QUANTILE_COLS))
        df.insert(0, "quarter", quarters[:T])
        df.insert(0, key, name)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def _nested(df: pd.DataFrame, key: str) -> dict[str, dict[str, dict[str, float | None]]]:
    """``{name: {quarter: {p5: .., ..., p95: ..}}}`` from a :func:`_quantiles` table."""
    out: dict[str, dict[str, dict[str, float | None]]] = {}
    for rec in df.to_dict("records"):
        out.setdefault(str(rec[key]), {})[str(rec["quarter"])] = {
            c: _num(rec[c]) for c in QUANTILE_COLS}
    return out


def _has_pyarrow() -> bool:
    import importlib.util

    return importlib.util.find_spec("pyarrow") is not None


def _num(x: Any) -> float | None:
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


__all__ = ["CONTRACT_COLS", "ENTITY_SUM_VARS", "EXTERNAL", "OPTIONAL_SERIES", "PRICE_LEVELS",
           "QUANTILE_COLS", "MonteCarloResults", "PathSummary"]
