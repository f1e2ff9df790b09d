"""What the three buttons under a drift message do.

Reconcile and Accept never touch infrastructure themselves: each opens an ordinary request through
the workflow (the same intent again, or the intent the live state corresponds to), so the rulebook,
the plan in the thread and the approvals apply exactly as for any change; in prod that means
security approves again. Snooze hides the finding for a while; the sweep brings it back.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from bot.clock import Clock, format_utc
from bot.drift.accept import propose
from bot.drift.checker import SafeDriftNotifier
from bot.drift.errors import FindingClosed
from bot.drift.findings import Finding, FindingStore, FollowUp
from bot.drift.ports import DriftNotifier
from bot.errors import NotAllowed, WorkflowError
from bot.store.states import DriftState
from bot.workflow import Request, Workflow
from intents.catalog import Catalog
from intents.intent import Intent
from rulebook import Actor

SNOOZE = timedelta(days=7)


class DriftActions:
    def __init__(
        self,
        *,
        findings: FindingStore,
        workflow: Workflow,
        catalog: Catalog,
        notifier: DriftNotifier,
        clock: Clock,
        actor_of: Callable[[str], Actor],
        channel: str,
        admins: Collection[str] = (),
        show_time: Callable[[datetime | None], str] = format_utc,
    ) -> None:
        """`channel`: where follow-up requests open their threads; `admins` may act on any finding
        (besides the owner, who made the request that built the stack); `show_time`: how a time
        reads in an answer (Slack's adapter gives a date token each reader sees in their zone)."""
        self._findings = findings
        self._workflow = workflow
        self._catalog = catalog
        self._notifier = SafeDriftNotifier(notifier)
        self._clock = clock
        self._actor_of = actor_of
        self._channel = channel
        self._admins = frozenset(admins)
        self._show_time = show_time

    def reconcile(self, finding_id: int, user: str) -> str:
        finding, request = self._allowed(finding_id, user, "reconcile")
        return self._follow_up(finding, request, user, "reconcile", request.intent)

    def accept(self, finding_id: int, user: str) -> str:
        finding, request = self._allowed(finding_id, user, "accept")
        if finding.state == DriftState.RECONCILING:
            return self._busy(finding)
        proposal = propose(request.intent, finding.changes, self._catalog)
        if proposal.intent is None:
            now = self._clock.now()
            self._findings.note(finding.id, user, "accept_refused", {"reasons": list(proposal.reasons)}, now)
            self._notifier.accept_refused(finding, request, proposal.reasons, user)
            return "This drift cannot be accepted: " + " ".join(proposal.reasons)
        return self._follow_up(finding, request, user, "accept", proposal.intent, proposal.changes)

    def snooze(self, finding_id: int, user: str) -> str:
        finding, request = self._allowed(finding_id, user, "snooze")
        now = self._clock.now()
        if finding.state == DriftState.RECONCILING:
            return self._busy(finding)
        if finding.state == DriftState.SNOOZED and finding.snoozed_until is not None:
            return f"Already snoozed until {self._show_time(finding.snoozed_until)}."
        finding, moved = self._findings.snooze(finding.id, user, now + SNOOZE, now)
        if not moved:
            return self._busy(finding)
        self._notifier.snoozed(finding, request, user)
        until = self._show_time(finding.snoozed_until)
        return f"Snoozed until {until}; if the drift is still there then, it is posted again."

    def _follow_up(
        self,
        finding: Finding,
        request: Request,
        user: str,
        kind: FollowUp,
        intent: Intent,
        changes: tuple[str, ...] = (),
    ) -> str:
        now = self._clock.now()
        taken, moved = self._findings.start_follow_up(finding.id, kind, user, now)
        if not moved:
            return self._busy(taken)
        try:
            opened = self._workflow.submit(
                intent,
                self._actor_of(user),
                self._channel,
                # A retried click returns the same request instead of opening a second one.
                dedupe_key=f"drift:{finding.id}:{finding.fingerprint[:16]}:{kind}",
            )
        except WorkflowError as exc:
            self._findings.abandon_follow_up(finding.id, user, exc.message, self._clock.now())
            raise
        except Exception:
            self._findings.abandon_follow_up(
                finding.id, user, "the request could not be opened", self._clock.now()
            )
            raise
        taken = self._findings.attach_follow_up(finding.id, opened.number, user, self._clock.now())
        if opened.state.is_final:
            # Denied by the intent-stage rules at once: the finding is open again, with the reason.
            self._findings.abandon_follow_up(finding.id, user, opened.error or "denied", self._clock.now())
            return f"{opened.id} was not accepted: {opened.error or 'denied by the rulebook'}"
        self._notifier.follow_up_opened(taken, request, opened, user)
        verb = "Reconcile" if kind == "reconcile" else "Accept"
        detail = f" ({'; '.join(changes)})" if changes else ""
        return (
            f"{verb} opened {opened.id}{detail}: it goes through the rulebook and approvals like any "
            f"change; follow it in its thread in <#{self._channel}>."
        )

    def _allowed(self, finding_id: int, user: str, verb: str) -> tuple[Finding, Request]:
        finding = self._findings.get(finding_id)
        request = self._workflow.get(finding.request_id)
        if user != request.requester and user not in self._admins:
            raise NotAllowed(
                f"Only <@{request.requester}>, who owns {request.id}, or a platform admin "
                f"can {verb} this drift."
            )
        if not finding.is_open:
            raise FindingClosed(finding.id, finding.state)
        return finding, request

    @staticmethod
    def _busy(finding: Finding) -> str:
        if finding.state == DriftState.RECONCILING:
            follow_up = finding.follow_up_request_id or "a request"
            return f"{follow_up} is already dealing with this drift ({finding.follow_up})."
        return f"This drift is {finding.state} now; nothing changed."
