"""The package layers of docs/design.md: arrows point one way (no upward import)."""

from __future__ import annotations

import ast
from pathlib import Path

import bubblescope

ROOT = Path(bubblescope.__file__).parent

#: package → the other packages it may import (at module level or lazily)
ALLOWED: dict[str, set[str]] = {
    "model": set(), "data": set(), "contagion": set(),
    "io": {"model", "data"},
    "analytics": {"model", "contagion"},
    "engine": {"model", "contagion"},
    "scenarios": {"model", "io", "data", "engine"},
    "montecarlo": {"model", "io", "engine", "scenarios"},
    "thermometer_run": {"analytics", "engine", "model", "montecarlo", "scenarios"},
    "report": {"model", "io", "analytics"},
    "store": {"model", "io", "data", "analytics", "engine", "scenarios", "montecarlo",
              "thermometer_run", "report"},
    "testing": {"model", "engine"},
    "__init__": {"io", "model", "montecarlo", "store"},
    "__main__": {"_cli"},
    # the old names of montecarlo and store, kept for a while: they import nothing directly
    "runners": set(), "results": set(), "runs": set(),
}


def imports_of(path: Path) -> set[str]:
    """Top-level bubblescope packages the module at ``path`` imports."""
    return imports_in(path.read_text(encoding="utf-8"), path.relative_to(ROOT).parts)


def imports_in(source: str, rel: tuple[str, ...]) -> set[str]:
    """Top-level bubblescope packages that ``source``, the module at ``rel`` inside the
    package, imports (relative imports resolved; ``import bubblescope`` counts as
    importing the top-level ``__init__``)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "bubblescope":
                    out.add("__init__")
                elif alias.name.startswith("bubblescope."):
                    out.add(alias.name.split(".")[1])
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and (node.module or "").startswith("bubblescope."):
                out.add(node.module.split(".")[1])
            elif node.level > 0:
                base = list(rel[:-1])[: max(len(rel) - node.level, 0)]
                parts = base + (node.module.split(".") if node.module else [])
                if parts:
                    out.add(parts[0].removesuffix(".py"))
                elif node.names:
                    out.update(a.name for a in node.names)
    return out


def test_no_package_imports_against_the_layers() -> None:
    bad = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).parts
        pkg = rel[0].removesuffix(".py")
        if pkg == "_cli":
            continue
        for target in imports_of(path) - {pkg}:
            if target in ALLOWED and target not in ALLOWED.get(pkg, set()):
                bad.append(f"{'/'.join(rel)} imports {target}")
    assert not bad, "\n".join(sorted(bad))


def test_plain_imports_are_read() -> None:
    """``import bubblescope`` and ``import bubblescope.x.y`` count, not only ``from``."""
    source = "import bubblescope\nimport bubblescope.montecarlo.run\nfrom ..io import load\n"
    assert imports_in(source, ("report", "build.py")) == {"__init__", "montecarlo", "io"}


def test_nothing_imports_the_cli() -> None:
    for path in ROOT.rglob("*.py"):
        if path.relative_to(ROOT).parts[0] != "_cli":
            assert "_cli" not in imports_of(path) or path.name == "__main__.py", path


def test_old_package_names_warn_and_stand_for_the_new_ones() -> None:
    import importlib
    import sys
    import warnings

    import bubblescope.montecarlo
    import bubblescope.store

    for old in ("bubblescope.runners", "bubblescope.results", "bubblescope.runs"):
        sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        runners = importlib.import_module("bubblescope.runners")
        runs = importlib.import_module("bubblescope.runs")
        results = importlib.import_module("bubblescope.results")
        from bubblescope.runners.chunk import run_chunk  # a submodule by its old path
    assert {str(w.message) for w in seen} >= {
        "bubblescope.runners is now bubblescope.montecarlo",
        "bubblescope.runs is now bubblescope.store",
        "bubblescope.results is now bubblescope.montecarlo"}
    assert runners.simulate is bubblescope.montecarlo.simulate
    assert results.MonteCarloResults is bubblescope.montecarlo.MonteCarloResults
    assert runs.RunResults is bubblescope.store.KeptRun
    assert run_chunk is bubblescope.montecarlo.run_chunk
    import bubblescope.engine as engine

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert engine.simulate is engine.simulate_paths
        assert engine.Results is engine.EngineResults
    assert len(seen) == 2 and all(w.category is DeprecationWarning for w in seen)
