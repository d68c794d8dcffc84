"""A Monte Carlo result (and the network) as the run folder's long tables.

Every table has the columns of :data:`bubblescope.store.schema.TABLES` in that order;
scenario tables start with a ``scenario`` column so that one file holds every scenario.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from ..model.network import Network
from ..model.scenario import Scenario
from ..montecarlo.results import PRICE_LEVELS, QUANTILE_COLS, MonteCarloResults
from .schema import NETWORK_TABLES, TABLES, columns

#: Tables written once per scenario (all but the network's).
SCENARIO_TABLES = tuple(t for t in TABLES if t not in NETWORK_TABLES)


def title_of(scenario: Scenario) -> str:
    """The first sentence of the scenario's description (its name if it has none).

    >>> from types import SimpleNamespace
    >>> title_of(SimpleNamespace(name="x", description="Slow growth. Then more."))
    'Slow growth.'
    """
    text = " ".join(str(getattr(scenario, "description", "") or "").split())
    if not text:
        return str(scenario.name)
    for i, ch in enumerate(text):
        if ch in ".!?" and (i + 1 == len(text) or text[i + 1] == " "):
            return text[: i + 1]
    return text


def frame(name: str, df: pd.DataFrame, scenario: str | None = None) -> pd.DataFrame:
    """``df`` with the schema's columns of ``name`` in order (a scenario column first)."""
    df = df.copy()
    if scenario is not None:
        df.insert(0, "scenario", scenario)
    cols = columns(name)
    for c in cols:
        if c not in df.columns:
            df[c] = None
    extra = [c for c in df.columns if c not in cols]
    return df[[*cols, *extra]].reset_index(drop=True)


def scenario_tables(mc: MonteCarloResults, scenario: Scenario, network: Network, *,
                    seconds: float) -> dict[str, pd.DataFrame]:
    """Every per-scenario table of one Monte Carlo result (see :data:`SCENARIO_TABLES`)."""
    name = str(scenario.name)
    names = {e.id: e.name for e in network.entities}
    ent = mc.entities().reset_index()
    ent.insert(1, "name", [names.get(e, e) for e in ent["entity"]])
    ent["median_default_quarter"] = [q if isinstance(q, str) else None
                                     for q in ent["median_default_quarter"]]
    curve = mc.pd_curve()
    pdc = (curve.reset_index().melt(id_vars="year", var_name="entity",
                                    value_name="default_probability")
           [["entity", "year", "default_probability"]])
    pdc["year"] = pdc["year"].astype(int)
    ftf = mc.first_to_fail().reset_index()
    out = {
        "scenarios": frame("scenarios", _scenario_row(mc, scenario, ftf, seconds)),
        "entities": frame("entities", ent, name),
        "pd_curve": frame("pd_curve", pdc, name),
        "holders": frame("holders", mc.holders().reset_index(), name),
        "holder_kinds": frame("holder_kinds", _kinds(mc), name),
        "holder_kind_paths": frame("holder_kind_paths", holder_kind_paths(mc), name),
        "first_to_fail": frame("first_to_fail", ftf, name),
        "time_bought": frame("time_bought", mc.time_bought().reset_index(), name),
        "bond_prices": frame("bond_prices", mc.bond_price_quantiles(), name),
        "gpu_prices": frame("gpu_prices", _gpu(mc), name),
        "factor_quantiles": frame("factor_quantiles", factor_quantiles(mc, scenario), name),
        "entity_quarters": frame("entity_quarters", mc.entity_quarters(), name),
        "contracts": frame("contracts", mc.contracts(), name),
        "lease_exits": frame("lease_exits", _leases(mc), name),
        "second_round": frame("second_round", _second_round(mc, network), name),
    }
    return out


def _leases(mc: MonteCarloResults) -> pd.DataFrame:
    return mc.lease_exits().rename(columns={"lease": "contract",
                                            "exit_probability_se": "se"})


def _second_round(mc: MonteCarloResults, network: Network) -> pd.DataFrame:
    """Channel 2 by investor kind (kinds holding no portfolio are left out)."""
    from ..montecarlo.second_round import INVESTOR_KINDS, second_round_table

    t = second_round_table(mc, network).reset_index()
    return t[t["kind"].isin(INVESTOR_KINDS)]


def _kinds(mc: MonteCarloResults) -> pd.DataFrame:
    """Holder-kind statistics with the credit and equity parts of the mean added."""
    df = mc.holder_kind_losses()
    kinds = np.array(mc.holder_kinds)
    for part, arr in (("credit_loss_mean", mc.data.credit_loss),
                      ("equity_loss_mean", mc.data.equity_loss)):
        df[part] = [float(arr[:, kinds == k].sum(axis=1).mean()) for k in df.index]
    return df.reset_index()


def holder_kind_paths(mc: MonteCarloResults) -> pd.DataFrame:
    """Per path and holder kind, the kind's summed loss (long: path, kind, loss)."""
    kinds = sorted(set(mc.holder_kinds))
    col = np.array(mc.holder_kinds)
    loss = mc.holder_loss
    per = np.stack([loss[:, col == k].sum(axis=1) for k in kinds], axis=1)   # (P, K)
    P = per.shape[0]
    return pd.DataFrame({"path": np.repeat(np.arange(P, dtype=np.int64), len(kinds)),
                         "kind": np.tile(kinds, P), "loss": per.reshape(-1)})


def _gpu(mc: MonteCarloResults) -> pd.DataFrame:
    on = mc.gpu_price_quantiles()
    on.insert(2, "feedback", True)
    frames = [on]
    if mc.data.gpu_price_without is not None:
        off = mc.gpu_price_quantiles(True)
        off.insert(2, "feedback", False)
        frames.append(off)
    df = pd.concat(frames, ignore_index=True)
    df["feedback"] = df["feedback"].astype(bool)
    return df


