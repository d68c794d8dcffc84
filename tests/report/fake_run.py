"""A small RunResults-like object built from real Monte Carlo runs, for the report's tests.

It follows the run folder's contract (table names and columns) so the report can be tested
before, and independently of, the run job. When ``bubblescope.runs`` offers ``run_job`` the
tests prefer a real run (see ``conftest.py``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import bubblescope
from bubblescope.io.scenario_load import load_scenario
from bubblescope.model.network import Network
from bubblescope.model.scenario import Scenario
from bubblescope.runners import simulate
from bubblescope.scenarios import factor_series, generate_run

LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)
QCOLS = ["p5", "p25", "p50", "p75", "p95"]


class FakeRun:
    """Duck-typed ``RunResults``: ``path``, ``id``, ``manifest``, ``table``, ``network``,
    ``scenario``, ``scenarios``, ``table_names``."""

    def __init__(self, path: Path, net: Network, scenarios: dict[str, Scenario],
                 tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> None:
        self.path = path
        self.id = manifest["id"]
        self.manifest = manifest
        self._net = net
        self._scen = scenarios
        self._tables = tables

    @property
    def table_names(self) -> list[str]:
        return sorted(self._tables)

    @property
    def scenarios(self) -> list[str]:
        return list(self._scen)

    def table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            raise KeyError(name)
        return self._tables[name].copy()

    def network(self) -> Network:
        return self._net

    def scenario(self, name: str) -> Scenario:
        return self._scen[name]


def _q(arr: np.ndarray) -> np.ndarray:
    return np.quantile(arr, LEVELS, axis=0)


def fake_run(path: Path, scenarios: list[str], *, paths: int = 30, seed: int = 1,
             horizon: str = "2027Q4") -> FakeRun:
    """Run ``scenarios`` on ai-2025 and lay the results out as the run folder's tables."""
    net = bubblescope.load_network("ai-2025")
    names = {e.id: e.name for e in net.entities}
    tabs: dict[str, list[pd.DataFrame]] = {}
    scen_objs: dict[str, Scenario] = {}
    notes: dict[str, list[str]] = {}

    def put(name: str, df: pd.DataFrame, scenario: str) -> None:
        df = df.copy()
        df.insert(0, "scenario", scenario)
        tabs.setdefault(name, []).append(df)

    rows = []
    for s in scenarios:
        scen = load_scenario(s)
        scen_objs[s] = scen
        mc = simulate(net, scen, paths=paths, seed=seed, horizon=horizon, progress=False)
        notes[s] = list(mc.meta.get("notes", []))
        ent = mc.entities().reset_index()
        ent.insert(2, "name", [names.get(e, e) for e in ent["entity"]])
        put("entities", ent[["entity", "name", "kind", "default_probability",
                             "default_probability_se", "median_default_quarter",
                             "expected_loss_to_creditors"]], s)
        curve = mc.pd_curve()
        long = curve.reset_index().melt(id_vars="year", var_name="entity",
                                        value_name="default_probability")
        put("pd_curve", long[["entity", "year", "default_probability"]], s)
        put("holders", mc.holders().reset_index(), s)
        hk = mc.holder_kind_losses()
        h = mc.holders()
        hk["credit_loss_mean"] = h.groupby("kind")["credit_loss_mean"].sum()
        hk["equity_loss_mean"] = h.groupby("kind")["equity_loss_mean"].sum()
        put("holder_kinds", hk.reset_index(), s)
        loss = mc.holder_loss
        cols = np.array(mc.holder_kinds)
        frames = []
        for k in sorted(set(mc.holder_kinds)):
            frames.append(pd.DataFrame({"path": np.arange(mc.paths), "kind": k,
                                        "loss": loss[:, cols == k].sum(axis=1)}))
        put("holder_kind_paths", pd.concat(frames, ignore_index=True), s)
        ftf = mc.first_to_fail().reset_index()
        put("first_to_fail", ftf, s)
        put("time_bought", mc.time_bought().reset_index(), s)
        put("bond_prices", mc.bond_price_quantiles(), s)
        g = mc.gpu_price_quantiles()
        g.insert(1, "feedback", True)
        gp = [g]
        if mc.data.gpu_price_without is not None:
            g2 = mc.gpu_price_quantiles(True)
            g2.insert(1, "feedback", False)
            gp.append(g2)
        gcat = pd.concat(gp, ignore_index=True)
        put("gpu_prices", gcat[["generation", "quarter", "feedback", *QCOLS]], s)
        fr = generate_run(scen, paths=paths, quarters=len(mc.quarters), seed=seed)
        ff = []
        for fname, arr in factor_series(fr.factors).items():
            q = _q(np.asarray(arr, dtype=float))
            df = pd.DataFrame(q.T, columns=QCOLS)
            df.insert(0, "quarter", mc.quarters[: arr.shape[1]])
            df.insert(0, "factor", fname)
            ff.append(df)
        put("factor_quantiles", pd.concat(ff, ignore_index=True), s)
        dq = mc.data.default_quarter
        eq = []
        for j, e in enumerate(mc.entity_ids):
            for t, qlab in enumerate(mc.quarters):
                eq.append({"entity": e, "quarter": qlab,
                           "default_share": float(((dq[:, j] >= 0) & (dq[:, j] <= t)).mean()),
                           "cash_mean": 1.0, "revenue_mean": 1.0, "debt_mean": 1.0,
                           "market_equity_mean": 1.0})
        put("entity_quarters", pd.DataFrame(eq), s)
        crow = []
        for c in net.contracts:
            debtor = (getattr(c, "issuer", None) or getattr(c, "borrower", None)
                      or getattr(c, "lessee", None) or getattr(c, "buyer", None) or "")
            creditor = (getattr(c, "lender", None) or getattr(c, "lessor", None)
                        or getattr(c, "seller", None) or "")
            lp = float(ent.set_index("entity")["default_probability"].get(debtor, 0.0))
            crow.append({"contract": c.id, "kind": c.kind, "debtor": debtor,
                         "creditor": creditor, "amount": float(getattr(c, "amount", 0) or 0),
                         "loss_probability": lp, "expected_loss": lp * 0.3,
                         "loss_p95": lp})
        put("contracts", pd.DataFrame(crow), s)
        amp = mc.amplification()
        fk = ftf[ftf["kind"] != "none"].sort_values("share", ascending=False)
        rows.append({"scenario": s, "title": (scen.description or s).split(".")[0],
                     "paths": paths, "seed": seed, "horizon": horizon, "seconds": 0.1,
                     "first_to_fail_kind": fk["kind"].iloc[0] if len(fk) else "none",
                     "first_to_fail_share": float(fk["share"].iloc[0]) if len(fk) else 0.0,
                     "amplification_loss": amp["ratio"] if amp else None,
                     "amplification_gpu_price": None, "notes": "; ".join(notes[s])})
    tables = {k: pd.concat(v, ignore_index=True) for k, v in tabs.items()}
    tables["scenarios"] = pd.DataFrame(rows)
    frames = net.to_frames()
    tables["network_entities"] = frames["entities"]
    tables["network_contracts"] = pd.DataFrame(
        [{"contract": c.id, "kind": str(c.kind)} for c in net.contracts])
    manifest = {"id": f"20251231T000000-{net.name}",
                "created": dt.datetime(2025, 12, 31).isoformat(),
                "network": {"name": net.name, "source": "bundled"}, "scenarios": scenarios,
                "paths": paths, "seed": seed, "runner": "serial", "horizon": horizon,
                "command": "bubblescope run (test fixture)",
                "versions": {"bubblescope": bubblescope.__version__, "numpy": np.__version__},
                "inputs": {"ai-2025": "0" * 64}, "timings": {"total": 1.0},
                "tables": {k: {"rows": len(v)} for k, v in tables.items()}, "notes": notes}
    return FakeRun(path, net, scen_objs, tables, manifest)
