"""Why each rule did or did not match a request: the data behind `platformbot rulebook explain`.

A condition written as `a && b && c` is explained clause by clause: the first false clause is the
reason a rule did not match, and a clause that errors is where a failure comes from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import cel
from pydantic import BaseModel, ConfigDict

from intents.intent import Intent
from rulebook.book import Rulebook, run_rule
from rulebook.cel_source import split_conjuncts
from rulebook.compiler import CompiledRule
from rulebook.context import Action, Actor, PlanFacts, build_context
from rulebook.engine import compile_source, describe_failure, render_value
from rulebook.models import ApprovalSpec, Decision, Effect, RuleFailure, Stage

Outcome = Literal["matched", "not_matched", "failed", "skipped"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ClauseTrace(_Frozen):
    """One `&&` operand: its value, its error, or None for both when it was not needed."""

    source: str
    value: str | None = None
    error: str | None = None


class RuleTrace(_Frozen):
    rule_id: str
    description: str
    stage: Stage
    effect: Effect
    approval: ApprovalSpec | None
    outcome: Outcome
    reason: str
    clauses: tuple[ClauseTrace, ...] = ()
    message: str | None = None
    remediation: str | None = None


class Explanation(_Frozen):
    decision: Decision
    rules: tuple[RuleTrace, ...]
    facts: dict[str, Any]  # the context the rules saw (without vars)


def explain(
    book: Rulebook,
    intent: Intent,
    actor: Actor,
    now: datetime,
    *,
    action: Action = "apply",
    plan: PlanFacts | None = None,
) -> Explanation:
    decision = book.evaluate(intent, actor, now, action=action, plan=plan)
    facts = build_context(
        intent, actor, now, zone=book.zone, zone_name=book.timezone, action=action, plan=plan
    )
    context = book.context(intent, actor, now, action=action, plan=plan)
    with_vars = {**facts, "vars": book.variables}
    # Every rule runs here, even those the index would skip: explain shows each clause.
    traces = tuple(_trace(compiled, context, with_vars, plan is not None) for compiled in book.compiled)
    return Explanation(decision=decision, rules=traces, facts=facts)


def _trace(compiled: CompiledRule, context: cel.Context, facts: dict[str, Any], with_plan: bool) -> RuleTrace:
    rule = compiled.rule
    base = {
        "rule_id": rule.id,
        "description": rule.description,
        "stage": rule.stage,
        "effect": rule.effect,
        "approval": rule.approval,
    }
    if rule.stage is Stage.PLAN and not with_plan:
        return RuleTrace(
            **base, outcome="skipped", reason="plan-stage rule: runs once the real plan is known"
        )
    clauses = _clauses(rule.condition, context)
    outcome = run_rule(compiled, context, facts)
    if isinstance(outcome, RuleFailure):
        return RuleTrace(**base, outcome="failed", reason=outcome.reason, clauses=clauses)
    if outcome is None:
        false = next((" ".join(c.source.split()) for c in clauses if c.value == "false"), None)
        reason = f"`{false}` is false" if false is not None and len(clauses) > 1 else "the condition is false"
        return RuleTrace(**base, outcome="not_matched", reason=reason, clauses=clauses)
    reason = f"all {len(clauses)} clauses hold" if len(clauses) > 1 else "the condition holds"
    return RuleTrace(
        **base,
        outcome="matched",
        reason=reason,
        clauses=clauses,
        message=outcome.message,
        remediation=outcome.remediation,
    )


def _clauses(condition: str, context: cel.Context) -> tuple[ClauseTrace, ...]:
    """Evaluate each clause in turn, up to the first false one (the rest did not matter)."""
    traces: list[ClauseTrace] = []
    stopped = False
    # Each operand of a top-level `&&` chain of a condition that compiled compiles on its own.
    for source in split_conjuncts(condition):
        if stopped:
            traces.append(ClauseTrace(source=source))
            continue
        try:
            value = compile_source(source).execute(context)
        except Exception as exc:  # a clause that errors is the explanation, not a crash
            traces.append(ClauseTrace(source=source, error=describe_failure(exc)))
            continue
        traces.append(ClauseTrace(source=source, value=render_value(value)))
        stopped = value is False
    return tuple(traces)
