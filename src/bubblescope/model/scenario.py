"""Scenarios: the market conditions a network is stress-tested under.

A scenario names a path for each market factor (AI demand, GPU prices, rates, spreads, the
equity window, power, chip delays), optional noise and jumps on top, policy switches and
one-off shocks. Each path has a deterministic ``base`` (a closed-form shape or a CSV column)
and, optionally, a ``noise`` overlay; parameters may be numbers or distributions drawn once
per Monte Carlo path.

Examples
--------
>>> s = Scenario.model_validate({"name": "flat", "factors": {"ai_demand": 1.0}})
>>> s.factors.ai_demand.base.shape
'constant'
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Discriminator, Field, PrivateAttr, Tag, model_validator
from pydantic.json_schema import JsonDict

from ._fields import (
    FactId,
    Strict,
    count,
    parse_date,
    rate,
    share,
    text,
)

#: Factor names a scenario may set (the engine's inputs).
FACTOR_NAMES = ("ai_demand", "gpu_rental_price", "gpu_resale", "base_rate", "credit_spread",
                "equity_window", "power_availability", "chip_delay")


def _unit(unit: str) -> JsonDict:
    return {"unit": unit}


def _num(description: str, default: Any = ..., unit: str = "number", **kw: Any) -> Any:
    return Field(default, allow_inf_nan=False, description=description,
                 json_schema_extra=_unit(unit), **kw)


def _par(description: str, default: Any = ..., unit: str = "number") -> Any:
    """A :data:`Param` field: a number or a distribution."""
    return Field(default, description=description, json_schema_extra=_unit(unit))


# ---------------------------------------------------------------- distributions


class _Dist(Strict):
    """A distribution a parameter is drawn from, once per Monte Carlo path (by inverse
    transform of one uniform; see :mod:`bubblescope.scenarios.generate`)."""

    def central(self) -> float:  # pragma: no cover - abstract
        """A central value (mean or median) used for descriptions."""
        raise NotImplementedError


class Normal(_Dist):
    """Normal distribution ``{dist: normal, mean, sd}``."""

    dist: Literal["normal"] = Field(description="Distribution name.",
                                    json_schema_extra=_unit("text"))
    mean: float = _num("Mean.", unit="as the parameter")
    sd: float = _num("Standard deviation (≥ 0).", unit="as the parameter", ge=0)

    def central(self) -> float:
        return self.mean

    def __str__(self) -> str:
        return f"normal(mean {self.mean:g}, sd {self.sd:g})"


class LogNormal(_Dist):
    """Log-normal distribution ``{dist: lognormal, median, sigma}`` (sigma of the log)."""

    dist: Literal["lognormal"] = Field(description="Distribution name.",
                                       json_schema_extra=_unit("text"))
    median: float = _num("Median (> 0).", unit="as the parameter", gt=0)
    sigma: float = _num("Standard deviation of the logarithm (≥ 0).", unit="log units", ge=0)

    def central(self) -> float:
        return self.median

    def __str__(self) -> str:
        return f"lognormal(median {self.median:g}, sigma {self.sigma:g})"


class Uniform(_Dist):
    """Uniform distribution ``{dist: uniform, low, high}`` with low < high."""

    dist: Literal["uniform"] = Field(description="Distribution name.",
                                     json_schema_extra=_unit("text"))
    low: float = _num("Lower bound.", unit="as the parameter")
    high: float = _num("Upper bound (> low).", unit="as the parameter")

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"high: must be greater than low (low {self.low:g}, "
                             f"high {self.high:g})")
        return self

    def central(self) -> float:
        return 0.5 * (self.low + self.high)

    def __str__(self) -> str:
        return f"uniform({self.low:g}, {self.high:g})"


class Triangular(_Dist):
    """Triangular distribution ``{dist: triangular, low, mode, high}``."""

    dist: Literal["triangular"] = Field(description="Distribution name.",
                                        json_schema_extra=_unit("text"))
    low: float = _num("Lower bound.", unit="as the parameter")
    mode: float = _num("Most likely value (low ≤ mode ≤ high).", unit="as the parameter")
    high: float = _num("Upper bound (> low).", unit="as the parameter")

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not self.low < self.high:
            raise ValueError(f"high: must be greater than low (low {self.low:g}, "
                             f"high {self.high:g})")
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"mode: must lie between low and high (got {self.mode:g})")
        return self

    def central(self) -> float:
        return (self.low + self.mode + self.high) / 3.0

    def __str__(self) -> str:
        return f"triangular({self.low:g}, {self.mode:g}, {self.high:g})"


class Beta(_Dist):
    """Beta distribution ``{dist: beta, a, b, low: 0, high: 1}`` rescaled to [low, high]."""

    dist: Literal["beta"] = Field(description="Distribution name.",
                                  json_schema_extra=_unit("text"))
    a: float = _num("First shape parameter (> 0).", gt=0)
    b: float = _num("Second shape parameter (> 0).", gt=0)
    low: float = _num("Lower end of the support.", 0.0, unit="as the parameter")
    high: float = _num("Upper end of the support (> low).", 1.0, unit="as the parameter")

    @model_validator(mode="after")
    def _order(self) -> Beta:
        if not self.low < self.high:
            raise ValueError(f"high: must be greater than low (low {self.low:g}, "
                             f"high {self.high:g})")
        return self

    def central(self) -> float:
        return self.low + (self.high - self.low) * self.a / (self.a + self.b)

    def __str__(self) -> str:
        return f"beta(a {self.a:g}, b {self.b:g}) on [{self.low:g}, {self.high:g}]"


DIST_CLASSES: dict[str, type[_Dist]] = {"normal": Normal, "lognormal": LogNormal,
                                        "uniform": Uniform, "triangular": Triangular,
                                        "beta": Beta}


def _param_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        name = value.get("dist")
        return name if name in DIST_CLASSES else None
    if isinstance(value, _Dist):
        return value.dist  # type: ignore[attr-defined]
    if isinstance(value, bool):
        return None
    return "number"


Dist = Annotated[
    Annotated[Normal, Tag("normal")] | Annotated[LogNormal, Tag("lognormal")]
    | Annotated[Uniform, Tag("uniform")] | Annotated[Triangular, Tag("triangular")]
    | Annotated[Beta, Tag("beta")],
    Discriminator(_param_tag, custom_error_type="invalid_distribution",
                  custom_error_message="expected a number or {dist: NAME, ...} with NAME one "
                                       "of " + ", ".join(DIST_CLASSES)),
]

#: A parameter: a plain number, or a distribution drawn once per path.
Param = Annotated[
    Annotated[float, Field(allow_inf_nan=False), Tag("number")] | Annotated[Normal, Tag("normal")]
    | Annotated[LogNormal, Tag("lognormal")] | Annotated[Uniform, Tag("uniform")]
    | Annotated[Triangular, Tag("triangular")] | Annotated[Beta, Tag("beta")],
    Discriminator(_param_tag, custom_error_type="invalid_parameter",
                  custom_error_message="expected a number or {dist: NAME, ...} with NAME one "
                                       "of " + ", ".join(DIST_CLASSES)),
]


def param_text(p: Any) -> str:
    """A parameter as short text: ``0.6`` or ``uniform(0.2, 0.4)``."""
    return f"{p:g}" if isinstance(p, int | float) else str(p)


def is_random(p: Any) -> bool:
    """Whether a parameter is a distribution."""
    return isinstance(p, _Dist)


# ---------------------------------------------------------------- quarters and dates

#: A point in time: a quarter index (0 = the run's first quarter) or a date (2027Q1, ISO).
When = int | dt.date


def _when(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected a quarter index or a date like 2027Q1, got true/false")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return parse_date(value)


def when_text(value: int | dt.date) -> str:
    """``3`` → ``'q3'``; ``date(2027, 1, 1)`` → ``'2027Q1'``."""
    if isinstance(value, int):
        return f"q{value}"
    return f"{value.year}Q{(value.month - 1) // 3 + 1}"


# ---------------------------------------------------------------- deterministic shapes


class Constant(Strict):
    """The same value in every quarter: ``{shape: constant, value: 1.0}``."""

    shape: Literal["constant"] = Field(description="Shape name.",
                                       json_schema_extra=_unit("text"))
    value: Param = _par("The value.", unit="factor unit")

    def describe(self) -> str:
        return f"constant {param_text(self.value)}"


class Piecewise(Strict):
    """Values at given quarters, joined linearly or held as steps.

    ``{shape: piecewise, points: [[0, 1.0], [2027Q1, 0.8], [20, 1.2]], interpolation: linear}``
    Before the first point the first value holds; after the last, the last value.
    """

    shape: Literal["piecewise"] = Field(description="Shape name.",
                                        json_schema_extra=_unit("text"))
    points: list[tuple[Any, Param]] = Field(
        min_length=1, description="[quarter, value] pairs; quarter is an index from the "
                                  "run's start or a date (2027Q1).",
        json_schema_extra=_unit("[quarter or date, factor unit]"))
    interpolation: Literal["linear", "step"] = Field(
        "linear", description="'linear' joins points; 'step' holds each value until the next "
                              "point.", json_schema_extra=_unit("text"))

    @model_validator(mode="before")
    @classmethod
    def _dates(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("points"), list):
            pts = []
            for i, p in enumerate(data["points"]):
                if not isinstance(p, list | tuple) or len(p) != 2:
                    raise ValueError(f"points[{i}]: expected a pair [quarter, value], got {p!r}")
                try:
                    pts.append([_when(p[0]), p[1]])
                except ValueError as exc:
                    raise ValueError(f"points[{i}]: {exc}") from None
            data = {**data, "points": pts}
        return data

    def describe(self) -> str:
        pts = ", ".join(f"{when_text(q)}→{param_text(v)}" for q, v in self.points)
        return f"piecewise ({self.interpolation}): {pts}"


class Exponential(Strict):
    """Compound growth whose rate fades: ``{shape: exponential, start, growth, growth_decay}``.

    The log-growth rate starts at ``ln(1 + growth)`` and decays exponentially at
    ``growth_decay`` per year towards ``ln(1 + terminal_growth)``; see docs/scenarios.md.
    """

    shape: Literal["exponential"] = Field(description="Shape name.",
                                          json_schema_extra=_unit("text"))
    start: Param = _par("Value in quarter 0.", 1.0, unit="factor unit")
    growth: Param = _par("Initial growth per year (0.6 = +60%/yr; −0.3 = −30%/yr).",
                         unit="decimal / year")
    growth_decay: Param = _par("Rate at which the growth fades (0 = constant growth).", 0.0,
                               unit="1 / year")
    terminal_growth: Param = _par("Growth per year the rate fades towards.", 0.0,
                                  unit="decimal / year")
    floor: float | None = _num("Lowest value allowed.", None, unit="factor unit")
    cap: float | None = _num("Highest value allowed.", None, unit="factor unit")

    @model_validator(mode="after")
    def _check(self) -> Exponential:
        for name in ("growth", "terminal_growth"):
            v = getattr(self, name)
            if isinstance(v, float) and v <= -1:
                raise ValueError(f"{name}: must be greater than −1 (−100% a year)")
        if isinstance(self.growth_decay, float) and self.growth_decay < 0:
            raise ValueError("growth_decay: must be ≥ 0")
        if self.floor is not None and self.cap is not None and self.floor > self.cap:
            raise ValueError("cap: must be ≥ floor")
        return self

    def describe(self) -> str:
        out = f"exponential from {param_text(self.start)}, {param_text(self.growth)}/yr"
        if self.growth_decay != 0:
            out += (f" fading at {param_text(self.growth_decay)}/yr towards "
                    f"{param_text(self.terminal_growth)}/yr")
        if self.floor is not None:
            out += f", floor {self.floor:g}"
        if self.cap is not None:
            out += f", cap {self.cap:g}"
        return out


class Logistic(Strict):
    """An S-curve between two levels: ``{shape: logistic, floor, ceiling, midpoint, steepness}``.

    ``floor + (ceiling − floor) / (1 + exp(−steepness·(t − midpoint)))`` with t in years; a
    negative steepness runs from the ceiling down to the floor.
    """

    shape: Literal["logistic"] = Field(description="Shape name.",
                                       json_schema_extra=_unit("text"))
    floor: Param = _par("Lower level.", unit="factor unit")
    ceiling: Param = _par("Upper level.", unit="factor unit")
    midpoint: Any = Field(description="Quarter (index or date) where the curve is halfway.",
                          json_schema_extra=_unit("quarter or date"))
    steepness: Param = _par("Steepness (negative = falling).", unit="1 / year")

    @model_validator(mode="before")
    @classmethod
    def _date(cls, data: Any) -> Any:
        if isinstance(data, dict) and "midpoint" in data:
            try:
                data = {**data, "midpoint": _when(data["midpoint"])}
            except ValueError as exc:
                raise ValueError(f"midpoint: {exc}") from None
        return data

    @model_validator(mode="after")
    def _check(self) -> Logistic:
        if isinstance(self.floor, float) and isinstance(self.ceiling, float) \
                and not self.floor < self.ceiling:
            raise ValueError("ceiling: must be greater than floor")
        return self

    def describe(self) -> str:
        return (f"logistic {param_text(self.floor)}…{param_text(self.ceiling)}, halfway at "
                f"{when_text(self.midpoint)}, steepness {param_text(self.steepness)}/yr")


class CsvColumn(Strict):
    """Values per quarter from a CSV file: ``{shape: csv, file: paths.csv, column: NAME}``.

    The file is relative to the scenario file; one row per quarter from quarter 0; the column
    defaults to the factor's name (``gpu_resale.H100`` for a keyed factor).
    """

    shape: Literal["csv"] = Field(description="Shape name.", json_schema_extra=_unit("text"))
    file: str = Field(description="CSV file, relative to the scenario file.",
                      json_schema_extra=_unit("path"))
    column: str | None = text("Column to read (default: the factor's name).")
    _values: np.ndarray | None = PrivateAttr(default=None)
    _origin: str | None = PrivateAttr(default=None)

    @property
    def values(self) -> np.ndarray | None:
        """The values read by the loader (``None`` until loaded)."""
        return self._values

    def attach(self, values: np.ndarray, origin: str) -> None:
        """Store the column read from ``origin`` (done by the loader)."""
        self._values = np.asarray(values, dtype=float)
        self._origin = origin

    def describe(self) -> str:
        return f"csv {self.file}" + (f" [{self.column}]" if self.column else "")


class Scaled(Strict):
    """Another series times a factor: ``{shape: scaled, of: gpu_resale.default, by: 0.4}``.

    It follows that series' noise and jumps exactly (e.g. an older GPU generation's resale
    value as a fixed fraction of the newest one's).
    """

    shape: Literal["scaled"] = Field(description="Shape name.",
                                     json_schema_extra=_unit("text"))
    of: str = Field(description="Series followed (``ai_demand``, ``gpu_resale.default``, …).",
                    json_schema_extra=_unit("series name"))
    by: Param = _par("Multiplier.", unit="ratio")

    def describe(self) -> str:
        return f"{param_text(self.by)} × {self.of}"


def _shape_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        name = value.get("shape")
        return name if name in SHAPE_CLASSES else None
    if isinstance(value, Strict):
        return getattr(value, "shape", None)
    return None


SHAPE_CLASSES: dict[str, type[Strict]] = {
    "constant": Constant, "piecewise": Piecewise, "exponential": Exponential,
    "logistic": Logistic, "csv": CsvColumn, "scaled": Scaled}

Shape = Annotated[
    Annotated[Constant, Tag("constant")] | Annotated[Piecewise, Tag("piecewise")]
    | Annotated[Exponential, Tag("exponential")] | Annotated[Logistic, Tag("logistic")]
    | Annotated[CsvColumn, Tag("csv")] | Annotated[Scaled, Tag("scaled")],
    Discriminator(_shape_tag, custom_error_type="invalid_shape",
                  custom_error_message="expected {shape: NAME, ...} with NAME one of "
                                       + ", ".join(SHAPE_CLASSES)),
]


# ---------------------------------------------------------------- noise


class Noise(Strict):
    """An Ornstein–Uhlenbeck deviation around the base path.

    ``log_ou``: value = base · exp(X) (prices, indices); ``ou``: value = base + X (rates,
    shares, delays). X starts at 0 and reverts towards 0.
    """

    kind: Literal["log_ou", "ou"] = Field(
        description="'log_ou' (multiplicative, in logs) or 'ou' (additive).",
        json_schema_extra=_unit("text"))
    volatility: Param = _par("Volatility of X (log units, or factor units for 'ou').",
                             unit="per √year")
    mean_reversion: Param = _par("Speed at which X returns to 0 (0 = random walk).", 1.0,
                                 unit="1 / year")

    @model_validator(mode="after")
    def _check(self) -> Noise:
        if isinstance(self.volatility, float) and self.volatility < 0:
            raise ValueError("volatility: must be ≥ 0")
        if isinstance(self.mean_reversion, float) and self.mean_reversion < 0:
            raise ValueError("mean_reversion: must be ≥ 0")
        return self

    def describe(self) -> str:
        return (f"{self.kind} noise, vol {param_text(self.volatility)}/√yr, reversion "
                f"{param_text(self.mean_reversion)}/yr")


class FactorSpec(Strict):
    """One factor's path: a deterministic ``base`` plus optional ``noise``.

    A bare number is shorthand for ``{base: {shape: constant, value: N}}``; a mapping with
    ``shape`` (and optionally ``noise``) is shorthand for ``{base: {...}, noise: {...}}``.
    """

    base: Shape = Field(description="Deterministic path.", json_schema_extra=_unit("shape"))
    noise: Noise | None = Field(None, description="Random overlay (none = deterministic).",
                                json_schema_extra=_unit("noise"))

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, int | float) and not isinstance(data, bool):
            return {"base": {"shape": "constant", "value": data}}
        if isinstance(data, dict) and "shape" in data:
            base = {k: v for k, v in data.items() if k != "noise"}
            return {"base": base, **({"noise": data["noise"]} if "noise" in data else {})}
        return data

    def describe(self) -> str:
        return self.base.describe() + (f"; {self.noise.describe()}" if self.noise else "")


# ---------------------------------------------------------------- generations, power


class Release(Strict):
    """A new GPU generation coming to market, marking down older GPUs' prices.

    From the release quarter on, rental prices are multiplied by ``1 − rental_step`` and every
    resale curve except the released generation's own by ``1 − resale_step``.
    """

    name: str = Field(description="Generation released (e.g. VR200).",
                      json_schema_extra=_unit("text"))
    date: Any = Field(description="Release quarter (index or date).",
                      json_schema_extra=_unit("quarter or date"))
    resale_step: Param = _par("Fall in resale values of older GPUs (0.3 = −30%).", 0.0,
                              unit="decimal")
    rental_step: Param = _par("Fall in GPU rental prices.", 0.0, unit="decimal")

    @model_validator(mode="before")
    @classmethod
    def _date(cls, data: Any) -> Any:
        if isinstance(data, dict) and "date" in data:
            try:
                data = {**data, "date": _when(data["date"])}
            except ValueError as exc:
                raise ValueError(f"date: {exc}") from None
        return data

    @model_validator(mode="after")
    def _check(self) -> Release:
        _check_step(self.resale_step, "resale_step")
        _check_step(self.rental_step, "rental_step")
        return self


class ReleaseCycle(Strict):
    """Generations released at a regular cadence: the first on ``first``, then every
    ``every`` quarters until the horizon; named ``gen1``, ``gen2``, …"""

    first: Any = Field(description="First release quarter (index or date).",
                       json_schema_extra=_unit("quarter or date"))
    every: int = Field(ge=1, le=400, description="Quarters between releases.",
                       json_schema_extra=_unit("quarters"))
    resale_step: Param = _par("Fall in resale values of older GPUs at each release.", 0.0,
                              unit="decimal")
    rental_step: Param = _par("Fall in GPU rental prices at each release.", 0.0,
                              unit="decimal")

    @model_validator(mode="before")
    @classmethod
    def _date(cls, data: Any) -> Any:
        if isinstance(data, dict) and "first" in data:
            try:
                data = {**data, "first": _when(data["first"])}
            except ValueError as exc:
                raise ValueError(f"first: {exc}") from None
        return data

    @model_validator(mode="after")
    def _check(self) -> ReleaseCycle:
        _check_step(self.resale_step, "resale_step")
        _check_step(self.rental_step, "rental_step")
        return self


def _check_step(value: Any, name: str) -> None:
    if isinstance(value, float) and not 0 <= value < 1:
        raise ValueError(f"{name}: a step-down must be in [0, 1)")


class Power(Strict):
    """Power constraints, mapped to the ``power_availability`` factor.

    ``power_availability = (1 − gap) · (1 − onsite_share · onsite_outage_rate)``; the grid
    delay and the on-site premium are carried to the engine as they are.
    """

    gap: FactorSpec | None = Field(
        None, description="Share of planned capacity without power (0..1), as a path.",
        json_schema_extra=_unit("decimal path"))
    onsite_share: float = share("Share of capacity on on-site (bring-your-own) power.", 0.0)
    onsite_outage_rate: float = share("Share of time on-site power is down.", 0.0)
    onsite_cost_premium: float = Field(
        0.0, ge=0, le=10, allow_inf_nan=False,
        description="On-site power's cost above grid power (0.4 = 40% dearer).",
        json_schema_extra=_unit("decimal"))
    grid_delay: int = count("Wait for a new grid interconnection.", 0, unit="quarters")


# ---------------------------------------------------------------- correlation


class Correlation(Strict):
    """Correlation of the noise innovations of the named series.

    ``series`` names factors with noise (``ai_demand``, ``credit_spread.HY``,
    ``gpu_resale.default``, ``power.gap``); ``matrix`` is their correlation matrix.
    """

    series: list[str] = Field(min_length=1, description="Noisy series, in matrix order.",
                              json_schema_extra=_unit("names"))
    matrix: list[list[float]] = Field(description="Correlation matrix (square, symmetric, "
                                                  "unit diagonal, PSD).",
                                      json_schema_extra=_unit("decimal"))

    @model_validator(mode="after")
    def _check(self) -> Correlation:
        n = len(self.series)
        if len(set(self.series)) != n:
            raise ValueError("series: a series may appear once")
        if len(self.matrix) != n or any(len(row) != n for row in self.matrix):
            raise ValueError(f"matrix: must be square, {n}×{n} for {n} series")
        m = np.asarray(self.matrix, dtype=float)
        if not np.all(np.isfinite(m)):
            raise ValueError("matrix: entries must be finite")
        if np.any(np.abs(m) > 1):
            raise ValueError("matrix: entries must lie in [−1, 1]")
        if not np.allclose(np.diag(m), 1.0):
            raise ValueError("matrix: the diagonal must be all 1")
        if not np.allclose(m, m.T, atol=1e-12):
            i, j = np.argwhere(~np.isclose(m, m.T, atol=1e-12))[0]
            raise ValueError(f"matrix: not symmetric (row {i}, column {j} is {m[i, j]:g}, "
                             f"row {j}, column {i} is {m[j, i]:g})")
        low = float(np.linalg.eigvalsh(m).min())
        if low < -1e-10:
            raise ValueError(f"matrix: not positive semi-definite (smallest eigenvalue "
                             f"{low:.4g})")
        return self


# ---------------------------------------------------------------- policies and shocks


class GovernmentGuarantee(Strict):
    """A guarantor (e.g. a government) standing behind named obligations."""

    guarantor: str = Field(description="Entity id of the guarantor.",
                           json_schema_extra=_unit("id"))
    contracts: list[str] = Field(min_length=1, description="Contract ids guaranteed.",
                                 json_schema_extra=_unit("ids"))
    spread: float = rate("Credit spread the guaranteed debt pays over the base rate.", 0.0,
                         lo=0.0)


class Policies(Strict):
    """Policy switches."""

    strategic_default: bool = Field(
        False, description="Lessees may walk away from leases when demand stays low.",
        json_schema_extra=_unit("flag"))
    fire_sale_feedback: bool = Field(
        False, description="Forced sales of GPUs push resale prices down further.",
        json_schema_extra=_unit("flag"))
    guarantee: GovernmentGuarantee | None = Field(
        None, description="A guarantee of named obligations.", json_schema_extra=_unit("rule"))


class RevenueShock(Strict):
    """An entity's revenue falls by ``fraction`` from ``start`` on."""

    kind: Literal["revenue_drop"] = Field(description="Shock kind.",
                                          json_schema_extra=_unit("text"))
    entity: str = Field(description="Entity id.", json_schema_extra=_unit("id"))
    fraction: float = share("Fall in revenue (0.5 = half).")
    start: Any = Field(description="First quarter affected (index or date).",
                       json_schema_extra=_unit("quarter or date"))

    @model_validator(mode="before")
    @classmethod
    def _date(cls, data: Any) -> Any:
        if isinstance(data, dict) and "start" in data:
            try:
                data = {**data, "start": _when(data["start"])}
            except ValueError as exc:
                raise ValueError(f"start: {exc}") from None
        return data


