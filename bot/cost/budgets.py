"""A team's budget use: what its live resources commit a month, its limit, and what a request adds.

Pure: the committed run-rate is handed in (summed from stored estimates by an adapter).
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class BudgetUse(BaseModel):
    model_config = ConfigDict(frozen=True)

    team: str
    currency: str
    committed: Decimal
    monthly_limit: Decimal | None = None
    cost_centre: str | None = None

    @property
    def remaining(self) -> Decimal | None:
        return None if self.monthly_limit is None else self.monthly_limit - self.committed

    def after(self, delta: Decimal) -> BudgetUse:
        """The use once a request's monthly delta is committed (a saving never goes below 0)."""
        return self.model_copy(update={"committed": max(self.committed + delta, Decimal(0))})

    def over_limit(self) -> bool:
        return self.monthly_limit is not None and self.committed > self.monthly_limit
