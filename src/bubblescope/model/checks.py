"""Consistency checks across a whole network, in the PyPSA manner.

Each ``check_*`` function takes a network and yields :class:`Problem` s; they are gathered
by :func:`consistency_check`. Field-level rules (types, signs, dates within one record) are
enforced by the pydantic models themselves; the checks here need the whole network.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .contracts import (
    Bond,
    ChipPurchase,
    ContractBase,
    CreditFacility,
    EquityStake,
    FundCommitment,
    Guarantee,
    Loan,
    Securitisation,
    Status,
)

if TYPE_CHECKING:
    from .network import Network

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One problem found in a network.

    ``location`` is a path into the network's data, e.g. ``("contracts", 3, "lender")``,
    which the file loaders translate into a file and line.
    """

    location: Location
    message: str
    severity: Literal["error", "warning"] = "error"
    code: str = "consistency"

    def field_path(self) -> str:
        out = ""
        for part in self.location:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out


def _at(kind: str, index: int, *field: str | int) -> Location:
    return (kind, index, *field)


def check_unique_ids(net: Network) -> Iterator[Problem]:
    """Entity ids are unique, contract ids are unique."""
    for group, items in (("entities", net.entities), ("contracts", net.contracts)):
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            if item.id in seen:
                yield Problem(_at(group, i, "id"),
                              f"duplicate id {item.id!r} (first used by {group}[{seen[item.id]}])",
                              code="duplicate_id")
            else:
                seen[item.id] = i


def check_references(net: Network) -> Iterator[Problem]:
    """Every entity and contract a record names exists."""
    entity_ids = {e.id for e in net.entities}
    contract_ids = {c.id for c in net.contracts}
    for i, e in enumerate(net.entities):
        if e.parent is not None and e.parent not in entity_ids:
            yield Problem(_at("entities", i, "parent"),
                          f"unknown entity {e.parent!r}: expected the id of an entity",
                          code="unknown_reference")
    for i, c in enumerate(net.contracts):
        for field, ref in c.parties():
            if ref not in entity_ids:
                yield Problem(_at("contracts", i, *_split(field)),
                              f"unknown entity {ref!r}: expected the id of an entity",
                              code="unknown_reference")
        if isinstance(c, Guarantee) and c.obligation not in contract_ids:
            yield Problem(_at("contracts", i, "obligation"),
                          f"unknown contract {c.obligation!r}: expected the id of a contract",
                          code="unknown_reference")
        if isinstance(c, Securitisation):
            for j, ref in enumerate(c.pool):
                if ref not in contract_ids:
                    yield Problem(_at("contracts", i, "pool", j),
                                  f"unknown contract {ref!r}: expected the id of a contract",
                                  code="unknown_reference")


def _split(field: str) -> tuple[str | int, ...]:
    """``'holders[2].holder'`` → ``('holders', 2, 'holder')``."""
    out: list[str | int] = []
    for part in field.replace("]", "").split("."):
        name, *idx = part.split("[")
        out.append(name)
        out.extend(int(k) for k in idx)
    return tuple(out)


def check_no_self_contracts(net: Network) -> Iterator[Problem]:
    """Nobody contracts with itself (lender = borrower, buyer = seller, ...)."""
    for i, c in enumerate(net.contracts):
        parties = [(f, v) for f, v in c.parties() if f in c.PARTY_FIELDS[:2]]
        if len(parties) == 2 and parties[0][1] == parties[1][1]:
            yield Problem(_at("contracts", i, parties[1][0]),
                          f"{c.kind} {c.id!r}: {parties[0][0]} and {parties[1][0]} are the "
                          f"same entity {parties[0][1]!r}", code="self_contract")
        if isinstance(c, Bond):
            for j, h in enumerate(c.holders):
                if h.holder == c.issuer:
                    yield Problem(_at("contracts", i, "holders", j, "holder"),
                                  f"bond {c.id!r}: the issuer cannot hold its own bond",
                                  code="self_contract")


