"""The workflow's test doubles and helpers, shared by the workflow, schedules, drift and metrics
tests: a notifier that records calls, a directory with fixed group members, the real Workflow built
with the test's parts, and seed(), which reaches a state through the real transitions.

The fixtures here (rulebook, catalog, clock, notifier) are imported by name into a conftest.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence, Set
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from bot.clock import Clock, ManualClock
from bot.config import TeamBudget
from bot.store import Store
from bot.workflow import Request, Workflow, WorkflowPolicy, rows
from bot.workflow import transitions as T
from bot.workflow.costing import Costing
from bot.workflow.ports import Directory, Executor, Notifier
from intents import DEFAULT_CATALOG_PATH, Catalog, Intent, load_catalog
from provisioners import Plan, ResourceChange, Runner
from rulebook import DEFAULT_RULEBOOK_PATH, Actor, Rulebook, load_rulebook
from tests.support.clock import MONDAY_MORNING

# Monday 10:00 in Berlin (the rulebook's zone): inside business hours, so prod needs security only.
GROUPS = {
    "security": {"U_SEC1", "U_SEC2", "U_BOTH"},
    "oncall": {"U_ONCALL", "U_BOTH"},
    "platform-admins": {"U_ADMIN"},
}
DEV = Actor(user_id="U_DEV", team="payments")
# The tests' teams are charged to cost centres (the default rulebook denies production resources
# without one); no budget limits, so no plan needs finance unless a test sets its own.
TEAM_BUDGETS = {
    team: TeamBudget(cost_centre=f"CC-{team}") for team in ("payments", "search", "platform", "identity")
}


class RecordingNotifier:
    """Records every call as (method, args); `request_opened` answers with a thread ts."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self._lock = threading.Lock()

    def _record(self, method: str, *args: Any) -> None:
        with self._lock:
            self.calls.append((method, args))

    def names(self, request: Request | str | None = None) -> list[str]:
        wanted = request.id if isinstance(request, Request) else request
        return [m for m, args in self.calls if wanted is None or _request_id(args) == wanted]

    def of(self, method: str) -> list[tuple[Any, ...]]:
        return [args for m, args in self.calls if m == method]

    def request_opened(self, request: Request) -> str | None:
        self._record("request_opened", request)
        return f"1736150400.{request.number:06d}"

    def verdict_posted(self, request: Request, decision: Any) -> None:
        self._record("verdict_posted", request, decision)

    def plan_ready(self, request: Request, plan: Any, decision: Any) -> None:
        self._record("plan_ready", request, plan, decision)

    def approval_requested(self, request: Request, group: str, count: int) -> None:
        self._record("approval_requested", request, group, count)

    def approval_recorded(self, request: Request, approver: str, groups: Any, remaining: Any) -> None:
        self._record("approval_recorded", request, approver, groups, remaining)

    def approvals_voided(self, request: Request, change: Any) -> None:
        self._record("approvals_voided", request, change)

    def progress(self, request: Request, progress: Any) -> None:
        self._record("progress", request, progress)

    def succeeded(self, request: Request, outputs: Any) -> None:
        self._record("succeeded", request, outputs)

    def deliver_secrets(self, requester: str, request: Request, secret_outputs: Any) -> None:
        self._record("deliver_secrets", requester, request, secret_outputs)

    def failed(self, request: Request, message: str) -> None:
        self._record("failed", request, message)

    def rejected(self, request: Request, approver: str, reason: str) -> None:
        self._record("rejected", request, approver, reason)

    def expired(self, request: Request) -> None:
        self._record("expired", request)

    def cancelled(self, request: Request, actor: str) -> None:
        self._record("cancelled", request, actor)

    def also_open(self, request: Request, others: Sequence[str]) -> None:
        self._record("also_open", request, tuple(others))

    def stack_busy(self, request: Request, holder: Any) -> None:
        self._record("stack_busy", request, holder)

    def recovered_after_crash(self, request: Request) -> None:
        self._record("recovered_after_crash", request)

    def request_updated(self, request: Request) -> None:
        self._record("request_updated", request)

    def secrets_withheld(self, request: Request, recipient: str | None) -> None:
        self._record("secrets_withheld", request, recipient)

    def resource_transferred(self, request: Request, transfer: Any) -> None:
        self._record("resource_transferred", request, transfer)

    def inherited_secrets(
        self, request: Request, recipient: str, keys: tuple[str, ...], from_team: str | None
    ) -> None:
        self._record("inherited_secrets", request, recipient, keys, from_team)


def _request_id(args: tuple[Any, ...]) -> str | None:
    for arg in args:
        if isinstance(arg, Request):
            return arg.id
    return None


