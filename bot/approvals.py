"""Approval rules: pure functions over plain models, no database, no Slack.

The workflow gathers the facts (the request's state, its current plan hash, the votes of the
current round, the groups the person belongs to) and asks these functions what to do.

Decisions made here:
- A requester never approves (or rejects) their own request.
- Only members of a group named in the requirement count for that group.
- Quorum is per group: {"security": 2} needs two different security members.
- A person counts for one group only (separation of duties: two-person sign-off means two people).
  An approver in both `security` and the owning team fills one slot, in whichever group makes
  quorum reachable: the assignment is a maximum matching of approvers to group slots, recomputed
  from all votes, so a later approver who can only fill `security` moves the earlier one to the
  other group instead of being turned away. An approval records every required group the person
  is in (so the matching may move them); `assignment` says which one it counts for. Two rules that
  both ask for security are already merged into one need by the rulebook, so they never add up.
- An approval binds to a plan hash: votes for any other hash do not count.
- Pending approvals expire at `expires_at`; after that nothing is accepted.
- A rejection needs a non-empty reason and ends the request.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class Refusal(StrEnum):
    SELF_APPROVAL = "self_approval"
    NOT_A_MEMBER = "not_a_member"
    WRONG_PLAN = "wrong_plan"
    EXPIRED = "expired"
    ALREADY_DECIDED = "already_decided"
    DUPLICATE = "duplicate"
    # The person's groups already have all the approvals they need (others are still missing).
    NOT_NEEDED = "not_needed"
    MISSING_REASON = "missing_reason"


AWAITING_APPROVAL = "awaiting_approval"


@dataclass(frozen=True)
class Vote:
    group: str
    approver: str
    plan_hash: str


@dataclass(frozen=True)
class Ballot:
    """What the rules need to know about one request waiting for approvals."""

    requester: str
    state: str
    plan_hash: str | None
    required: Mapping[str, int]
    expires_at: datetime | None
    # Approvals of the current round (voided ones left out by the caller).
    votes: tuple[Vote, ...] = ()


@dataclass(frozen=True)
class ApprovalResult:
    accepted: bool
    message: str
    refusal: Refusal | None = None
    # The group this approval counts for (one; empty when refused).
    groups: tuple[str, ...] = ()
    # The required groups the approver is in: one vote is recorded for each (the matching may
    # later move the person between them), but it counts for `groups` alone.
    recorded: tuple[str, ...] = ()
    # Approvals still missing per group, after this one.
    remaining: dict[str, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """True when this approval was the last one needed."""
        return self.accepted and not any(self.remaining.values())


@dataclass(frozen=True)
class RejectionResult:
    accepted: bool
    message: str
    refusal: Refusal | None = None
    reason: str = ""


def expiry(now: datetime, ttl: timedelta) -> datetime:
    return now + ttl


def is_expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and now >= expires_at


def assignment(required: Mapping[str, int], votes: Iterable[Vote], plan_hash: str | None) -> dict[str, str]:
    """Which group each approver counts for: a maximum matching of people to group slots.

    Only `plan_hash` votes for required groups count. Deterministic: people are taken in the order
    of their first vote, groups in the order of `required`; a person goes to the first group with a
    free slot, or takes one from someone who can move to another group (an augmenting path).
    """
    eligible: dict[str, list[str]] = {}
    for vote in votes:
        if vote.plan_hash == plan_hash and vote.group in required:
            groups = eligible.setdefault(vote.approver, [])
            if vote.group not in groups:
                groups.append(vote.group)
    for groups in eligible.values():
        groups.sort(key=list(required).index)
    holders: dict[str, list[str]] = {group: [] for group in required}
    assigned: dict[str, str] = {}

    def place(person: str, seen: set[str]) -> bool:
        for group in eligible[person]:
            if group in seen:
                continue
            seen.add(group)
            if len(holders[group]) < required[group]:
                holders[group].append(person)
                assigned[person] = group
                return True
            for other in list(holders[group]):
                if place(other, seen):  # `other` moved to another group: their slot is free
                    holders[group].remove(other)
                    holders[group].append(person)
                    assigned[person] = group
                    return True
        return False

    for person in eligible:
        place(person, set())
    return assigned


def remaining_need(
    required: Mapping[str, int], votes: Iterable[Vote], plan_hash: str | None
) -> dict[str, int]:
    """Approvals still missing per group: each person counts once, for one group (`assignment`)."""
    counted = list(assignment(required, votes, plan_hash).values())
    return {group: max(0, count - counted.count(group)) for group, count in required.items()}


def unfillable(
    required: Mapping[str, int], members: Mapping[str, Collection[str]], requester: str
) -> dict[str, int]:
    """Approvals nobody can give, whoever approves from now on: each person counts for one group
    and the requester for none, so a team whose only members count for another group (or who is
    only the requester) leaves its slot empty for good. Empty when the request can complete."""
    anyone = "any"  # every eligible person approving the same plan
    votes = [
        Vote(group, person, anyone)
        for group in required
        for person in sorted(members.get(group, ()))
        if person != requester
    ]
    return {group: n for group, n in remaining_need(required, votes, anyone).items() if n > 0}


def decide_approval(
    ballot: Ballot, approver: str, member_of: Collection[str], plan_hash: str, now: datetime
) -> ApprovalResult:
    """May `approver` (a member of `member_of`) approve `plan_hash` now, and for which group?"""
    remaining = remaining_need(ballot.required, ballot.votes, ballot.plan_hash)

    def refuse(refusal: Refusal, message: str) -> ApprovalResult:
        return ApprovalResult(accepted=False, message=message, refusal=refusal, remaining=remaining)

    if ballot.state != AWAITING_APPROVAL:
        return refuse(
            Refusal.ALREADY_DECIDED, f"This request is {_words(ballot.state)}; it needs no more votes."
        )
    if is_expired(ballot.expires_at, now):
        return refuse(Refusal.EXPIRED, "The approval window has closed; this request has expired.")
    if approver == ballot.requester:
        return refuse(Refusal.SELF_APPROVAL, "You can't approve your own request.")
    if plan_hash != ballot.plan_hash:
        return refuse(
            Refusal.WRONG_PLAN,
            "The plan changed since that approval button was posted; review the new plan and approve that.",
        )
    groups = tuple(group for group in ballot.required if group in member_of)
    if not groups:
        return refuse(Refusal.NOT_A_MEMBER, f"Only {who_may(ballot.required)} can approve this.")
    if any(v.approver == approver and v.plan_hash == ballot.plan_hash for v in ballot.votes):
        return refuse(Refusal.DUPLICATE, "You already approved this plan.")
    votes = (*ballot.votes, *(Vote(group, approver, plan_hash) for group in groups))
    matched = assignment(ballot.required, votes, plan_hash)
    if approver not in matched:
        return refuse(
            Refusal.NOT_NEEDED,
            f"{_group_list(groups)} already {'has' if len(groups) == 1 else 'have'} the approvals needed; "
            f"still waiting for {_group_list([g for g, n in remaining.items() if n > 0])}.",
        )
    counting = matched[approver]
    return ApprovalResult(
        accepted=True,
        message=f"Approved for {_group_list([counting])}.",
        groups=(counting,),
        recorded=groups,
        remaining=remaining_need(ballot.required, votes, plan_hash),
    )


def decide_rejection(
    ballot: Ballot, rejecter: str, member_of: Collection[str], reason: str, now: datetime
) -> RejectionResult:
    """Any member of a required group may reject, with a reason; the requester cancels instead."""
    reason = reason.strip()

    def refuse(refusal: Refusal, message: str) -> RejectionResult:
        return RejectionResult(accepted=False, message=message, refusal=refusal)

    if ballot.state != AWAITING_APPROVAL:
        return refuse(
            Refusal.ALREADY_DECIDED, f"This request is {_words(ballot.state)}; it can't be rejected now."
        )
    if is_expired(ballot.expires_at, now):
        return refuse(Refusal.EXPIRED, "The approval window has closed; this request has expired.")
    if rejecter == ballot.requester:
        return refuse(Refusal.SELF_APPROVAL, "You can't reject your own request; cancel it instead.")
    if not any(group in member_of for group in ballot.required):
        return refuse(Refusal.NOT_A_MEMBER, f"Only {who_may(ballot.required)} can reject this.")
    if not reason:
        return refuse(
            Refusal.MISSING_REASON, "Please say why you are rejecting it; the requester will see it."
        )
    return RejectionResult(accepted=True, message="Rejected.", reason=reason)


# How the workflow names the groups that stand for a resource's owners (bot.workflow.ownership).
_TEAM, _OWNER = "team:", "owner:"


def group_name(group: str) -> str:
    """A group as people read it in a refusal: `team:payments` is team payments, `owner:U…` the
    resource's owner, by mention (an id the bot stored, never typed text)."""
    if group.startswith(_TEAM):
        return f"team {group.removeprefix(_TEAM)}"
    if group.startswith(_OWNER):
        return f"its owner <@{group.removeprefix(_OWNER)}>"
    return group


def who_may(groups: Iterable[str]) -> str:
    """`members of oncall, security or team payments`, `its owner <@U…>`, or both joined by "or"."""
    groups = list(groups)
    teams = [group_name(g) for g in groups if not g.startswith(_OWNER)]
    owners = [group_name(g) for g in groups if g.startswith(_OWNER)]
    members = [f"members of {_listed(teams, 'or')}"] if teams else []
    return " or ".join(members + owners) or "members of no group"


def _group_list(groups: Iterable[str]) -> str:
    return _listed([group_name(g) for g in groups], "and") or "no group"


def _listed(names: list[str], last: str) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {last} " + names[-1]


def _words(state: str) -> str:
    return state.replace("_", " ")
