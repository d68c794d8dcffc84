"""Integer codes shared by compilation and the kernels (Numba reads module-level integers
as constants)."""

from __future__ import annotations

#: Amortisation codes of debt instruments.
BULLET, LINEAR, ANNUITY, CUSTOM, PERPETUAL = range(5)
#: Trade-obligation kinds (everything that is not debt service).
RENT, COMPUTE, CHIP, TRANCHE, CALL, POWER, DISBURSE = range(7)
TRADE_KIND_NAMES = ("rent", "compute", "chip", "tranche", "capital_call", "power",
                    "disbursement")
#: Which factor scales the variable part of a trade obligation.
VAR_NONE, VAR_DEMAND, VAR_WINDOW = range(3)
#: How an entity's market revenue moves: constant, with AI demand, with GPU rental prices.
MARKET_CONST, MARKET_DEMAND, MARKET_RENTAL = range(3)
#: Settlement of a quarter with defaults: part 1's loop, or exact clearing.
CLEARING_MODES = ("loop", "eisenberg_noe", "rogers_veraart")
CLEAR_LOOP, CLEAR_EN, CLEAR_RV = range(3)
#: Seniority ranks of debt: 0 senior secured, 1 senior unsecured, 2 subordinated, 3 equity.
SECURED = 0
#: Rating buckets of credit spreads (index into ``FactorPaths.credit_spread``).
IG, HY = range(2)