class StaticDirectory:
    """Fixed group members; every user id is a person except those in `strangers`."""

    def __init__(self, groups: dict[str, set[str]], strangers: Set[str] = frozenset()) -> None:
        self.groups = groups
        self.strangers = set(strangers)

    def members(self, group: str) -> Set[str]:
        return frozenset(self.groups.get(group, ()))

    def unknown_people(self, user_ids: Collection[str]) -> list[str]:
        return [u for u in dict.fromkeys(user_ids) if u in self.strangers]


@pytest.fixture(scope="session")
def rulebook() -> Rulebook:
    return load_rulebook(DEFAULT_RULEBOOK_PATH)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(DEFAULT_CATALOG_PATH)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY_MORNING)


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


def make_workflow(
    store: Store,
    *,
    rulebook: Rulebook,
    catalog: Catalog,
    runner: Runner,
    notifier: Notifier,
    directory: Directory,
    clock: Clock,
    policy: WorkflowPolicy | None = None,
    worker: Executor | None = None,
    hostname: str = "bot-host",
    pid: int = 4242,
    costing: Costing | None = None,
) -> Workflow:
    """The real Workflow with the test's parts; an 8-hour approval window and U_ADMIN as admin;
    no price book, and the cost centres of TEAM_BUDGETS."""
    return Workflow(
        store=store,
        rulebook=rulebook,
        catalog=catalog,
        runner=runner,
        notifier=notifier,
        directory=directory,
        clock=clock,
        policy=policy or WorkflowPolicy(approval_ttl=timedelta(hours=8), admins=frozenset({"U_ADMIN"})),
        worker=worker,
        hostname=hostname,
        pid=pid,
        costing=costing or Costing(store=store, budgets=TEAM_BUDGETS),
    )


def service_intent(
    catalog: Catalog,
    name: str = "billing",
    env: str = "prod",
    owners: str = "U123ABC",
    team: str = "payments",
) -> Intent:
    values = {"name": name, "env": env, "team": team, "language": "python", "owners": owners}
    return catalog.build_intent("service", values)


def hand_plan(stack: str, marker: str = "v1") -> Plan:
    """A plan as the runner would report it, built by hand for tests that need no engine."""
    change = ResourceChange(
        urn=f"urn:pulumi:{stack}::service::platformbot:GitRepository::repo",
        type="pulumi-python:dynamic/platformbot:GitRepository",
        name="repo",
        op="create",
        keys=("description",),
        after={"description": marker},
        stateful=True,
    )
    return Plan.build(stack, [change])


# How seed() reaches each state, through the workflow's own transitions (so the audit trail is real).
_SEED_PATHS: dict[str, tuple[T.Transition, ...]] = {
    "awaiting_approval": (T.PLANNED, T.APPROVAL_REQUESTED),
    "approved": (T.PLANNED, T.APPROVAL_REQUESTED, T.APPROVED),
    "applying": (T.PLANNED, T.APPROVAL_REQUESTED, T.APPROVED, T.APPLY_STARTED),
}


def seed(
    workflow: Workflow,
    catalog: Catalog,
    state: str,
    *,
    name: str = "billing",
    requester: Actor = DEV,
    required: dict[str, int] | None = None,
    plan: Plan | None = None,
    expires_in: timedelta = timedelta(hours=8),
) -> Request:
    """A request submitted for real, then moved to `state` through the real transitions as if it had
    been planned by hand (no engine): every step writes its audit event, from the state before."""
    request = workflow.submit(service_intent(catalog, name=name), requester, "C_REQUESTS")
    plan = plan or hand_plan(request.stack_name)
    now = workflow.clock.now()
    values: dict[T.Transition, dict[str, Any]] = {
        T.PLANNED: {"plan": plan.model_dump(mode="json"), "plan_hash": plan.plan_hash, "planned_at": now},
        T.APPROVAL_REQUESTED: {
            "required_approvals": required if required is not None else {"security": 1},
            "approvals_expire_at": now + expires_in,
            "approval_requested_at": now,
        },
        T.APPROVED: {"approved_at": now},
        T.APPLY_STARTED: {"apply_started_at": now},
    }
    with workflow.store.write() as session:
        row = rows.locked(session, request.number)
        for step in _SEED_PATHS[state]:
            moved = T.transition(session, row, step, actor="seed", at=now, **values[step])
            assert moved, f"seed could not take {step.event} from {row.state}"
    return workflow.get(request.id)


if TYPE_CHECKING:

    def _fits(notifier: RecordingNotifier, directory: StaticDirectory) -> tuple[Notifier, Directory]:
        """mypy checks here that the doubles keep fitting the ports they stand in for."""
        return notifier, directory
