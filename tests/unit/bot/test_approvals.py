from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.approvals import (
    Ballot,
    Refusal,
    Vote,
    assignment,
    decide_approval,
    decide_rejection,
    expiry,
    is_expired,
    remaining_need,
    unfillable,
)

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=8)


def ballot(
    required: dict[str, int] | None = None, votes: tuple[Vote, ...] = (), state: str = "awaiting_approval"
) -> Ballot:
    return Ballot(
        requester="U_DEV",
        state=state,
        plan_hash="h1",
        required={"security": 1} if required is None else required,
        expires_at=LATER,
        votes=votes,
    )


def test_a_group_member_approves_and_completes_a_one_person_quorum() -> None:
    result = decide_approval(ballot(), "U_SEC", {"security"}, "h1", NOW)
    assert result.accepted and result.complete
    assert result.groups == ("security",)
    assert result.remaining == {"security": 0}


def test_self_approval_is_refused() -> None:
    result = decide_approval(ballot(), "U_DEV", {"security"}, "h1", NOW)
    assert (result.accepted, result.refusal) == (False, Refusal.SELF_APPROVAL)
    assert "your own request" in result.message


def test_someone_outside_the_groups_is_refused() -> None:
    result = decide_approval(ballot(), "U_RANDOM", {"marketing"}, "h1", NOW)
    assert result.refusal is Refusal.NOT_A_MEMBER
    assert result.message == "Only members of security can approve this."


def test_an_approval_for_another_plan_hash_is_refused() -> None:
    result = decide_approval(ballot(), "U_SEC", {"security"}, "h0", NOW)
    assert result.refusal is Refusal.WRONG_PLAN


def test_votes_for_another_plan_hash_do_not_count() -> None:
    stale = (Vote("security", "U_SEC1", "h0"),)
    assert remaining_need({"security": 1}, stale, "h1") == {"security": 1}


def test_an_approval_after_expiry_is_refused() -> None:
    result = decide_approval(ballot(), "U_SEC", {"security"}, "h1", LATER)
    assert result.refusal is Refusal.EXPIRED


def test_expiry_is_inclusive_of_the_deadline() -> None:
    assert not is_expired(LATER, LATER - timedelta(seconds=1))
    assert is_expired(LATER, LATER)
    assert not is_expired(None, LATER)
    assert expiry(NOW, timedelta(hours=8)) == LATER


def test_nothing_is_accepted_once_the_request_is_decided() -> None:
    for state in ("approved", "rejected", "applying", "cancelled", "expired"):
        result = decide_approval(ballot(state=state), "U_SEC", {"security"}, "h1", NOW)
        assert result.refusal is Refusal.ALREADY_DECIDED, state


def test_the_same_person_approving_twice_is_a_duplicate() -> None:
    votes = (Vote("security", "U_SEC1", "h1"),)
    result = decide_approval(ballot({"security": 2}, votes), "U_SEC1", {"security"}, "h1", NOW)
    assert result.refusal is Refusal.DUPLICATE
    assert result.remaining == {"security": 1}


def test_a_quorum_of_two_needs_two_different_people() -> None:
    first = decide_approval(ballot({"security": 2}), "U_SEC1", {"security"}, "h1", NOW)
    assert first.accepted and not first.complete and first.remaining == {"security": 1}
    votes = (Vote("security", "U_SEC1", "h1"),)
    second = decide_approval(ballot({"security": 2}, votes), "U_SEC2", {"security"}, "h1", NOW)
    assert second.accepted and second.complete


def test_a_person_in_two_required_groups_fills_only_one_of_them() -> None:
    result = decide_approval(
        ballot({"security": 1, "oncall": 1}), "U_BOTH", {"security", "oncall"}, "h1", NOW
    )
    assert result.accepted and not result.complete
    assert result.groups == ("security",)
    assert result.recorded == ("security", "oncall")
    assert result.remaining == {"security": 0, "oncall": 1}


def test_two_person_sign_off_needs_a_second_person_even_if_the_first_is_in_both_groups() -> None:
    votes = (Vote("security", "U_BOTH", "h1"), Vote("oncall", "U_BOTH", "h1"))
    again = decide_approval(
        ballot({"security": 1, "oncall": 1}, votes), "U_BOTH", {"security", "oncall"}, "h1", NOW
    )
    assert again.refusal is Refusal.DUPLICATE
    second = decide_approval(ballot({"security": 1, "oncall": 1}, votes), "U_ONC", {"oncall"}, "h1", NOW)
    assert second.accepted and second.complete and second.groups == ("oncall",)


def test_a_later_approver_who_fits_one_group_moves_the_two_group_approver_to_the_other() -> None:
    # U_BOTH went to security first; U_SEC can only fill security, so U_BOTH now counts for oncall.
    votes = (Vote("security", "U_BOTH", "h1"), Vote("oncall", "U_BOTH", "h1"))
    result = decide_approval(ballot({"security": 1, "oncall": 1}, votes), "U_SEC", {"security"}, "h1", NOW)
    assert result.accepted and result.complete and result.groups == ("security",)
    votes += (Vote("security", "U_SEC", "h1"),)
    assert assignment({"security": 1, "oncall": 1}, votes, "h1") == {"U_BOTH": "oncall", "U_SEC": "security"}


def test_a_person_never_counts_twice_for_the_same_group() -> None:
    votes = (Vote("security", "U_SEC1", "h1"), Vote("security", "U_SEC1", "h1"))
    assert remaining_need({"security": 2}, votes, "h1") == {"security": 1}


