"""Parameter sweeps: the same Monte Carlo run over a grid of scenario parameters.

A parameter is named by its dotted path into the scenario's plain data as the scenario
model writes it out (``Scenario.model_dump``): ``factors.ai_demand.base.growth``,
``factors.credit_spread.HY.base.value``, ``policies.strategic_default``; a number in the
path indexes a list (``factors.ai_demand.base.points.1.1``). Each variant is the scenario's
data with the values set, validated again as a new scenario. Every variant uses the same
seed, so differences between variants are not blurred by different random draws wherever
the parameter does not change how many random numbers a path draws.

>>> parse_grid(["factors.base_rate.base.value=0.03,0.05"])
{'factors.base_rate.base.value': [0.03, 0.05]}
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import os
from typing import Any

import pandas as pd
from pydantic import ValidationError

from ..engine.compile import EngineParams, compile_network
from ..model.network import Network
from ..model.scenario import Scenario
from .executors import Runner
from .run import (
    _open_runner,
    check_run_args,
    resolve_network,
    resolve_scenario,
    run_montecarlo,
)

#: Entity kinds whose default probabilities a sweep reports by default.
KEY_KINDS = ("hyperscaler", "ai_lab", "cloud_provider", "neocloud", "spv")


def _value(text: str) -> Any:
    t = text.strip()
    low = t.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("null", "none"):
        return None
    for conv in (int, float):
        try:
            return conv(t)
        except ValueError:
            pass
    return t


def parse_grid(specs: list[str]) -> dict[str, list[Any]]:
    """``["PATH=v1,v2", ...]`` → ``{PATH: [v1, v2]}`` (numbers, booleans, else text).

    Raises ValueError for a spec without ``=``, an empty value list, a repeated path, or
    more than two parameters.
    """
    grid: dict[str, list[Any]] = {}
    for spec in specs:
        path, sep, values = spec.partition("=")
        path = path.strip()
        if not sep or not path:
            raise ValueError(f"--param: expected PATH=v1,v2,..., got {spec!r}")
        vals = [_value(v) for v in values.split(",") if v.strip()]
        if not vals:
            raise ValueError(f"--param: no values given for {path}")
        if path in grid:
            raise ValueError(f"--param: {path} given twice")
        grid[path] = vals
    if not 1 <= len(grid) <= 2:
        raise ValueError(f"--param: a sweep takes one or two parameters, got {len(grid)}")
    return grid


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    return obj


def scenario_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain, editable data (``extends`` already resolved)."""
    data = _plain(scenario.model_dump(exclude_unset=True))
    data.pop("extends", None)
    return data


def set_path(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``data`` with the value at dotted ``path`` replaced.

    Every step but the last must exist; the last may be a new key of a mapping.

    >>> set_path({"a": {"b": [1, 2]}}, "a.b.1", 5)
    {'a': {'b': [1, 5]}}
    """
    out = copy.deepcopy(data)
    node: Any = out
    parts = path.split(".")
    for i, key in enumerate(parts):
        last = i == len(parts) - 1
        where = ".".join(parts[:i]) or "the scenario"
        if isinstance(node, list):
            if not key.lstrip("-").isdigit() or not -len(node) <= int(key) < len(node):
                raise ValueError(f"{path}: {where} is a list of {len(node)}; "
                                 f"{key!r} is not an index in it")
            if last:
                node[int(key)] = value
            else:
                node = node[int(key)]
        elif isinstance(node, dict):
            if last:
                node[key] = value
            elif key not in node:
                raise ValueError(f"{path}: {where} has no {key!r}; it has "
                                 + (", ".join(map(str, node)) or "nothing"))
            else:
                node = node[key]
        else:
            raise ValueError(f"{path}: {where} is a value ({node!r}), not a mapping or list")
    return out


def variants(scenario: Scenario, grid: dict[str, list[Any]]
             ) -> list[tuple[dict[str, Any], Scenario]]:
    """Every combination of the grid's values applied to ``scenario``, validated.

    Raises ValueError naming the parameter and value when a variant is not a valid
    scenario or a path does not exist.
    """
    base = scenario_data(scenario)
    out = []
    keys = list(grid)
    for combo in itertools.product(*(grid[k] for k in keys)):
        data = base
        for k, v in zip(keys, combo, strict=True):
            data = set_path(data, k, v)
        point = dict(zip(keys, combo, strict=True))
        try:
            variant = Scenario.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            label = ", ".join(f"{k}={v}" for k, v in point.items())
            raise ValueError(f"{label}: not a valid scenario ({loc}: {first['msg']})"
                             ) from None
        out.append((point, variant))
    return out


def sweep(network: Network | str | os.PathLike[str],
          scenario: Scenario | str | os.PathLike[str],
          grid: dict[str, list[Any]], paths: int = 1000, seed: int = 0,
          runner: str | Runner = "serial", *, horizon: str | dt.date = "2049Q4",
          chunk_size: int | None = None, scheduler: Any = None, workers: int | None = None,
          params: EngineParams | None = None, progress: bool = True,
          entities: list[str] | None = None) -> pd.DataFrame:
    """Run the Monte Carlo for every point of ``grid`` and tabulate headline outcomes.

    Parameters
    ----------
    grid : dotted scenario path → values (one or two paths), e.g.
        ``{"factors.ai_demand.base.growth": [0.5, 1.0, 2.0]}``.
    entities : entity ids whose default probability to report (default: every
        hyperscaler, AI lab, cloud provider, neocloud and SPV).
    Other parameters as in :func:`bubblescope.montecarlo.simulate`; one runner serves every
    variant, each spreading its chunks over the runner's workers.

    Returns
    -------
    DataFrame, one row per grid point: the parameter values, ``pd:<entity>`` and
    ``pd_se:<entity>`` default probabilities by the horizon, and ``loss_mean:<kind>``
    mean loss by holder kind (USD bn).
    """
    check_run_args(paths, seed, chunk_size)
    if not 1 <= len(grid) <= 2:
        raise ValueError(f"grid: a sweep takes one or two parameters, got {len(grid)}")
    net = resolve_network(network)
    scen = resolve_scenario(scenario)
    points = variants(scen, grid)
    compiled = compile_network(net, horizon, params)
    if entities is None:
        entities = [e for e, k in zip(compiled.entity_ids, compiled.kinds, strict=True)
                    if str(k) in KEY_KINDS]
    unknown = [e for e in entities if e not in compiled.entity_ids]
    if unknown:
        raise ValueError(f"entities: not in the network: {', '.join(unknown)}")
    rows = []
    with _open_runner(runner, scheduler, workers) as run:
        for i, (point, variant) in enumerate(points, start=1):
            label = f"{scen.name} {i}/{len(points)}: " + ", ".join(
                f"{k.rsplit('.', 1)[-1]}={v}" for k, v in point.items())
            mc = run_montecarlo(net, variant, paths=paths, seed=seed, runner=run,
                                horizon=horizon, chunk_size=chunk_size, params=params,
                                progress=progress, label=label)
            pdf = mc.default_probability()
            kinds = mc.holder_kind_losses()["loss_mean"]
            row: dict[str, Any] = dict(point)
            for e in entities:
                row[f"pd:{e}"] = float(pdf.at[e, "default_probability"])
                row[f"pd_se:{e}"] = float(pdf.at[e, "default_probability_se"])
            for k, v in kinds.items():
                row[f"loss_mean:{k}"] = float(v)
            rows.append(row)
    return pd.DataFrame(rows)


__all__ = ["KEY_KINDS", "parse_grid", "scenario_data", "set_path", "sweep", "variants"]
