"""The register of seed facts shipped with the package (DIGEST ids and paraphrases)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ..data import FACTS_FILE
from .reading import read_text
from .yaml_source import parse_yaml


@dataclass(frozen=True)
class Fact:
    id: str
    section: str
    text: str
    context_only: bool


@cache
def load_facts() -> tuple[Fact, ...]:
    """Every fact in the register, in DIGEST order (empty if the register is absent)."""
    if not FACTS_FILE.exists():
        return ()
    items, _ = parse_yaml(read_text(FACTS_FILE, what="fact register"), str(FACTS_FILE))
    return tuple(Fact(i["id"], i.get("section", ""), i["text"], bool(i.get("context_only")))
                 for i in items)


def fact_ids() -> set[str] | None:
    """Ids in the register, or None when no register is installed."""
    facts = load_facts()
    return {f.id for f in facts} if facts else None
