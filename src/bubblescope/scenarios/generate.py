"""Turn a :class:`~bubblescope.model.scenario.Scenario` into factor paths.

Randomness: path ``i`` (counted globally, ``path_offset + row``) draws every random number
it needs from its own generator, ``np.random.default_rng(SeedSequence(seed,
spawn_key=(i,)))`` — the same stream ``SeedSequence(seed).spawn(n)[i]`` gives. The numbers
of a path therefore depend only on ``seed`` and ``i``, never on how paths are chunked.

Within a path the draws come in a fixed order: one uniform for each distribution-valued
parameter (in the order they appear in the scenario) and two for each GPU release (resale
step, rental step), then a ``(quarters, k)`` block of standard normals for the ``k`` noisy
series. Uniforms become parameter values by the distribution's inverse CDF, vectorised
over paths.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

from ..engine.factors import FactorPaths
from ..io.errors import InputError
from ..model._fields import Strict, parse_date, quarter_label
from ..model.network import Network
from ..model.scenario import (
    DEFAULTS,
    FACTOR_NAMES,
    Beta,
    Constant,
    CsvColumn,
    DefaultShock,
    Exponential,
    FactorSpec,
    Logistic,
    LogNormal,
    Normal,
    Piecewise,
    Policies,
    RevenueShock,
    Scaled,
    Scenario,
    Triangular,
    Uniform,
    _Dist,
)

#: Quarter length, years.
DT = 0.25
#: Default first quarter of a run (the bundled network is as of 2025-12-31).
DEFAULT_START = "2025Q4"
#: Bounds each factor is clipped to after noise and jumps are applied.
BOUNDS: dict[str, tuple[float, float]] = {
    "ai_demand": (0.0, math.inf), "gpu_rental_price": (0.0, math.inf),
    "gpu_resale": (1e-6, math.inf), "base_rate": (-0.05, 1.0), "credit_spread": (0.0, 1.0),
    "equity_window": (0.0, 1.0), "power_availability": (0.0, 1.0), "chip_delay": (0.0, 400.0),
    "power": (0.0, 1.0),
}

Array = np.ndarray
Value = float | Array


@dataclass(frozen=True)
class ResolvedShock:
    """A one-off shock with its quarter index (0 = the run's first quarter).

    ``quarter`` may be negative (before the run: in force from quarter 0 for a revenue drop)
    or beyond the horizon (never reached).
    """

    kind: str
    entity: str
    quarter: int
    fraction: float | None = None


@dataclass(frozen=True)
class ResolvedRelease:
    """A GPU generation release inside the horizon."""

    name: str
    quarter: int


@dataclass(frozen=True)
class ScenarioRun:
    """Everything the engine needs from a scenario for one block of paths.

    Attributes
    ----------
    factors : the factor paths, shape ``(paths, quarters)`` each.
    policies : the scenario's policy switches.
    shocks : one-off shocks resolved to quarter indices.
    releases : GPU releases inside the horizon.
    onsite_cost_premium : on-site power's cost above grid power, decimal.
    grid_delay : wait for a new grid interconnection, quarters.
    """

    scenario: Scenario
    factors: FactorPaths
    start: str
    seed: int
    path_offset: int
    policies: Policies
    shocks: tuple[ResolvedShock, ...] = ()
    releases: tuple[ResolvedRelease, ...] = ()
    onsite_cost_premium: float = 0.0
    grid_delay: int = 0
    series: dict[str, Array] = field(default_factory=dict, repr=False)


def quarter_index(when: int | dt.date | str, start: dt.date) -> int:
    """Quarters from ``start``'s quarter to ``when``'s (an int is returned unchanged).

    >>> quarter_index("2027Q1", dt.date(2025, 10, 1))
    5
    """
    if isinstance(when, int):
        return when
    day = parse_date(when)
    return (day.year - start.year) * 4 + (day.month - 1) // 3 - (start.month - 1) // 3


def path_rng(seed: int, path: int) -> np.random.Generator:
    """The generator of global path ``path``: ``SeedSequence(seed, spawn_key=(path,))``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(path,)))


