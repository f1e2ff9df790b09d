"""The notifier as the workflow calls it: every method of `Notifier`, none of which ever raises.

Notifications go out after the state is committed; a Slack outage or a bug in a template must
not undo or block a transition, so each call's exception is logged (with its traceback) and
swallowed here, once, instead of at every call site.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from bot.workflow.model import LockHolder, PlanChange, Request, Transfer
from bot.workflow.ports import Notifier
from provisioners.plan import Plan
from rulebook import Decision

log = logging.getLogger("bot.workflow")
P = ParamSpec("P")
R = TypeVar("R")


def safely(logger: logging.Logger, call: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
    """`call(*args)`, or None when it raised: logged at ERROR with the traceback, never re-raised.
    The drift notifier's safe wrapper (bot/schedules/drift.py) uses it too."""
    try:
        return call(*args, **kwargs)
    except Exception:
        logger.exception("notifier %s failed", getattr(call, "__qualname__", call))
        return None


class SafeNotifier:
    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier

    def request_opened(self, request: Request) -> str | None:
        return safely(log, self._notifier.request_opened, request)

    def verdict_posted(self, request: Request, decision: Decision) -> None:
        safely(log, self._notifier.verdict_posted, request, decision)

    def plan_ready(self, request: Request, plan: Plan, decision: Decision) -> None:
        safely(log, self._notifier.plan_ready, request, plan, decision)

    def approval_requested(self, request: Request, group: str, count: int) -> None:
        safely(log, self._notifier.approval_requested, request, group, count)

    def approval_recorded(
        self, request: Request, approver: str, groups: tuple[str, ...], remaining: Mapping[str, int]
    ) -> None:
        safely(log, self._notifier.approval_recorded, request, approver, groups, remaining)

    def approvals_voided(self, request: Request, change: PlanChange) -> None:
        safely(log, self._notifier.approvals_voided, request, change)

    def progress(self, request: Request, progress: Any) -> None:
        safely(log, self._notifier.progress, request, progress)

    def succeeded(self, request: Request, outputs: Mapping[str, Any]) -> None:
        safely(log, self._notifier.succeeded, request, outputs)

    def deliver_secrets(self, recipient: str, request: Request, secret_outputs: Mapping[str, Any]) -> None:
        safely(log, self._notifier.deliver_secrets, recipient, request, secret_outputs)

    def failed(self, request: Request, message: str) -> None:
        safely(log, self._notifier.failed, request, message)

    def rejected(self, request: Request, approver: str, reason: str) -> None:
        safely(log, self._notifier.rejected, request, approver, reason)

    def expired(self, request: Request) -> None:
        safely(log, self._notifier.expired, request)

    def cancelled(self, request: Request, actor: str) -> None:
        safely(log, self._notifier.cancelled, request, actor)

    def also_open(self, request: Request, others: Sequence[str]) -> None:
        safely(log, self._notifier.also_open, request, others)

    def stack_busy(self, request: Request, holder: LockHolder) -> None:
        safely(log, self._notifier.stack_busy, request, holder)

    def recovered_after_crash(self, request: Request) -> None:
        safely(log, self._notifier.recovered_after_crash, request)

    def request_updated(self, request: Request) -> None:
        safely(log, self._notifier.request_updated, request)

    def secrets_withheld(self, request: Request, recipient: str | None) -> None:
        safely(log, self._notifier.secrets_withheld, request, recipient)

    def resource_transferred(self, request: Request, transfer: Transfer) -> None:
        safely(log, self._notifier.resource_transferred, request, transfer)

    def inherited_secrets(
        self, request: Request, recipient: str, keys: tuple[str, ...], from_team: str | None
    ) -> None:
        safely(log, self._notifier.inherited_secrets, request, recipient, keys, from_team)


if TYPE_CHECKING:

    def _fits(notifier: SafeNotifier) -> Notifier:
        return notifier
