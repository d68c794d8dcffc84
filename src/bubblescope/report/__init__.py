"""The run report: one self-contained HTML file (plotly.js inlined, no external URL) and
static PNGs, generated from a kept run. See ``docs/report.md``.

>>> from bubblescope.report import build_report     # doctest: +SKIP
>>> build_report(bubblescope.load_results("runs/2026..."), "runs/2026...")  # doctest: +SKIP
"""

from .build import build_report, render_html
from .summary_text import Finding, evaluate_findings, executive_summary

__all__ = ["Finding", "build_report", "evaluate_findings", "executive_summary", "render_html"]
