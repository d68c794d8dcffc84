"""Bundled networks, scenario presets and the register of seed facts (files only)."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
NETWORKS_DIR = DATA_DIR / "networks"
FACTS_FILE = DATA_DIR / "facts" / "digest.yaml"


def bundled_networks() -> dict[str, Path]:
    """Name → path of every bundled network (a YAML file or a folder of them)."""
    out: dict[str, Path] = {}
    if NETWORKS_DIR.is_dir():
        for p in sorted(NETWORKS_DIR.iterdir()):
            if p.is_dir() or p.suffix in (".yaml", ".yml"):
                out[p.stem if p.is_file() else p.name] = p
    return out


SCENARIOS_DIR = DATA_DIR / "scenarios"


def bundled_scenarios() -> dict[str, Path]:
    """Name → path of every bundled scenario preset (``data/scenarios/NAME.yaml``)."""
    out: dict[str, Path] = {}
    if SCENARIOS_DIR.is_dir():
        for p in sorted(SCENARIOS_DIR.iterdir()):
            if p.is_file() and p.suffix in (".yaml", ".yml"):
                out[p.stem] = p
    return out
