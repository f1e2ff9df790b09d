"""The side effects the workflow is handed at construction (convention 3), as small Protocols.

The Slack adapter implements `Notifier` and `Directory`; provisioners.Runner satisfies `Runner`;
rulebook.Rulebook satisfies `Rulebook`; bot.workflow.threads.ThreadExecutor is the in-process
`Executor`. Tests hand in the real rulebook and runner, SQLite, a ManualClock and a notifier that
records calls.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from bot.workflow.model import LockHolder, PlanChange, Request, Step, Transfer
from intents.intent import Intent
from provisioners.labels import Labels
from provisioners.plan import Plan
from rulebook import Action, Actor, Decision, PlanFacts, ResourceFacts

ProgressCallback = Callable[[Any], None]


class Rulebook(Protocol):
    def evaluate(
        self,
        intent: Intent,
        actor: Actor,
        now: datetime,
        *,
        action: Action = "apply",
        plan: PlanFacts | None = None,
        resource: ResourceFacts = ...,
    ) -> Decision: ...


class ApplyResult(Protocol):
    """What `Runner.up` returns. `secret_outputs` are never stored; only `deliver_secrets` sees them."""

    @property
    def outputs(self) -> Mapping[str, Any]: ...

    @property
    def secret_outputs(self) -> Mapping[str, Any]: ...

    @property
    def summary(self) -> Mapping[str, int]:
        """The engine's op counts (create, update, ...): stored with the run."""
        ...


class DestroyResult(Protocol):
    """What `Runner.destroy` returns."""

    @property
    def summary(self) -> Mapping[str, int]: ...


class Runner(Protocol):
    def stack_name(self, intent: Intent) -> str: ...

    def preview(self, intent: Intent, labels: Labels | None = None) -> Plan:
        """`labels`: the attribution the program puts on every resource (provisioners.labels)."""
        ...

    def preview_destroy(self, intent: Intent) -> Plan: ...

    def up(
        self, intent: Intent, on_progress: ProgressCallback | None = None, labels: Labels | None = None
    ) -> ApplyResult:
        """`labels`: the same as the preview's, or the plan applied differs from the one approved."""
        ...

    def destroy(self, intent: Intent, on_progress: ProgressCallback | None = None) -> DestroyResult: ...


# Runs one step of one request (the workflow's plan or apply); what an Executor is bound to.
StepRunner = Callable[[Step, str], object]
# Hands a step to the executor; the parts of the workflow get this, not the executor. Without an
# executor it does nothing and the caller drives each step (the unit tests do).
Schedule = Callable[[Step, str], None]


class Executor(Protocol):
    """Who runs a step in the background: this process's threads (ThreadExecutor), later Temporal.

    Every step is idempotent and takes the stack lock itself, so an executor may run a step
    twice, or two of one request at once; it must not lose one that `submit` accepted, and must
    not let a failing step stop the others.
    """

    def bind(self, run: StepRunner) -> None:
        """What running a step means in this process; the workflow binds itself when it is built."""
        ...

    def submit(self, step: Step, request_id: str) -> None:
        """Run `step` of `request_id` soon, not on the caller's thread (Bolt must ack in 3 s)."""
        ...

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until no step is queued or running, including steps that steps submitted;
        TimeoutError after `timeout` seconds (tests and shutdown)."""
        ...


class Directory(Protocol):
    def members(self, group: str) -> Set[str]:
        """Slack user ids in an approver group (cached by the adapter: usergroups.users.list is Tier 2)."""
        ...

    def unknown_people(self, user_ids: Collection[str]) -> list[str]:
        """The ids among `user_ids` that are no person of this workspace (no such user, a deleted
        one, or a bot), in the order given: a request naming them is refused before it is stored."""
        ...


class Notifier(Protocol):
    """Everything the workflow tells people. Called after the state is committed, never inside a
    transaction; an exception here is logged and does not undo or block the workflow."""

    def request_opened(self, request: Request) -> str | None:
        """Post the request; return the thread's ts (stored as `thread_ts`), or None."""
        ...

    def verdict_posted(self, request: Request, decision: Decision) -> None:
        """The intent-stage verdict (a denied request stops here)."""
        ...

    def plan_ready(self, request: Request, plan: Plan, decision: Decision) -> None:
        """The plan and the full decision (deny / require approval / allow) for the thread."""
        ...

    def approval_requested(self, request: Request, group: str, count: int) -> None:
        """Ask `group` for `count` approvals of `request.plan_hash` (once per group per round)."""
        ...

    def approval_recorded(
        self, request: Request, approver: str, groups: tuple[str, ...], remaining: Mapping[str, int]
    ) -> None: ...

    def approvals_voided(self, request: Request, change: PlanChange) -> None:
        """The plan changed between approval and apply; earlier approvals no longer count."""
        ...

    def progress(self, request: Request, progress: Any) -> None:
        """An engine progress event during apply/destroy; rate limiting is the adapter's job."""
        ...

    def succeeded(self, request: Request, outputs: Mapping[str, Any]) -> None:
        """Non-secret outputs only."""
        ...

    def deliver_secrets(self, recipient: str, request: Request, secret_outputs: Mapping[str, Any]) -> None:
        """The only place secret outputs go: a DM to `recipient` (the requester, or the resource's
        owner when the requester is outside the owning team). Never stored, never logged."""
        ...

    def failed(self, request: Request, message: str) -> None: ...

    def rejected(self, request: Request, approver: str, reason: str) -> None: ...

    def expired(self, request: Request) -> None: ...

    def cancelled(self, request: Request, actor: str) -> None:
        """`request` was cancelled by `actor`, or superseded by `request.superseded_by` (asked by `actor`)."""
        ...

    def also_open(self, request: Request, others: Sequence[str]) -> None:
        """`others` are open on `request`'s stack too, and `request`'s requester may not supersede them."""
        ...

    def stack_busy(self, request: Request, holder: LockHolder) -> None:
        """`request` is approved but waits: `holder` is applying to the same stack."""
        ...

    def recovered_after_crash(self, request: Request) -> None:
        """The bot restarted during this request's apply; it is now failed with a re-run hint."""
        ...

    def request_updated(self, request: Request) -> None:
        """Re-render everything this request owns in Slack from its stored state (it was destroyed
        or superseded by a later request, or its resource was transferred)."""
        ...

    def resource_transferred(self, request: Request, transfer: Transfer) -> None:
        """An admin handed what `request` built to another team: say so in its thread and tell the
        previous owners (their credentials still work; the bot does not rotate them)."""
        ...

    def inherited_secrets(
        self, request: Request, recipient: str, keys: tuple[str, ...], from_team: str | None
    ) -> None:
        """Secret outputs just delivered to `recipient` were issued before a transfer from
        `from_team`, which may still hold them: say they should be rotated."""
        ...

    def secrets_withheld(self, request: Request, recipient: str | None) -> None:
        """The resource belongs to another team: its secret outputs went to `recipient` (its owner),
        or to nobody, not to the requester. Tell the requester so, without any secret."""
        ...


@dataclass(frozen=True)
class WorkflowPolicy:
    approval_ttl: timedelta = timedelta(hours=24)
    # Requests the rulebook allows outright go from planned straight to apply.
    auto_apply_when_allowed: bool = True
    # Platform admins (Slack user ids) may cancel anyone's request (before it is applying).
    admins: frozenset[str] = frozenset()


if TYPE_CHECKING:
    # The real parts must keep fitting these ports; mypy checks it here, nothing runs.
    import provisioners
    import rulebook

    def _fits(runner: provisioners.Runner, book: rulebook.Rulebook) -> tuple[Runner, Rulebook]:
        return runner, book
