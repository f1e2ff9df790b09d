"""Who owns a live resource, in the terms the rulebook and the approvals use. Pure.

The store keeps one `resources` row per live stack (owner team and owner, the request that last
changed it). A request carries the facts it was decided on; when they differ from the live ones
at apply time, the request is decided again (somebody else created or took the resource meanwhile).

Approval groups: the rulebook's `owning-team` becomes `team:<team>` (any member of the owning team)
or, for an owner in no team, `owner:<user id>` (that person alone). The directory resolves both.
"""

from __future__ import annotations

from collections.abc import Iterable, Set

from bot.store import ResourceRow
from bot.workflow.model import format_request_id
from rulebook import OWNING_TEAM, ApprovalNeed, ResourceFacts

TEAM_GROUP = "team:"
OWNER_GROUP = "owner:"


def facts_of(live: ResourceRow | None) -> ResourceFacts:
    if live is None:
        return ResourceFacts()
    return ResourceFacts(
        exists=True,
        owner_team=live.owner_team,
        owner=live.owner,
        request_id=format_request_id(live.request_id),
    )


def stored(facts: ResourceFacts) -> dict[str, object] | None:
    """How a request row keeps the facts it was decided on (None: a new resource)."""
    return facts.model_dump() if facts.exists else None


def loaded(value: dict[str, object] | None) -> ResourceFacts:
    return ResourceFacts() if value is None else ResourceFacts.model_validate(value)


def owners_group(facts: ResourceFacts) -> str | None:
    """The approver group standing for the resource's owners, or None for a new resource."""
    if not facts.exists:
        return None
    if facts.owner_team:
        return TEAM_GROUP + facts.owner_team
    return OWNER_GROUP + (facts.owner or "")


def required_approvals(needs: Iterable[ApprovalNeed], facts: ResourceFacts) -> dict[str, int]:
    """The decision's approvals with `owning-team` resolved for this resource.

    `owning-team` on a resource that does not exist (a rule that forgot `resource.exists`) stays as
    it is: no directory knows it, so nobody can approve, which fails closed.
    """
    required: dict[str, int] = {}
    for need in needs:
        group = (owners_group(facts) or need.group) if need.group == OWNING_TEAM else need.group
        required[group] = max(required.get(group, 0), need.count)
    return required


def secret_recipient(requester: str, facts: ResourceFacts, owners: Set[str]) -> str | None:
    """Who may receive the secret outputs of an apply on a resource with these (live) facts.

    The requester, when the resource is new or theirs (they are its owner or in its team);
    otherwise the resource's owner when they are still among its owners; else nobody.
    """
    if not facts.exists or requester == facts.owner or requester in owners:
        return requester
    if facts.owner and (facts.owner in owners or not facts.owner_team):
        return facts.owner
    return None
