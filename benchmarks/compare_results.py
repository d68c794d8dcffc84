"""Compare what two versions of bubblescope report: every preset scenario on ai-2025.

Usage (from the repository root)::

    .venv/bin/python benchmarks/compare_results.py --base REV [--paths 2000] [--seed 0]
        [--scenarios a,b] [--tolerance 1e-9]
    .venv/bin/python benchmarks/compare_results.py --dirs A_DIR B_DIR   # earlier dumps

Runs ``dump_results.py`` in this tree and in ``REV`` (a temporary git worktree), then
compares, per scenario, every per-path array of the Monte Carlo result and every reported
table (default probabilities, PD curves, losses by holder and kind, first to fail, time
bought, lease exits, factor, bond and GPU price bands). A difference counts relative to
``max(1, |value|)`` (so absolutely for probabilities and prices, relatively for sums over
paths in the hundreds of USD bn); default quarters and other integer arrays must be
equal. Prints what differs beyond the tolerance and the largest difference overall; exits
1 if anything does.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DUMP = Path(__file__).resolve().parent / "dump_results.py"


def dump(src: Path, out: Path, a: argparse.Namespace) -> None:
    env = dict(os.environ, PYTHONPATH=str(src))
    cmd = [sys.executable, str(DUMP), str(out), "--paths", str(a.paths), "--seed", str(a.seed)]
    if a.scenarios:
        cmd += ["--scenarios", a.scenarios]
    subprocess.run(cmd, env=env, check=True, cwd=src.parent)


def largest_difference(x: np.ndarray, y: np.ndarray) -> float:
    """Largest difference relative to ``max(1, |y|)`` — absolute for values up to 1 (NaN
    where both are NaN counts as equal; a NaN on one side only counts as infinite)."""
    if x.shape != y.shape:
        return float("inf")
    x, y = x.astype(float), y.astype(float)
    both = np.isnan(x) & np.isnan(y)
    one = np.isnan(x) ^ np.isnan(y)
    if one.any():
        return float("inf")
    d = np.where(both, 0.0, np.abs(x - y) / np.maximum(1.0, np.abs(np.where(both, 0, y))))
    return float(d.max()) if d.size else 0.0


def compare_dirs(a_dir: Path, b_dir: Path, tol: float) -> bool:
    ok = True
    worst = 0.0
    for npz in sorted(a_dir.glob("*.npz")):
        name = npz.stem
        other = b_dir / npz.name
        if not other.exists():
            print(f"{name}: missing in {b_dir}")
            ok = False
            continue
        xa, xb = np.load(npz), np.load(other)
        for key in sorted(set(xa.files) | set(xb.files)):
            if key not in xa.files or key not in xb.files:
                print(f"  {name}.{key}: only in one run")
                ok = False
                continue
            d = largest_difference(xa[key], xb[key])
            exact = np.issubdtype(xa[key].dtype, np.integer)
            bad = d > 0 if exact else d > tol
            worst = max(worst, d) if not exact else worst
            if bad:
                ok = False
                print(f"  {name}.{key}: largest difference {d:.3g}"
                      + (f", {int((xa[key] != xb[key]).sum())} values differ" if exact else ""))
        for table in sorted(a_dir.glob(f"{name}.*.parquet")):
            ta = pd.read_parquet(table)
            tb = pd.read_parquet(b_dir / table.name)
            num = [c for c in ta.columns if pd.api.types.is_numeric_dtype(ta[c])]
            other_cols = [c for c in ta.columns if c not in num]
            if not ta[other_cols].equals(tb[other_cols]):
                print(f"  {table.stem}: labels differ")
                ok = False
            for col in num:
                d = largest_difference(ta[col].to_numpy(), tb[col].to_numpy())
                worst = max(worst, d)
                if d > tol:
                    ok = False
                    print(f"  {table.stem}.{col}: largest difference {d:.3g}")
        print(f"{name}: compared", flush=True)
    print(f"largest difference of any value: {worst:.3g} (tolerance {tol:g}); "
          + ("all within tolerance" if ok else "DIFFERENCES"))
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base")
    ap.add_argument("--dirs", nargs=2, type=Path)
    ap.add_argument("--paths", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--scenarios", default="")
    ap.add_argument("--tolerance", type=float, default=1e-9)
    a = ap.parse_args()
    if a.dirs:
        sys.exit(0 if compare_dirs(*a.dirs, a.tolerance) else 1)
    if not a.base:
        ap.error("--base or --dirs is required")
    with tempfile.TemporaryDirectory(prefix="bubblescope-results-") as tmp:
        base = Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base),
                        a.base], check=True, capture_output=True)
        try:
            dump(ROOT / "src", Path(tmp) / "a", a)
            dump(base / "src", Path(tmp) / "b", a)
            ok = compare_dirs(Path(tmp) / "a", Path(tmp) / "b", a.tolerance)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(base)], check=False, capture_output=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
