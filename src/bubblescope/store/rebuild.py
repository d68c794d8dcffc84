"""Rebuild a kept run's report from its tables, replacing report.html and figures/ and
updating the manifest's ``files`` — each step atomic, the tables and inputs untouched."""

from __future__ import annotations

from pathlib import Path

from ..io.errors import InputError
from . import manifest as mf
from .folder import replaced_files
from .job import report_files
from .load import MANIFEST, KeptRun


def rebuild_report(run: KeptRun) -> Path:
    """Build ``report.html`` and ``figures/`` of ``run`` again and return the report's path.

    Raises InputError when ``bubblescope.report`` is not available or the folder cannot be
    written.
    """
    try:
        from ..report import build_report  # type: ignore[attr-defined]
    except ImportError as exc:
        if "report" not in str(getattr(exc, "name", "") or exc):
            raise
        raise InputError.single(run.path, "cannot build the report: bubblescope.report is "
                                          "not available") from None
    with replaced_files(run.path, ["report.html", "figures"]) as tmp:
        build_report(run, tmp)
    manifest = dict(run.manifest)
    manifest["files"] = report_files(run.path)
    notes = manifest.get("notes")
    if isinstance(notes, dict):
        notes.pop("report", None)
    from ..io.atomic import write_text_atomic

    write_text_atomic(run.path / MANIFEST, mf.dump(manifest), replace=True)
    run.manifest = manifest
    return run.path / "report.html"


__all__ = ["rebuild_report"]
