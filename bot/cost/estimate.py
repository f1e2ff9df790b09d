"""The monthly cost of a plan: before and after per resource, and the request's delta.

Pure: reads a provisioners Plan and a `Pricing`. A resource that cannot be priced (no price in
the book, or the input that picks its price is not known yet) is listed in `unpriced` and left out
of the sums, so an estimate never shows an unknown cost as 0. The estimate carries the plan's hash:
it belongs to that plan only, and a changed plan is estimated again.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from bot.cost.prices import Pricing
from provisioners.plan import Plan, ResourceChange

ZERO = Decimal(0)


class ResourceCost(BaseModel):
    model_config = ConfigDict(frozen=True)

    address: str
    type: str
    op: str
    monthly_before: Decimal | None
    monthly_after: Decimal | None

    @property
    def monthly_delta(self) -> Decimal:
        return (self.monthly_after or ZERO) - (self.monthly_before or ZERO)


class Estimate(BaseModel):
    model_config = ConfigDict(frozen=True)

    plan_hash: str
    path: str
    currency: str
    resources: tuple[ResourceCost, ...] = ()
    unpriced: tuple[str, ...] = ()
    # False when the pricing source has nothing for the golden path: "no estimate", never 0.
    priced: bool = True

    @property
    def monthly_before(self) -> Decimal:
        return sum((r.monthly_before or ZERO for r in self.resources), ZERO)

    @property
    def monthly_after(self) -> Decimal:
        return sum((r.monthly_after or ZERO for r in self.resources), ZERO)

    @property
    def monthly_delta(self) -> Decimal:
        return self.monthly_after - self.monthly_before

    def is_for(self, plan: Plan) -> bool:
        return self.plan_hash == plan.plan_hash


def estimate_plan(plan: Plan, path: str, pricing: Pricing) -> Estimate:
    """Price every change of `plan` for golden path `path`."""
    if path not in pricing.priced_paths():
        return Estimate(plan_hash=plan.plan_hash, path=path, currency=pricing.currency, priced=False)
    resources: list[ResourceCost] = []
    unpriced: list[str] = []
    for change in plan.changes:
        cost = _cost(change, path, pricing)
        if cost is None:
            # Named as a reviewer reads the plan: short type and name, not the raw URN.
            unpriced.append(f"{change.short_type} {change.name}")
        else:
            resources.append(cost)
    return Estimate(
        plan_hash=plan.plan_hash,
        path=path,
        currency=pricing.currency,
        resources=tuple(resources),
        unpriced=tuple(unpriced),
    )


def _cost(change: ResourceChange, path: str, pricing: Pricing) -> ResourceCost | None:
    before = after = None
    if change.op in ("create", "replace"):
        # A replace is a delete of the old and a create of the new: both sides are priced.
        after = pricing.monthly(path, change.type, change.after)
        if after is None:
            return None
    if change.op in ("delete", "replace"):
        before = pricing.monthly(path, change.type, change.before)
        if before is None:
            return None
    if change.op == "update":
        # An update's before/after carry the changed keys only; an unchanged input keeps its price,
        # so each side is read with the other side's keys filled in from where they are known.
        before = pricing.monthly(path, change.type, {**change.after, **change.before})
        after = pricing.monthly(path, change.type, {**change.before, **change.after})
        if before is None or after is None:
            return None
    return ResourceCost(
        address=change.address,
        type=change.type,
        op=change.op,
        monthly_before=before,
        monthly_after=after,
    )
