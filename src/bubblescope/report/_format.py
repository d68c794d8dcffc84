"""Small formatting helpers shared by the report's sections (numbers, labels, tables)."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

#: Plural phrases for entity and holder kinds, used in sentences.
KIND_PLURAL: dict[str, str] = {
    "hyperscaler": "hyperscalers", "ai_lab": "AI labs", "chip_vendor": "chip vendors",
    "neocloud": "neoclouds", "cloud_provider": "cloud providers", "spv": "SPVs",
    "private_credit_fund": "private-credit funds", "asset_manager": "asset managers",
    "etf": "ETFs", "bank": "banks", "insurer": "insurers", "pension_fund": "pension funds",
    "sovereign_fund": "sovereign funds", "endowment": "endowments",
    "hedge_fund": "hedge funds", "venture_fund": "venture funds",
    "retail_savers": "retail savers", "government": "governments",
    "power_supplier": "power suppliers", "equipment_maker": "equipment makers",
    "other": "other entities", "external": "holders outside the network",
    "none": "no default",
}

#: Singular phrases ("an SPV") for entity kinds.
KIND_SINGULAR: dict[str, str] = {
    "hyperscaler": "a hyperscaler", "ai_lab": "an AI lab", "chip_vendor": "a chip vendor",
    "neocloud": "a neocloud", "cloud_provider": "a cloud provider", "spv": "an SPV",
    "private_credit_fund": "a private-credit fund", "asset_manager": "an asset manager",
    "etf": "an ETF", "bank": "a bank", "insurer": "an insurer",
    "pension_fund": "a pension fund", "sovereign_fund": "a sovereign fund",
    "endowment": "an endowment", "hedge_fund": "a hedge fund",
    "venture_fund": "a venture fund", "retail_savers": "retail savers",
    "government": "a government", "power_supplier": "a power supplier",
    "equipment_maker": "an equipment maker", "other": "another entity",
}


def plural(kind: str) -> str:
    """Plural phrase of a kind (``"spv"`` → ``"SPVs"``)."""
    return KIND_PLURAL.get(kind, kind.replace("_", " "))


def singular(kind: str) -> str:
    """Singular phrase of a kind with its article (``"spv"`` → ``"an SPV"``)."""
    return KIND_SINGULAR.get(kind, kind.replace("_", " "))


def is_num(x: Any) -> bool:
    """True for a finite real number."""
    try:
        return x is not None and not isinstance(x, bool) and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def bn(x: Any, digits: int | None = None) -> str:
    """USD billions with sensible rounding: ``1,234``, ``55.4``, ``3.27``, ``0.042``."""
    if not is_num(x):
        return "n/a"
    v = float(x)
    if digits is None:
        a = abs(v)
        digits = 0 if a >= 100 else 1 if a >= 10 else 2 if a >= 0.1 else 3
    out = f"{v:,.{digits}f}"
    return "0" if float(out.replace(",", "")) == 0 else out


def usd(x: Any) -> str:
    """``$55.4bn``."""
    return f"${bn(x)}bn" if is_num(x) else "n/a"


def prob(p: Any, se: Any = None) -> str:
    """A probability with its standard error: ``0.75 ± 0.02`` (``0.75`` without one)."""
    if not is_num(p):
        return "n/a"
    out = f"{float(p):.2f}"
    if is_num(se):
        s = float(se)
        out += f" ± {s:.3f}" if 0 < s < 0.005 else f" ± {s:.2f}"
    return out


def pct(x: Any, digits: int = 0) -> str:
    """``42%``."""
    return f"{float(x) * 100:.{digits}f}%" if is_num(x) else "n/a"


def short_name(entity: str, name: Any = None, kind: Any = None) -> str:
    """Readable label of an entity: its name up to the first parenthesis, or its id for
    SPVs (whose legal names say little) and when no name is known."""
    if not isinstance(name, str) or not name or kind == "spv":
        return entity
    return name.split(" (")[0].strip() or entity


def join_words(items: Sequence[str], word: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def html_table(df: pd.DataFrame, formats: Mapping[str, Callable[[Any], str]] | None = None,
               *, css: str = "data", index: bool = False, max_rows: int | None = None,
               raw: Sequence[str] = ()) -> str:
    """An escaped HTML table; ``formats`` maps columns to formatters, numbers right-aligned.

    Columns in ``raw`` are inserted unescaped (for cells the report builds itself).
    """
    formats = dict(formats or {})
    if index:
        df = df.reset_index()
    if max_rows is not None and len(df) > max_rows:
        df = df.head(max_rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for rec in df.itertuples(index=False, name=None):
        cells = []
        for col, v in zip(df.columns, rec, strict=True):
            f = formats.get(col)
            if f is not None:
                text = f(v)
            elif isinstance(v, float):
                text = bn(v)
            elif v is None or (isinstance(v, float) and math.isnan(v)):
                text = "—"
            else:
                text = str(v)
            num = f is not None or isinstance(v, int | float) and not isinstance(v, bool)
            cls = ' class="num"' if num else ""
            cell = text if col in raw else html.escape(text)
            cells.append(f"<td{cls}>{cell}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="table-wrap"><table class="{css}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>")
