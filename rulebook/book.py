"""A loaded rulebook and its evaluator."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import cel

from intents.intent import Intent
from rulebook.algebra import decide
from rulebook.compiler import CompiledRule
from rulebook.context import NO_RESOURCE, Action, Actor, PlanFacts, ResourceFacts, build_context
from rulebook.engine import describe_failure, new_context
from rulebook.index import Guarded, RuleIndex, guards
from rulebook.models import Decision, Rule, RuleFailure, RuleMatch, Stage


class Rulebook:
    """Compiled rules plus everything needed to evaluate them. Build it with `load_rulebook`.

    Safe to share between threads: each thread gets its own CEL context.
    """

    def __init__(
        self,
        *,
        name: str,
        version: str,
        declared_version: str | None,
        timezone: str,
        variables: dict[str, Any],
        compiled: Sequence[CompiledRule],
        path: str,
    ) -> None:
        self.name = name
        self.version = version
        self.declared_version = declared_version
        self.timezone = timezone
        self.zone = ZoneInfo(timezone)
        self.variables = variables
        self.path = path
        self.compiled = tuple(compiled)
        guarded = [Guarded(c, guards(c.rule.condition)) for c in self.compiled]
        self._intent_index = RuleIndex(g for g in guarded if g.item.rule.stage is Stage.INTENT)
        self._plan_index = RuleIndex(guarded)
        self._local = threading.local()

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(c.rule for c in self.compiled)

    def rule(self, rule_id: str) -> Rule | None:
        return next((c.rule for c in self.compiled if c.rule.id == rule_id), None)

    def context(
        self,
        intent: Intent,
        actor: Actor,
        now: datetime,
        *,
        action: Action = "apply",
        plan: PlanFacts | None = None,
        resource: ResourceFacts = NO_RESOURCE,
    ) -> cel.Context:
        """This thread's CEL context, loaded with one request's facts."""
        return self._load(intent, actor, now, action, plan, resource)[0]

    def _load(
        self,
        intent: Intent,
        actor: Actor,
        now: datetime,
        action: Action,
        plan: PlanFacts | None,
        resource: ResourceFacts,
    ) -> tuple[cel.Context, dict[str, Any]]:
        """The CEL context and the same facts as Python data (for placeholders that name a field).

        Converting `vars` (long allow-lists) into CEL values costs more than all the rules
        together, so each thread converts them once and only the request's facts change here.
        Every request sets every per-request name (`plan` to null at the intent stage), so
        nothing leaks from one request to the next.
        """
        context: cel.Context | None = getattr(self._local, "context", None)
        if context is None:
            context = new_context({"vars": self.variables})
            self._local.context = context
        facts = build_context(
            intent,
            actor,
            now,
            zone=self.zone,
            zone_name=self.timezone,
            action=action,
            plan=plan,
            resource=resource,
        )
        context.update(facts)
        facts["vars"] = self.variables
        return context, facts

    def evaluate(
        self,
        intent: Intent,
        actor: Actor,
        now: datetime,
        *,
        action: Action = "apply",
        plan: PlanFacts | None = None,
        resource: ResourceFacts = NO_RESOURCE,
    ) -> Decision:
        """Intent-stage rules only when `plan` is None; otherwise every rule (the full decision).

        `resource`: the live resource the request is about (ownership), default: a new one.

        Never raises: a rule that cannot be evaluated is reported in `failures` and denies.
        Rules the index rules out (see rulebook.index) are not run: CEL would say no match.
        """
        stage = Stage.INTENT if plan is None else Stage.PLAN
        index = self._intent_index if plan is None else self._plan_index
        rules = index.candidates((intent.path, intent.env, action))
        try:
            context, facts = self._load(intent, actor, now, action, plan, resource)
        except Exception as exc:  # any conversion failure must deny, not crash
            reason = f"the request could not be given to the rules: {describe_failure(exc)}"
            failures = [RuleFailure(rule_id=c.rule.id, reason=reason) for c in rules]
            return decide([], failures, stage=stage, rulebook_version=self.version)
        matches: list[RuleMatch] = []
        failures = []
        for compiled in rules:
            outcome = run_rule(compiled, context, facts)
            if isinstance(outcome, RuleFailure):
                failures.append(outcome)
            elif outcome is not None:
                matches.append(outcome)
        return decide(matches, failures, stage=stage, rulebook_version=self.version)


def run_rule(
    compiled: CompiledRule, context: cel.Context, facts: dict[str, Any]
) -> RuleMatch | RuleFailure | None:
    """The match, the failure, or None when the condition is false."""
    rule = compiled.rule
    try:
        # The CEL library raises KeyError, TypeError, RuntimeError, ValueError, IndexError,
        # ZeroDivisionError... and extension functions run Python code: any exception fails closed.
        result = compiled.program.execute(context)
    except Exception as exc:
        return RuleFailure(rule_id=rule.id, reason=describe_failure(exc))
    if type(result) is not bool:
        return RuleFailure(rule_id=rule.id, reason=f"condition gave {type(result).__name__}, not a bool")
    if not result:
        return None
    try:
        message = compiled.message.render(context, facts)
        remediation = compiled.remediation.render(context, facts)
    except Exception as exc:
        return RuleFailure(rule_id=rule.id, reason=f"message could not be rendered: {describe_failure(exc)}")
    return RuleMatch(
        rule_id=rule.id,
        stage=rule.stage,
        effect=rule.effect,
        message=message,
        remediation=remediation,
        tags=rule.tags,
        approval=rule.approval,
    )
