"""Prometheus counters and histograms, fed by wrapping the workflow's Notifier.

Every state change the workflow commits is followed by exactly one notifier call, so counting
those calls counts the events without touching the workflow. `InstrumentedNotifier` forwards
each call unchanged (return value and exceptions included) and counts it afterwards; a counting
problem is logged and never breaks a notice.

Drift lives in the schedules' tables, not in notifier calls: `StoreCollector` reads those counts
from the database at scrape time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlmodel import col, select

from bot.store import DriftFindingRow, FeedbackAnswerRow, FeedbackPollRow, Store
from bot.store.drift_models import DRIFT_STATES
from bot.workflow import LockHolder, Notifier, PlanChange, Request
from provisioners.plan import Plan
from rulebook import Decision

log = logging.getLogger(__name__)

# Seconds: a preview-free apply takes seconds, a database minutes, a human approval hours or days.
DURATION_BUCKETS = (
    1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 12 * 3600, 86400, 3 * 86400, 7 * 86400
)  # fmt: skip


class WorkflowMetrics:
    """The metric families, registered on one registry (the bot's, served at GET /metrics)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        def counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
            return Counter(name, doc, labels, registry=registry)

        def histogram(name: str, doc: str, labels: tuple[str, ...] = ()) -> Histogram:
            return Histogram(name, doc, labels, registry=registry, buckets=DURATION_BUCKETS)

        self.requests_opened = counter(
            "platformbot_requests_opened", "Requests stored and posted", ("path", "action")
        )
        self.verdicts = counter(
            "platformbot_verdicts", "Rulebook verdicts shown, by stage (intent, plan)", ("stage", "verdict")
        )
        self.approvals_requested = counter(
            "platformbot_approvals_requested", "Approval asks sent to a group", ("group",)
        )
        self.approvals_recorded = counter(
            "platformbot_approvals_recorded", "Approvals counted, per group", ("group",)
        )
        self.approvals_voided = counter(
            "platformbot_approvals_voided", "Approval rounds voided by a plan change"
        )
        self.finished = counter(
            "platformbot_requests_finished",
            "Requests that reached a final state after planning (succeeded, failed, rejected, expired, "
            "cancelled, recovered)",
            ("path", "action", "outcome"),
        )
        self.runs = counter(
            "platformbot_runs", "Provisioning runs (up or destroy) that ended", ("action", "outcome")
        )
        self.stack_busy = counter("platformbot_stack_busy", "Approved requests that waited for a busy stack")
        self.lead_time = histogram(
            "platformbot_request_lead_time_seconds", "From request to success", ("path", "action")
        )
        self.apply_duration = histogram(
            "platformbot_apply_duration_seconds", "From apply start to its end", ("action", "outcome")
        )
        self.approval_wait = histogram(
            "platformbot_approval_wait_seconds", "From the approval ask to the last approval needed"
        )


class InstrumentedNotifier:
    """A Notifier that forwards to `inner` and counts. Hand it to the Workflow in place of `inner`."""

    def __init__(self, inner: Notifier, metrics: WorkflowMetrics, *, approval_ttl: timedelta) -> None:
        self._inner = inner
        self._m = metrics
        # Only for requests stored before approval_requested_at existed (expires_at = ask + ttl).
        self._ttl = approval_ttl

    def __getattr__(self, name: str) -> Any:
        # Anything beyond the Notifier protocol (e.g. approval reminders) passes straight through.
        return getattr(self._inner, name)

    # Counted before Slack is told: the workflow event happened even when posting about it fails.
    def _count(self, what: str, update: Callable[[], None]) -> None:
        try:
            update()
        except Exception:
            log.exception("metrics for %s failed", what)

    def request_opened(self, request: Request) -> str | None:
        opened = self._m.requests_opened.labels(request.path, request.action)
        self._count("request_opened", opened.inc)
        return self._inner.request_opened(request)

    def verdict_posted(self, request: Request, decision: Decision) -> None:
        self._count("verdict", lambda: self._m.verdicts.labels("intent", str(decision.verdict)).inc())
        self._inner.verdict_posted(request, decision)

    def plan_ready(self, request: Request, plan: Plan, decision: Decision) -> None:
        self._count("verdict", lambda: self._m.verdicts.labels("plan", str(decision.verdict)).inc())
        self._inner.plan_ready(request, plan, decision)

    def approval_requested(self, request: Request, group: str, count: int) -> None:
        self._count("approval_requested", lambda: self._m.approvals_requested.labels(group).inc())
        self._inner.approval_requested(request, group, count)

    def approval_recorded(
        self, request: Request, approver: str, groups: tuple[str, ...], remaining: Mapping[str, int]
    ) -> None:

        def update() -> None:
            for group in groups:
                self._m.approvals_recorded.labels(group).inc()
            if not any(remaining.values()) and request.approved_at and request.approvals_expire_at:
                # Stored since migration 0006; the ttl only reads back older rows with no trail.
                asked = request.approval_requested_at or request.approvals_expire_at - self._ttl
                self._m.approval_wait.observe(_seconds(request.approved_at, asked))

        self._count("approval_recorded", update)
        self._inner.approval_recorded(request, approver, groups, remaining)

    def approvals_voided(self, request: Request, change: PlanChange) -> None:
        self._count("approvals_voided", self._m.approvals_voided.inc)
        self._inner.approvals_voided(request, change)

    def progress(self, request: Request, progress: Any) -> None:
        self._inner.progress(request, progress)

    def succeeded(self, request: Request, outputs: Mapping[str, Any]) -> None:

        def update() -> None:
            self._finished(request, "succeeded")
            if request.finished_at is not None:
                self._m.lead_time.labels(request.path, request.action).observe(
                    _seconds(request.finished_at, request.created_at)
                )

        self._count("succeeded", update)
        self._inner.succeeded(request, outputs)

    def deliver_secrets(self, recipient: str, request: Request, secret_outputs: Mapping[str, Any]) -> None:
        self._inner.deliver_secrets(recipient, request, secret_outputs)

    def secrets_withheld(self, request: Request, recipient: str | None) -> None:
        # Nothing to count: the apply it follows is counted once, by `succeeded`.
        self._inner.secrets_withheld(request, recipient)

    def request_updated(self, request: Request) -> None:
        self._inner.request_updated(request)

    def failed(self, request: Request, message: str) -> None:
        self._count("failed", lambda: self._finished(request, "failed"))
        self._inner.failed(request, message)

    def rejected(self, request: Request, approver: str, reason: str) -> None:
        self._count("rejected", lambda: self._finished(request, "rejected"))
        self._inner.rejected(request, approver, reason)

    def expired(self, request: Request) -> None:
        self._count("expired", lambda: self._finished(request, "expired"))
        self._inner.expired(request)

    def cancelled(self, request: Request, actor: str) -> None:
        self._count("cancelled", lambda: self._finished(request, "cancelled"))
        self._inner.cancelled(request, actor)

    def also_open(self, request: Request, others: Sequence[str]) -> None:
        self._inner.also_open(request, others)

    def stack_busy(self, request: Request, holder: LockHolder) -> None:
        self._count("stack_busy", self._m.stack_busy.inc)
        self._inner.stack_busy(request, holder)

    def recovered_after_crash(self, request: Request) -> None:
        self._count("recovered", lambda: self._finished(request, "recovered"))
        self._inner.recovered_after_crash(request)

    def _finished(self, request: Request, outcome: str) -> None:
        self._m.finished.labels(request.path, request.action, outcome).inc()
        # Only requests that started applying have an apply duration (a failed preview has none).
        if request.apply_started_at is not None and request.finished_at is not None:
            self._m.runs.labels(request.action, outcome).inc()
            self._m.apply_duration.labels(request.action, outcome).observe(
                _seconds(request.finished_at, request.apply_started_at)
            )


def _seconds(end: datetime, start: datetime) -> float:
    return max((end - start).total_seconds(), 0.0)


class StoreCollector(Collector):
    """Drift and feedback counts read from the database when Prometheus scrapes."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        try:
            with self._store.read() as session:
                by_state = dict(
                    session.exec(
                        select(DriftFindingRow.state, func.count()).group_by(col(DriftFindingRow.state))
                    ).all()
                )
                polls = dict(
                    session.exec(
                        select(FeedbackPollRow.kind, func.count()).group_by(col(FeedbackPollRow.kind))
                    ).all()
                )
                answers = dict(
                    session.exec(
                        select(FeedbackAnswerRow.kind, func.count()).group_by(col(FeedbackAnswerRow.kind))
                    ).all()
                )
        except Exception:
            # A scrape must not fail because the database is busy; the families are simply absent.
            log.warning("metrics: cannot read drift and feedback counts", exc_info=True)
            return
        detected = CounterMetricFamily("platformbot_drift_findings", "Drift findings ever recorded")
        detected.add_metric([], float(sum(by_state.values())))
        yield detected
        current = GaugeMetricFamily(
            "platformbot_drift_findings_by_state", "Drift findings per current state", labels=["state"]
        )
        for state in DRIFT_STATES:
            current.add_metric([state], float(by_state.get(state, 0)))
        yield current
        sent = CounterMetricFamily("platformbot_feedback_polls", "Feedback polls sent", labels=["kind"])
        for kind, count in sorted(polls.items()):
            sent.add_metric([kind], float(count))
        yield sent
        got = CounterMetricFamily("platformbot_feedback_answers", "Feedback answers stored", labels=["kind"])
        for kind, count in sorted(answers.items()):
            got.add_metric([kind], float(count))
        yield got


def instrument(
    inner: Notifier, registry: CollectorRegistry, store: Store, *, approval_ttl: timedelta
) -> InstrumentedNotifier:
    """Register the workflow metrics and the store collector on `registry`; wrap `inner`."""
    registry.register(StoreCollector(store))
    return InstrumentedNotifier(inner, WorkflowMetrics(registry), approval_ttl=approval_ttl)
