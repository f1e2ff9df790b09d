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
from intents.intent import Intent
from rulebook import OWNING_TEAM, ApprovalNeed, ResourceFacts

# The parameter by which a golden path declares the team its resource belongs to (CODEOWNERS,
# pages, costs): a new resource is owned by that team, not by the requester's.
TEAM_PARAM = "team"


def declared_team(intent: Intent) -> str | None:
    team = intent.params.get(TEAM_PARAM)
    return team if isinstance(team, str) and team else None


TEAM_GROUP = "team:"
OWNER_GROUP = "owner:"


def facts_of(live: ResourceRow | None, intent: Intent | None = None) -> ResourceFacts:
    """The facts of the live resource; for one that does not exist yet, the team the request
    declares (`intent`) is the team that will own it."""
    if live is None:
        return ResourceFacts(owner_team=declared_team(intent) if intent else None)
    return ResourceFacts(
        exists=True,
        owner_team=live.owner_team,
        owner=live.owner,
        request_id=format_request_id(live.request_id),
    )


def stored(facts: ResourceFacts) -> dict[str, object] | None:
    """How a request row keeps the facts it was decided on (None: a new resource)."""
    return facts.model_dump() if facts.exists else None


def loaded(value: dict[str, object] | None, intent: Intent | None = None) -> ResourceFacts:
    return facts_of(None, intent) if value is None else ResourceFacts.model_validate(value)


def owners_group(facts: ResourceFacts) -> str | None:
    """The approver group standing for the resource's owners (for a new resource, the team it
    declares), or None for a new resource that declares none."""
    if facts.owner_team:
        return TEAM_GROUP + facts.owner_team
    if not facts.exists:
        return None
    return OWNER_GROUP + (facts.owner or "")


def required_approvals(needs: Iterable[ApprovalNeed], facts: ResourceFacts) -> dict[str, int]:
    """The decision's approvals with `owning-team` resolved for this resource.

    `owning-team` on a new resource that declares no team (a rule that forgot `resource.exists`)
    stays as it is: no directory knows it, so nobody can approve, which fails closed.
    """
    required: dict[str, int] = {}
    for need in needs:
        group = (owners_group(facts) or need.group) if need.group == OWNING_TEAM else need.group
        required[group] = max(required.get(group, 0), need.count)
    return required


def owner_of_new(requester: str, requester_team: str | None, intent: Intent) -> tuple[str | None, str | None]:
    """(owner team, owner) of a resource a request creates: the team it declares (else the
    requester's), and the requester as owner only when they are in that team."""
    team = declared_team(intent) or requester_team
    return team, requester if team is None or team == requester_team else None


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
