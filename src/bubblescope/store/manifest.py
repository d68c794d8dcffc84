"""The manifest of a kept run: versions, hashes and the run's parameters.

>>> sha256_bytes(b"")[:12]
'e3b0c44298fc'
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
from pathlib import Path
from typing import Any

#: Distributions always listed in ``versions`` besides bubblescope's own requirements.
ALWAYS = ("bubblescope", "numpy", "scipy", "pandas", "pyarrow", "duckdb")


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes (read in 1 MB blocks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def hash_tree(root: Path, under: str) -> dict[str, str]:
    """``{relative path: sha256}`` of every file below ``root / under`` (sorted; paths
    relative to ``root`` with forward slashes)."""
    base = root / under
    if not base.exists():
        return {}
    return {p.relative_to(root).as_posix(): sha256_file(p)
            for p in sorted(base.rglob("*")) if p.is_file()}


def runtime_versions() -> dict[str, str]:
    """Python and every runtime dependency of bubblescope with its installed version."""
    from importlib import metadata

    names = list(ALWAYS)
    try:
        reqs = metadata.requires("bubblescope") or []
    except metadata.PackageNotFoundError:
        reqs = []
    for req in reqs:
        if "extra ==" in req:
            continue
        name = re.split(r"[\s\[<>=!~;]", req, maxsplit=1)[0]
        if name and name not in names:
            names.append(name)
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name.lower()] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name.lower()] = "not installed"
    return out


def dump(manifest: dict[str, Any]) -> str:
    """The manifest as JSON text (indented, keys in insertion order, newline at the end)."""
    return json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n"


__all__ = ["ALWAYS", "dump", "hash_tree", "runtime_versions", "sha256_bytes", "sha256_file"]
