from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rulebook.algebra import decide, merge_approvals, verdict_of
from rulebook.models import ApprovalSpec, Effect, RuleFailure, RuleMatch, Stage, Verdict


def match(rule_id: str, effect: Effect, group: str | None = None, count: int = 1) -> RuleMatch:
    approval = ApprovalSpec(group=group, count=count) if group else None
    return RuleMatch(
        rule_id=rule_id, stage=Stage.INTENT, effect=effect, message="", remediation="", approval=approval
    )


def test_no_match_means_allow() -> None:
    assert verdict_of([]) is Verdict.ALLOW


def test_deny_beats_require_approval_beats_warn_beats_allow() -> None:
    assert verdict_of([Effect.ALLOW, Effect.WARN]) is Verdict.WARN
    assert verdict_of([Effect.WARN, Effect.REQUIRE_APPROVAL, Effect.ALLOW]) is Verdict.REQUIRE_APPROVAL
    assert verdict_of([Effect.REQUIRE_APPROVAL, Effect.DENY, Effect.WARN]) is Verdict.DENY


def test_a_failure_denies_even_without_matches() -> None:
    assert verdict_of([], failed=True) is Verdict.DENY
    assert verdict_of([Effect.ALLOW], failed=True) is Verdict.DENY


def test_approvals_merge_per_group_keeping_the_highest_count() -> None:
    needs = merge_approvals(
        [
            match("a", Effect.REQUIRE_APPROVAL, "security", 1),
            match("b", Effect.REQUIRE_APPROVAL, "security", 2),
            match("c", Effect.REQUIRE_APPROVAL, "oncall", 1),
            match("d", Effect.REQUIRE_APPROVAL, "security", 1),
        ]
    )
    assert [(n.group, n.count) for n in needs] == [("oncall", 1), ("security", 2)]


def test_only_require_approval_matches_ask_for_approvals() -> None:
    # A deny rule may carry no approval; a stray one on another effect must not be routed.
    assert (
        merge_approvals([match("a", Effect.WARN, "security", 3), match("b", Effect.REQUIRE_APPROVAL)]) == ()
    )


def test_decision_lists_strongest_matches_first_then_rulebook_order() -> None:
    matches = [
        match("w1", Effect.WARN),
        match("a1", Effect.REQUIRE_APPROVAL, "security"),
        match("d1", Effect.DENY),
        match("w2", Effect.WARN),
        match("d2", Effect.DENY),
        match("ok", Effect.ALLOW),
    ]
    decision = decide(matches, [], stage=Stage.INTENT, rulebook_version="v")
    assert decision.rule_ids == ("d1", "d2", "a1", "w1", "w2", "ok")
    assert decision.verdict is Verdict.DENY
    assert decision.rulebook_version == "v"


def test_a_denied_decision_still_lists_the_approvals_it_would_need() -> None:
    decision = decide(
        [match("d", Effect.DENY), match("a", Effect.REQUIRE_APPROVAL, "security", 2)],
        [],
        stage=Stage.PLAN,
        rulebook_version="v",
    )
    assert [(n.group, n.count) for n in decision.approvals] == [("security", 2)]
    assert not decision.allowed


def test_allowed_is_true_for_allow_and_warn_only() -> None:
    for effect, allowed in [
        (Effect.ALLOW, True),
        (Effect.WARN, True),
        (Effect.REQUIRE_APPROVAL, False),
        (Effect.DENY, False),
    ]:
        group = "security" if effect is Effect.REQUIRE_APPROVAL else None
        decision = decide([match("x", effect, group)], [], stage=Stage.INTENT, rulebook_version="v")
        assert decision.allowed is allowed


def test_failures_are_kept_and_deny() -> None:
    failure = RuleFailure(rule_id="broken", reason="no such field size")
    decision = decide([match("w", Effect.WARN)], [failure], stage=Stage.INTENT, rulebook_version="v")
    assert decision.verdict is Verdict.DENY
    assert decision.failures == (failure,)


_effects = st.sampled_from(list(Effect))
_matches = st.lists(
    st.tuples(
        _effects, st.sampled_from(["security", "oncall", "dba"]), st.integers(min_value=1, max_value=5)
    ),
    max_size=12,
).map(
    lambda items: [
        match(f"r{i}", effect, group if effect is Effect.REQUIRE_APPROVAL else None, count)
        for i, (effect, group, count) in enumerate(items)
    ]
)


@given(_matches)
def test_verdict_is_the_strongest_effect(matches: list[RuleMatch]) -> None:
    decision = decide(matches, [], stage=Stage.INTENT, rulebook_version="v")
    strongest = max((m.effect.severity for m in matches), default=0)
    assert Effect(decision.verdict.value).severity == strongest


@given(_matches)
def test_decision_does_not_depend_on_rule_order_except_for_listing(matches: list[RuleMatch]) -> None:
    forward = decide(matches, [], stage=Stage.INTENT, rulebook_version="v")
    backward = decide(list(reversed(matches)), [], stage=Stage.INTENT, rulebook_version="v")
    assert forward.verdict == backward.verdict
    assert forward.approvals == backward.approvals
    assert sorted(forward.rule_ids) == sorted(backward.rule_ids)


@given(_matches)
def test_each_group_needs_the_highest_count_any_rule_asked(matches: list[RuleMatch]) -> None:
    needs = {n.group: n.count for n in merge_approvals(matches)}
    for m in matches:
        if m.approval is not None:
            assert needs[m.approval.group] >= m.approval.count
    for group, count in needs.items():
        assert any(m.approval and m.approval.group == group and m.approval.count == count for m in matches)


@given(_matches, _matches)
def test_adding_matches_never_weakens_the_verdict(first: list[RuleMatch], more: list[RuleMatch]) -> None:
    base = decide(first, [], stage=Stage.INTENT, rulebook_version="v")
    grown = decide(first + more, [], stage=Stage.INTENT, rulebook_version="v")
    assert Effect(grown.verdict.value).severity >= Effect(base.verdict.value).severity


@given(_matches)
def test_matches_are_ordered_by_severity(matches: list[RuleMatch]) -> None:
    severities = [
        m.effect.severity for m in decide(matches, [], stage=Stage.INTENT, rulebook_version="v").matches
    ]
    assert severities == sorted(severities, reverse=True)
