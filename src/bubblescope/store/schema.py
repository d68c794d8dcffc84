"""The tables of a kept run: names, columns in order, and what each column holds.

Amounts are USD billions, probabilities decimals in 0..1, quarters labels like ``"2027Q3"``.
Writers and readers both use :data:`TABLES`; a table may gain columns over time, never lose
or rename one.

>>> list(TABLES["pd_curve"])
['scenario', 'entity', 'year', 'default_probability']
"""

from __future__ import annotations

#: Quantile columns of the per-quarter price and factor tables.
QUANTILES = {"p5": "5% quantile over paths", "p25": "25% quantile over paths",
             "p50": "median over paths", "p75": "75% quantile over paths",
             "p95": "95% quantile over paths"}

_LOSS = {"loss_mean": "mean loss over paths (credit + equity written off), USD bn",
         "loss_median": "median loss, USD bn",
         "loss_p95": "VaR 95%: the 95% empirical quantile of the loss, USD bn",
         "loss_p99": "VaR 99%, USD bn",
         "es_975": "expected shortfall at 97.5%, USD bn",
         "credit_loss_mean": "mean loss as a creditor (debt, trade claims), USD bn",
         "equity_loss_mean": "mean equity and fund interests written off, USD bn"}

_SCEN = {"scenario": "scenario name"}