class DefaultShock(Strict):
    """An entity defaults in quarter ``at``."""

    kind: Literal["default"] = Field(description="Shock kind.",
                                     json_schema_extra=_unit("text"))
    entity: str = Field(description="Entity id.", json_schema_extra=_unit("id"))
    at: Any = Field(description="Quarter of default (index or date).",
                    json_schema_extra=_unit("quarter or date"))

    @model_validator(mode="before")
    @classmethod
    def _date(cls, data: Any) -> Any:
        if isinstance(data, dict) and "at" in data:
            try:
                data = {**data, "at": _when(data["at"])}
            except ValueError as exc:
                raise ValueError(f"at: {exc}") from None
        return data


SHOCK_CLASSES: dict[str, type[Strict]] = {"revenue_drop": RevenueShock,
                                          "default": DefaultShock}


def _shock_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        name = value.get("kind")
        return name if name in SHOCK_CLASSES else None
    return getattr(value, "kind", None)


Shock = Annotated[
    Annotated[RevenueShock, Tag("revenue_drop")] | Annotated[DefaultShock, Tag("default")],
    Discriminator(_shock_tag, custom_error_type="invalid_shock",
                  custom_error_message="expected {kind: NAME, ...} with NAME one of "
                                       + ", ".join(SHOCK_CLASSES)),
]


