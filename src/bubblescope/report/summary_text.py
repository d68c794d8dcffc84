"""The report's words: the executive summary and the findings against the seeds' claims,
both generated from a run's tables.

Every function here takes plain tables (name → DataFrame, the run folder's layout) so that
it can be tested on hand-built numbers.

>>> import pandas as pd
>>> t = {"entities": pd.DataFrame({"scenario": ["slow"] * 2, "entity": ["n", "s"],
...      "kind": ["neocloud", "spv"], "default_probability": [0.8, 0.4],
...      "default_probability_se": [0.02, 0.02]})}
>>> [f.status for f in evaluate_findings(t) if f.key == "slow_neocloud_vs_spv_pd"]
['agrees']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._format import bn, is_num, join_words, pct, plural, prob, short_name, singular, usd

Tables = Mapping[str, pd.DataFrame]

AGREES, DISAGREES, NOT_IN_RUN = "agrees", "disagrees", "not in this run"

#: Kinds of entity whose default probabilities the summary and comparison lead with.
KEY_KINDS = ("neocloud", "spv", "ai_lab", "hyperscaler", "cloud_provider", "chip_vendor")


def table(tables: Tables, name: str, scenario: str | None = None) -> pd.DataFrame | None:
    """A table (or its rows for one scenario), None when the run does not have it."""
    df = tables.get(name) if hasattr(tables, "get") else None
    if df is None or len(df.columns) == 0:
        return None
    if scenario is not None:
        if "scenario" not in df.columns:
            return None
        df = df[df["scenario"] == scenario]
    return df


def scenario_names(tables: Tables) -> list[str]:
    """Scenarios in run order (the ``scenarios`` table, else order of appearance)."""
    for name in ("scenarios", "entities"):
        df = table(tables, name)
        if df is not None and "scenario" in df.columns:
            return list(dict.fromkeys(df["scenario"].astype(str)))
    return []


def labels(tables: Tables) -> dict[str, str]:
    """Entity id → readable label (from the ``entities`` table's names)."""
    df = table(tables, "entities")
    if df is None:
        return {}
    out = {}
    for r in df.drop_duplicates("entity").to_dict("records"):
        out[str(r["entity"])] = short_name(str(r["entity"]), r.get("name"), r.get("kind"))
    return out


def key_entities(tables: Tables, n: int = 8) -> list[str]:
    """The entities the report leads with: of the operating and financing kinds
    (:data:`KEY_KINDS`), the ``n`` with the highest default probability in any scenario,
    ties broken by expected loss to creditors. Entities that never default are left out."""
    df = table(tables, "entities")
    if df is None or df.empty:
        return []
    df = df[df["kind"].isin(KEY_KINDS)]
    el = (df["expected_loss_to_creditors"] if "expected_loss_to_creditors" in df.columns
          else pd.Series(0.0, index=df.index))
    g = pd.DataFrame({"entity": df["entity"], "pd": df["default_probability"], "el": el}
                     ).groupby("entity").max()
    g = g[g["pd"] > 0].sort_values(["pd", "el"], ascending=False)
    return [str(e) for e in g.index[:n]]


def kind_pd(ent: pd.DataFrame, kind: str) -> tuple[float, float, int] | None:
    """Mean default probability over the entities of ``kind``, its standard error
    (``sqrt(Σ se²) / n``, treating the estimates as independent) and ``n``."""
    sub = ent[ent["kind"] == kind]
    if sub.empty:
        return None
    p = float(sub["default_probability"].mean())
    se = (float(np.sqrt((sub["default_probability_se"].astype(float) ** 2).sum())) / len(sub)
          if "default_probability_se" in sub.columns else float("nan"))
    return p, se, len(sub)


def _quarter_key(q: Any) -> tuple[int, int]:
    if isinstance(q, str) and len(q) == 6 and q[4] == "Q":
        return int(q[:4]), int(q[5])
    return 10_000, 0


# --------------------------------------------------------------------------- summary


def scenario_summary(tables: Tables, scenario: str, *, key: Sequence[str] | None = None,
                     names: Mapping[str, str] | None = None) -> list[str]:
    """Sentences on one scenario: who fails first and when, key default probabilities with
    their standard errors, who holds the loss, and the fire-sale amplification."""
    names = dict(names or labels(tables))
    out: list[str] = []
    ent = table(tables, "entities", scenario)
    scen = table(tables, "scenarios", scenario)
    paths = (int(scen["paths"].iloc[0]) if scen is not None and len(scen)
             and is_num(scen["paths"].iloc[0]) else None)
    head = f"Under {scenario}" + (f" ({paths:,} paths)" if paths else "")
    ftf = table(tables, "first_to_fail", scenario)
    if ent is not None and not ent.empty:
        d = ent[ent["default_probability"] > 0].copy()
        n_all, n_def = len(ent), len(d)
        if n_def == 0:
            out.append(f"{head}, no entity defaults on any path by the horizon.")
        else:
            s = f"{head}, {n_def} of {n_all} entities default on at least one path"
            if ftf is not None and not ftf.empty:
                f = ftf[ftf["kind"] != "none"].sort_values("share", ascending=False)
                none = ftf.loc[ftf["kind"] == "none", "share"]
                if len(f):
                    s += (f"; the first default is {singular(str(f['kind'].iloc[0]))} on "
                          f"{pct(f['share'].iloc[0])} of paths")
                    if len(f) > 1 and pct(f["share"].iloc[1]) != "0%":
                        s += (f" ({plural(str(f['kind'].iloc[1]))} "
                              f"{pct(f['share'].iloc[1])})")
                if len(none) and pct(none.iloc[0]) != "0%":
                    s += f", and {pct(none.iloc[0])} of paths see no default at all"
            out.append(s + ".")
            if "median_default_quarter" in d.columns:
                d = d[d["median_default_quarter"].notna()]
                d = d.assign(_q=[_quarter_key(q) for q in d["median_default_quarter"]])
                d = d.sort_values(["_q", "default_probability"], ascending=[True, False])
                first = d.head(3)
                parts = [f"{names.get(r['entity'], r['entity'])} (median "
                         f"{r['median_default_quarter']}, PD "
                         f"{prob(r['default_probability'], r.get('default_probability_se'))})"
                         for r in first.to_dict("records")]
                if parts:
                    out.append(f"The earliest to fail: {join_words(parts)}.")
        if key:
            sub = ent.set_index("entity")
            parts = [f"{names.get(e, e)} {prob(sub.at[e, 'default_probability'], sub.at[e, 'default_probability_se'] if 'default_probability_se' in sub.columns else None)}"  # noqa: E501
                     for e in key if e in sub.index]
            if parts:
                out.append("Default probabilities by the horizon (± Monte Carlo standard "
                           f"error): {join_words(parts)}.")
        safe = [k for k in ("hyperscaler", "bank", "insurer", "pension_fund")
                if (kp := kind_pd(ent, k)) is not None and kp[0] == 0]
        if safe:
            out.append(f"No {join_words([plural(k) for k in safe], 'or')} default"
                       " on any path.")
    hk = table(tables, "holder_kinds", scenario)
    if hk is not None and not hk.empty:
        hk = hk[hk["loss_mean"] > 0].sort_values("loss_mean", ascending=False)
        total = float(hk["loss_mean"].sum())
        if total > 0:
            top = hk.head(3).to_dict("records")
            first = top[0]
            how = ""
            if is_num(first.get("equity_loss_mean")) and is_num(first.get("credit_loss_mean")):
                eq, cr = float(first["equity_loss_mean"]), float(first["credit_loss_mean"])
                if eq + cr > 0 and max(eq, cr) / (eq + cr) >= 0.6:
                    how = (", mostly equity written off" if eq > cr
                           else ", mostly as lenders")
            s = (f"Losses average {usd(total)} a path in all; {plural(str(first['kind']))} "
                 f"bear the most ({usd(first['loss_mean'])} on average{how}, "
                 f"{pct(first['loss_mean'] / total)} of the total, 95% VaR "
                 f"{usd(first.get('loss_p95'))})")
            if len(top) > 1:
                s += ", then " + join_words([f"{plural(str(r['kind']))} "
                                             f"({usd(r['loss_mean'])})" for r in top[1:]])
            out.append(s + ".")
            if {"credit_loss_mean", "equity_loss_mean"} <= set(hk.columns):
                c, e = float(hk["credit_loss_mean"].sum()), float(hk["equity_loss_mean"].sum())
                if c + e > 0:
                    out.append(f"Of the mean loss, {pct(c / (c + e))} is lent money "
                               f"({usd(c)}) and {pct(e / (c + e))} equity written off "
                               f"({usd(e)}).")
        else:
            out.append("No holder loses anything on average.")
    if scen is not None and len(scen) and "amplification_loss" in scen.columns:
        a = scen["amplification_loss"].iloc[0]
        if is_num(a):
            word = "raises" if float(a) > 1 else "does not raise"
            out.append(f"Fire-sale feedback {word} creditor losses: ×{float(a):.2f} against "
                       "the same paths without it.")
    return out


def hurdle_sentence(hurdle: Mapping[str, float], ai_revenue: float | None = None) -> str:
    """The revenue hurdle in one sentence, with the network's AI revenue beside it."""
    s = (f"The revenue hurdle: {usd(hurdle['capex'])} of AI capex earning "
         f"{pct(hurdle['required_return'])} at a {pct(hurdle['margin'])} margin needs "
         f"{usd(hurdle['revenue_required'])} of revenue a year, "
         f"{pct(hurdle['share_of_gdp'], 1)} of US GDP")
    if ai_revenue is not None and is_num(ai_revenue) and hurdle["revenue_required"] > 0:
        s += (f"; the network's AI labs earn {usd(ai_revenue)} today, "
              f"{pct(ai_revenue / hurdle['revenue_required'], 1)} of it")
    return s + "."


def overview(tables: Tables, names: Mapping[str, str] | None = None) -> list[str]:
    """Sentences across scenarios: the worst and mildest for holders, entities that default
    in every scenario."""
    names = dict(names or labels(tables))
    scens = scenario_names(tables)
    out: list[str] = []
    hk = table(tables, "holder_kinds")
    if hk is not None and len(scens) > 1:
        tot = hk.groupby("scenario")["loss_mean"].sum().reindex(scens).dropna()
        if len(tot) > 1 and tot.max() > 0:
            out.append(f"Across the {len(scens)} scenarios, holders lose most under "
                       f"{tot.idxmax()} ({usd(tot.max())} on average) and least under "
                       f"{tot.idxmin()} ({usd(tot.min())}).")
    ent = table(tables, "entities")
    if ent is not None and len(scens) > 1:
        wide = ent.pivot_table(index="entity", columns="scenario",
                               values="default_probability", aggfunc="first")
        always = wide[(wide >= 0.5).all(axis=1)].index.tolist()
        never = ent.groupby("entity")["default_probability"].max()
        if always:
            out.append(f"{join_words([names.get(e, e) for e in always[:6]])}"
                       f"{' and others' if len(always) > 6 else ''} default on most paths "
                       "in every scenario.")
        out.append(f"{int((never == 0).sum())} of {len(never)} entities never default in "
                   "any scenario.")
    return out


def executive_summary(tables: Tables, *, hurdle: Mapping[str, float] | None = None,
                      ai_revenue: float | None = None) -> dict[str, Any]:
    """The executive summary: ``overview`` (list of sentences), ``scenarios`` (scenario →
    sentences) and ``hurdle`` (a sentence or None), all built from the run's numbers."""
    names = labels(tables)
    key = key_entities(tables, 6)
    return {"overview": overview(tables, names),
            "scenarios": {s: scenario_summary(tables, s, key=key, names=names)
                          for s in scenario_names(tables)},
            "hurdle": hurdle_sentence(hurdle, ai_revenue) if hurdle else None,
            "key_entities": key}


# --------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class Finding:
    """One of the seeds' claims evaluated on a run."""

    key: str
    scenario: str
    claim: str
    source: str
    status: str
    evidence: str


def _mean_pd_text(kind: str, v: tuple[float, float, int]) -> str:
    return f"{plural(kind)} {prob(v[0], v[1])} (mean of {v[2]})"


def _holder_loss(tables: Tables, scenario: str, kind: str) -> float | None:
    hk = table(tables, "holder_kinds", scenario)
    if hk is None or hk.empty:
        return None
    row = hk[hk["kind"] == kind]
    return float(row["loss_mean"].iloc[0]) if len(row) else 0.0


def _c_neo_vs_spv_pd(tables: Tables, **_: Any) -> tuple[str, str]:
    ent = table(tables, "entities", "slow")
    if ent is None or ent.empty:
        return NOT_IN_RUN, "slow was not run"
    n, s = kind_pd(ent, "neocloud"), kind_pd(ent, "spv")
    if n is None or s is None:
        return NOT_IN_RUN, "the network has no neocloud or no SPV"
    return (AGREES if n[0] > s[0] else DISAGREES,
            f"mean default probability: {_mean_pd_text('neocloud', n)} against "
            f"{_mean_pd_text('spv', s)}")


def _c_neo_first(tables: Tables, **_: Any) -> tuple[str, str]:
    ftf = table(tables, "first_to_fail", "slow")
    if ftf is None or ftf.empty:
        return NOT_IN_RUN, "slow was not run"
    sh = dict(zip(ftf["kind"], ftf["share"], strict=True))
    n, s = float(sh.get("neocloud", 0.0)), float(sh.get("spv", 0.0))
    txt = f"first default is a neocloud on {pct(n)} of paths, an SPV on {pct(s)}"
    ent = table(tables, "entities", "slow")
    if ent is not None and "median_default_quarter" in ent.columns:
        def earliest(kind: str) -> str | None:
            q = ent.loc[(ent["kind"] == kind) & ent["median_default_quarter"].notna(),
                        "median_default_quarter"]
            return min(q, key=_quarter_key) if len(q) else None
        en, es = earliest("neocloud"), earliest("spv")
        txt += (f"; earliest median default quarter: neoclouds {en or 'none'}, "
                f"SPVs {es or 'none'}")
    return (AGREES if n > s else DISAGREES), txt


def _c_giants(tables: Tables, **_: Any) -> tuple[str, str]:
    ent = table(tables, "entities", "slow")
    if ent is None or ent.empty:
        return NOT_IN_RUN, "slow was not run"
    g = ent[ent["kind"] == "hyperscaler"]
    if g.empty:
        return NOT_IN_RUN, "the network has no hyperscaler"
    worst = g.sort_values("default_probability", ascending=False).iloc[0]
    txt = (f"highest hyperscaler default probability: {worst['entity']} "
           f"{prob(worst['default_probability'], worst.get('default_probability_se'))} "
           f"({len(g)} hyperscalers)")
    return (AGREES if float(g["default_probability"].max()) == 0 else DISAGREES), txt


def _c_pc_vs_banks(tables: Tables, **_: Any) -> tuple[str, str]:
    pc, b = (_holder_loss(tables, "slow", "private_credit_fund"),
             _holder_loss(tables, "slow", "bank"))
    if pc is None or b is None:
        return NOT_IN_RUN, "slow was not run"
    return (AGREES if pc > b else DISAGREES,
            f"mean loss: private-credit funds {usd(pc)}, banks {usd(b)}")


def _c_not_systemic(tables: Tables, **_: Any) -> tuple[str, str]:
    ent = table(tables, "entities", "slow")
    if ent is None or ent.empty:
        return NOT_IN_RUN, "slow was not run"
    sub = ent[ent["kind"].isin(["bank", "insurer", "pension_fund"])]
    if sub.empty:
        return NOT_IN_RUN, "the network has no bank, insurer or pension fund"
    worst = sub.sort_values("default_probability", ascending=False).iloc[0]
    return (AGREES if float(sub["default_probability"].max()) == 0 else DISAGREES,
            f"highest default probability among {len(sub)} banks, insurers and pension "
            f"funds: {worst['entity']} {prob(worst['default_probability'])}")


def _c_meta_exit(tables: Tables, **_: Any) -> tuple[str, str]:
    ex = table(tables, "lease_exits", "refuted")
    if ex is not None and not ex.empty:
        row = ex[ex.get("contract", pd.Series(dtype=str)) == "hyperion_lease"]
        if row.empty and "lessee" in ex.columns:
            row = ex[ex["lessee"] == "meta"]
        if not row.empty and "exit_probability" in row.columns:
            p = float(row["exit_probability"].iloc[0])
            se = row["se"].iloc[0] if "se" in row.columns else None
            return (AGREES if p > 0.5 else DISAGREES,
                    f"Meta leaves the Hyperion lease on {prob(p, se)} of paths")
    c = table(tables, "contracts", "refuted")
    if c is not None and "exit_probability" in c.columns:
        row = c[c["contract"] == "hyperion_lease"]
        if len(row) and is_num(row["exit_probability"].iloc[0]):
            p = float(row["exit_probability"].iloc[0])
            return (AGREES if p > 0.5 else DISAGREES,
                    f"Meta leaves the Hyperion lease on {pct(p, 1)} of paths")
    if table(tables, "entities", "refuted") is None:
        return NOT_IN_RUN, "refuted was not run"
    return NOT_IN_RUN, "the run's tables do not record lease exits"


def _spv_bonds(tables: Tables, scenario: str) -> pd.DataFrame | None:
    c = table(tables, "contracts", scenario)
    if c is None or c.empty:
        return None
    ent = table(tables, "entities", scenario)
    spvs = set(ent.loc[ent["kind"] == "spv", "entity"]) if ent is not None else set()
    b = c[(c["kind"] == "bond") & c["debtor"].isin(spvs)]
    hyp = b[b["contract"] == "hyperion_bonds"]
    return hyp if len(hyp) else b


def _c_hyperion_bondholders(tables: Tables, **_: Any) -> tuple[str, str]:
    b = _spv_bonds(tables, "refuted")
    if b is None:
        return NOT_IN_RUN, ("refuted was not run" if table(tables, "entities", "refuted")
                            is None else "the run has no per-contract losses")
    if b.empty:
        return NOT_IN_RUN, "the network has no bond issued by an SPV"
    r = b.sort_values("amount", ascending=False).iloc[0]
    p = float(r["loss_probability"])
    return (AGREES if p > 0.5 else DISAGREES,
            f"{r['contract']}: holders lose on {pct(p, 1)} of paths, expected loss "
            f"{usd(r['expected_loss'])} of {usd(r['amount'])}, 95% quantile "
            f"{usd(r.get('loss_p95'))}")


def _c_banks_refuted(tables: Tables, **_: Any) -> tuple[str, str]:
    r, s = _holder_loss(tables, "refuted", "bank"), _holder_loss(tables, "slow", "bank")
    if r is None or s is None:
        return NOT_IN_RUN, "needs both refuted and slow"
    return (AGREES if r > s else DISAGREES,
            f"banks' mean loss: {usd(r)} in refuted against {usd(s)} in slow")


def _c_spv_refuted(tables: Tables, **_: Any) -> tuple[str, str]:
    r, s = table(tables, "entities", "refuted"), table(tables, "entities", "slow")
    if r is None or s is None or r.empty or s.empty:
        return NOT_IN_RUN, "needs both refuted and slow"
    a, b = kind_pd(r, "spv"), kind_pd(s, "spv")
    if a is None or b is None:
        return NOT_IN_RUN, "the network has no SPV"
    return (AGREES if a[0] > b[0] else DISAGREES,
            f"mean SPV default probability {prob(a[0], a[1])} in refuted against "
            f"{prob(b[0], b[1])} in slow")


def _c_amplification(tables: Tables, **_: Any) -> tuple[str, str]:
    sc = table(tables, "scenarios", "gpu-doom-loop")
    if sc is None or sc.empty:
        return NOT_IN_RUN, "gpu-doom-loop was not run"
    a = sc["amplification_loss"].iloc[0] if "amplification_loss" in sc.columns else None
    if not is_num(a):
        return NOT_IN_RUN, "no amplification computed (no losses without the feedback)"
    return (AGREES if float(a) > 1 else DISAGREES,
            f"creditor losses ×{float(a):.3f} with fire-sale feedback against without")


def _c_gpu_below(tables: Tables, **_: Any) -> tuple[str, str]:
    g = table(tables, "gpu_prices", "gpu-doom-loop")
    if g is None or g.empty:
        return NOT_IN_RUN, "gpu-doom-loop was not run"
    if not {True, False} <= set(g["feedback"].astype(bool)):
        return NOT_IN_RUN, "GPU prices without the feedback were not computed"
    fb = g["feedback"].astype(bool)
    on_all = g[fb].pivot_table(index="quarter", columns="generation", values="p50")
    off_all = g[~fb].pivot_table(index="quarter", columns="generation", values="p50")
    gens = [x for x in on_all.columns if x in off_all.columns]
    gens = [x for x in gens if x != "default"] or gens
    if not gens:
        return NOT_IN_RUN, "no generation has both prices"
    below, above, parts = 0, 0, []
    for gen in gens:
        both = pd.DataFrame({"on": on_all[gen], "off": off_all[gen]}).dropna()
        both = both.loc[sorted(both.index, key=_quarter_key)]
        gap = both["off"] - both["on"]
        above += bool((gap < -1e-9).any())
        # the doom loop's mark: where the feedback holds the median price furthest down
        # (a dent fades once the forced sales stop, so "end" is the end of the selling)
        q = gap.idxmax()
        on, off = float(both.at[q, "on"]), float(both.at[q, "off"])
        below += on < off - 1e-9
        parts.append(f"{gen} {on:.3f} vs {off:.3f} ({q})")
    ok = below > len(gens) / 2 and above == 0
    return (AGREES if ok else DISAGREES,
            f"median GPU price with vs without feedback (share of cost), where the gap is "
            f"widest: {'; '.join(parts[:4])}{'; …' if len(parts) > 4 else ''}; lower with "
            f"feedback for {below} of {len(gens)} generations, above it for {above}")


def _c_guarantee(tables: Tables, *, guaranteed: Sequence[str] | None = None,
                 **_: Any) -> tuple[str, str]:
    g, s = table(tables, "entities", "guarantee"), table(tables, "entities", "slow")
    if g is None or s is None or g.empty or s.empty:
        return NOT_IN_RUN, "needs both guarantee and slow"
    if not guaranteed:
        return NOT_IN_RUN, "the guarantee scenario names no guaranteed obligation"
    gg = g[g["entity"].isin(guaranteed)]
    ss = s[s["entity"].isin(guaranteed)]
    if gg.empty:
        return NOT_IN_RUN, "the guaranteed debtors are not in the network"
    a, b = float(gg["default_probability"].mean()), float(ss["default_probability"].mean())
    return (AGREES if a < b else DISAGREES,
            f"mean default probability of the guaranteed debtors "
            f"({', '.join(sorted(gg['entity']))}): {a:.2f} with the guarantee against "
            f"{b:.2f} in slow")


#: (key, scenario, claim, source, evaluator)
CLAIMS: list[tuple[str, str, str, str, Callable[..., tuple[str, str]]]] = [
    ("slow_neocloud_vs_spv_pd", "slow", "Neoclouds default more often than SPVs",
     "S2 stress test 1 (DIGEST §5)", _c_neo_vs_spv_pd),
    ("slow_neocloud_first", "slow", "Neoclouds fall first, before the SPVs",
     "S2 stress test 1 (DIGEST §5)", _c_neo_first),
    ("slow_giants_survive", "slow", "The giants (hyperscalers) do not default",
     "S2 stress test 1 (DIGEST §5)", _c_giants),
    ("slow_private_credit_vs_banks", "slow",
     "Private-credit investors lose more than banks", "S2 stress test 1 (DIGEST §5)",
     _c_pc_vs_banks),
    ("slow_not_systemic", "slow",
     "An expensive failure, not a systemic collapse: no bank, insurer or pension fund "
     "defaults", "S2 stress test 1 (DIGEST §5)", _c_not_systemic),
    ("refuted_meta_exit", "refuted", "Meta leaves Hyperion's lease on most paths",
     "S2 stress test 2 (DIGEST §5)", _c_meta_exit),
    ("refuted_hyperion_bondholders", "refuted", "Hyperion's (A+) bondholders lose",
     "S2 stress test 2 (DIGEST §5)", _c_hyperion_bondholders),
    ("refuted_spvs_harder", "refuted", "SPVs are hit harder than in slow",
     "S2 stress test 2 (DIGEST §5)", _c_spv_refuted),
    ("refuted_banks_vs_slow", "refuted", "Banks lose more than in slow (through fund "
     "leverage)", "S2 stress test 2 (DIGEST §5)", _c_banks_refuted),
    ("doom_amplification", "gpu-doom-loop", "Fire sales amplify losses (amplification > 1)",
     "S1-18, S4-03", _c_amplification),
    ("doom_gpu_prices", "gpu-doom-loop",
     "GPU prices fall below the same paths without fire-sale feedback", "S1-18, S4-03",
     _c_gpu_below),
    ("guarantee_fewer_defaults", "guarantee",
     "Guaranteed structures default less often than in slow", "S2 §5, S3-10",
     _c_guarantee),
]


def evaluate_findings(tables: Tables, *, guaranteed: Sequence[str] | None = None
                      ) -> list[Finding]:
    """Evaluate each of the seeds' stress-test claims (:data:`CLAIMS`) on a run's tables.

    Parameters
    ----------
    tables : name → DataFrame in the run folder's layout (``entities``, ``holder_kinds``,
        ``first_to_fail``, ``scenarios``, ``gpu_prices``, ``contracts``, ...).
    guaranteed : entity ids whose debt the ``guarantee`` scenario guarantees.

    Returns
    -------
    list of Finding
        ``status`` is ``"agrees"``, ``"disagrees"`` or ``"not in this run"``, with the
        numbers behind it in ``evidence``.
    """
    out = []
    for key, scen, claim, source, fn in CLAIMS:
        try:
            status, evidence = fn(tables, guaranteed=guaranteed)
        except (KeyError, ValueError, IndexError) as exc:   # a table without a column
            status, evidence = NOT_IN_RUN, f"cannot be evaluated on this run ({exc})"
        out.append(Finding(key, scen, claim, source, status, evidence))
    return out


def findings_sentence(findings: Sequence[Finding]) -> str:
    """``Of the 12 claims, 7 agree with this run, 3 disagree and 2 are not in it.``"""
    n = len(findings)
    a = sum(f.status == AGREES for f in findings)
    d = sum(f.status == DISAGREES for f in findings)
    m = n - a - d
    return (f"Of the seeds' {n} stress-test claims, {a} agree with this run, {d} disagree "
            f"and {m} cannot be checked on it.")


__all__ = ["AGREES", "CLAIMS", "DISAGREES", "NOT_IN_RUN", "Finding", "bn",
           "evaluate_findings", "executive_summary", "findings_sentence", "hurdle_sentence",
           "key_entities", "kind_pd", "labels", "overview", "scenario_names",
           "scenario_summary", "table"]
