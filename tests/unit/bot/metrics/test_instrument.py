"""The counting Notifier: forwards every call unchanged and counts it; drift comes from the store."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from bot.metrics import History
from bot.metrics.instrument import InstrumentedNotifier, StoreCollector, WorkflowMetrics, instrument
from bot.store import Store
from bot.workflow import Notifier, RequestState
from rulebook import Decision, Stage, Verdict
from tests.support.metrics_history import findings, requests, save
from tests.support.request_snapshots import AT, make_request
from tests.support.workflow import RecordingNotifier

TTL = timedelta(hours=24)


def value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    found = registry.get_sample_value(name, labels)
    return 0.0 if found is None else found


def wrapped() -> tuple[InstrumentedNotifier, RecordingNotifier, CollectorRegistry]:
    registry = CollectorRegistry()
    inner = RecordingNotifier()
    return InstrumentedNotifier(inner, WorkflowMetrics(registry), approval_ttl=TTL), inner, registry


def test_the_wrapper_still_fits_the_workflows_notifier_port() -> None:
    notifier: Notifier = wrapped()[0]
    assert notifier is not None


def test_calls_are_forwarded_with_their_results() -> None:
    notifier, inner, registry = wrapped()
    request = make_request()

    thread_ts = notifier.request_opened(request)

    assert inner.of("request_opened") == [(request,)]
    assert thread_ts == "1736150400.000001"  # what the inner notifier answered
    assert value(registry, "platformbot_requests_opened_total", path="service", action="apply") == 1


def test_a_success_counts_the_outcome_the_apply_duration_and_the_lead_time() -> None:
    notifier, _, registry = wrapped()
    request = make_request(
        state=RequestState.SUCCEEDED,
        created_at=AT,
        apply_started_at=AT + timedelta(minutes=50),
        finished_at=AT + timedelta(hours=1),
    )

    notifier.succeeded(request, {})

    assert (
        value(
            registry,
            "platformbot_requests_finished_total",
            path="service",
            action="apply",
            outcome="succeeded",
        )
        == 1
    )
    assert value(registry, "platformbot_runs_total", action="apply", outcome="succeeded") == 1
    assert (
        value(registry, "platformbot_apply_duration_seconds_sum", action="apply", outcome="succeeded") == 600
    )
    assert (
        value(registry, "platformbot_request_lead_time_seconds_sum", path="service", action="apply") == 3600
    )


def test_a_failed_preview_is_a_failed_request_but_not_a_failed_run() -> None:
    notifier, _, registry = wrapped()

    notifier.failed(make_request(state=RequestState.FAILED, apply_started_at=None), "engine said no")

    assert (
        value(
            registry, "platformbot_requests_finished_total", path="service", action="apply", outcome="failed"
        )
        == 1
    )
    assert value(registry, "platformbot_runs_total", action="apply", outcome="failed") == 0


def test_verdicts_are_counted_by_stage() -> None:
    notifier, _, registry = wrapped()
    deny = Decision(verdict=Verdict.DENY, stage=Stage.INTENT, rulebook_version="v")

    notifier.verdict_posted(make_request(), deny)
    notifier.plan_ready(make_request(), object(), deny)  # type: ignore[arg-type]

    assert value(registry, "platformbot_verdicts_total", stage="intent", verdict="deny") == 1
    assert value(registry, "platformbot_verdicts_total", stage="plan", verdict="deny") == 1


def test_the_last_approval_observes_the_wait_since_the_ask() -> None:
    notifier, _, registry = wrapped()
    asked = AT
    request = make_request(
        state=RequestState.APPROVED, approvals_expire_at=asked + TTL, approved_at=asked + timedelta(hours=3)
    )

    notifier.approval_requested(request, "security", 2)
    notifier.approval_recorded(request, "U0SEC1", ("security",), {"security": 1})
    notifier.approval_recorded(request, "U0SEC2", ("security",), {"security": 0})

    assert value(registry, "platformbot_approvals_requested_total", group="security") == 1
    assert value(registry, "platformbot_approvals_recorded_total", group="security") == 2
    assert value(registry, "platformbot_approval_wait_seconds_count") == 1
    assert value(registry, "platformbot_approval_wait_seconds_sum") == 3 * 3600


def test_expiry_rejection_and_cancellation_are_outcomes() -> None:
    notifier, _, registry = wrapped()
    request = make_request(apply_started_at=None)

    notifier.expired(request)
    notifier.rejected(request, "U0SEC1", "too big")
    notifier.cancelled(request, "U0REQ")

    for outcome in ("expired", "rejected", "cancelled"):
        labels = {"path": "service", "action": "apply", "outcome": outcome}
        assert value(registry, "platformbot_requests_finished_total", **labels) == 1


def test_an_error_in_the_inner_notifier_reaches_the_workflow_and_the_event_still_counts() -> None:
    # The request did expire; only telling Slack about it failed.
    class Broken(RecordingNotifier):
        def expired(self, request: object) -> None:
            raise RuntimeError("slack is down")

    registry = CollectorRegistry()
    notifier = InstrumentedNotifier(Broken(), WorkflowMetrics(registry), approval_ttl=TTL)

    with pytest.raises(RuntimeError):
        notifier.expired(make_request())
    assert (
        value(
            registry, "platformbot_requests_finished_total", path="service", action="apply", outcome="expired"
        )
        == 1
    )


def test_methods_beyond_the_port_pass_straight_through() -> None:
    class WithReminders(RecordingNotifier):
        def approval_reminder(self, request: object, group: str, missing: int) -> str:
            return f"{group}:{missing}"

    notifier = InstrumentedNotifier(WithReminders(), WorkflowMetrics(CollectorRegistry()), approval_ttl=TTL)
    assert notifier.approval_reminder(make_request(), "security", 1) == "security:1"


def test_drift_findings_are_read_from_the_store_at_scrape_time(tmp_path: Path) -> None:
    store = Store.from_url(f"sqlite:///{tmp_path / 'pb.sqlite3'}")
    registry = CollectorRegistry()
    instrument(RecordingNotifier(), registry, store, approval_ttl=TTL)
    before = generate_latest(registry).decode()
    save(store, History(requests=requests()[:1], findings=findings()))

    after = generate_latest(registry).decode()

    assert "platformbot_drift_findings_total 0.0" in before
    assert "platformbot_drift_findings_total 6.0" in after
    assert 'platformbot_drift_findings_by_state{state="open"} 1.0' in after
    assert 'platformbot_drift_findings_by_state{state="resolved"} 4.0' in after
    store.dispose()


def test_a_scrape_survives_a_database_without_the_drift_tables(tmp_path: Path) -> None:
    store = Store.from_url(f"sqlite:///{tmp_path / 'pb.sqlite3'}", migrate=False)
    registry = CollectorRegistry()
    registry.register(StoreCollector(store))

    scraped = generate_latest(registry).decode()

    assert "platformbot_drift_findings" not in scraped
    store.dispose()