# ---------------------------------------------------------------- the scenario


class Factors(Strict):
    """The factor paths a scenario sets; any left out keep the constants in :data:`DEFAULTS`."""

    ai_demand: FactorSpec | None = Field(
        None, description="AI end-demand index (1 = the plan in the network's run-rates).",
        json_schema_extra=_unit("index"))
    gpu_rental_price: FactorSpec | None = Field(
        None, description="GPU rental price index (1 = as-of level).",
        json_schema_extra=_unit("index"))
    gpu_resale: dict[str, FactorSpec] | None = Field(
        None, description="Generation → resale value per dollar of original cost; "
                          "'default' covers generations not listed.",
        json_schema_extra=_unit("generation → decimal"))
    base_rate: FactorSpec | None = Field(None, description="Risk-free base rate.",
                                         json_schema_extra=_unit("decimal / year"))
    credit_spread: dict[Literal["IG", "HY"], FactorSpec] | None = Field(
        None, description="Rating bucket (IG, HY) → spread over the base rate.",
        json_schema_extra=_unit("bucket → decimal / year"))
    equity_window: FactorSpec | None = Field(
        None, description="How open equity markets are to neoclouds, 0 (shut) .. 1 (open).",
        json_schema_extra=_unit("decimal"))
    power_availability: FactorSpec | None = Field(
        None, description="Share of installed capacity that has power (or use power.gap).",
        json_schema_extra=_unit("decimal"))
    chip_delay: FactorSpec | None = Field(
        None, description="Delay of chip deliveries scheduled in a quarter.",
        json_schema_extra=_unit("quarters"))


