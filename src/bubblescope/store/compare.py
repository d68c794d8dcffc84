"""``compare_runs``: what changed between two kept runs, in inputs and in outcomes.

Outcome differences are judged against their Monte Carlo noise: a difference is flagged
when it exceeds two combined standard errors, ``2 sqrt(se_a² + se_b²)`` (for a default
probability ``se = sqrt(p(1-p)/n)``; for a mean loss the standard deviation over paths
divided by ``sqrt(n)``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .load import KeptRun
from .summary import key_entities

#: Manifest keys compared as settings.
SETTINGS = ("paths", "seed", "runner", "horizon", "scenarios")


def diff_hashes(a: dict[str, str], b: dict[str, str]) -> dict[str, list[str]]:
    """Files ``added`` (only in b), ``removed`` (only in a) and ``changed`` (both, hashes
    differ), each sorted.

    >>> diff_hashes({"x": "1", "y": "2"}, {"y": "3", "z": "4"})
    {'added': ['z'], 'removed': ['x'], 'changed': ['y']}
    """
    return {"added": sorted(set(b) - set(a)), "removed": sorted(set(a) - set(b)),
            "changed": sorted(k for k in set(a) & set(b) if a[k] != b[k])}


def _differs(a: Any, b: Any) -> bool:
    return a != b


def _significant(diff: float, se: float) -> bool:
    if math.isnan(diff):
        return False
    return abs(diff) > 2.0 * se if se > 0 else abs(diff) > 1e-12


def compare_runs(a: KeptRun, b: KeptRun,
                 entities: list[str] | None = None) -> dict[str, Any]:
    """Compare run ``a`` (before) with run ``b`` (after).

    Parameters
    ----------
    a, b : two kept runs.
    entities : entities whose default probabilities are compared (default: the key
        entities of :func:`bubblescope.store.summary.key_entities`).

    Returns
    -------
    dict
        ``runs`` (the two ids), ``inputs`` (added / removed / changed files by hash),
        ``settings`` and ``versions`` (only what differs: ``[a, b]``), ``network`` (the
        network names when they differ), and ``outcomes``: ``default_probability`` and
        ``holder_kind_loss`` (lists of rows with ``a``, ``b``, ``diff`` = b − a, ``se``
        (combined) and ``significant``), for the scenarios both runs ran.
    """
    ma, mb = a.manifest, b.manifest
    out: dict[str, Any] = {"runs": [a.id, b.id],
                           "inputs": diff_hashes(ma.get("inputs", {}), mb.get("inputs", {}))}
    out["settings"] = {k: [ma.get(k), mb.get(k)] for k in SETTINGS
                       if _differs(ma.get(k), mb.get(k))}
    na, nb = (ma.get("network") or {}).get("name"), (mb.get("network") or {}).get("name")
    out["network"] = [na, nb] if na != nb else None
    va, vb = ma.get("versions", {}), mb.get("versions", {})
    out["versions"] = {k: [va.get(k), vb.get(k)] for k in sorted(set(va) | set(vb))
                       if va.get(k) != vb.get(k)}
    common = [s for s in a.scenarios if s in b.scenarios]
    out["scenarios"] = common
    out["outcomes"] = {"default_probability": _pd_rows(a, b, common, entities),
                       "holder_kind_loss": _loss_rows(a, b, common)}
    return out


def _pd_rows(a: KeptRun, b: KeptRun, scenarios: list[str],
             entities: list[str] | None) -> list[dict[str, Any]]:
    ea, eb = a.table("entities"), b.table("entities")
    keys = entities or list(dict.fromkeys(key_entities(ea) + key_entities(eb)))
    ia = ea.set_index(["scenario", "entity"])
    ib = eb.set_index(["scenario", "entity"])
    rows = []
    for s in scenarios:
        for e in keys:
            if (s, e) not in ia.index or (s, e) not in ib.index:
                continue
            pa, pb = float(ia.at[(s, e), "default_probability"]), float(
                ib.at[(s, e), "default_probability"])
            se = math.hypot(float(ia.at[(s, e), "default_probability_se"]),
                            float(ib.at[(s, e), "default_probability_se"]))
            rows.append({"scenario": s, "entity": e, "a": pa, "b": pb, "diff": pb - pa,
                         "se": se, "significant": _significant(pb - pa, se)})
    return rows


def _mean_se(paths: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and kind: mean loss and its standard error over paths."""
    g = paths.groupby(["scenario", "kind"])["loss"]
    n = g.count()
    sd = g.std(ddof=1).fillna(0.0)
    return pd.DataFrame({"mean": g.mean(), "se": sd / np.sqrt(n)})


def _loss_rows(a: KeptRun, b: KeptRun, scenarios: list[str]) -> list[dict[str, Any]]:
    ha, hb = a.table("holder_kinds"), b.table("holder_kinds")
    sa = _mean_se(a.table("holder_kind_paths")) if "holder_kind_paths" in a.table_names \
        else None
    sb = _mean_se(b.table("holder_kind_paths")) if "holder_kind_paths" in b.table_names \
        else None
    ia, ib = ha.set_index(["scenario", "kind"]), hb.set_index(["scenario", "kind"])
    rows = []
    for s in scenarios:
        kinds = [k for k in ha.loc[ha["scenario"] == s, "kind"] if (s, k) in ib.index]
        for k in kinds:
            la, lb = float(ia.at[(s, k), "loss_mean"]), float(ib.at[(s, k), "loss_mean"])
            se_a = float(sa.at[(s, k), "se"]) if sa is not None and (s, k) in sa.index else 0.0
            se_b = float(sb.at[(s, k), "se"]) if sb is not None and (s, k) in sb.index else 0.0
            se = math.hypot(se_a, se_b)
            rows.append({"scenario": s, "kind": k, "a": la, "b": lb, "diff": lb - la,
                         "se": se, "significant": _significant(lb - la, se)})
    return rows


__all__ = ["SETTINGS", "compare_runs", "diff_hashes"]
