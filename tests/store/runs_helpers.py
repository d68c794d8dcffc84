"""Helpers for the kept-run tests: a fast run and a digest of a folder tree."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from bubblescope.store.job import JobResult, RunSpec, run_job

FAST = dict(scenarios=["slow", "refuted"], paths=30, seed=4, horizon="2027Q4",
            runner="serial", report=False, progress=False, command=["test"])
FAST_ARGS = ("--scenarios", "slow,refuted", "--paths", "30", "--horizon", "2027Q4",
             "--runner", "serial", "--no-report")


def make_run(out: Path, when: dt.datetime | None = None, **kw: object) -> JobResult:
    """A run with the fast settings (overridden by ``kw``) at time ``when``."""
    spec = RunSpec(out=out, **{**FAST, **kw})  # type: ignore[arg-type]
    return run_job(spec, now=when or dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC))


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file below ``root`` (relative paths), to prove nothing changed."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}