def factor_quantiles(mc: MonteCarloResults, scenario: Scenario) -> pd.DataFrame:
    """Quantiles over paths of every factor path of the run (regenerated from the seed:
    path ``i`` draws from ``SeedSequence(seed, spawn_key=(i,))``, so these are the paths the
    engine ran). Factor names as in ``bubblescope.scenarios.describe.factor_series``,
    keyed factors as ``gpu_resale:<generation>`` and ``credit_spread:<grade>``."""
    from ..scenarios import generate_run
    from ..scenarios.describe import factor_series

    run = generate_run(scenario, paths=mc.paths, quarters=len(mc.quarters),
                       start=mc.quarters[0], seed=int(mc.meta.get("seed", 0)))
    frames = []
    for key, arr in factor_series(run.factors).items():
        a = np.asarray(arr, dtype=float)
        q = np.quantile(a, PRICE_LEVELS, axis=0)
        df = pd.DataFrame(q.T, columns=list(QUANTILE_COLS))
        df.insert(0, "quarter", mc.quarters[: a.shape[1]])
        df.insert(0, "factor", key.replace(".", ":", 1))
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def _scenario_row(mc: MonteCarloResults, scenario: Scenario, ftf: pd.DataFrame,
                  seconds: float) -> pd.DataFrame:
    top = ftf.sort_values("share", ascending=False, kind="stable").iloc[0]
    amp = mc.amplification()
    gpu_ratio = None
    if amp and amp.get("gpu_price_end_median") and amp.get("gpu_price_end_median_without"):
        on, off = amp["gpu_price_end_median"], amp["gpu_price_end_median_without"]
        ratios = [on[g] / off[g] for g in on if off.get(g)]
        gpu_ratio = float(np.mean(ratios)) if ratios else None
    return pd.DataFrame([{
        "title": title_of(scenario), "paths": mc.paths, "seed": int(mc.meta.get("seed", 0)),
        "horizon": mc.quarters[-1], "seconds": float(seconds),
        "first_to_fail_kind": str(top["kind"]), "first_to_fail_share": float(top["share"]),
        "amplification_loss": (float(amp["ratio"]) if amp and amp.get("ratio") is not None
                               else None),
        "amplification_gpu_price": gpu_ratio,
        "notes": "; ".join(str(n) for n in mc.meta.get("notes", [])),
    }]).assign(scenario=str(scenario.name))[["scenario", *columns("scenarios")[1:]]]


def network_tables(network: Network) -> dict[str, pd.DataFrame]:
    """``network_entities`` (every entity field; lists and objects as JSON text) and
    ``network_contracts`` (one row per contract: kind, the two parties, amount, dates)."""
    from ..model.entity import Entity
    from ..model.tables import column_names, record_row

    ent = pd.DataFrame([_plain_row(record_row(e, as_text=True, only_set=False))
                        for e in network.entities], columns=column_names(Entity))
    rows = []
    for c in network.contracts:
        parties = c.parties()
        roles = list(type(c).PARTY_FIELDS)
        first = dict(parties)
        r1 = roles[0] if roles else None
        r2 = roles[1] if len(roles) > 1 else None
        rows.append({"id": c.id, "kind": c.kind, "party1_role": r1,
                     "party1": first.get(r1) if r1 else None, "party2_role": r2,
                     "party2": first.get(r2) if r2 else None, "amount": float(c.amount),
                     "amount_type": str(c.amount_type), "status": str(c.status),
                     "announced": _iso(c.announced), "start": _iso(c.start),
                     "end": _iso(c.end), "description": getattr(c, "description", None),
                     "source": ", ".join(getattr(c, "source", None) or [])})
    return {"network_entities": frame("network_entities", ent),
            "network_contracts": pd.DataFrame(rows, columns=columns("network_contracts"))}


def _iso(d: Any) -> str | None:
    return d.isoformat() if d is not None else None


def _plain_row(row: dict[str, Any]) -> dict[str, Any]:
    """Cells Parquet can hold in one typed column: enums and dates as text, anything else
    that is not a number, text or bool as JSON text."""
    out = {}
    for k, v in row.items():
        if v is None or isinstance(v, bool | int | float | str):
            out[k] = v.value if hasattr(v, "value") and not isinstance(v, bool) else v
        elif hasattr(v, "isoformat"):
            out[k] = v.isoformat()
        else:
            out[k] = json.dumps(v, default=str)
    return out


def hurdle_table() -> pd.DataFrame:
    """The revenue hurdle (``bubblescope.analytics.hurdle.hurdle_summary`` with the seeds'
    defaults) as ``name, value, formula``."""
    from ..analytics.hurdle import depreciation_hurdle, equity_return, revenue_chain

    frames = []
    for h in (revenue_chain(), equity_return(), depreciation_hurdle()):
        t = h.table()
        t.insert(0, "calculation", h.name)
        frames.append(t)
    return frame("hurdle", pd.concat(frames, ignore_index=True))


def combine(parts: list[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Concatenate the per-scenario tables of several scenarios, table by table."""
    out: dict[str, pd.DataFrame] = {}
    for name in SCENARIO_TABLES:
        frames = [p[name] for p in parts if name in p and len(p[name])]
        out[name] = (pd.concat(frames, ignore_index=True) if frames
                     else pd.DataFrame(columns=columns(name)))
    return out


__all__ = ["SCENARIO_TABLES", "combine", "factor_quantiles", "frame", "holder_kind_paths",
           "hurdle_table", "network_tables", "scenario_tables", "title_of"]