def test_an_approval_only_for_groups_already_satisfied_is_not_needed() -> None:
    votes = (Vote("security", "U_SEC1", "h1"),)
    result = decide_approval(ballot({"security": 1, "oncall": 1}, votes), "U_SEC2", {"security"}, "h1", NOW)
    assert result.refusal is Refusal.NOT_NEEDED
    assert result.message == "security already has the approvals needed; still waiting for oncall."
    assert result.remaining == {"security": 0, "oncall": 1}


def test_an_approval_counts_only_where_still_needed() -> None:
    votes = (Vote("security", "U_SEC1", "h1"),)
    result = decide_approval(
        ballot({"security": 1, "oncall": 1}, votes), "U_BOTH", {"security", "oncall"}, "h1", NOW
    )
    assert result.accepted and result.groups == ("oncall",) and result.complete


def test_a_rejection_needs_a_reason() -> None:
    result = decide_rejection(ballot(), "U_SEC", {"security"}, "   ", NOW)
    assert result.refusal is Refusal.MISSING_REASON


def test_a_rejection_by_a_member_with_a_reason_is_accepted() -> None:
    result = decide_rejection(ballot(), "U_SEC", {"security"}, "  no backups configured ", NOW)
    assert result.accepted and result.reason == "no backups configured"


def test_the_requester_cannot_reject_their_own_request() -> None:
    assert decide_rejection(ballot(), "U_DEV", {"security"}, "oops", NOW).refusal is Refusal.SELF_APPROVAL


def test_a_non_member_cannot_reject() -> None:
    assert decide_rejection(ballot(), "U_X", set(), "no", NOW).refusal is Refusal.NOT_A_MEMBER


def test_rejection_after_expiry_or_decision_is_refused() -> None:
    assert decide_rejection(ballot(), "U_SEC", {"security"}, "no", LATER).refusal is Refusal.EXPIRED
    decided = ballot(state="approved")
    assert decide_rejection(decided, "U_SEC", {"security"}, "no", NOW).refusal is Refusal.ALREADY_DECIDED


# Separation of duties, as a property -------------------------------------------------------------

GROUPS = ("security", "oncall", "team:payments")
PEOPLE = ("U_A", "U_B", "U_C", "U_D", "U_E")


def _best(required: dict[str, int], members: dict[str, frozenset[str]]) -> int:
    """The most approvals any assignment of one group per person can count (brute force)."""
    people = [p for p in PEOPLE if members[p] & required.keys()]
    best = 0
    for choice in product(*[[None, *sorted(members[p] & required.keys())] for p in people]):
        counted = {g: min(required[g], choice.count(g)) for g in required}
        best = max(best, sum(counted.values()))
    return best


@settings(max_examples=60, deadline=None)
@given(
    required=st.dictionaries(st.sampled_from(GROUPS), st.integers(1, 2), min_size=1),
    members=st.fixed_dictionaries({p: st.frozensets(st.sampled_from(GROUPS)) for p in PEOPLE}),
    order=st.permutations(PEOPLE),
)
def test_each_approver_counts_once_and_the_order_of_clicks_cannot_block_quorum(
    required: dict[str, int], members: dict[str, frozenset[str]], order: list[str]
) -> None:
    votes: tuple[Vote, ...] = ()
    accepted: list[str] = []
    for person in order:
        result = decide_approval(ballot(required, votes), person, members[person], "h1", NOW)
        if result.accepted:
            assert len(result.groups) == 1 and result.groups[0] in members[person]
            accepted.append(person)
            votes += tuple(Vote(g, person, "h1") for g in result.recorded)
    remaining = remaining_need(required, votes, "h1")
    counted = sum(required.values()) - sum(remaining.values())
    # Every counted approval is a different person, in a group they belong to.
    matched = assignment(required, votes, "h1")
    assert len(matched) == counted == len(accepted)
    assert all(group in members[person] for person, group in matched.items())
    # Whatever the order of clicks, as many approvals count as any assignment could give.
    assert counted == _best(required, members)
    if not any(remaining.values()):
        # Quorum takes as many distinct people as the quorums add up to: at least the largest one,
        # and the sum when nobody is in two of the groups.
        assert len(set(accepted)) >= sum(required.values()) >= max(required.values())


def test_refusals_name_groups_as_people_read_them() -> None:
    owners = ballot({"oncall": 1, "team:payments": 1, "security": 1})
    rejected = decide_rejection(owners, "U_X", set(), "no", NOW)
    assert rejected.message == "Only members of oncall, team payments or security can reject this."

    owner_alone = ballot({"owner:U0FIN": 1})
    refused = decide_approval(owner_alone, "U_X", set(), "h1", NOW)
    assert refused.message == "Only its owner <@U0FIN> can approve this."
    both = decide_approval(ballot({"security": 1, "owner:U0FIN": 1}), "U_X", set(), "h1", NOW)
    assert both.message == "Only members of security or its owner <@U0FIN> can approve this."


def test_a_slot_nobody_left_can_fill_is_unfillable() -> None:
    required = {"oncall": 1, "team:platform": 1}
    # Olive alone is in both groups: she counts for one, so one approval can never be given.
    assert unfillable(required, {"oncall": {"U_OLIVE"}, "team:platform": {"U_OLIVE"}}, "U_DEV") == {
        "team:platform": 1
    }
    assert unfillable(required, {"oncall": {"U_OLIVE"}, "team:platform": {"U_OLIVE", "U_SAM"}}, "U_DEV") == {}
    # The requester never counts, even as the team's only member.
    assert unfillable({"team:search": 1}, {"team:search": {"U_DANA"}}, "U_DANA") == {"team:search": 1}
