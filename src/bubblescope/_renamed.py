"""Old package names kept for a while: each warns once and stands for its new home, with its
submodules (``bubblescope.runners.chunk`` is ``bubblescope.montecarlo.chunk``)."""

from __future__ import annotations

import importlib
import sys
import warnings
from types import ModuleType


def alias(old: str, new: str, submodules: dict[str, str]) -> ModuleType:
    """Warn that ``old`` is now ``new`` and register ``old.<sub>`` for each submodule
    ``sub → new.<target>``; return the new package."""
    warnings.warn(f"{old} is now {new}", DeprecationWarning, stacklevel=3)
    package = importlib.import_module(new)
    for sub, target in submodules.items():
        sys.modules[f"{old}.{sub}"] = importlib.import_module(f"{new}.{target}")
    return package