def check_holder_shares(net: Network) -> Iterator[Problem]:
    """Bond holders and tranche holders account for the whole issue, or a remainder is named;
    equity stakes in one issuer do not exceed 100% ownership."""
    for i, c in enumerate(net.contracts):
        if isinstance(c, Bond) and c.holders and c.remainder_holder is None:
            left = c.unlisted_amount()
            if left > 1e-9 * max(c.amount, 1):
                yield Problem(_at("contracts", i, "holders"),
                              f"bond {c.id!r}: holders cover {c.amount - left:g} of "
                              f"{c.amount:g}; name a remainder_holder for the other {left:g}",
                              severity="warning", code="holders_incomplete")
        if isinstance(c, Securitisation):
            for j, t in enumerate(c.tranches):
                held = sum(h.share for h in t.holders)
                if t.remainder_holder is None and held < 1 - 1e-9:
                    yield Problem(_at("contracts", i, "tranches", j, "holders"),
                                  f"tranche {t.name!r}: holders cover {held:.1%}; name a "
                                  "remainder_holder for the rest",
                                  severity="warning", code="holders_incomplete")
    owned: dict[str, float] = defaultdict(float)
    last: dict[str, int] = {}
    for i, c in enumerate(net.contracts):
        if isinstance(c, EquityStake) and c.ownership and c.status != Status.cancelled:
            owned[c.issuer] += c.ownership
            last[c.issuer] = i
    for issuer, total in owned.items():
        if total > 1 + 1e-9:
            yield Problem(_at("contracts", last[issuer], "ownership"),
                          f"equity stakes in {issuer!r} add up to {total:.1%} ownership, "
                          "above 100%", code="shares_above_100")


def check_dates(net: Network) -> Iterator[Problem]:
    """Nothing is announced after the as-of date; schedules sit inside the contract term."""
    for i, c in enumerate(net.contracts):
        if c.announced is not None and c.announced > net.as_of:
            yield Problem(_at("contracts", i, "announced"),
                          f"announced {c.announced} is after the network's as-of date "
                          f"{net.as_of}", code="impossible_date")
        if c.status == Status.funded and c.start is not None and c.start > net.as_of:
            yield Problem(_at("contracts", i, "status"),
                          f"status is 'funded' but the contract starts {c.start}, after the "
                          f"as-of date {net.as_of}", severity="warning", code="impossible_date")
        if isinstance(c, ChipPurchase):
            for j, d in enumerate(c.deliveries):
                if c.announced is not None and d.date < c.announced:
                    yield Problem(_at("contracts", i, "deliveries", j, "date"),
                                  f"delivery {d.date} precedes the deal ({c.announced})",
                                  code="impossible_date")
        if isinstance(c, Loan):
            for j, p in enumerate(c.schedule):
                if c.end is not None and p.date > c.end:
                    yield Problem(_at("contracts", i, "schedule", j, "date"),
                                  f"repayment {p.date} is after maturity {c.end}",
                                  code="impossible_date")


def outstanding_at_as_of(c: ContractBase) -> float:
    """Money actually outstanding at the data date under a claim contract (USD bn).

    Funded contracts count at their drawn/called amount (all of ``amount`` if not given);
    signed ones only where a drawn/called amount is stated; others not at all.
    """
    if c.status == Status.cancelled:
        return 0.0
    explicit = None
    if isinstance(c, Loan | CreditFacility):
        explicit = c.drawn
    elif isinstance(c, FundCommitment):
        explicit = c.called
    if explicit is not None:
        return explicit if c.status in (Status.funded, Status.signed) else 0.0
    return c.amount if c.status == Status.funded else 0.0


def balance_sheet(net: Network, entity_id: str) -> dict[str, float]:
    """Assets, liabilities and book equity of an entity at the data date (USD bn).

    Assets: cash, other assets and claims under funded contracts (loans and facilities
    drawn, bonds held, capital called by funds it invested in, equity stakes at cost).
    Liabilities: debt and other liabilities outside the network plus drawn loans and
    facilities and bonds issued. Capital called from LPs is the fund's equity, not debt.
    """
    e = net.entity(entity_id)
    claims = 0.0
    debts = 0.0
    for c in net.contracts:
        amount = outstanding_at_as_of(c)
        if amount == 0.0:
            continue
        if isinstance(c, Loan | CreditFacility):
            claims += amount if c.lender == entity_id else 0.0
            debts += amount if c.borrower == entity_id else 0.0
        elif isinstance(c, Bond):
            if c.issuer == entity_id:
                debts += amount
            held = sum(h.amount for h in c.holders if h.holder == entity_id)
            if c.remainder_holder == entity_id:
                held += c.unlisted_amount()
            claims += held * (amount / c.amount if c.amount else 0.0)
        elif isinstance(c, FundCommitment | EquityStake) and c.investor == entity_id:
            claims += amount
    assets = e.cash + e.other_assets + claims
    liabilities = e.debt + e.other_liabilities + debts
    return {"assets": assets, "liabilities": liabilities, "book_equity": assets - liabilities,
            "contract_claims": claims, "contract_debt": debts}