def generate(scenario: Scenario, *, paths: int, quarters: int,
             start: str | dt.date | None = None, seed: int = 0,
             path_offset: int = 0) -> FactorPaths:
    """Factor paths for ``paths`` Monte Carlo paths over ``quarters`` quarters.

    Parameters
    ----------
    scenario : a validated scenario (see :func:`bubblescope.io.scenario_load.load_scenario`).
    paths, quarters : shape of every factor array.
    start : first quarter (``"2025Q4"`` or a date); dates in the scenario count from it.
    seed : global seed; path ``path_offset + i`` uses its own spawned generator.
    path_offset : global index of the first path, so blocks of paths can be made apart.

    Examples
    --------
    >>> s = Scenario.model_validate({"name": "x", "factors": {"ai_demand": 2.0}})
    >>> generate(s, paths=3, quarters=4).ai_demand.shape
    (3, 4)
    """
    return generate_run(scenario, paths=paths, quarters=quarters, start=start, seed=seed,
                        path_offset=path_offset).factors


def generate_run(scenario: Scenario, *, paths: int, quarters: int,
                 start: str | dt.date | None = None, seed: int = 0,
                 path_offset: int = 0) -> ScenarioRun:
    """Like :func:`generate`, also resolving policies, shocks and releases for the engine."""
    if paths < 1 or quarters < 1:
        raise ValueError(f"paths, quarters: must be >= 1, got {paths}, {quarters}")
    if path_offset < 0:
        raise ValueError(f"path_offset: must be >= 0, got {path_offset}")
    day0 = parse_date(start if start is not None else DEFAULT_START)
    day0 = dt.date(day0.year, 3 * ((day0.month - 1) // 3) + 1, 1)
    specs = scenario.series_specs()
    noisy = scenario.noisy_series()
    releases = _releases(scenario, day0, quarters)
    dists = _distributions(scenario)
    mix = _mixing(scenario, noisy)

    # One generator per global path; only the drawing is a loop over paths.
    k = len(noisy)
    m = len(dists) + 2 * len(releases)
    uniforms = np.empty((paths, m))
    innov = np.empty((paths, quarters, k))
    for row in range(paths):
        rng = path_rng(seed, path_offset + row)
        uniforms[row] = rng.random(m)
        eps = rng.standard_normal((quarters, k))
        innov[row] = eps @ mix.T if mix is not None else eps
    draws = np.empty((paths, len(dists)))
    for j, dist in enumerate(dists):
        draws[:, j] = inverse_cdf(dist, uniforms[:, j])
    steps = np.empty((paths, len(releases), 2))
    for j, (_, _, resale, rental) in enumerate(releases):
        for side, p in enumerate((resale, rental)):
            col = uniforms[:, len(dists) + 2 * j + side]
            steps[:, j, side] = inverse_cdf(p, col) if isinstance(p, _Dist) else float(p)

    column = {id(d): j for j, d in enumerate(dists)}

    def value(p: Any) -> Value:
        if isinstance(p, _Dist):
            return draws[:, column[id(p)]][:, None]
        return float(p)

    t = np.arange(quarters, dtype=float)
    out: dict[str, Array] = {}
    ordered = sorted(specs, key=lambda n: isinstance(specs[n].base, Scaled))
    for name in ordered:
        spec = specs[name]
        if isinstance(spec.base, Scaled):
            base = out[spec.base.of] * value(spec.base.by)
        else:
            base = _base(spec, name, t, day0, value, paths)
        if spec.noise is not None:
            x = _ou(innov[:, :, noisy.index(name)], value(spec.noise.volatility),
                    value(spec.noise.mean_reversion))
            base = base * np.exp(x) if spec.noise.kind == "log_ou" else base + x
        out[name] = base

    # GPU releases: multiplicative step-downs from the release quarter on.
    resale_keys = [n for n in out if n.startswith("gpu_resale.")]
    if "gpu_resale.default" not in out:
        out["gpu_resale.default"] = np.full((paths, quarters), DEFAULTS["gpu_resale"])
        resale_keys.append("gpu_resale.default")
    if releases:
        rental = out.setdefault("gpu_rental_price",
                                np.full((paths, quarters), DEFAULTS["gpu_rental_price"]))
        down = np.clip(steps, 0.0, 0.99)
        for j, (gen, q, _, _) in enumerate(releases):
            rental[:, q:] *= (1.0 - down[:, j, 1])[:, None]
            for key in resale_keys:
                if key != f"gpu_resale.{gen}":
                    out[key][:, q:] *= (1.0 - down[:, j, 0])[:, None]

    factors = _assemble(scenario, out, paths, quarters, day0)
    shocks = tuple(_shock(s, day0) for s in scenario.shocks)
    power = scenario.power
    return ScenarioRun(
        scenario=scenario, factors=factors, start=quarter_label(day0), seed=seed,
        path_offset=path_offset, policies=scenario.policies, shocks=shocks,
        releases=tuple(ResolvedRelease(g, q) for g, q, _, _ in releases),
        onsite_cost_premium=power.onsite_cost_premium if power else 0.0,
        grid_delay=power.grid_delay if power else 0, series=out)


# ---------------------------------------------------------------- pieces


def inverse_cdf(dist: _Dist, u: Array) -> Array:
    """Values of ``dist`` at probabilities ``u`` (elementwise; u is kept inside (0, 1)).

    >>> from bubblescope.model.scenario import Uniform
    >>> inverse_cdf(Uniform(dist="uniform", low=2, high=4), np.array([0.25]))
    array([2.5])
    """
    u = np.clip(np.asarray(u, dtype=float), 1e-16, 1.0 - 1e-16)
    if isinstance(dist, Normal):
        return dist.mean + dist.sd * special.ndtri(u)
    if isinstance(dist, LogNormal):
        return dist.median * np.exp(dist.sigma * special.ndtri(u))
    if isinstance(dist, Uniform):
        return dist.low + (dist.high - dist.low) * u
    if isinstance(dist, Triangular):
        lo, mode, hi = dist.low, dist.mode, dist.high
        cut = (mode - lo) / (hi - lo)
        left = lo + np.sqrt(u * (hi - lo) * (mode - lo))
        right = hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - mode))
        return np.where(u < cut, left, right)
    if isinstance(dist, Beta):
        return dist.low + (dist.high - dist.low) * special.betaincinv(dist.a, dist.b, u)
    raise TypeError(f"unknown distribution {dist!r}")  # pragma: no cover


