"""Rule tests: YAML files of cases, each a request and the decision the rulebook must reach.

In the spirit of `opa test` and `conftest verify`, but data, not code, so whoever writes a rule
also writes its cases next to it::

    description: Production rules           # optional
    defaults:                               # optional; merged into every case
      actor: {user_id: U0REQ, team: payments, groups: []}
      at: "2025-03-04T10:00:00"             # naive times are in the rulebook's time zone
      action: apply
    cases:
      - name: a prod database needs one security approval
        intent: "postgres-database name=billing env=prod"        # text, parsed with the catalog
        # or: intent: {path: postgres-database, name: billing, env: prod, params: {size: small}}
        # resource: {exists: true, owner_team: payments, intent: {...}}   # optional; its intent
        #                                   # is the rules' `previous` (an update or a rotation)
        plan:                               # optional; with it, plan-stage rules run too
          changes: [{urn: "urn:pulumi:...", type: "postgresql:index/database:Database",
                     op: replace, keys: [name], stateful: true}]
        expect:
          verdict: require_approval
          rules: [prod-needs-security-approval]    # exactly the rules that fire (any order)
          approvals: {security: 1}                 # optional: exactly these approvals
          failures: []                             # rules expected to fail to evaluate (default none)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from intents.errors import IntentError
from intents.intent import Intent, ParamValue
from rulebook.book import Rulebook
from rulebook.context import NO_RESOURCE, Action, Actor, PlanFacts, ResourceFacts
from rulebook.errors import Problem, RuleTestError
from rulebook.loader import validate
from rulebook.located import read_located
from rulebook.models import Decision, Verdict

IntentParser = Callable[[str], Intent]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IntentSpec(_Spec):
    path: str
    name: str
    env: str
    params: dict[str, ParamValue] = Field(default_factory=dict)
    credentials_version: int = 0


class Expectation(_Spec):
    verdict: Verdict
    rules: list[str]
    approvals: dict[str, int] | None = None
    failures: list[str] = Field(default_factory=list)


class Defaults(_Spec):
    actor: Actor | None = None
    at: datetime | None = None
    action: Action | None = None


class Case(_Spec):
    name: str
    intent: str | IntentSpec
    actor: Actor | None = None
    at: datetime | None = None
    action: Action | None = None
    resource: ResourceFacts = NO_RESOURCE
    plan: PlanFacts | None = None
    expect: Expectation


class RuleTestFile(_Spec):
    description: str = ""
    defaults: Defaults = Field(default_factory=Defaults)
    cases: list[Case]


@dataclass(frozen=True)
class CaseResult:
    file: str
    line: int
    name: str
    passed: bool
    details: tuple[str, ...] = ()
    decision: Decision | None = None


@dataclass
class RuleTestReport:
    results: list[CaseResult] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)  # files that could not be loaded
    untested_rules: tuple[str, ...] = ()

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def ok(self) -> bool:
        return not self.errors and self.failed == 0 and bool(self.results)


def find_test_files(paths: Iterable[Path]) -> list[Path]:
    """YAML files given directly, or found (recursively, sorted) under given directories."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
        else:
            found.append(path)
    return found


def load_rule_tests(path: Path) -> tuple[RuleTestFile, list[int]]:
    """The file's cases and the line each case starts on; raises RuleTestError."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleTestError([Problem(str(path), 1, 1, f"cannot read: {exc}")]) from exc
    located = read_located(text, str(path))
    problems = list(located.problems)
    spec = None if located.problems and located.data is None else validate(RuleTestFile, located, problems)
    if spec is None or problems:
        raise RuleTestError(problems)
    lines = [located.spot(("cases", i)).line + 1 for i in range(len(spec.cases))]
    return spec, lines


def run_rule_tests(
    book: Rulebook, paths: Sequence[Path], *, parse_intent: IntentParser | None = None
) -> RuleTestReport:
    """Run every case of every file; a file that cannot be loaded is an error, the rest still run.

    `parse_intent` turns intent text into an Intent; by default the catalog at
    intents.DEFAULT_CATALOG_PATH is loaded the first time a case needs it.
    """
    report = RuleTestReport()
    expected: set[str] = set()
    for path in find_test_files(paths):
        try:
            spec, lines = load_rule_tests(path)
        except RuleTestError as exc:
            report.errors += exc.problems
            continue
        for case, line in zip(spec.cases, lines, strict=True):
            expected.update(case.expect.rules, case.expect.failures)
            report.results.append(run_case(book, case, spec.defaults, str(path), line, parse_intent))
    report.untested_rules = tuple(r.id for r in book.rules if r.id not in expected)
    return report


def run_case(
    book: Rulebook,
    case: Case,
    defaults: Defaults,
    file: str,
    line: int,
    parse_intent: IntentParser | None = None,
) -> CaseResult:
    def failed(*details: str, decision: Decision | None = None) -> CaseResult:
        return CaseResult(file, line, case.name, False, details, decision)

    actor = case.actor or defaults.actor
    at = case.at or defaults.at
    action = case.action or defaults.action or "apply"
    if actor is None or at is None:
        return failed("the case needs an `actor` and an `at` time (in the case or in `defaults`)")
    if isinstance(case.intent, str):
        try:
            intent = (parse_intent or _default_parser())(case.intent)
        except IntentError as exc:
            return failed(f"the intent text does not parse: {exc}")
    else:
        intent = Intent(**case.intent.model_dump())
    decision = book.evaluate(intent, actor, at, action=action, plan=case.plan, resource=case.resource)
    details = compare(case.expect, decision)
    if details:
        return failed(*details, decision=decision)
    return CaseResult(file, line, case.name, True, (), decision)


def compare(expect: Expectation, decision: Decision) -> list[str]:
    """What differs between the expectation and the decision, one line per difference."""
    details: list[str] = []
    if decision.verdict is not expect.verdict:
        details.append(f"verdict: expected {expect.verdict}, got {decision.verdict}")
    fired = set(decision.rule_ids)
    missing = sorted(set(expect.rules) - fired)
    unexpected = sorted(fired - set(expect.rules))
    if missing:
        details.append(f"rules expected to fire but did not: {', '.join(missing)}")
    if unexpected:
        details.append(f"rules that fired unexpectedly: {', '.join(unexpected)}")
    if expect.approvals is not None:
        got = {a.group: a.count for a in decision.approvals}
        if got != expect.approvals:
            details.append(f"approvals: expected {expect.approvals}, got {got}")
    failed = {f.rule_id: f.reason for f in decision.failures}
    for rule_id in sorted(set(failed) - set(expect.failures)):
        details.append(f"rule {rule_id} could not be evaluated: {failed[rule_id]}")
    for rule_id in sorted(set(expect.failures) - set(failed)):
        details.append(f"rule {rule_id} was expected to fail to evaluate but did not")
    return details


@cache
def _default_parser() -> IntentParser:
    # Imported here: loading the catalog is work, and only text intents need it.
    from intents import DEFAULT_CATALOG_PATH, load_catalog, parse_intent

    catalog = load_catalog(DEFAULT_CATALOG_PATH)
    return lambda text: parse_intent(text, catalog)
