"""The verdict algebra: how the rules that matched combine into one decision.

deny > require_approval > warn > allow, and a rule that could not be evaluated counts as a deny
(fail closed). Approvals asked for by several rules merge per group, keeping the highest count:
two rules each asking one security approval are satisfied by the same approver, so they must not
add up to two.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rulebook.models import ApprovalNeed, Decision, Effect, RuleFailure, RuleMatch, Stage, Verdict

_VERDICT_OF = {
    Effect.ALLOW: Verdict.ALLOW,
    Effect.WARN: Verdict.WARN,
    Effect.REQUIRE_APPROVAL: Verdict.REQUIRE_APPROVAL,
    Effect.DENY: Verdict.DENY,
}


def verdict_of(effects: Iterable[Effect], *, failed: bool = False) -> Verdict:
    """The strongest effect wins; no match at all means allow; any failure means deny."""
    if failed:
        return Verdict.DENY
    strongest = max(effects, key=lambda e: e.severity, default=Effect.ALLOW)
    return _VERDICT_OF[strongest]


def merge_approvals(matches: Iterable[RuleMatch]) -> tuple[ApprovalNeed, ...]:
    """One need per group with the highest count any rule asked for, sorted by group name."""
    counts: dict[str, int] = {}
    for match in matches:
        if match.effect is Effect.REQUIRE_APPROVAL and match.approval is not None:
            group = match.approval.group
            counts[group] = max(counts.get(group, 0), match.approval.count)
    return tuple(ApprovalNeed(group=g, count=c) for g, c in sorted(counts.items()))


def decide(
    matches: Sequence[RuleMatch],
    failures: Sequence[RuleFailure],
    *,
    stage: Stage,
    rulebook_version: str,
) -> Decision:
    """Combine matches (given in rulebook order) and failures into a decision.

    Matches are re-ordered strongest first; `sorted` is stable, so rules of equal strength keep
    their rulebook order and the same request always renders the same way.
    """
    ordered = tuple(sorted(matches, key=lambda m: -m.effect.severity))
    verdict = verdict_of((m.effect for m in ordered), failed=bool(failures))
    return Decision(
        verdict=verdict,
        stage=stage,
        matches=ordered,
        # Kept even when the verdict is deny, so a reader sees everything the request would need.
        approvals=merge_approvals(ordered),
        failures=tuple(failures),
        rulebook_version=rulebook_version,
    )
