"""Fire-sale stress test of 48 EU banks (EBA 2018), after Farmer et al. (2020).

Builds the balance sheets from the reference CSV and runs three experiments, each as one
batched call of :func:`bubblescope.contagion.leverage_fire_sale`:

1. price impact 0-10 % with a 20 % shock to government bonds (threshold model);
2. shock to government bonds 0-30 % with a 1 % price impact (threshold model);
3. the same shocks with leverage targeting.

Writes PNG plots to ``--out`` and prints a table of the numbers.

    python examples/firesale_eba/run.py [--data PATH] [--out DIR]
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bubblescope.contagion import BalanceSheets, eba_balance_sheets, leverage_fire_sale

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parents[1] / ".." / "shared" / "reference-data" / "firesale_EBA_2018.csv"
DEFAULT_OUT = HERE / "out"


@dataclass(frozen=True)
class EbaTable:
    """Columns of the EBA 2018 CSV (EUR m; leverage in percent)."""

    bank_id: list[str]
    cet1: np.ndarray
    leverage_percent: np.ndarray
    debt_securities: np.ndarray
    government_bonds: np.ndarray


def load_eba_csv(path: str | Path) -> EbaTable:
    """Read the reference CSV: comma-separated header, space-separated rows.

    The government bond field is written ``a+b``; the two holdings are added.
    """
    lines = [ln.strip() for ln in Path(path).read_text().splitlines() if ln.strip()]
    header = [h.strip() for h in lines[0].split(",")]
    expected = ["bank_id", "CET1E", "leverage", "debt_sec", "govbonds"]
    if header != expected:
        raise ValueError(f"unexpected header {header}, expected {expected}")
    ids, cols = [], [[], [], [], []]
    for ln in lines[1:]:
        fields = ln.split()
        if len(fields) != 5:
            raise ValueError(f"row {ln!r} does not have 5 space-separated fields")
        ids.append(fields[0])
        cols[0].append(float(fields[1]))
        cols[1].append(float(fields[2]))
        cols[2].append(float(fields[3]))
        cols[3].append(sum(float(part) for part in fields[4].split("+")))
    return EbaTable(ids, *(np.array(c) for c in cols))


def build_sheets(table: EbaTable) -> BalanceSheets:
    """Balance sheets per the reference model (asset 0 government, 1 corporate bonds)."""
    return eba_balance_sheets(
        table.cet1, table.leverage_percent, table.debt_securities, table.government_bonds
    )


def experiments(sheets: BalanceSheets) -> dict[str, dict[str, np.ndarray]]:
    """The three classic experiments, one batched call each."""
    impacts = np.linspace(0.0, 0.10, 21)
    shocks = np.linspace(0.0, 0.30, 31)
    gov_only = np.array([[1.0, 0.0]])
    out: dict[str, dict[str, np.ndarray]] = {}
    r = leverage_fire_sale(sheets, 0.20 * gov_only, price_impact=impacts[:, None])
    out["impact"] = {
        "x": impacts,
        "extent": r.systemic_extent,
        "defaults": r.total_defaults,
        "sold": r.fraction_sold,
    }
    for name, variant in (("shock", "threshold"), ("shock_targeting", "leverage_targeting")):
        r = leverage_fire_sale(
            sheets, shocks[:, None] * gov_only, price_impact=0.01, variant=variant
        )
        out[name] = {
            "x": shocks,
            "extent": r.systemic_extent,
            "defaults": r.total_defaults,
            "sold": r.fraction_sold,
        }
    return out


def plot(results: dict[str, dict[str, np.ndarray]], out_dir: Path) -> list[Path]:
    """Write one PNG per experiment; return the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    titles = {
        "impact": ("Price impact (fall per 5 % of market sold)", "20 % shock to government bonds"),
        "shock": ("Initial shock to government bonds", "threshold model, price impact 1 %"),
        "shock_targeting": (
            "Initial shock to government bonds",
            "leverage targeting, price impact 1 %",
        ),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for key, res in results.items():
        xlabel, title = titles[key]
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(100 * res["x"], res["extent"], "o-", label="systemic extent (defaults / banks)")
        ax.plot(100 * res["x"], res["sold"], "s--", label="fraction of tradable assets sold")
        ax.set_xlabel(xlabel + " (%)")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(title)
        ax.legend(loc="lower right")
        fig.tight_layout()
        path = out_dir / f"firesale_{key}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        paths.append(path)
    return paths


def table(results: dict[str, dict[str, np.ndarray]]) -> str:
    """A plain-text table of every experiment (every other point)."""
    rows = []
    for key, res in results.items():
        rows.append(f"\n{key}\n{'x (%)':>8} {'defaults':>9} {'extent':>8} {'sold':>8}")
        for i in range(0, res["x"].size, 2):
            rows.append(
                f"{100 * res['x'][i]:8.1f} {int(res['defaults'][i]):9d} "
                f"{res['extent'][i]:8.3f} {res['sold'][i]:8.4f}"
            )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="EBA 2018 CSV")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for PNGs")
    args = parser.parse_args(argv)
    sheets = build_sheets(load_eba_csv(args.data))
    results = experiments(sheets)
    print(f"{sheets.cash.size} banks, total assets EUR {sheets.total_assets.sum() / 1e6:.2f} tn")
    print(table(results))
    for path in plot(results, args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
