"""What a run's summary shows, as small tables read from the run's own tables.

Used by ``bubblescope run`` (after the run) and ``bubblescope runs show``.
"""

from __future__ import annotations

import pandas as pd

from .load import KeptRun

#: The entities a summary shows when the network has them (ai-2025): OpenAI, CoreWeave,
#: Oracle and its SPVs, the Hyperion SPV and the four giants.
PREFERRED_KEYS = ("openai", "coreweave", "oracle", "oracle_spv_texas", "oracle_spv_new_mexico",
                  "oracle_spv_abilene", "hyperion_spv", "meta", "microsoft", "alphabet",
                  "amazon")
#: Kinds shown for other networks.
KEY_KINDS = ("hyperscaler", "ai_lab", "cloud_provider", "neocloud", "spv")


def key_entities(entities: pd.DataFrame) -> list[str]:
    """The entity ids a summary reports, from a table with ``entity`` (or ``id``) and
    ``kind`` columns: :data:`PREFERRED_KEYS` present, else every entity of
    :data:`KEY_KINDS`."""
    col = "entity" if "entity" in entities.columns else "id"
    ids = list(dict.fromkeys(entities[col].astype(str)))
    keys = [e for e in PREFERRED_KEYS if e in ids]
    if keys:
        return keys
    kinds = entities.drop_duplicates(col).set_index(col)["kind"].astype(str)
    return [e for e in ids if kinds.get(e) in KEY_KINDS]


def scenario_overview(run: KeptRun) -> pd.DataFrame:
    """One row per scenario: title, who fails first (kind and share), amplification."""
    return run.table("scenarios")[["scenario", "title", "first_to_fail_kind",
                                   "first_to_fail_share", "amplification_loss", "seconds"]]


def key_default_probabilities(run: KeptRun) -> pd.DataFrame:
    """Key entities (rows: entity, name, kind) × scenarios (columns): default probability."""
    ent = run.table("entities")
    keys = key_entities(ent)
    sub = ent[ent["entity"].isin(keys)]
    wide = sub.pivot(index="entity", columns="scenario", values="default_probability")
    wide = wide.reindex(index=keys, columns=run.scenarios)
    names = sub.drop_duplicates("entity").set_index("entity")["name"]
    wide.insert(0, "name", [names.get(e, e) for e in wide.index])
    return wide


def first_defaults(run: KeptRun, scenario: str, n: int = 3) -> pd.DataFrame:
    """The ``n`` entities with the earliest median default quarter (ties: higher PD first)
    in ``scenario``: entity, name, kind, median_default_quarter, default_probability."""
    ent = run.table("entities")
    sub = ent[(ent["scenario"] == scenario) & ent["median_default_quarter"].notna()]
    sub = sub.sort_values(["median_default_quarter", "default_probability"],
                          ascending=[True, False], kind="stable")
    return sub[["entity", "name", "kind", "median_default_quarter",
                "default_probability"]].head(n)


def holder_kind_means(run: KeptRun) -> pd.DataFrame:
    """Holder kinds (rows, by largest loss anywhere) × scenarios: mean loss, USD bn."""
    hk = run.table("holder_kinds")
    wide = hk.pivot(index="kind", columns="scenario", values="loss_mean")
    wide = wide.reindex(columns=run.scenarios)
    return wide.loc[wide.max(axis=1).sort_values(ascending=False).index]


def hurdle_lines(run: KeptRun) -> list[str]:
    """The revenue hurdle in plain words (from the ``hurdle`` table)."""
    if "hurdle" not in run.table_names:
        return []
    h = run.table("hurdle")
    v = {(r.calculation, r.name): r.value for r in h.itertuples()}
    lines = []
    if ("revenue_chain", "revenue_required") in v:
        lines.append(
            f"AI must earn about ${v[('revenue_chain', 'revenue_required')]:,.0f}bn a year "
            f"(capex ${v[('revenue_chain', 'capex')]:,.0f}bn × "
            f"{v[('revenue_chain', 'required_return')]:.0%} return / "
            f"{v[('revenue_chain', 'margin')]:.0%} margin), "
            f"{v[('revenue_chain', 'share_of_gdp')]:.1%} of US GDP")
    if ("depreciation_hurdle", "revenue_required") in v:
        lines.append(
            f"counting depreciation over {v[('depreciation_hurdle', 'life')]:.0f} years: "
            f"${v[('depreciation_hurdle', 'revenue_required')]:,.0f}bn a year")
    return lines


__all__ = ["KEY_KINDS", "PREFERRED_KEYS", "first_defaults", "holder_kind_means",
           "hurdle_lines", "key_default_probabilities", "key_entities", "scenario_overview"]
