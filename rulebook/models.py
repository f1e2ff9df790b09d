"""Plain models shared by the loader, the evaluator and the callers (the bot, the CLI)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Stage(StrEnum):
    """When a rule runs: on the typed intent (instant feedback) or on the real Pulumi plan."""

    INTENT = "intent"
    PLAN = "plan"


class Effect(StrEnum):
    """What a matching rule asks for, from the mildest to the strongest."""

    ALLOW = "allow"
    WARN = "warn"
    REQUIRE_APPROVAL = "require_approval"
    DENY = "deny"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


class Verdict(StrEnum):
    """The outcome of a whole request: the strongest effect among the rules that matched."""

    ALLOW = "allow"
    WARN = "warn"
    REQUIRE_APPROVAL = "require_approval"
    DENY = "deny"


_SEVERITY = {Effect.ALLOW: 0, Effect.WARN: 1, Effect.REQUIRE_APPROVAL: 2, Effect.DENY: 3}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# The approver group that stands for "members of the team that owns the resource": the bot resolves
# it per request, so it needs no entry in the config.
OWNING_TEAM = "owning-team"


class ApprovalSpec(_Frozen):
    """How many members of an approver group (defined in the bot's config, or `owning-team`) must approve."""

    group: str
    count: int = 1


class Rule(_Frozen):
    """One rule as written in the rulebook (the CEL sources, not the compiled programs)."""

    id: str
    description: str
    stage: Stage
    condition: str
    effect: Effect
    approval: ApprovalSpec | None = None
    message: str
    remediation: str = ""
    tags: tuple[str, ...] = ()


class RuleMatch(_Frozen):
    """A rule whose condition held, with its message rendered against the request's context."""

    rule_id: str
    stage: Stage
    effect: Effect
    message: str
    remediation: str
    tags: tuple[str, ...] = ()
    approval: ApprovalSpec | None = None


class ApprovalNeed(_Frozen):
    """Approvals a request needs from one group (merged over rules: the highest count wins)."""

    group: str
    count: int


class RuleFailure(_Frozen):
    """A rule that could not be evaluated (missing field, type error, ...); it makes the verdict deny."""

    rule_id: str
    reason: str


class Decision(_Frozen):
    """The rulebook's answer for one request at one stage.

    `matches` lists every rule that matched, strongest effect first, then in rulebook order;
    `failures` lists the rules that could not be evaluated (any failure makes the verdict deny).
    """

    verdict: Verdict
    stage: Stage
    matches: tuple[RuleMatch, ...] = ()
    approvals: tuple[ApprovalNeed, ...] = ()
    failures: tuple[RuleFailure, ...] = ()
    rulebook_version: str

    @property
    def allowed(self) -> bool:
        """True when the request may go ahead without anyone's approval."""
        return self.verdict in (Verdict.ALLOW, Verdict.WARN)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Ids of the rules that matched, in the decision's order."""
        return tuple(m.rule_id for m in self.matches)
