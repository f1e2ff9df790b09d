from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import ManualClock
from bot.schedules import Schedules
from bot.schedules.reminders import Reminders
from bot.store import Store
from bot.workflow import Request, RequestState, Workflow
from intents import Catalog
from tests.support.request_states import awaiting, postgres_intent
from tests.support.workflow import RecordingNotifier

CRONS = {"reminders": "0 * * * *", "expiry": "*/5 * * * *"}


def scheduled(
    store: Store, workflow: Workflow, clock: ManualClock, sent: list[tuple[str, str, int]]
) -> Schedules:
    """Reminders every 4 hours and expiry, as the app wires them, on a scheduler driven by hand."""

    def remind(request: Request, group: str, missing: int) -> None:
        sent.append((request.id, group, missing))

    reminders = Reminders(
        store=store,
        workflow=workflow,
        remind=remind,
        every=timedelta(hours=4),
        approval_ttl=timedelta(hours=24),
    )
    schedules = Schedules(store, clock, CRONS, tick_seconds=None)
    schedules.register("reminders", reminders.run)
    schedules.register("expiry", workflow.expire_due)
    return schedules


def hours(clock: ManualClock, schedules: Schedules, count: int) -> list[datetime]:
    """Move the clock an hour at a time, running what is due after each step."""
    seen = []
    for _ in range(count):
        now = clock.advance(timedelta(hours=1))
        schedules.run_due(now)
        seen.append(now)
    return seen


def test_pending_approvals_are_reminded_every_n_hours_until_they_expire(
    store: Store, workflow: Workflow, catalog: Catalog, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    sent: list[tuple[str, str, int]] = []
    schedules = scheduled(store, workflow, clock, sent)
    start = clock.now()
    request = awaiting(
        workflow,
        postgres_intent(catalog, env="prod"),
        expires_in=timedelta(hours=24),
        required={"security": 1},
    )
    reminded_at: list[datetime] = []
    for _ in range(24):
        before = len(sent)
        (now,) = hours(clock, schedules, 1)
        reminded_at += [now] if len(sent) > before else []
    assert [at - start for at in reminded_at] == [timedelta(hours=h) for h in (4, 8, 12, 16, 20)]
    assert set(sent) == {(request.id, "security", 1)}
    # At the 24th hour the window closed: expired, the requester told, and no reminder any more.
    assert workflow.get(request.id).state is RequestState.EXPIRED
    assert [args[0].id for args in notifier.of("expired")] == [request.id]
    hours(clock, schedules, 8)
    assert len(sent) == 5 and len(notifier.of("expired")) == 1


def test_a_group_that_has_given_its_approvals_is_not_reminded(
    store: Store, workflow: Workflow, catalog: Catalog, clock: ManualClock
) -> None:
    sent: list[tuple[str, str, int]] = []
    schedules = scheduled(store, workflow, clock, sent)
    request = awaiting(
        workflow,
        postgres_intent(catalog, env="prod"),
        expires_in=timedelta(hours=24),
        required={"security": 2, "oncall": 1},
    )
    assert workflow.approve(request.id, "U_ONCALL", request.plan_hash or "").accepted
    assert workflow.approve(request.id, "U_SEC1", request.plan_hash or "").accepted
    hours(clock, schedules, 5)
    assert sent == [(request.id, "security", 1)]


def test_expiry_runs_once_when_the_bot_comes_back_after_the_window_closed(
    store: Store, workflow: Workflow, catalog: Catalog, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    sent: list[tuple[str, str, int]] = []
    scheduled(store, workflow, clock, sent)  # registered, then the bot is down for two days
    request = awaiting(
        workflow,
        postgres_intent(catalog, env="prod"),
        expires_in=timedelta(hours=24),
        required={"security": 1},
    )
    clock.advance(timedelta(days=2))
    back = scheduled(store, workflow, clock, sent)
    runs = {run.job_id: run for run in back.run_due(clock.now())}
    assert runs["expiry"].outcome == "succeeded" and runs["expiry"].coalesced > 500
    assert runs["reminders"].outcome == "succeeded" and sent == []  # expired requests are not chased
    assert workflow.get(request.id).state is RequestState.EXPIRED
    assert len(notifier.of("expired")) == 1
