"""Pure helpers between provisioners' Plan and the rest: policy facts, what changed between plans."""

from __future__ import annotations

from bot.workflow.costing import Costed
from bot.workflow.model import PlanChange
from provisioners.plan import Plan
from rulebook import ChangeFacts, PlanFacts


def plan_facts(plan: Plan, costed: Costed | None = None) -> PlanFacts:
    """The plan as the rulebook sees it; `keys` are the changed and the replace-causing keys.
    `costed`: its estimate and the team's budget (the rulebook's `cost` and `budget`); without one
    the rules see nothing priced."""
    changes = tuple(
        ChangeFacts(
            urn=c.urn,
            type=c.type,
            op=c.op,
            keys=tuple(dict.fromkeys((*c.keys, *c.replace_keys))),
            stateful=c.stateful,
            name=c.readable_address,
            labels=c.labels,
        )
        for c in plan.changes
    )
    if costed is None:
        return PlanFacts(changes=changes, counts=dict(plan.counts))
    return PlanFacts(
        changes=changes,
        counts=dict(plan.counts),
        cost=costed.cost_facts(),
        budget=costed.budget_facts(),
    )


def plan_change(old: Plan | None, new: Plan) -> PlanChange:
    """Addresses newly in the plan, gone from it, and present in both but planned differently."""
    before = {c.address: c.identity() for c in old.changes} if old else {}
    after = {c.address: c.identity() for c in new.changes}
    return PlanChange(
        old_hash=old.plan_hash if old else None,
        new_hash=new.plan_hash,
        added=tuple(a for a in after if a not in before),
        removed=tuple(a for a in before if a not in after),
        changed=tuple(a for a in after if a in before and before[a] != after[a]),
    )