class Scenario(Strict):
    """A named set of factor paths, policies and shocks.

    Examples
    --------
    >>> s = Scenario.model_validate({"name": "s", "factors": {"base_rate": 0.05}})
    >>> s.series_specs()["base_rate"].base.value
    0.05
    """

    name: str = Field(description="Short name.", json_schema_extra=_unit("text"))
    description: str | None = text("What the scenario represents, in the author's words.")
    source: list[FactId] = Field(default_factory=list,
                                 description="DIGEST fact ids the scenario draws on.",
                                 json_schema_extra=_unit("fact ids"))
    assumptions: dict[str, str] = Field(
        default_factory=dict, description="Key → one-line reason for a chosen figure.",
        json_schema_extra=_unit("key → text"))
    extends: str | None = text("Preset name or file this scenario starts from (resolved "
                               "by the loader).")
    quarters: int | None = Field(None, ge=1, le=400,
                                 description="Horizon the scenario's CSV paths cover.",
                                 json_schema_extra=_unit("quarters"))
    factors: Factors = Field(default_factory=Factors, description="Factor paths.",
                             json_schema_extra=_unit("factor → path"))
    releases: list[Release] = Field(default_factory=list,
                                    description="GPU generation releases (price step-downs).",
                                    json_schema_extra=_unit("list"))
    release_cycle: ReleaseCycle | None = Field(
        None, description="Releases at a regular cadence.", json_schema_extra=_unit("rule"))
    power: Power | None = Field(None, description="Power constraints (→ power_availability).",
                                json_schema_extra=_unit("rule"))
    correlation: Correlation | None = Field(
        None, description="Correlation of noise innovations.", json_schema_extra=_unit("rule"))
    policies: Policies = Field(default_factory=Policies, description="Policy switches.",
                               json_schema_extra=_unit("rule"))
    shocks: list[Shock] = Field(default_factory=list, description="One-off shocks.",
                                json_schema_extra=_unit("list"))

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        resale = self.factors.gpu_resale
        if resale is not None and "default" not in resale:
            raise ValueError("factors.gpu_resale: a 'default' generation is required")
        if self.factors.power_availability is not None and self.power is not None \
                and self.power.gap is not None:
            raise ValueError("power.gap: set either power.gap or factors.power_availability, "
                             "not both")
        specs = self.series_specs()
        for name, spec in specs.items():
            if isinstance(spec.base, Scaled):
                other = specs.get(spec.base.of)
                if other is None or isinstance(other.base, Scaled) or spec.base.of == name:
                    head = "power" if name == "power.gap" else "factors." + name.split(".")[0]
                    raise ValueError(
                        f"{head}: {name} scales {spec.base.of!r}, which must be another "
                        "declared series that is not itself scaled; declared: "
                        + ", ".join(specs))
        if self.correlation is not None:
            noisy = set(self.noisy_series())
            for i, name in enumerate(self.correlation.series):
                if name not in noisy:
                    known = ", ".join(sorted(noisy)) or "none"
                    raise ValueError(f"correlation.series: {name!r} (item {i}) is not a "
                                     f"factor with noise; noisy series: {known}")
        return self

    def series_specs(self) -> dict[str, FactorSpec]:
        """Every declared series by name (``ai_demand``, ``credit_spread.HY``, ``power.gap``)."""
        out: dict[str, FactorSpec] = {}
        for name in FACTOR_NAMES:
            spec = getattr(self.factors, name)
            if spec is None:
                continue
            if isinstance(spec, dict):
                for key, sub in spec.items():
                    out[f"{name}.{key}"] = sub
            else:
                out[name] = spec
        if self.power is not None and self.power.gap is not None:
            out["power.gap"] = self.power.gap
        return out

    def noisy_series(self) -> list[str]:
        """Names of the series that carry noise, in a fixed order."""
        return [n for n, s in self.series_specs().items() if s.noise is not None]

    @property
    def is_stochastic(self) -> bool:
        """Whether any path has noise or a random parameter."""
        return bool(self.noisy_series()) or _has_dist(self)

    def reference_problems(self, entities: set[str], contracts: set[str],
                           network: str = "the network") -> list[str]:
        """``'field: message'`` for each entity or contract id the scenario names that is
        not among ``entities``/``contracts`` (shock entities, guarantor, guaranteed
        contracts)."""
        out = []
        for i, s in enumerate(self.shocks):
            if s.entity not in entities:
                out.append(f"shocks[{i}].entity: no entity {s.entity!r} in {network}")
        g = self.policies.guarantee
        if g is not None:
            if g.guarantor not in entities:
                out.append(f"policies.guarantee.guarantor: no entity {g.guarantor!r} in "
                           f"{network}")
            for i, c in enumerate(g.contracts):
                if c not in contracts:
                    out.append(f"policies.guarantee.contracts[{i}]: no contract {c!r} in "
                               f"{network}")
        return out


