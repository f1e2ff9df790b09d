"""What the drift check-ins need from outside, as small Protocols (the workflow's convention 3):
the engine's drift check, and a notifier that the Slack adapter implements (bot/drift/slack.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.drift.findings import Finding
from bot.workflow import Request
from intents.intent import Intent
from provisioners.plan import DriftReport


class DriftRunner(Protocol):
    def drift(self, intent: Intent) -> DriftReport: ...


@dataclass(frozen=True)
class CheckFailure:
    """A stack whose drift check failed; `message` is user-safe (a ProvisionerError's, or generic)."""

    stack: str
    request_id: str
    message: str


class DriftNotifier(Protocol):
    """Called after the finding is committed; an exception here is logged and changes nothing."""

    def drift_found(self, finding: Finding, request: Request, note: str | None) -> tuple[str, str] | None:
        """Post the drift (a diff, the three buttons) in the request's thread and tell its owner by DM.
        Returns (channel, ts) of the thread message, which is updated when someone clicks."""
        ...

    def drift_resolved(self, finding: Finding, request: Request) -> None: ...

    def follow_up_opened(self, finding: Finding, request: Request, follow_up: Request, actor: str) -> None:
        """Reconcile or Accept opened `follow_up`; the drift message loses its buttons."""
        ...

    def accept_refused(
        self, finding: Finding, request: Request, reasons: Sequence[str], actor: str
    ) -> None: ...

    def snoozed(self, finding: Finding, request: Request, actor: str) -> None: ...

    def drift_checks_failing(self, failures: Sequence[CheckFailure]) -> None:
        """Once, in the platform channel, when drift checks start failing."""
        ...

    def drift_checks_recovered(self) -> None: ...
