"""What a user declares: entities, contracts and networks (pydantic v2, unknown keys rejected)."""

from .checks import CHECKS, Problem, balance_sheet, consistency_check
from .contracts import (
    CONTRACT_CLASSES,
    AmountType,
    Bond,
    ChipPurchase,
    ComputeContract,
    Contract,
    ContractBase,
    CreditFacility,
    EquityStake,
    FundCommitment,
    Guarantee,
    Lease,
    Loan,
    PowerSupply,
    Securitisation,
    Seniority,
    Status,
)
from .entity import Entity, EntityKind, GpuBatch, PowerCapacity
from .network import Network

__all__ = [
    "CHECKS", "CONTRACT_CLASSES", "AmountType", "Bond", "ChipPurchase", "ComputeContract",
    "Contract", "ContractBase", "CreditFacility", "Entity", "EntityKind", "EquityStake",
    "FundCommitment", "GpuBatch", "Guarantee", "Lease", "Loan", "Network", "PowerCapacity",
    "PowerSupply", "Problem", "Securitisation", "Seniority", "Status", "balance_sheet",
    "consistency_check",
]
