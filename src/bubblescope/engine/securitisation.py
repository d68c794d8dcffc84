"""Securitisations as instruments the engine already knows.

A live securitisation (``kind: securitisation``) is rewritten, when a network is compiled,
into three things the engine simulates like any other contract:

1. **The sale of the pool.** The issuer buys a share ``s`` of the pooled contracts'
   remaining cash flows. A pooled lease becomes two obligations of the same lessee: the
   part kept by the original lessor (rent, lease claim, residual value guarantee and exit
   payment × ``1 − s``) and the part sold to the issuer (× ``s``, id ``<deal>/<lease>``).
   A pooled loan, bond or credit facility moves ``s`` of each creditor's share to the
   issuer. A lessee's strategic exit leaves both parts at once.
2. **The rated tranches** (every tranche but the bottom one) become notes of the issuer
   (id ``<deal>/<tranche>``): principal ``(detachment − attachment) × amount``, the
   tranche's coupon (``EngineParams.outside_debt_rate`` when it has none, an assumption),
   held by its holders by share with the rest to ``remainder_holder`` (outside the network
   without one). The most senior tranche ranks 1, the next 2, every further one 3 (the
   engine has ranks 0 secured … 3 unsecured; rank 1 also holds the issuer's trade
   claims and opex, which a vehicle normally has none of). Deals with more than three
   rated tranches have their junior notes compressed into rank 3, pari passu.
   Repayment is a sequential pass-through: each quarter the collections the issuer is
   scheduled to receive pay the notes' interest, then principal, senior first, so on
   full performance the notes amortise as the pool pays; the principal schedule is
   fixed at compile time (custom amortisation) and the notes mature in the last quarter
   of collections. When collections fall short the issuer cannot pay, defaults, and the
   engine's waterfall pays the senior notes before the mezzanine; what is left goes to the
   equity: bottom-up loss allocation with cash.
3. **The bottom tranche** becomes the issuer's equity: one equity stake per holder
   (id ``<deal>/<tranche>/<holder>``) with that share of the issuer and the tranche's
   notional × share as its cost.

The share sold ``s`` is the smallest share whose scheduled collections, run through the
pass-through above, repay the rated notes with their coupons and then return the equity
tranche's notional (undiscounted), found by bisection and capped at 1. A pool that
cannot carry the tranches even when sold whole leaves the issuer under-collateralised:
it defaults in the simulation, a legitimate outcome.

Balance sheets. The engine books no lease receivables (a lessor's future rent is no
asset; ``other_assets`` exclude every claim the network lists), so the issuer opens with
the notes as liabilities and, as assets, only the loans it bought (``s`` of their
principal) and its own cash. Holders carry their notes at the principal outstanding and
their equity pieces at cost, on top of their ``other_assets`` (which, by the same rule,
exclude tranches listed here). When interest falls due before the first collections, the
issuer needs a reserve account: the largest cumulative shortfall of collections below
interest, moved at the as-of date from the sponsor's cash to the issuer's (at most what
the sponsor holds; without a sponsor the issuer opens without one). It comes back to the
equity once the notes are repaid.

Scope. Leases and loans, bonds and credit facilities already disbursed (and with nothing
left to draw) can be pooled; other pooled kinds, contracts whose debtor or lessee is the
issuer itself, cancelled ones and ones an earlier deal in the network already pooled are
left where they are. A pooled contract the issuer already owns counts as collections in
full and is not split. Notes and equity pieces held by the issuer itself are cancelled.
A live deal is treated as in force from the as-of date (its notes are outstanding then;
nothing is disbursed later), whatever its status or start; floating-rate pooled debt is
counted at its spread only (the base rate is not known when compiling), which sells a
slightly larger share.

Example
-------
A lease paying 1.0 a quarter for eight quarters from the as-of quarter, pooled into a
deal of amount 6 with an equity tranche 0–0.2 and a senior tranche 0.2–1.0 at a 0 %
coupon: the senior notes (4.8) are repaid first, then the equity's 1.2 is returned, so
``s = (4.8 + 1.2) / 8 = 0.75``; the notes are repaid 0.75 a quarter over the first six
quarters and 0.3 in the seventh, and the issuer keeps the 1.2 residual::

    >>> plans = plan_securitisations(network, EngineParams())   # doctest: +SKIP
    >>> plans[0].sold_share                                      # doctest: +SKIP
    0.75
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..model.contracts import Bond, CreditFacility, Lease, Loan, Securitisation
from ..model.network import Network
from .calendar import lease_rents, quarter_number

Array = np.ndarray

#: Quarters of collections counted for pooled debt without a maturity (perpetual).
PERPETUAL_QUARTERS = 160
#: Bisection steps for the share sold (2^-60 of the pool).
BISECTION_STEPS = 60


@dataclass(frozen=True)
class TranchePlan:
    """One tranche of a deal, as the engine will carry it.

    Attributes
    ----------
    name : tranche name.
    attachment, detachment : pool-loss band, decimal of ``amount``.
    notional : ``(detachment − attachment) × amount``, USD bn.
    equity : True for the bottom tranche (the issuer's equity).
    holders : (N+1,) shares of the tranche outstanding by entity, column N outside the
        network; sums to 1 (the issuer's own share removed and the rest rescaled).
    principal : notes outstanding at the as-of date, USD bn (0 for the equity; notional
        less any notes the issuer holds itself).
    coupon : decimal/yr (0 for the equity).
    rank : engine rank (1, 2, 3; −1 for the equity).
    schedule : (L,) principal repaid in each quarter from the as-of quarter, USD bn.
    maturity : quarter index the notes fall due (the last quarter of collections).
    """

    name: str
    attachment: float
    detachment: float
    notional: float
    equity: bool
    holders: Array
    principal: float = 0.0
    coupon: float = 0.0
    rank: int = -1
    schedule: Array = field(default_factory=lambda: np.zeros(0))
    maturity: int = 0


@dataclass(frozen=True)
class DealPlan:
    """How one live securitisation is carried by the engine.

    Attributes
    ----------
    deal : the securitisation's id.
    amount : the pool balance, USD bn.
    issuer : entity index of the issuing vehicle.
    sponsor : entity index of the sponsor, or −1.
    sold_share : ``s``, share of the pooled cash flows sold to the issuer, in [0, 1].
    reserve : cash the sponsor moves into the issuer's reserve account at the as-of
        date, USD bn (before capping at the sponsor's cash, done when compiling).
    leases : ids of the pooled leases split between their lessor and the issuer.
    debts : ids of the pooled debt instruments whose creditors sell ``s`` to the issuer.
    collections : (L,) the issuer's scheduled collections by quarter at ``sold_share``.
    tranches : bottom up.
    """

    deal: str
    amount: float
    issuer: int
    sponsor: int
    sold_share: float
    reserve: float
    leases: tuple[str, ...]
    debts: tuple[str, ...]
    collections: Array
    tranches: tuple[TranchePlan, ...]


def poolable_debt(c: Loan | Bond | CreditFacility, q0: int) -> float | None:
    """Principal outstanding of a debt instrument the issuer can buy a share of: already
    disbursed and with nothing left to draw (None otherwise), USD bn."""
    if c.start is not None and quarter_number(c.start) - q0 > 0:
        return None
    if isinstance(c, Bond):
        return c.amount
    if c.amount_type.value == "ceiling" or c.status.value == "announced":
        drawn = c.drawn or 0.0
    else:
        drawn = c.amount if c.drawn is None else c.drawn
    committed = c.amount_type.value != "ceiling" and c.status.value != "announced"
    if c.amount - drawn > 0 and committed:
        return None            # a drawable line: the issuer would fund draws too
    return drawn


def debt_service(c: Loan | Bond | CreditFacility, principal: float, q0: int
                 ) -> dict[int, float]:
    """Scheduled interest + principal of a debt instrument by quarter from ``q0``, USD bn,
    on full performance: the engine's amortisation rules at the fixed coupon (the spread
    for a floating one); interest only for :data:`PERPETUAL_QUARTERS` without a maturity."""
    r = (c.spread or 0.0) if c.rate_type == "floating" else (c.rate or 0.0)
    am = getattr(c, "amortisation", None)
    am = am.value if am is not None else "bullet"
    mat = quarter_number(c.end) - q0 if c.end is not None else None
    begin = getattr(c, "amortisation_start", None)
    first = quarter_number(begin) - q0 if begin is not None else -1
    custom: dict[int, float] = {}
    for pay in getattr(c, "schedule", None) or ():
        t = quarter_number(pay.date) - q0
        custom[t] = custom.get(t, 0.0) + pay.amount
    last = max(mat, 0) if mat is not None else PERPETUAL_QUARTERS - 1
    out: dict[int, float] = {}
    bal = principal
    for t in range(last + 1):
        if bal <= 0:
            break
        interest = bal * r / 4.0
        x = 0.0
        if mat is not None:
            left = mat - t + 1
            if left <= 1:
                x = bal
            elif first > 0 and t < first:
                x = 0.0
            elif am == "linear":
                x = bal / left
            elif am == "annuity":
                q = r / 4.0
                pay = bal / left if abs(q) <= 1e-15 else bal * q / (1.0 - (1.0 + q) ** (-left))
                x = pay - bal * q
            elif am == "custom":
                x = custom.get(t, 0.0)
        x = min(max(x, 0.0), bal)
        out[t] = interest + x
        bal -= x
    return out


def pass_through(collections: Array, principal: Array, coupon: Array
                 ) -> tuple[Array, Array, Array]:
    """Sequential pass-through of ``collections`` (L,) to notes listed senior first.

    Each quarter the issuer's cash (which may run below zero) receives the collections
    and pays the interest of every note on its opening balance (``B · coupon / 4``); what
    is left above zero repays principal, senior note first.

    Returns
    -------
    schedule : (L, R) principal repaid by quarter and note, USD bn.
    cash : (L,) the issuer's cash at the end of each quarter, USD bn (negative: a
        reserve is needed).
    balance : (R,) notes left after the last quarter, USD bn.
    """
    L, R = len(collections), len(principal)
    bal = np.array(principal, dtype=float)
    sched = np.zeros((L, R))
    cash = np.zeros(L)
    held = 0.0
    for t in range(L):
        held += collections[t] - float(bal @ coupon) / 4.0
        for k in range(R):
            x = min(max(held, 0.0), bal[k])
            sched[t, k] = x
            bal[k] -= x
            held -= x
        cash[t] = held
    return sched, cash, bal


def _surplus(s: float, sold: Array, owned: Array, principal: Array, coupon: Array,
             equity: float) -> float:
    _, cash, bal = pass_through(s * sold + owned, principal, coupon)
    end = cash[-1] if len(cash) else 0.0
    return float(end - bal.sum() - equity)


def sold_share(sold: Array, owned: Array, principal: Array, coupon: Array,
               equity: float) -> float:
    """Smallest ``s`` in [0, 1] whose collections ``s · sold + owned`` (L,) repay the notes
    (``principal``, ``coupon`` senior first) and return ``equity`` (USD bn); 1 when even
    the whole pool falls short; 0 when what the issuer already owns is enough."""
    if _surplus(0.0, sold, owned, principal, coupon, equity) >= 0:
        return 0.0
    if _surplus(1.0, sold, owned, principal, coupon, equity) < 0:
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        if _surplus(mid, sold, owned, principal, coupon, equity) >= 0:
            hi = mid
        else:
            lo = mid
    return hi


def _holders(tranche: object, index: dict[str, int], N: int) -> Array:
    hold = np.zeros(N + 1)
    for h in tranche.holders:  # type: ignore[attr-defined]
        hold[index[h.holder]] += h.share
    rest = max(1.0 - hold.sum(), 0.0)
    rem = tranche.remainder_holder  # type: ignore[attr-defined]
    hold[index[rem] if rem else N] += rest
    return hold


def plan_securitisations(network: Network, outside_debt_rate: float = 0.06
                         ) -> list[DealPlan]:
    """How each live securitisation of ``network`` is carried by the engine (pure: the
    network is not changed; the same network always gives the same plans).

    Parameters
    ----------
    network : a validated network.
    outside_debt_rate : coupon of a rated tranche that has none, decimal/yr (the
        engine's rate on unlisted debt, ``EngineParams.outside_debt_rate``).

    Returns
    -------
    One :class:`DealPlan` per live securitisation, in the order of the deals' ids (a
    contract pooled by two deals goes to the first, whatever the order of the input).
    """
    q0 = quarter_number(network.as_of)
    index = {e.id: i for i, e in enumerate(network.entities)}
    N = len(index)
    by_id = {c.id: c for c in network.contracts}
    used: set[str] = set()
    plans: list[DealPlan] = []
    deals = sorted((c for c in network.contracts if isinstance(c, Securitisation)),
                   key=lambda c: c.id)
    for sec in deals:
        if sec.status.value == "cancelled":
            continue
        issuer = index[sec.issuer]
        sold_flows: dict[int, float] = {}
        owned_flows: dict[int, float] = {}
        leases: list[str] = []
        debts: list[str] = []
        for cid in sec.pool:
            c = by_id.get(cid)
            if c is None or cid in used or c.status.value == "cancelled":
                continue
            flows: dict[int, float] | None = None
            mine = False
            if isinstance(c, Lease) and c.lessee != sec.issuer:
                flows = lease_rents(c, q0)
                mine = c.lessor == sec.issuer
                if not mine:
                    leases.append(cid)
            elif isinstance(c, Loan | Bond | CreditFacility):
                debtor = c.issuer if isinstance(c, Bond) else c.borrower
                pooled = poolable_debt(c, q0)
                if debtor == sec.issuer or pooled is None:
                    continue
                flows = debt_service(c, pooled, q0)
                mine = (not isinstance(c, Bond) and c.lender == sec.issuer) or (
                    isinstance(c, Bond) and not c.holders
                    and c.remainder_holder == sec.issuer)
                if not mine:
                    debts.append(cid)
            if flows is None:
                continue
            used.add(cid)
            target = owned_flows if mine else sold_flows
            for t, x in flows.items():
                target[t] = target.get(t, 0.0) + x
        L = max([*sold_flows, *owned_flows], default=-1) + 1
        sold = np.zeros(L)
        owned = np.zeros(L)
        for t, x in sold_flows.items():
            sold[t] += x
        for t, x in owned_flows.items():
            owned[t] += x

        order = sorted(range(len(sec.tranches)),
                       key=lambda k: (sec.tranches[k].attachment, sec.tranches[k].detachment))
        bottom = order[0]
        rated = order[1:][::-1]                      # senior first
        pieces: dict[int, dict] = {}
        for r, k in enumerate(rated):
            tr = sec.tranches[k]
            hold = _holders(tr, index, N)
            notional = (tr.detachment - tr.attachment) * sec.amount
            own = hold[issuer]
            hold[issuer] = 0.0
            hold = hold / hold.sum() if hold.sum() > 0 else hold
            pieces[k] = dict(holders=hold, notional=notional,
                             principal=notional * (1.0 - own) if hold.sum() > 0 else 0.0,
                             coupon=tr.coupon if tr.coupon is not None else outside_debt_rate,
                             rank=min(r + 1, 3))
        eq = sec.tranches[bottom]
        eq_hold = _holders(eq, index, N)
        eq_hold[issuer] = 0.0
        eq_hold = eq_hold / eq_hold.sum() if eq_hold.sum() > 0 else eq_hold
        eq_notional = (eq.detachment - eq.attachment) * sec.amount
        principal = np.array([pieces[k]["principal"] for k in rated], dtype=float)
        coupon = np.array([pieces[k]["coupon"] for k in rated], dtype=float)
        s = sold_share(sold, owned, principal, coupon, eq_notional) if leases or debts else 0.0
        collections = s * sold + owned
        sched, cash, _ = pass_through(collections, principal, coupon)
        reserve = max(-float(cash.min()), 0.0) if L else 0.0
        mat = max(L - 1, 0)
        plans_tr: list[TranchePlan] = []
        for k in order:
            tr = sec.tranches[k]
            if k == bottom:
                plans_tr.append(TranchePlan(tr.name, tr.attachment, tr.detachment,
                                            eq_notional, True, eq_hold))
                continue
            j = rated.index(k)
            pc = pieces[k]
            plans_tr.append(TranchePlan(
                tr.name, tr.attachment, tr.detachment, pc["notional"], False,
                pc["holders"], pc["principal"], pc["coupon"], pc["rank"],
                sched[:, j].copy(), mat))
        plans.append(DealPlan(
            deal=sec.id, amount=sec.amount, issuer=issuer,
            sponsor=index[sec.sponsor] if sec.sponsor else -1, sold_share=s,
            reserve=reserve, leases=tuple(leases), debts=tuple(debts),
            collections=collections, tranches=tuple(plans_tr)))
    return plans
