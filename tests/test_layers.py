"""The package layers of docs/design.md: arrows point one way (no upward import)."""

from __future__ import annotations

import ast
from pathlib import Path

import bubblescope

ROOT = Path(bubblescope.__file__).parent

#: package → the other packages it may import (at module level or lazily)
ALLOWED: dict[str, set[str]] = {
    "model": set(), "data": set(), "contagion": set(), "results": set(),
    "io": {"model", "data"},
    "analytics": {"model", "contagion"},
    "engine": {"model", "contagion"},
    "scenarios": {"model", "io", "data", "engine"},
    "runners": {"model", "io", "engine", "scenarios", "results"},
    "thermometer_run": {"analytics", "engine", "model", "runners", "scenarios"},
    "report": {"model", "io", "analytics"},
    "runs": {"model", "io", "data", "analytics", "engine", "scenarios", "results", "runners",
             "thermometer_run", "report"},
    "testing": {"model", "engine"},
    "__init__": {"io", "model", "runners", "runs"},
    "__main__": {"_cli"},
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
    source = "import bubblescope\nimport bubblescope.runners.montecarlo\nfrom ..io import load\n"
    assert imports_in(source, ("report", "build.py")) == {"__init__", "runners", "io"}


def test_nothing_imports_the_cli() -> None:
    for path in ROOT.rglob("*.py"):
        if path.relative_to(ROOT).parts[0] != "_cli":
            assert "_cli" not in imports_of(path) or path.name == "__main__.py", path
