"""Open a kept run folder: its manifest, its Parquet tables, the network and scenarios it ran.

>>> from bubblescope.store.load import KeptRun
>>> KeptRun.__name__
'KeptRun'
"""

from __future__ import annotations

import json
import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from ..model.network import Network
    from ..model.scenario import Scenario

#: The manifest's file name inside a run folder.
MANIFEST = "manifest.json"


class RunError(ValueError):
    """A run folder that cannot be found or read (the CLI prints it as one line)."""


class KeptRun:
    """A kept run, read lazily from its folder.

    Attributes
    ----------
    path : the run folder.
    id : the run's id (its folder name).
    manifest : the parsed ``manifest.json``.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        file = self.path / MANIFEST
        if not file.is_file():
            raise RunError(f"{self.path}: not a run folder (no {MANIFEST})")
        try:
            self.manifest: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RunError(f"{file}: cannot be read ({exc})") from None
        self.id: str = str(self.manifest.get("id", self.path.name))
        self._tables: dict[str, pd.DataFrame] = {}

    def __repr__(self) -> str:
        return f"KeptRun({str(self.path)!r})"

    @property
    def table_names(self) -> list[str]:
        """Names of the run's tables (as listed in the manifest)."""
        return list(self.manifest.get("tables", {}))

    @property
    def scenarios(self) -> list[str]:
        """Scenario names in run order."""
        return list(self.manifest.get("scenarios", []))

    def table(self, name: str) -> pd.DataFrame:
        """Table ``name`` as a DataFrame (read on first use, then cached; a copy each call).

        Raises KeyError naming the tables there are when ``name`` is not one of them.
        """
        if name not in self._tables:
            info = self.manifest.get("tables", {}).get(name)
            if info is None:
                raise KeyError(f"{name!r}: no such table in run {self.id}; it has "
                               + ", ".join(self.table_names))
            import pandas as pd

            self._tables[name] = pd.read_parquet(self.path / info["file"])
        return self._tables[name].copy()

    def network(self) -> Network:
        """The network as run (from ``inputs/network``)."""
        from ..io.load import load_network

        return load_network(self.path / "inputs" / "network")

    def scenario(self, name: str) -> Scenario:
        """Scenario ``name`` as run (from ``inputs/scenarios/<name>.yaml``)."""
        from ..io.scenario_load import load_scenario

        file = self.path / "inputs" / "scenarios" / f"{name}.yaml"
        if not file.is_file():
            raise KeyError(f"{name!r}: no such scenario in run {self.id}; it has "
                           + ", ".join(self.scenarios))
        return load_scenario(file)

    @cached_property
    def created(self) -> str:
        """ISO-8601 UTC time the run was created."""
        return str(self.manifest.get("created", ""))


def load_results(path: str | os.PathLike[str]) -> KeptRun:
    """Open the run folder at ``path``.

    Parameters
    ----------
    path : a run folder (``runs/20260101-120000-ai-2025``).

    Returns
    -------
    KeptRun
        the manifest, the tables (lazily, as pandas DataFrames), the network and scenarios.

    Raises
    ------
    RunError
        if ``path`` holds no readable ``manifest.json``.
    """
    return KeptRun(path)


def run_folders(out: str | os.PathLike[str]) -> list[Path]:
    """Every complete run folder in ``out`` (a ``manifest.json`` inside; hidden staging
    folders of unfinished runs are skipped), oldest first by id."""
    base = Path(out)
    if not base.is_dir():
        return []
    return sorted((p for p in base.iterdir()
                   if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).is_file()),
                  key=lambda p: p.name)


def resolve_run(ref: str | os.PathLike[str], out: str | os.PathLike[str] = "runs"
                ) -> KeptRun:
    """A run by folder path, by id under ``out``, or ``latest`` (the newest under ``out``).

    Raises RunError naming the runs there are when nothing matches.
    """
    path = Path(ref)
    if path.is_dir() and (path / MANIFEST).is_file():
        return KeptRun(path)
    folders = run_folders(out)
    if str(ref) == "latest" and folders:
        return KeptRun(folders[-1])
    if (Path(out) / str(ref)).is_dir():
        return KeptRun(Path(out) / str(ref))
    matches = [p for p in folders if p.name.startswith(str(ref))]
    if len(matches) == 1:
        return KeptRun(matches[0])
    known = ", ".join(p.name for p in folders[-5:]) or "none"
    raise RunError(f"{ref}: no such run folder or run id under {out} (latest runs: {known})")


def list_runs(out: str | os.PathLike[str] = "runs") -> pd.DataFrame:
    """One row per kept run under ``out``: id, created, network, scenarios, paths, seed,
    seconds (total wall time), oldest first."""
    import pandas as pd

    rows = []
    for p in run_folders(out):
        try:
            m = KeptRun(p).manifest
        except RunError:
            continue
        rows.append({"id": m.get("id", p.name), "created": m.get("created"),
                     "network": (m.get("network") or {}).get("name"),
                     "scenarios": ", ".join(m.get("scenarios", [])),
                     "paths": m.get("paths"), "seed": m.get("seed"),
                     "seconds": (m.get("timings") or {}).get("total")})
    return pd.DataFrame(rows, columns=["id", "created", "network", "scenarios", "paths",
                                       "seed", "seconds"])


__all__ = ["MANIFEST", "RunError", "KeptRun", "list_runs", "load_results", "resolve_run",
           "run_folders"]