def _has_dist(obj: Any) -> bool:
    if isinstance(obj, _Dist):
        return True
    if isinstance(obj, Strict):
        return any(_has_dist(getattr(obj, f)) for f in type(obj).model_fields)
    if isinstance(obj, dict):
        return any(_has_dist(v) for v in obj.values())
    if isinstance(obj, list | tuple):
        return any(_has_dist(v) for v in obj)
    return False


#: Values of factors a scenario leaves out (constant paths).
DEFAULTS: dict[str, float] = {
    "ai_demand": 1.0, "gpu_rental_price": 1.0, "gpu_resale": 1.0, "base_rate": 0.04,
    "credit_spread.IG": 0.01, "credit_spread.HY": 0.04, "equity_window": 1.0,
    "power_availability": 1.0, "chip_delay": 0.0,
}

__all__ = [
    "DEFAULTS", "DIST_CLASSES", "FACTOR_NAMES", "SHAPE_CLASSES", "SHOCK_CLASSES", "Beta",
    "Constant", "Correlation", "CsvColumn", "DefaultShock", "Dist", "Exponential",
    "FactorSpec", "Factors", "GovernmentGuarantee", "LogNormal", "Logistic", "Noise",
    "Normal", "Param", "Piecewise", "Policies", "Power", "Release", "ReleaseCycle",
    "RevenueShock", "Scaled", "Scenario",
    "Shape", "Triangular", "Uniform", "is_random", "param_text", "when_text",
]
