"""rulebook: policy verdicts on requests, before anything is deployed.

Pure: imports intents, pydantic, PyYAML and the CEL library, nothing from Slack, Pulumi or the
database. Load once, evaluate many times::

    book = load_rulebook(DEFAULT_RULEBOOK_PATH, known_groups={"security", "oncall"})
    decision = book.evaluate(intent, Actor(user_id="U1", team="payments"), now)
    decision = book.evaluate(intent, actor, now, plan=PlanFacts(changes=...))  # the full decision
"""

from __future__ import annotations

from rulebook.book import Rulebook
from rulebook.context import (
    NO_RESOURCE,
    Action,
    Actor,
    BudgetFacts,
    ChangeFacts,
    CostFacts,
    PlanFacts,
    ResourceFacts,
)
from rulebook.errors import Problem, RulebookError, RulebookLoadError, RuleTestError
from rulebook.loader import DEFAULT_RULEBOOK_PATH, load_rulebook, parse_rulebook
from rulebook.models import (
    OWNING_TEAM,
    ApprovalNeed,
    ApprovalSpec,
    Decision,
    Effect,
    Rule,
    RuleFailure,
    RuleMatch,
    Stage,
    Verdict,
)

__all__ = [
    "DEFAULT_RULEBOOK_PATH",
    "NO_RESOURCE",
    "OWNING_TEAM",
    "ResourceFacts",
    "Action",
    "Actor",
    "ApprovalNeed",
    "ApprovalSpec",
    "BudgetFacts",
    "ChangeFacts",
    "CostFacts",
    "Decision",
    "Effect",
    "PlanFacts",
    "Problem",
    "Rule",
    "RuleFailure",
    "RuleMatch",
    "RuleTestError",
    "Rulebook",
    "RulebookError",
    "RulebookLoadError",
    "Stage",
    "Verdict",
    "load_rulebook",
    "parse_rulebook",
]