def _distributions(scenario: Scenario) -> list[_Dist]:
    """Distribution-valued parameters in a fixed order (release steps excluded)."""
    found: list[_Dist] = []
    seen: set[int] = set()

    def walk(obj: Any) -> None:
        if isinstance(obj, _Dist):
            if id(obj) not in seen:
                seen.add(id(obj))
                found.append(obj)
        elif isinstance(obj, Strict):
            for name in type(obj).model_fields:
                walk(getattr(obj, name))
        elif isinstance(obj, dict):
            for v in obj.values():
                walk(v)
        elif isinstance(obj, list | tuple):
            for v in obj:
                walk(v)

    for name, spec in scenario.series_specs().items():
        del name
        walk(spec)
    return found


def _mixing(scenario: Scenario, noisy: list[str]) -> Array | None:
    """A matrix ``A`` with ``A Aᵀ`` = the full correlation of the noisy series."""
    corr = scenario.correlation
    if corr is None or not noisy:
        return None
    k = len(noisy)
    full = np.eye(k)
    idx = [noisy.index(s) for s in corr.series]
    full[np.ix_(idx, idx)] = np.asarray(corr.matrix, dtype=float)
    vals, vecs = np.linalg.eigh(full)
    return vecs * np.sqrt(np.clip(vals, 0.0, None))


