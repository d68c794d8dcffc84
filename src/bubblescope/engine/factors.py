"""Factor paths: the market conditions a simulation runs under, one row per path.

Every factor is a float array of shape ``(paths, quarters)``; quarter 0 is the network's
as-of quarter. The scenarios layer will later generate stochastic paths; here live the
container, its validation and two deterministic constructors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

#: Rating buckets for credit spreads; an entity without a rating counts as high yield.
SPREAD_BUCKETS = ("IG", "HY")
#: Year each GPU generation came to market (used by the baseline resale curve).
GENERATION_YEAR = {"A100": 2020.5, "H100": 2023.0, "H200": 2024.0, "B200": 2025.0,
                   "GB200": 2025.0, "GB300": 2025.75, "MI300": 2024.0, "MI355": 2025.5,
                   "MI450": 2026.5, "VR200": 2026.75, "default": 2025.0}

Array = np.ndarray


def _check(name: str, value: object, shape: tuple[int, int], *, lo: float | None = 0.0,
           hi: float | None = None, positive: bool = False) -> Array:
    arr = np.asarray(value, dtype=float)
    if arr.shape != shape:
        raise ValueError(f"{name}: expected shape {shape} (paths, quarters), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"{name}: non-finite value (NaN or inf) at path {bad[0]}, "
                         f"quarter {bad[1]}")
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name}: values must be strictly positive")
    if lo is not None and np.any(arr < lo):
        raise ValueError(f"{name}: values must be >= {lo}, found {arr.min():g}")
    if hi is not None and np.any(arr > hi):
        raise ValueError(f"{name}: values must be <= {hi}, found {arr.max():g}")
    return arr


@dataclass(frozen=True)
class FactorPaths:
    """Named factor arrays of shape ``(paths, quarters)``.

    Attributes
    ----------
    ai_demand : index, 1 = the plan the network's run-rates describe.
    gpu_rental_price : index of GPU rental prices, 1 = as-of level.
    gpu_resale : generation → market value of GPUs of that generation per dollar of
        original cost (decimal, > 0). Key ``"default"`` is required and used for
        generations not listed.
    base_rate : risk-free base rate, decimal per year.
    credit_spread : bucket ("IG", "HY") → spread over the base rate, decimal per year.
    equity_window : how open equity markets are, 0 (shut) .. 1 (open).
    power_availability : share of installed capacity that has power, 0 .. 1.
    chip_delay : delay of chip deliveries scheduled in that quarter, quarters (rounded).
    """

    ai_demand: Array
    gpu_rental_price: Array
    gpu_resale: Mapping[str, Array]
    base_rate: Array
    credit_spread: Mapping[str, Array]
    equity_window: Array
    power_availability: Array
    chip_delay: Array
    start: str | None = field(default=None)

    def __post_init__(self) -> None:
        demand = np.asarray(self.ai_demand, dtype=float)
        if demand.ndim != 2:
            raise ValueError(f"ai_demand: expected a 2-d array (paths, quarters), "
                             f"got {demand.ndim} dimension(s)")
        shape = demand.shape
        if shape[0] < 1 or shape[1] < 1:
            raise ValueError(f"ai_demand: needs at least one path and one quarter, got {shape}")
        put = object.__setattr__
        put(self, "ai_demand", _check("ai_demand", demand, shape))
        put(self, "gpu_rental_price", _check("gpu_rental_price", self.gpu_rental_price, shape))
        if "default" not in self.gpu_resale:
            raise ValueError("gpu_resale: a 'default' generation is required")
        put(self, "gpu_resale", {g: _check(f"gpu_resale[{g!r}]", a, shape, positive=True)
                                 for g, a in self.gpu_resale.items()})
        put(self, "base_rate", _check("base_rate", self.base_rate, shape, lo=-0.05, hi=1.0))
        missing = [b for b in SPREAD_BUCKETS if b not in self.credit_spread]
        if missing:
            raise ValueError(f"credit_spread: missing bucket(s) {missing}; "
                             f"expected {list(SPREAD_BUCKETS)}")
        put(self, "credit_spread", {b: _check(f"credit_spread[{b!r}]", a, shape, hi=1.0)
                                    for b, a in self.credit_spread.items()})
        put(self, "equity_window", _check("equity_window", self.equity_window, shape, hi=1.0))
        put(self, "power_availability",
            _check("power_availability", self.power_availability, shape, hi=1.0))
        put(self, "chip_delay", _check("chip_delay", self.chip_delay, shape, hi=400.0))

    @property
    def paths(self) -> int:
        """Number of paths."""
        return int(self.ai_demand.shape[0])

    @property
    def quarters(self) -> int:
        """Number of quarters."""
        return int(self.ai_demand.shape[1])

    def resale(self, generation: str) -> Array:
        """Resale curve for a generation (the default curve if it has none)."""
        return self.gpu_resale.get(generation, self.gpu_resale["default"])

    def _map(self, fn: Callable[[Array], Array]) -> FactorPaths:
        return FactorPaths(
            ai_demand=fn(self.ai_demand), gpu_rental_price=fn(self.gpu_rental_price),
            gpu_resale={g: fn(a) for g, a in self.gpu_resale.items()},
            base_rate=fn(self.base_rate),
            credit_spread={b: fn(a) for b, a in self.credit_spread.items()},
            equity_window=fn(self.equity_window),
            power_availability=fn(self.power_availability), chip_delay=fn(self.chip_delay),
            start=self.start)

    def slice(self, paths: slice | Array | list[int]) -> FactorPaths:
        """The same factors for a subset of paths (a slice or an index array)."""
        return self._map(lambda a: np.ascontiguousarray(a[paths]))

    def truncate(self, quarters: int) -> FactorPaths:
        """The first ``quarters`` quarters of every factor."""
        if quarters > self.quarters:
            raise ValueError(f"factors: {self.quarters} quarters given, {quarters} needed")
        return self._map(lambda a: np.ascontiguousarray(a[:, :quarters]))

    @classmethod
    def flat(cls, paths: int, quarters: int, *, ai_demand: float = 1.0,
             gpu_rental_price: float = 1.0, gpu_resale: float = 1.0, base_rate: float = 0.04,
             spread_ig: float = 0.01, spread_hy: float = 0.04, equity_window: float = 1.0,
             power_availability: float = 1.0, chip_delay: float = 0.0,
             start: str | None = None) -> FactorPaths:
        """Constant factors on every path and quarter (no shocks)."""
        if paths < 1 or quarters < 1:
            raise ValueError(f"paths, quarters: must be >= 1, got {paths}, {quarters}")

        def full(v: float) -> Array:
            return np.full((paths, quarters), float(v))

        return cls(ai_demand=full(ai_demand), gpu_rental_price=full(gpu_rental_price),
                   gpu_resale={"default": full(gpu_resale)}, base_rate=full(base_rate),
                   credit_spread={"IG": full(spread_ig), "HY": full(spread_hy)},
                   equity_window=full(equity_window),
                   power_availability=full(power_availability), chip_delay=full(chip_delay),
                   start=start)

    @classmethod
    def baseline(cls, paths: int, quarters: int, *, start: str = "2025Q4") -> FactorPaths:
        """A deterministic central path, identical on every row.

        AI demand grows 60%/yr at first, the growth rate halving every two years towards
        3%/yr; GPU rental prices fall 10%/yr; a GPU keeps 70% of its value per year of age
        since its generation came out; the base rate eases from 4.0% to 3.0% over five
        years; spreads are constant (IG 1.0%, HY 4.0%); markets open, power available, no
        chip delays.
        """
        from ..model._fields import parse_date

        if paths < 1 or quarters < 1:
            raise ValueError(f"paths, quarters: must be >= 1, got {paths}, {quarters}")
        d0 = parse_date(start)
        year0 = d0.year + (d0.month - 1) / 12.0
        t = np.arange(quarters, dtype=float)
        years = t / 4.0
        growth = 0.03 + 0.57 * 0.5 ** (years / 2.0)
        demand = np.exp(np.concatenate([[0.0], np.cumsum(np.log1p(growth[:-1]) / 4.0)]))
        rental = 0.9 ** years
        base = 0.03 + 0.01 * np.clip(1.0 - years / 5.0, 0.0, 1.0)

        def rows(x: Array) -> Array:
            return np.tile(x, (paths, 1))

        resale = {}
        for gen, intro in GENERATION_YEAR.items():
            age = np.maximum(year0 + years - intro, 0.0)
            resale[gen] = rows(0.7 ** age)
        ones = np.ones((paths, quarters))
        return cls(ai_demand=rows(demand), gpu_rental_price=rows(rental), gpu_resale=resale,
                   base_rate=rows(base),
                   credit_spread={"IG": ones * 0.01, "HY": ones * 0.04},
                   equity_window=ones.copy(), power_availability=ones.copy(),
                   chip_delay=np.zeros((paths, quarters)), start=start)
