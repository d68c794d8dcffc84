"""The findings evaluator and the executive summary on hand-built tables with known answers."""

from __future__ import annotations

import pandas as pd
import pytest

from bubblescope.report.summary_text import (
    AGREES,
    DISAGREES,
    NOT_IN_RUN,
    evaluate_findings,
    executive_summary,
    findings_sentence,
    hurdle_sentence,
    key_entities,
    scenario_summary,
)


def entities(scenario: str, rows: list[tuple[str, str, float, str | None]]) -> pd.DataFrame:
    return pd.DataFrame([{"scenario": scenario, "entity": e, "name": e.title(), "kind": k,
                          "default_probability": p, "default_probability_se": 0.02,
                          "median_default_quarter": q, "expected_loss_to_creditors": p * 10}
                         for e, k, p, q in rows])


def kinds(scenario: str, losses: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame([{"scenario": scenario, "kind": k, "loss_mean": v,
                          "loss_median": v, "loss_p95": 2 * v, "loss_p99": 3 * v,
                          "es_975": 3 * v, "credit_loss_mean": 0.75 * v,
                          "equity_loss_mean": 0.25 * v} for k, v in losses.items()])


SLOW = [("neo", "neocloud", 0.80, "2026Q3"), ("spv_a", "spv", 0.40, "2027Q1"),
        ("spv_b", "spv", 0.20, "2028Q2"), ("meta", "hyperscaler", 0.0, None),
        ("bank", "bank", 0.0, None)]


def by_key(found):
    return {f.key: f for f in found}


def base_tables() -> dict[str, pd.DataFrame]:
    return {
        "entities": pd.concat([entities("slow", SLOW), entities("refuted", [
            ("neo", "neocloud", 0.9, "2026Q2"), ("spv_a", "spv", 0.9, "2026Q4"),
            ("spv_b", "spv", 0.7, "2027Q2"), ("meta", "hyperscaler", 0.0, None),
            ("bank", "bank", 0.0, None)])]),
        "holder_kinds": pd.concat([kinds("slow", {"private_credit_fund": 5.0, "bank": 2.0}),
                                   kinds("refuted", {"private_credit_fund": 9.0,
                                                     "bank": 4.0})]),
        "first_to_fail": pd.DataFrame({"scenario": ["slow"] * 3,
                                       "kind": ["neocloud", "spv", "none"],
                                       "share": [0.6, 0.3, 0.1], "se": [0.02] * 3}),
        "scenarios": pd.DataFrame({"scenario": ["slow", "refuted"], "paths": [500, 500],
                                   "amplification_loss": [None, 1.4]}),
    }


def test_neoclouds_more_often_than_spvs_agrees_and_flips() -> None:
    t = base_tables()
    f = by_key(evaluate_findings(t))["slow_neocloud_vs_spv_pd"]
    assert f.status == AGREES
    assert "0.80" in f.evidence and "0.30" in f.evidence      # neocloud 0.8, SPVs (0.4+0.2)/2
    flipped = entities("slow", [("neo", "neocloud", 0.1, "2026Q3"), *SLOW[1:]])
    t["entities"] = pd.concat([flipped, t["entities"][t["entities"]["scenario"] != "slow"]])
    assert by_key(evaluate_findings(t))["slow_neocloud_vs_spv_pd"].status == DISAGREES


def test_first_to_fail_and_giants_and_systemic() -> None:
    f = by_key(evaluate_findings(base_tables()))
    assert f["slow_neocloud_first"].status == AGREES
    assert "60%" in f["slow_neocloud_first"].evidence
    assert f["slow_giants_survive"].status == AGREES
    assert f["slow_not_systemic"].status == AGREES
    t = base_tables()
    t["first_to_fail"]["share"] = [0.2, 0.7, 0.1]
    t["entities"].loc[t["entities"]["entity"] == "meta", "default_probability"] = 0.05
    f = by_key(evaluate_findings(t))
    assert f["slow_neocloud_first"].status == DISAGREES
    assert f["slow_giants_survive"].status == DISAGREES


def test_private_credit_against_banks_and_refuted_against_slow() -> None:
    f = by_key(evaluate_findings(base_tables()))
    assert f["slow_private_credit_vs_banks"].status == AGREES
    assert "$5.00bn" in f["slow_private_credit_vs_banks"].evidence
    assert f["refuted_banks_vs_slow"].status == AGREES           # 4 > 2
    assert f["refuted_spvs_harder"].status == AGREES             # 0.8 > 0.3
    t = base_tables()
    t["holder_kinds"] = pd.concat([kinds("slow", {"private_credit_fund": 1.0, "bank": 6.0}),
                                   kinds("refuted", {"private_credit_fund": 9.0,
                                                     "bank": 4.0})])
    f = by_key(evaluate_findings(t))
    assert f["slow_private_credit_vs_banks"].status == DISAGREES
    assert f["refuted_banks_vs_slow"].status == DISAGREES        # 4 < 6


def test_claims_on_scenarios_not_run() -> None:
    t = base_tables()
    f = by_key(evaluate_findings(t))
    assert f["doom_amplification"].status == NOT_IN_RUN
    assert f["doom_gpu_prices"].status == NOT_IN_RUN
    assert f["guarantee_fewer_defaults"].status == NOT_IN_RUN
    assert f["refuted_meta_exit"].status == NOT_IN_RUN
    assert f["refuted_hyperion_bondholders"].status == NOT_IN_RUN   # no contracts table
    only_refuted = {k: v[v["scenario"] == "refuted"] for k, v in t.items()
                    if k != "first_to_fail"}
    f = by_key(evaluate_findings(only_refuted))
    assert f["slow_neocloud_vs_spv_pd"].status == NOT_IN_RUN
    assert f["refuted_banks_vs_slow"].status == NOT_IN_RUN
    assert all(x.status in (AGREES, DISAGREES, NOT_IN_RUN) for x in f.values())


@pytest.mark.parametrize(("ratio", "status"), [(1.3, AGREES), (0.9, DISAGREES),
                                               (None, NOT_IN_RUN)])
def test_amplification(ratio, status) -> None:
    t = {"scenarios": pd.DataFrame({"scenario": ["gpu-doom-loop"], "paths": [100],
                                    "amplification_loss": [ratio]})}
    assert by_key(evaluate_findings(t))["doom_amplification"].status == status


def gpu(on: float, off: float) -> pd.DataFrame:
    rows = []
    for fb, v in ((True, on), (False, off)):
        for q, x in (("2027Q3", 0.5), ("2027Q4", v)):
            rows.append({"scenario": "gpu-doom-loop", "generation": "H100", "quarter": q,
                         "feedback": fb, "p5": x, "p25": x, "p50": x, "p75": x, "p95": x})
    return pd.DataFrame(rows)


def test_gpu_prices_with_and_without_feedback() -> None:
    f = by_key(evaluate_findings({"gpu_prices": gpu(0.2, 0.3)}))["doom_gpu_prices"]
    assert f.status == AGREES and "0.200 vs 0.300" in f.evidence
    assert by_key(evaluate_findings({"gpu_prices": gpu(0.35, 0.3)}))[
        "doom_gpu_prices"].status == DISAGREES
    one = gpu(0.2, 0.3)
    assert by_key(evaluate_findings({"gpu_prices": one[one["feedback"]]}))[
        "doom_gpu_prices"].status == NOT_IN_RUN


def test_gpu_prices_compared_where_the_gap_is_widest() -> None:
    # the dent fades: both reach zero later, the widest gap (2027Q4) decides
    zero = gpu(0.0, 0.0)
    zero = zero[zero["quarter"] == "2027Q4"].assign(quarter="2028Q1")
    g = pd.concat([gpu(0.2, 0.3), zero])
    f = by_key(evaluate_findings({"gpu_prices": g}))["doom_gpu_prices"]
    assert f.status == AGREES and "0.200 vs 0.300 (2027Q4)" in f.evidence
    # a feedback price above the other in any quarter is a disagreement
    up = gpu(0.2, 0.3)
    up.loc[(up["quarter"] == "2027Q3") & up["feedback"], "p50"] = 0.6
    assert by_key(evaluate_findings({"gpu_prices": up}))["doom_gpu_prices"].status == DISAGREES


def test_guarantee_lowers_defaults_of_guaranteed_debtors() -> None:
    t = {"entities": pd.concat([entities("slow", SLOW), entities("guarantee", [
        ("neo", "neocloud", 0.5, "2026Q3"), ("spv_a", "spv", 0.1, "2027Q1"),
        ("spv_b", "spv", 0.9, "2028Q2")])])}
    f = by_key(evaluate_findings(t, guaranteed=["neo", "spv_a"]))["guarantee_fewer_defaults"]
    assert f.status == AGREES and "0.30" in f.evidence and "0.60" in f.evidence
    f = by_key(evaluate_findings(t, guaranteed=["spv_b"]))["guarantee_fewer_defaults"]
    assert f.status == DISAGREES
    assert by_key(evaluate_findings(t))["guarantee_fewer_defaults"].status == NOT_IN_RUN


def test_hyperion_bondholders_and_meta_exit() -> None:
    t = base_tables()
    t["contracts"] = pd.DataFrame([{"scenario": "refuted", "contract": "hyperion_bonds",
                                    "kind": "bond", "debtor": "spv_a", "creditor": "pimco",
                                    "amount": 27.3, "loss_probability": 0.8,
                                    "expected_loss": 9.0, "loss_p95": 20.0}])
    f = by_key(evaluate_findings(t))
    assert f["refuted_hyperion_bondholders"].status == AGREES
    assert "80.0%" in f["refuted_hyperion_bondholders"].evidence
    t["contracts"]["loss_probability"] = 0.1
    assert by_key(evaluate_findings(t))["refuted_hyperion_bondholders"].status == DISAGREES
    t["lease_exits"] = pd.DataFrame({"scenario": ["refuted"], "contract": ["hyperion_lease"],
                                     "lessee": ["meta"], "exit_probability": [0.485],
                                     "se": [0.035]})
    f = by_key(evaluate_findings(t))["refuted_meta_exit"]
    assert f.status == DISAGREES and "0.48" in f.evidence


def test_findings_sentence_counts() -> None:
    found = evaluate_findings(base_tables())
    s = findings_sentence(found)
    a = sum(f.status == AGREES for f in found)
    assert s.startswith(f"Of the seeds' {len(found)} stress-test claims, {a} agree")


def test_scenario_summary_is_built_from_the_numbers() -> None:
    t = base_tables()
    text = " ".join(scenario_summary(t, "slow", key=["neo", "spv_a"]))
    assert "Under slow (500 paths), 3 of 5 entities default" in text
    assert "the first default is a neocloud on 60% of paths (SPVs 30%)" in text
    assert "10% of paths see no default" in text
    assert "Neo (median 2026Q3, PD 0.80 ± 0.02)" in text
    assert "spv_a 0.40 ± 0.02" in text
    assert "No hyperscalers or banks default" in text
    assert ("Losses average $7.00bn a path in all; private-credit funds bear the most "
            "($5.00bn on average, mostly as lenders, 71% of the total, 95% VaR $10.0bn), "
            "then banks ($2.00bn)") in text
    assert "75% is lent money" in text
    refuted = " ".join(scenario_summary(t, "refuted"))
    assert "×1.40" in refuted and refuted != text
    # different numbers, different words: nothing is boilerplate
    t2 = base_tables()
    t2["holder_kinds"] = pd.concat([kinds("slow", {"bank": 3.0})])
    assert " ".join(scenario_summary(t2, "slow")) != " ".join(scenario_summary(t, "slow"))


def test_executive_summary_and_hurdle() -> None:
    t = base_tables()
    es = executive_summary(t, hurdle={"capex": 3000.0, "required_return": 0.12,
                                      "margin": 0.65, "revenue_required": 553.85,
                                      "share_of_gdp": 0.0191}, ai_revenue=19.4)
    assert list(es["scenarios"]) == ["slow", "refuted"]
    assert es["key_entities"][0] == "neo"
    assert "holders lose most under refuted ($13.0bn on average) and least under slow " \
           "($7.00bn)" in " ".join(es["overview"])
    assert es["hurdle"] == hurdle_sentence({"capex": 3000.0, "required_return": 0.12,
                                            "margin": 0.65, "revenue_required": 553.85,
                                            "share_of_gdp": 0.0191}, 19.4)
    assert "$554bn of revenue a year, 1.9% of US GDP" in es["hurdle"]
    assert "earn $19.4bn today, 3.5% of it" in es["hurdle"]


def test_key_entities_skip_those_that_never_default() -> None:
    assert key_entities(base_tables()) == ["neo", "spv_a", "spv_b"]