def _releases(scenario: Scenario, day0: dt.date, quarters: int
              ) -> list[tuple[str, int, Any, Any]]:
    out = []
    for r in scenario.releases:
        q = quarter_index(r.date, day0)
        if 0 <= q < quarters:
            out.append((r.name, q, r.resale_step, r.rental_step))
    cycle = scenario.release_cycle
    if cycle is not None:
        q = quarter_index(cycle.first, day0)
        n = 1
        while q < quarters:
            if q >= 0:
                out.append((f"gen{n}", q, cycle.resale_step, cycle.rental_step))
            q += cycle.every
            n += 1
    return out


def _base(spec: FactorSpec, name: str, t: Array, day0: dt.date,
          value: Callable[[Any], Value], paths: int) -> Array:
    shape = spec.base
    full = (paths, t.size)
    if isinstance(shape, Constant):
        return np.broadcast_to(value(shape.value), full).astype(float)
    if isinstance(shape, Piecewise):
        return _piecewise(shape, t, day0, value, full)
    if isinstance(shape, Exponential):
        return _exponential(shape, t / 4.0, value, full)
    if isinstance(shape, Logistic):
        mid = quarter_index(shape.midpoint, day0)
        lo, hi, k = value(shape.floor), value(shape.ceiling), value(shape.steepness)
        arr = lo + (hi - lo) / (1.0 + np.exp(-k * (t - mid) / 4.0))
        return np.broadcast_to(arr, full).astype(float)
    if isinstance(shape, CsvColumn):
        vals = shape.values
        if vals is None:
            raise InputError.single(shape.file, f"{name}: CSV values not loaded; load the "
                                                "scenario with load_scenario()")
        if vals.size < t.size:
            raise InputError.single(
                shape._origin or shape.file,
                f"{name}: has {vals.size} quarters of values, {t.size} needed",
                field=shape.column or name)
        return np.broadcast_to(vals[: t.size], full).astype(float)
    raise TypeError(f"unknown shape {shape!r}")  # pragma: no cover


def _piecewise(shape: Piecewise, t: Array, day0: dt.date,
               value: Callable[[Any], Value], full: tuple[int, int]) -> Array:
    qs = np.array([quarter_index(q, day0) for q, _ in shape.points], dtype=float)
    order = np.argsort(qs, kind="stable")
    qs = qs[order]
    vals = np.concatenate([np.broadcast_to(value(shape.points[i][1]), (full[0], 1))
                           for i in order], axis=1)
    hi = np.searchsorted(qs, t, side="right")  # points at or before t
    lo = np.clip(hi - 1, 0, qs.size - 1)
    if shape.interpolation == "step":
        return vals[:, lo].astype(float)
    nxt = np.clip(hi, 0, qs.size - 1)
    span = qs[nxt] - qs[lo]
    w = np.where(span > 0, (t - qs[lo]) / np.where(span > 0, span, 1.0), 0.0)
    w = np.clip(w, 0.0, 1.0)
    return (vals[:, lo] * (1.0 - w) + vals[:, nxt] * w).astype(float)


def _exponential(shape: Exponential, years: Array, value: Callable[[Any], Value],
                 full: tuple[int, int]) -> Array:
    start = value(shape.start)
    r0 = np.log1p(np.maximum(value(shape.growth), -0.99))
    rinf = np.log1p(np.maximum(value(shape.terminal_growth), -0.99))
    decay = np.maximum(value(shape.growth_decay), 0.0)
    safe = np.where(decay > 0, decay, 1.0)
    faded = np.where(decay > 0, -np.expm1(-decay * years) / safe, years)
    arr = start * np.exp(rinf * years + (r0 - rinf) * faded)
    lo = -np.inf if shape.floor is None else shape.floor
    hi = np.inf if shape.cap is None else shape.cap
    return np.broadcast_to(np.clip(arr, lo, hi), full).astype(float)


