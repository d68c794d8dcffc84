"""Field helpers shared by every record: units, dates, ids and provenance.

Every numeric field is declared through one of the helpers below so that its unit travels
with it (``json_schema_extra["unit"]``) into the JSON Schema, the field tables in the docs
and the CLI.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)

ID_PATTERN = r"^[a-z0-9][a-z0-9_.\-]*$"
FACT_ID_PATTERN = r"^S[0-9]-[0-9]{2}$"
_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")


def parse_date(value: Any) -> Any:
    """Accept ``2029Q1`` (the first day of that quarter), an ISO date or a ``date``.

    >>> parse_date("2029Q2")
    datetime.date(2029, 4, 1)
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        match = _QUARTER.match(value)
        if match:
            return dt.date(int(match[1]), 3 * int(match[2]) - 2, 1)
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(
                f"expected a date like 2029Q1 or 2029-03-31, got {value!r}"
            ) from exc
    raise ValueError(f"expected a date like 2029Q1 or 2029-03-31, got {value!r}")


def quarter_label(day: dt.date) -> str:
    """``date(2029, 5, 30)`` → ``'2029Q2'``."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


Date = Annotated[
    dt.date,
    BeforeValidator(parse_date),
    PlainSerializer(lambda d: d.isoformat(), return_type=str, when_used="json"),
]
EntityId = Annotated[str, Field(pattern=ID_PATTERN, max_length=80)]
FactId = Annotated[str, Field(pattern=FACT_ID_PATTERN)]


def usd(description: str, default: Any = 0.0, **kw: Any) -> Any:
    """A non-negative, finite amount in US dollars, billions."""
    return Field(default, ge=0, allow_inf_nan=False, description=description,
                 json_schema_extra={"unit": "USD bn"}, **kw)


def usd_per_year(description: str, default: Any = 0.0, **kw: Any) -> Any:
    """A non-negative annual run-rate in US dollars, billions per year."""
    return Field(default, ge=0, allow_inf_nan=False, description=description,
                 json_schema_extra={"unit": "USD bn / year"}, **kw)


def rate(description: str, default: Any = None, *, lo: float = -0.05, hi: float = 1.0,
         **kw: Any) -> Any:
    """A rate per year as a decimal (0.065 = 6.5%)."""
    return Field(default, ge=lo, le=hi, allow_inf_nan=False, description=description,
                 json_schema_extra={"unit": "decimal / year"}, **kw)


def share(description: str, default: Any = None, **kw: Any) -> Any:
    """A share or probability as a decimal in [0, 1]."""
    return Field(default, ge=0, le=1, allow_inf_nan=False, description=description,
                 json_schema_extra={"unit": "decimal"}, **kw)


def count(description: str, default: Any = 0, unit: str = "count", **kw: Any) -> Any:
    """A non-negative count."""
    return Field(default, ge=0, description=description, json_schema_extra={"unit": unit}, **kw)


def when(description: str, default: Any = None, **kw: Any) -> Any:
    """A date; accepts ``2029Q1`` or an ISO date."""
    return Field(default, description=description,
                 json_schema_extra={"unit": "date (2029Q1 or ISO)"}, **kw)


def text(description: str, default: Any = None, **kw: Any) -> Any:
    return Field(default, description=description, json_schema_extra={"unit": "text"}, **kw)


class Strict(BaseModel):
    """Base for every declared object: unknown keys are an error, and a true/false value
    is never taken for a number."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True,
                              use_enum_values=False, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _no_bool_for_numbers(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, value in data.items():
                field = cls.model_fields.get(name) if isinstance(name, str) else None
                if isinstance(value, bool) and field is not None:
                    annotation = field.annotation
                    if annotation is not bool and bool not in typing.get_args(annotation):
                        raise ValueError(f"{name}: expected a number, got a true/false value")
        return data


class Record(Strict):
    """A top-level declaration (an entity or a contract) with its provenance.

    ``source`` lists the DIGEST fact ids that back the record's figures; ``assumptions``
    names each field the seeds are silent on with a one-line reason; ``alternatives``
    records figures the seeds give differently and why the chosen one was preferred.
    """

    id: EntityId = Field(description="Unique id (lower case, digits, '_', '-', '.').",
                         json_schema_extra={"unit": "id"})
    description: str | None = text("Free text, in the author's own words.")
    source: list[FactId] = Field(
        default_factory=list,
        description="DIGEST fact ids (e.g. S1-13) that back this record's figures.",
        json_schema_extra={"unit": "fact ids"},
    )
    assumptions: dict[str, str] = Field(
        default_factory=dict,
        description="Field name → one-line reason, for figures the seeds do not give.",
        json_schema_extra={"unit": "field → text"},
    )
    alternatives: dict[str, str] = Field(
        default_factory=dict,
        description="Field name → the figure other seeds give and why it was not chosen.",
        json_schema_extra={"unit": "field → text"},
    )