#: table name → {column: description}, columns in file order.
TABLES: dict[str, dict[str, str]] = {
    "scenarios": {
        **_SCEN,
        "title": "first sentence of the scenario's description",
        "paths": "Monte Carlo paths run",
        "seed": "global seed",
        "horizon": "last quarter simulated",
        "seconds": "wall time of the scenario's Monte Carlo run",
        "first_to_fail_kind": "entity kind most often first to default ('none' if no "
                              "default is most common)",
        "first_to_fail_share": "share of paths on which that kind fails first",
        "amplification_loss": "fire-sale amplification: total creditor losses with the "
                              "feedback / without (null if not compared)",
        "amplification_gpu_price": "median last-quarter GPU price with the feedback / "
                                   "without, averaged over generations (null if not "
                                   "compared)",
        "notes": "the run's notes on what was and was not applied, '; '-joined",
    },
    "entities": {
        **_SCEN,
        "entity": "entity id",
        "name": "entity name",
        "kind": "entity kind",
        "default_probability": "share of paths with a default by the horizon",
        "default_probability_se": "its Monte Carlo standard error sqrt(p(1-p)/n)",
        "median_default_quarter": "lower median default quarter where it defaults (null "
                                  "if never)",
        "expected_loss_to_creditors": "mean over paths of what its creditors lose on it, "
                                      "USD bn",
    },
    "pd_curve": {
        **_SCEN,
        "entity": "entity id",
        "year": "calendar year",
        "default_probability": "cumulative default probability by the end of that year",
    },
    "holders": {**_SCEN, "holder": "entity id or 'external'", "kind": "holder kind",
                **_LOSS},
    "holder_kinds": {**_SCEN, "kind": "holder kind (losses summed within a path)",
                     **_LOSS},
    "holder_kind_paths": {
        **_SCEN,
        "path": "global path number",
        "kind": "holder kind",
        "loss": "the kind's summed loss on that path (credit + equity), USD bn",
    },
    "first_to_fail": {
        **_SCEN,
        "kind": "kind of the first defaulter ('none' = no default)",
        "share": "share of paths (ties in the first quarter share one unit)",
        "se": "binomial standard error",
    },
    "time_bought": {
        **_SCEN,
        "structure": "structure (an SPV with its lessees, buyers and owners)",
        "p_fail": "share of paths where a member defaults",
        "se": "its standard error",
        "median_quarters": "lower median quarters from the reference quarter to the first "
                           "member default (over failing paths)",
        "mean_quarters": "mean of the same",
        "censored_share": "share of paths with no member default by the horizon",
    },
    "bond_prices": {
        **_SCEN,
        "bond": "SPV bond id",
        "quarter": "quarter",
        **QUANTILES,
    },
    "gpu_prices": {
        **_SCEN,
        "generation": "GPU generation",
        "quarter": "quarter",
        "feedback": "True: the engine as run (with fire-sale feedback when the scenario "
                    "turns it on); False: the same paths with the feedback off",
        **QUANTILES,
    },
    "factor_quantiles": {
        **_SCEN,
        "factor": "factor path (ai_demand, gpu_resale:<generation>, gpu_rental_price, "
                  "base_rate, credit_spread:<grade>, equity_window, power_availability, "
                  "...)",
        "quarter": "quarter",
        **QUANTILES,
    },
    "entity_quarters": {
        **_SCEN,
        "entity": "entity id",
        "quarter": "quarter",
        "default_share": "share of paths on which it has defaulted by the end of the "
                         "quarter",
        "cash_mean": "mean cash over paths, USD bn",
        "revenue_mean": "mean quarterly revenue over paths, USD bn",
        "debt_mean": "mean debt outstanding over paths, USD bn",
        "market_equity_mean": "mean market value of equity over paths, USD bn",
    },
    "contracts": {
        **_SCEN,
        "contract": "engine contract id (debt instrument or trade obligation)",
        "kind": "contract kind",
        "debtor": "entity that owes (borrower, lessee, buyer, investor)",
        "creditor": "entity owed (lender(s) ', '-joined, lessor, seller; 'external' for "
                    "outsiders)",
        "amount": "principal at the start (debt) or headline amount (trade), USD bn",
        "loss_probability": "share of paths on which its creditors lose anything on it",
        "expected_loss": "mean loss to its creditors over paths, USD bn",
        "loss_p95": "95% quantile of that loss, USD bn",
    },
    "lease_exits": {
        **_SCEN,
        "contract": "lease id (leases whose lessee may walk away, with strategic default on)",
        "lessee": "lessee entity id",
        "lessor": "lessor entity id",
        "exit_probability": "share of paths on which the lessee walked away",
        "se": "its binomial standard error",
        "median_exit_quarter": "median exit quarter over those paths (null if none)",
    },
    "second_round": {
        **_SCEN,
        "kind": "holder kind (investor kinds; others hold no tradable portfolio)",
        "sell_share": "share of paths on which a holder of the kind sells (channel 2)",
        "loss_mean": "mean mark-down of the kind's portfolios, USD bn",
        "loss_p95": "95% quantile of that mark-down, USD bn",
    },
    "thermometer_bands": {
        **_SCEN,
        "gauge": "gauge (productivity, neocloud, spv_bond, contracts, power, composite)",
        "quarter": "quarter label",
        **QUANTILES,
        "share_amber_or_red": "share of paths scoring 40 or more",
        "share_red": "share of paths scoring 70 or more",
    },
    "lead_times": {
        **_SCEN,
        "event": "first_neocloud_default or first_spv_bond_loss",
        "gauge": "gauge",
        "rule": "youden (threshold maximising Youden's J) or amber (J undefined)",
        "threshold": "alarm threshold on the 0–100 score",
        "n_paths": "paths simulated for the thermometer",
        "n_events": "paths with the event",
        "hits": "paths whose alarm came at or before the event",
        "hit_rate": "hits / paths with the event",
        "false_alarms": "paths without the event that raised the alarm",
        "false_alarm_rate": "false alarms / paths without the event",
        "youden_j": "hit rate − false-alarm rate",
        "median_lead": "median quarters from alarm to event over hits",
        "mean_lead": "mean of the same",
    },
    "hurdle": {
        "calculation": "revenue_chain, equity_return or depreciation_hurdle "
                       "(bubblescope.analytics.hurdle, the seeds' default inputs)",
        "name": "value's name (capex, revenue_required, share_of_gdp, ...)",
        "value": "the value (USD bn, or a decimal for rates and shares)",
        "formula": "how it was obtained ('input' for inputs)",
    },
    "network_entities": {
        "id": "entity id", "kind": "entity kind", "name": "entity name",
        "...": "every further field of an entity (see `bubblescope schema fields entity`)",
    },
    "network_contracts": {
        "id": "contract id", "kind": "contract kind",
        "party1_role": "first party's field (lender, lessor, buyer, investor, issuer, ...)",
        "party1": "first party's entity id",
        "party2_role": "second party's field (borrower, lessee, seller, issuer, fund, ...)",
        "party2": "second party's entity id (null when the contract names none)",
        "amount": "headline amount, USD bn (its meaning depends on the kind)",
        "amount_type": "ceiling, committed or drawn",
        "status": "announced, signed, funded or cancelled",
        "announced": "date announced (ISO text or null)",
        "start": "start date (ISO text or null)",
        "end": "end date (ISO text or null)",
        "description": "the record's description",
        "source": "fact ids the record cites, ', '-joined",
    },
}

#: Tables with no ``scenario`` column.
NETWORK_TABLES = ("hurdle", "network_entities", "network_contracts")


def columns(name: str) -> list[str]:
    """The fixed columns of table ``name`` in order (``...`` marks open-ended tables)."""
    return [c for c in TABLES[name] if c != "..."]


__all__ = ["NETWORK_TABLES", "QUANTILES", "TABLES", "columns"]