def _ou(z: Array, vol: Value, kappa: Value) -> Array:
    """Exact quarterly Ornstein–Uhlenbeck steps from X₀ = 0 driven by innovations ``z``."""
    paths, quarters = z.shape
    kappa = np.maximum(np.asarray(kappa, dtype=float), 0.0)
    vol = np.maximum(np.asarray(vol, dtype=float), 0.0)
    a = np.exp(-kappa * DT)
    safe = np.where(kappa > 0, kappa, 1.0)
    sd = vol * np.where(kappa > 0, np.sqrt(-np.expm1(-2.0 * kappa * DT) / (2.0 * safe)),
                        math.sqrt(DT))
    a = np.broadcast_to(a, (paths, 1))[:, 0]
    sd = np.broadcast_to(sd, (paths, 1))[:, 0]
    x = np.zeros((paths, quarters))
    for q in range(1, quarters):
        x[:, q] = a * x[:, q - 1] + sd * z[:, q]
    return x


def _assemble(scenario: Scenario, out: dict[str, Array], paths: int, quarters: int,
              day0: dt.date) -> FactorPaths:
    def get(name: str) -> Array:
        if name in out:
            return out[name]
        return np.full((paths, quarters), DEFAULTS[name])

    def clip(name: str, arr: Array) -> Array:
        lo, hi = BOUNDS[name.split(".")[0]]
        return np.clip(arr, lo, hi)

    power = get("power_availability")
    if "power.gap" in out:
        power = 1.0 - clip("power", out["power.gap"])
    if scenario.power is not None:
        power = clip("power", power) * (1.0 - scenario.power.onsite_share
                                        * scenario.power.onsite_outage_rate)
    resale = {k.split(".", 1)[1]: clip(k, v) for k, v in out.items()
              if k.startswith("gpu_resale.")}
    kwargs: dict[str, Any] = {
        name: clip(name, get(name)) for name in FACTOR_NAMES
        if name not in ("gpu_resale", "credit_spread", "power_availability")}
    try:
        return FactorPaths(
            gpu_resale=resale,
            credit_spread={b: clip("credit_spread", get(f"credit_spread.{b}"))
                           for b in ("IG", "HY")},
            power_availability=clip("power_availability", power),
            start=quarter_label(day0), **kwargs)
    except ValueError as exc:  # e.g. a path that overflows to infinity
        raise InputError.single(scenario.name, f"generated paths are unusable: {exc}",
                                field="factors") from None


def _shock(shock: Any, day0: dt.date) -> ResolvedShock:
    if isinstance(shock, RevenueShock):
        return ResolvedShock("revenue_drop", shock.entity, quarter_index(shock.start, day0),
                             shock.fraction)
    assert isinstance(shock, DefaultShock)
    return ResolvedShock("default", shock.entity, quarter_index(shock.at, day0))


def reference_problems(scenario: Scenario, network: Network) -> list[str]:
    """Ids the scenario names (shock entities, guarantor, guaranteed contracts) that the
    network lacks, one ``'field: message'`` each; empty if all resolve.

    >>> from bubblescope import load_network
    >>> from bubblescope.io.scenario_load import load_scenario
    >>> reference_problems(load_scenario("guarantee"), load_network("ai-2025"))
    []
    """
    return scenario.reference_problems({e.id for e in network.entities},
                                       {c.id for c in network.contracts},
                                       f"network {network.name!r}")


__all__ = ["ResolvedRelease", "ResolvedShock", "ScenarioRun", "generate", "generate_run",
           "inverse_cdf", "path_rng", "quarter_index", "reference_problems"]
