"""`bubblescope analyze` and `bubblescope hurdle` on the bundled network and bad input."""

from __future__ import annotations

import json

import pytest

SEED_LOOPS = [
    ["nvidia", "coreweave"],
    ["nvidia", "openai", "oracle"],
    ["nvidia", "openai", "coreweave"],
    ["openai", "openai_startups"],
]


@pytest.fixture(scope="module")
def analysis() -> dict:
    """One in-process run shared by the JSON tests (the `cli` fixture is per test)."""
    from typer.testing import CliRunner

    from bubblescope._cli.app import app

    result = CliRunner().invoke(app, ["analyze", "ai-2025", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_has_the_documented_keys(analysis):
    for key in ("cycles", "vendor_financed_share", "concentration", "hubs", "lookthrough",
                "off_balance_sheet"):
        assert key in analysis
    cycle = analysis["cycles"][0]
    assert set(cycle) == {"entities", "flow_types", "amount"}
    assert set(cycle["amount"]) == {"ceiling", "committed", "funded"}
    assert len(cycle["flow_types"]) == len(cycle["entities"])


def test_seed_loops_with_dollars_on_each_basis(analysis):
    cycles = {tuple(c["entities"]): c for c in analysis["cycles"]}
    for loop in SEED_LOOPS:
        assert tuple(loop) in cycles, loop
        amount = cycles[tuple(loop)]["amount"]
        assert amount["ceiling"] > 0
        assert amount["ceiling"] >= amount["committed"] >= amount["funded"] >= 0
    # the vendor-financing loop: Nvidia's money into CoreWeave, chip money back
    nv_cw = cycles[("nvidia", "coreweave")]
    assert "chip_purchase" in nv_cw["flow_types"][1]
    assert nv_cw["amount"]["committed"] > 0


def test_coreweave_top_customer_is_microsoft_at_70_percent(analysis):
    cw = analysis["concentration"]["coreweave"]
    assert cw["top_counterparty"] == "microsoft"
    assert cw["top_share"] == pytest.approx(0.70, abs=0.005)
    assert 0 < cw["hhi"] <= 1


def test_lookthrough_rows_conserve(analysis):
    lt = analysis["lookthrough"]
    for holder, row in lt["matrix"].items():
        assert sum(row.values()) == pytest.approx(lt["direct"][holder], rel=1e-9)
    assert "meta" in analysis["off_balance_sheet"]


def test_analyze_tables(cli):
    result = cli("analyze")
    assert result.code == 0, result.err
    for loop in SEED_LOOPS:
        path = " → ".join([*loop, loop[0]])
        assert path in result.out, path
    for title in ("Circular money", "Vendor-financed", "Revenue concentration", "Hubs",
                  "Look-through", "Risk chain", "Off-balance-sheet"):
        assert title in result.out
    line = next(x for x in result.out.splitlines() if x.startswith("│ coreweave ")
                and "microsoft" in x)
    assert "70.0%" in line


def test_analyze_other_basis(cli):
    result = cli("analyze", "--basis", "funded", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["basis"] == "funded"


def test_hurdle_json(cli):
    result = cli("hurdle", "--json")
    assert result.code == 0, result.err
    values = json.loads(result.out)
    assert values["ebitda_required"] == pytest.approx(360.0)
    assert values["revenue_required"] == pytest.approx(553.846, abs=1e-3)
    assert values["share_of_gdp"] == pytest.approx(0.0191, abs=5e-5)
    assert values["equity_return"] == pytest.approx(0.225)
    result = cli("hurdle", "--debt-share", "0.3", "--equity-return", "0.225", "--json")
    values = json.loads(result.out)
    assert values["equity_return"] == pytest.approx(0.13929, abs=1e-5)
    assert values["required_return_for_target"] == pytest.approx(0.3 * 0.075 + 0.7 * 0.225)


def test_hurdle_table(cli):
    result = cli("hurdle", "--capex", "1000", "--return", "0.1", "--margin", "0.5")
    assert result.code == 0, result.err
    assert "200.00" in result.out  # 1000 × 10% / 50%


@pytest.mark.parametrize(("args", "message"), [
    (("analyze", "no-such-network"), "no-such-network"),
    (("analyze", "--basis", "drawn"), "unknown basis 'drawn'"),
    (("analyze", "--length-bound", "1"), "--length-bound"),
    (("hurdle", "--capex", "-5"), "--capex"),
    (("hurdle", "--margin", "0"), "--margin"),
    (("hurdle", "--life", "0"), "--life"),
    (("hurdle", "--debt-share", "1"), "--debt-share"),
])
def test_bad_input_exits_2_with_one_line(cli, args, message):
    result = cli(*args)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_reconstructed_rows_are_flagged_in_the_cli(cli, tmp_path):
    from analytics_nets import ent, net

    from bubblescope.io import save_network

    opaque = net([ent("pension", "pension_fund"), ent("fund", "private_credit_fund"),
                  ent("neo", "neocloud", debt=3.0), ent("lab", "ai_lab", debt=1.0)],
                 [{"id": "lp", "kind": "fund_commitment", "investor": "pension",
                   "fund": "fund", "amount": 8, "status": "funded"}])
    path = save_network(opaque, tmp_path / "opaque.yaml")
    result = cli("analyze", str(path), "--json", "--samples", "0")
    assert result.code == 0, result.err
    lt = json.loads(result.out)["lookthrough"]
    assert lt["reconstructed"] is True
    assert lt["matrix"]["pension"] == pytest.approx({"neo": 6.0, "lab": 2.0})
    assert all(r["reconstructed"] for r in lt["risk_chain"])
    table = cli("analyze", str(path), "--samples", "0")
    assert table.code == 0, table.err
    assert "reconstructed by maximum entropy" in table.out