def check_balance_sheets(net: Network) -> Iterator[Problem]:
    """Where an entity declares its book equity, assets = liabilities + equity holds."""
    for i, e in enumerate(net.entities):
        if e.book_equity is None:
            continue
        sheet = balance_sheet(net, e.id)
        gap = sheet["book_equity"] - e.book_equity
        if abs(gap) > max(0.01, 0.01 * abs(sheet["assets"])):
            yield Problem(_at("entities", i, "book_equity"),
                          f"balance sheet does not balance: assets {sheet['assets']:.3f} − "
                          f"liabilities {sheet['liabilities']:.3f} = "
                          f"{sheet['book_equity']:.3f}, but book_equity is {e.book_equity:g}",
                          code="unbalanced")


_PROVENANCE_SKIP = {"id", "description", "source", "assumptions", "alternatives", "name",
                    "kind", "country", "rating", "parent", "status", "amount_type"}


def _numeric_fields_set(record: object) -> list[str]:
    fields: set[str] = getattr(record, "model_fields_set", set())
    out = []
    for name in sorted(fields):
        if name in _PROVENANCE_SKIP:
            continue
        value = getattr(record, name)
        if isinstance(value, bool) or value is None or isinstance(value, str):
            continue
        out.append(name)
    return out


def check_provenance(net: Network, facts: set[str] | None = None) -> Iterator[Problem]:
    """Every figure is traced: a record that sets numbers cites fact ids or gives an
    assumption for each number it sets; cited fact ids exist in the register; assumption
    keys name real fields."""
    for group, items in (("entities", net.entities), ("contracts", net.contracts)):
        for i, rec in enumerate(items):
            model_fields = type(rec).model_fields
            for key in rec.assumptions:
                if key.split(".")[0].split("[")[0] not in model_fields:
                    yield Problem(_at(group, i, "assumptions", key),
                                  f"assumption names {key!r}, which is not a field of "
                                  f"{type(rec).__name__}", severity="warning",
                                  code="provenance")
            if facts is not None:
                for j, fid in enumerate(rec.source):
                    if fid not in facts:
                        yield Problem(_at(group, i, "source", j),
                                      f"fact {fid!r} is not in the fact register",
                                      code="unknown_fact")
            if rec.source:
                continue
            covered = {k.split(".")[0].split("[")[0] for k in rec.assumptions}
            missing = [f for f in _numeric_fields_set(rec) if f not in covered]
            if missing:
                yield Problem(_at(group, i, missing[0]),
                              f"{rec.id!r} sets {', '.join(missing)} without a source: cite "
                              "a DIGEST fact id in `source` or give a reason in `assumptions`",
                              severity="warning", code="provenance")


CHECKS: tuple[Callable[[Network], Iterator[Problem]], ...] = (
    check_unique_ids, check_references, check_no_self_contracts, check_holder_shares,
    check_dates, check_balance_sheets,
)


def consistency_check(net: Network, strict: bool = False,
                      facts: set[str] | None = None) -> list[Problem]:
    """Run every check; with ``strict`` warnings become errors.

    Parameters
    ----------
    net : Network
    strict : bool
        Promote warnings (incomplete holder lists, missing provenance) to errors.
    facts : set of str, optional
        Known DIGEST fact ids; if given, cited ids are checked against it.

    Returns
    -------
    list of Problem, errors first.

    Examples
    --------
    >>> import bubblescope
    >>> net = bubblescope.load_network("ai-2025")
    >>> [p for p in net.consistency_check() if p.severity == "error"]
    []
    """
    problems = [p for check in CHECKS for p in check(net)]
    problems += list(check_provenance(net, facts))
    if strict:
        problems = [Problem(p.location, p.message, "error", p.code) for p in problems]
    return sorted(problems, key=lambda p: p.severity != "error")
